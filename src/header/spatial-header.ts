/**
 * The one header contract every image header fulfils (nibabel's `spatialimages.SpatialHeader`
 * protocol: `get_data_dtype`, `get_data_shape`, `get_zooms`, `get_data_offset`,
 * `get_slope_inter`, `get_base_affine`/`get_best_affine`, `copy`), and `HeaderLike`, the
 * part of it a header class's `fromHeader` reads from another format's header.
 *
 * What the proxy and image layers rely on: `getDataShape()` counts voxels (numpy shape),
 * `getDataDtype()` is the on-disk dtype and `endianness` its byte order, `getDataOffset()`
 * is where the array starts in its file, `getSlopeInter()` is `[null, null]` when no
 * scaling applies, and `getBestAffine()` is always a finite 4×4 for a header that passed
 * its checks.
 */
import { type DType, dtypeInfo, dtypeFromNiftiCode } from '../dtypes.js';
import { HeaderDataError } from '../errors.js';
import type { Matrix } from '../linalg.js';
import type { Endianness } from './wrapstruct.js';

export type { Endianness } from './wrapstruct.js';

/** The contract shared by all image headers. */
export interface SpatialHeader {
  /** Byte order of the header and of the on-disk array. */
  readonly endianness: Endianness;
  /** @returns the on-disk dtype of the array */
  getDataDtype(): DType;
  /** @param dtype new dtype (name or NIfTI code) */
  setDataDtype(dtype: DType | number): void;
  /** @returns the array shape, fastest axis first (numpy / Fortran order of the file) */
  getDataShape(): number[];
  /** @param shape new array shape */
  setDataShape(shape: readonly number[]): void;
  /** @returns voxel sizes (and TR etc.) for each axis */
  getZooms(): number[];
  /** @param zooms new voxel sizes, one per axis */
  setZooms(zooms: readonly number[]): void;
  /** @returns byte offset of the array in its file */
  getDataOffset(): number;
  /** @returns `[slope, inter]`, `null` where no scaling applies */
  getSlopeInter(): [number | null, number | null];
  /** @returns the voxel → world affine the image should use */
  getBestAffine(): Matrix;
  /** @returns the affine from shape and zooms alone */
  getBaseAffine(): Matrix;
  /** @returns an independent copy */
  copy(): this;
}

/** What `fromHeader` takes from any header, of any format: dtype, shape and zooms (nibabel's `from_header`). */
export type HeaderLike = Pick<SpatialHeader, 'getDataDtype' | 'getDataShape' | 'getZooms'>;

/**
 * Resolves a dtype given as a name or a NIfTI datatype code.
 * @param dtype name (`'int16'`) or code (`4`)
 * @returns the dtype name
 * @throws {TypeError} for Python-style unsized `'int'` (nibabel refuses it too)
 * @throws {UnsupportedError} for unknown or unsupported dtypes (from the dtype table)
 */
export function resolveDType(dtype: DType | number | string): DType {
  if (dtype === 'int') {
    throw new TypeError("Invalid data type 'int'. Specify a sized integer, e.g., 'uint8' or 'int16'.");
  }
  if (typeof dtype === 'number') return dtypeFromNiftiCode(dtype).name;
  return dtypeInfo(dtype).name;
}

/**
 * Bytes an array of this shape takes (Π shape × itemsize), computed exactly: every header's
 * `getDataBytes`, the one place an overflowing size is refused.
 * @param shape the dims
 * @param itemsize bytes per voxel
 * @returns the byte count
 * @throws {HeaderDataError} `SIZE_OVERFLOW` beyond 2^53, `BAD_DIM` for a negative dim
 */
export function dataByteSize(shape: readonly number[], itemsize: number): number {
  let n = BigInt(itemsize);
  for (const d of shape) {
    if (d < 0) throw new HeaderDataError(`negative array dimension ${d}`, { code: 'BAD_DIM' });
    n *= BigInt(d);
  }
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeaderDataError(`the array would take ${n} bytes, more than 2^53`, { code: 'SIZE_OVERFLOW' });
  return Number(n);
}
