/**
 * Voxel scaling and dtype rules: a port of nibabel's read-side scaling
 * (`volumeutils.apply_read_scaling`, `volumeutils.int_scinter_ftype`,
 * `arrayproxy.ArrayProxy._get_scaled`/`__array__`, `Nifti1Header.get_slope_inter`,
 * `Spm99AnalyzeHeader.get_slope_inter`) as nibabel 5.0.0 runs them under numpy 1.24, plus
 * the plain-TypeScript twin of the WebAssembly kernels in wasm/scale.ts (the fallback when
 * WebAssembly is off, and the oracle the kernels are tested against).
 *
 * What nibabel does, and therefore what this module does:
 * - `get_slope_inter`: slope 0, NaN or ±inf means no scaling; a valid slope with a
 *   non-finite intercept is a `HeaderDataError` for NIfTI (SPM2 uses 0 instead).
 * - `(slope, inter) == (1, 0)` returns the raw array untouched (its dtype is kept).
 * - Otherwise the result dtype is numpy's: integer data go to the smallest float type, at
 *   least the slope's type (float64 for NIfTI's Python floats, float32 for SPM99's float32
 *   scalar), in which `int.min*slope+inter` and `int.max*slope+inter` are finite, promoted
 *   with the raw type (so int32 * float32 works in float64); float data promote with the
 *   slope/inter types; complex64 with float64 gives complex128. The multiply happens only
 *   when slope != 1, the add only when inter != 0 (so raw -0.0 stays -0.0).
 * - Asking for a dtype (`get_fdata(dtype=float32)`, `np.asarray(proxy, float32)`) first
 *   casts slope and inter to that dtype when numpy 1.24's value-based `can_cast` allows it
 *   (|v| < 3.4e38), so int16/uint8/float32 data are scaled *in float32 arithmetic* with
 *   float32-rounded factors, while int32/int64/float64 data are scaled in float64 and
 *   rounded once at the end (int64 values round twice: to float64, then float32).
 * - Complex data: numpy multiplies by `slope + 0j` and adds `inter + 0j`, so the intercept
 *   goes to the real part only, and the imaginary part is `re*0 + im*slope` (inf*0 gives
 *   NaN). The NIfTI-1 text suggests scaling both parts alike; we follow nibabel.
 *
 * Known deviations (corner cases that cannot occur with NIfTI-1's float32 fields):
 * - nibabel widens to `longdouble` when even float64 would overflow (a NIfTI-2 slope near
 *   1e300); JavaScript has no such type, so we stay in float64 (the values become ±inf).
 * - With a requested float32 output, a float32 input whose intercept is not castable to
 *   float32 (|inter| ≥ 3.4e38) is multiplied in float32 then added in float64 by numpy; we
 *   do both in float64.
 * - RGB data cannot be scaled or converted to float (numpy raises); we throw
 *   `UnsupportedError`.
 */
import {
  type DType,
  type TypedArray,
  INT_RANGES,
  NATIVE_LITTLE_ENDIAN,
  dtypeInfo,
} from './dtypes.js';
import { HeaderDataError, UnsupportedError } from './errors.js';

/** A float working precision. */
export type FloatWidth = 'float32' | 'float64';

/** The output dtypes scaling can produce. */
export type ScaledDType = 'float32' | 'float64' | 'complex64' | 'complex128';

/** What to do with a valid slope but a non-finite intercept. */
export type InvalidInterPolicy = 'throw' | 'zero';

/**
 * nibabel's `get_slope_inter` rule on the header values.
 *
 * Port of `Nifti1Header.get_slope_inter` (nifti1.py) — and, with `invalidInter: 'zero'`, of
 * the first branch of `Spm2AnalyzeHeader.get_slope_inter`.
 * @param slope the header's `scl_slope` (as a number)
 * @param inter the header's `scl_inter`
 * @param opts `invalidInter`: `'throw'` (NIfTI, default) raises on a non-finite intercept
 *   with a valid slope; `'zero'` (SPM2) uses 0 instead
 * @returns `[slope, inter]`, or `[null, null]` when the slope is 0, NaN or ±inf (no scaling)
 * @throws {HeaderDataError} code `INVALID_INTERCEPT` for a valid slope with a NaN/±inf
 *   intercept (nibabel: "Valid slope but invalid intercept nan")
 */
export function effectiveSlopeInter(
  slope: number,
  inter: number,
  opts: { invalidInter?: InvalidInterPolicy } = {},
): [number, number] | [null, null] {
  if (slope === 0 || !Number.isFinite(slope)) return [null, null];
  if (!Number.isFinite(inter)) {
    if (opts.invalidInter === 'zero') return [slope, 0];
    // nibabel's message, with Python's spelling of the value.
    const shown = Number.isNaN(inter) ? 'nan' : inter > 0 ? 'inf' : '-inf';
    throw new HeaderDataError(`Valid slope but invalid intercept ${shown}`, { code: 'INVALID_INTERCEPT' });
  }
  return [slope, inter];
}

/** How to turn raw values into scaled ones: the result of nibabel's dtype logic. */
export interface ScalingPlan {
  /** True when no arithmetic happens: the values are the raw ones, maybe converted. */
  readonly identity: boolean;
  /** Slope to use, already rounded to float32 where nibabel rounds it. */
  readonly slope: number;
  /** Intercept to use, likewise. */
  readonly inter: number;
  /** Precision the arithmetic (and any intermediate conversion) runs in. */
  readonly work: FloatWidth;
  /** The dtype of the result. */
  readonly outDtype: DType;
}

// numpy 1.24 `min_scalar_type` for a float64 value: float32 holds it when |v| < 3.4e38
// (a strict bound; 3.4028234e38 itself does not pass). `can_cast` follows it.
function castsToFloat32(v: number): boolean {
  return v > -3.4e38 && v < 3.4e38;
}

// numpy's promote_types(raw, float<width>) reduced to the float width of the result.
function promoteWidth(raw: DType, width: FloatWidth): FloatWidth {
  switch (raw) {
    case 'uint8':
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'float32':
    case 'complex64':
      return width;
    default:
      return 'float64';
  }
}

function roundTo(width: FloatWidth, v: number): number {
  return width === 'float32' ? Math.fround(v) : v;
}


// int_scinter_ftype: the smallest float type, from `start`, in which the integer range
// scaled stays finite (computed in the promoted type, as numpy does).
function intScinterWidth(raw: DType, slope: number, inter: number, start: FloatWidth): FloatWidth {
  const range = INT_RANGES[raw]!;
  for (const ftype of start === 'float32' ? (['float32', 'float64'] as const) : (['float64'] as const)) {
    const w = promoteWidth(raw, ftype);
    const s = roundTo(ftype, slope);
    const i = roundTo(ftype, inter);
    const ok = range.every((v) => {
      let t = roundTo(w, v);
      if (s !== 1) t = roundTo(w, t * s);
      if (i !== 0) t = roundTo(w, t + i);
      return Number.isFinite(t);
    });
    if (ok) return ftype;
  }
  return 'float64';
}

function complexOf(width: FloatWidth): ScaledDType {
  return width === 'float32' ? 'complex64' : 'complex128';
}

function widthOf(dtype: DType): FloatWidth | null {
  if (dtype === 'float32' || dtype === 'complex64') return 'float32';
  if (dtype === 'float64' || dtype === 'complex128') return 'float64';
  return null;
}

function rgbError(raw: DType): UnsupportedError {
  return new UnsupportedError(`cannot scale or convert ${raw} data to float (numpy cannot either)`, {
    code: 'UNSUPPORTED_SCALING',
    feature: `scaling:${raw}`,
  });
}

/**
 * The whole of nibabel's read-scaling decision for one proxy read: which slope and
 * intercept values are used, in which precision, and the result dtype.
 *
 * Port of `ArrayProxy._get_scaled` + `apply_read_scaling` + `int_scinter_ftype`, with the
 * final `astype(dtype)` of `ArrayProxy.__array__`.
 * @param raw the on-disk dtype
 * @param slope the effective slope (`null` = none, as `effectiveSlopeInter` returns)
 * @param inter the effective intercept (`null` = 0)
 * @param opts `dtype`: the requested dtype (`get_fdata(dtype=…)`; omitted = `np.asarray(proxy)`);
 *   `spm99`: the slope is SPM99's float32 header scalar, not a Python float
 * @returns the plan
 * @throws {TypeError} when `dtype` is not a float or complex dtype
 * @throws {UnsupportedError} for RGB data that would need scaling or a float result
 */
export function scalingPlan(
  raw: DType,
  slope: number | null,
  inter: number | null,
  opts: { dtype?: DType; spm99?: boolean } = {},
): ScalingPlan {
  const info = dtypeInfo(raw);
  const req = opts.dtype;
  const reqWidth = req === undefined ? null : widthOf(req);
  if (req !== undefined && reqWidth === null) {
    throw new TypeError(`${req} should be floating point type (float32, float64, complex64 or complex128)`);
  }
  let s = slope ?? 1;
  let i = inter ?? 0;
  // Types of the factors: SPM99's slope is a float32 scalar; everything else a Python float.
  let slopeW: FloatWidth = 'float64';
  let interW: FloatWidth = 'float64';
  if (opts.spm99) {
    s = Math.fround(s);
    slopeW = 'float32';
  }
  // _get_scaled: cast the factors to the requested (or the slope's) type when can_cast allows.
  const use = reqWidth ?? slopeW;
  if (use === 'float32') {
    if (slopeW === 'float32' || castsToFloat32(s)) {
      s = Math.fround(s);
      slopeW = 'float32';
    }
    if (castsToFloat32(i)) {
      i = Math.fround(i);
      interW = 'float32';
    }
  } else {
    slopeW = 'float64';
    interW = 'float64';
  }

  if (s === 1 && i === 0) {
    if (info.kind === 'V' && req !== undefined) throw rgbError(raw);
    // The raw array, then astype(promote_types(raw, dtype)).astype(dtype).
    const work = reqWidth ? promoteWidth(raw, reqWidth) : 'float64';
    return { identity: true, slope: 1, inter: 0, work, outDtype: req ?? raw };
  }
  if (info.kind === 'V') throw rgbError(raw);

  let work: FloatWidth;
  if (info.kind === 'i' || info.kind === 'u') {
    const ftype = intScinterWidth(raw, s, i, slopeW);
    s = roundTo(ftype, s);
    i = roundTo(ftype, i);
    work = promoteWidth(raw, ftype);
  } else {
    // Float and complex data: numpy promotion with the factors actually applied.
    const both = (s !== 1 && slopeW === 'float64') || (i !== 0 && interW === 'float64') ? 'float64' : 'float32';
    work = promoteWidth(raw, both);
  }
  const natural: DType = info.kind === 'c' ? complexOf(work) : work;
  let outDtype: DType = req ?? natural;
  // The final cast may widen (complex64 work asked as complex128) — arithmetic stays in `work`.
  if (req !== undefined && info.kind !== 'c' && (req === 'complex64' || req === 'complex128')) outDtype = req;
  return { identity: false, slope: s, inter: i, work, outDtype };
}

/**
 * The dtype `np.asarray(proxy)` gives for raw data with these scale factors.
 *
 * Port of the dtype side of `apply_read_scaling` (see the module comment): no scaling or
 * (1, 0) keeps the raw dtype; otherwise float64 (complex128 for complex), except that
 * SPM99's float32 slope keeps float32 for uint8/int8/int16/uint16/float32 (complex64)
 * data whose scaled range fits float32.
 * @param raw the on-disk dtype
 * @param slope the effective slope, or `null` for none
 * @param inter the effective intercept, or `null` for 0
 * @param opts `spm99`: the slope is SPM99's float32 header scalar
 * @returns the dtype of the scaled array
 * @throws {UnsupportedError} for RGB data with scaling
 */
export function scaledDtype(
  raw: DType,
  slope: number | null,
  inter: number | null,
  opts: { spm99?: boolean } = {},
): DType {
  return scalingPlan(raw, slope, inter, { spm99: opts.spm99 }).outDtype;
}

// ---------------------------------------------------------------------------------------
// The TypeScript twin of wasm/scale.ts.

function isComplex(d: DType): boolean {
  return d === 'complex64' || d === 'complex128';
}

function toNumberArray(raw: TypedArray): ArrayLike<number> {
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    // Number(bigint) rounds to nearest, ties to even: f64.convert_i64 and numpy's cast.
    const out = new Float64Array(raw.length);
    for (let k = 0; k < raw.length; k++) out[k] = Number(raw[k]);
    return out;
  }
  return raw as ArrayLike<number>;
}

/**
 * Writes `plan` applied to real-valued `src` into `out` (the kernels' arithmetic).
 * Float32 arithmetic is exact with `Math.fround` after each operation: a float64 product
 * or sum of two float32 values rounded to float32 is the correctly rounded float32 result.
 */
function realInto(src: ArrayLike<number>, out: Float32Array | Float64Array, plan: ScalingPlan): void {
  const n = src.length;
  if (plan.identity) {
    for (let k = 0; k < n; k++) out[k] = src[k];
    return;
  }
  const s = plan.slope;
  // Adding -0 changes nothing, not even -0: nibabel's "no add when inter == 0".
  const add = plan.inter === 0 ? -0 : plan.inter;
  if (plan.work === 'float32') {
    for (let k = 0; k < n; k++) out[k] = Math.fround(src[k] * s) + add;
  } else {
    for (let k = 0; k < n; k++) out[k] = src[k] * s + add;
  }
}

/** The complex kernel: multiply by `slope + 0j` and add `inter + 0j`, numpy's way. */
function complexInto(src: ArrayLike<number>, out: Float32Array | Float64Array, plan: ScalingPlan, realOnly: boolean): void {
  const n = src.length / 2;
  const r = plan.work === 'float32' ? Math.fround : (v: number) => v;
  const mul = !plan.identity && plan.slope !== 1;
  const add = !plan.identity && plan.inter !== 0;
  const s = plan.slope;
  const t = plan.inter;
  for (let k = 0; k < n; k++) {
    let re = src[2 * k];
    let im = src[2 * k + 1];
    if (mul) {
      const nr = r(r(re * s) - r(im * 0));
      im = r(r(re * 0) + r(im * s));
      re = nr;
    }
    if (add) {
      re = r(re + t);
      im = r(im + 0);
    }
    if (realOnly) {
      out[k] = re;
    } else {
      out[2 * k] = re;
      out[2 * k + 1] = im;
    }
  }
}

/**
 * Scales native-order raw values: the TypeScript twin of the kernels, and a port of
 * `np.asarray(proxy, dtype=outDtype)` for a proxy whose slope/inter are Python floats
 * (which equals `np.asarray(proxy)` of any format when `outDtype` is `scaledDtype(...)`).
 * @param raw the raw values in native byte order (complex: interleaved re, im)
 * @param rawDtype their dtype
 * @param slope effective slope (1 for none)
 * @param inter effective intercept (0 for none)
 * @param outDtype float32/float64 (for complex data: the real parts, as numpy's cast),
 *   complex64/complex128 for complex data, or `rawDtype` itself when slope is 1 and inter 0
 * @returns a new typed array, or `raw` itself when there is nothing to do (as nibabel
 *   returns the same array)
 * @throws {TypeError} for an output dtype scaling cannot give
 * @throws {UnsupportedError} for RGB data with scaling or a float output
 */
export function applyScaling(
  raw: TypedArray,
  rawDtype: DType,
  slope: number,
  inter: number,
  outDtype: DType,
): TypedArray {
  const info = dtypeInfo(rawDtype);
  if (!(raw instanceof info.ctor)) {
    throw new TypeError(`raw data of dtype ${rawDtype} must be a ${info.ctor.name}, got ${raw.constructor.name}`);
  }
  if (outDtype === rawDtype && slope === 1 && inter === 0) return raw;
  if (info.kind === 'V') throw rgbError(rawDtype);
  const outWidth = widthOf(outDtype);
  if (outWidth === null) {
    throw new TypeError(`cannot scale ${rawDtype} data to ${outDtype}: choose float32, float64, complex64 or complex128`);
  }
  if (isComplex(outDtype) && info.kind !== 'c') {
    throw new TypeError(`cannot scale real ${rawDtype} data to ${outDtype}: choose float32 or float64`);
  }
  const plan = scalingPlan(rawDtype, slope, inter, { dtype: outDtype });
  const voxels = raw.length / info.lanes;
  if (info.kind === 'c') {
    const realOnly = !isComplex(outDtype);
    const Out = outWidth === 'float32' ? Float32Array : Float64Array;
    const out = new Out(realOnly ? voxels : 2 * voxels);
    complexInto(raw as Float32Array | Float64Array, out, plan, realOnly);
    return out;
  }
  const out = outWidth === 'float32' ? new Float32Array(voxels) : new Float64Array(voxels);
  // An identity plan with a float32 output copies through Number: for int64 that is
  // numpy's cast through promote_types(int64, float32) = float64 (two roundings).
  realInto(toNumberArray(raw), out, plan);
  return out;
}

/** Bytes per typed-array element of `dtype` (complex: one part; RGB: 1). */
export function elementSize(dtype: DType): number {
  const info = dtypeInfo(dtype);
  return info.itemsize / info.lanes;
}

/**
 * Raw file bytes → a typed array of `dtype` in native byte order.
 * @param bytes raw bytes, any alignment, whole voxels
 * @param dtype their dtype
 * @param littleEndian the file's byte order
 * @returns a view of `bytes` when they are aligned and already native, else a copy
 *   (byte-swapped if needed)
 * @throws {RangeError} when `bytes` is not a whole number of voxels
 */
export function toNativeOrder(bytes: Uint8Array, dtype: DType, littleEndian: boolean): TypedArray {
  const info = dtypeInfo(dtype);
  const size = info.itemsize / info.lanes;
  if (bytes.byteLength % info.itemsize !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes are not a whole number of ${dtype} voxels (${info.itemsize} bytes each)`);
  }
  const count = bytes.byteLength / size;
  const swap = size > 1 && littleEndian !== NATIVE_LITTLE_ENDIAN;
  if (!swap && bytes.byteOffset % size === 0) {
    return new info.ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  if (swap) swapBuffer(copy.buffer, size);
  return new info.ctor(copy.buffer, 0, count);
}

function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

// Byte-swaps every `size`-byte element of an aligned buffer in place, with whole-word
// operations (a byte loop is ~30× slower).
function swapBuffer(buf: ArrayBuffer, size: number): void {
  if (size === 2) {
    const u = new Uint16Array(buf);
    for (let k = 0; k < u.length; k++) {
      const v = u[k];
      u[k] = ((v & 0xff) << 8) | (v >>> 8);
    }
  } else if (size === 4) {
    const u = new Uint32Array(buf);
    for (let k = 0; k < u.length; k++) u[k] = bswap32(u[k]);
  } else if (size === 8) {
    const u = new Uint32Array(buf);
    for (let k = 0; k < u.length; k += 2) {
      const lo = u[k];
      u[k] = bswap32(u[k + 1]);
      u[k + 1] = bswap32(lo);
    }
  }
}

/**
 * Raw file bytes → a new scaled typed array (for small proxy slices): byte order and
 * alignment handled, then `applyScaling`.
 * @param bytes raw bytes, any alignment, whole voxels
 * @param rawDtype the on-disk dtype
 * @param littleEndian the file's byte order
 * @param slope effective slope (1 for none)
 * @param inter effective intercept (0 for none)
 * @param outDtype as for `applyScaling` (`rawDtype` with slope 1, inter 0 for the unscaled values)
 * @returns a new typed array that never shares memory with `bytes`
 * @throws {RangeError} when `bytes` is not a whole number of voxels
 * @throws {TypeError} for an output dtype scaling cannot give
 * @throws {UnsupportedError} for RGB data with scaling
 */
export function convertBytes(
  bytes: Uint8Array,
  rawDtype: DType,
  littleEndian: boolean,
  slope: number,
  inter: number,
  outDtype: DType,
): TypedArray {
  const native = toNativeOrder(bytes, rawDtype, littleEndian);
  const out = applyScaling(native, rawDtype, slope, inter, outDtype);
  return out.buffer === bytes.buffer ? out.slice() : out;
}
