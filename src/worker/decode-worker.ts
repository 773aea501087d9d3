/**
 * The decode worker: gunzip, byte swap and scaling of a whole array, off the main thread.
 * Started by worker/pool.ts as `new Worker(new URL('./decode-worker.js', import.meta.url),
 * { type: 'module' })` (in Node a worker_threads thread, given the same globals by
 * worker/spawn.ts); it runs the very same path as the main thread (`readWhole`:
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
 * - Shared (`createWorkerPool({ shared: true })` on a cross-origin isolated page, and in
 *   Node): the job decodes into a new *shared* WebAssembly memory of exactly its size (the
 *   module's shared build, src/wasm/load.ts) and answers with that memory's buffer and the
 *   array's offset: no copy-out, and the main thread caches the array in WebAssembly memory
 *   where it was decoded. Its pages are first touched here, by the decode, not by a copy. The
 *   array is then a view of a SharedArrayBuffer, which Blob, TextDecoder and crypto.subtle
 *   refuse — hence opt-in. Where memory cannot be shared the job runs as above.
 *
 * A gzip job's answer also carries what its GzipSource learnt (`learnt`): the seek points
 * of the pass, the stream's size and its warnings, for the image's GzipSource on the main
 * thread. In a parallel gunzip (below) each chunk takes its own points, sent with `chunk-finished`.
 *
 * Every job answers with exactly one `done` or `error`; `cancel` aborts the job's signal, so
 * a cancelled job ends at its next abort check and the worker takes the next one.
 *
 * Parallel gunzip (worker/parallel-gunzip.ts drives it): `chunk` decodes one chunk of a gzip
 * member into an arena of its own (kept like `kept`, and never used by whole-array jobs), and
 * the worker holds it through `chunk-finish` (markers resolved, its CRC-32) until
 * `chunk-take` (its bytes, copied out once and transferred) or, in the first chunk's worker,
 * `chunk-gather` (the whole output: this chunk and the others' transferred bytes, copied once
 * into one buffer that is transferred) or `chunk-put` (into its place in a shared result).
 * In a shared pool, `chunk-array` decodes the whole array with every chunk placed by its own
 * worker in the array's shared memory (worker/placed-source.ts). `gunzip` decodes a whole
 * stream here.
 */
import { ChunkDecoder, keptArenas } from '../codecs/gzip-chunk.js';
import { LimitError, WasmError, abortError } from '../errors.js';
import { WindowSource } from '../io/buffer-source.js';
import { collect } from '../codecs/gzip-ranges.js';
import { gunzipFallback } from '../codecs/gzip.js';
import { GzipSource } from '../codecs/gzip-source.js';
import { PiecesSource } from '../io/pieces-source.js';
import { ProgressSource } from '../io/progress-source.js';
import type { ByteSource } from '../io/types.js';
import { ArrayProxy } from '../proxy/array-proxy.js';
import { readWhole } from '../proxy/whole-array.js';
import { setArenaProvider } from '../wasm/array-decode.js';
import { setWasmSource } from '../wasm/load.js';
import { KeptArena, WasmArena } from '../wasm/memory.js';
import type { DType } from '../dtypes.js';
import { PlacedSource } from './placed-source.js';
import { type FromWorker, type JobSpec, type ToWorker, fromWire, originSource, toWire } from './protocol.js';

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
const kept = new KeptArena();
let idle: ReturnType<typeof setTimeout> | undefined;
export const IDLE_MS = 10_000;

/** The module's shared-memory build, sent with `init` when the pool shares memory. */
let sharedModule: WebAssembly.Module | null = null;
/** Set while a `shared` job decodes: its arena is a new shared memory, not `kept`. */
let sharing = false;

setArenaProvider(async (bytes) => (sharing && sharedModule ? WasmArena.createSync(sharedModule, bytes, true) : kept.get(bytes)));

/**
 * Decodes the whole array of `spec` from `source`: the `done` answer, its buffer transferred,
 * or for `shared` (when the array was decoded in WebAssembly) the shared memory's buffer.
 */
async function wholeArray(id: number, source: ByteSource, spec: JobSpec, dtype: DType | undefined, signal: AbortSignal, shared = false): Promise<[FromWorker, Transferable[]]> {
  const proxy = new ArrayProxy(source, spec);
  // Jobs run one at a time in a worker (the pool sends the next after this one's answer).
  sharing = shared;
  let decoded: Awaited<ReturnType<typeof readWhole>>;
  try {
    decoded = await readWhole(proxy, dtype, { signal });
  } finally {
    sharing = false;
  }
  const { array, arena } = decoded;
  const data = array.data;
  let answer: Extract<FromWorker, { type: 'done' }>;
  const transfer: Transferable[] = [];
  if (arena && typeof SharedArrayBuffer === 'function' && data.buffer instanceof SharedArrayBuffer) {
    // Decoded in shared memory: the main thread keeps it where it is.
    answer = { type: 'done', id, buffer: data.buffer as unknown as ArrayBuffer, offset: data.byteOffset, dtype: array.dtype, length: data.length };
  } else {
    // An arena's buffer is a WebAssembly memory (not transferable): copy out once. A plain
    // result that owns its whole buffer goes as it is.
    const owned = arena === null && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength &&
      data.buffer instanceof ArrayBuffer;
    const out = owned ? data : data.slice();
    answer = { type: 'done', id, buffer: out.buffer as ArrayBuffer, dtype: array.dtype, length: out.length };
    transfer.push(answer.buffer);
  }
  if (source instanceof GzipSource) {
    // The pass's seek points go back to the image's own GzipSource (each point's state and
    // window own their buffers: moved, not copied), so slices read there later resume near
    // where they start instead of inflating from the start of the stream.
    answer.learnt = source.learnt();
    for (const p of answer.learnt.points) {
      if (p.state) transfer.push(p.state.buffer as ArrayBuffer);
      if (p.window) transfer.push(p.window.buffer as ArrayBuffer);
    }
  }
  return [answer, transfer];
}

function decode(msg: Extract<ToWorker, { type: 'decode' }>): void {
  void answerNow(msg.id, track(msg.id), async (signal) => {
    const raw = originSource(msg.origin);
    const onProgress = (p: { loaded: number; total: number }): void =>
      scope.postMessage({ type: 'progress', id: msg.id, loaded: p.loaded, total: p.total });
    const source = msg.gzip ? new GzipSource(raw, { onProgress }) : raw;
    return wholeArray(msg.id, source, msg.spec, msg.dtype, signal, msg.shared);
  });
}

/** The parallel-gunzip chunk this worker decodes and holds. */
const chunks = new ChunkDecoder(keptArenas());
/** Its bytes once finished (a view of the chunk arena). */
let held: Uint8Array = new Uint8Array(0);
/** A buffer given back after an earlier gather: the next `chunk-take` copies into it (its pages already touched). */
let spare: ArrayBuffer | null = null;
/** The result being gathered here (`chunk-gather-begin` → `chunk-gather`). */
let gathering: Uint8Array | null = null;
/** The `chunk-array` waiting for the other chunks to be placed (`chunk-placed`). */
let placing: { id: number; resolve(): void; reject(err: unknown): void } | null = null;

/** Registers request `id` from now on (a `cancel` aborts it, queued or running): its controller. */
function track(id: number): AbortController {
  clearTimeout(idle);
  const ctl = new AbortController();
  jobs.set(id, ctl);
  return ctl;
}

/** Runs one request, registered with `track`: its answer (with what to transfer), or an `error`. */
async function answerNow(id: number, ctl: AbortController, work: (signal: AbortSignal) => Promise<[FromWorker, Transferable[]]>): Promise<void> {
  try {
    const [msg, transfer] = await work(ctl.signal);
    scope.postMessage(msg, transfer);
  } catch (err) {
    scope.postMessage({ type: 'error', id, error: toWire(err) });
  } finally {
    jobs.delete(id);
    if (jobs.size === 0) idle = setTimeout(() => kept.drop(), IDLE_MS);
  }
}

function bytesAnswer(id: number, out: Uint8Array): [FromWorker, Transferable[]] {
  const buffer = out.buffer as ArrayBuffer;
  return [{ type: 'bytes', id, buffer, length: out.byteLength, offset: out.byteOffset }, [buffer]];
}

/**
 * Chunk requests run one after another: an aborted one still runs to its next abort check,
 * and the next request (from the next reservation) must not touch the chunk arena before.
 */
let chunkQueue: Promise<void> = Promise.resolve();

function onChunkRequest(msg: Extract<ToWorker, { type: `chunk${string}` | 'gunzip' }>): void {
  if (msg.type === 'chunk-spare') {
    spare = msg.buffer;
    return;
  }
  if (msg.type === 'chunk-window') {
    // For the chunk decoding now: not queued behind it.
    chunks.offerWindow(msg.window, msg.start, msg.stored);
    return;
  }
  if (msg.type === 'chunk-placed') {
    // For the `chunk-array` waiting for it: not queued behind it.
    if (placing?.id !== msg.id) return;
    if (msg.error) placing.reject(fromWire(msg.error));
    else placing.resolve();
    return;
  }
  const answer = (id: number, work: (signal: AbortSignal) => Promise<[FromWorker, Transferable[]]>): void => {
    // Cancellable while it waits: a `chunk-array` started after its caller gave up would
    // wait for a `chunk-placed` that never comes.
    const ctl = track(id);
    chunkQueue = chunkQueue.then(() => answerNow(id, ctl, work));
  };
  const id = msg.id;
  switch (msg.type) {
    case 'chunk':
      answer(id, async (signal) => {
        held = new Uint8Array(0);
        const raw = originSource(msg.origin);
        const source = new ProgressSource(raw, (p) => scope.postMessage({ type: 'progress', id, ...p }));
        try {
          const result = await chunks.decode(source, msg.plan, signal);
          return [{ type: 'chunk-done', id, result }, []];
        } catch (err) {
          // Sent only part of the bytes, the chunk ran out of them: the caller sends them all.
          if (raw instanceof WindowSource && raw.overran && !signal.aborted) {
            throw new LimitError('the gzip chunk needs bytes past those it was sent', { code: 'CHUNK_WINDOW', cause: err });
          }
          throw err;
        }
      });
      return;
    case 'chunk-finish':
      answer(id, async () => {
        const { bytes, crc, points } = chunks.finish(msg.window);
        held = bytes;
        // Each point's state and window own their buffers: moved, not copied.
        return [{ type: 'chunk-finished', id, crc, points }, points.flatMap((p) => [p.state.buffer as ArrayBuffer, p.window.buffer as ArrayBuffer])];
      });
      return;
    case 'chunk-take':
      answer(id, async () => {
        let out: Uint8Array;
        if (spare && spare.byteLength >= held.byteLength) {
          out = new Uint8Array(spare, 0, held.byteLength);
          out.set(held);
          spare = null;
        } else {
          out = held.slice();
        }
        return bytesAnswer(id, out);
      });
      return;
    case 'chunk-put':
      answer(id, async () => {
        const from = msg.from ?? 0;
        const part = held.subarray(from, from + (msg.length ?? held.byteLength));
        new Uint8Array(msg.target, msg.offset, part.byteLength).set(part);
        return [{ type: 'ok', id }, []];
      });
      return;
    case 'chunk-array':
      answer(id, async (signal) => {
        // The array is decoded in a new shared memory, with the chunks placed in it.
        const source = new PlacedSource(msg.total, held, (at, sig) => {
          const placed = new Promise<void>((resolve, reject) => {
            placing = { id, resolve, reject };
            sig?.addEventListener('abort', () => reject(abortError(sig)), { once: true });
          });
          scope.postMessage({ type: 'place', id, ...at });
          return placed;
        });
        try {
          return await wholeArray(id, source, msg.spec, msg.dtype, signal, true);
        } finally {
          placing = null;
        }
      });
      return;
    case 'chunk-gather-begin':
      answer(id, async () => {
        // Into the caller's buffer when given (its pages touched already), else a new one.
        gathering = msg.into ? new Uint8Array(msg.into.buffer, msg.into.offset, msg.total) : new Uint8Array(msg.total);
        gathering.set(held, 0);
        return [{ type: 'ok', id }, []];
      });
      return;
    case 'chunk-gather':
      answer(id, async (signal) => {
        // Each piece fills its own buffer from the start (a spare may be longer).
        const views = msg.pieces.map((p) => new Uint8Array(p));
        let result: [FromWorker, Transferable[]];
        if (msg.decode) {
          // Straight into the whole-array decode: the chunks are read in place, not joined first.
          const lengths = msg.lengths;
          const source = new PiecesSource([held, ...views.map((v, i) => v.subarray(0, lengths[i]))]);
          result = await wholeArray(id, source, msg.decode.spec, msg.decode.dtype, signal, msg.decode.shared);
        } else {
          const out = gathering;
          gathering = null;
          if (!out || out.byteLength !== msg.total) throw new WasmError('chunk-gather without its chunk-gather-begin', { code: 'BAD_ARGUMENT' });
          let pos = held.byteLength;
          views.forEach((v, i) => {
            out.set(v.subarray(0, msg.lengths[i]), pos);
            pos += msg.lengths[i]!;
          });
          result = bytesAnswer(id, out);
        }
        // The pieces go back with the answer, to be given to their workers again.
        return [{ type: 'returned', id, answer: result[0], pieces: msg.pieces }, [...result[1], ...msg.pieces]];
      });
      return;
    case 'gunzip':
      answer(id, async (signal) => {
        held = new Uint8Array(0); // a whole stream replaces any chunk held
        const source = new ProgressSource(originSource(msg.origin), (p) => scope.postMessage({ type: 'progress', id, ...p }));
        const out = (await collect(source, 0, Number.POSITIVE_INFINITY, { signal }, null)) ??
          (await gunzipFallback(await source.read(0, source.size ?? 0, { signal }), { signal }));
        return bytesAnswer(id, out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice());
      });
      return;
  }
}

scope.addEventListener('message', (e) => {
  const msg = e.data;
  if (msg.type === 'init') {
    setWasmSource(msg.module ?? false);
    sharedModule = msg.sharedModule ?? null;
  }
  else if (msg.type === 'decode') decode(msg);
  else if (msg.type === 'cancel') jobs.get(msg.id)?.abort();
  else onChunkRequest(msg);
});
