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
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildWebpack, ensureBuilt, here as consumerDir, install, installedManifest, pack, preview } from '../consumer/run.mjs';
import { expectBrowserScripts, expectConsumerPage } from './consumer-checks.js';

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

  // No Node built-in in the browser bundle or the worker, nothing of the building machine.
  expectBrowserScripts(out, scripts);

  const server = await preview(PORT, 'dist-webpack');
  try {
    const responses: { path: string; status: number; type: string | null }[] = [];
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (/\.(wasm|gz)$/.test(path)) responses.push({ path, status: r.status(), type: r.headers()['content-type'] ?? null });
    });
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
    await expectConsumerPage(page, server.url);
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
