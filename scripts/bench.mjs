#!/usr/bin/env node
/**
 * `npm run bench`: nibweb against its peers, in Node and in real Chromium — not a test.
 *
 * Generates (once, cached) three deterministic synthetic volumes (scripts/bench/volumes.mjs),
 * then measures with perf-baseline.md's method (one process per table, cases interleaved
 * round-robin, warm-up rounds discarded, medians):
 *   Node:     gunzip (nibweb WASM vs node:zlib vs fflate), int16→float32 scaling (WASM vs JS),
 *             random access into the fMRI .nii.gz through the seek index (bench/random-access.mjs),
 *             parallel inflate in threads (bench/parallel-inflate-node.mjs), decode workers
 *             on worker_threads with the built library (bench/node-workers.mjs);
 *   Chromium: gunzip (nibweb vs DecompressionStream vs fflate), scaling, File → float32 end
 *             to end, renderer peak memory of that, and 2D slice reads of an uncompressed
 *             .nii through the proxy vs raw File.slice().
 * Prints markdown tables with environment lines and writes them to
 * test/bench/results/bench-results.md (+ .json with every sample). nibweb pieces that have
 * not landed in the checkout are reported as "not available", never as a number.
 *
 * Flags: --quick (1 warm-up + 3 runs, 1 memory run), --only=node|browser,
 *        --runs=N / --warmup=N (override), --nibweb=auto|src|dist (where Node's gunzip
 *        comes from; auto = dist/ when it is newer than src/, else source via Vite).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVolumes } from './bench/volumes.mjs';
import { ensureMgz } from './bench/mgh-writer.mjs';
import { fmt, table } from './bench/report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { quick: false, only: 'all', nibweb: 'auto', runs: undefined, warmup: undefined };
  for (const a of argv) {
    if (a === '--quick') opts.quick = true;
    else if (a.startsWith('--only=')) opts.only = a.slice(7);
    else if (a.startsWith('--nibweb=')) opts.nibweb = a.slice(9);
    else if (a.startsWith('--runs=')) opts.runs = Number(a.slice(7));
    else if (a.startsWith('--warmup=')) opts.warmup = Number(a.slice(9));
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/bench.mjs [--quick] [--only=node|browser] [--runs=N] [--warmup=N] [--nibweb=auto|src|dist]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!['all', 'node', 'browser'].includes(opts.only)) throw new Error('--only takes node or browser');
  if (!['auto', 'src', 'dist'].includes(opts.nibweb)) throw new Error('--nibweb takes auto, src or dist');
  const runs = opts.runs ?? (opts.quick ? 3 : 7);
  const warmup = opts.warmup ?? (opts.quick ? 1 : 2);
  if (!(runs >= 1 && warmup >= 0)) throw new Error('--runs must be ≥ 1 and --warmup ≥ 0');
  return { ...opts, runs, warmup, memReps: opts.quick ? 1 : 3 };
}

const log = (s) => process.stderr.write(`[bench] ${s}\n`);
const load = () => loadavg().map((x) => x.toFixed(2)).join('/');

function cpuLine() {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown'}, ${c.length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (Linux ${release()})`;
}

/** Warns when wasm/build/release.wasm is older than the AssemblyScript sources. */
function wasmFreshness() {
  const wasm = join(root, 'wasm', 'build', 'release.wasm');
  if (!existsSync(wasm)) return 'wasm/build/release.wasm missing: run `npm run build:wasm`';
  const srcs = readdirSync(join(root, 'wasm')).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(root, 'wasm', f)).mtimeMs);
  return statSync(wasm).mtimeMs >= Math.max(...srcs) ? '' : 'wasm/build/release.wasm is older than wasm/*.ts: run `npm run build:wasm` first';
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const stale = wasmFreshness();
  if (stale) log(`WARNING: ${stale}`);
  const volumes = ensureVolumes(root, log);
  // The T1 data also as a .mgz, for the MGH row of Chromium table (c).
  for (const v of volumes) if (v.name === 't1') Object.assign(v, ensureMgz(v, log));
  const pkg = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  const env = [
    ['date', started.toISOString()],
    ['method', `median of ${opts.runs} timed runs after ${opts.warmup} warm-up round(s); cases of a table interleaved round-robin in one process; forced GC between cases`],
    ['CPU', cpuLine()],
    ['Node', `${process.version} (V8 ${process.versions.v8}, zlib ${process.versions.zlib})`],
    ['libs', `fflate ${pkg('fflate')}, vite ${pkg('vite')}, playwright ${pkg('playwright')}`],
  ];
  if (stale) env.push(['warning', stale]);
  const sections = [];
  const json = { started: started.toISOString(), opts, volumes: volumes.map(({ nii, gz, mgz, ...v }) => v) };

  if (opts.only !== 'browser') {
    const before = load();
    const { loadNibwebNode } = await import('./bench/nibweb-node.mjs');
    const { runNodeBench } = await import('./bench/node-bench.mjs');
    const { pieces, close } = await loadNibwebNode(root, opts.nibweb);
    for (const p of pieces.problems) log(`nibweb import problem: ${p}`);
    try {
      const r = await runNodeBench(volumes, opts, pieces, log);
      sections.push(r.markdown);
      json.node = r.json;
    } finally {
      await close();
    }
    const { runRandomAccess } = await import('./bench/random-access.mjs');
    const ra = await runRandomAccess(root, volumes.find((v) => v.name === 'fmri'), opts.quick ? 3 : 5);
    sections.push(ra.markdown);
    json.randomAccess = ra.json;
    const { runParallelInflateNode } = await import('./bench/parallel-inflate-node.mjs');
    const pin = await runParallelInflateNode(root, volumes.find((v) => v.name === 'fmri'), opts.quick ? 3 : 7);
    sections.push(pin.markdown);
    json.parallelInflateNode = pin.json;
    const { runNodeWorkers } = await import('./bench/node-workers.mjs');
    const nw = await runNodeWorkers(root, volumes.find((v) => v.name === 'fmri'), { runs: opts.quick ? 3 : 5, warmup: 1 });
    sections.push(nw.markdown);
    json.nodeWorkers = nw.json;
    env.push(['load avg (1/5/15 min), Node section start → end', `${before} → ${load()}`]);
  }
  if (opts.only !== 'node') {
    const before = load();
    const { runBrowserBench } = await import('./bench/browser-bench.mjs');
    const r = await runBrowserBench(root, volumes, opts, log);
    sections.push(r.markdown);
    json.browser = r.json;
    json.browserEnv = r.env;
    env.push(['Chromium', `${r.env.chromium} — ${r.env.userAgent}`]);
    env.push(['Chromium page', `crossOriginIsolated=${r.env.crossOriginIsolated}, timer ${fmt(r.env.timerResolutionMs)} ms, gc exposed=${r.env.gcExposed}`]);
    const { runParallelGunzip } = await import('./bench/parallel-gunzip.mjs');
    const pg = await runParallelGunzip(root, volumes.find((v) => v.name === 'fmri'), { runs: opts.quick ? 3 : 7, warmup: opts.quick ? 1 : 2 });
    sections.push(pg.markdown);
    json.parallelGunzip = pg.json;
    env.push(['load avg (1/5/15 min), Chromium section start → end', `${before} → ${load()}`]);
  }

  const data = table(
    ['volume', 'dims', 'dtype', 'scl_slope/inter', '.nii MB', '.nii.gz MB', 'gzip ratio'],
    volumes.map((v) => [v.name, v.shape.join('×'), v.dtype, `${v.slope}/${v.inter}`, fmt(v.niiBytes / 1e6), fmt(v.gzBytes / 1e6), `${(v.niiBytes / v.gzBytes).toFixed(2)}×`]),
  );
  const report = [
    '# nibweb benchmark',
    '',
    `MB = 10^6 bytes; MB/s = output bytes per second; Mvox/s = voxels per second. Total time ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.`,
    '',
    table(['item', 'value'], env, ['l', 'l']),
    '',
    '### Test data (synthetic, deterministic; gzip = node:zlib level 6)',
    '',
    data,
    '',
    ...volumes.filter((v) => v.mgz).map((v) => `${v.label} also as .mgz (MGH int16, big-endian, raw values, 20-byte zero footer; gzip level 6, mtime 0): ${fmt(v.mgzBytes / 1e6)} MB.\n`),
    sections.join('\n\n'),
    '',
  ].join('\n');
  process.stdout.write(report);
  const out = join(root, 'test', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'bench-results.md'), report);
  writeFileSync(join(out, 'bench-results.json'), JSON.stringify({ ...json, env: Object.fromEntries(env) }, null, 1));
  log(`wrote test/bench/results/bench-results.md and .json`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
