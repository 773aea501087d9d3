/**
 * The viewer, given the benchmark fMRI volume (64×64×36×300 int16 .nii.gz, 50 MB; built once by
 * scripts/bench/volumes.mjs into node_modules/.cache/nibweb-bench/) through its file input,
 * from the choice to the three views of volume 0 on screen. Issue 11's target: no main-thread
 * task over 50 ms. Two views of the same span:
 * - a 'longtask' PerformanceObserver installed before the page loads (wall-clock tasks over
 *   50 ms, the rendering steps included);
 * - a Chromium trace: every top-level main-thread task with its wall-clock and thread (CPU)
 *   time.
 * Asserted: no task used 50 ms of main-thread CPU, and every task the observer reports used
 * under half that (`DESCHEDULED_CPU`), i.e. the thread was descheduled for most of it: on a
 * shared 2-core machine with another suite running, a task with 9 ms of work was seen to take
 * 124 ms. Such tasks are printed with their CPU time; the longest tasks are printed every run.
 *
 * The decode runs in a worker (without it this test sees a ~280 ms task); the viewer's own
 * work (header table, display window, first drawing) is cut into short tasks
 * (examples/viewer/loading.ts); before that, the array's arrival made one task of 51–107 ms
 * (41–72 ms of CPU) here.
 * The file reaches Chromium by path. A failing run keeps its trace (trace.json in the test's
 * output directory; DevTools' Performance panel opens it).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { ensureVolumes } from '../../scripts/bench/volumes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

declare global {
  interface Window {
    nibLongTasks: { start: number; duration: number }[];
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  cat: string;
}

/**
 * A long task whose main-thread CPU time stays under this (ms, half the budget) is put down to
 * the OS running something else for most of it. Before the viewer's work was cut up, its one
 * long task used 41–72 ms of CPU here; since, no task has used more than ~16 ms.
 */
const DESCHEDULED_CPU = 25;

/** A main-thread task: start on the page's clock, wall-clock and thread time, ms. */
interface Task {
  start: number;
  wall: number;
  cpu: number;
}

/**
 * The top-level tasks of the thread that set the marks `start` and `end`, between them,
 * longest first, with their start on the page's clock (`startAt` is the start mark's time).
 */
function tasksBetween(events: TraceEvent[], start: string, end: string, startAt: number): Task[] {
  const mark = (name: string): TraceEvent | undefined => events.find((e) => e.name === name && e.cat.includes('blink.user_timing'));
  const a = mark(start);
  const b = mark(end);
  if (!a || !b) throw new Error(`marks ${start}/${end} not in the trace`);
  return events
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.pid === a.pid && e.tid === a.tid && e.ts + (e.dur ?? 0) > a.ts && e.ts < b.ts)
    .map((e) => ({ start: startAt + (e.ts - a.ts) / 1000, wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? e.dur ?? 0) / 1000 }))
    .sort((x, y) => y.wall - x.wall);
}

test('choosing the fMRI .nii.gz in the viewer: no main-thread task over 50 ms until its views show', async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const fmri = ensureVolumes(root, () => {}).find((v) => v.name === 'fmri')!;
  await page.addInitScript(() => {
    window.nibLongTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.nibLongTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto('/viewer/');
  await expect(page.locator('#image-list li', { hasText: 'sample.nii.gz' })).toHaveClass(/ready/);
  // Let the sample's own work settle, then start counting.
  await page.waitForTimeout(1000);
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'] });
  const name = fmri.gz.split('/').pop()!;
  // Wait in the page, not by polling it from here: every poll of an expect() is a task on the
  // page's main thread (Playwright's injected script, often with a forced layout) that would
  // count against the viewer. A MutationObserver notes when the list marks the file ready with
  // the readout at the centre voxel (the views are drawn before that).
  const t0 = await page.evaluate(() => performance.mark('fmri-start').startTime);
  const shown = page.evaluate(
    (file) =>
      new Promise<number>((resolve, reject) => {
        const check = (): void => {
          const li = [...document.querySelectorAll('#image-list li')].find((el) => el.textContent?.includes(file));
          if (li?.classList.contains('failed')) reject(new Error(`${file} failed: ${document.querySelector('#errors')?.textContent}`));
          if (li?.classList.contains('ready') && document.querySelector('#readout-voxel')?.textContent === '[31, 31, 17, 0]') {
            observer.disconnect();
            resolve(performance.mark('fmri-end').startTime);
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      }),
    name,
  );
  shown.catch(() => {}); // awaited below; no unhandled rejection meanwhile
  await page.locator('#file-input').setInputFiles(fmri.gz);
  const t1 = await shown;
  const traceBytes = await browser.stopTracing();
  const trace = JSON.parse(traceBytes.toString('utf8')) as { traceEvents: TraceEvent[] };
  const tasks = tasksBetween(trace.traceEvents, 'fmri-start', 'fmri-end', t0);
  const long = await page.evaluate(([a, b]) => window.nibLongTasks.filter((t) => t.start >= a && t.start <= b), [t0, t1] as const);
  // Each long task as the trace saw it: the trace's task that overlaps it most.
  const overlap = (t: Task, a: number, b: number): number => Math.min(t.start + t.wall, b) - Math.max(t.start, a);
  const seen = long.map((l) => {
    const best = tasks.reduce<Task | undefined>((m, t) => (overlap(t, l.start, l.start + l.duration) > (m ? overlap(m, l.start, l.start + l.duration) : 0) ? t : m), undefined);
    return { ...l, task: best };
  });
  const ms = (x: number): string => x.toFixed(1);
  console.log(
    `viewer, fMRI .nii.gz: ${Math.round(t1 - t0)} ms from choice to views; ` +
      `tasks over 50 ms: ${seen.length ? seen.map((l) => `${Math.round(l.duration)} ms (CPU ${l.task ? `${ms(l.task.cpu)} ms` : '?'})`).join(', ') : 'none'}; ` +
      `longest in the trace (wall/CPU ms): ${tasks.slice(0, 3).map((t) => `${ms(t.wall)}/${ms(t.cpu)}`).join(', ')}`,
  );
  if (long.length) {
    writeFileSync(testInfo.outputPath('trace.json'), traceBytes);
    await testInfo.attach('trace.json', { path: testInfo.outputPath('trace.json'), contentType: 'application/json' });
  }
  await expect(page.locator('#image-list li', { hasText: name })).toHaveClass(/ready/);
  // The window shown is the one the page showed when it took it in one call (-7.5 to 1665).
  await expect(page.locator('#win-min')).toHaveValue('-7.5');
  await expect(page.locator('#win-max')).toHaveValue('1665');

  expect(tasks.filter((t) => t.cpu >= 50), 'tasks with 50 ms of main-thread CPU').toEqual([]);
  expect(seen.filter((l) => !l.task || l.task.cpu >= DESCHEDULED_CPU), 'long tasks not explained by descheduling').toEqual([]);
});
