#!/usr/bin/env node
/**
 * Consumer bundling test runner: does nibweb work for someone who installs the published
 * package and bundles it with Vite — in particular, does the `.wasm` file survive their build?
 *
 * Steps (no network):
 *   1. `npm pack` the repository (with --ignore-scripts; dist/ and wasm/build/ are built first
 *      with `npm run build` only when missing or older than the sources);
 *   2. extract the tarball into test/consumer/node_modules/nibweb (what `npm install` would
 *      put there; the one runtime dependency, fflate, resolves from the repository's
 *      node_modules above);
 *   3. `vite build` test/consumer with the repository's own Vite (root test/consumer, which
 *      has its own package.json so that 'nibweb' is not resolved to the repository itself);
 *   4. serve test/consumer/dist with `vite preview` on 127.0.0.1.
 * The check in Chromium is test/e2e/consumer.spec.ts, which calls these functions.
 *
 *   node test/consumer/run.mjs           steps 1–3, prints what was built
 *   node test/consumer/run.mjs --serve   steps 1–4, then serves until Ctrl-C
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(relative(out, p));
    }
  };
  walk(out);
  return files;
}

/** Steps 1–3. */
export function prepare(log = console.log) {
  ensureBuilt(log);
  const { tarball, files: packed } = pack();
  const installed = install(tarball);
  const built = build();
  rmSync(dirname(tarball), { recursive: true, force: true });
  return { packed, installed, built };
}

/**
 * Serves test/consumer/dist with `vite preview`.
 * @param port a free port on 127.0.0.1
 * @returns the URL and a function that stops the server
 */
export async function preview(port) {
  const child = spawn(vite, ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
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
  const { packed, built } = prepare();
  console.log(`packed ${packed.length} files; built: ${built.join(', ')}`);
  if (process.argv.includes('--serve')) {
    const { url } = await preview(Number(process.env.PORT ?? 4318));
    console.log(`serving ${url} (Ctrl-C to stop)`);
  }
}
