/**
 * The page of test/e2e/worker-longtask.spec.ts: decodes the File chosen in `#file` with
 * `getFdata({ dtype: 'float32' })`, on the main thread or in a decode worker, and reports the
 * main thread's long tasks (PerformanceObserver 'longtask', > 50 ms) seen meanwhile. The spec
 * reads the main thread's busy time from a Chromium trace between the marks set here.
 */
import { load } from '../../src/index.js';

/** One measured decode. */
export interface DecodeRun {
  worker: boolean;
  /** Wall time of `getFdata`, ms. */
  ms: number;
  /** Long tasks that overlap the decode. */
  longTasks: { start: number; duration: number }[];
  shape: number[];
  /** A few values, to check both runs decoded the same array. */
  probe: number[];
}

declare global {
  interface Window {
    longTasks: { ready: boolean; run(worker: boolean, tag: string): Promise<DecodeRun> };
  }
}

const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

window.longTasks = {
  ready: true,
  async run(worker, tag) {
    const file = (document.getElementById('file') as HTMLInputElement).files?.[0];
    if (!file) throw new Error('no file chosen');
    const img = await load(file, { worker });
    const seen: { start: number; duration: number }[] = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) seen.push({ start: e.startTime, duration: e.duration });
    });
    obs.observe({ type: 'longtask' });
    await frame();
    performance.mark(`${tag}-start`);
    const t0 = performance.now();
    const data = await img.getFdata({ dtype: 'float32' });
    const t1 = performance.now();
    performance.mark(`${tag}-end`);
    // Long-task entries are delivered after the task: give them a few frames.
    for (let i = 0; i < 5; i++) await frame();
    obs.disconnect();
    const n = data.data.length;
    const probe = [0, 1, n >> 1, n - 1, 123457 % n].map((k) => data.data[k] as number);
    img.uncache();
    return { worker, ms: t1 - t0, longTasks: seen.filter((t) => t.start + t.duration > t0 && t.start < t1), shape: data.shape, probe };
  },
};
