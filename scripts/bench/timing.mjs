/**
 * Timing method of perf-baseline.md: every case of one table runs in the same process,
 * interleaved round-robin (case A, B, C, A, B, C, …) so slow drifts of a shared machine hit
 * all cases alike; the first `warmup` rounds are discarded; the result is the median of the
 * remaining `runs`. Each case measures its own time (setup stays outside the clock) and
 * returns milliseconds, so the same driver serves Node cases and cases that run inside a
 * Chromium page.
 */

/**
 * Median of a list of numbers (mean of the two middle ones for an even count).
 * @param {number[]} xs
 * @returns {number} NaN for an empty list
 */
export function median(xs) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs cases round-robin and collects their timed samples.
 * @param {Array<{ id: string, run: (iter: number) => Promise<number> | number }>} cases
 *   each `run` performs one repetition and returns its measured milliseconds; `iter` counts
 *   rounds from 0 (warm-ups included) so a case can vary its input (e.g. the slice index)
 * @param {{ warmup: number, runs: number, between?: () => void | Promise<void> }} opts
 *   `between` runs before every case (outside the clock), e.g. a forced GC
 * @returns {Promise<Map<string, { samples: number[], median: number, error?: string }>>} a
 *   case that throws is reported with `error` and dropped from later rounds
 */
export async function roundRobin(cases, opts) {
  const out = new Map(cases.map((c) => [c.id, { samples: [], median: Number.NaN }]));
  const alive = new Set(cases.map((c) => c.id));
  for (let iter = 0; iter < opts.warmup + opts.runs; iter++) {
    for (const c of cases) {
      if (!alive.has(c.id)) continue;
      if (opts.between) await opts.between();
      try {
        const ms = await c.run(iter);
        if (iter >= opts.warmup) out.get(c.id).samples.push(ms);
      } catch (err) {
        alive.delete(c.id);
        out.get(c.id).error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
    }
  }
  for (const r of out.values()) r.median = median(r.samples);
  return out;
}
