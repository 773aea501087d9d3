/**
 * The drag-and-drop viewer (examples/viewer) in real Chromium, through real drops: a
 * `DataTransfer` built in the page carrying `File`s made from the fixture bytes
 * (test/fixtures/viewer, written by scripts/make-sample.py with nibabel), dispatched as a
 * `drop` event on the drop zone. Expected values come from test/fixtures/viewer/expected.json.
 *
 * Orientation is checked from canvas pixels: asym.nii.gz is stored in P-S-L voxel order with
 * a bright cube on the subject's left and a dimmer one anterior, so the bright pixels must be
 * on the side whose edge label says L, the dim ones towards A.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page, type TestInfo } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'viewer');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8'));

/** Drops fixture files on the drop zone as a user would; `[file, as]` drops a file under another name. */
async function drop(page: Page, names: (string | [string, string])[], dir = fixtures): Promise<void> {
  const payload = names.map((n) => {
    const [file, name] = typeof n === 'string' ? [n, n] : n;
    return { name, b64: readFileSync(join(dir, file)).toString('base64') };
  });
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, payload);
  await page.locator('#drop').dispatchEvent('drop', { dataTransfer });
}

/** Waits until the image list shows `name` loaded, and returns its list item. */
async function ready(page: Page, name: string) {
  const item = page.locator('#image-list li', { hasText: name });
  await expect(item).toHaveClass(/ready/);
  return item;
}

/** The header table as {key: text}. */
async function headerTable(page: Page): Promise<Record<string, string>> {
  return page.locator('#header-table > tbody > tr').evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.key, (r.querySelector('td')?.firstChild?.textContent ?? '').trim()])),
  );
}

interface PixelStats {
  width: number;
  height: number;
  /** Fraction of grey pixels brighter than black. */
  nonBlack: number;
  /** Centroid (as a fraction of width/height) of grey pixels with level in [lo, hi]. */
  centroid: (lo: number, hi: number) => Promise<{ count: number; x: number; y: number }>;
  /** A digest of the pixels, to see whether the picture changed. */
  digest: string;
}

/** Pixel statistics of one view's canvas; crosshair (coloured) pixels are ignored. */
async function pixels(page: Page, view: string): Promise<PixelStats> {
  const canvas = page.locator(`.view[data-view="${view}"] canvas`);
  const base = await canvas.evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d') as CanvasRenderingContext2D;
    const { data, width, height } = ctx.getImageData(0, 0, c.width, c.height);
    let grey = 0;
    let lit = 0;
    let hash = 0;
    for (let p = 0; p < data.length; p += 4) {
      hash = (hash * 31 + data[p]) | 0;
      if (data[p] !== data[p + 1] || data[p + 1] !== data[p + 2]) continue;
      grey++;
      if (data[p] > 8) lit++;
    }
    return { width, height, nonBlack: lit / Math.max(1, grey), digest: String(hash) };
  });
  return {
    ...base,
    centroid: (lo, hi) =>
      canvas.evaluate(
        (c: HTMLCanvasElement, [lo, hi]) => {
          const ctx = c.getContext('2d') as CanvasRenderingContext2D;
          const { data, width, height } = ctx.getImageData(0, 0, c.width, c.height);
          let n = 0;
          let sx = 0;
          let sy = 0;
          for (let y = 0; y < height; y++)
            for (let x = 0; x < width; x++) {
              const p = (y * width + x) * 4;
              const v = data[p];
              if (v !== data[p + 1] || v !== data[p + 2] || v < lo || v > hi) continue;
              n++;
              sx += x;
              sy += y;
            }
          return { count: n, x: n ? sx / n / width : Number.NaN, y: n ? sy / n / height : Number.NaN };
        },
        [lo, hi] as [number, number],
      ),
  };
}

async function labels(page: Page, view: string): Promise<Record<string, string>> {
  const fig = page.locator(`.view[data-view="${view}"]`);
  const out: Record<string, string> = {};
  for (const side of ['left', 'right', 'top', 'bottom']) out[side] = (await fig.locator(`.edge.${side}`).textContent()) ?? '';
  return out;
}

/** Saves a screenshot under test-results/e2e/<test>/ and attaches it to the report. */
async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(name);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto('/viewer/');
});

test('the site root is the viewer (what `npm run dev` prints), with the sample showing and the walkthrough linked', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/viewer\/$/);
  await ready(page, 'sample.nii.gz');
  await expect(page.locator('a[href="../walkthrough/"]')).toBeVisible();
});

test('shows the bundled sample on first load, with no drop', async ({ page }, testInfo) => {
  const e = expected.sample;
  await ready(page, 'sample.nii.gz');
  const h = await headerTable(page);
  expect(h.shape).toBe(`${e.shape.join(' × ')} (3-D)`);
  expect(h.zooms).toBe('1.5 × 1.5 × 1.5 mm');
  expect(h.dtype).toBe(e.dtype);
  expect(h.descrip).toBe(e.descrip);
  expect(h.orientation).toMatch(new RegExp(`^${e.axcodes.join('')}`));
  expect(h.qform).toBe('code 1 (scanner)');
  expect(h.sform).toBe('code 1 (scanner)');
  await expect(page.locator('#readout-voxel')).toHaveText(`[${e.centre.join(', ')}]`);
  await expect(page.locator('#readout-world')).toHaveText(e.centre_world.map((x: number) => x.toFixed(1)).join(', '));
  await expect(page.locator('#readout-value')).toHaveText(String(e.centre_values[0]));
  for (const view of ['axial', 'coronal', 'sagittal']) {
    const px = await pixels(page, view);
    expect(px.width, view).toBeGreaterThan(100);
    expect(px.nonBlack, view).toBeGreaterThan(0.2);
  }
  // The lesion is in the subject's left hemisphere: neurological display puts it left.
  expect(await labels(page, 'axial')).toEqual({ left: 'L', right: 'R', top: 'A', bottom: 'P' });
  await expect(page.locator('#errors')).toBeEmpty();
  await attachScreenshot(page, testInfo, 'sample.png');
});

test('drop of a .nii.gz: header values and orientation from canvas pixels', async ({ page }, testInfo) => {
  const e = expected.asym;
  await ready(page, 'sample.nii.gz');
  await drop(page, ['asym.nii.gz']);
  await ready(page, 'asym.nii.gz');
  await expect(page.locator('#image-list button[aria-selected="true"]')).toContainText('asym.nii.gz');
  const h = await headerTable(page);
  expect(h.file).toBe('asym.nii.gz');
  expect(h.shape).toBe(`${e.shape.join(' × ')} (3-D)`);
  expect(h.zooms).toBe('2 × 2.5 × 3 mm');
  expect(h.dtype).toBe('uint8');
  expect(h.orientation).toMatch(/^PSL/);
  expect(h.qform).toBe('code 1 (scanner)');
  expect(h.sform).toBe('code 2 (aligned)');
  expect(h.descrip).toBe(e.descrip);
  await expect(page.locator('#readout-voxel')).toHaveText(`[${e.centre.join(', ')}]`);
  await expect(page.locator('#readout-value')).toHaveText(String(e.centre_values[0]));
  const opened = { min: await page.inputValue('#win-min'), max: await page.inputValue('#win-max') };
  expect(Number(opened.max)).toBeGreaterThan(Number(opened.min));

  // A window that separates the levels: background 0, head 60, anterior cube 160, left cube 250.
  await page.fill('#win-min', '0');
  await page.fill('#win-max', '255');
  const bright = [235, 255] as const;
  const dim = [145, 175] as const;

  for (const view of ['axial', 'coronal']) {
    expect(await labels(page, view)).toMatchObject({ left: 'L', right: 'R' });
    const c = await (await pixels(page, view)).centroid(...bright);
    expect(c.count, view).toBeGreaterThan(50);
    expect(c.x, `${view}: bright (left) cube on the L side`).toBeLessThan(0.4);
  }
  const axialDim = await (await pixels(page, 'axial')).centroid(...dim);
  expect(axialDim.count).toBeGreaterThan(20);
  expect(axialDim.y, 'axial: anterior cube towards A (top)').toBeLessThan(0.3);
  expect(await labels(page, 'sagittal')).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  const sagDim = await (await pixels(page, 'sagittal')).centroid(...dim);
  expect(sagDim.x, 'sagittal: anterior cube on the A side').toBeLessThan(0.3);
  await attachScreenshot(page, testInfo, 'asym-neurological.png');

  // Radiological: the same cube moves to the right, under the L label now on the right.
  await page.check('#radiological');
  expect(await labels(page, 'axial')).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  const rad = await (await pixels(page, 'axial')).centroid(...bright);
  expect(rad.x).toBeGreaterThan(0.6);
  await attachScreenshot(page, testInfo, 'asym-radiological.png');
  await page.uncheck('#radiological');

  // Clicking the bright cube moves the cursor there: value 250, world x < 0 (left).
  const canvas = page.locator('.view[data-view="axial"] canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('no axial canvas');
  const c = await (await pixels(page, 'axial')).centroid(...bright);
  await canvas.click({ position: { x: c.x * box.width, y: c.y * box.height } });
  await expect(page.locator('#readout-value')).toHaveText(String(e.bright_voxel.value));
  const world = (await page.locator('#readout-world').textContent())?.split(',').map(Number) ?? [];
  expect(world[0]).toBeLessThan(-10);

  // Keyboard: the focused view steps through slices.
  const before = await page.locator('#readout-voxel').textContent();
  await canvas.focus();
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('#readout-voxel')).not.toHaveText(before ?? '');

  // Auto brings back the window the image opened with.
  await page.fill('#win-min', '10');
  await page.fill('#win-max', '20');
  await page.click('#win-auto');
  await expect(page.locator('#win-min')).toHaveValue(opened.min);
  await expect(page.locator('#win-max')).toHaveValue(opened.max);
});

test('drop of a .hdr + .img pair loads as one image', async ({ page }, testInfo) => {
  const e = expected.pair;
  await ready(page, 'sample.nii.gz');
  await drop(page, ['pair.img', 'pair.hdr']);
  await ready(page, 'pair.hdr + pair.img');
  await expect(page.locator('#image-list li')).toHaveCount(2);
  const h = await headerTable(page);
  expect(h.shape).toBe(`${e.shape.join(' × ')} (3-D)`);
  expect(h.zooms).toBe('2 × 2 × 3 mm');
  expect(h.dtype).toBe('int16');
  expect(h.descrip).toBe('nibweb pair fixture');
  expect(h.orientation).toMatch(/^LAS/);
  expect(h.qform).toBe('code 1 (scanner)');
  expect(h.sform).toBe('code 0 (unknown) — not used');
  await expect(page.locator('#readout-value')).toHaveText(String(e.centre_values[0]));
  await expect(page.locator('#readout-world')).toHaveText(e.centre_world.map((x: number) => x.toFixed(1)).join(', '));
  expect((await pixels(page, 'axial')).nonBlack).toBeGreaterThan(0.5);
  await attachScreenshot(page, testInfo, 'pair.png');
});

test('drop of a FreeSurfer .mgz: MGH header rows, affine from Mdc/delta/Pxyz_c', async ({ page }, testInfo) => {
  // test/fixtures/mgh (generate-mgh.py): 5×4×3 float32, written by nibabel.
  const mgh = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'mgh', 'manifest.json'), 'utf8'));
  const e = mgh.read.find((r: { id: string }) => r.id === 'float32-3d-mgz');
  await ready(page, 'sample.nii.gz');
  await drop(page, ['float32-3d-mgz.mgz'], join(here, '..', 'fixtures', 'mgh'));
  await ready(page, 'float32-3d-mgz.mgz');
  const h = await headerTable(page);
  expect(h.shape).toBe(`${e.shape.join(' × ')} (3-D)`);
  expect(h.dtype).toBe('float32');
  expect(h.zooms).toBe(e.zooms.join(' × '));
  expect(h.mgh).toBe(`TR ${e.fields.tr} ms, flip angle ${e.fields.flip_angle} rad, TE ${e.fields.te} ms, TI ${e.fields.ti} ms`);
  expect(h.orientation).toMatch(/^LAS/);
  expect((await pixels(page, 'axial')).nonBlack).toBeGreaterThan(0);
  await attachScreenshot(page, testInfo, 'mgz.png');
});

test('drop of an SPM Analyze pair with its .mat: one image, affine from the .mat', async ({ page }, testInfo) => {
  // test/fixtures/analyze (generate-analyze.py): int16 4×3×2 written by nibabel's Spm99AnalyzeImage.
  const dir = join(here, '..', 'fixtures', 'analyze');
  const analyze = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const e = analyze.find((r: { id: string }) => r.id === 'mat-v4-mat');
  const want = e.as.Spm2AnalyzeImage;
  await ready(page, 'sample.nii.gz');
  await drop(page, ['mat-v4-mat.mat', 'mat-v4-mat.img', 'mat-v4-mat.hdr'], dir);
  await ready(page, 'mat-v4-mat.hdr + mat-v4-mat.img');
  await expect(page.locator('#image-list li')).toHaveCount(2);
  const h = await headerTable(page);
  expect(h.shape).toBe(`${want.shape.join(' × ')} (3-D)`);
  expect(h.dtype).toBe('int16');
  const affine = await page.locator('#header-table tr[data-key="affine"]').textContent();
  // The table shows 5 significant digits: the .mat's oblique affine, not the header's diagonal one.
  for (const row of want.affine.slice(0, 3)) for (const v of row) expect(affine).toContain(String(Number(Math.abs(v).toPrecision(5))));
  await attachScreenshot(page, testInfo, 'spm-pair.png');
});

for (const mode of ['whole array', 'one volume at a time'] as const) {
  test(`4-D image (${mode}): the volume slider changes the picture and the value`, async ({ page }, testInfo) => {
    const e = expected.fourd;
    // ?wholeMax=0 makes the viewer read 4-D images volume by volume through the proxy.
    if (mode !== 'whole array') await page.goto('/viewer/?wholeMax=0');
    await ready(page, 'sample.nii.gz');
    await expect(page.locator('#volume-control')).toBeHidden();
    await drop(page, ['fourd.nii.gz']);
    await ready(page, 'fourd.nii.gz');
    const h = await headerTable(page);
    expect(h.shape).toBe('32 × 32 × 16 × 5 (4-D)');
    expect(h.zooms).toBe('3 × 3 × 4 mm, 2 sec');
    expect(h.scaling).toBe('value × 0.5 + 10');
    expect(h.intent).toContain('moving ball');
    const slider = page.locator('#volume');
    await expect(page.locator('#volume-control')).toBeVisible();
    await expect(slider).toHaveAttribute('max', '4');
    await page.fill('#win-min', '0');
    await page.fill('#win-max', '410');
    const digests: string[] = [];
    const ballX: number[] = [];
    for (let t = 0; t < 5; t++) {
      await slider.fill(String(t));
      await expect(page.locator('#readout-voxel')).toHaveText(`[${[...e.centre, t].join(', ')}]`);
      await expect(page.locator('#readout-value')).toHaveText(String(e.centre_values[t]));
      const px = await pixels(page, 'axial');
      digests.push(px.digest);
      ballX.push((await px.centroid(100, 255)).x);
    }
    expect(new Set(digests).size).toBe(5);
    // The ball moves along +x (towards R, on the right in neurological display).
    for (let t = 1; t < 5; t++) expect(ballX[t]).toBeGreaterThan(ballX[t - 1]);
    await attachScreenshot(page, testInfo, `fourd-${mode.replace(/ /g, '-')}.png`);
  });
}

test('bad files: a clear message each, and the page keeps working', async ({ page }, testInfo) => {
  await ready(page, 'sample.nii.gz');
  await drop(page, ['not-an-image.nii', 'truncated.nii.gz', 'asym.nii.gz']);
  await ready(page, 'asym.nii.gz');
  const errors = page.locator('#errors .error');
  await expect(errors).toHaveCount(2);

  const bad = page.locator('#errors .error[data-file="not-an-image.nii"]');
  await expect(bad).toBeVisible();
  await expect(bad.locator('.kind')).toContainText('ImageFileError');
  expect(await bad.getAttribute('data-code')).toBeTruthy();
  expect(((await bad.locator('.message').textContent()) ?? '').length).toBeGreaterThan(10);

  const cut = page.locator('#errors .error[data-file="truncated.nii.gz"]');
  await expect(cut).toBeVisible();
  await expect(cut.locator('.kind')).toContainText(/DecompressionError|ImageDataError/);
  expect(await cut.getAttribute('data-code')).toBeTruthy();
  await expect(page.locator('#image-list li.failed')).toHaveCount(2);
  await attachScreenshot(page, testInfo, 'bad-files.png');

  // Still working: the good file of the same drop shows, and a new drop loads.
  await page.locator('#image-list button', { hasText: 'asym.nii.gz' }).click();
  expect((await pixels(page, 'axial')).nonBlack).toBeGreaterThan(0.2);
  await drop(page, ['fourd.nii.gz']);
  await ready(page, 'fourd.nii.gz');
  expect((await headerTable(page)).shape).toBe('32 × 32 × 16 × 5 (4-D)');
  // Errors can be dismissed.
  await bad.getByRole('button').click();
  await expect(errors).toHaveCount(1);
});

test('a lone .hdr among good files: its error names the missing .img, the others load', async ({ page }) => {
  await ready(page, 'sample.nii.gz');
  await drop(page, ['asym.nii.gz', ['pair.hdr', 'lonely.hdr'], 'pair.img', 'pair.hdr']);
  await ready(page, 'asym.nii.gz');
  await ready(page, 'pair.hdr + pair.img');
  const lone = page.locator('#errors .error[data-file="lonely.hdr"]');
  await expect(lone).toBeVisible();
  await expect(lone.locator('.kind')).toHaveText('ImageFileError · MISSING_PAIR_MEMBER');
  await expect(lone.locator('.message')).toContainText('lonely.img');
  await expect(page.locator('#errors .error')).toHaveCount(1);
  await expect(page.locator('#image-list li.failed')).toHaveCount(1);
  await expect(page.locator('#image-list li.ready')).toHaveCount(3);
  // The good pair of the same drop shows its pixels.
  await page.locator('#image-list button', { hasText: 'pair.hdr + pair.img' }).click();
  expect((await headerTable(page)).descrip).toBe('nibweb pair fixture');
  expect((await pixels(page, 'axial')).nonBlack).toBeGreaterThan(0.5);
});

test('the drop zone is keyboard reachable and opens the file picker', async ({ page }) => {
  await ready(page, 'sample.nii.gz');
  // Tab order: the walkthrough link in the intro, then the drop zone.
  await page.keyboard.press('Tab');
  await expect(page.locator('a[href="../walkthrough/"]')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator('#drop')).toBeFocused();
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Enter');
  const fc = await chooser;
  expect(fc.isMultiple()).toBe(true);
  await fc.setFiles([join(fixtures, 'pair.hdr'), join(fixtures, 'pair.img')]);
  await ready(page, 'pair.hdr + pair.img');
});
