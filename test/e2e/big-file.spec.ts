/**
 * A file past 4 GiB in Chromium (issue 11): a sparse 5.08 GiB 4-D .nii made in os.tmpdir() is
 * chosen through an <input type=file> (Playwright hands a local Chromium the path: no copy),
 * opens at once as a File, serves volumes before, across and past byte 2^32 through the
 * proxy (Blob.slice reads), and getFdata refuses the whole array with a LimitError that says
 * to read volumes. The page is test/e2e/big-file.html, served by the e2e Vite server from
 * the repository (/@fs/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { BIG_FILE_BYTES, BIG_SHAPE, writeSparseNifti } from '../shared/big-nifti.ts';

const here = dirname(fileURLToPath(import.meta.url));
let dir = '';
let path = '';

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nibweb-big-e2e-'));
  path = join(dir, 'big4d.nii');
  await writeSparseNifti(path);
});
test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a 5 GiB .nii from <input type=file>: opens at once, serves any volume, refuses getFdata', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/@fs${join(here, 'big-file.html')}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  await page.setInputFiles('#file', path);

  const opened = await page.evaluate(() => window.bigFile.open());
  expect(opened).toMatchObject({ name: 'big4d.nii', size: BIG_FILE_BYTES, shape: [...BIG_SHAPE] });
  expect(opened.size).toBeGreaterThan(5 * 2 ** 30);
  expect(opened.ms).toBeLessThan(2000);

  for (const [t, written] of [[0, true], [204, true], [205, true], [230, false], [259, true]] as const) {
    const vol = await page.evaluate(([t, w]) => window.bigFile.volume(t, w), [t, written] as const);
    expect(vol.shape).toEqual([256, 256, 160]);
    expect(vol.mismatch, `volume ${t}`).toBeNull();
  }
  const voxel = await page.evaluate(() => window.bigFile.voxel(201, 77, 143, 259));
  expect(voxel.got).toBe(voxel.want);

  const refused = await page.evaluate(() => window.bigFile.wholeRead());
  expect(refused).toMatchObject({ name: 'LimitError', code: 'ARRAY_TOO_LARGE', inMemory: false });
  expect(refused!.message).toContain('img.dataobj.get([null, null, null, t])');
  expect(refused!.ms).toBeLessThan(500);
  // Still usable after the refusal.
  const again = await page.evaluate(() => window.bigFile.volume(1, true));
  expect(again.mismatch).toBeNull();
  expect(errors).toEqual([]);
});
