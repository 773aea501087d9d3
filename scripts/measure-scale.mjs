#!/usr/bin/env node
/**
 * Quick throughput check of the scaling kernels (wasm/scale.ts, release build) against a
 * plain JavaScript loop into a preallocated Float32Array (the baseline of
 * /work/shared/reference/perf-baseline.md §2). Not a test; prints Mvox/s, the best of a few runs.
 *
 *   npm run build:wasm && node scripts/measure-scale.mjs [voxels]
 *   MEASURE_WASM=/tmp/variant.wasm node scripts/measure-scale.mjs
 *
 * Default size: a 256×256×192 T1 (12.6 M voxels). Kernels run in place, as the decoded
 * array path uses them (raw bytes at the top of the output region), except where noted.
 */
import { readFileSync } from 'node:fs';

const N = Number(process.argv[2] ?? 256 * 256 * 192);
const RUNS = 9;
const SLOPE = 0.07540696859359741;
const INTER = 3100.76171875;

// MEASURE_WASM=path measures another build (e.g. a kernel variant) with the same harness.
const wasmPath = process.env.MEASURE_WASM ?? new URL('../wasm/build/release.wasm', import.meta.url);
const wasm = new WebAssembly.Module(readFileSync(wasmPath));
const PAGE = 65536;
const pages = Math.ceil((N * 12 + 2 * PAGE) / PAGE) + 1; // output (≤ 8 B/voxel) + raw (≤ 4 B/voxel)
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
const exp = new WebAssembly.Instance(wasm, { env: { memory, abort() { throw new Error('abort'); } } }).exports;
const base = Math.ceil(exp.heap_base() / 64) * 64;

// The machine this runs on is shared: the fastest of several runs is the least disturbed
// one, so report the minimum (and interleave the JS baseline with each kernel).
function time(fn) {
  fn();
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

// Rows are printed at the end, against the best JS-loop time seen across the whole run
// (re-measured before each kernel row, so a quiet moment for one is not a noisy one for the other).
const rows = [];
function report(name, ms, vsJs) {
  if (vsJs) jsMs = Math.min(jsMs, time(jsLoop));
  rows.push({ name, ms, vsJs });
}
function printRows() {
  for (const { name, ms, vsJs } of rows) {
    const mvox = N / ms / 1000;
    const ratio = vsJs ? `  ${(jsMs / ms).toFixed(2)}× the JS loop` : '';
    console.log(`${name.padEnd(50)} ${mvox.toFixed(0).padStart(6)} Mvox/s  ${ms.toFixed(2).padStart(7)} ms${ratio}`);
  }
}

// Random raw data for each input type.
const i16 = new Int16Array(N);
for (let k = 0; k < N; k++) i16[k] = (Math.random() * 65536 - 32768) | 0;
const u8 = new Uint8Array(N);
for (let k = 0; k < N; k++) u8[k] = (Math.random() * 256) | 0;
const f32in = new Float32Array(N);
for (let k = 0; k < N; k++) f32in[k] = (Math.random() - 0.5) * 1000;

// Baseline: plain JS loop into a preallocated Float32Array.
const out = new Float32Array(N);
const jsLoop = () => {
  for (let k = 0; k < N; k++) out[k] = i16[k] * SLOPE + INTER;
};
let jsMs = time(jsLoop);

// Raw data lives at the top of memory; outputs start at `base`.
const rawAt = memory.buffer.byteLength - N * 4 - PAGE;

/** Kernel only: raw bytes already in memory (in a region apart from the output). */
function kernelApart(kernel, raw, flags) {
  new Uint8Array(memory.buffer, rawAt, raw.byteLength).set(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  return time(() => {
    const st = kernel(rawAt, base, N, Math.fround(SLOPE), Math.fround(INTER), flags);
    if (st !== 0) throw new Error(`status ${st}`);
  });
}

/** In place as the decoder uses it, including the copy that stands in for inflate's output. */
function kernelInPlace(kernel, raw, inSize, outSize, flags) {
  const dst = base;
  const src = dst + N * (outSize - inSize);
  const rawBytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const region = new Uint8Array(memory.buffer, src, raw.byteLength);
  return time(() => {
    region.set(rawBytes);
    const st = kernel(src, dst, N, Math.fround(SLOPE), Math.fround(INTER), flags);
    if (st !== 0) throw new Error(`status ${st}`);
  });
}

/** Copying the raw bytes into memory alone. */
function copyOnly(raw) {
  const rawBytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const region = new Uint8Array(memory.buffer, base, raw.byteLength);
  return time(() => region.set(rawBytes));
}

/** Big-endian copy of `arr` (so swapped data holds the same, ordinary values). */
function bigEndian(arr) {
  const be = new Uint8Array(arr.byteLength);
  const src = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  const size = arr.BYTES_PER_ELEMENT;
  for (let p = 0; p < be.length; p += size) for (let b = 0; b < size; b++) be[p + b] = src[p + size - 1 - b];
  return new arr.constructor(be.buffer);
}

console.log(`voxels: ${N}, best of ${RUNS} runs, Node ${process.version}`);
const i16be = bigEndian(i16);
const f32be = bigEndian(f32in);
report('wasm int16→float32 scaled', kernelApart(exp.scale_i16_f32, i16, 0), jsMs);
report('wasm int16(BE)→float32 scaled', kernelApart(exp.scale_i16_f32, i16be, 1), jsMs);
report('wasm uint8→float32 scaled', kernelApart(exp.scale_u8_f32, u8, 0), jsMs);
report('wasm float32→float32 scaled', kernelApart(exp.scale_f32_f32, f32in, 0), jsMs);
report('wasm float32(BE)→float32 scaled', kernelApart(exp.scale_f32_f32, f32be, 1), jsMs);
report('wasm int16→float64 scaled', kernelApart(exp.scale_i16_f64, i16, 0), jsMs);
report('wasm int16→float32 via float64 (WIDE)', kernelApart(exp.scale_i16_f32, i16, 2), jsMs);
report('copy raw int16 into memory (stand-in for inflate)', copyOnly(i16));
report('  + int16→float32 in place', kernelInPlace(exp.scale_i16_f32, i16, 2, 4, 0), jsMs);
report('  + int16(BE)→float32 in place', kernelInPlace(exp.scale_i16_f32, i16be, 2, 4, 1), jsMs);

// The swap kernel alone.
const swapMs = time(() => exp.swap_16(base, N));
report('wasm swap_16 in place', swapMs);
report('JS loop int16→float32 (preallocated), best seen', jsMs);
printRows();
