// nibabel's scaling and dtype rules (src/scaling.ts) against values nibabel 5.0.0 /
// numpy 1.24 computed (test/fixtures/generate-scaling.py → scaling-expected.json), plus
// the TypeScript twin's own contract (views vs copies, errors).
import { describe, expect, it } from 'vitest';
import {
  applyScaling,
  convertBytes,
  effectiveSlopeInter,
  scaledDtype,
  scalingPlan,
  toNativeOrder,
} from '../../src/scaling';
import { type DType, type TypedArray, dtypeInfo } from '../../src/dtypes';
import { HeaderDataError, UnsupportedError } from '../../src/errors';
import expected from '../fixtures/scaling-expected.json';

interface ValueCase {
  raw: DType;
  littleEndian: boolean;
  combo: string;
  slope: number;
  inter: number;
  spm99: boolean;
  asarrayDtype: DType;
  asarray: string;
  f64: string;
  f32: string;
}

const rawData = expected.rawData as Record<string, string>;
const values = expected.values as ValueCase[];

function fromB64(b64: string): Uint8Array<ArrayBuffer> {
  const buf = Buffer.from(b64, 'base64');
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}

/** Little-endian bytes → typed array of `dtype` (the fixture's own decoding, not the code under test). */
function decode(b64: string, dtype: DType): TypedArray {
  const bytes = fromB64(b64);
  const info = dtypeInfo(dtype);
  return new info.ctor(bytes.buffer, 0, bytes.length / (info.itemsize / info.lanes));
}

function num(v: number | string): number {
  if (typeof v === 'number') return v;
  return v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : -Infinity;
}

/** The first differing element (NaN equals NaN, -0 differs from 0), or null. */
function mismatch(actual: TypedArray, want: TypedArray): string | null {
  if (actual.constructor !== want.constructor) return `type ${actual.constructor.name} vs ${want.constructor.name}`;
  if (actual.length !== want.length) return `length ${actual.length} vs ${want.length}`;
  for (let k = 0; k < actual.length; k++) {
    if (!Object.is(actual[k], want[k])) return `[${k}]: ${String(actual[k])} vs ${String(want[k])}`;
  }
  return null;
}

function expectedFor(c: ValueCase, which: 'asarray' | 'f64' | 'f32'): { bytes: string; dtype: DType } {
  const complex = dtypeInfo(c.raw).kind === 'c';
  const f64: DType = complex ? 'complex128' : 'float64';
  const f32: DType = complex ? 'complex64' : 'float32';
  if (which === 'f64') return { bytes: c.f64, dtype: f64 };
  if (which === 'f32') return { bytes: c.f32, dtype: f32 };
  const ref = c.asarray;
  const bytes = ref === '=f64' ? c.f64 : ref === '=f32' ? c.f32 : ref === '=raw' ? rawData[`${c.raw}<`] ?? rawData[`${c.raw}>`] : ref;
  return { bytes, dtype: c.asarrayDtype };
}

describe('effectiveSlopeInter (Nifti1Header / Spm2AnalyzeHeader.get_slope_inter)', () => {
  for (const c of expected.slopeInter) {
    const slope = num(c.slope);
    const inter = num(c.inter);
    const opts = c.kind === 'spm2' ? { invalidInter: 'zero' as const } : {};
    it(`${c.kind} (${c.slope}, ${c.inter})`, () => {
      if (c.error) {
        let err: unknown;
        try {
          effectiveSlopeInter(slope, inter, opts);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(HeaderDataError);
        expect((err as HeaderDataError).code).toBe('INVALID_INTERCEPT');
        expect((err as Error).message).toBe(c.error);
      } else {
        expect(effectiveSlopeInter(slope, inter, opts)).toEqual(c.result);
      }
    });
  }
});

describe('scaledDtype (np.asarray(proxy).dtype)', () => {
  it.each(expected.dtypes.map((d) => [d.raw, d.slope, d.inter, d.spm99, d.dtype] as const))(
    '%s slope %d inter %d spm99 %s → %s',
    (raw, slope, inter, spm99, dtype) => {
      expect(scaledDtype(raw as DType, slope, inter, { spm99 })).toBe(dtype);
    },
  );

  it('no scaling keeps the raw dtype, for every dtype', () => {
    for (const d of ['uint8', 'int16', 'int64', 'float32', 'complex64', 'rgb24', 'rgba32'] as DType[]) {
      expect(scaledDtype(d, null, null)).toBe(d);
      expect(scaledDtype(d, 1, 0)).toBe(d);
    }
  });

  it('RGB data cannot be scaled', () => {
    expect(() => scaledDtype('rgb24', 2, 0)).toThrow(UnsupportedError);
  });
});

describe('values: the TypeScript twin reproduces nibabel bit for bit', () => {
  for (const c of values) {
    const order = c.littleEndian ? '<' : '>';
    const raw = fromB64(rawData[c.raw + order]);
    const complex = dtypeInfo(c.raw).kind === 'c';
    const label = `${c.raw}${order} ${c.combo} (${c.slope}, ${c.inter})${c.spm99 ? ' spm99' : ''}`;
    it(label, () => {
      // np.asarray(proxy): its dtype, then its values through applyScaling to that dtype.
      const asDtype = scaledDtype(c.raw, c.slope, c.inter, { spm99: c.spm99 });
      expect(asDtype).toBe(c.asarrayDtype);
      const a = expectedFor(c, 'asarray');
      expect(mismatch(convertBytes(raw, c.raw, c.littleEndian, c.slope, c.inter, asDtype), decode(a.bytes, a.dtype))).toBeNull();
      // get_fdata(dtype=float64) / np.asarray(proxy, complex128)
      const e64 = expectedFor(c, 'f64');
      const got64 = convertBytes(raw, c.raw, c.littleEndian, c.slope, c.inter, e64.dtype);
      expect(mismatch(got64, decode(e64.bytes, e64.dtype))).toBeNull();
      // get_fdata(dtype=float32) / np.asarray(proxy, complex64)
      const e32 = expectedFor(c, 'f32');
      const got32 = convertBytes(raw, c.raw, c.littleEndian, c.slope, c.inter, e32.dtype);
      expect(mismatch(got32, decode(e32.bytes, e32.dtype))).toBeNull();
      if (complex) {
        // A float output of complex data is numpy's cast: the real parts.
        const re = convertBytes(raw, c.raw, c.littleEndian, c.slope, c.inter, 'float64') as Float64Array;
        const full = decode(e64.bytes, 'complex128') as Float64Array;
        expect(mismatch(re, full.filter((_, k) => k % 2 === 0))).toBeNull();
      }
    });
  }

  it('covers every raw dtype in both byte orders and the float32-overflow (wide) path', () => {
    const seen = new Set(values.map((c) => `${c.raw}${c.littleEndian ? '<' : '>'}`));
    expect(seen.size).toBe(24);
    expect(scalingPlan('int16', 1e35, -1e20, { dtype: 'float32' }).work).toBe('float64');
  });
});

describe('scalingPlan', () => {
  it('float32 request: int16 works in float32 with float32-rounded factors', () => {
    const p = scalingPlan('int16', 0.1, 1 / 3, { dtype: 'float32' });
    expect(p).toMatchObject({ identity: false, work: 'float32', outDtype: 'float32' });
    expect(p.slope).toBe(Math.fround(0.1));
    expect(p.inter).toBe(Math.fround(1 / 3));
  });

  it('float32 request: int32/int64/float64 work in float64 (numpy promotion)', () => {
    for (const raw of ['int32', 'uint32', 'int64', 'uint64', 'float64'] as DType[]) {
      expect(scalingPlan(raw, 2, 1, { dtype: 'float32' }).work).toBe('float64');
    }
  });

  it('np.asarray with Python-float factors works in float64', () => {
    expect(scalingPlan('uint8', 2, 1)).toMatchObject({ work: 'float64', outDtype: 'float64', slope: 2, inter: 1 });
    expect(scalingPlan('complex64', 2, 1).outDtype).toBe('complex128');
  });

  it('factors rounding to (1, 0) in float32 mean no arithmetic', () => {
    const p = scalingPlan('int16', 1 + 1e-12, 1e-50, { dtype: 'float32' });
    expect(p.identity).toBe(true);
    expect(p.outDtype).toBe('float32');
  });

  it('an integer requested dtype is a TypeError (get_fdata: "should be floating point type")', () => {
    expect(() => scalingPlan('int16', 2, 0, { dtype: 'int16' })).toThrow(TypeError);
  });
});

describe('toNativeOrder', () => {
  it('returns a view for aligned native-order bytes', () => {
    const buf = new Uint8Array(16);
    const v = toNativeOrder(buf.subarray(4, 12), 'int32', true);
    expect(v).toBeInstanceOf(Int32Array);
    expect(v.buffer).toBe(buf.buffer);
    expect(v.byteOffset).toBe(4);
    expect(v.length).toBe(2);
  });

  it('copies misaligned bytes', () => {
    const buf = new Uint8Array([0, 1, 0, 2, 0]);
    const v = toNativeOrder(buf.subarray(1, 5), 'int16', true);
    expect(v.buffer).not.toBe(buf.buffer);
    expect(Array.from(v as Int16Array)).toEqual([1, 2]);
  });

  it('swaps big-endian bytes per element (complex per part)', () => {
    expect(Array.from(toNativeOrder(new Uint8Array([0x12, 0x34, 0xff, 0xfe]), 'int16', false) as Int16Array)).toEqual([
      0x1234, -2,
    ]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2.25, false);
    expect(Array.from(toNativeOrder(be, 'complex64', false) as Float32Array)).toEqual([1.5, -2.25]);
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigInt64(0, -5n, false);
    expect((toNativeOrder(big, 'int64', false) as BigInt64Array)[0]).toBe(-5n);
    // 1-byte elements never swap.
    expect(Array.from(toNativeOrder(new Uint8Array([1, 2, 3]), 'rgb24', false) as Uint8Array)).toEqual([1, 2, 3]);
  });

  it('rejects a partial voxel', () => {
    expect(() => toNativeOrder(new Uint8Array(3), 'int16', true)).toThrow(RangeError);
    expect(() => toNativeOrder(new Uint8Array(4), 'rgb24', true)).toThrow(RangeError);
  });
});

describe('applyScaling / convertBytes contract', () => {
  it('returns the raw array itself when there is nothing to do (nibabel returns arr)', () => {
    const raw = new Int16Array([1, 2, 3]);
    expect(applyScaling(raw, 'int16', 1, 0, 'int16')).toBe(raw);
  });

  it('convertBytes never shares memory with its input', () => {
    const bytes = new Uint8Array(new Float32Array([1, 2]).buffer);
    const out = convertBytes(bytes, 'float32', true, 1, 0, 'float32');
    expect(out.buffer).not.toBe(bytes.buffer);
    expect(Array.from(out as Float32Array)).toEqual([1, 2]);
  });

  it('keeps -0 when the intercept is 0, as nibabel skips the add', () => {
    const out = applyScaling(new Int16Array([0, 1]), 'int16', -2, 0, 'float64') as Float64Array;
    expect(Object.is(out[0], -0)).toBe(true);
    const added = applyScaling(new Int16Array([0]), 'int16', -2, 1e-300, 'float64') as Float64Array;
    expect(Object.is(added[0], 1e-300)).toBe(true);
  });

  it('preserves NaN and infinities in float inputs', () => {
    const out = applyScaling(new Float32Array([Number.NaN, Infinity, -Infinity]), 'float32', 2, 1, 'float32') as Float32Array;
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBe(-Infinity);
  });

  it('int64 → float32 without scaling rounds through float64, as numpy', () => {
    const x = 2n ** 60n + 2n ** 36n + 1n;
    const out = applyScaling(new BigInt64Array([x]), 'int64', 1, 0, 'float32') as Float32Array;
    expect(out[0]).toBe(2 ** 60);
  });

  it('rejects outputs scaling cannot give', () => {
    expect(() => applyScaling(new Int16Array(1), 'int16', 2, 0, 'int32')).toThrow(TypeError);
    expect(() => applyScaling(new Int16Array(1), 'int16', 2, 0, 'complex64')).toThrow(TypeError);
    expect(() => applyScaling(new Uint8Array(3), 'rgb24', 2, 0, 'float32')).toThrow(UnsupportedError);
    expect(() => applyScaling(new Int32Array(1), 'int16', 2, 0, 'float32')).toThrow(TypeError);
  });

  it('complex: the intercept goes to the real part only; inf*0 makes NaN (numpy)', () => {
    const out = applyScaling(new Float64Array([1, 2, Infinity, 1]), 'complex128', 2, 3, 'complex128') as Float64Array;
    expect(Array.from(out.subarray(0, 2))).toEqual([5, 4]);
    // (inf + 1j) * (2 + 0j): re = inf*2 - 1*0 = inf, im = inf*0 + 1*2 = NaN
    expect(out[2]).toBe(Infinity);
    expect(Number.isNaN(out[3])).toBe(true);
    const nan = applyScaling(new Float64Array([1, Infinity]), 'complex128', 2, 0, 'complex128') as Float64Array;
    expect(Number.isNaN(nan[0])).toBe(true);
    expect(nan[1]).toBe(Infinity);
  });
});
