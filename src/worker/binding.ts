/**
 * How `load(input, { worker })` binds an image to a worker pool: `poolOf` reads the option
 * (`true`: the shared pool, created on first use), `bindWorker` remembers where a proxy's
 * source can be read again by a worker, and `readWholeInWorker` — registered with
 * proxy/whole-array.ts — runs that proxy's whole-array reads in the pool (in parallel chunks
 * for a large `.nii.gz` in a pool of two or more: worker/parallel-gunzip.ts) and wraps the
 * transferred buffer (or the shared WebAssembly memory of a `shared` pool) as the array the
 * main thread would have made, leaving the seek points
 * of the workers' gzip pass with the image's GzipSource.
 */
import type { GzipSource } from '../codecs/gzip-source.js';
import type { DType } from '../dtypes.js';
import { ArgumentError } from '../errors.js';
import { HttpSource } from '../io/http-source.js';
import type { ByteSource } from '../io/types.js';
import { NDArray, cStrides, fortranStrides } from '../ndarray.js';
import type { ArrayProxy } from '../proxy/array-proxy.js';
import { axisMap, viewOf } from '../proxy/oriented.js';
import { setWholeDelegate } from '../proxy/whole-array.js';
import { inflateInPool } from './parallel-gunzip.js';
import { type WorkerResult, WorkerPool, WorkerStartError } from './pool.js';
import { type JobSpec, type Origin, doneArray, expectAnswer, originSource } from './protocol.js';

let shared: WorkerPool | null = null;

/**
 * The pool `worker: true` uses, created on first use.
 * @throws {UnsupportedError} `WORKER_UNAVAILABLE` with neither a web `Worker` nor Node's threads
 */
export function defaultWorkerPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}

/** How a source's whole-array reads reach a worker. */
export interface WorkerBinding {
  pool: WorkerPool;
  origin: Origin;
  /** The file's source on this thread (a URL's HttpSource tells what its server does with Range). */
  raw: ByteSource;
  /** The image's GzipSource when the file is gzipped (a worker's pass leaves it its seek points). */
  gzip: GzipSource | null;
  onProgress?: (p: { loaded: number; total: number }) => void;
}

const bindings = new WeakMap<ByteSource, WorkerBinding>();

/**
 * Sends whole-array reads of proxies over `source` to a worker.
 * @internal called by `load`
 */
export function bindWorker(source: ByteSource, binding: WorkerBinding): void {
  bindings.set(source, binding);
}

/** The worker binding of a proxy's source, if `load` made one. @internal */
export function workerBinding(source: ByteSource): WorkerBinding | undefined {
  return bindings.get(source);
}

/**
 * The worker path of `readWhole` (registered with `setWholeDelegate`): runs the read in the
 * proxy's pool and wraps the transferred buffer as the array the main thread would have made.
 * @returns the array, or `null` to read on the main thread (no binding, a broken pool)
 */
async function readWholeInWorker(proxy: ArrayProxy, dtype: DType | undefined, rawBytes: number, signal?: AbortSignal): Promise<NDArray | null> {
  const bound = bindings.get(proxy.source);
  if (!bound || !bound.pool.usable || rawBytes < bound.pool.minBytes) return null;
  const shape = proxy.fileShape;
  const spec: JobSpec = {
    shape: [...shape],
    dtype: proxy.dtype,
    littleEndian: proxy.littleEndian,
    offset: proxy.offset,
    slope: proxy.slope,
    inter: proxy.inter,
    order: proxy.order,
    spm99: proxy.spm99,
  };
  let result: WorkerResult;
  try {
    const { origin, compressed } = workerOrigin(bound);
    const min = bound.pool.parallelMinBytes;
    if (compressed && bound.pool.size >= 2 && (compressed.size ?? 0) >= Math.max(min, 1)) {
      // Inflated in parallel chunks of at least half the threshold; the first chunk's worker
      // decodes the array from them.
      const { answer, learnt } = await inflateInPool(bound.pool, compressed, origin, { kind: 'array', spec, dtype, shared: bound.pool.shared }, {
        signal,
        onProgress: bound.onProgress,
        minChunkBytes: min / 2,
      });
      const done = expectAnswer(answer, 'done');
      result = { data: doneArray(done), dtype: done.dtype, learnt: learnt ?? undefined };
    } else {
      result = await bound.pool.run(origin, bound.gzip !== null, spec, dtype, { signal, onProgress: bound.onProgress });
    }
  } catch (err) {
    if (err instanceof WorkerStartError) return null;
    throw err;
  }
  // The worker's pass leaves its seek points (and the size, and its warnings) with the
  // image's own GzipSource, as a pass on this thread would have.
  if (result.learnt) bound.gzip?.learn(result.learnt);
  const strides = proxy.order === 'C' ? cStrides(shape) : fortranStrides(shape);
  const stored = new NDArray(result.data, shape, { strides, dtype: result.dtype });
  const ornt = proxy.orientation;
  return ornt ? viewOf(stored, axisMap(ornt, shape.length)) : stored;
}

/**
 * Where the workers read the file, and (for a gzip stream) the source the parallel inflate
 * plans its chunks on. A URL whose server ignored Range already gave this thread the whole
 * file: the workers get those bytes instead of downloading it again. A URL whose server
 * answers ranges is inflated in parallel like a File, each chunk's worker fetching its own
 * ranges; one not yet known to (its size unknown) is left to one worker, which would
 * otherwise download it once per chunk.
 */
function workerOrigin(bound: WorkerBinding): { origin: Origin; compressed: ByteSource | null } {
  const { raw, gzip } = bound;
  let origin = bound.origin;
  if (origin.kind === 'url' && raw instanceof HttpSource) {
    const full = raw.fullFile;
    if (full) origin = { kind: 'bytes', bytes: full };
    else if (raw.servesRanges) origin = { ...origin, size: raw.size };
    else return { origin, compressed: null };
  }
  if (gzip === null) return { origin, compressed: null };
  return { origin, compressed: origin.kind === 'url' ? raw : originSource(origin) };
}

/**
 * The pool `load`'s `worker` option names: `true` the shared one, a pool itself, else none.
 * @throws {UnsupportedError} `WORKER_UNAVAILABLE` for `true` with neither a web `Worker` nor Node's threads
 * @throws {ArgumentError} `BAD_WORKER_OPTION` for anything else that is not `false`/`undefined`
 */
export function poolOf(worker: boolean | WorkerPool | undefined): WorkerPool | null {
  if (worker === undefined || worker === false) return null;
  if (worker === true) return defaultWorkerPool();
  if (worker instanceof WorkerPool) return worker;
  throw new ArgumentError('load() option `worker` takes true, false or a pool from createWorkerPool()', { code: 'BAD_WORKER_OPTION' });
}

setWholeDelegate(readWholeInWorker);
