/**
 * The header contract every image header fulfils (nibabel's `spatialimages.SpatialHeader`
 * protocol: `get_data_dtype`, `get_data_shape`, `get_zooms`, `get_data_offset`,
 * `get_slope_inter`, `get_base_affine`/`get_best_affine`, `copy`), plus `BasicSpatialHeader`,
 * the format-less header nibabel uses for in-memory images (`SpatialHeader` itself: dtype,
 * shape and zooms only, float32 by default).
 *
 * What the proxy and image layers rely on: `getDataShape()` counts voxels (numpy shape),
 * `getDataDtype()` is the on-disk dtype and `endianness` its byte order, `getDataOffset()`
 * is where the array starts in its file, `getSlopeInter()` is `[null, null]` when no
 * scaling applies, and `getBestAffine()` is always a finite 4×4 for a header that passed
 * its checks.
 */
import { type DType, dtypeInfo, dtypeFromNiftiCode } from '../dtypes.js';
import { HeaderDataError } from '../errors.js';
import { type Matrix, shapeZoomAffine } from '../affines.js';
import { type Endianness, NATIVE_CODE } from './wrapstruct.js';

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
  copy(): SpatialHeader;
}

/**
 * True when `obj` looks like a `SpatialHeader` (duck typing, as nibabel does).
 * @param obj anything
 * @returns whether it has the contract's methods
 */
export function isSpatialHeader(obj: unknown): obj is SpatialHeader {
  if (typeof obj !== 'object' || obj === null) return false;
  const o = obj as Record<string, unknown>;
  return ['getDataDtype', 'getDataShape', 'getZooms', 'getDataOffset', 'getSlopeInter', 'getBestAffine', 'copy'].every(
    (k) => typeof o[k] === 'function',
  );
}

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
 * nibabel's format-less `SpatialHeader`: a dtype, a shape and zooms, nothing on disk.
 * Used for in-memory images that have no format header.
 */
export class BasicSpatialHeader implements SpatialHeader {
  /** Always native: there is no file. */
  readonly endianness: Endianness = NATIVE_CODE;
  private dtype: DType;
  private shape: number[];
  private zooms: number[];

  /**
   * @param opts initial dtype (float32), shape (`[0]`) and zooms (1 per axis)
   * @throws {HeaderDataError} when zooms do not match the shape
   */
  constructor(opts: { dtype?: DType | number; shape?: readonly number[]; zooms?: readonly number[] } = {}) {
    this.dtype = resolveDType(opts.dtype ?? 'float32');
    this.shape = [0];
    this.zooms = [1];
    if (opts.shape) this.setDataShape(opts.shape);
    if (opts.zooms) this.setZooms(opts.zooms);
  }

  /** @returns the dtype */
  getDataDtype(): DType {
    return this.dtype;
  }

  /** @param dtype dtype name or NIfTI code */
  setDataDtype(dtype: DType | number): void {
    this.dtype = resolveDType(dtype);
  }

  /** @returns a copy of the shape */
  getDataShape(): number[] {
    return this.shape.slice();
  }

  /**
   * Sets the shape; zooms of kept axes stay, new axes get 1 (nibabel).
   * @param shape non-negative integers
   * @throws {HeaderDataError} for negative or non-integer sizes
   */
  setDataShape(shape: readonly number[]): void {
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new HeaderDataError(`shape ${shape} is not a valid array shape`);
    }
    const nz = shape.map((_, i) => this.zooms[i] ?? 1);
    this.shape = shape.slice();
    this.zooms = nz;
  }

  /** @returns a copy of the zooms */
  getZooms(): number[] {
    return this.zooms.slice();
  }

  /**
   * @param zooms one non-negative number per axis
   * @throws {HeaderDataError} for the wrong count or negative zooms
   */
  setZooms(zooms: readonly number[]): void {
    if (zooms.length !== this.shape.length) {
      throw new HeaderDataError(`Expecting ${this.shape.length} zoom values for ndim ${this.shape.length}`);
    }
    if (zooms.some((z) => !(z >= 0))) throw new HeaderDataError('zooms must be positive');
    this.zooms = zooms.slice();
  }

  /** @returns 0: the array has no file */
  getDataOffset(): number {
    return 0;
  }

  /** @returns `[null, null]`: no scaling */
  getSlopeInter(): [number | null, number | null] {
    return [null, null];
  }

  /** @returns the centre-origin base affine, with x flipped (nibabel `get_base_affine`) */
  getBaseAffine(): Matrix {
    return shapeZoomAffine(this.shape, this.zooms, true);
  }

  /** @returns the base affine: nothing better is known */
  getBestAffine(): Matrix {
    return this.getBaseAffine();
  }

  /** @returns an independent copy */
  copy(): BasicSpatialHeader {
    return new BasicSpatialHeader({ dtype: this.dtype, shape: this.shape, zooms: this.zooms });
  }
}
