/**
 * Shared memory where a page is cross-origin isolated (issue 11): the e2e server sends
 * COOP + COEP for test/e2e/isolated.html only (examples/vite.config.ts), so `shared: true`
 * really gives SharedArrayBuffers there, written by every worker at once; the page
 * (isolated.ts) checks each result against DecompressionStream and reports what differs.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));

test('pool.gunzip shared: true on an isolated page, and into a shared buffer', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/@fs${join(here, 'isolated.html')}`);
  await page.waitForFunction(() => window.isolated !== undefined);
  expect(await page.evaluate(() => window.isolated.isolated)).toBe(true);
  expect(await page.evaluate(() => window.isolated.run())).toEqual([]);
  expect(errors).toEqual([]);
});

test('getFdata in a shared pool on an isolated page: decoded into shared WebAssembly memory and cached there', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/@fs${join(here, 'isolated.html')}`);
  await page.waitForFunction(() => window.isolated !== undefined);
  expect(await page.evaluate(() => window.isolated.arrays())).toEqual([]);
  expect(errors).toEqual([]);
});
