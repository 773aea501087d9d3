/**
 * Random access into a `.nii.gz` through the proxy (issue 11's numbers), in Node. On the
 * benchmark fMRI volume (64×64×36×300 int16, volumes.mjs), read from disk by `load(path)`:
 *   - whole-file gunzip (WASM, bytes in memory): the reference time;
 *   - volume 150 of 300 from a fresh image (no seek index yet), ÷ that time;
 *   - after one pass (volume 299 read), 50 random 2-D slices `get([null, null, k, t])`:
 *     median and slowest; then one more after `uncache()` (the index survives it).
 * Each fresh-image case is repeated `runs` times; medians, with the spread of the runs. A
 * forced full GC runs between cases (outside the clock), so the freeing of one case's
 * 88 MB outputs is not a pause inside the next one's slices (perf-baseline.md's method).
 *
 * Part of `npm run bench` (the Node section); alone:
 *   node scripts/bench/random-access.mjs [--runs=N] [--volume=fmri|t1|mni]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ensureVolumes } from './volumes.mjs';
import { ssrServer } from './nibweb-node.mjs';
import { fmt, table } from './report.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Measures random access on one volume.
 * @param {string} root repository root
 * @param {{ name: string, shape: number[], gz: string }} vol a volume from ensureVolumes
 * @param {number} runs repetitions of each fresh-image case
 * @returns {Promise<{ markdown: string, json: object }>}
 */
export async function runRandomAccess(root, vol, runs) {
  const server = await ssrServer(root);
  try {
    const nw = await server.ssrLoadModule('/src/index.ts');
    const gz = new Uint8Array(readFileSync(vol.gz));
    const nt = vol.shape[3] ?? 1;
    const nk = vol.shape[2];
    const at = (k, t) => (nt > 1 ? [null, null, k, t] : [null, null, k]);
    let seed = 12345;
    const rand = (n) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    await nw.gunzip(gz);
    const r = { whole: [], mid: [], pass: [], median: [], slowest: [], afterUncache: [] };
    for (let i = 0; i < runs; i++) {
      gc();
      let t0 = performance.now();
      await nw.gunzip(gz);
      r.whole.push(performance.now() - t0);
      gc();

      let img = await nw.load(vol.gz);
      t0 = performance.now();
      await img.dataobj.get(nt > 1 ? [null, null, null, Math.floor(nt / 2)] : [null, null, Math.floor(nk / 2)]);
      r.mid.push(performance.now() - t0);

      gc();
      img = await nw.load(vol.gz);
      t0 = performance.now();
      await img.dataobj.get(nt > 1 ? [null, null, null, nt - 1] : [null, null, nk - 1]);
      r.pass.push(performance.now() - t0);
      gc();
      const times = [];
      for (let j = 0; j < 50; j++) {
        const idx = at(rand(nk), rand(nt));
        const t1 = performance.now();
        await img.dataobj.get(idx);
        times.push(performance.now() - t1);
      }
      r.median.push(median(times));
      r.slowest.push(Math.max(...times));
      img.uncache();
      t0 = performance.now();
      await img.dataobj.get(at(rand(nk), rand(nt)));
      r.afterUncache.push(performance.now() - t0);
    }
    const spread = (xs) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
    const w = median(r.whole);
    const rows = [
      ['whole-file gunzip (WASM, bytes in memory)', fmt(w), spread(r.whole), '1.00×'],
      [`volume ${Math.floor(nt / 2)} of ${nt}, fresh image (no index yet)`, fmt(median(r.mid)), spread(r.mid), `${(median(r.mid) / w).toFixed(2)}×`],
      ['one pass: the last volume, fresh image', fmt(median(r.pass)), spread(r.pass), `${(median(r.pass) / w).toFixed(2)}×`],
      ['after the pass, 50 random 2-D slices: median', fmt(median(r.median)), spread(r.median), '–'],
      ['after the pass, 50 random 2-D slices: slowest', fmt(median(r.slowest)), spread(r.slowest), '–'],
      ['a random 2-D slice after uncache()', fmt(median(r.afterUncache)), spread(r.afterUncache), '–'],
    ];
    const markdown = [
      `### Random access into the ${vol.name} .nii.gz (Node, load(path); ${runs} runs: median, spread)`,
      '',
      table(['case', 'ms', 'spread (ms)', '÷ whole gunzip'], rows, ['l', 'r', 'r', 'r']),
    ].join('\n');
    return { markdown, json: { volume: vol.name, runs, ...r } };
  } finally {
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  const vol = ensureVolumes(root, (s) => process.stderr.write(`${s}\n`)).find((v) => v.name === (args.volume ?? 'fmri'));
  const { markdown } = await runRandomAccess(root, vol, Number(args.runs ?? 5));
  console.log(markdown);
}
