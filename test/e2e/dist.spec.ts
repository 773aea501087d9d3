/**
 * The built library (dist/) as people use it without a bundler: imported by a Node ≥ 20
 * script, and loaded as plain ESM by a browser page with no import map (the .wasm fetched
 * next to dist/index.js). Expected values are nibabel's (test/fixtures/viewer/expected.json).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { ensureBuilt, nodeImports } from '../consumer/run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const expected = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'viewer', 'expected.json'), 'utf8')).asym;
const fixture = 'test/fixtures/viewer/asym.nii.gz';
const PORT = Number(process.env.NIBWEB_ESM_PORT ?? 4319);

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.gz': 'application/octet-stream',
};

const PAGE = `<!doctype html><meta charset="utf-8"><pre id="out" data-status="loading"></pre>
<script type="module">
  import { createWorkerPool, load } from '/dist/index.js';
  const out = document.getElementById('out');
  try {
    const bytes = new Uint8Array(await (await fetch('/${fixture}')).arrayBuffer());
    const img = await load(bytes, { name: 'asym.nii.gz' });
    const data = await img.getFdata();
    const [i, j, k] = ${JSON.stringify(expected.bright_voxel.index)};
    out.dataset.shape = img.shape.join(',');
    out.dataset.value = String(data.get(i, j, k));
    const pool = createWorkerPool({ size: 1, minBytes: 0 });
    const inWorker = await load(new Blob([bytes]), { name: 'asym.nii.gz', worker: pool });
    out.dataset.workerValue = String((await inWorker.getFdata()).get(i, j, k));
    out.dataset.workers = String(pool.started);
    out.dataset.status = 'ok';
  } catch (e) {
    out.textContent = String(e && e.stack || e);
    out.dataset.status = 'error';
  }
</script>`;

/** A bare static server over the repository (no bundler, no transforms). */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/plain.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(PORT, '127.0.0.1', () => resolve(server)));
}

test.beforeAll(() => ensureBuilt());

test('dist/ imports Node built-ins only at run time, hidden from bundlers', () => {
  const { problems, dynamic, opaque } = nodeImports(readFileSync(join(root, 'dist', 'index.js'), 'utf8'));
  expect(problems).toEqual([]);
  // The file-path source, the .wasm read from disk and node:zlib: each a run-time import()
  // (of a literal the build folded, or of a variable) that Vite (@vite-ignore) and webpack
  // (webpackIgnore) leave alone.
  const runtime = [...dynamic, ...opaque];
  expect(runtime.length).toBeGreaterThanOrEqual(3);
  expect(runtime.filter((d) => !d.ignored)).toEqual([]);
});

test('a Node script imports dist/ and reads an image', () => {
  const script = `
    import { readFile } from 'node:fs/promises';
    import { load } from ${JSON.stringify(join(root, 'dist', 'index.js'))};
    const img = await load(new Uint8Array(await readFile(${JSON.stringify(join(root, fixture))})), { name: 'asym.nii.gz' });
    const data = await img.getFdata();
    const fromPath = await load(${JSON.stringify(fixture)}); // relative to the cwd below
    const pathData = await fromPath.getFdata();
    const at = ${JSON.stringify(expected.bright_voxel.index)};
    console.log(JSON.stringify({ shape: img.shape, value: data.get(...at), pathShape: fromPath.shape, pathValue: pathData.get(...at) }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root }));
  expect(out.shape).toEqual(expected.shape);
  expect(out.value).toBe(expected.bright_voxel.value);
  expect(out.pathShape).toEqual(expected.shape);
  expect(out.pathValue).toBe(expected.bright_voxel.value);
});

test('a page imports dist/index.js as plain ESM (no bundler, no import map)', async ({ page }) => {
  const server = await serve();
  try {
    const wasm: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('.wasm')) wasm.push(r.status());
    });
    await page.goto(`http://127.0.0.1:${PORT}/plain.html`);
    const out = page.locator('#out');
    await expect(out).not.toHaveAttribute('data-status', 'loading');
    await expect(out, (await out.textContent()) ?? '').toHaveAttribute('data-status', 'ok');
    await expect(out).toHaveAttribute('data-shape', expected.shape.join(','));
    await expect(out).toHaveAttribute('data-value', String(expected.bright_voxel.value));
    // dist/ brings its decode worker (assets/decode-worker-*.js), which decodes the same value.
    await expect(out).toHaveAttribute('data-worker-value', String(expected.bright_voxel.value));
    await expect(out).toHaveAttribute('data-workers', '1');
    expect(wasm).toEqual([200]);
  } finally {
    server.close();
  }
});
