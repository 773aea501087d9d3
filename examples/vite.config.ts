/**
 * Vite config for the example pages (examples/<name>/index.html + main.ts, built from the
 * library's source, not from dist/):
 *
 *   npm run dev             → vite --config examples/vite.config.ts
 *                             serves on http://127.0.0.1:5173: `/` is the viewer (a redirect
 *                             to /viewer/), which loads the bundled public/sample.nii.gz at
 *                             once and links the walkthrough
 *   npm run build:examples  → vite build --config examples/vite.config.ts  (→ examples/dist)
 *
 * Every examples/<name>/index.html is a page of the build; examples/index.html only sends a
 * visitor on to the viewer (static hosts included). `base: './'` keeps the build relocatable (any sub-path, file server).
 * The e2e tests (test/e2e/playwright.config.ts) run this same config on their own port, with
 * NIBWEB_E2E=1 turning off file watching and hot reload.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, normalize, sep } from 'node:path';
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

/**
 * The main job is what opens: `/` answers with a redirect to the viewer, in the dev and the
 * preview server (the built examples/index.html does the same with a meta refresh).
 */
function rootIsViewer(): Plugin {
  const redirect = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const [path, query] = (req.url ?? '').split('?');
    if (path !== '/' && path !== '/index.html') return next();
    res.statusCode = 302;
    res.setHeader('Location', `/viewer/${query ? `?${query}` : ''}`);
    res.end();
  };
  return {
    name: 'nibweb-root-is-viewer',
    configureServer(server) {
      server.middlewares.use(redirect);
    },
    configurePreviewServer(server) {
      server.middlewares.use(redirect);
    },
  };
}

/**
 * Serves `.gz`/`.mgz` files as the bytes they are. Vite's static server (sirv) labels them
 * `Content-Encoding: gzip`, so a browser would silently inflate them before the page sees them
 * — the viewer would get a plain .nii under a .nii.gz name, and byte ranges would refer to
 * the compressed file. Plain static hosts (and a user's drop) hand over the gzip bytes; so
 * does this, with single byte ranges as HTTP Range readers need.
 */
function rawGzip(): Plugin {
  const handler =
    (dir: () => string) =>
    (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      const path = decodeURIComponent((req.url ?? '').split('?')[0]);
      if (!/\.(gz|mgz)$/i.test(path)) return next();
      const base = dir();
      const file = normalize(join(base, path));
      if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
      const size = statSync(file).size;
      res.setHeader('Content-Type', 'application/gzip');
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'no-cache');
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      let start = 0;
      let end = size - 1;
      if (range && (range[1] || range[2])) {
        start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
        end = range[1] && range[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
        if (start >= size || start > end) {
          res.statusCode = 416;
          res.setHeader('Content-Range', `bytes */${size}`);
          res.end();
          return;
        }
        res.statusCode = 206;
        res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      }
      res.setHeader('Content-Length', String(end - start + 1));
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(file, { start, end }).pipe(res);
    };
  let publicDir = '';
  let outDir = '';
  return {
    name: 'nibweb-raw-gzip',
    configResolved(config) {
      publicDir = config.publicDir;
      outDir = config.build.outDir;
    },
    configureServer(server) {
      server.middlewares.use(handler(() => publicDir));
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler(() => outDir));
    },
  };
}

/**
 * Under the e2e tests only: a page whose name has `isolated` in it (test/e2e/isolated.html),
 * and the workers it starts, are served cross-origin isolated (COOP + COEP), so the shared
 * memory paths run there; every other page stays as a plain static host serves it.
 */
function isolatedE2ePages(): Plugin {
  return {
    name: 'nibweb-isolated-e2e-pages',
    configureServer(server) {
      if (!process.env.NIBWEB_E2E) return;
      server.middlewares.use((req, res, next) => {
        const fromPage = /isolated[^/]*\.html/;
        if (fromPage.test(req.url ?? '') || fromPage.test(String(req.headers.referer ?? ''))) {
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        }
        next();
      });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: join(here, '..', 'public'),
  plugins: [rootIsViewer(), rawGzip(), isolatedE2ePages()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    open: canOpen ? '/viewer/' : false,
    // Under the e2e tests, pages must not reload because someone edits a source file.
    ...(process.env.NIBWEB_E2E ? { hmr: false, watch: null } : {}),
  },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: pages() },
  },
});
