/**
 * The decode worker: gunzip, byte swap and scaling of a whole array, off the main thread.
 * Started by worker/pool.ts as `new Worker(new URL('./decode-worker.js', import.meta.url),
 * { type: 'module' })`; it runs the very same path as the main thread (`readWhole`:
 * proxy/whole-array.ts, WebAssembly arenas, the TypeScript fallback), so results are equal
 * bit for bit.
 *
 * Memory, per job (DESIGN.md, "Memory" → "Decoding in a worker"):
 * - In: the `Origin` the main thread sent. A Blob/File is structured-cloned, which copies a
 *   handle, not the bytes: the worker reads the file from the browser's blob store itself, by
 *   the same sequential stream reads as the main thread. Bytes (an ArrayBuffer input) are
 *   copied once by the clone. A URL is fetched again with Range requests.
 * - Decode: into a WebAssembly memory, in this worker, as on the main thread (inflate into
 *   the upper part, scale in place) — but one arena is kept and reused from job to job (see
 *   `kept`), so its pages are touched once per worker, not once per decode.
 * - Out: a WebAssembly memory's buffer cannot be transferred (it is not detachable), so the
 *   result is copied once, here, into a plain ArrayBuffer that is then *transferred* to the
 *   main thread (no second copy; the main thread only wraps it). The worker holds the arena
 *   (the largest recent job's size) until `IDLE_MS` pass without a job.
 * - Nothing is shared: where the page is cross-origin isolated a shared memory could avoid
 *   the copy-out; that is not built (the module imports an unshared memory, and results on a
 *   SharedArrayBuffer would be refused by Blob, crypto.subtle and TextDecoder: DESIGN.md).
 *
 * Every job answers with exactly one `done` or `error`; `cancel` aborts the job's signal, so
 * a cancelled job ends at its next abort check and the worker takes the next one.
 */
import { GzipSource } from '../codecs/gzip-source.js';
import { BlobSource } from '../io/blob-source.js';
import { BufferSource } from '../io/buffer-source.js';
import { HttpSource } from '../io/http-source.js';
import type { ByteSource } from '../io/types.js';
import { ArrayProxy } from '../proxy/array-proxy.js';
import { readWhole } from '../proxy/whole-array.js';
import { setArenaProvider } from '../wasm/array-decode.js';
import { setWasmSource } from '../wasm/load.js';
import { WasmArena } from '../wasm/memory.js';
import { type FromWorker, type Origin, type ToWorker, toWire } from './protocol.js';

interface Scope {
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as Scope;

const jobs = new Map<number, AbortController>();

/**
 * The arena jobs decode into, kept between jobs: every result is copied out before the next
 * job starts (the pool sends a worker one job at a time), so one arena serves them all and its
 * pages are first touched once, not per decode (fresh memory costs ~2.6 ms per MB on some
 * machines). A larger array replaces it; it is dropped after `IDLE_MS` without a job.
 */
let kept: WasmArena | null = null;
let idle: ReturnType<typeof setTimeout> | undefined;
export const IDLE_MS = 10_000;

setArenaProvider(async (bytes) => {
  if (kept && kept.byteLength - kept.base >= bytes) {
    kept.release(kept.base);
    return kept;
  }
  kept = null; // let the GC have the smaller one before the larger one is made
  kept = await WasmArena.create(bytes);
  return kept;
});

function sourceOf(origin: Origin): ByteSource {
  switch (origin.kind) {
    case 'blob': return new BlobSource(origin.blob);
    case 'bytes': return new BufferSource(origin.bytes);
    case 'url': return new HttpSource(origin.url);
  }
}

async function decode(msg: Extract<ToWorker, { type: 'decode' }>): Promise<void> {
  clearTimeout(idle);
  const ctl = new AbortController();
  jobs.set(msg.id, ctl);
  try {
    const raw = sourceOf(msg.origin);
    const onProgress = (p: { loaded: number; total: number }): void =>
      scope.postMessage({ type: 'progress', id: msg.id, loaded: p.loaded, total: p.total });
    const source = msg.gzip ? new GzipSource(raw, { onProgress }) : raw;
    const proxy = new ArrayProxy(source, msg.spec);
    const { array, arena } = await readWhole(proxy, msg.dtype, { signal: ctl.signal });
    const data = array.data;
    // An arena's buffer is a WebAssembly memory (not transferable): copy out once. A plain
    // result that owns its whole buffer goes as it is.
    const owned = arena === null && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength &&
      data.buffer instanceof ArrayBuffer;
    const out = owned ? data : data.slice();
    const buffer = out.buffer as ArrayBuffer;
    scope.postMessage({ type: 'done', id: msg.id, buffer, dtype: array.dtype, length: out.length }, [buffer]);
  } catch (err) {
    scope.postMessage({ type: 'error', id: msg.id, error: toWire(err) });
  } finally {
    jobs.delete(msg.id);
    if (jobs.size === 0) idle = setTimeout(() => (kept = null), IDLE_MS);
  }
}

scope.addEventListener('message', (e) => {
  const msg = e.data;
  if (msg.type === 'init') setWasmSource(msg.module ?? false);
  else if (msg.type === 'decode') void decode(msg);
  else if (msg.type === 'cancel') jobs.get(msg.id)?.abort();
});
