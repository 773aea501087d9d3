/**
 * Decoding off the main thread: a small pool of decode workers (worker/decode-worker.ts).
 * An image loaded with `load(input, { worker })` sends its whole-array reads here
 * (worker/binding.ts). The image, its proxy and its cache stay on the main thread with
 * nibabel's semantics unchanged; only the work of `readWhole` (gunzip, byte swap, scaling)
 * moves. `reserve` lends workers for a parallel gunzip (worker/parallel-gunzip.ts), which
 * also backs `pool.gunzip(file)`.
 *
 * - Reads of slices stay on the main thread (they are small, and there they share the
 *   source's caches and gzip seek index). A worker's pass over a `.nii.gz` hands its seek
 *   points back to that index (worker/binding.ts), so it serves slices after `uncache()`.
 * - The result comes back as a transferred ArrayBuffer (decode-worker.ts says where the one
 *   copy happens), so the cached array is that plain ArrayBuffer, not WebAssembly memory;
 *   or, in a `shared` pool on a cross-origin isolated page, as the shared WebAssembly memory
 *   the worker decoded it in (no copy at all). Either counts against the `arrayCache` budget, and
 *   `uncache()` drops the image's reference as before (the GC frees it once no one else
 *   holds the array).
 * - `signal` aborts: the job's promise rejects at once with an `AbortError`, the worker is
 *   told to cancel, and stays in the pool; the image's cache is untouched. `onProgress` of
 *   `load` hears the worker's compressed-bytes progress.
 * - Errors thrown in the worker are rebuilt as the same classes with their `code`
 *   (worker/protocol.ts). A worker that cannot start (a CSP without `worker-src`, a bundler
 *   that dropped the file) marks the pool broken, and reads fall back to the main thread.
 *
 * The workers are web Workers in browsers (and Deno, Bun), and `node:worker_threads` in
 * Node (worker/spawn.ts: the same script and messages; a file path goes to them as the path,
 * opened again there). Idle Node workers do not keep a script's process alive.
 */
import type { GzipLearnt } from '../codecs/gzip-source.js';
import type { DType, TypedArray } from '../dtypes.js';
import { UnsupportedError, abortError } from '../errors.js';
import { WASM_MIN_BYTES } from '../proxy/whole-array.js';
import { getSharedWasmModule, getWasmModule } from '../wasm/load.js';
import { PARALLEL_MIN_BYTES, type PoolGunzipOptions, canShareMemory, gunzipInPool } from './parallel-gunzip.js';
import { type FromWorker, type JobSpec, type Origin, type ToWorker, doneArray, fromWire } from './protocol.js';
import { type DecodeWorker, coresHere, decodeWorkerClass, workersAvailable } from './spawn.js';

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers at most (default: cores − 1, between 1 and 4). Started on first use. */
  size?: number;
  /**
   * Arrays of fewer raw bytes are decoded on the main thread, where they take well under a
   * frame (default 256 KiB, the size from which decoding uses WebAssembly at all).
   */
  minBytes?: number;
  /**
   * A `.nii.gz` whole-array read (`getFdata` …) is inflated in parallel chunks, one per
   * worker, from this compressed size on, in chunks of at least half of it (default 32 MiB).
   * Below it one worker decodes it whole: on a 2-core machine, two chunks of a smaller file
   * (the 11 MB T1 volume of the benchmarks) were slower than one worker (0.74–0.81×).
   */
  parallelMinBytes?: number;
  /**
   * On a cross-origin isolated page (and in Node): decode whole arrays into *shared*
   * WebAssembly memory, which the image then caches where the worker decoded it (no copy out
   * of the worker). The arrays' `data` are then views of a SharedArrayBuffer, which `Blob`,
   * `TextDecoder` and `crypto.subtle` refuse (`data.slice()` gives a plain copy). Elsewhere,
   * and by default, results come back as transferred plain ArrayBuffers.
   */
  shared?: boolean;
}

/** A decode job's answer: the array's elements, in the file's order. */
export interface WorkerResult {
  data: TypedArray;
  dtype: DType;
  /** For a gzip stream: what the worker's pass learnt (seek points, size, warnings). */
  learnt?: GzipLearnt;
}

interface Job {
  id: number;
  msg: Extract<ToWorker, { type: 'decode' }>;
  resolve(r: WorkerResult): void;
  reject(e: unknown): void;
  onProgress?: (p: { loaded: number; total: number }) => void;
  /** Settled already (aborted): the worker's answer is dropped. */
  done: boolean;
}

interface Slot {
  /** Null while the worker is being started. */
  worker: DecodeWorker | null;
  job: Job | null;
  /** Set while the worker is lent out (`reserve`): its requests waiting for answers. */
  lease: Map<number, Pending> | null;
}

/** A lent worker's request waiting for its answer, with its call's message handlers. */
interface Pending extends Pick<CallOptions, 'onProgress' | 'onPlace'> {
  resolve(msg: FromWorker): void;
  reject(err: unknown): void;
}

/** Options of `ReservedWorker.call`. @internal */
export interface CallOptions {
  transfer?: Transferable[];
  /** The request's progress messages. */
  onProgress?: (p: { loaded: number; total: number }) => void;
  /** A `chunk-array` request's `place` message. */
  onPlace?: (m: Extract<FromWorker, { type: 'place' }>) => void;
  /** An abort rejects at once with an `AbortError` and tells the worker to cancel. */
  signal?: AbortSignal;
}

/** A worker lent to one caller for a series of requests (worker/parallel-gunzip.ts). @internal */
export interface ReservedWorker {
  /**
   * Sends a request (its `id` from `nextId()`).
   * @returns its answer; an `error` answer rejects as the class it was thrown as
   */
  call(msg: ToWorker & { id: number }, opts?: CallOptions): Promise<FromWorker>;
  /** Sends a message that gets no answer. */
  post(msg: ToWorker, transfer?: Transferable[]): void;
}

/** Workers lent by `reserve`, until `release()`. @internal */
export interface Reservation {
  workers: ReservedWorker[];
  /** A fresh request id. */
  nextId(): number;
  /** Gives the workers back (requests still waiting reject). */
  release(): void;
}

/** A job the pool could not run because its worker failed to start or died. */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

function defaultSize(): number {
  return Math.max(1, Math.min(4, coresHere() - 1));
}

function unavailable(): UnsupportedError {
  return new UnsupportedError(
    'decoding in a worker needs a web Worker or Node\'s worker_threads, and this runtime has neither: ' +
      'leave `worker` unset — the decode runs in WebAssembly on the calling thread',
    { code: 'WORKER_UNAVAILABLE', feature: 'worker' },
  );
}

/**
 * Keeps a Node thread's process alive while its worker has work (a job or a lease), and not
 * when it is idle (worker/spawn.ts starts it so); nothing to do for a web Worker.
 */
function held(slot: Slot): void {
  if (slot.job !== null || slot.lease !== null) slot.worker?.ref?.();
  else slot.worker?.unref?.();
}

/** A few decode workers, started on demand; jobs queue first in, first out. */
export class WorkerPool {
  /** Workers at most. */
  readonly size: number;
  /** Arrays of fewer raw bytes stay on the main thread. */
  readonly minBytes: number;
  /** Compressed bytes from which a whole-array read is inflated in parallel chunks. */
  readonly parallelMinBytes: number;
  /** Whole arrays are decoded into shared WebAssembly memory (`shared` asked, and memory can be shared here). */
  readonly shared: boolean;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #waiters: (() => void)[] = [];
  #nextId = 1;
  #broken = false;

  /**
   * @param opts `size`: workers at most; `minBytes`: smaller arrays stay on the main thread;
   *   `parallelMinBytes`: smaller `.nii.gz` files are inflated by one worker; `shared`:
   *   arrays decoded into shared WebAssembly memory where memory can be shared
   * @throws {UnsupportedError} `WORKER_UNAVAILABLE` with neither a web `Worker` nor Node's threads
   */
  constructor(opts: WorkerPoolOptions = {}) {
    if (!workersAvailable()) throw unavailable();
    const size = opts.size ?? defaultSize();
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`worker pool size must be a positive integer, got ${size}`);
    if (opts.minBytes !== undefined && !(opts.minBytes >= 0)) throw new RangeError(`minBytes must be a number ≥ 0, got ${opts.minBytes}`);
    this.size = size;
    if (opts.parallelMinBytes !== undefined && !(opts.parallelMinBytes >= 0)) throw new RangeError(`parallelMinBytes must be a number ≥ 0, got ${opts.parallelMinBytes}`);
    this.minBytes = opts.minBytes ?? WASM_MIN_BYTES;
    this.parallelMinBytes = opts.parallelMinBytes ?? PARALLEL_MIN_BYTES;
    this.shared = opts.shared === true && canShareMemory();
  }

  /** False once a worker failed to start: reads then stay on the main thread. */
  get usable(): boolean {
    return !this.#broken;
  }

  /** Workers started and not terminated. */
  get started(): number {
    return this.#slots.length;
  }

  /** Jobs running or waiting. */
  get pending(): number {
    return this.#queue.length + this.#slots.filter((s) => s.job).length;
  }

  /**
   * Decodes a whole array in a worker.
   * @internal called by proxy/whole-array.ts
   * @throws what the decode throws, as the same error class; `AbortError` on abort;
   *   `WorkerStartError` when no worker could run it (the caller falls back)
   */
  run(
    origin: Origin,
    gzip: boolean,
    spec: JobSpec,
    dtype: DType | undefined,
    opts: { signal?: AbortSignal; onProgress?: (p: { loaded: number; total: number }) => void } = {},
  ): Promise<WorkerResult> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#broken) return Promise.reject(new WorkerStartError('the worker pool could not start a worker'));
    return new Promise<WorkerResult>((resolve, reject) => {
      const id = this.#nextId++;
      const onAbort = (): void => {
        if (job.done) return;
        job.done = true;
        const queued = this.#queue.indexOf(job);
        if (queued >= 0) this.#queue.splice(queued, 1);
        else this.#slots.find((s) => s.job === job)?.worker?.postMessage({ type: 'cancel', id } satisfies ToWorker);
        reject(abortError(signal));
      };
      const job: Job = {
        id,
        msg: { type: 'decode', id, origin, gzip, spec, dtype, shared: this.shared },
        onProgress: opts.onProgress,
        done: false,
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      void this.#dispatch();
    });
  }

  /**
   * Gunzips a whole gzip stream in the pool's workers: in parallel, one chunk per worker,
   * when each chunk gets at least 4 MiB of compressed data (rapidgzip's approach:
   * src/codecs/parallel-gunzip.ts); else in one worker. The output equals zlib's; every
   * CRC-32 and length is checked.
   * @param input the compressed bytes (a File/Blob is read by the workers themselves)
   * @param opts `signal`, `onProgress` (compressed bytes), `workers` (at most),
   *   `minChunkBytes` (compressed bytes a chunk needs at least, default 4 MiB), `shared`
   *   (on a cross-origin isolated page, the result on a SharedArrayBuffer all workers write),
   *   `into` (write the output into this array's buffer when it fits: transferred and given
   *   back as the result's buffer; with `shared`, a SharedArrayBuffer view is written in place)
   * @returns the decompressed bytes
   * @throws {DecompressionError} corrupt or truncated data; `AbortError` on abort
   * @example
   * const pool = createWorkerPool({ size: 2 });
   * const nii = await pool.gunzip(file); // 2 workers on a large file
   */
  gunzip(input: Blob | Uint8Array, opts: PoolGunzipOptions = {}): Promise<Uint8Array> {
    return gunzipInPool(this, input, opts);
  }

  /**
   * Stops every worker now. Running and queued jobs reject with an `AbortError`; the pool
   * stays usable (the next job starts a worker again).
   */
  terminate(): void {
    const jobs = [...this.#queue, ...this.#slots.map((s) => s.job).filter((j): j is Job => j !== null)];
    this.#queue.length = 0;
    for (const s of this.#slots) {
      s.worker?.terminate();
      for (const p of s.lease?.values() ?? []) p.reject(abortError());
      s.lease?.clear();
    }
    this.#slots.length = 0;
    for (const j of jobs) this.#settle(j, null, abortError());
  }

  async #dispatch(): Promise<void> {
    while (this.#queue.length > 0) {
      let slot: Slot | null | undefined = this.#slots.find((s) => s.worker !== null && s.job === null && s.lease === null);
      if (!slot) {
        if (this.#slots.length >= this.size) return;
        slot = await this.#start();
        if (!slot) return;
        if (slot.job !== null || slot.lease !== null) continue;
      }
      const job = this.#queue.shift();
      if (!job) return;
      slot.job = job;
      held(slot);
      slot.worker!.postMessage(job.msg);
    }
  }

  /** Starts one worker (sending it the compiled module), or marks the pool broken. */
  async #start(): Promise<Slot | null> {
    let worker: DecodeWorker;
    // Reserve the slot before awaiting, so concurrent dispatches do not overfill the pool.
    const slot: Slot = { worker: null, job: null, lease: null };
    this.#slots.push(slot);
    try {
      const module = await getWasmModule().catch(() => null);
      // Without the shared build (not served, say) a shared pool's results come back plain.
      const sharedModule = module && this.shared ? await getSharedWasmModule() : null;
      // The web Worker, or Node's threads dressed as one (worker/spawn.ts). The expression
      // keeps the `new Worker(new URL(…, import.meta.url))` shape bundlers look for.
      const Worker = await decodeWorkerClass()!;
      worker = new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module' });
      worker.postMessage({ type: 'init', module, sharedModule } satisfies ToWorker);
    } catch (cause) {
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      this.#fail(new WorkerStartError(`could not start a decode worker: ${String(cause)}`, { cause }));
      return null;
    }
    if (!this.#slots.includes(slot)) {
      // terminate() ran while this worker was starting.
      worker.terminate();
      return null;
    }
    slot.worker = worker;
    worker.addEventListener('message', (e: MessageEvent<FromWorker>) => this.#onMessage(slot, e.data));
    worker.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault();
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      worker.terminate();
      const err = new WorkerStartError(`decode worker failed: ${e.message || 'could not load its script'}`);
      if (slot.job) this.#settle(slot.job, null, err);
      slot.job = null;
      for (const p of slot.lease?.values() ?? []) p.reject(err);
      slot.lease?.clear();
      this.#fail(err);
    });
    return slot;
  }

  /** A worker could not run: the pool is broken and every queued job falls back. */
  #fail(err: Error): void {
    this.#broken = true;
    for (const j of this.#queue.splice(0)) this.#settle(j, null, err);
  }

  #onMessage(slot: Slot, msg: FromWorker): void {
    if (slot.lease) {
      const p = slot.lease.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') {
        p.onProgress?.({ loaded: msg.loaded, total: msg.total });
        return;
      }
      if (msg.type === 'place') {
        p.onPlace?.(msg);
        return;
      }
      slot.lease.delete(msg.id);
      if (msg.type === 'error') p.reject(fromWire(msg.error));
      else p.resolve(msg);
      return;
    }
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    if (msg.type === 'progress') {
      if (!job.done) job.onProgress?.({ loaded: msg.loaded, total: msg.total });
      return;
    }
    slot.job = null;
    held(slot);
    if (msg.type === 'done') {
      this.#settle(job, { data: doneArray(msg), dtype: msg.dtype, learnt: msg.learnt }, null);
    } else if (msg.type === 'error') {
      this.#settle(job, null, fromWire(msg.error));
    }
    void this.#dispatch();
    for (const w of this.#waiters.splice(0)) w();
  }

  /**
   * Lends up to `k` workers (at least one; fewer when others are busy with jobs), starting
   * them as needed. Whole-array jobs wait for the other workers meanwhile.
   * @internal used by worker/parallel-gunzip.ts
   * @throws `WorkerStartError` when no worker can start; `AbortError` on abort while waiting
   */
  async reserve(k: number, signal?: AbortSignal): Promise<Reservation> {
    if (this.#broken) throw new WorkerStartError('the worker pool could not start a worker');
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const free = this.#slots.filter((s) => s.worker !== null && s.job === null && s.lease === null);
      // Each slot is marked at once, so a dispatch meanwhile cannot give it a job.
      const chosen = free.slice(0, k);
      for (const s of chosen) {
        s.lease = new Map();
        held(s);
      }
      while (chosen.length < k && this.#slots.length < this.size) {
        const slot = await this.#start();
        if (!slot) break;
        if (slot.job === null && slot.lease === null) {
          slot.lease = new Map();
          held(slot);
          chosen.push(slot);
        }
      }
      if (chosen.length > 0) return this.#lend(chosen);
      if (this.#broken) throw new WorkerStartError('the worker pool could not start a worker');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #lend(slots: Slot[]): Reservation {
    let released = false;
    const workers = slots.map((slot): ReservedWorker => ({
      call: (msg, { transfer = [], onProgress, onPlace, signal } = {}) =>
        new Promise<FromWorker>((resolve, reject) => {
          if (signal?.aborted) {
            reject(abortError(signal));
            return;
          }
          if (released || !slot.lease || !slot.worker) {
            reject(new WorkerStartError('the reserved worker is gone'));
            return;
          }
          const lease = slot.lease;
          const onAbort = (): void => {
            lease.delete(msg.id);
            slot.worker?.postMessage({ type: 'cancel', id: msg.id } satisfies ToWorker);
            reject(abortError(signal));
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          const done = (): void => signal?.removeEventListener('abort', onAbort);
          lease.set(msg.id, {
            resolve: (m) => {
              done();
              resolve(m);
            },
            reject: (e) => {
              done();
              reject(e);
            },
            onProgress,
            onPlace,
          });
          slot.worker.postMessage(msg, transfer);
        }),
      post: (msg, transfer = []) => slot.worker?.postMessage(msg, transfer),
    }));
    return {
      workers,
      nextId: () => this.#nextId++,
      release: () => {
        if (released) return;
        released = true;
        for (const slot of slots) {
          for (const p of slot.lease?.values() ?? []) p.reject(abortError());
          slot.lease = null;
          held(slot);
        }
        void this.#dispatch();
        for (const w of this.#waiters.splice(0)) w();
      },
    };
  }

  #settle(job: Job, result: WorkerResult | null, err: unknown): void {
    if (job.done) return;
    job.done = true;
    if (result) job.resolve(result);
    else job.reject(err);
  }
}

/**
 * Creates a pool of decode workers to pass as `load(input, { worker: pool })`. Create it
 * once per page: workers start on first use and stay until `terminate()`.
 * @param opts `size`: workers at most (default: cores − 1, between 1 and 4); `minBytes`:
 *   arrays of fewer raw bytes stay on the main thread (default 256 KiB); `parallelMinBytes`:
 *   compressed size from which a `.nii.gz` is inflated in parallel chunks (default 32 MiB);
 *   `shared`: on a cross-origin isolated page (and in Node), arrays are decoded into shared
 *   WebAssembly memory and cached there (their data are SharedArrayBuffer views)
 * @returns the pool
 * @throws {UnsupportedError} `WORKER_UNAVAILABLE` with neither a web `Worker` nor Node's threads
 * @throws {RangeError} for a size that is not a positive integer
 * @example
 * const pool = createWorkerPool({ size: 2 });
 * const img = await load(file, { worker: pool });
 * const data = await img.getFdata({ dtype: 'float32' }); // decoded in a worker
 */
export function createWorkerPool(opts: WorkerPoolOptions = {}): WorkerPool {
  return new WorkerPool(opts);
}
