/**
 * Library build (ESM, .wasm emitted as an asset) and the two Vitest projects:
 * `node` (test/node) and `browser` (test/browser, real Chromium through Playwright).
 */
import { playwright } from '@vitest/browser-playwright';
import MagicString from 'magic-string';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, chromiumPath } from './test/chromium.ts';

const isTest = process.env.VITEST !== undefined;

/**
 * Vite's static server labels `.gz` files `Content-Encoding: gzip`, so a browser fetch would
 * inflate them (and reject broken ones) before a test saw the bytes. Tests need the file as
 * it is on disk, as a user's drop or a plain static host gives it.
 */
function rawGzip(): Plugin {
  return {
    name: 'nibweb-raw-gzip',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (/\.(gz|mgz)(\?|$)/.test(req.url ?? '')) {
          const set = res.setHeader.bind(res);
          res.setHeader = (name: string, value: number | string | readonly string[]) =>
            name.toLowerCase() === 'content-encoding' ? res : set(name, value);
        }
        next();
      });
    },
  };
}

/**
 * Vite writes each `new URL('…', import.meta.url)` of the library as
 * `new URL(new URL("x", import.meta.url).href, "" + import.meta.url)`. A webpack app
 * bundling nibweb then bakes the absolute path of nibweb's dist/ on the building machine
 * into its bundle (webpack replaces the bare `import.meta.url` of the second argument with
 * it). Written back as `new URL("x", import.meta.url)`: the same URL, and the form every
 * bundler resolves as an asset.
 */
function plainAssetUrls(): Plugin {
  const doubled = /new URL\(\s*(?:\/\*\s*@vite-ignore\s*\*\/\s*)?new URL\(("[^"\\]+"), import\.meta\.url\)\.href,\s*"" \+ import\.meta\.url\s*\)/g;
  return {
    name: 'nibweb-plain-asset-urls',
    apply: 'build',
    enforce: 'post',
    renderChunk(code) {
      if (!code.includes('"" + import.meta.url')) return null;
      const s = new MagicString(code);
      for (const m of code.matchAll(doubled)) s.overwrite(m.index, m.index + m[0].length, `new URL(${m[1]}, import.meta.url)`);
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
  };
}

export default defineConfig({
  base: './',
  // public/ holds the examples' sample image: never part of the library build.
  publicDir: false,
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: 'index',
    },
    rollupOptions: {
      // fflate (used only to gzip written files) is bundled, so dist/ also runs as plain
      // ESM in a browser with no import map.
      external: [/^node:/],
    },
  },
  server: { host: '127.0.0.1' },
  plugins: [rawGzip(), plainAssetUrls()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: isTest ? { executablePath: chromiumPath(), args: CHROMIUM_ARGS } : {},
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
