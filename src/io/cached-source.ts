/**
 * A block-cache decorator over any ByteSource (geotiff.js `BlockedSource`): reads are
 * rounded out to fixed-size blocks, blocks are kept in an LRU bounded in bytes, missing
 * blocks wanted by reads issued together are fetched with one underlying read per run of
 * consecutive block ids, and concurrent readers of the same block share one promise.
 *
 * Block size: {@link DEFAULT_BLOCK_SIZE} = 64 KiB, geotiff.js's default. Measured here in
 * Chromium 156, one `Blob.slice().arrayBuffer()` costs ≈ 0.5 ms for 2 bytes and ≈ 0.6 ms
 * for 64 KiB, so rounding a small read up to a block is almost free while its neighbours
 * then hit the cache; over HTTP a request's round trip (10–100 ms) dwarfs the transfer
 * time of 64 KiB (≈ 5 ms at 100 Mbit/s). Larger blocks would waste bandwidth on sparse
 * access (a sagittal slice touches every row).
 *
 * Batching: a read registers the blocks it misses and the fetch is issued in a microtask,
 * so reads started in the same tick (e.g. `readSegments`' parallel reads) merge their runs.
 *
 * Abort is per caller: an aborted read rejects at once; an underlying fetch is aborted only
 * when no live read still waits for any of its blocks. A failed or aborted fetch caches
 * nothing, so the next read retries. Reads of {@link DEFAULT_BYPASS_BYTES} or more go straight to the inner
 * source: they gain nothing from rounding (one underlying read either way), and caching
 * them would evict the small blocks that benefit (measured by `npm run bench`: a 128 KiB
 * axial slice of a File took 1.65× a raw `Blob.slice` read through the cache, from the
 * extra block-aligned bytes and copies).
 *
 * Reads may return views of cached blocks (`freshReads` is false): never write to them.
 *
 * `readInto` passes through: the cache has it exactly when the inner source has it, and a
 * read of {@link DEFAULT_BYPASS_BYTES} or more fills the caller's buffer straight from the
 * inner source, so a gzip stream read through the cache (the loader sniffs a file through it)
 * keeps its reusable staging buffer; shorter ones are copied out of the cached blocks.
 */
import { abortError, throwIfAborted } from '../errors.js';
import { abortable } from './abortable.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions, RegionReader } from './types.js';

/** Default block size in bytes (see the module comment for why). */
export const DEFAULT_BLOCK_SIZE = 64 * 1024;

/** Default cache budget in bytes (256 blocks of 64 KiB). */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

/** Reads at least this long bypass the cache (two default blocks; see the module comment). */
export const DEFAULT_BYPASS_BYTES = 128 * 1024;

/** Longest run of blocks fetched by one underlying read. */
const MAX_RUN_BYTES = 16 * 1024 * 1024;

/** Options of {@link CachedSource}. */
export interface CachedSourceOptions {
  /** Block size in bytes (default {@link DEFAULT_BLOCK_SIZE}). */
  blockSize?: number;
  /** Cache budget in bytes (default {@link DEFAULT_CACHE_BYTES}). */
  maxBytes?: number;
  /** Reads this long or longer go straight to the inner source (default {@link DEFAULT_BYPASS_BYTES}). */
  bypassBytes?: number;
}

interface Fetch {
  controller: AbortController;
  ids: number[];
}

interface Pending {
  promise: Promise<Uint8Array>;
  resolve: (b: Uint8Array) => void;
  reject: (e: unknown) => void;
  /** reads still waiting for this block */
  readers: Set<object>;
  /** null while queued for the next flush */
  fetch: Fetch | null;
}

/** A block cache with read merging and shared in-flight reads, over another source. */
export class CachedSource implements ByteSource {
  /** The decorated source (also how whole-array reads bypass the cache). */
  readonly inner: ByteSource;
  /** Block size in bytes. */
  readonly blockSize: number;
  /** Cache budget in bytes. */
  readonly maxBytes: number;
  /** Reads this long or longer bypass the cache. */
  readonly bypassBytes: number;
  /** Reads may be views of cached blocks. */
  readonly freshReads = false;
  /**
   * Present when the inner source has `readInto` (see the file comment and
   * `ByteSource.readInto`).
   */
  readonly readInto?: (offset: number, view: Uint8Array<ArrayBuffer>, opts?: ReadOptions) => Promise<Uint8Array<ArrayBuffer>>;
  readonly #blocks = new Map<number, Uint8Array>();
  #cachedBytes = 0;
  readonly #pending = new Map<number, Pending>();
  #queue: number[] = [];
  #flushScheduled = false;

  /**
   * @param inner the source to cache
   * @param opts block size and byte budget
   * @throws {RangeError} for a block size or budget that is not a positive integer
   */
  constructor(inner: ByteSource, opts: CachedSourceOptions = {}) {
    this.inner = inner;
    this.blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_BYTES;
    this.bypassBytes = opts.bypassBytes ?? DEFAULT_BYPASS_BYTES;
    if (!Number.isSafeInteger(this.blockSize) || this.blockSize < 1) {
      throw new RangeError(`blockSize must be a positive integer, got ${this.blockSize}`);
    }
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 0) {
      throw new RangeError(`maxBytes must be a non-negative integer, got ${this.maxBytes}`);
    }
    const into = inner.readInto?.bind(inner);
    if (into) this.readInto = (offset, view, o) => this.#readInto(into, offset, view, o);
  }

  /** The inner source's size. */
  get size(): number | undefined {
    return this.inner.size;
  }

  /** The inner source's bound while its size is unknown. */
  get maxSize(): number | undefined {
    return this.inner.maxSize;
  }

  /** The inner source's decoding capability, passed through: a whole decode bypasses the blocks. */
  get regionReader(): RegionReader | undefined {
    return this.inner.regionReader;
  }

  /** Bytes currently held in cached blocks. */
  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  /** Drops every cached block (reads in flight still complete). */
  clear(): void {
    this.#blocks.clear();
    this.#cachedBytes = 0;
  }

  /**
   * Reads `[offset, offset + length)` through the block cache.
   * @param offset first byte
   * @param length bytes wanted
   * @param opts `signal` aborts this read only
   * @returns the bytes (shorter only at the end of the source); may be a view of a cached block
   * @throws {RangeError} for a negative or non-integer range
   * @throws `AbortError` when the signal aborts; whatever the inner source throws
   */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    const { signal } = opts;
    throwIfAborted(signal);
    checkRange(offset, length);
    let end = offset + length;
    const size = this.inner.size;
    if (size !== undefined) end = Math.min(end, size);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset >= this.bypassBytes || end - offset > this.maxBytes) {
      return this.inner.read(offset, end - offset, { signal });
    }

    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((end - 1) / bs);
    const parts: (Uint8Array | Promise<Uint8Array>)[] = [];
    const waits: Pending[] = [];
    const me = {};
    for (let id = first; id <= last; id++) {
      const hit = this.#blocks.get(id);
      if (hit) {
        this.#blocks.delete(id);
        this.#blocks.set(id, hit);
        parts.push(hit);
        continue;
      }
      let p = this.#pending.get(id);
      if (!p) {
        p = this.#enqueue(id);
      }
      p.readers.add(me);
      waits.push(p);
      parts.push(p.promise);
    }

    let blocks: Uint8Array[];
    if (waits.length === 0) {
      blocks = parts as Uint8Array[];
    } else {
      const onAbort = () => this.#leave(me, waits);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        blocks = await abortable(Promise.all(parts), signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        for (const p of waits) p.readers.delete(me);
      }
    }
    return assemble(blocks, bs, first * bs, offset, end);
  }

  /** `readInto`: long reads fill `view` from the inner source, short ones from the blocks. */
  async #readInto(
    into: NonNullable<ByteSource['readInto']>,
    offset: number,
    view: Uint8Array<ArrayBuffer>,
    opts: ReadOptions = {},
  ): Promise<Uint8Array<ArrayBuffer>> {
    const length = view.byteLength;
    if (length >= this.bypassBytes || length > this.maxBytes) return into(offset, view, opts);
    const bytes = await this.read(offset, length, opts);
    view.set(bytes);
    return view.subarray(0, bytes.byteLength);
  }

  #enqueue(id: number): Pending {
    let resolve!: (b: Uint8Array) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<Uint8Array>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A block nobody waits for any more may reject unobserved.
    promise.catch(() => undefined);
    const p: Pending = { promise, resolve, reject, readers: new Set(), fetch: null };
    this.#pending.set(id, p);
    this.#queue.push(id);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
    return p;
  }

  /** A read gave up (aborted): drop its interest, and cancel work nobody needs. */
  #leave(me: object, waits: Pending[]): void {
    const fetches = new Set<Fetch>();
    for (const p of waits) {
      p.readers.delete(me);
      if (p.fetch) fetches.add(p.fetch);
    }
    for (const f of fetches) {
      if (f.ids.every((id) => (this.#pending.get(id)?.readers.size ?? 0) === 0)) {
        for (const id of f.ids) {
          const p = this.#pending.get(id);
          if (p?.fetch === f) {
            this.#pending.delete(id);
            p.reject(abortError());
          }
        }
        f.controller.abort();
      }
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    // Blocks whose readers all left before the flush are not fetched.
    const ids = [...new Set(this.#queue)]
      .filter((id) => {
        const p = this.#pending.get(id);
        if (p && p.fetch === null && p.readers.size === 0) {
          this.#pending.delete(id);
          p.reject(abortError());
          return false;
        }
        return p !== undefined && p.fetch === null;
      })
      .sort((a, b) => a - b);
    this.#queue = [];
    const maxRun = Math.max(1, Math.floor(MAX_RUN_BYTES / this.blockSize));
    let run: number[] = [];
    for (const id of ids) {
      if (run.length > 0 && (id !== run[run.length - 1] + 1 || run.length >= maxRun)) {
        this.#fetchRun(run);
        run = [];
      }
      run.push(id);
    }
    if (run.length > 0) this.#fetchRun(run);
  }

  #fetchRun(ids: number[]): void {
    const f: Fetch = { controller: new AbortController(), ids };
    for (const id of ids) this.#pending.get(id)!.fetch = f;
    const bs = this.blockSize;
    const start = ids[0] * bs;
    const length = ids.length * bs;
    // async wrapper: a source that throws synchronously still rejects the blocks.
    (async () => this.inner.read(start, length, { signal: f.controller.signal }))().then(
      (data) => {
        ids.forEach((id, k) => {
          const from = k * bs;
          const view = data.subarray(Math.min(from, data.length), Math.min(from + bs, data.length));
          // Copy out of a multi-block read so each block can be evicted on its own.
          const block = ids.length === 1 && this.inner.freshReads ? view : view.slice();
          const p = this.#pending.get(id);
          if (p?.fetch === f) {
            this.#pending.delete(id);
            this.#store(id, block);
            p.resolve(block);
          }
        });
      },
      (err: unknown) => {
        for (const id of ids) {
          const p = this.#pending.get(id);
          if (p?.fetch === f) {
            this.#pending.delete(id);
            p.reject(err);
          }
        }
      },
    );
  }

  #store(id: number, block: Uint8Array): void {
    if (block.byteLength > this.maxBytes) return;
    const old = this.#blocks.get(id);
    if (old) {
      this.#cachedBytes -= old.byteLength;
      this.#blocks.delete(id);
    }
    this.#blocks.set(id, block);
    this.#cachedBytes += block.byteLength;
    for (const [oldest, b] of this.#blocks) {
      if (this.#cachedBytes <= this.maxBytes) break;
      this.#blocks.delete(oldest);
      this.#cachedBytes -= b.byteLength;
    }
  }
}

/**
 * Cuts `[offset, end)` out of consecutive blocks of `bs` bytes starting at byte `base`;
 * a block shorter than `bs` is the end of the source, so copying stops there.
 */
function assemble(blocks: Uint8Array[], bs: number, base: number, offset: number, end: number): Uint8Array {
  if (blocks.length === 1) {
    const b = blocks[0];
    return b.subarray(Math.min(offset - base, b.length), Math.min(end - base, b.length));
  }
  const out = new Uint8Array(end - offset);
  let got = 0;
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k];
    const pos = base + k * bs;
    const from = Math.max(offset - pos, 0);
    const to = Math.min(end - pos, b.length);
    if (to > from) {
      out.set(b.subarray(from, to), got);
      got += to - from;
    }
    if (b.length < bs) break;
  }
  return got === out.length ? out : out.subarray(0, got);
}
