/**
 * Gets nibweb's pieces into a plain `node scripts/bench.mjs` process.
 *
 * Source is the default: test/bench/nibweb-adapter.ts (the same adapter the browser page
 * uses) is loaded through Vite's SSR module loader, which transforms the TypeScript of src/
 * on the fly, so the numbers always belong to the checkout as it is. The built bundle
 * (dist/index.js) is used for `gunzip` instead when it exports it and is newer than every
 * file under src/ and than wasm/build/release.wasm — a stale bundle would measure old code.
 * `--nibweb=src|dist` forces one or the other.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * A Vite dev server in middleware mode, used only as a module loader.
 * @param {string} root repository root
 * @returns {Promise<import('vite').ViteDevServer>}
 */
export async function ssrServer(root) {
  const { createServer } = await import('vite');
  return createServer({
    root,
    configFile: false,
    logLevel: 'error',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
    cacheDir: join(root, 'node_modules', '.cache', 'nibweb-bench', 'vite-ssr'),
  });
}

/**
 * Loads nibweb for the Node section.
 * @param {string} root repository root
 * @param {'auto'|'src'|'dist'} mode where `gunzip` comes from
 * @returns {Promise<{ pieces: import('../../test/bench/nibweb-adapter.ts').NibwebPieces, close: () => Promise<void> }>}
 */
export async function loadNibwebNode(root, mode) {
  const server = await ssrServer(root);
  const adapter = await server.ssrLoadModule('/test/bench/nibweb-adapter.ts');
  const pieces = await adapter.getNibweb();
  const dist = join(root, 'dist', 'index.js');
  if (mode !== 'src' && existsSync(dist)) {
    const wasm = join(root, 'wasm', 'build', 'release.wasm');
    const fresh = statSync(dist).mtimeMs >= Math.max(newestMtime(join(root, 'src')), existsSync(wasm) ? statSync(wasm).mtimeMs : 0);
    if (fresh || mode === 'dist') {
      try {
        const lib = await import(pathToFileURL(dist).href);
        if (typeof lib.gunzip === 'function') {
          pieces.gunzip = lib.gunzip;
          pieces.gunzipFrom = `dist/index.js gunzip${fresh ? '' : ' (older than src/!)'}`;
        }
      } catch (err) {
        pieces.problems.push(`dist/index.js: ${err.message}`);
      }
    } else if (pieces.gunzip) {
      pieces.gunzipFrom += ' (dist/ is older than src/, so source)';
    }
  }
  if (pieces.gunzip && pieces.gunzipFrom.startsWith('src')) pieces.gunzipFrom += ' via Vite SSR';
  return { pieces, close: () => server.close() };
}
