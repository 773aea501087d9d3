/**
 * Consumer bundling test, webpack 5: the packed nibweb tarball, installed into test/consumer
 * and bundled there by webpack's Node API (test/consumer/run.mjs `buildWebpack`, webpack's
 * production defaults, no loaders or plugins), must load a .nii.gz in Chromium, on the main
 * thread and in a one-worker pool. nibweb reaches its `.wasm` files and its decode worker by
 * `new URL(…, import.meta.url)`, which webpack turns into asset modules: the test checks that
 * they are real files of the webpack build and that the page fetches them from there.
 * The page is the Vite consumer's (test/consumer/app.js); expected values come from
 * test/fixtures/viewer/expected.json (nibabel).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { buildWebpack, ensureBuilt, here as consumerDir, install, installedManifest, nodeImports, pack, preview } from '../consumer/run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const expected = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'viewer', 'expected.json'), 'utf8'));
const PORT = Number(process.env.NIBWEB_CONSUMER_WEBPACK_PORT ?? 4320);
const out = join(consumerDir, 'dist-webpack');

test('a webpack 5 app bundling the packed package loads a .nii.gz, .wasm and decode worker included', async ({ page }, testInfo) => {
  test.setTimeout(600_000); // may build the library and the WASM first
  ensureBuilt();
  const { tarball, files } = pack();
  const installed = install(tarball);
  expect(installedManifest().name).toBe('nibweb');
  const packedWasm = files.filter((f: string) => f.endsWith('.wasm')).map((f: string) => ({ path: f, bytes: readFileSync(join(installed, f)) }));
  const releaseWasm = readFileSync(join(installed, 'wasm', 'build', 'release.wasm'));

  const started = Date.now();
  const { files: built, warnings } = await buildWebpack();
  testInfo.annotations.push({ type: 'webpack build', description: `${Date.now() - started} ms` });
  // webpack found nothing to complain about: no unresolvable import('node:…'), no
  // "Critical dependency: the request of a dependency is an expression".
  expect(warnings).toEqual([]);

  // Two .wasm assets, the module and its shared-memory build, each a packed module byte for
  // byte (asset/resource: copied, not inlined as a data: URL).
  const wasmAssets = built.filter((f) => f.endsWith('.wasm'));
  expect(wasmAssets.length, `built files: ${built.join(', ')}`).toBe(2);
  const releaseAssets = wasmAssets.filter((f) => readFileSync(join(out, f)).equals(releaseWasm));
  expect(releaseAssets.length, 'one asset is release.wasm').toBe(1);
  for (const asset of wasmAssets) {
    const bytes = readFileSync(join(out, asset));
    expect(packedWasm.some((p: { bytes: Buffer }) => p.bytes.equals(bytes)), asset).toBe(true);
  }
  // Besides the bundle, one script: the library's self-contained decode worker, an asset
  // (webpack's minifier rewrites it, so it is not the packed file byte for byte).
  const scripts = built.filter((f) => f.endsWith('.js'));
  const workerAssets = scripts.filter((f) => f !== 'main.js');
  expect(scripts, `built files: ${built.join(', ')}`).toContain('main.js');
  expect(workerAssets.length, `built files: ${built.join(', ')}`).toBe(1);

  // No Node built-in in the browser bundle or the worker: nothing imports or requires one; the
  // Node-only paths keep their run-time import('node:…'), never run in a browser.
  const dynamic = new Set<string>();
  for (const f of scripts) {
    const code = readFileSync(join(out, f), 'utf8');
    // Nothing of the building machine: webpack turns a bare `import.meta.url` into the module's
    // absolute file path (dist/'s asset URLs are written `new URL("x", import.meta.url)` for it).
    expect(code.match(/file:\/\/[^"'`\s]*/g) ?? [], f).toEqual([]);
    const found = nodeImports(code);
    expect(found.problems, f).toEqual([]);
    for (const d of found.dynamic) dynamic.add(d.specifier);
  }
  expect([...dynamic].every((s) => s.startsWith('node:'))).toBe(true);

  const server = await preview(PORT, 'dist-webpack');
  try {
    const responses: { path: string; status: number; type: string | null }[] = [];
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (/\.(wasm|gz)$/.test(path)) responses.push({ path, status: r.status(), type: r.headers()['content-type'] ?? null });
    });
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    const el = page.locator('#out');
    await expect(el, logs.join('\n')).not.toHaveAttribute('data-status', 'loading');
    await expect(el, `${await el.textContent()}\n${logs.join('\n')}`).toHaveAttribute('data-status', 'ok');
    const e = expected.asym;
    await expect(el).toHaveAttribute('data-shape', e.shape.join(','));
    await expect(el).toHaveAttribute('data-index', e.bright_voxel.index.join(','));
    await expect(el).toHaveAttribute('data-value', String(e.bright_voxel.value));
    // The decode worker came with the build and decoded the same value.
    await expect(el).toHaveAttribute('data-worker-value', String(e.bright_voxel.value));
    await expect(el).toHaveAttribute('data-workers', '1');
    expect(workers).toEqual([`/${workerAssets[0]}`]);
    // The module came from the webpack build, served as application/wasm (so compiled
    // streaming), not from a fallback or an inlined copy; the fixture too is a build asset.
    const wasm = responses.filter((r) => r.path.endsWith('.wasm'));
    expect(wasm, JSON.stringify(responses)).toEqual([{ path: `/${releaseAssets[0]}`, status: 200, type: 'application/wasm' }]);
    const gz = responses.filter((r) => r.path.endsWith('.gz'));
    expect(gz.length, JSON.stringify(responses)).toBe(2);
    expect(gz.every((r) => r.status === 200 && built.includes(r.path.slice(1)))).toBe(true);
    const shot = testInfo.outputPath('consumer-webpack.png');
    await page.screenshot({ path: shot });
    await testInfo.attach('consumer-webpack.png', { path: shot, contentType: 'image/png' });
  } finally {
    await server.close();
  }
});
