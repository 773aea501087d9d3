/**
 * Decode workers in Node (issue 11): the built library (dist/, built first when stale) with
 * node:worker_threads, on the fMRI .nii.gz by path — `getFdata({ dtype: 'float32' })` on the
 * main thread, in a pool of 1 and in a pool of 2 (parallel inflate: the file is over the
 * 32 MiB `parallelMinBytes`), the same in `shared` pools (the arrays decoded in shared
 * WebAssembly memory, a pool of 2 placing its chunks there), and `pool.gunzip` of the
 * compressed bytes already in memory (a plain ArrayBuffer, and a SharedArrayBuffer the
 * workers read in place) with 1 and 2 workers. Cases round-robin (timing.mjs); pools are made once and kept warm.
 *
 *   node scripts/bench/node-workers.mjs [--runs=N] [--warmup=N]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '../../test/consumer/run.mjs';
import { fmt, table } from './report.mjs';
import { roundRobin } from './timing.mjs';
import { ensureVolumes } from './volumes.mjs';

/**
 * Runs the table.
 * @param {string} root repository root
 * @param {{ gz: string, gzBytes: number, niiBytes: number, name: string }} vol
 * @param {{ runs: number, warmup: number }} opts
 * @returns {Promise<{ markdown: string, json: object }>}
 */
export async function runNodeWorkers(root, vol, opts) {
  ensureBuilt(() => {});
  const { createWorkerPool, load } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
  const pools = {
    1: createWorkerPool({ size: 1 }),
    2: createWorkerPool({ size: 2 }),
    s1: createWorkerPool({ size: 1, shared: true }),
    s2: createWorkerPool({ size: 2, shared: true }),
  };
  const plain = new Uint8Array(readFileSync(vol.gz));
  const shared = new Uint8Array(new SharedArrayBuffer(plain.byteLength));
  shared.set(plain);
  const timed = async (f) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const fdata = (opt) => timed(async () => (await load(vol.gz, opt)).getFdata({ dtype: 'float32' }));
  const cases = [
    { id: 'main', run: () => fdata({}) },
    { id: 'fdata:1', run: () => fdata({ worker: pools[1] }) },
    { id: 'fdata:2', run: () => fdata({ worker: pools[2] }) },
    { id: 'fdatashared:1', run: () => fdata({ worker: pools.s1 }) },
    { id: 'fdatashared:2', run: () => fdata({ worker: pools.s2 }) },
    { id: 'bytes:1', run: () => timed(() => pools[1].gunzip(plain)) },
    { id: 'bytes:2', run: () => timed(() => pools[2].gunzip(plain)) },
    { id: 'shared:1', run: () => timed(() => pools[1].gunzip(shared)) },
    { id: 'shared:2', run: () => timed(() => pools[2].gunzip(shared)) },
  ];
  try {
    const r = await roundRobin(cases, { ...opts, between: () => globalThis.gc?.() });
    const med = (id) => r.get(id)?.median;
    const row = (label, id1, id2) => [label, fmt(med(id1)), fmt(med(id2)), `${(med(id1) / med(id2)).toFixed(2)}×`];
    const rows = [
      row('getFdata float32 by path (main thread: ' + fmt(med('main')) + ' ms)', 'fdata:1', 'fdata:2'),
      row('… in a shared pool (the array stays in shared WebAssembly memory)', 'fdatashared:1', 'fdatashared:2'),
      row('pool.gunzip of bytes in memory', 'bytes:1', 'bytes:2'),
      row('pool.gunzip of bytes in shared memory', 'shared:1', 'shared:2'),
    ];
    const errors = [...r.entries()].filter(([, v]) => v.error).map(([k, v]) => `${k}: ${v.error}`);
    const markdown = [
      `### Decode workers in Node, worker_threads (${vol.name}: ${fmt(vol.gzBytes / 1e6)} MB → ${fmt(vol.niiBytes / 1e6)} MB; median of ${opts.runs} after ${opts.warmup} warm-up)`,
      '',
      table(['case', '1 worker ms', '2 workers ms', 'speed-up'], rows),
      ...(errors.length ? ['', `errors: ${errors.join('; ')}`] : []),
    ].join('\n');
    return { markdown, json: Object.fromEntries([...r.entries()].map(([k, v]) => [k, v.samples])) };
  } finally {
    for (const pool of Object.values(pools)) pool.terminate();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const vol = ensureVolumes(root, (m) => process.stderr.write(`${m}\n`)).find((v) => v.name === 'fmri');
  const r = await runNodeWorkers(root, vol, { runs: Number(arg('runs', 5)), warmup: Number(arg('warmup', 1)) });
  process.stdout.write(`${r.markdown}\n`);
}
