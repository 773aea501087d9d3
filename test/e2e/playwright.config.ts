/**
 * Playwright config for the end-to-end tests: the viewer (viewer.spec.ts) against the
 * examples dev server, and the consumer bundling tests (consumer.spec.ts with Vite,
 * consumer-webpack.spec.ts with webpack 5; each builds and serves test/consumer itself).
 *
 *   npx playwright test -c test/e2e/playwright.config.ts
 *
 * The browser is the Chromium that test/chromium.ts finds (CHROMIUM_PATH, Playwright's own,
 * or Debian's), launched with its flags; Playwright never downloads one. Each launch gets a
 * fresh temporary profile (Playwright's default for `launch`, which refuses a
 * `--user-data-dir` flag), so no state leaks between runs.
 *
 * One worker: the machine is small and shared, and the specs are few.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Port of the examples dev server during the tests (not 5173, so `npm run dev` can run too). */
const E2E_PORT = Number(process.env.NIBWEB_E2E_PORT ?? 4317);

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: join(root, 'test-results', 'e2e'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `${join(root, 'node_modules', '.bin', 'vite')} --config examples/vite.config.ts --port ${E2E_PORT} --strictPort`,
    cwd: root,
    url: `http://127.0.0.1:${E2E_PORT}/viewer/`,
    env: { BROWSER: 'none', NIBWEB_E2E: '1' },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
