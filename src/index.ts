/**
 * nibweb: nibabel's image model for the web — the public barrel (explicit exports only).
 *
 * @example
 * import { load, isProxy } from 'nibweb';
 * const img = await load(file);                       // header only; the array is a proxy
 * isProxy(img.dataobj);                               // true
 * const slab = await img.dataobj.get([null, null, 10]);  // reads one slice
 * const data = await img.getFdata({ dtype: 'float32' }); // whole volume, scaled, cached
 */

// Errors
export {
  ArgumentError,
  DecompressionError,
  HeaderDataError,
  ImageDataError,
  ImageFileError,
  IndexError,
  IndexTypeError,
  LimitError,
  NibwebError,
  UnsupportedError,
  WasmError,
  isNibabelError,
} from './errors.js';
export type { HeaderWarning, NibwebErrorTag } from './errors.js';

// Arrays and dtypes
export { DTYPES, dtypeFromNiftiCode, dtypeInfo, isDType } from './dtypes.js';
export type { DType, DTypeInfo, TypedArray } from './dtypes.js';
export { NDArray, astype, cStrides, fortranStrides, shapeSize } from './ndarray.js';

// Affines and orientations
export { applyAffine, fromMatvec, inv4, toMatvec, voxelSizes } from './affines.js';
export { aff2axcodes, applyOrientation, axcodes2ornt, invOrntAff, ioOrientation, ornt2axcodes, orntTransform } from './orientations.js';
export type { AxisLabels, Ornt } from './orientations.js';
export { asClosestCanonical } from './funcs.js';

// Byte sources
export type { ByteSource, ReadOptions } from './io/types.js';
export { BlobSource } from './io/blob-source.js';
export { BufferSource } from './io/buffer-source.js';
export { CachedSource } from './io/cached-source.js';
export { HttpSource } from './io/http-source.js';
export { NodeFileSource } from './io/node-file-source.js';
export type { PathEntry } from './io/node-paths.js';

// Codecs
export { gunzip } from './codecs/gzip.js';
export { GzipSource } from './codecs/gzip-source.js';

// Proxies
export { ArrayProxy, isProxy } from './proxy/array-proxy.js';
export type { ArrayProxySpec } from './proxy/array-proxy.js';
export { slice } from './proxy/slicing.js';
export type { Index, IndexItem, Slice } from './proxy/slicing.js';

// Headers
export { Nifti1Header, Nifti1PairHeader } from './header/nifti1-header.js';
export { Nifti2Header, Nifti2PairHeader } from './header/nifti2-header.js';
export { NiftiExtension } from './header/nifti-extensions.js';
export { MGHHeader } from './header/mgh-header.js';
export { AnalyzeHeader } from './header/analyze-header.js';
export { SpmAnalyzeHeader, Spm99AnalyzeHeader } from './header/spm99analyze-header.js';
export { Spm2AnalyzeHeader } from './header/spm2analyze-header.js';

// Images
export { SpatialImage, asArray } from './image/spatial-image.js';
export type { HeaderLike, SpatialHeader } from './header/spatial-header.js';
export type { DataObj, GetFdataOptions } from './image/spatial-image.js';
export { Nifti1Image, Nifti1Pair } from './formats/nifti1.js';
export { Nifti2Image, Nifti2Pair } from './formats/nifti2.js';
export { MGHImage } from './formats/mghformat.js';
export { AnalyzeImage } from './formats/analyze.js';
export type { AnalyzeImageOptions, BlobsOf, FileBytes, PairBlobs, PairBytes } from './formats/analyze.js';
export { Spm99AnalyzeImage } from './formats/spm99analyze.js';
export { Spm2AnalyzeImage } from './formats/spm2analyze.js';
export { readMatFile, writeMatV4 } from './formats/matfile.js';
export type { WriteOptions, ToBytesOptions } from './formats/write-options.js';

// Loading
export { IMAGE_CLASSES, load, loadFiles, loadHeader } from './load.js';
export type { LoadFilesOptions, LoadInput, LoadOptions, LoadedHeader, LoadedImage } from './load.js';
export { groupFiles, splitName } from './filename-parser.js';
export type { FileGroup, NamedFile } from './filename-parser.js';

// Workers
export { WorkerPool, createWorkerPool } from './worker/pool.js';
export type { WorkerPoolOptions } from './worker/pool.js';
export type { PoolGunzipOptions } from './worker/parallel-gunzip.js';

// WebAssembly
export { setWasmSource } from './wasm/load.js';
export type { WasmSource } from './wasm/load.js';
