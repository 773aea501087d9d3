#!/usr/bin/env node
/**
 * Random access into a `.nii.gz` through the proxy (issue 11's numbers), in Node — a
 * measurement script, not a test. On the benchmark fMRI volume (64×64×36×300 int16,
 * scripts/bench/volumes.mjs):
 *   - whole-file gunzip (WASM, bytes in memory): the reference time;
 *   - volume 150 of 300 from a fresh image (no seek index yet), ÷ that time;
 *   - after one pass (volume 299 read), 50 random 2-D slices `get([null, null, k, t])`:
 *     median and slowest; then the same after `uncache()` (the index survives it).
 * Each fresh-image case is repeated `--runs=N` times (default 5) and reported as the median,
 * with the spread. The file is read from disk (load(path), positioned reads).
 *
 *   node scripts/random-access.mjs [--runs=N] [--volume=fmri|t1|mni]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVolumes } from './bench/volumes.mjs';
import { ssrServer } from './bench/nibweb-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const runs = Number(args.runs ?? 5);
const which = args.volume ?? 'fmri';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;

const vol = ensureVolumes(root, (s) => process.stderr.write(`${s}\n`)).find((v) => v.name === which);
const server = await ssrServer(root);
try {
  const nw = await server.ssrLoadModule('/src/index.ts');
  const gz = new Uint8Array(readFileSync(vol.gz));
  const shape = vol.shape;
  const nt = shape[3] ?? 1;
  const nk = shape[2];

  // Reference: whole-file gunzip in memory.
  await nw.gunzip(gz);
  const whole = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await nw.gunzip(gz);
    whole.push(performance.now() - t0);
  }

  const mid = [];
  const pass = [];
  const slow = [];
  const med = [];
  const afterUncache = [];
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let r = 0; r < runs; r++) {
    let img = await nw.load(vol.gz);
    let t0 = performance.now();
    const midT = Math.floor(nt / 2);
    await img.dataobj.get(nt > 1 ? [null, null, null, midT] : [null, null, Math.floor(nk / 2)]);
    mid.push(performance.now() - t0);

    img = await nw.load(vol.gz);
    t0 = performance.now();
    await img.dataobj.get(nt > 1 ? [null, null, null, nt - 1] : [null, null, nk - 1]);
    pass.push(performance.now() - t0);
    const times = [];
    for (let i = 0; i < 50; i++) {
      const k = rand(nk);
      const idx = nt > 1 ? [null, null, k, rand(nt)] : [null, null, k];
      const t1 = performance.now();
      await img.dataobj.get(idx);
      times.push(performance.now() - t1);
    }
    slow.push(Math.max(...times));
    med.push(median(times));
    img.uncache();
    const t2 = performance.now();
    await img.dataobj.get(nt > 1 ? [null, null, rand(nk), rand(nt)] : [null, null, rand(nk)]);
    afterUncache.push(performance.now() - t2);
  }
  const w = median(whole);
  const spread = (xs) => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;
  console.log(`${which} ${shape.join('×')}, ${(gz.length / 1e6).toFixed(1)} MB .nii.gz, ${runs} runs (median, spread)`);
  console.log(`whole-file gunzip (WASM, in memory)      ${ms(w)}  (${spread(whole)})`);
  console.log(`middle volume, fresh image               ${ms(median(mid))}  (${spread(mid)})  = ${(median(mid) / w).toFixed(2)}× whole gunzip`);
  console.log(`one pass (last volume), fresh image      ${ms(median(pass))}  (${spread(pass)})`);
  console.log(`50 random 2-D slices after the pass      median ${ms(median(med))}, slowest ${ms(median(slow))} (slowest per run ${spread(slow)})`);
  console.log(`a random slice after uncache()           ${ms(median(afterUncache))}  (${spread(afterUncache)})`);
} finally {
  await server.close();
}
