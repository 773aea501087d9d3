// nibabel's array writers (src/formats/array-writer.ts) against what nibabel 5.0.0 / numpy
// 1.24 wrote (test/fixtures/generate-array-writer.py → array-writer.json): every factor and
// every written value exactly, every error by code. Then properties with fast-check (fixed
// seeds): written values stay in the output range and read back within half a step.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DType, INT_RANGES, type TypedArray, dtypeInfo } from '../../src/dtypes';
import { ImageDataError, isNibabelError } from '../../src/errors';
import { type ScalingKind, makeArrayWriter, scalingKindFor } from '../../src/formats/array-writer';
import { NDArray, cStrides } from '../../src/ndarray';

type Json = number | string | Json[];
interface Result {
  out: DType;
  kind: ScalingKind;
  slope?: Json;
  inter?: Json;
  written?: Json[];
  error?: string;
  message?: string;
}
interface Input {
  id: string;
  in: DType;
  shape: number[];
  values: Json[];
  results: Result[];
}
interface Divergence {
  id: string;
  in: DType;
  shape: number[];
  values: Json[];
  out: DType;
  kind: ScalingKind;
  slope: number;
  inter: number;
  written: number[];
  unwrapped: number[];
}
interface Fixture {
  divergences: Divergence[];
  headers: { header: string; has_data_slope: boolean; has_data_intercept: boolean; writer: string }[];
  inputs: Input[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/array-writer.json', import.meta.url), 'utf8'),
) as Fixture;

const num = (v: Json): number =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Number.POSITIVE_INFINITY : v === '-inf' ? Number.NEGATIVE_INFINITY : Number(v);

/** The fixture's values as the typed array of `dtype` (lanes flattened). */
function decode(values: Json[], dtype: DType): TypedArray {
  const info = dtypeInfo(dtype);
  const flat = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
  if (info.ctor === BigInt64Array || info.ctor === BigUint64Array) {
    return new info.ctor(flat.map((v) => BigInt(v as number | string)));
  }
  return new (info.ctor as Float64ArrayConstructor)(flat.map(num));
}

/** nibabel's exception → our error code. */
function codeOf(error: string, message: string): string {
  if (message === 'Scaling needed but cannot scale') return 'SCALING_NEEDED';
  if (message.startsWith('Cannot scale negative and positive')) return 'SCALING_IMPOSSIBLE';
  if (message === 'divslope and intercept must be finite' || error === 'ScalingError') return 'SCALING_OVERFLOW';
  if (message === 'divslope cannot be zero') return 'SCALING_UNDERFLOW';
  if (message.startsWith('Cannot cast complex types')) return 'COMPLEX_TO_REAL';
  if (message.startsWith('Cannot cast') || error === 'AssertionError') return 'NON_NUMERIC_CAST';
  if (message.startsWith('nan_fill')) return 'NAN_FILL_OUT_OF_RANGE';
  throw new Error(`unmapped nibabel error ${error}: ${message}`);
}

function inputArray(c: Input): NDArray {
  return new NDArray(decode(c.values, c.in), c.shape, { strides: cStrides(c.shape), dtype: c.in });
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}

const results = fixture.inputs.flatMap((c) => c.results.map((r) => ({ c, r })));

describe('nibabel fixture coverage', () => {
  it('has every writer kind, errors and successes', () => {
    expect(fixture.inputs.length).toBeGreaterThan(300);
    for (const kind of ['none', 'slope', 'slope-inter', 'cast']) {
      expect(results.filter(({ r }) => r.kind === kind && r.written).length).toBeGreaterThan(50);
    }
    const codes = new Set(results.filter(({ r }) => r.error).map(({ r }) => codeOf(r.error!, r.message!)));
    expect([...codes].sort()).toEqual([
      'COMPLEX_TO_REAL', 'NON_NUMERIC_CAST', 'SCALING_IMPOSSIBLE', 'SCALING_NEEDED', 'SCALING_OVERFLOW', 'SCALING_UNDERFLOW',
    ]);
  });
});

describe.each(fixture.inputs.map((c) => [c.id, c] as const))('%s', (_, c) => {
  it.each(c.results.map((r) => [`${r.kind} → ${r.out}`, r] as const))('%s', (_name, r) => {
    const arr = inputArray(c);
    if (r.error) {
      const err = errorOf(() => makeArrayWriter(arr, r.out, r.kind));
      expect(err).toBeInstanceOf(ImageDataError);
      expect((err as ImageDataError).code).toBe(codeOf(r.error, r.message!));
      return;
    }
    const got = makeArrayWriter(arr, r.out, r.kind);
    expect(got.slope).toBe(num(r.slope!));
    expect(got.inter).toBe(num(r.inter!));
    expect(got.array.dtype).toBe(r.out);
    expect(got.array.shape).toEqual(c.shape);
    expect(got.array.isFortranContiguous).toBe(true);
    expect(got.array.offset).toBe(0);
    const want = decode(r.written!, r.out);
    expect(got.array.data.length).toBe(want.length);
    // element by element, so a failure names the first differing index
    const diff = Array.from(want as ArrayLike<number | bigint>).findIndex(
      (v, i) => !Object.is(v, got.array.data[i]) && !(v !== v && got.array.data[i] !== got.array.data[i]),
    );
    expect(diff === -1 ? null : { index: diff, want: want[diff], got: got.array.data[diff] }).toBeNull();
  });
});

describe('values nibabel.md §(h) lists', () => {
  const find = (id: string, out: string, kind: string) => {
    const c = fixture.inputs.find((x) => x.id === id)!;
    return { got: makeArrayWriter(inputArray(c), out as DType, kind as ScalingKind), c };
  };
  it('NIfTI factors', () => {
    const f = Math.fround;
    let { got } = find('linspace-1-1', 'int16', 'slope-inter');
    expect([got.slope, got.inter]).toEqual([f(3.0518044e-5), f(1.5259022e-5)]);
    ({ got } = find('int32x1e5', 'int16', 'slope-inter'));
    expect([got.slope, got.inter]).toEqual([f(35.09575), f(1150017.5)]);
    ({ got } = find('int32-0-23', 'uint8', 'slope-inter'));
    expect([got.slope, got.inter]).toEqual([1, 0]);
    ({ got } = find('linspace-0-1000', 'uint8', 'slope-inter'));
    expect([got.slope, got.inter]).toEqual([f(3.9215686), 0]);
    ({ got } = find('float64-to-float32', 'float32', 'slope-inter'));
    expect([got.slope, got.inter]).toEqual([1, 0]);
    ({ got } = find('float64-0-23', 'int16', 'slope-inter'));
    // the reference prints this slope to 5 digits only
    expect(got.slope).toBeCloseTo(0.00035096, 8);
    expect(got.inter).toBe(f(11.500175));
  });
  it('Analyze cannot scale', () => {
    const err = errorOf(() => find('float64-0-23', 'int16', 'none'));
    expect(isNibabelError(err, 'ImageDataError') && err.code).toBe('SCALING_NEEDED');
  });
});

describe('where nibweb departs from nibabel on purpose', () => {
  // The data map wholly past one end of the output range (a huge constant whose float32
  // intercept is off by more than the range): nibabel's clip bounds cross and numpy's
  // out-of-range cast wraps (uint8: 255 for -1). nibweb clamps to the range instead.
  it.each(fixture.divergences)('$id → $out', (d) => {
    const arr = new NDArray(decode(d.values, d.in), d.shape, { dtype: d.in });
    const got = makeArrayWriter(arr, d.out, d.kind);
    expect([got.slope, got.inter]).toEqual([d.slope, d.inter]);
    const [lo, hi] = INT_RANGES[d.out]!;
    expect(Array.from(got.array.data as Int32Array)).toEqual(d.unwrapped.map((v) => Math.min(hi, Math.max(lo, v))));
  });
  it('includes a case where nibabel wraps', () => {
    const wrapped = fixture.divergences.filter((d) => d.written.some((w, i) => Math.sign(w) !== Math.sign(d.unwrapped[i])));
    expect(wrapped.length).toBeGreaterThan(0);
  });
});

describe('which writer each header class gets', () => {
  const KIND: Record<string, ScalingKind> = {
    ArrayWriter: 'none',
    SlopeArrayWriter: 'slope',
    SlopeInterArrayWriter: 'slope-inter',
  };
  it.each(fixture.headers.filter((h) => h.header !== 'MGHHeader'))('$header → $writer', (h) => {
    expect(scalingKindFor(h.has_data_slope, h.has_data_intercept)).toBe(KIND[h.writer]);
  });
  it('SPM2 gets the slope-only writer; an intercept without a slope is refused', () => {
    expect(fixture.headers.find((h) => h.header === 'Spm2AnalyzeHeader')!.writer).toBe('SlopeArrayWriter');
    expect(() => scalingKindFor(false, true)).toThrow(TypeError);
  });
});

describe('layout', () => {
  it('a strided view writes what its contiguous copy writes, in column-major order', () => {
    const base = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) * 100);
    const view = new NDArray(base, [3, 4], { strides: [10, 2], offset: 5 });
    const copy = Float64Array.from({ length: 12 }, (_, i) => base[5 + (i % 3) * 10 + Math.floor(i / 3) * 2]);
    const a = makeArrayWriter(view, 'int16', 'slope-inter');
    const b = makeArrayWriter(new NDArray(copy, [3, 4]), 'int16', 'slope-inter');
    expect([a.slope, a.inter]).toEqual([b.slope, b.inter]);
    expect(Array.from(a.array.data as Int16Array)).toEqual(Array.from(b.array.data as Int16Array));
  });
  it('an offset column-major view is read from its offset', () => {
    const data = Int16Array.from([999, 1, 2, 3, 4, 999]);
    const got = makeArrayWriter(new NDArray(data, [2, 2], { offset: 1 }), 'uint8', 'none');
    expect(Array.from(got.array.data as Uint8Array)).toEqual([1, 2, 3, 4]);
  });
});

// ---- properties

const INT_OUT: DType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32'];
const floats = fc
  .record({
    // six-digit mantissas: no subnormals, whose float32 slope would underflow to 0 (nibabel
    // fails those too: 'divslope cannot be zero')
    base: fc.array(fc.integer({ min: -1e6, max: 1e6 }).map((v) => v / 1e6), { minLength: 1, maxLength: 40 }),
    exp: fc.integer({ min: -20, max: 20 }),
    shift: fc.integer({ min: -5e6, max: 5e6 }).map((v) => v / 1e6),
    specials: fc.array(fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), { maxLength: 3 }),
  })
  .map(({ base, exp, shift, specials }) => Float64Array.from([...base.map((v) => (v + shift) * 10 ** exp), ...specials]));

/**
 * |read-back − x| for every finite x, in steps of |slope|, less what the float32 rounding of
 * the intercept alone may cost at the ends of the range (2^-24·|inter|: matters only for a
 * huge constant, where slope is 1 and the range cannot absorb it).
 */
function worstError(x: Float64Array, slope: number, inter: number, written: TypedArray): number {
  let worst = 0;
  x.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const err = Math.abs(Number(written[i]) * slope + inter - v) - 2 ** -24 * Math.abs(inter);
    worst = Math.max(worst, err / Math.abs(slope));
  });
  return worst;
}

function inRange(written: TypedArray, out: DType): boolean {
  const [lo, hi] = INT_RANGES[out]!;
  return Array.from(written as ArrayLike<number>).every((v) => v >= lo && v <= hi);
}

describe('properties (fast-check, fixed seeds)', () => {
  it('slope-inter: float64 → 8/16-bit integers stays in range and reads back within half a step', () => {
    fc.assert(
      fc.property(floats, fc.constantFrom(...INT_OUT.slice(0, 4)), (x, out) => {
        const { slope, inter, array } = makeArrayWriter(new NDArray(x, [x.length]), out, 'slope-inter');
        expect(inRange(array.data, out)).toBe(true);
        expect(worstError(x, slope, inter, array.data)).toBeLessThanOrEqual(0.5 + 1e-6);
      }),
      { seed: 20250611, numRuns: 400 },
    );
  });
  it('slope-inter: into 32-bit integers the float32 factors can cost the ends more than half a step', () => {
    fc.assert(
      fc.property(floats, fc.constantFrom<DType>('int32', 'uint32'), (x, out) => {
        const { slope, inter, array } = makeArrayWriter(new NDArray(x, [x.length]), out, 'slope-inter');
        expect(inRange(array.data, out)).toBe(true);
        // 2^32 steps × float32's 2^-24 relative error in the slope: at most ~256 steps at an end
        expect(worstError(x, slope, inter, array.data)).toBeLessThanOrEqual(300);
      }),
      { seed: 4242, numRuns: 200 },
    );
  });
  it('slope: in range and within half a step, or SCALING_IMPOSSIBLE exactly for mixed signs into uint', () => {
    fc.assert(
      fc.property(floats, fc.constantFrom(...INT_OUT.slice(0, 4)), (x, out) => {
        const finite = Array.from(x).filter(Number.isFinite);
        const nan = x.some((v) => v !== v);
        const lo = Math.min(...finite, ...(nan ? [0] : []));
        const hi = Math.max(...finite, ...(nan ? [0] : []));
        const mixed = dtypeInfo(out).kind === 'u' && lo < 0 && hi > 0;
        const err = errorOf(() => makeArrayWriter(new NDArray(x, [x.length]), out, 'slope'));
        if (mixed) {
          expect((err as ImageDataError).code).toBe('SCALING_IMPOSSIBLE');
          return;
        }
        expect(err).toBeNull();
        const { slope, inter, array } = makeArrayWriter(new NDArray(x, [x.length]), out, 'slope');
        expect(inter).toBe(0);
        expect(inRange(array.data, out)).toBe(true);
        expect(worstError(x, slope, inter, array.data)).toBeLessThanOrEqual(0.5 + 1e-6);
      }),
      { seed: 99, numRuns: 400 },
    );
  });
  it('int32 → smaller integers: exact when an intercept alone does, else within half a step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2000, max: 2000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.constantFrom<DType>('int8', 'uint8', 'int16', 'uint16'),
        (vals, shift, out) => {
          const x = Int32Array.from(vals, (v) => v + shift);
          const { slope, inter, array } = makeArrayWriter(new NDArray(x, [x.length]), out, 'slope-inter');
          expect(inRange(array.data, out)).toBe(true);
          const span = Math.max(...x) - Math.min(...x);
          // the intercept is a float32 (spacing ≤ 64 below 2^31): a span this far inside the
          // range always gets one; nearer the limit nibabel may fall back to a slope
          if (span + 128 <= INT_RANGES[out]![1] - INT_RANGES[out]![0]) expect(slope).toBe(1);
          const back = Array.from(array.data as Int32Array, (w) => w * slope + inter);
          if (slope === 1) expect(back).toEqual(Array.from(x));
          else expect(worstError(Float64Array.from(x), slope, inter, array.data)).toBeLessThanOrEqual(0.5 + 1e-6);
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });
  it("none: integers that fit are written unchanged, anything else is SCALING_NEEDED", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -70000, max: 70000 }), { minLength: 1, maxLength: 30 }), fc.constantFrom(...INT_OUT), (vals, out) => {
        const x = Int32Array.from(vals);
        const [lo, hi] = INT_RANGES[out]!;
        const err = errorOf(() => makeArrayWriter(new NDArray(x, [x.length]), out, 'none'));
        if (vals.every((v) => v >= lo && v <= hi)) {
          expect(err).toBeNull();
          expect(Array.from(makeArrayWriter(new NDArray(x, [x.length]), out, 'none').array.data as Int32Array)).toEqual(vals);
        } else {
          expect((err as ImageDataError).code).toBe('SCALING_NEEDED');
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
