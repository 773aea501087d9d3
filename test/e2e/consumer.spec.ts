/**
 * Consumer bundling test: the packed nibweb tarball, installed into test/consumer and
 * bundled there with Vite (test/consumer/run.mjs), must load a .nii.gz in Chromium — which
 * needs the WebAssembly module to be a real asset of the consumer's build, fetched from it.
 * Expected values come from test/fixtures/viewer/expected.json (nibabel).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { build, ensureBuilt, here as consumerDir, install, installedManifest, nodeImports, pack, preview } from '../consumer/run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const expected = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'viewer', 'expected.json'), 'utf8'));
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
  // chunk), nothing imports or requires one; the Node-only code paths (file paths, the .wasm
  // read from disk, node:zlib) keep their run-time import('node:…'), never run in a browser.
  expect(built.filter((f) => f.includes('__vite-browser-external'))).toEqual([]);
  const js = built.filter((f) => f.endsWith('.js'));
  expect(js.length).toBeGreaterThan(0);
  const dynamic = new Set<string>();
  for (const f of js) {
    const found = nodeImports(readFileSync(join(consumerDir, 'dist', f), 'utf8'));
    expect(found.problems, f).toEqual([]);
    for (const d of found.dynamic) dynamic.add(d.specifier);
  }
  expect([...dynamic].every((s) => s.startsWith('node:'))).toBe(true);

  const server = await preview(PORT);
  try {
    const wasmResponses: { url: string; status: number; type: string | null }[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.endsWith('.wasm')) wasmResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? null });
    });
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    const out = page.locator('#out');
    await expect(out, logs.join('\n')).not.toHaveAttribute('data-status', 'loading');
    await expect(out, `${await out.textContent()}\n${logs.join('\n')}`).toHaveAttribute('data-status', 'ok');
    const e = expected.asym;
    await expect(out).toHaveAttribute('data-shape', e.shape.join(','));
    await expect(out).toHaveAttribute('data-index', e.bright_voxel.index.join(','));
    await expect(out).toHaveAttribute('data-value', String(e.bright_voxel.value));
    // The decode worker came with the build and decoded the same value.
    await expect(out).toHaveAttribute('data-worker-value', String(e.bright_voxel.value));
    await expect(out).toHaveAttribute('data-workers', '1');
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
