/**
 * NDArray: a strided view of a typed array, the smallest numpy-ndarray stand-in that
 * nibabel's image model needs. No dependencies beyond the dtype table.
 *
 * Invariants: `shape` counts voxels; `strides` and `offset` count *voxels* too (so for
 * complex64, element index = (offset + Σ i_k·strides_k)·2 + lane). Arrays read from files
 * are column-major (x fastest): `strides = [1, nx, nx·ny, …]`.
 */
import { type DType, type TypedArray, dtypeInfo, dtypeOfTypedArray } from './dtypes.js';
import { ArgumentError } from './errors.js';

/** Column-major (Fortran) strides of `shape`, in voxels. */
export function fortranStrides(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (const n of shape) {
    strides.push(s);
    s *= n;
  }
  return strides;
}

/** Row-major (C) strides of `shape`, in voxels. */
export function cStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Product of the shape (the voxel count); 1 for a 0-d shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** An n-dimensional strided view of a typed array. */
export class NDArray<T extends TypedArray = TypedArray> {
  /** The elements (interleaved lanes for complex and RGB dtypes). */
  readonly data: T;
  /** Voxels along each axis. */
  readonly shape: number[];
  /** Voxel step along each axis. */
  readonly strides: number[];
  /** Voxel index of element [0, 0, …]. */
  readonly offset: number;
  /** numpy-style dtype name. */
  readonly dtype: DType;

  /**
   * @param data the elements
   * @param shape voxels along each axis
   * @param opts `strides`/`offset` in voxels (default: column-major, 0); `dtype` when the
   *   typed array alone does not say it (complex, rgb)
   * @throws {RangeError} when the view would run past `data`
   */
  constructor(
    data: T,
    shape: readonly number[],
    opts: { strides?: readonly number[]; offset?: number; dtype?: DType } = {},
  ) {
    this.data = data;
    this.shape = [...shape];
    this.strides = opts.strides ? [...opts.strides] : fortranStrides(shape);
    this.offset = opts.offset ?? 0;
    this.dtype = opts.dtype ?? dtypeOfTypedArray(data);
    if (this.strides.length !== this.shape.length) {
      throw new RangeError(`strides (${this.strides.length}) and shape (${this.shape.length}) differ in length`);
    }
    const info = dtypeInfo(this.dtype);
    if (!(data instanceof info.ctor)) {
      throw new TypeError(`dtype ${this.dtype} needs a ${info.ctor.name}, got ${data.constructor.name}`);
    }
    if (shapeSize(this.shape) > 0) {
      let lo = this.offset;
      let hi = this.offset;
      for (let i = 0; i < this.shape.length; i++) {
        const span = (this.shape[i] - 1) * this.strides[i];
        if (span < 0) lo += span;
        else hi += span;
      }
      if (lo < 0 || (hi + 1) * info.lanes > data.length) {
        throw new RangeError(`shape [${this.shape}] does not fit in ${data.length / info.lanes} voxels`);
      }
    }
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of voxels. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Typed-array elements per voxel (2 for complex, 3/4 for RGB, else 1). */
  get lanes(): number {
    return dtypeInfo(this.dtype).lanes;
  }

  /** Element index in `data` of the voxel at `index` (lane 0). */
  elementIndex(index: readonly number[]): number {
    if (index.length !== this.shape.length) {
      throw new RangeError(`expected ${this.shape.length} indices, got ${index.length}`);
    }
    let k = this.offset;
    for (let i = 0; i < index.length; i++) {
      let j = index[i];
      const n = this.shape[i];
      if (j < 0) j += n;
      if (!Number.isInteger(j) || j < 0 || j >= n) {
        throw new RangeError(`index ${index[i]} is out of bounds for axis ${i} with size ${n}`);
      }
      k += j * this.strides[i];
    }
    return k * this.lanes;
  }

  /**
   * The value at one voxel (lane 0 for complex/RGB; use `data` for the others).
   * @param index one integer per axis; negative counts from the end
   * @returns the number (64-bit integers as `Number`, possibly inexact past 2^53)
   */
  get(...index: number[]): number {
    return Number(this.data[this.elementIndex(index)]);
  }

  /** True when the voxels are contiguous in column-major order from `offset`. */
  get isFortranContiguous(): boolean {
    const f = fortranStrides(this.shape);
    return this.shape.every((n, i) => n <= 1 || this.strides[i] === f[i]);
  }

  /** True when the voxels are contiguous in row-major order from `offset`. */
  get isCContiguous(): boolean {
    const c = cStrides(this.shape);
    return this.shape.every((n, i) => n <= 1 || this.strides[i] === c[i]);
  }
}

/** Converts one element value to what a typed array of `dtype` stores. */
function castValue(v: number | bigint, toBig: boolean, integer: boolean): number | bigint {
  if (toBig) return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
  const x = Number(v);
  return integer ? Math.trunc(x) : x;
}

/**
 * A copy of `arr` converted to `dtype`, with the same shape. Layout: with `order: 'K'`
 * (default) a C-contiguous array stays C-ordered and anything else comes out column-major
 * (numpy's `astype` for contiguous arrays); with `order: 'F'` the copy is always
 * column-major (what a NIfTI file stores).
 * Integer targets truncate toward zero and wrap as typed arrays do (numpy's unsafe cast);
 * real → complex sets the imaginary part to 0; complex → real keeps the real part
 * (numpy's ComplexWarning case).
 * @throws {ArgumentError} (a TypeError) for conversions to or from rgb24/rgba32 between different dtypes
 */
export function astype(arr: NDArray, dtype: DType, opts: { order?: 'K' | 'F' } = {}): NDArray {
  const from = dtypeInfo(arr.dtype);
  const to = dtypeInfo(dtype);
  if ((from.kind === 'V' || to.kind === 'V') && arr.dtype !== dtype) {
    throw new ArgumentError(`cannot convert ${arr.dtype} to ${dtype}: RGB voxels only copy to their own dtype`, {
      code: 'RGB_CAST',
    });
  }
  const n = arr.size;
  const out = new to.ctor(n * to.lanes) as TypedArray;
  const contiguousF = arr.isFortranContiguous;
  const contiguousC = opts.order !== 'F' && !contiguousF && arr.isCContiguous;
  const toBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const integer = to.kind === 'i' || to.kind === 'u';
  const lanesIn = from.lanes;
  const lanesOut = to.lanes;
  const shared = Math.min(lanesIn, lanesOut);
  const strides = contiguousC ? cStrides(arr.shape) : fortranStrides(arr.shape);
  const write = (dst: number, src: number): void => {
    for (let l = 0; l < shared; l++) {
      (out as unknown as (number | bigint)[])[dst * lanesOut + l] = castValue(
        arr.data[src * lanesIn + l] as number | bigint,
        toBig,
        integer,
      ) as never;
    }
  };
  if (contiguousF || contiguousC) {
    for (let i = 0; i < n; i++) write(i, arr.offset + i);
  } else {
    // Walk the voxels in column-major order.
    const idx = new Array<number>(arr.ndim).fill(0);
    for (let i = 0; i < n; i++) {
      let src = arr.offset;
      for (let d = 0; d < idx.length; d++) src += idx[d] * arr.strides[d];
      write(i, src);
      for (let d = 0; d < idx.length; d++) {
        if (++idx[d] < arr.shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  return new NDArray(out, arr.shape, { strides, dtype });
}
