/**
 * The checks both consumer bundling tests make (consumer.spec.ts with Vite,
 * consumer-webpack.spec.ts with webpack 5) of a consumer's build and of its page, which runs
 * test/consumer/app.js. Expected values come from test/fixtures/viewer/expected.json (nibabel).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, expect } from '@playwright/test';
import { nodeImports } from '../consumer/run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const expected = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'viewer', 'expected.json'), 'utf8'));

/**
 * No Node built-in in the build's scripts: nothing imports or requires one (the Node-only
 * paths — file paths, the .wasm read from disk, node:zlib — keep their run-time
 * `import('node:…')`, never run in a browser); and nothing of the building machine (webpack
 * turns a bare `import.meta.url` into the module's absolute file path, which is why dist/
 * writes its asset URLs `new URL("x", import.meta.url)`).
 * @param dir the build's directory
 * @param scripts its `.js` files, relative to `dir`
 */
export function expectBrowserScripts(dir: string, scripts: string[]): void {
  expect(scripts.length).toBeGreaterThan(0);
  const dynamic = new Set<string>();
  for (const f of scripts) {
    const code = readFileSync(join(dir, f), 'utf8');
    expect(code.match(/file:\/\/[^"'`\s]*/g) ?? [], f).toEqual([]);
    const found = nodeImports(code);
    expect(found.problems, f).toEqual([]);
    for (const d of found.dynamic) dynamic.add(d.specifier);
  }
  expect([...dynamic].every((s) => s.startsWith('node:'))).toBe(true);
}

/**
 * Opens the consumer page and checks what app.js printed: nibabel's shape and bright voxel,
 * on the main thread and decoded again by the one worker its pool started.
 * @param page the page (listeners for responses or workers added before, as the test needs)
 * @param url the served build
 */
export async function expectConsumerPage(page: Page, url: string): Promise<void> {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(url);
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
}
