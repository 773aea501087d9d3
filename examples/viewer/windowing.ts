/**
 * The viewer's display window, free of the DOM so that it is unit tested in Node
 * (test/node/viewer-windowing.test.ts): choosing one from the values (percentiles of a
 * regular sample) and applying it (grey pixels).
 *
 * The page calls `autoWindowAsync` (at load and for the Auto button), which cuts the work into
 * main-thread tasks of a few milliseconds (issue 11: no main-thread task over 50 ms): in one
 * call, the window of the benchmark fMRI run (44 M values; a sample of 100 000 spread over
 * 177 MB) takes ~30 ms. `autoWindow` is the same window in one synchronous call, which the
 * tests hold `autoWindowAsync` to. Both are built from `sampleStride`, `gatherFinite` (the
 * sample, in as many pieces as wanted) and `windowFromSample` (the percentiles).
 */
import { yieldToMain } from './yield.js';

/** A display window: values ≤ `min` show black, ≥ `max` white. */
export interface DisplayWindow {
  min: number;
  max: number;
}

/** How `autoWindow` picks its window. */
export interface AutoWindowOptions {
  /** Lower percentile (default 2). */
  lo?: number;
  /** Upper percentile (default 98). */
  hi?: number;
  /** About how many values to sample (default 100 000). */
  sampleSize?: number;
}

const DEFAULT_SAMPLE = 100_000;

/**
 * The stride of the regular sample `autoWindow` takes.
 * @param n number of values
 * @param sampleSize about how many to sample (default 100 000; `Infinity` for all)
 * @returns the stride, at least 1
 * @throws {RangeError} when `sampleSize` is not a positive number
 */
export function sampleStride(n: number, sampleSize = DEFAULT_SAMPLE): number {
  if (!(sampleSize > 0)) throw new RangeError(`sampleSize must be a positive number, not ${sampleSize}`);
  return Math.max(1, Math.floor(n / sampleSize));
}

/**
 * Copies the finite values among `data[from]`, `data[from + step]`, … (indices below `to`)
 * into `out` from position `k` on. Calls over consecutive ranges whose bounds are multiples
 * of `step` gather the same values, in the same order, as one call over the whole range.
 * @param data the values
 * @param step the stride (≥ 1)
 * @param from first index read
 * @param to end of the range (exclusive; clamped to `data.length`)
 * @param out where the values go; must have room for them
 * @param k position in `out` of the first value gathered
 * @returns the position after the last value gathered
 */
export function gatherFinite(data: ArrayLike<number>, step: number, from: number, to: number, out: Float64Array, k: number): number {
  const end = Math.min(to, data.length);
  for (let i = from; i < end; i += step) {
    const x = Number(data[i]);
    if (Number.isFinite(x)) out[k++] = x;
  }
  return k;
}

/**
 * The window of a sample: its `lo`–`hi` percentiles. When most of the sample is background
 * (zero), the percentiles of the non-zero values are used instead and 0 stays black, so a
 * head in a black field is not washed out.
 * @param sample finite values; sorted in place
 * @param lo lower percentile
 * @param hi upper percentile
 * @returns the window; `{min: 0, max: 1}` for an empty sample; never `min === max`
 */
export function windowFromSample(sample: Float64Array, lo: number, hi: number): DisplayWindow {
  if (sample.length === 0) return { min: 0, max: 1 };
  let nonzeroCount = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] !== 0) nonzeroCount++;
  const background = nonzeroCount > 0 && nonzeroCount < sample.length * 0.6;
  let values = sample;
  if (background) {
    values = new Float64Array(nonzeroCount);
    for (let i = 0, j = 0; i < sample.length; i++) if (sample[i] !== 0) values[j++] = sample[i];
  }
  values.sort();
  const at = (p: number): number => values[Math.min(values.length - 1, Math.max(0, Math.round((p / 100) * (values.length - 1))))];
  // Keep 0 as black under a background, so the dimmest tissue is not clipped to black too.
  let min = background ? Math.min(0, at(lo)) : at(lo);
  let max = at(hi);
  if (!(max > min)) {
    // A flat sample: fall back to the full range, or a unit window around the value.
    min = values[0];
    max = values[values.length - 1];
    if (!(max > min)) max = min + 1;
  }
  return { min, max };
}

/**
 * A sensible default window: the `lo`–`hi` percentiles of up to about `sampleSize` finite
 * values taken at a regular stride (a sample is enough and bounds the work on big volumes);
 * see `windowFromSample` for the background rule.
 * @param data the values
 * @param opts `lo`/`hi` percentiles (default 2 and 98), `sampleSize` (default 100 000)
 * @returns the window; `{min: 0, max: 1}` when there is no finite value; never `min === max`
 * @throws {RangeError} when `sampleSize` is not a positive number
 */
export function autoWindow(data: ArrayLike<number>, opts: AutoWindowOptions = {}): DisplayWindow {
  const step = sampleStride(data.length, opts.sampleSize);
  const sample = new Float64Array(Math.ceil(data.length / step));
  const k = gatherFinite(data, step, 0, data.length, sample, 0);
  return windowFromSample(sample.subarray(0, k), opts.lo ?? 2, opts.hi ?? 98);
}

/**
 * `autoWindow`, with the main thread given back between pieces: the sample is gathered
 * `chunk` values at a time, and the percentiles are taken in a task of their own.
 * @param data the values
 * @param opts as `autoWindow`, plus `chunk` (sampled values per piece, default 25 000),
 *   `pause` (what runs between pieces, default `yieldToMain`) and `signal`
 * @returns the window `autoWindow(data, opts)` gives
 * @throws {RangeError} when `sampleSize` is not a positive number
 * @throws the signal's reason (an `AbortError`) when it is aborted between pieces
 */
export async function autoWindowAsync(
  data: ArrayLike<number>,
  opts: AutoWindowOptions & { chunk?: number; pause?: () => Promise<void>; signal?: AbortSignal } = {},
): Promise<DisplayWindow> {
  const pause = opts.pause ?? yieldToMain;
  const step = sampleStride(data.length, opts.sampleSize);
  const sample = new Float64Array(Math.ceil(data.length / step));
  const span = step * Math.max(1, opts.chunk ?? 25_000);
  let k = 0;
  for (let from = 0; from < data.length; from += span) {
    opts.signal?.throwIfAborted();
    k = gatherFinite(data, step, from, from + span, sample, k);
    await pause();
  }
  opts.signal?.throwIfAborted();
  return windowFromSample(sample.subarray(0, k), opts.lo ?? 2, opts.hi ?? 98);
}

/**
 * Grey-level RGBA pixels of values through a window (NaN shows as black).
 * @param slice the values (`width·height` of them, row-major from the top-left)
 * @param win the window
 * @param out optional buffer to fill (length `4·width·height`)
 * @returns RGBA bytes, row-major from the top-left
 */
export function sliceToRgba(slice: { width: number; height: number; values: Float32Array }, win: DisplayWindow, out?: Uint8ClampedArray): Uint8ClampedArray {
  const rgba = out ?? new Uint8ClampedArray(slice.width * slice.height * 4);
  const scale = 255 / (win.max - win.min);
  const v = slice.values;
  for (let p = 0, q = 0; p < v.length; p++, q += 4) {
    const x = v[p];
    const g = x === x ? (x - win.min) * scale : 0; // Uint8ClampedArray clamps and rounds
    rgba[q] = g;
    rgba[q + 1] = g;
    rgba[q + 2] = g;
    rgba[q + 3] = 255;
  }
  return rgba;
}
