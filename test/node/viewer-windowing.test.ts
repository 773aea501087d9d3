/**
 * The viewer's display window (examples/viewer/windowing.ts): the percentile window, the
 * pieces it is built from, and the async version the page uses, which must give exactly the
 * window of the one-call version, and that one exactly the window of the code it replaced
 * (`autoWindowBefore` below, kept as the oracle).
 */
import { describe, expect, it } from 'vitest';
import {
  autoWindow,
  autoWindowAsync,
  gatherFinite,
  sampleStride,
  sliceToRgba,
  windowFromSample,
  type DisplayWindow,
} from '../../examples/viewer/windowing';

/** The viewer's autoWindow as it was before it was cut into pieces (slices.ts at 75bfe38). */
function autoWindowBefore(data: ArrayLike<number>, opts: { lo?: number; hi?: number; sampleSize?: number } = {}): DisplayWindow {
  const lo = opts.lo ?? 2;
  const hi = opts.hi ?? 98;
  const n = data.length;
  const step = Math.max(1, Math.floor(n / (opts.sampleSize ?? 100_000)));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) {
    const x = Number(data[i]);
    if (Number.isFinite(x)) sample.push(x);
  }
  if (sample.length === 0) return { min: 0, max: 1 };
  const nonzero = sample.filter((x) => x !== 0);
  const background = nonzero.length > 0 && nonzero.length < sample.length * 0.6;
  const values = Float64Array.from(background ? nonzero : sample).sort();
  const at = (p: number): number => values[Math.min(values.length - 1, Math.max(0, Math.round((p / 100) * (values.length - 1))))];
  let min = background ? Math.min(0, at(lo)) : at(lo);
  let max = at(hi);
  if (!(max > min)) {
    min = values[0];
    max = values[values.length - 1];
    if (!(max > min)) max = min + 1;
  }
  return { min, max };
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Arrays of every kind the window rules tell apart: background or not, non-finite values, −0, flat, empty. */
function cases(): { name: string; data: Float32Array }[] {
  const out: { name: string; data: Float32Array }[] = [];
  let seed = 0;
  for (const n of [0, 1, 2, 7, 999, 100_001, 250_017]) {
    for (const zeros of [0, 0.3, 0.45, 0.55, 0.7, 0.95, 1]) {
      const r = rng(++seed);
      const flat = seed % 5 === 0;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const u = r();
        if (u < zeros) data[i] = r() < 0.1 ? -0 : 0;
        else if (u < zeros + 0.001) data[i] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][i % 3];
        else data[i] = flat ? 42 : (r() - 0.2) * 1000 * seed;
      }
      out.push({ name: `${n} values, ~${zeros * 100}% zero${flat ? ', flat' : ''}`, data });
    }
  }
  return out;
}

const OPTIONS = [{}, { lo: 0, hi: 100 }, { lo: 5, hi: 95, sampleSize: 1234 }, { sampleSize: 1e9 }, { sampleSize: 0.5 }];

describe('autoWindow gives the window the viewer gave before', () => {
  for (const { name, data } of cases()) {
    it(name, () => {
      for (const opts of OPTIONS) expect(autoWindow(data, opts), JSON.stringify(opts)).toEqual(autoWindowBefore(data, opts));
    });
  }
});

describe('autoWindowAsync gives exactly autoWindow', () => {
  for (const { name, data } of cases()) {
    it(name, async () => {
      for (const opts of OPTIONS) {
        for (const chunk of [1, 3, 1000, 25_000, 1e9]) {
          let pauses = 0;
          const pause = async () => {
            pauses++;
          };
          const w = await autoWindowAsync(data, { ...opts, chunk, pause });
          expect(w, `${JSON.stringify(opts)} chunk ${chunk}`).toEqual(autoWindow(data, opts));
          // One pause after each piece of the sample.
          const positions = Math.ceil(data.length / sampleStride(data.length, opts.sampleSize));
          expect(pauses).toBe(Math.ceil(positions / chunk));
        }
      }
    });
  }

  it('gives the main thread back by default (a timer set before it fires before it ends)', async () => {
    const data = new Float32Array(200_000).map((_, i) => i % 1000);
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const w = await autoWindowAsync(data, { chunk: 10_000 });
    expect(timerRan).toBe(true);
    expect(w).toEqual(autoWindow(data));
  });

  it('stops with an AbortError when its signal is aborted between pieces', async () => {
    const data = new Float32Array(100_000).fill(1);
    const ctl = new AbortController();
    let pauses = 0;
    const pause = async () => {
      if (++pauses === 2) ctl.abort();
    };
    await expect(autoWindowAsync(data, { chunk: 10_000, pause, signal: ctl.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(pauses).toBe(2);
  });
});

describe('the pieces', () => {
  it('gatherFinite over consecutive ranges gathers what one call does', () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => (i % 17 === 0 ? Number.NaN : i));
    const step = 7;
    const whole = new Float64Array(200);
    const kWhole = gatherFinite(data, step, 0, data.length, whole, 0);
    const parts = new Float64Array(200);
    let k = 0;
    for (let from = 0; from < data.length; from += step * 10) k = gatherFinite(data, step, from, from + step * 10, parts, k);
    expect(k).toBe(kWhole);
    expect([...parts.subarray(0, k)]).toEqual([...whole.subarray(0, kWhole)]);
    expect([...whole.subarray(0, 3)]).toEqual([7, 14, 21]); // index 0 is NaN
  });
  it('sampleStride samples about sampleSize values, and refuses a size that is not positive', () => {
    expect(sampleStride(44_236_800)).toBe(442);
    expect(sampleStride(50)).toBe(1);
    expect(sampleStride(50, Number.POSITIVE_INFINITY)).toBe(1);
    expect(() => sampleStride(50, 0)).toThrow(RangeError);
    expect(() => sampleStride(50, Number.NaN)).toThrow(RangeError);
  });
  it('windowFromSample takes the 2nd-98th percentile', () => {
    expect(windowFromSample(Float64Array.from({ length: 1001 }, (_, i) => 500 - i), 2, 98)).toEqual({ min: -480, max: 480 });
  });
});

describe('windowing', () => {
  it('takes the 2nd-98th percentile', () => {
    const data = Float32Array.from({ length: 1001 }, (_, i) => i - 500);
    expect(autoWindow(data)).toEqual({ min: -480, max: 480 });
    expect(autoWindow(data, { lo: 0, hi: 100 })).toEqual({ min: -500, max: 500 });
  });
  it('ignores a black background and non-finite values', () => {
    const data = new Float32Array(10_000);
    for (let i = 0; i < 2000; i++) data[i] = 100 + (i % 100);
    data[5000] = Number.NaN;
    data[5001] = Number.POSITIVE_INFINITY;
    const w = autoWindow(data, { sampleSize: 1e9 });
    expect(w.min).toBe(0);
    expect(w.max).toBe(197); // sorted index round(0.98·1999) = 1959 → 100 + floor(1959 / 20)
  });
  it('never returns an empty window', () => {
    expect(autoWindow(new Float32Array(50).fill(7))).toEqual({ min: 7, max: 8 });
    expect(autoWindow(new Float32Array(0))).toEqual({ min: 0, max: 1 });
    expect(autoWindow(Float32Array.of(Number.NaN))).toEqual({ min: 0, max: 1 });
  });
  it('maps through the window to grey RGBA', () => {
    const rgba = sliceToRgba({ width: 4, height: 1, values: Float32Array.of(-5, 0, 60, Number.NaN) }, { min: 0, max: 100 });
    expect([...rgba]).toEqual([0, 0, 0, 255, 0, 0, 0, 255, 153, 153, 153, 255, 0, 0, 0, 255]);
  });
});
