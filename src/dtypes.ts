/**
 * The dtype table: numpy-style names ↔ NIfTI datatype codes ↔ typed-array constructors ↔
 * item sizes (nibabel's `volumeutils.Recoder` of `_dtdefs` in nifti1.py, plus MGH codes).
 *
 * A voxel may hold several typed-array elements: complex64 is two float32 (re, im),
 * rgb24 three uint8. `shape` always counts voxels, as numpy does; `data.length` counts
 * elements, so `data.length === nvoxels * lanes`.
 */
import { UnsupportedError } from './errors.js';

/** A numpy-style dtype name supported by nibweb. */
export type DType =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'complex128'
  | 'rgb24'
  | 'rgba32';

/** Every typed array a dtype can map to. */
export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** Constructor of one of the typed arrays above. */
export type TypedArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** One row of the table. */
export interface DTypeInfo {
  name: DType;
  /** NIfTI `datatype` code. */
  code: number;
  /** Bytes per voxel (numpy itemsize). */
  itemsize: number;
  /** Typed-array elements per voxel (2 for complex, 3/4 for RGB). */
  lanes: number;
  /** The typed array holding the elements. */
  ctor: TypedArrayConstructor;
  /** numpy kind: 'u' unsigned int, 'i' signed int, 'f' float, 'c' complex, 'V' structured (RGB). */
  kind: 'u' | 'i' | 'f' | 'c' | 'V';
}

const ROWS: DTypeInfo[] = [
  { name: 'uint8', code: 2, itemsize: 1, lanes: 1, ctor: Uint8Array, kind: 'u' },
  { name: 'int16', code: 4, itemsize: 2, lanes: 1, ctor: Int16Array, kind: 'i' },
  { name: 'int32', code: 8, itemsize: 4, lanes: 1, ctor: Int32Array, kind: 'i' },
  { name: 'float32', code: 16, itemsize: 4, lanes: 1, ctor: Float32Array, kind: 'f' },
  { name: 'complex64', code: 32, itemsize: 8, lanes: 2, ctor: Float32Array, kind: 'c' },
  { name: 'float64', code: 64, itemsize: 8, lanes: 1, ctor: Float64Array, kind: 'f' },
  { name: 'rgb24', code: 128, itemsize: 3, lanes: 3, ctor: Uint8Array, kind: 'V' },
  { name: 'int8', code: 256, itemsize: 1, lanes: 1, ctor: Int8Array, kind: 'i' },
  { name: 'uint16', code: 512, itemsize: 2, lanes: 1, ctor: Uint16Array, kind: 'u' },
  { name: 'uint32', code: 768, itemsize: 4, lanes: 1, ctor: Uint32Array, kind: 'u' },
  { name: 'int64', code: 1024, itemsize: 8, lanes: 1, ctor: BigInt64Array, kind: 'i' },
  { name: 'uint64', code: 1280, itemsize: 8, lanes: 1, ctor: BigUint64Array, kind: 'u' },
  { name: 'complex128', code: 1792, itemsize: 16, lanes: 2, ctor: Float64Array, kind: 'c' },
  { name: 'rgba32', code: 2304, itemsize: 4, lanes: 4, ctor: Uint8Array, kind: 'V' },
];

/** NIfTI codes nibabel knows but nibweb cannot hold in a typed array. */
const UNSUPPORTED_CODES: Record<number, string> = {
  1: 'binary (1 bit)',
  1536: 'float128',
  2048: 'complex256',
};

const BY_NAME = new Map<string, DTypeInfo>(ROWS.map((r) => [r.name, r]));
const BY_CODE = new Map<number, DTypeInfo>(ROWS.map((r) => [r.code, r]));

/** All supported dtype names, in NIfTI code order. */
export const DTYPES: readonly DType[] = ROWS.map((r) => r.name);

/**
 * Looks up a dtype by name.
 * @param name a numpy-style name, e.g. `'int16'`
 * @returns its table row
 * @throws {UnsupportedError} for an unknown or unsupported name (e.g. `'float128'`)
 */
export function dtypeInfo(name: string): DTypeInfo {
  const row = BY_NAME.get(name);
  if (!row) {
    throw new UnsupportedError(`data dtype "${name}" not supported`, {
      code: 'UNSUPPORTED_DATATYPE',
      feature: `dtype:${name}`,
    });
  }
  return row;
}

/** True when `name` is a supported dtype. */
export function isDType(name: unknown): name is DType {
  return typeof name === 'string' && BY_NAME.has(name);
}

/**
 * Looks up a dtype by NIfTI `datatype` code.
 * @param code NIfTI datatype code
 * @returns its table row
 * @throws {UnsupportedError} for codes with no typed-array form (binary, float128, complex256) or unknown codes
 */
export function dtypeFromNiftiCode(code: number): DTypeInfo {
  const row = BY_CODE.get(code);
  if (row) return row;
  const known = UNSUPPORTED_CODES[code];
  throw new UnsupportedError(
    known
      ? `datatype ${code} (${known}) is not supported: JavaScript has no typed array for it`
      : `datatype code ${code} is not a known NIfTI datatype`,
    { code: 'UNSUPPORTED_DATATYPE', feature: `datatype:${known ?? code}` },
  );
}

/** True for float32/float64. */
export function isFloat(name: DType): boolean {
  return name === 'float32' || name === 'float64';
}

/** True for the integer dtypes, including 64-bit. */
export function isInteger(name: DType): boolean {
  const k = dtypeInfo(name).kind;
  return k === 'i' || k === 'u';
}

/** The dtype of an existing typed array (the natural one: Uint8Array → uint8). */
export function dtypeOfTypedArray(data: TypedArray): DType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  throw new TypeError('expected a typed array (Uint8Array … Float64Array, BigInt64Array)');
}

/**
 * [min, max] of each integer dtype, as float64 numbers (the 64-bit bounds are the nearest
 * doubles, ±2^63 and 2^64): the range scaling and writing reason about.
 */
export const INT_RANGES: Readonly<Partial<Record<DType, readonly [number, number]>>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

/** True when this platform stores multi-byte numbers little-endian (all current browsers do). */
export const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
