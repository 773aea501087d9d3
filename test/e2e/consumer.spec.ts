/**
 * Consumer bundling test: the packed nibweb tarball, installed into test/consumer and
 * bundled there with Vite (test/consumer/run.mjs), must load a .nii.gz in Chromium — which
 * needs the WebAssembly module to be a real asset of the consumer's build, fetched from it.
 * Expected values come from test/fixtures/viewer/expected.json (nibabel).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { build, ensureBuilt, here as consumerDir, install, installedManifest, pack, preview } from '../consumer/run.mjs';
import { expectBrowserScripts, expectConsumerPage } from './consumer-checks.js';

const PORT = Number(process.env.NIBWEB_CONSUMER_PORT ?? 4318);

test('a Vite app bundling the packed package loads a .nii.gz, .wasm included', async ({ page }, testInfo) => {
  test.setTimeout(600_000); // may build the library and the WASM first
  ensureBuilt();
  const { tarball, files } = pack();
  // The tarball carries the library and its WebAssembly module.
  expect(files).toContain('dist/index.js');
  expect(files).toContain('dist/index.d.ts');
  expect(files.some((f: string) => f.endsWith('.wasm'))).toBe(true);
  const installed = install(tarball);
  expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
  expect(installedManifest().name).toBe('nibweb');

  const built: string[] = build();
  // Two assets: the module, and its shared-memory build (fetched only by a `shared` pool on
  // a cross-origin isolated page), each the packed module byte for byte.
  const wasmAssets = built.filter((f) => f.endsWith('.wasm')).sort();
  expect(wasmAssets.map((f) => f.split('/').pop()!.split('-')[0]), `built files: ${built.join(', ')}`).toEqual(['release', 'shared']);
  const packedWasm = files.filter((f: string) => f.endsWith('.wasm')).map((f: string) => readFileSync(join(installed, f)));
  for (const asset of wasmAssets) {
    const builtWasm = readFileSync(join(consumerDir, 'dist', asset));
    expect(packedWasm.some((b: Buffer) => b.equals(builtWasm)), asset).toBe(true);
  }

  // No Node built-in in the browser bundle: Vite shimmed none (no __vite-browser-external
  // chunk), and the scripts import or require none.
  expect(built.filter((f) => f.includes('__vite-browser-external'))).toEqual([]);
  expectBrowserScripts(join(consumerDir, 'dist'), built.filter((f) => f.endsWith('.js')));

  const server = await preview(PORT);
  try {
    const wasmResponses: { url: string; status: number; type: string | null }[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.endsWith('.wasm')) wasmResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? null });
    });
    await expectConsumerPage(page, server.url);
    // The module came from the consumer's build, not from a fallback or an inlined copy.
    expect(wasmResponses.length, JSON.stringify(wasmResponses)).toBeGreaterThan(0);
    expect(wasmResponses.every((r) => r.status === 200)).toBe(true);
    expect(wasmResponses.map((r) => new URL(r.url).pathname.split('/').pop())).toEqual([wasmAssets[0]!.split('/').pop()]);
    const shot = testInfo.outputPath('consumer.png');
    await page.screenshot({ path: shot });
    await testInfo.attach('consumer.png', { path: shot, contentType: 'image/png' });
  } finally {
    await server.close();
  }
});
