/**
 * The viewer, given the benchmark fMRI volume (64×64×36×300 int16 .nii.gz, 50 MB; built once by
 * scripts/bench/volumes.mjs into node_modules/.cache/nibweb-bench/) through its file input,
 * from the choice to the three views of volume 0 on screen: no main-thread task over 50 ms
 * (issue 11). Long tasks are collected by a 'longtask' PerformanceObserver installed before the
 * page loads; the file reaches Chromium by path (no copy through the test).
 */
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

test('choosing the fMRI .nii.gz in the viewer: no main-thread task over 50 ms until its views show', async ({ page }) => {
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
  const t0 = await page.evaluate(() => performance.now());
  await page.locator('#file-input').setInputFiles(fmri.gz);
  const name = fmri.gz.split('/').pop()!;
  await expect(page.locator('#image-list li', { hasText: name })).toHaveClass(/ready/, { timeout: 120_000 });
  await expect(page.locator('#readout-voxel')).toHaveText('[31, 31, 17, 0]');
  const t1 = await page.evaluate(() => performance.now());
  const long = await page.evaluate(([a, b]) => window.nibLongTasks.filter((t) => t.start >= a && t.start <= b), [t0, t1] as const);
  console.log(`viewer, fMRI .nii.gz: ${Math.round(t1 - t0)} ms from choice to views; main-thread tasks over 50 ms: ${long.length ? long.map((t) => `${Math.round(t.duration)} ms`).join(', ') : 'none'}`);
  expect(long).toEqual([]);
});
