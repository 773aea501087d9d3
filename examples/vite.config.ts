/**
 * Vite config for the example pages (examples/<name>/index.html + main.ts, built from the
 * library's source, not from dist/):
 *
 *   npm run dev             → vite --config examples/vite.config.ts
 *                             serves on http://127.0.0.1:5173 and opens /viewer/, which
 *                             loads the bundled public/sample.nii.gz at once
 *   npm run build:examples  → vite build --config examples/vite.config.ts  (→ examples/dist)
 *
 * Every examples/<name>/index.html is a page of the build, next to the landing page
 * examples/index.html. `base: './'` keeps the build relocatable (any sub-path, file server).
 * The e2e tests (test/e2e/playwright.config.ts) run this same config on their own port.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/** The landing page and every examples/<name>/index.html. */
function pages(): Record<string, string> {
  const input: Record<string, string> = { index: join(here, 'index.html') };
  for (const entry of readdirSync(here, { withFileTypes: true })) {
    const html = join(here, entry.name, 'index.html');
    if (entry.isDirectory() && entry.name !== 'dist' && existsSync(html)) input[entry.name] = html;
  }
  return input;
}

/** Opening a browser needs one: skip it on a headless Linux box (and when BROWSER=none). */
const canOpen =
  process.env.BROWSER !== 'none' &&
  !process.env.CI &&
  (process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY));

/** Prints the viewer's address next to Vite's own banner, since the root is the landing page. */
function announceViewer(): Plugin {
  return {
    name: 'nibweb-announce-viewer',
    configureServer(server) {
      server.httpServer?.once('listening', () => {
        const url = server.resolvedUrls?.local[0];
        if (url) setTimeout(() => server.config.logger.info(`  ➜  Viewer:  ${url}viewer/`), 0);
      });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: join(here, '..', 'public'),
  plugins: [announceViewer()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    open: canOpen ? '/viewer/' : false,
  },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: pages() },
  },
});
