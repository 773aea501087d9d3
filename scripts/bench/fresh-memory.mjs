/**
 * What fresh memory costs here, and what might reduce it (issue 11) — a measurement, not a
 * test. A decode writes its output into memory nothing has touched yet; the first write to
 * each 4 KiB page faults, and the kernel zeroes the page. On some VMs that costs more than
 * the inflate itself. Cases, each on a 64 MiB buffer, medians of 5 (fresh buffers each run):
 *   - fresh ArrayBuffer, one byte per page (the faults alone), then a full fill;
 *   - the same ArrayBuffer filled again (no faults: the write bandwidth);
 *   - a fresh WebAssembly.Memory filled (how nibweb's arenas start);
 *   - a fresh shared WebAssembly.Memory filled while a worker thread touches its pages ahead
 *     of the writer (moving the faults to another core; needs shared memory, which a browser
 *     gives only to cross-origin-isolated pages);
 *   - transparent huge pages: the kernel's setting (V8 does not ask for them).
 *
 *   node scripts/bench/fresh-memory.mjs [--mib=64] [--runs=5]
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const MIB = Number(args.mib ?? 64);
const RUNS = Number(args.runs ?? 5);
const N = MIB << 20;
const PAGE = 4096;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const touch = (u8) => {
  for (let i = 0; i < u8.length; i += PAGE) u8[i] = 1;
};

const rows = [];
const run = (name, make) => {
  const xs = [];
  for (let r = 0; r < RUNS; r++) xs.push(make());
  rows.push([name, median(xs), Math.min(...xs), Math.max(...xs)]);
};

run('fresh ArrayBuffer: touch one byte per page', () => time(() => touch(new Uint8Array(new ArrayBuffer(N)))));
run('fresh ArrayBuffer: fill', () => {
  const u8 = new Uint8Array(new ArrayBuffer(N));
  return time(() => u8.fill(7));
});
run('used ArrayBuffer: fill again (no faults)', () => {
  const u8 = new Uint8Array(new ArrayBuffer(N));
  u8.fill(1);
  return time(() => u8.fill(7));
});
run('fresh WebAssembly.Memory: fill', () => {
  const pages = N / 65536;
  const m = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return time(() => new Uint8Array(m.buffer).fill(7));
});

// Pre-faulting from another thread while this one writes.
const workerSrc = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ buffer, page }) => {
  const u8 = new Uint8Array(buffer);
  for (let i = 0; i < u8.length; i += page) u8[i] = 0;
  parentPort.postMessage('done');
});`;
const worker = new Worker(workerSrc, { eval: true });
const prefaulted = [];
for (let r = 0; r < RUNS; r++) {
  const pages = N / 65536;
  const m = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const done = new Promise((res) => worker.once('message', res));
  worker.postMessage({ buffer: m.buffer, page: PAGE });
  // Give the toucher a head start of one chunk, then write in 1 MiB chunks as a decoder would.
  await new Promise((res) => setTimeout(res, 1));
  const u8 = new Uint8Array(m.buffer);
  const t0 = performance.now();
  for (let o = 0; o < N; o += 1 << 20) u8.fill(7, o, o + (1 << 20));
  prefaulted.push(performance.now() - t0);
  await done;
}
await worker.terminate();
rows.push(['fresh shared Memory, filled while a worker touches its pages', median(prefaulted), Math.min(...prefaulted), Math.max(...prefaulted)]);

let thp = 'unknown';
try {
  thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
} catch {}
console.log(`### Fresh memory (Node ${process.version}, ${MIB} MiB, median of ${RUNS}; THP: ${thp})\n`);
console.log('| case | ms | ms per MB | spread (ms) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, m, lo, hi] of rows) {
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / (N / 1e6)).toFixed(3)} | ${lo.toFixed(1)}–${hi.toFixed(1)} |`);
}
