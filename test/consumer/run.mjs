#!/usr/bin/env node
/**
 * Consumer bundling test runner: does nibweb work for someone who installs the published
 * package and bundles it with Vite or webpack 5 — in particular, do the `.wasm` files and
 * the decode worker survive their build?
 *
 * Steps (no network):
 *   1. `npm pack` the repository (with --ignore-scripts; dist/ and wasm/build/ are built first
 *      with `npm run build` only when missing or older than the sources);
 *   2. extract the tarball into test/consumer/node_modules/nibweb (what `npm install` would
 *      put there; the package has no runtime dependencies: dist/ bundles fflate);
 *   3. `vite build` test/consumer with the repository's own Vite (root test/consumer, which
 *      has its own package.json so that 'nibweb' is not resolved to the repository itself)
 *      into test/consumer/dist, or build test/consumer/webpack with webpack's Node API into
 *      test/consumer/dist-webpack; both apps run app.js;
 *   4. serve the build with `vite preview` on 127.0.0.1.
 * The checks in Chromium are test/e2e/consumer.spec.ts (Vite) and consumer-webpack.spec.ts,
 * which call these functions.
 *
 *   node test/consumer/run.mjs [--webpack]           steps 1–3, prints what was built
 *   node test/consumer/run.mjs [--webpack] --serve   steps 1–4, then serves until Ctrl-C
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
const vite = join(root, 'node_modules', '.bin', 'vite');

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'build' && e.name !== 'node_modules') t = Math.max(t, newest(p));
    } else t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ and wasm/build/ when they are missing or older than src/ and wasm/. */
export function ensureBuilt(log = console.log) {
  const outputs = ['dist/index.js', 'wasm/build/release.wasm'].map((f) => join(root, f));
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'wasm')));
  const stale = outputs.some((f) => !existsSync(f) || statSync(f).mtimeMs < sources);
  if (stale) {
    log('consumer: dist/ or wasm/build/ missing or stale; running `npm run build`');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
}

/**
 * `npm pack` the repository into a temporary directory.
 * @returns the tarball path and the paths it holds
 */
export function pack() {
  const dest = mkdtempSync(join(tmpdir(), 'nibweb-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [info] = JSON.parse(out);
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path) };
}

/** Extracts the tarball into test/consumer/node_modules/nibweb, replacing what was there. */
export function install(tarball) {
  const dest = join(here, 'node_modules', 'nibweb');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  // npm tarballs hold everything under package/.
  execFileSync('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1']);
  return dest;
}

/** The files under `dir`, relative to it. */
function listFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(relative(dir, p));
    }
  };
  walk(dir);
  return files;
}

/**
 * `vite build` the consumer app into test/consumer/dist.
 * @returns the built files, relative to dist/
 */
export function build() {
  const out = join(here, 'dist');
  rmSync(out, { recursive: true, force: true });
  execFileSync(vite, ['build', '--base', './', '--logLevel', 'warn', '--emptyOutDir'], {
    cwd: here,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BROWSER: 'none' },
  });
  return listFiles(out);
}

/**
 * Builds the consumer app's webpack entry (webpack/main.js) into test/consumer/dist-webpack
 * with webpack 5's Node API, as a production build with webpack's defaults: the `.wasm`
 * files and the decode worker script, which nibweb reaches by `new URL(…, import.meta.url)`,
 * become asset modules. webpack/index.html is copied next to the bundle.
 * @returns the built files, relative to dist-webpack/, and webpack's warnings
 * @throws {Error} with webpack's errors when the build fails
 */
export async function buildWebpack() {
  const { default: webpack } = await import('webpack');
  const out = join(here, 'dist-webpack');
  rmSync(out, { recursive: true, force: true });
  const compiler = webpack({
    mode: 'production',
    context: here,
    entry: './webpack/main.js',
    output: { path: out, filename: 'main.js' },
    devtool: false,
    // A consumer's build would warn about a 300 kB bundle; not this test's concern.
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
  });
  const stats = await new Promise((resolve, reject) => {
    compiler.run((err, result) => {
      compiler.close((closeErr) => (err || closeErr ? reject(err ?? closeErr) : resolve(result)));
    });
  });
  const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
  const text = (list) => list.map((e) => `${e.moduleName ?? ''} ${e.message}`.trim());
  if (stats.hasErrors()) throw new Error(`webpack build failed:\n${text(errors).join('\n')}`);
  copyFileSync(join(here, 'webpack', 'index.html'), join(out, 'index.html'));
  return { files: listFiles(out), warnings: text(warnings) };
}

/**
 * Steps 1–3.
 * @param log where to say that the library is being built
 * @param bundler which consumer build to make
 */
export async function prepare(log = console.log, bundler = 'vite') {
  ensureBuilt(log);
  const { tarball, files: packed } = pack();
  const installed = install(tarball);
  const built = bundler === 'webpack' ? (await buildWebpack()).files : build();
  rmSync(dirname(tarball), { recursive: true, force: true });
  return { packed, installed, built };
}

/**
 * Serves a build of the consumer app with `vite preview` (static files, `.wasm` as
 * application/wasm).
 * @param port a free port on 127.0.0.1
 * @param outDir the build, relative to test/consumer: `dist` (Vite's) or `dist-webpack`
 * @returns the URL and a function that stops the server
 */
export async function preview(port, outDir = 'dist') {
  const args = ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', outDir];
  const child = spawn(vite, args, {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BROWSER: 'none' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite preview exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(url);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`vite preview did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const close = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined);
      child.once('exit', () => resolve(undefined));
      child.kill();
    });
  return { url, close };
}

const STATIC = /(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'`]([^"'`]+)["'`]/g;
const DYNAMIC = /(?:^|[^\w$.])import\s*\(\s*((?:\/\*[\s\S]*?\*\/\s*)*)["'`]([^"'`]+)["'`]/g;
const OPAQUE = /(?:^|[^\w$.])import\s*\(\s*((?:\/\*[\s\S]*?\*\/\s*)*)([A-Za-z_$][\w$.]*)\s*\)/g;
const REQUIRE = /(?:^|[^\w$.])require\s*\(\s*["'`]([^"'`]+)["'`]/g;

/**
 * What a built bundle imports from Node: `problems` lists what would pull a Node built-in
 * into a browser bundle or break it there — a static import or re-export of a built-in
 * (`node:fs`, `fs`, …), a `require()` of one, a dynamic `import()` of a bare built-in name
 * (bundlers may swap in a polyfill), and Vite's `__vite-browser-external` shim (what Vite
 * substitutes for a built-in it was asked to bundle). `dynamic` lists the run-time-only
 * `import('node:…')`s, which are allowed (a browser never runs them), and `opaque` the
 * `import(variable)`s (how Node-only code hides its specifiers), each with whether both
 * bundler-ignore comments (`@vite-ignore`, `webpackIgnore: true`) are still on it.
 * @param {string} code a built JavaScript file
 * @returns {{ problems: string[], dynamic: { specifier: string, ignored: boolean }[], opaque: { expression: string, ignored: boolean }[] }}
 */
export function nodeImports(code) {
  const problems = [];
  const dynamic = [];
  const opaque = [];
  const ignored = (comments) => comments.includes('@vite-ignore') && /webpackIgnore:\s*true/.test(comments);
  if (code.includes('__vite-browser-external')) problems.push('__vite-browser-external (Vite shimmed a Node built-in)');
  for (const m of code.matchAll(STATIC)) if (isBuiltin(m[1])) problems.push(`static import of ${m[1]}`);
  for (const m of code.matchAll(REQUIRE)) if (isBuiltin(m[1])) problems.push(`require(${m[1]})`);
  for (const m of code.matchAll(DYNAMIC)) {
    if (!isBuiltin(m[2])) continue;
    if (!m[2].startsWith('node:')) problems.push(`import(${m[2]}) of a bare built-in name`);
    else dynamic.push({ specifier: m[2], ignored: ignored(m[1]) });
  }
  for (const m of code.matchAll(OPAQUE)) opaque.push({ expression: m[2], ignored: ignored(m[1]) });
  return { problems, dynamic, opaque };
}

/** The packed package.json, as installed. */
export function installedManifest() {
  return JSON.parse(readFileSync(join(here, 'node_modules', 'nibweb', 'package.json'), 'utf8'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const webpack = process.argv.includes('--webpack');
  const { packed, built } = await prepare(console.log, webpack ? 'webpack' : 'vite');
  console.log(`packed ${packed.length} files; built: ${built.join(', ')}`);
  if (process.argv.includes('--serve')) {
    const { url } = await preview(Number(process.env.PORT ?? (webpack ? 4320 : 4318)), webpack ? 'dist-webpack' : 'dist');
    console.log(`serving ${url} (Ctrl-C to stop)`);
  }
}
