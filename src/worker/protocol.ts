/**
 * The messages between the main thread (worker/pool.ts) and a decode worker
 * (worker/decode-worker.ts), and how errors cross the boundary.
 *
 * A job names where the bytes are (`Origin`: a Blob, bytes, a URL — never a ByteSource,
 * which cannot be cloned), whether they are gzipped, the proxy's frozen spec and the dtype
 * asked for. The answer is the decoded array's ArrayBuffer, transferred (or, for a `shared`
 * job, the shared WebAssembly memory it was decoded in), and for a gzip stream
 * what the worker's pass learnt (seek points, size, warnings: their buffers transferred too),
 * for the main thread's GzipSource. Errors travel as
 * plain records and are rebuilt as the same classes of src/errors.ts with their `code`
 * (structured clone keeps neither an error's class nor its own fields).
 */
import type { ChunkPlan, ChunkPoint, ChunkResult } from '../codecs/gzip-chunk-plan.js';
import type { GzipLearnt } from '../codecs/gzip-source.js';
import { type DType, type TypedArray, dtypeInfo } from '../dtypes.js';
import {
  ArgumentError,
  DecompressionError,
  HeaderDataError,
  ImageDataError,
  ImageFileError,
  IndexError,
  IndexTypeError,
  LimitError,
  UnsupportedError,
  WasmError,
  abortError,
} from '../errors.js';
import { BlobSource } from '../io/blob-source.js';
import { BufferSource, WindowSource } from '../io/buffer-source.js';
import { HttpSource } from '../io/http-source.js';
import { NodeFileSource, type Stamp } from '../io/node-file-source.js';
import type { ByteSource, ReadOptions } from '../io/types.js';
import type { Order } from '../proxy/fileslice.js';

/**
 * Where a worker finds the bytes: what `load` was given, cloned (a Blob's bytes are not
 * copied). `bytes` with a `window` holds only the part of them at `window.offset` of a source
 * of `window.size` bytes (a parallel inflate's chunk: worker/parallel-gunzip.ts). A `url`
 * carries its size once the main thread knows it. `path` is a file on disk in Node, with the
 * size and time it had when the main thread opened it.
 */
export type Origin =
  | { kind: 'blob'; blob: Blob }
  | { kind: 'bytes'; bytes: Uint8Array; window?: { offset: number; size: number } }
  | { kind: 'url'; url: string; size?: number }
  | { kind: 'path'; path: string; stamp: Stamp };

/** The array to decode: the proxy's frozen spec in the file's own order. */
export interface JobSpec {
  shape: number[];
  dtype: DType;
  littleEndian: boolean;
  offset: number;
  slope: number;
  inter: number;
  order: Order;
  spm99: boolean;
}

/**
 * Main → worker. `decode` is a whole-array job. The `chunk…` requests are one parallel
 * gunzip (worker/parallel-gunzip.ts) on a worker reserved for it: decode a chunk and keep
 * it, resolve it with its window, hand its bytes over (into a `chunk-spare` buffer given back
 * from an earlier gather, when there is one), or (the first chunk's worker) gather every
 * chunk into the result (`chunk-gather-begin` starts with its own chunk while the others
 * hand theirs over), answering `returned`: the result and the pieces, given back for reuse;
 * or, on a cross-origin isolated page, each copies its chunk into one shared result (`chunk-put`,
 * from `from` on, `length` bytes). In a shared pool the first chunk's worker decodes the array
 * with the chunks placed in its memory (`chunk-array`: it asks for them with a `place`
 * message, the others `chunk-put` theirs there, and `chunk-placed` tells it they are in, or
 * why not). `gunzip` decodes a whole stream in one worker.
 */
export type ToWorker =
  | { type: 'init'; module: WebAssembly.Module | null; sharedModule?: WebAssembly.Module | null }
  | { type: 'decode'; id: number; origin: Origin; gzip: boolean; spec: JobSpec; dtype: DType | undefined; shared?: boolean }
  | { type: 'cancel'; id: number }
  | { type: 'chunk'; id: number; origin: Origin; plan: ChunkPlan }
  | { type: 'chunk-finish'; id: number; window: Uint8Array | null }
  | { type: 'chunk-take'; id: number }
  | { type: 'chunk-spare'; buffer: ArrayBuffer }
  | { type: 'chunk-window'; window: Uint8Array; start: number; stored: number }
  | { type: 'chunk-put'; id: number; target: SharedArrayBuffer; offset: number; from?: number; length?: number }
  | { type: 'chunk-array'; id: number; total: number; spec: JobSpec; dtype: DType | undefined }
  | { type: 'chunk-placed'; id: number; error?: WireError }
  | { type: 'chunk-gather-begin'; id: number; total: number; into?: { buffer: ArrayBuffer; offset: number } }
  | { type: 'chunk-gather'; id: number; total: number; pieces: ArrayBuffer[]; lengths: number[]; decode?: { spec: JobSpec; dtype: DType | undefined; shared?: boolean } }
  | { type: 'gunzip'; id: number; origin: Origin };

/**
 * Worker → main. Every request ends with exactly one answer or `error`, cancelled or not;
 * `progress` and `place` come before it.
 */
export type FromWorker =
  | { type: 'progress'; id: number; loaded: number; total: number }
  | { type: 'place'; id: number; buffer: SharedArrayBuffer; byteOffset: number; from: number; length: number }
  | { type: 'done'; id: number; buffer: ArrayBuffer; offset?: number; dtype: DType; length: number; learnt?: GzipLearnt }
  | { type: 'chunk-done'; id: number; result: ChunkResult }
  | { type: 'chunk-finished'; id: number; crc: number; points: ChunkPoint[] }
  | { type: 'bytes'; id: number; buffer: ArrayBuffer; length: number; offset?: number }
  | { type: 'returned'; id: number; answer: FromWorker; pieces: ArrayBuffer[] }
  | { type: 'ok'; id: number }
  | { type: 'error'; id: number; error: WireError };

/**
 * The array of a `done` answer: its own transferred ArrayBuffer, or (a `shared` job) a view
 * of the shared WebAssembly memory the worker decoded it in, at `offset`.
 */
export function doneArray(m: Extract<FromWorker, { type: 'done' }>): TypedArray {
  const { ctor } = dtypeInfo(m.dtype);
  return new ctor(m.buffer, m.offset ?? 0, m.length);
}

/** The bytes of `origin` as a ByteSource (a Blob is read in place, a URL fetched with ranges). */
export function originSource(origin: Origin): ByteSource {
  switch (origin.kind) {
    case 'blob': return new BlobSource(origin.blob);
    case 'bytes': return origin.window ? new WindowSource(origin.bytes, origin.window.offset, origin.window.size) : new BufferSource(origin.bytes);
    case 'url': return new HttpSource(origin.url, { size: origin.size });
    case 'path': return new PathSource(origin.path, origin.stamp);
  }
}

/**
 * A file on disk named by a worker's `path` origin: opened on the first read, and refused
 * (`FILE_CHANGED`) when it is no longer the file the main thread opened.
 */
class PathSource implements ByteSource {
  readonly size: number;
  readonly freshReads = true;
  #file: Promise<NodeFileSource> | null = null;

  constructor(
    readonly path: string,
    readonly stamp: Stamp,
  ) {
    this.size = stamp.size;
  }

  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    this.#file ??= NodeFileSource.fromPath(this.path, { expect: this.stamp, signal: opts.signal });
    const file = this.#file;
    file.catch(() => {
      if (this.#file === file) this.#file = null; // an abort or a failure: the next read opens again
    });
    return (await file).read(offset, length, opts);
  }
}

/**
 * A worker's answer, checked to be of `type`.
 * @throws {WasmError} for another type (a protocol bug, not bad input)
 */
export function expectAnswer<T extends FromWorker['type']>(m: FromWorker, type: T): Extract<FromWorker, { type: T }> {
  if (m.type !== type) throw new WasmError(`decode worker answered ${m.type}, expected ${type}`, { code: 'BAD_ARGUMENT' });
  return m as Extract<FromWorker, { type: T }>;
}

/** An error as a cloneable record. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  offset?: number;
  feature?: string;
  limit?: number;
  requested?: number;
  stack?: string;
  cause?: WireError;
}

/** An error (or anything thrown) as a record, its cause one level deep. */
export function toWire(err: unknown, depth = 0): WireError {
  if (!(err instanceof Error) && !(typeof DOMException !== 'undefined' && err instanceof DOMException)) {
    return { name: 'Error', message: String(err) };
  }
  const e = err as Error & Partial<Record<'code' | 'offset' | 'feature' | 'limit' | 'requested', unknown>>;
  const out: WireError = { name: e.name, message: e.message, stack: e.stack };
  if (typeof e.code === 'string') out.code = e.code;
  for (const k of ['offset', 'limit', 'requested'] as const) if (typeof e[k] === 'number') out[k] = e[k] as number;
  if (typeof e.feature === 'string') out.feature = e.feature;
  if (depth === 0 && e.cause !== undefined) out.cause = toWire(e.cause, 1);
  return out;
}

/** The record rebuilt as the class it was thrown as (an unknown name becomes a plain Error). */
export function fromWire(w: WireError): Error {
  const cause = w.cause ? fromWire(w.cause) : undefined;
  const opts = { code: w.code, cause };
  let err: Error;
  switch (w.name) {
    case 'AbortError':
      return abortError();
    case 'ImageFileError': err = new ImageFileError(w.message, opts); break;
    case 'HeaderDataError': err = new HeaderDataError(w.message, opts); break;
    case 'ImageDataError': err = new ImageDataError(w.message, opts); break;
    case 'DecompressionError': err = new DecompressionError(w.message, { ...opts, offset: w.offset }); break;
    case 'UnsupportedError': err = new UnsupportedError(w.message, { ...opts, feature: w.feature }); break;
    case 'LimitError': err = new LimitError(w.message, { ...opts, limit: w.limit, requested: w.requested }); break;
    case 'WasmError': err = new WasmError(w.message, opts); break;
    case 'IndexError': err = new IndexError(w.message, opts); break;
    case 'IndexTypeError': err = new IndexTypeError(w.message, opts); break;
    case 'ArgumentError': err = new ArgumentError(w.message, opts); break;
    case 'TypeError': err = new TypeError(w.message, { cause }); break;
    case 'RangeError': err = new RangeError(w.message, { cause }); break;
    default:
      err = new Error(w.message, { cause });
      if (w.name) err.name = w.name;
  }
  // The worker's stack says where it failed; the main thread's would only show the pool.
  if (w.stack) err.stack = w.stack;
  return err;
}
