/**
 * Parallel gunzip across decode workers: `WorkerPool.gunzip(file)` and the whole-array read
 * of a large `.nii.gz` in a pool of two or more. The algorithm is src/codecs/parallel-gunzip.ts
 * (chunks found and joined, markers resolved, CRC-32s combined); here each chunk runs in a
 * worker lent by the pool (`reserve`), and the output comes together in the first chunk's
 * worker:
 *
 * - Each worker reads its own range of the File (a Blob crosses without a copy; bytes in
 *   memory are copied once, each chunk's range to its worker, and transferred; shared bytes
 *   are read in place) and keeps its chunk in an arena of its own.
 * - Joining needs only each chunk's start, stop and last 32 KiB (64 KiB a message).
 * - The other workers copy their bytes out once and transfer them, through the main thread
 *   (which only forwards them), to the first chunk's worker. That worker copies everything
 *   once into the result and transfers it here (`gunzip`; it starts with its own chunk while
 *   the others hand theirs over), or reads the pieces in place straight into the whole-array
 *   decode (byte swap, scaling) and transfers the array. The pieces' buffers go back to
 *   their workers for the next time (fresh pages cost up to ~3 ms per MB on some machines).
 * - Shared memory (`shared: true`, cross-origin isolated pages only): every worker copies
 *   its chunk into one SharedArrayBuffer, so the result's fresh pages are touched by all
 *   workers at once. Elsewhere (and by default) the result is a plain ArrayBuffer. A shared
 *   pool's whole array is decoded in a shared WebAssembly memory that every worker writes
 *   its chunk into (`placeArray`), not gathered.
 * - For an image's array, the chunks take seek points as they decode (`ChunkPoint`); they
 *   come back with each chunk's CRC, are placed in the member by the join, and go to the
 *   image's GzipSource, as a pass on the main thread would leave them.
 * - Small streams (under `MIN_CHUNK_BYTES` of compressed data per chunk) take one worker, by
 *   the same path with one chunk; a stream of more than one member is decoded by one worker
 *   as a whole.
 */
import type { ChunkPlan, ChunkPoint, ChunkResult } from '../codecs/gzip-chunk-plan.js';
import { type ChunkRunner, inflateParallel } from '../codecs/parallel-gunzip.js';
import type { GzipLearnt } from '../codecs/gzip-source.js';
import { SEEK_SPACING } from '../codecs/seek-index.js';
import type { HeaderWarning } from '../errors.js';
import type { DType } from '../dtypes.js';
import { ArgumentError, LimitError, WasmError } from '../errors.js';
import type { ByteSource } from '../io/types.js';
import { isNode } from '../io/node-file-source.js';
import { type FromWorker, type JobSpec, type Origin, expectAnswer, originSource, toWire } from './protocol.js';
import type { Reservation, ReservedWorker } from './pool.js';

/** Compressed bytes a chunk should have at least: below this, fewer workers are used. */
export const MIN_CHUNK_BYTES = 4 * 1024 * 1024;
/** Default compressed size from which a whole-array read goes parallel (`WorkerPoolOptions.parallelMinBytes`). */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** What the pool offers this module. */
export interface ChunkPool {
  readonly size: number;
  reserve(k: number, signal?: AbortSignal): Promise<Reservation>;
}

/** Options of `WorkerPool.gunzip`. */
export interface PoolGunzipOptions {
  signal?: AbortSignal;
  /** Compressed bytes read so far (summed over the workers) and the compressed size. */
  onProgress?: (p: { loaded: number; total: number }) => void;
  /** Workers to use at most (default: the pool's size). */
  workers?: number;
  /** Compressed bytes a chunk must have at least (default 4 MiB); smaller streams use fewer workers. */
  minChunkBytes?: number;
  /**
   * On a cross-origin isolated page: return the output on a SharedArrayBuffer that every
   * worker writes its chunk into at once, instead of gathering it in one worker (default
   * false: such views are refused by `Blob`, `TextDecoder` and `crypto.subtle`). Ignored
   * where shared memory is unavailable.
   */
  shared?: boolean;
  /**
   * Write the output into this array's memory when it is large enough (a result you no longer
   * need, whose pages are touched already: fresh memory costs up to ~3 ms per MB on some
   * machines, more than the inflate). Its buffer is transferred to a worker and back: use the
   * returned array (a view of the same buffer), not `into`, which is left detached. With
   * `shared`, `into` may be a view of a SharedArrayBuffer (the previous shared result, say):
   * every worker then writes its chunk straight into it, nothing is transferred, and `into`
   * stays usable. Ignored when too small (then nothing is transferred), when it is not shared
   * for `shared`, and for more than one member.
   */
  into?: Uint8Array;
}

/**
 * Whether this thread can share memory with its workers: a cross-origin isolated page, or
 * Node (whose threads always can).
 */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true || isNode();
}

/** What to do with the joined output. */
type Want = { kind: 'bytes'; shared?: boolean; into?: Uint8Array } | { kind: 'array'; spec: JobSpec; dtype: DType | undefined; shared?: boolean };

/** A chunk of the parallel algorithm, in a lent worker. */
class WorkerChunkRunner implements ChunkRunner {
  constructor(
    readonly worker: ReservedWorker,
    private readonly res: Reservation,
    private readonly origin: Origin,
    private readonly progress: (from: number, p: { loaded: number; total: number }) => void,
  ) {}

  async decode(plan: ChunkPlan, signal?: AbortSignal): Promise<ChunkResult> {
    const from = Math.floor(plan.from / 8);
    const send = (origin: Origin, transfer: Transferable[]): Promise<FromWorker> =>
      this.worker.call({ type: 'chunk', id: this.res.nextId(), origin, plan }, { signal, transfer, onProgress: (p) => this.progress(from, p) });
    const part = chunkWindow(this.origin, plan);
    if (!part) return expectAnswer(await send(this.origin, []), 'chunk-done').result;
    try {
      return expectAnswer(await send(part, [part.bytes.buffer as ArrayBuffer]), 'chunk-done').result;
    } catch (err) {
      // The chunk ran past the bytes it was sent (a block longer than the margin): all of them.
      if (err instanceof LimitError && err.code === 'CHUNK_WINDOW') return expectAnswer(await send(this.origin, []), 'chunk-done').result;
      throw err;
    }
  }

  async finish(window: Uint8Array | null, signal?: AbortSignal): Promise<{ crc: number; points: ChunkPoint[] }> {
    const m = expectAnswer(await this.worker.call({ type: 'chunk-finish', id: this.res.nextId(), window }, { signal }), 'chunk-finished');
    return { crc: m.crc, points: m.points };
  }

  /** The finished chunk's bytes, transferred here (the buffer may be longer: a reused spare). */
  async take(signal?: AbortSignal): Promise<{ buffer: ArrayBuffer; length: number }> {
    const m = expectAnswer(await this.worker.call({ type: 'chunk-take', id: this.res.nextId() }, { signal }), 'bytes');
    return { buffer: m.buffer, length: m.length };
  }

  offerWindow(window: Uint8Array, start: number, stored: number): void {
    this.worker.post({ type: 'chunk-window', window, start, stored });
  }

  /** Gives a buffer back to this worker for its next `take` (its pages are touched already). */
  giveBack(buffer: ArrayBuffer): void {
    this.worker.post({ type: 'chunk-spare', buffer }, [buffer]);
  }
}

/** Compressed bytes a chunk is sent past its stop: the block it is in when it reaches the stop ends there. */
const WINDOW_MARGIN = 1 << 20;

/**
 * What a chunk of bytes in memory is sent: a copy of its own range (and `WINDOW_MARGIN` after
 * it), transferred, instead of a clone of all the bytes for every worker (each a copy into
 * fresh memory). Null for a Blob, a URL, or shared bytes (the workers read those in place).
 */
function chunkWindow(origin: Origin, plan: ChunkPlan): Extract<Origin, { kind: 'bytes' }> | null {
  if (origin.kind !== 'bytes' || !(origin.bytes.buffer instanceof ArrayBuffer) || origin.window) return null;
  const size = origin.bytes.byteLength;
  const lo = Math.floor(plan.from / 8);
  const hi = Number.isFinite(plan.stop) ? Math.min(size, Math.ceil(plan.stop / 8) + WINDOW_MARGIN) : size;
  return { kind: 'bytes', bytes: origin.bytes.slice(lo, hi), window: { offset: lo, size } };
}

/** Starts the result in the first chunk's worker, in `into`'s buffer (transferred) when it fits. */
function gatherBegin(w: ReservedWorker, id: number, total: number, into: Uint8Array | undefined, signal?: AbortSignal): Promise<FromWorker> {
  const fits = into && into.buffer instanceof ArrayBuffer && into.byteLength >= total;
  if (!fits) return w.call({ type: 'chunk-gather-begin', id, total }, { signal });
  const buffer = into.buffer as ArrayBuffer;
  return w.call({ type: 'chunk-gather-begin', id, total, into: { buffer, offset: into.byteOffset } }, { signal, transfer: [buffer] });
}

/**
 * Has each chunk's worker copy its part of the stream bytes `[at.from, at.from + at.length)`
 * into `at.buffer` from `at.byteOffset` on (`chunk-put`), all at once.
 * @param first the first chunk to put (1 when the first chunk's worker copies its own)
 * @returns the requests' answers
 */
function putChunks(
  res: Reservation,
  runners: readonly WorkerChunkRunner[],
  lengths: readonly number[],
  at: { buffer: SharedArrayBuffer; byteOffset: number; from: number; length: number },
  signal?: AbortSignal,
  first = 0,
): Promise<FromWorker>[] {
  const puts: Promise<FromWorker>[] = [];
  let start = 0;
  for (let c = 0; c < runners.length; start += lengths[c]!, c++) {
    const lo = Math.max(start, at.from);
    const hi = Math.min(start + lengths[c]!, at.from + at.length);
    if (c < first || hi <= lo) continue;
    puts.push(runners[c]!.worker.call({
      type: 'chunk-put', id: res.nextId(), target: at.buffer, offset: at.byteOffset + lo - at.from, from: lo - start, length: hi - lo,
    }, { signal }));
  }
  return puts;
}

/**
 * A shared pool's whole array, decoded in the first chunk's worker into a new shared memory
 * with every chunk placed there by its own worker (worker/placed-source.ts): no chunk is
 * copied out, transferred and copied again.
 * @returns the `done` answer; null when the decode could not take the chunks that way (its
 *   memory is not shared: the shared build is not served, say), so the caller gathers them
 */
async function placeArray(
  res: Reservation,
  runners: WorkerChunkRunner[],
  lengths: readonly number[],
  total: number,
  want: Extract<Want, { kind: 'array' }>,
  signal?: AbortSignal,
): Promise<FromWorker | null> {
  const lead = runners[0]!.worker;
  const id = res.nextId();
  let placing: Promise<void> = Promise.resolve();
  const onPlace = (at: Extract<FromWorker, { type: 'place' }>): void => {
    // The first chunk's worker copies its own part meanwhile (worker/placed-source.ts).
    placing = Promise.all(putChunks(res, runners, lengths, at, signal, 1)).then(
      () => lead.post({ type: 'chunk-placed', id }),
      (err: unknown) => lead.post({ type: 'chunk-placed', id, error: toWire(err) }),
    );
  };
  try {
    const answer = await lead.call({ type: 'chunk-array', id, total, spec: want.spec, dtype: want.dtype }, { signal, onPlace });
    await placing;
    return answer;
  } catch (err) {
    await placing;
    if (err instanceof WasmError && err.code === 'NOT_PLACED') return null;
    throw err;
  }
}

/**
 * Decodes a gzip stream in the pool's workers, in parallel chunks when it is large enough.
 * @returns `answer`: the whole output (`bytes`), or the `done` answer of the whole-array
 *   decode (`array`); `learnt`: for `array`, what the pass learnt of the stream (its seek
 *   points, taken by the chunks, its size and warnings: for the image's GzipSource), else null
 */
export async function inflateInPool(pool: ChunkPool, source: ByteSource, origin: Origin, want: Want, opts: PoolGunzipOptions = {}): Promise<{ answer: FromWorker; learnt: GzipLearnt | null }> {
  const { signal } = opts;
  const size = source.size ?? 0;
  const minChunk = opts.minChunkBytes ?? MIN_CHUNK_BYTES;
  const k = Math.max(1, Math.min(opts.workers ?? pool.size, Math.floor(size / Math.max(1, minChunk))));
  const res = await pool.reserve(k, signal);
  try {
    const loaded = new Map<number, number>();
    const progress = (from: number, p: { loaded: number; total: number }): void => {
      // Each chunk's furthest read (a chunk also reads back near its start).
      loaded.set(from, Math.max(loaded.get(from) ?? 0, p.loaded - from));
      let sum = 0;
      for (const v of loaded.values()) sum += v;
      opts.onProgress?.({ loaded: Math.min(sum, size), total: size });
    };
    const runners = res.workers.map((w) => new WorkerChunkRunner(w, res, origin, progress));
    // Seek points only for an image's array: a gunzip's caller has no index to keep them in.
    const warnings: HeaderWarning[] = [];
    const member = await inflateParallel(source, runners, {
      signal,
      seekSpacing: want.kind === 'array' ? SEEK_SPACING : undefined,
      onWarning: (w) => warnings.push(w),
    });
    const learnt: GzipLearnt | null = member && want.kind === 'array' ? { points: member.points, size: member.total, warnings } : null;
    const lead = runners[0]!;
    const gather = async (pieces: { buffer: ArrayBuffer; length: number }[], owners: WorkerChunkRunner[], total: number): Promise<FromWorker> => {
      const buffers = pieces.map((p) => p.buffer);
      const m = expectAnswer(await lead.worker.call({
        type: 'chunk-gather',
        id: res.nextId(),
        total,
        pieces: buffers,
        lengths: pieces.map((p) => p.length),
        decode: want.kind === 'array' ? { spec: want.spec, dtype: want.dtype, shared: want.shared } : undefined,
      }, { signal, transfer: buffers }), 'returned');
      m.pieces.forEach((b, i) => owners[i]!.giveBack(b));
      return m.answer;
    };
    if (!member) {
      // More than one member: one worker decodes the stream as a whole.
      const m = expectAnswer(await lead.worker.call({ type: 'gunzip', id: res.nextId(), origin }, {
        signal,
        onProgress: (p) => progress(0, p),
      }), 'bytes');
      if (want.kind === 'bytes') return { answer: m, learnt: null };
      return { answer: await gather([{ buffer: m.buffer, length: m.length }], [lead], 0), learnt: null };
    }
    if (want.kind === 'bytes' && want.shared && canShareMemory()) {
      // Every worker writes its chunk into its place at once: the pages of the result are
      // first touched by all of them, in parallel (or were touched before: a shared `into`).
      const into = want.into;
      const reuse = into && into.buffer instanceof SharedArrayBuffer && into.byteLength >= member.total;
      const target = reuse ? (into.buffer as SharedArrayBuffer) : new SharedArrayBuffer(member.total);
      const base = reuse ? into.byteOffset : 0;
      await Promise.all(putChunks(res, runners, member.lengths, { buffer: target, byteOffset: base, from: 0, length: member.total }, signal));
      return { answer: { type: 'bytes', id: 0, buffer: target as unknown as ArrayBuffer, offset: base, length: member.total }, learnt: null };
    }
    if (want.kind === 'array' && want.shared && canShareMemory()) {
      const answer = await placeArray(res, runners, member.lengths, member.total, want, signal);
      if (answer) return { answer, learnt };
    }
    const owners = runners.slice(1).filter((_, i) => member.lengths[i + 1]! > 0);
    // The first worker starts the result with its own chunk while the others hand theirs over.
    const [, ...pieces] = await Promise.all([
      want.kind === 'bytes' ? gatherBegin(lead.worker, res.nextId(), member.total, want.into, signal) : null,
      ...owners.map((r) => r.take(signal)),
    ]);
    return { answer: await gather(pieces as { buffer: ArrayBuffer; length: number }[], owners, member.total), learnt };
  } finally {
    res.release();
  }
}

/**
 * `WorkerPool.gunzip`: the whole output of a gzip stream, decoded in the pool.
 * @throws {DecompressionError} corrupt data; `AbortError` on abort
 */
export async function gunzipInPool(pool: ChunkPool, input: Blob | Uint8Array, opts: PoolGunzipOptions = {}): Promise<Uint8Array> {
  const origin: Origin = input instanceof Uint8Array ? { kind: 'bytes', bytes: input } : { kind: 'blob', blob: input };
  const source = originSource(origin);
  if (opts.into !== undefined && !(opts.into instanceof Uint8Array)) {
    throw new ArgumentError('pool.gunzip option `into` takes a Uint8Array', { code: 'BAD_OUTPUT_BUFFER' });
  }
  if (opts.workers !== undefined && !(Number.isSafeInteger(opts.workers) && opts.workers >= 1)) {
    throw new ArgumentError(`pool.gunzip option \`workers\` takes a whole number of at least 1, got ${opts.workers}`, { code: 'BAD_WORKER_OPTION' });
  }
  if (opts.minChunkBytes !== undefined && !(opts.minChunkBytes >= 0)) {
    throw new ArgumentError(`pool.gunzip option \`minChunkBytes\` takes a number of bytes ≥ 0, got ${opts.minChunkBytes}`, { code: 'BAD_WORKER_OPTION' });
  }
  const m = expectAnswer((await inflateInPool(pool, source, origin, { kind: 'bytes', shared: opts.shared, into: opts.into }, opts)).answer, 'bytes');
  return new Uint8Array(m.buffer, m.offset ?? 0, m.length);
}
