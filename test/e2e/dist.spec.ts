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

/** Script lines making \`shape\` and \`vox\`: a 128×128×64×10 int16 run, noise with one stretch in 7 zero (over 8 MiB gzipped at level 1). */
const RUN_VOLUME = `
    const shape = [128, 128, 64, 10];
    const vox = new Int16Array(shape.reduce((a, b) => a * b, 1));
    let x = 99;
    for (let i = 0; i < vox.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      vox[i] = (i >> 9) % 7 === 0 ? 0 : (x >>> 20) - 2048;
    }`;

/** Runs a module script as a user runs it (without the test runner's module hooks in NODE_OPTIONS, which threads inherit); its printed JSON. */
function runScript(script: string): Record<string, any> {
  const env = { ...process.env, NODE_OPTIONS: '' };
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root, env, timeout: 120_000 }));
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
  const out = runScript(script);
  expect(out.shape).toEqual(expected.shape);
  expect(out.value).toBe(expected.bright_voxel.value);
  expect(out.pathShape).toEqual(expected.shape);
  expect(out.pathValue).toBe(expected.bright_voxel.value);
});

test('a Node script decodes in worker_threads: a pool of 1 and of 2 (parallel inflate), shared memory, pool.gunzip, typed errors', () => {
  const script = `
    import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    import { gunzipSync, gzipSync } from 'node:zlib';
    import { NDArray, Nifti1Image, createWorkerPool, load } from ${JSON.stringify(join(root, 'dist', 'index.js'))};
    ${RUN_VOLUME}
    const dir = mkdtempSync(join(tmpdir(), 'nibweb-node-pool-'));
    const path = join(dir, 'run.nii.gz');
    const gz = gzipSync(await new Nifti1Image(new NDArray(vox, shape), null).toBytes(), { level: 1 });
    writeFileSync(path, gz);
    const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    const here = await (await load(path)).getFdata({ dtype: 'float32' });
    const one = createWorkerPool({ size: 1 });
    const two = createWorkerPool({ size: 2, parallelMinBytes: 8 << 20 });
    const viaOne = await load(path, { worker: one });
    const a = await viaOne.getFdata({ dtype: 'float32' });
    const viaTwo = await load(path, { worker: two });
    const b = await viaTwo.getFdata({ dtype: 'float32' });
    viaTwo.uncache();
    const slice = await viaTwo.dataobj.get([null, null, 40, 9]);
    const at = 9 * 128 * 128 * 64 + 40 * 128 * 128;
    const gunzipped = await two.gunzip(new Uint8Array(gz));
    // Shared pools: the arrays stay in the shared WebAssembly memory the worker decoded them in
    // (dist/ carries the module's shared build), in one worker and from parallel chunks.
    const shared = [];
    for (const size of [1, 2]) {
      const pool = createWorkerPool({ size, parallelMinBytes: 8 << 20, shared: true });
      const img = await load(path, { worker: pool });
      const s = await img.getFdata({ dtype: 'float32' });
      shared.push([pool.shared, s.data.buffer instanceof SharedArrayBuffer, same(s.data, here.data), pool.started]);
      pool.terminate();
    }
    const sharedBytes = await two.gunzip(new Uint8Array(gz), { shared: true });
    // A corrupt stream and a file changed since its load: the workers' errors, typed.
    const bad = new Uint8Array(gz);
    bad[bad.length >> 1] ^= 0xff;
    writeFileSync(join(dir, 'bad.nii.gz'), bad);
    const corrupt = await (await load(join(dir, 'bad.nii.gz'), { worker: one })).getFdata().catch((e) => e);
    const changed = await load(path, { worker: one });
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    const gone = await changed.getFdata().catch((e) => e);
    console.log(JSON.stringify({
      gz: gz.length,
      one: same(a.data, here.data) && one.started === 1 && one.usable,
      two: same(b.data, here.data) && two.started === 2 && two.usable,
      points: viaTwo.dataobj.source.index.size,
      slice: same(slice.data, vox.subarray(at, at + 128 * 128)),
      gunzip: Buffer.from(gunzipped).equals(gunzipSync(gz)),
      shared,
      sharedGunzip: sharedBytes.buffer instanceof SharedArrayBuffer && Buffer.from(sharedBytes).equals(gunzipSync(gz)),
      corrupt: [corrupt.name, corrupt.code],
      changed: [gone.name, gone.code],
    }));
    // No terminate(): idle workers must not keep the process alive.
  `;
  const out = runScript(script);
  expect(out.gz).toBeGreaterThan(8 << 20);
  expect(out.one).toBe(true);
  expect(out.two).toBe(true);
  expect(out.points).toBeGreaterThan(10);
  expect(out.slice).toBe(true);
  expect(out.gunzip).toBe(true);
  expect(out.shared).toEqual([[true, true, true, 1], [true, true, true, 2]]);
  expect(out.sharedGunzip).toBe(true);
  expect(out.corrupt[0]).toBe('DecompressionError');
  expect(out.changed).toEqual(['ImageFileError', 'FILE_CHANGED']);
});

test('a Node script reads a URL in worker_threads: inflated in parallel from a server that serves ranges, not downloaded again from one that ignores Range', () => {
  const script = `
    import { createServer } from 'node:http';
    import { NDArray, Nifti1Image, createWorkerPool, load } from ${JSON.stringify(join(root, 'dist', 'index.js'))};
    import { gzipSync } from 'node:zlib';
    ${RUN_VOLUME}
    const gz = gzipSync(await new Nifti1Image(new NDArray(vox, shape), null).toBytes(), { level: 1 });
    // /ranged/ answers Range with 206; /norange/ always sends the whole file with 200.
    const log = { ranged: { requests: 0, bytes: 0 }, norange: { requests: 0, bytes: 0 } };
    const server = createServer((req, res) => {
      const mode = req.url.split('/')[1];
      const l = log[mode];
      l.requests++;
      const m = /^bytes=(\\d+)-(\\d+)$/.exec(req.headers.range ?? '');
      if (mode === 'ranged' && m && req.method === 'GET') {
        const start = Number(m[1]);
        const end = Math.min(Number(m[2]), gz.length - 1);
        l.bytes += end - start + 1;
        res.writeHead(206, { 'content-range': 'bytes ' + start + '-' + end + '/' + gz.length, 'content-length': end - start + 1 }).end(gz.subarray(start, end + 1));
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': gz.length }).end();
        return;
      }
      l.bytes += gz.length;
      res.writeHead(200, { 'content-length': gz.length }).end(gz);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = 'http://127.0.0.1:' + server.address().port;
    const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    const want = Float32Array.from(vox);
    const two = createWorkerPool({ size: 2, parallelMinBytes: 8 << 20 });
    const ranged = await (await load(base + '/ranged/run.nii.gz', { worker: two })).getFdata({ dtype: 'float32' });
    const rangedStarted = two.started;
    const other = createWorkerPool({ size: 2, parallelMinBytes: 8 << 20 });
    const img = await load(base + '/norange/run.nii.gz', { worker: other });
    const atLoad = { ...log.norange };
    const whole = await img.getFdata({ dtype: 'float32' });
    console.log(JSON.stringify({
      gz: gz.length,
      ranged: [same(ranged.data, want), rangedStarted, log.ranged.bytes],
      norange: [same(whole.data, want), other.started, atLoad, log.norange, img.warnings.some((w) => /Range/.test(w.message))],
    }));
    server.close();
  `;
  const out = runScript(script);
  expect(out.gz).toBeGreaterThan(8 << 20);
  // Two chunks, each worker fetching its own ranges: the file about once (a chunk reads little
  // past its stop, and its block search little that its decode reads again), not once per chunk.
  const [rangedSame, rangedWorkers, rangedBytes] = out.ranged;
  expect(rangedSame).toBe(true);
  expect(rangedWorkers).toBe(2);
  expect(rangedBytes).toBeLessThan(out.gz * 1.1);
  // The whole file came with the header read; the workers get those bytes (no request more).
  const [wholeSame, , atLoad, after, warned] = out.norange;
  expect(wholeSame).toBe(true);
  expect(atLoad.bytes).toBe(out.gz);
  expect(after).toEqual(atLoad);
  expect(warned).toBe(true);
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
