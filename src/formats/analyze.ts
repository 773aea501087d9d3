/**
 * Analyze 7.5 images (port of nibabel's `analyze.py` `AnalyzeImage`): a `.hdr` + `.img`
 * pair, the header class `AnalyzeHeader` (src/header/analyze-header.ts). SPM99 and SPM2
 * (spm99analyze.ts, spm2analyze.ts) differ only in their header class and SPM99's `.mat`.
 *
 * - Reading (`fromSources`, what the loader calls): the header's own bytes are parsed and
 *   checked, and the array becomes an `ArrayProxy` over the `.img` at `vox_offset` with the
 *   header's scaling (none for Analyze; SPM's slope, as float32 for SPM99). The affine is the
 *   header's best affine. Nothing of the array is read.
 * - Construction (nibabel's `AnalyzeImage.__init__` and `update_header`): the header is copied
 *   (`fromHeader`), the consumables reset (`vox_offset` 0, slope/intercept "unset"), the
 *   shape taken from the data, the dtype from the data when no header is given, and an
 *   affine that differs from the header's best one written into it (`setFromAffine`).
 * - Writing (`toBytes`, `toBlob`): `{ hdr, img }`, the header (updated as nibabel's
 *   `to_file_map` does) and the voxels in F order in the header's dtype and byte order,
 *   scaled by nibabel's writer for the header class (src/formats/array-writer.ts: none for
 *   Analyze — data that need scaling are refused —, slope for SPM).
 */
import { type DType, type TypedArray, dtypeInfo, dtypeOfTypedArray } from '../dtypes.js';
import { allclose } from '../affines.js';
import { AnalyzeHeader, type SpatialHeaderLike } from '../header/analyze-header.js';
import type { FromSourcesOptions, ImageSources, ProxyImage } from '../image/image-class.js';
import { type DataObj, SpatialImage, asArray } from '../image/spatial-image.js';
import { NDArray } from '../ndarray.js';
import { ArrayProxy } from '../proxy/array-proxy.js';
import { makeArrayWriter, scalingKindFor } from './array-writer.js';
import { type ToBytesOptions, type WriteOptions, fileBlob } from './write-options.js';

/** Wraps a typed array with its shape as a column-major NDArray. */
export function toDataObj(data: DataObj | TypedArray, shape?: readonly number[]): DataObj {
  if (data instanceof NDArray || data instanceof ArrayProxy) return data;
  if (!shape) throw new TypeError('a typed array needs a shape: new Nifti1Image(data, affine, header, { shape })');
  return new NDArray(data, shape, { dtype: dtypeOfTypedArray(data) });
}

/** Options of the Analyze-family constructors. */
export interface AnalyzeImageOptions {
  /** Shape, when `dataobj` is a plain typed array. */
  shape?: readonly number[];
  /** On-disk dtype to use when saving (nibabel's `dtype=` argument). */
  dtype?: DType;
}

/** The two files of a pair. */
export interface PairBytes {
  hdr: Uint8Array;
  img: Uint8Array;
}

/** The two files of a pair, as Blobs. */
export interface PairBlobs {
  hdr: Blob;
  img: Blob;
}

/**
 * Reads and checks a header of class `H` from the start of `source`.
 * @internal shared by the Analyze family's `fromSources`
 */
export async function readHeader<H extends typeof AnalyzeHeader>(
  H: H,
  source: ImageSources['header'],
  isSingle: boolean,
  signal?: AbortSignal,
): Promise<InstanceType<H>> {
  const head = await source.read(0, H.sniffBytes, { signal });
  const extent = H.headerExtent(head, isSingle);
  const bytes = extent > head.length ? await source.read(0, extent, { signal }) : head.subarray(0, extent);
  return H.fromBytes(bytes, { checks: true, isSingle }) as InstanceType<H>;
}

/**
 * The array proxy a header describes (nibabel's `ArrayProxy(fileobj, header)`).
 * @internal shared by the Analyze family's `fromSources`
 */
export function proxyFor(header: AnalyzeHeader, source: ImageSources['image']): ArrayProxy {
  const [slope, inter] = header.getSlopeInter();
  return new ArrayProxy(source, {
    shape: header.getDataShape(),
    dtype: header.getDataDtype(),
    littleEndian: header.endianness === '<',
    offset: header.getDataOffset(),
    slope: slope ?? 1,
    inter: inter ?? 0,
    order: 'F',
    spm99: header.klass.float32Slope,
  });
}

/** A plain Analyze 7.5 image (nibabel's `AnalyzeImage`). */
export class AnalyzeImage<H extends AnalyzeHeader = AnalyzeHeader> extends SpatialImage<H> {
  /** The header class (nibabel's `header_class`). */
  static readonly headerClass: typeof AnalyzeHeader = AnalyzeHeader;
  /** File extensions of the class. */
  static readonly validExts: readonly string[] = ['.img', '.hdr'];
  /** Header and data in two files. */
  static readonly isSingle: boolean = false;

  /** Bytes the sniff needs. */
  static get sniffBytes(): number {
    return this.headerClass.sniffBytes;
  }

  /**
   * The header class's sniff (nibabel's `header_class.may_contain_header`).
   * @param head the first bytes of the header file
   * @returns whether this class may read it
   */
  static mayContainHeader(head: Uint8Array): boolean {
    return this.headerClass.mayContainHeader(head);
  }

  /**
   * Parses and checks the header, and builds the proxy image (nibabel's `from_file_map`).
   * @param sources header and image files (and SPM's `.mat`)
   * @param opts `signal` to abort
   * @returns the image; nothing of the array is read
   * @throws {ImageFileError} | {HeaderDataError} | {UnsupportedError} for a bad header
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static async fromSources<T extends typeof AnalyzeImage<any>>(this: T, sources: ImageSources, opts: FromSourcesOptions = {}): Promise<ProxyImage<InstanceType<T>>> {
    const header = await readHeader(this.headerClass, sources.header, this.isSingle, opts.signal);
    const proxy = proxyFor(header, sources.image);
    const sidecar = await this.sidecarAffine(sources, header, opts);
    const img = new this(proxy, header.getBestAffine(), header) as ProxyImage<InstanceType<T>>;
    // nibabel sets the .mat affine after construction: the header (zooms, origin) keeps its own.
    if (sidecar) img.affine = sidecar;
    img.warnings.push(...header.warnings);
    return img;
  }

  /** @internal an affine from files beside the pair (SPM's `.mat`); none for Analyze */
  protected static async sidecarAffine(_sources: ImageSources, _header: AnalyzeHeader, _opts: FromSourcesOptions): Promise<number[][] | null> {
    return null;
  }

  /**
   * @param dataobj an NDArray, an ArrayProxy, or a typed array with `opts.shape`
   * @param affine 4×4 voxel → world affine, or null
   * @param header a header to copy (any Analyze-family header), or null for defaults
   * @param opts `shape` for a typed array; `dtype` for saving
   * @throws {HeaderDataError} when the data's dtype or shape does not fit the format
   * @throws {RangeError} when the affine is not 4×4
   */
  constructor(
    dataobj: DataObj | TypedArray,
    affine: readonly (readonly number[])[] | null,
    header?: SpatialHeaderLike | null,
    opts: AnalyzeImageOptions = {},
  ) {
    const obj = toDataObj(dataobj, opts.shape);
    const K = new.target as unknown as { headerClass: typeof AnalyzeHeader; prepareHeader: typeof AnalyzeImage.prepareHeader };
    super(obj, affine, K.prepareHeader(K.headerClass, obj, affine, header, opts) as H);
  }

  /**
   * nibabel's construction rules for the header (see the file comment).
   * @internal
   */
  protected static prepareHeader(
    Header: typeof AnalyzeHeader,
    obj: DataObj,
    affine: readonly (readonly number[])[] | null,
    header: SpatialHeaderLike | null | undefined,
    opts: AnalyzeImageOptions,
  ): AnalyzeHeader {
    const hdr = header ? Header.fromHeader(header) : new Header();
    if (opts.dtype) hdr.setDataDtype(opts.dtype);
    else if (!header) hdr.setDataDtype(obj.dtype);
    hdr.setDataOffset(0);
    hdr.setSlopeInter(null, null);
    hdr.setDataShape(obj.shape);
    if (affine !== null && (!header || !allclose(affine, hdr.getBestAffine()))) hdr.setFromAffine(affine);
    return hdr;
  }

  /**
   * The pair's bytes as nibabel writes them (`to_file_map`): `{ hdr, img }`.
   * @param opts `signal` to abort reading a proxy's data; `onProgress`
   * @returns the header file and the image file
   * @throws {ImageDataError} `SCALING_NEEDED` when Analyze data would need scaling, or the
   *   array writer's other codes; the read errors of a proxy
   */
  async toBytes(opts: ToBytesOptions = {}): Promise<PairBytes> {
    const hdr = this.header.copy();
    hdr.setDataShape(this.shape);
    const data = await asArray(this.dataobj, { signal: opts.signal });
    const out = hdr.getDataDtype();
    const [s0, i0] = [hdr.has('scl_slope') ? (hdr.get('scl_slope') as number) : Number.NaN, hdr.has('scl_inter') ? (hdr.get('scl_inter') as number) : Number.NaN];
    // nibabel: factors set by the user are written as given, with a plain cast.
    const explicit = !Number.isNaN(s0) || !Number.isNaN(i0);
    const K = hdr.klass;
    const { slope, inter, array } = makeArrayWriter(data, out, explicit ? 'cast' : scalingKindFor(K.hasDataSlope, K.hasDataIntercept));
    if (!explicit && K.hasDataSlope) hdr.setSlopeInter(slope, K.hasDataIntercept ? inter : null);
    hdr.setDataOffset(0);
    const info = dtypeInfo(out);
    const nbytes = array.size * info.itemsize;
    opts.onProgress?.({ loaded: nbytes, total: nbytes });
    const img = new Uint8Array(nbytes);
    img.set(new Uint8Array(array.data.buffer, array.data.byteOffset, nbytes));
    const width = info.itemsize / info.lanes;
    if (hdr.endianness === '>' && width > 1) for (let i = 0; i < nbytes; i += width) img.subarray(i, i + width).reverse();
    return { hdr: hdr.toBytes(), img };
  }

  /**
   * The pair as downloadable files, gzipped when asked (`gzip: true`, or a name ending `.gz`).
   * @param opts `gzip`, `level`, `name`, `signal`, `onProgress`
   * @returns `{ hdr, img }` Blobs
   * @throws as `toBytes`
   */
  async toBlob(opts: WriteOptions = {}): Promise<PairBlobs> {
    const { hdr, img } = await this.toBytes(opts);
    return { hdr: fileBlob(hdr, opts), img: fileBlob(img, opts) };
  }
}
