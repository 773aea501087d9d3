/**
 * Parallel inflate without a browser around it (issue 11): the fMRI .nii.gz in memory, one
 * chunk per node:worker_threads thread (src/codecs/gzip-chunk.ts, the same code the decode
 * workers run), for 1, 2, … threads up to the cores present — the scaling curve of the
 * algorithm itself: searching, marker decoding and resolving, each thread in an arena it
 * keeps (warm after the first round). Joining and the CRC check are the main thread's part
 * and are not timed; what is timed is from sending the plans to the last chunk resolved.
 * The library's sources are bundled for the threads with rolldown (Vite's bundler) into a
 * temporary file first.
 *
 *   node scripts/bench/parallel-inflate-node.mjs [--runs=7] [--volume=fmri]
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { rolldown } from 'rolldown';
import { fmt, table } from './report.mjs';
import { median } from './timing.mjs';
import { ensureVolumes } from './volumes.mjs';

/**
 * Runs the table.
 * @param {string} root repository root
 * @param {{ gz: string, gzBytes: number, niiBytes: number, name: string }} vol
 * @param {number} runs
 * @returns {Promise<{ markdown: string, json: object }>}
 */
export async function runParallelInflateNode(root, vol, runs) {

  const dir = mkdtempSync(join(tmpdir(), 'nibweb-par-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, [
    `export { ChunkDecoder, keptArenas } from '${join(root, 'src/codecs/gzip-chunk.ts')}';`,
    `export { memberFrame, nextWindow } from '${join(root, 'src/codecs/parallel-gunzip.ts')}';`,
    `export { BufferSource } from '${join(root, 'src/io/buffer-source.ts')}';`,
    `export { setWasmSource } from '${join(root, 'src/wasm/load.ts')}';`,
  ].join('\n'));
  const bundle = join(dir, 'lib.mjs');
  await (await rolldown({ input: entry, platform: 'node', logLevel: 'silent' })).write({ file: bundle, format: 'esm' });

  const threadSource = `
  import { parentPort, workerData } from 'node:worker_threads';
  import { readFileSync } from 'node:fs';
  import { ChunkDecoder, keptArenas, BufferSource, setWasmSource } from ${JSON.stringify(bundle)};
  setWasmSource(new WebAssembly.Module(readFileSync(workerData.wasm)));
  const src = new BufferSource(new Uint8Array(readFileSync(workerData.gz)));
  const dec = new ChunkDecoder(keptArenas());
  parentPort.on('message', async (msg) => {
    if (msg.offer) {
      dec.offerWindow(msg.offer.window, msg.offer.start, msg.offer.stored);
      return;
    }
    if (msg.finish !== undefined) {
      parentPort.postMessage({ crc: dec.finish(msg.finish).crc });
      return;
    }
    const r = await dec.decode(src, msg.plan);
    parentPort.postMessage({ result: r });
  });`;

  const gz = readFileSync(vol.gz);
  const { BufferSource, memberFrame, nextWindow } = await import(bundle);
  const frame = await memberFrame(new BufferSource(new Uint8Array(gz)));
  const span = gz.length - 8 - frame.start;
  const cores = availableParallelism();
  const threads = Array.from({ length: Math.max(2, cores) }, () =>
    new Worker(threadSource, { eval: true, type: 'module', workerData: { gz: vol.gz, wasm: join(root, 'wasm/build/release.wasm') } }));
  const ask = (w, msg) => new Promise((resolve, reject) => {
    const fail = (err) => reject(err);
    w.once('error', fail);
    w.once('message', (m) => {
      w.off('error', fail);
      resolve(m);
    });
    w.postMessage(msg);
  });
  const plans = (k) => Array.from({ length: k }, (_, c) => {
    const b = (i) => frame.start + Math.floor((i * span) / k);
    const stop = c === k - 1 ? Number.POSITIVE_INFINITY : b(c + 1) * 8;
    return { from: b(c) * 8, known: c === 0, first: c === 0, searchTo: Number.isFinite(stop) ? stop : gz.length * 8, stop, estimate: Math.ceil(((b(c + 1) - b(c)) * frame.isize) / span * 1.25) };
  });
  // As src/codecs/parallel-gunzip.ts does: chunks joined in order, each window offered to the
  // next chunk as soon as it is known, then every chunk resolved (the bytes are checked by
  // the tests; here every chunk's search finds the true start).
  const counts = Array.from({ length: Math.max(2, cores) }, (_, i) => i + 1);
  const times = new Map(counts.map((k) => [k, []]));
  const markers = new Map();
  for (let r = 0; r < runs + 1; r++) {
    for (const k of counts) {
      const t0 = performance.now();
      const pending = plans(k).map((plan, c) => ask(threads[c], { plan }));
      const windows = [null];
      let left = 0;
      for (let c = 0; c < k; c++) {
        const { result } = await pending[c];
        if (c + 1 < k) {
          windows.push(nextWindow(windows[c], result));
          threads[c + 1].postMessage({ offer: { window: windows[c + 1], start: result.end, stored: result.endStored } });
        }
        left += result.markers;
      }
      await Promise.all(threads.slice(0, k).map((t, c) => ask(t, { finish: windows[c] })));
      if (r > 0) times.get(k).push(performance.now() - t0);
      markers.set(k, left);
    }
  }
  for (const t of threads) await t.terminate();
  const one = median(times.get(1));
  const markdown = [
    `### Parallel inflate in Node worker threads (${vol.name}: ${fmt(vol.gzBytes / 1e6)} MB → ${fmt(vol.niiBytes / 1e6)} MB in memory; ${cores} cores; median of ${runs} after 1 warm-up)`,
    '',
    table(['threads', 'ms', 'MB/s', 'speed-up', 'symbols left as markers (window came late)'], counts.map((k) => {
      const m = median(times.get(k));
      return [String(k), fmt(m), fmt(vol.niiBytes / 1e6 / (m / 1000)), `${(one / m).toFixed(2)}×`, `${fmt(markers.get(k) / 1e6)} M`];
    })),
  ].join('\n');
  return { markdown, json: Object.fromEntries(times) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const vol = ensureVolumes(root, (m) => process.stderr.write(`${m}\n`)).find((v) => v.name === arg('volume', 'fmri'));
  const r = await runParallelInflateNode(root, vol, Number(arg('runs', 7)));
  process.stdout.write(`${r.markdown}\n`);
}
