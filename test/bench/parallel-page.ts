/**
 * The page of scripts/bench/parallel-gunzip.mjs: times one case per call, so the driver can
 * run the cases round-robin.
 * - `gunzip:N`: `pool.gunzip(file)` in a pool of N workers (created once, kept warm): the
 *   File read by the workers, the output gathered into one buffer in the first worker and
 *   transferred here.
 * - `into:N`: the same, writing into the previous run's result (`into`: pages already touched).
 * - `shared:N`: the same with `shared: true` (the page is cross-origin isolated): each worker
 *   writes its chunk into one SharedArrayBuffer.
 * - `sharedinto:N`: `shared: true` into the previous run's shared result (written in place
 *   by every worker: neither fresh pages nor a gathering copy).
 * - `memory:N`: as `sharedinto:N` from the compressed bytes already in memory, on a
 *   SharedArrayBuffer the workers read in place: the decode's own scaling, without File reads.
 * - `bytes:N`: as `into:N` from the compressed bytes already in memory (a plain ArrayBuffer,
 *   cloned to the workers).
 * - `fdata:N`: `load(file, { worker: pool })` + `getFdata({ dtype: 'float32' })` with a pool
 *   of N (N = 1: the whole decode in one worker, as before parallel inflate).
 * - `fdatashared:N`: the same in a pool made with `shared: true`: the array decoded into
 *   shared WebAssembly memory in the worker and cached there (no copy out of the worker).
 * - `ds`: the browser's DecompressionStream over the File, into one preallocated buffer (the
 *   lean peer path of the main bench), on the main thread.
 * Each result is checked once against DecompressionStream's bytes (`check`).
 * - `slices(N)`: after `getFdata` in a pool of N (0: on the main thread; -1: no pass at all;
 *   -2: on the main thread, the image loaded from the file's bytes in memory instead of the
 *   File) and `uncache()`, the times of 50 random 2-D slices `dataobj.get([null, null, k, t])`
 *   (`[null, null, k]` of a 3-D image), read on the main thread from the seek points that pass
 *   left. A collection runs first (the page has `gc`), so the dropped array's is not timed as
 *   a slice's.
 */
import { createWorkerPool, load, type WorkerPool } from '../../src/index.js';

declare global {
  interface Window {
    nibParallel: {
      ready: boolean;
      cores: number;
      check(n: number, shared: boolean): Promise<string>;
      run(id: string): Promise<number>;
      slices(n: number): Promise<number[]>;
      gc(): void;
    };
  }
}

const pools = new Map<string, WorkerPool>();
function pool(n: number, shared = false): WorkerPool {
  const key = `${n}${shared ? 's' : ''}`;
  let p = pools.get(key);
  if (!p) {
    p = createWorkerPool({ size: n, shared });
    pools.set(key, p);
  }
  return p;
}

function file(): File {
  const f = (document.getElementById('files') as HTMLInputElement).files?.[0];
  if (!f) throw new Error('no file chosen');
  return f;
}

async function isize(f: File): Promise<number> {
  return new DataView(await f.slice(f.size - 4).arrayBuffer()).getUint32(0, true);
}

async function ds(f: File): Promise<Uint8Array> {
  const out = new Uint8Array(await isize(f));
  const reader = f.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  let pos = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, pos);
    pos += value.byteLength;
  }
  return out;
}

let reference: Uint8Array | null = null;
/** `into:N`: each run's result is the next run's output buffer. */
const reused = new Map<number, Uint8Array>();
/** `sharedinto:N`: the same with shared results. */
const reusedShared = new Map<number, Uint8Array>();
/** `memory:N`: the file's bytes on a SharedArrayBuffer, and the results written in place. */
let compressed: Uint8Array | null = null;
let plainCompressed: Uint8Array | null = null;
const reusedMemory = new Map<number, Uint8Array>();
async function inMemory(f: File): Promise<Uint8Array> {
  const out = new Uint8Array(new SharedArrayBuffer(f.size));
  out.set(new Uint8Array(await f.arrayBuffer()));
  return out;
}

window.nibParallel = {
  ready: true,
  cores: navigator.hardwareConcurrency,
  async check(n, shared) {
    reference ??= await ds(file());
    const got = await pool(n).gunzip(file(), { shared });
    if (shared !== got.buffer instanceof SharedArrayBuffer) return `shared=${shared} gave ${got.buffer.constructor.name}`;
    if (got.byteLength !== reference.byteLength) return `${got.byteLength} bytes, expected ${reference.byteLength}`;
    for (let i = 0; i < got.byteLength; i++) if (got[i] !== reference[i]) return `byte ${i} differs`;
    return '';
  },
  async run(id) {
    const [kind, arg] = id.split(':');
    const f = file();
    const t0 = performance.now();
    if (kind === 'gunzip') {
      await pool(Number(arg)).gunzip(f);
    } else if (kind === 'into') {
      const n = Number(arg);
      reused.set(n, await pool(n).gunzip(f, { into: reused.get(n) }));
    } else if (kind === 'shared') {
      await pool(Number(arg)).gunzip(f, { shared: true });
    } else if (kind === 'memory') {
      // The compressed bytes already in memory, on a SharedArrayBuffer (no File reads, no clone).
      const n = Number(arg);
      compressed ??= await inMemory(f);
      reusedMemory.set(n, await pool(n).gunzip(compressed, { shared: true, into: reusedMemory.get(n) }));
    } else if (kind === 'bytes') {
      // The compressed bytes already in memory, on a plain ArrayBuffer.
      plainCompressed ??= new Uint8Array(await f.arrayBuffer());
      reused.set(-Number(arg), await pool(Number(arg)).gunzip(plainCompressed, { into: reused.get(-Number(arg)) }));
    } else if (kind === 'sharedinto') {
      const n = Number(arg);
      reusedShared.set(n, await pool(n).gunzip(f, { shared: true, into: reusedShared.get(n) }));
    } else if (kind === 'fdata' || kind === 'fdatashared') {
      const img = await load(f, { worker: pool(Number(arg), kind === 'fdatashared') });
      await img.getFdata({ dtype: 'float32' });
      const t = performance.now() - t0;
      img.uncache();
      return t;
    } else if (kind === 'ds') {
      await ds(f);
    } else {
      throw new Error(`unknown case ${id}`);
    }
    return performance.now() - t0;
  },
  async slices(n) {
    const f = file();
    const input = n === -2 ? new Uint8Array(await f.arrayBuffer()) : f;
    const img = await load(input, n > 0 ? { worker: pool(n), name: f.name } : { name: f.name });
    if (n >= 0 || n === -2) await img.getFdata({ dtype: 'float32' });
    img.uncache();
    (globalThis as { gc?: () => void }).gc?.();
    const [, , nz, nt = 1] = img.shape as number[];
    const times: number[] = [];
    let s = 12345;
    for (let i = 0; i < 50; i++) {
      s = (s * 48271) % 2147483647;
      const t0 = performance.now();
      await img.dataobj.get(img.shape.length > 3 ? [null, null, s % nz!, (s >> 8) % nt] : [null, null, s % nz!]);
      times.push(performance.now() - t0);
    }
    return times;
  },
  gc() {
    (globalThis as { gc?: () => void }).gc?.();
  },
};
