/**
 * The scaling choice when an array is written to a file dtype: a port of nibabel's
 * `arraywriters.py` (`ArrayWriter`, `SlopeArrayWriter`, `SlopeInterArrayWriter`,
 * `make_array_writer`) and of the part of `volumeutils.array_to_file` their `to_fileobj`
 * runs. Pure: an NDArray in; the scale factors and the converted array out, column-major
 * (F order, what the file stores), ready to byte-write in any byte order.
 *
 * Which kind each format gets (analyze.py `to_file_map`: `make_array_writer(data, dtype,
 * hdr.has_data_slope, hdr.has_data_intercept)`; see `scalingKindFor`):
 * - `AnalyzeHeader` (no slope, no intercept) → `'none'` (ArrayWriter)
 * - `Spm99AnalyzeHeader` and `Spm2AnalyzeHeader` (slope; SPM2 inherits SPM99's
 *   `has_data_intercept = False`, it only reads differently) → `'slope'` (SlopeArrayWriter)
 * - `Nifti1Header`, `Nifti2Header` → `'slope-inter'` (SlopeInterArrayWriter)
 * - MGH uses no writer: `array_to_file(data, f, dtype)` → `'cast'`. `'cast'` is also
 *   nibabel's `ArrayWriter(check_scaling=False)`, used when the header already holds factors.
 *
 * Contract (nibabel 5.0.0 on x86-64, checked value for value by
 * test/fixtures/generate-array-writer.py):
 * - No scaling (slope 1, inter 0) for float/complex output, empty or all-zero data, and
 *   integers that already fit the output (full type range). Float → int always scales.
 * - Factors are float32; they are computed in x87 extended precision (numpy's longdouble,
 *   emulated exactly here with BigInt) and rounded once to float32, as nibabel does.
 * - 'slope-inter' maps the finite [min, max] (widened to 0 when there are NaNs) onto the
 *   integer range shared with float32; for uint output the smaller-magnitude end goes to 0
 *   (negative slope if needed); a constant gives slope 1, inter = the value; int → int that
 *   overflows only by an offset gets an intercept alone; NaNs are written as the integer that
 *   maps back to 0 (the intercept is nudged so that one exists).
 * - 'slope': slope = max(max/out_max, min/out_min); into uint, all-≤0 data get a negative
 *   slope (−1 for integers that fit after a sign flip), mixed signs are impossible.
 * - Writing: `(x − inter) / slope` in numpy's working float type, `np.rint` (half to even),
 *   clipped to the output range as that float type can hold it; ±inf clip to the ends; NaN
 *   becomes the NaN fill. Int → int without factors clips (saturates), it never wraps.
 * - One deliberate difference: where nibabel's clip bounds cross and numpy's cast wraps
 *   (see `scaleToInt`), values are clamped to the output range instead. Also not ported:
 *   numpy's longdouble working type when even float64 overflows while writing (data near
 *   ±1.8e308 with a slope below 1); float64 is used there.
 *
 * This does not hold a platform-independent truth: nibabel itself computes factors in
 * float64 on Windows and Apple Silicon and in 113-bit quad on aarch64 Linux, which can move
 * an intercept by one float32 step. Plain float64 here would differ from this oracle in 2 of
 * the 1798 fixture results (int32 and uint64 intercepts).
 *
 * Errors are `ImageDataError`s with a stable `code` (nibabel's `WriterError` and friends):
 * `SCALING_NEEDED`, `SCALING_IMPOSSIBLE`, `SCALING_OVERFLOW`, `SCALING_UNDERFLOW`,
 * `COMPLEX_TO_REAL`, `NON_NUMERIC_CAST`, `NAN_FILL_OUT_OF_RANGE`.
 */
import { type Bin, LD_BITS, type Num, bin, cmp, f32, floorExact32, intRange, ldAdd, ldDiv, ldMul, neg, round, sharedRange } from '../casting.js';
import { type DType, type DTypeInfo, NATIVE_LITTLE_ENDIAN, type TypedArray, dtypeInfo } from '../dtypes.js';
import { ImageDataError } from '../errors.js';
import { NDArray, astype } from '../ndarray.js';

/** Which nibabel writer: none (ArrayWriter), slope only, slope and intercept, or a plain cast. */
export type ScalingKind = 'none' | 'slope' | 'slope-inter' | 'cast';

/** The writer's decision: factors and the array to write. */
export interface WriterChoice {
  /** Scale slope (float32 value); 1 when not scaled. Negative slopes happen (uint output). */
  slope: number;
  /** Intercept (float32 value); 0 when not scaled or for slope-only writers. */
  inter: number;
  /** The data in the output dtype, column-major from offset 0, same shape as the input. */
  array: NDArray;
}

/**
 * The writer kind for a header's scaling fields (nibabel's `make_array_writer` flags).
 * @param hasSlope the header can store a slope (`has_data_slope`)
 * @param hasIntercept the header can store an intercept (`has_data_intercept`)
 * @returns the kind `makeArrayWriter` should use
 * @throws {TypeError} for an intercept without a slope (nibabel: 'Cannot handle intercept without slope')
 */
export function scalingKindFor(hasSlope: boolean, hasIntercept: boolean): ScalingKind {
  if (hasIntercept && !hasSlope) throw new TypeError('Cannot handle intercept without slope');
  return hasIntercept ? 'slope-inter' : hasSlope ? 'slope' : 'none';
}


function fail(code: string, message: string): never {
  throw new ImageDataError(message, { code });
}

/** The way out when a scale factor cannot be a finite, non-zero float32. */
const FLOAT_ADVICE = "write a float dtype, which needs no scale factors (img.header.setDataDtype('float32'))";

/** The way out of a cast to or from rgb. */
function rgbAdvice(inInfo: DTypeInfo): string {
  return inInfo.kind === 'V'
    ? `rgb data are written only as themselves: img.header.setDataDtype('${inInfo.name}')`
    : "only rgb data are written as rgb: choose a numeric dtype (img.header.setDataDtype('float32'), 'int16', …)";
}

/** np.rint: round half to even. */
function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}

const isZero = (v: Num): boolean => v === 0 || v === 0n;
const lt = (a: Num, b: Num): boolean => (typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a) < BigInt(b) : a < b);

// ---- the data

interface Range {
  /** Finite minimum (Infinity when there is none); bigint for 64-bit integers. */
  mn: Num;
  mx: Num;
  hasNan: boolean;
}

/** volumeutils.finite_range(arr, check_nan=True) over lane 0 (complex: NaN in either lane). */
function finiteRange(f: NDArray, info: DTypeInfo): Range {
  const { data } = f;
  const n = f.size * info.lanes;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    if (n === 0) return { mn: Number.POSITIVE_INFINITY, mx: Number.NEGATIVE_INFINITY, hasNan: false };
    let mn = data[0];
    let mx = data[0];
    for (const v of data) {
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    return { mn, mx, hasNan: false };
  }
  let mn = Number.POSITIVE_INFINITY;
  let mx = Number.NEGATIVE_INFINITY;
  let hasNan = false;
  const d = data as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  for (let i = 0; i < n; i += info.lanes) {
    const v = d[i];
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    if (v !== v || (info.lanes === 2 && d[i + 1] !== d[i + 1])) hasNan = true;
  }
  if (info.kind === 'f' || info.kind === 'c') {
    if (mn === Number.NEGATIVE_INFINITY || mx === Number.POSITIVE_INFINITY) {
      mn = Number.POSITIVE_INFINITY;
      mx = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i += info.lanes) {
        const v = d[i];
        if (Number.isFinite(v)) {
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
      }
    }
  }
  return { mn, mx, hasNan };
}

// ---- the writers' decisions (calc_scale)

interface Factors {
  slope: number;
  inter: number;
}

/** ArrayWriter.scaling_needed (the SlopeArrayWriter override adds: no finite data → false). */
function scalingNeeded(inInfo: DTypeInfo, outInfo: DTypeInfo, size: number, r: Range): boolean {
  if (inInfo.kind === 'V' || outInfo.kind === 'V') {
    if (inInfo.name === outInfo.name) return false;
    fail('NON_NUMERIC_CAST', `Cannot cast to or from non-numeric types (${inInfo.name} → ${outInfo.name}): ${rgbAdvice(inInfo)}`);
  }
  if (inInfo.name === outInfo.name || outInfo.kind === 'c') return false;
  if (inInfo.kind === 'c') {
    fail('COMPLEX_TO_REAL', `Cannot cast complex types to non-complex (${inInfo.name} → ${outInfo.name}): write a complex dtype `
      + `(img.header.setDataDtype('${inInfo.name}')), or split the data into real arrays first`);
  }
  if (outInfo.kind === 'f' || size === 0 || (isZero(r.mn) && isZero(r.mx))) return false;
  if (inInfo.kind === 'f') return true;
  const [lo, hi] = intRange(outInfo);
  return BigInt(r.mn) < lo || BigInt(r.mx) > hi;
}

/** SlopeArrayWriter._range_scale: slope only, from the output type's full range. */
function slopeRangeScale(mn: Num, mx: Num, out: DTypeInfo): Factors {
  const [lo, hi] = intRange(out).map((v) => bin(v));
  if (out.kind === 'u') {
    if (lt(mn, 0) && lt(0, mx)) {
      fail('SCALING_IMPOSSIBLE', 'Cannot scale negative and positive numbers to uint without intercept: '
        + `write a signed dtype or use a format with an intercept (NIfTI)`);
    }
    return { slope: f32(ldDiv(bin(lt(0, mx) ? mx : mn), hi)), inter: 0 };
  }
  const a = ldDiv(bin(mx), hi);
  const b = ldDiv(bin(mn), lo);
  return { slope: f32(cmp(a, b) >= 0 ? a : b), inter: 0 };
}

/** SlopeInterArrayWriter._range_scale: [min, max] onto the range shared with float32. */
function slopeInterRangeScale(mn: Num, mx: Num, out: DTypeInfo, hasNan: boolean): Factors {
  if (mn === mx) return { slope: 1, inter: f32(bin(mn)) };
  let lo: Bin;
  let hi: Bin;
  let range: Bin;
  if (typeof mn === 'number' && typeof mx === 'number') {
    lo = bin(mn);
    hi = bin(mx);
    range = ldAdd(hi, neg(lo));
  } else {
    lo = round(bin(mn), LD_BITS);
    hi = round(bin(mx), LD_BITS);
    range = round(bin(BigInt(mx) - BigInt(mn)), LD_BITS);
  }
  const [omin, omax] = sharedRange(24, out);
  let slope = ldDiv(range, bin(omax - omin));
  let inter: Bin;
  const abs = (x: Bin): Bin => (x.m < 0n ? neg(x) : x);
  if (omin === 0 && cmp(abs(hi), abs(lo)) < 0) {
    inter = hi;
    slope = neg(slope);
  } else {
    inter = ldAdd(lo, neg(ldMul(bin(omin), slope)));
  }
  const f: Factors = { slope: f32(slope), inter: f32(inter) };
  if (!Number.isFinite(f.slope) || !Number.isFinite(f.inter)) {
    fail('SCALING_OVERFLOW', `Slope / inter not both finite: the data range [${mn}, ${mx}] is too wide for float32 factors; `
      + FLOAT_ADVICE);
  }
  // (a zero slope fails later, as in nibabel's array_to_file)
  if (!(lo.m === 0n || hi.m === 0n) || !hasNan || f.slope === 0) return f;
  // NaNs are written as the value that maps back to 0: make sure that value exists
  const fill = Math.fround(-f.inter / f.slope);
  const fillInt = rint(fill);
  const [tlo, thi] = intRange(out);
  if (Number.isFinite(fillInt) && BigInt(fillInt) >= tlo && BigInt(fillInt) <= thi) return f;
  const clipped = Math.min(omax, Math.max(omin, fill));
  return { slope: f.slope, inter: f32(ldMul(bin(-clipped), bin(f.slope))) };
}

/** _do_scaling of the slope writers: float data by range, integers by offset, sign flip or range. */
function calcScale(r: Range, inInfo: DTypeInfo, out: DTypeInfo, withInter: boolean): Factors {
  const rangeScale = (mn: Num, mx: Num): Factors =>
    withInter ? slopeInterRangeScale(mn, mx, out, r.hasNan) : slopeRangeScale(mn, mx, out);
  if (inInfo.kind === 'f') {
    let { mn, mx } = r;
    if (r.hasNan) {
      mn = Math.min(mn as number, 0);
      mx = Math.max(mx as number, 0);
    }
    return rangeScale(mn, mx);
  }
  const mn = BigInt(r.mn);
  const mx = BigInt(r.mx);
  const [omin, omax] = sharedRange(24, out).map((v) => BigInt(v));
  if (withInter && mx - mn <= omax - omin) {
    // _iu2iu: an intercept alone, exact in float32 (floor_exact)
    const target = omin === 0n ? mn : mn + BigInt(Math.ceil(Number(mx - mn) / 2));
    const inter = floorExact32(target);
    if (mx - inter <= omax) return { slope: 1, inter: Number(inter) };
  }
  if (out.kind === 'u' && mx <= 0n && -mn <= omax) return { slope: -1, inter: 0 };
  return rangeScale(r.mn, r.mx);
}

// ---- writing (volumeutils.array_to_file)

/** Real value of voxel i (lane 0) of a column-major array from offset 0. */
const at = (f: NDArray, lanes: number, i: number): Num => f.data[i * lanes] as Num;

/** numpy's astype to a float dtype, rounding once (int64 → float32 included). */
function toFloat(v: Num, single: boolean): number {
  if (typeof v === 'bigint') return single ? f32(bin(v)) : Number(v);
  return single ? Math.fround(v) : v;
}

/** A cast needing no scaling to a float, complex or identical dtype. */
function plainCast(f: NDArray, inInfo: DTypeInfo, out: DTypeInfo, dst: TypedArray): void {
  if (inInfo.name === out.name) {
    dst.set(f.data as never);
    return;
  }
  const single = out.name === 'float32' || out.name === 'complex64';
  const lanes = Math.min(inInfo.lanes, out.lanes);
  const d = dst as Float32Array | Float64Array;
  for (let i = 0; i < f.size; i++) {
    for (let l = 0; l < lanes; l++) d[i * out.lanes + l] = toFloat(f.data[i * inInfo.lanes + l] as Num, single);
  }
}

/**
 * array_to_file's integer-output path: `(x − inter) / slope` in the working float type,
 * rint, clip, NaN fill. `clip` is the pre-scaling [min, max] (null: the type's range).
 */
function scaleToInt(
  f: NDArray,
  inInfo: DTypeInfo,
  out: DTypeInfo,
  k: Factors,
  clip: [number, number] | null,
  nanToZero: boolean,
  dst: TypedArray,
): void {
  const { slope, inter } = k;
  const isNull = slope === 1 && inter === 0;
  const n = f.size;
  const big = dst instanceof BigInt64Array || dst instanceof BigUint64Array;
  if (inInfo.kind === 'i' || inInfo.kind === 'u') {
    if (isNull) {
      // no factors: clip to the output range (never wrap)
      const [lo, hi] = intRange(out);
      for (let i = 0; i < n; i++) {
        const v = at(f, 1, i);
        const c = v < lo ? lo : v > hi ? hi : v;
        (dst as unknown as Num[])[i] = big ? BigInt(c) : Number(c);
      }
      return;
    }
    nanToZero = false;
  }
  // numpy's working type: float32 for float32 and ≤16-bit integers, else float64
  const isInt = inInfo.kind === 'i' || inInfo.kind === 'u';
  const small = isInt ? inInfo.itemsize <= 2 : inInfo.itemsize / inInfo.lanes === 4;
  const [tlo, thi] = isInt ? intRange(inInfo).map(Number) : [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const ends = [clip ? clip[0] : tlo, clip ? clip[1] : thi];
  const scaler = (single: boolean): ((x: number) => number) => {
    const op = single ? Math.fround : (v: number): number => v;
    return (x) => {
      let y = op(x);
      if (inter !== 0) y = op(y - inter);
      if (slope !== 1) y = op(y / slope);
      return y;
    };
  };
  // best_write_scale_ftype: float64 when scaling the ends overflows float32
  const single = small && !(ends.every(Number.isFinite) && !ends.map(scaler(true)).every(Number.isFinite));
  const scale = scaler(single);
  let [postMn, postMx, fill] = [ends[0], ends[1], 0].map((v) => rint(scale(v)));
  if (postMn > postMx) [postMn, postMx] = [postMx, postMn];
  const [bothMn, bothMx] = sharedRange(single ? 24 : 53, out);
  if (nanToZero && !(bothMn <= fill && fill <= bothMx)) {
    const ratio = single ? Math.fround(inter / slope) : inter / slope;
    const err = rint(2 * (single ? 2 ** -23 : 2 ** -52) * Math.abs(ratio));
    if ((fill < bothMn && bothMn - fill < err) || (fill > bothMx && fill - bothMx < err)) {
      fill = Math.min(bothMx, Math.max(bothMn, fill));
    } else {
      fail('NAN_FILL_OUT_OF_RANGE', `nan_fill == ${fill}, outside safe int range (${bothMn}-${bothMx}): NaNs cannot be written `
        + `as a value that reads back as 0; replace the NaNs first, or ${FLOAT_ADVICE}`);
    }
  }
  postMn = Math.max(postMn, bothMn);
  postMx = Math.min(postMx, bothMx);
  const src = f.data as ArrayLike<Num>;
  const w = dst as unknown as Num[];
  for (let i = 0; i < n; i++) {
    // scale(), inlined: this is the per-voxel loop
    let y = Number(src[i * inInfo.lanes]);
    if (single) {
      y = Math.fround(y);
      if (inter !== 0) y = Math.fround(y - inter);
      if (slope !== 1) y = Math.fround(y / slope);
    } else {
      if (inter !== 0) y -= inter;
      if (slope !== 1) y /= slope;
    }
    y = rint(y);
    // NaN survives the clip; without nan2zero numpy's cast is undefined, 0 here. The second
    // clamp departs from nibabel: when the whole data range maps past one end (a huge
    // constant whose float32 intercept is off by more than the range), nibabel's bounds
    // cross and numpy's cast wraps (float64 16777219 → uint8 255, reading back 16777475).
    const v = y !== y ? (nanToZero ? fill : 0) : Math.min(bothMx, Math.max(bothMn, Math.min(postMx, Math.max(postMn, y))));
    w[i] = big ? BigInt(v) : v;
  }
}

/**
 * Chooses scale factors for writing `arr` as `outDtype` and converts it, as nibabel's array
 * writers do (`make_array_writer(arr, out_dtype, …)` + `calc_scale` + `to_fileobj`).
 * @param arr the data, any layout and dtype
 * @param outDtype the file's dtype (the header's `getDataDtype()`)
 * @param kind the writer: `'none'` (Analyze), `'slope'` (SPM99/SPM2), `'slope-inter'`
 *   (NIfTI), `'cast'` (MGH, or factors already fixed in the header)
 * @returns the float32 factors (slope 1, inter 0 when unscaled) and the converted array,
 *   column-major; reading it back as `written * slope + inter` recovers the data
 * @throws {ImageDataError} `SCALING_NEEDED` (kind 'none' and the data do not fit),
 *   `SCALING_IMPOSSIBLE` (mixed signs into uint without an intercept), `SCALING_OVERFLOW` /
 *   `SCALING_UNDERFLOW` (a factor is not a finite non-zero float32), `COMPLEX_TO_REAL`,
 *   `NON_NUMERIC_CAST` (rgb to or from another dtype), `NAN_FILL_OUT_OF_RANGE`
 * @example
 * const { slope, inter, array } = makeArrayWriter(floatData, 'int16', 'slope-inter');
 * hdr.setSlopeInter(slope, inter); // then write array's bytes after the header
 */
export function makeArrayWriter(arr: NDArray, outDtype: DType, kind: ScalingKind): WriterChoice {
  const inInfo = dtypeInfo(arr.dtype);
  const out = dtypeInfo(outDtype);
  const f = arr.isFortranContiguous
    ? new NDArray(arr.data.subarray(arr.offset * inInfo.lanes, (arr.offset + arr.size) * inInfo.lanes), arr.shape, { dtype: arr.dtype })
    : astype(arr, arr.dtype, { order: 'F' });
  const r = finiteRange(f, inInfo);
  let k: Factors = { slope: 1, inter: 0 };
  let clip: [number, number] | null = null;
  if (kind !== 'cast') {
    const needed = scalingNeeded(inInfo, out, f.size, r);
    const noFinite = r.mn === Number.POSITIVE_INFINITY;
    if (kind === 'none' && needed) {
      const what = noFinite ? 'data with no finite value' : `data in [${r.mn}, ${r.mx}]`;
      fail('SCALING_NEEDED', `Scaling needed but cannot scale: ${inInfo.name} ${what} cannot be written as ${outDtype} `
        + 'unscaled; choose a dtype that holds them (img.header.setDataDtype(...), e.g. float32), or a format with scale '
        + 'factors (NIfTI, SPM)');
    }
    if (kind !== 'none') {
      if (needed && !noFinite) k = calcScale(r, inInfo, out, kind === 'slope-inter');
      // _writing_range: float → int clips at the finite range (none: write zeros)
      if (inInfo.kind === 'f' && (out.kind === 'i' || out.kind === 'u')) clip = noFinite ? [0, 0] : [r.mn as number, r.mx as number];
    }
  }
  if (!Number.isFinite(k.slope) || !Number.isFinite(k.inter)) {
    fail('SCALING_OVERFLOW', `divslope and intercept must be finite: slope ${k.slope} does not fit float32; the data range is too wide; `
      + FLOAT_ADVICE);
  }
  if (k.slope === 0) fail('SCALING_UNDERFLOW', `divslope cannot be zero: the data range is too small for a float32 slope; ${FLOAT_ADVICE}`);
  const dst = new out.ctor(f.size * out.lanes) as TypedArray;
  const result = (): WriterChoice => ({ ...k, array: new NDArray(dst, arr.shape, { dtype: outDtype }) });
  if (clip && ((clip[0] === 0 && clip[1] === 0) || clip[1] < clip[0])) return result(); // zeros
  if ((inInfo.kind === 'V' || out.kind === 'V') && inInfo.name !== out.name) {
    fail('NON_NUMERIC_CAST', `Cannot cast ${inInfo.name} to ${outDtype}: ${rgbAdvice(inInfo)}`);
  }
  if (out.kind === 'i' || out.kind === 'u') {
    const nanToZero = (inInfo.kind === 'f' || inInfo.kind === 'c') && r.hasNan;
    scaleToInt(f, inInfo, out, k, clip, nanToZero, dst);
  } else {
    plainCast(f, inInfo, out, dst);
  }
  return result();
}

/**
 * The bytes a writer's array takes on disk: its column-major values in the given byte order
 * (a copy; the array is `makeArrayWriter`'s output, already F-ordered from offset 0).
 * @param array the converted array
 * @param littleEndian byte order of the file
 * @returns `array.size × itemsize` bytes
 */
export function arrayBytes(array: NDArray, littleEndian: boolean): Uint8Array {
  const info = dtypeInfo(array.dtype);
  const nbytes = array.size * info.itemsize;
  const out = new Uint8Array(nbytes);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, nbytes));
  const width = info.itemsize / info.lanes;
  if (littleEndian !== NATIVE_LITTLE_ENDIAN && width > 1) for (let i = 0; i < nbytes; i += width) out.subarray(i, i + width).reverse();
  return out;
}
