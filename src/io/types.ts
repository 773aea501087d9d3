/**
 * The byte-source contract (geotiff.js's BaseSource, made minimal): something that can read
 * a byte range, asynchronously, abortably. Files, Blobs, in-memory bytes and HTTP Range
 * servers are sources; caching/merging and gzip are decorators over a source.
 *
 * Two optional capabilities let the whole-array path use what a source can do without
 * knowing its class (decorators pass them through): `readInto` fills a buffer it is given,
 * and `regionReader` decodes straight into WebAssembly memory (a gzip stream).
 */
import type { WasmArena } from '../wasm/memory.js';

/** Options for one read. */
export interface ReadOptions {
  /** Aborts the read with a `DOMException` named `AbortError`. */
  signal?: AbortSignal;
}

/**
 * A place in WebAssembly memory to decode into: `length` bytes at `ptr` in `arena`. Opaque
 * outside src/wasm and the decoders: `ptr` comes from the arena's allocator and is only
 * passed on, never computed with.
 */
export interface ArenaRegion {
  readonly arena: WasmArena;
  readonly ptr: number;
  readonly length: number;
}

/**
 * Decoded bytes a source already holds in WebAssembly memory (see `RegionReader.takeHeld`):
 * they start at `ptr`; the arena's memory from `low` up to the end of the bytes is free for
 * the caller's output.
 */
export interface HeldRegion {
  readonly arena: WasmArena;
  readonly ptr: number;
  readonly low: number;
}

/** What a decoding source offers the whole-array path (see `ByteSource.regionReader`). */
export interface RegionReader {
  /**
   * Optional: hands over decoded bytes `[offset, offset + length)` the source already holds
   * in an arena of their own (a `.mgz` load decodes its data to reach the footer), so the
   * whole-array decode converts them where they are. At most once; null when not held.
   */
  takeHeld?(offset: number, length: number): HeldRegion | null;
  /** Optional: whether `takeHeld(offset, length)` would hand bytes over (nothing is taken). */
  holds?(offset: number, length: number): boolean;
  /**
   * What `readIntoRegion(offset, …)` needs from the caller's arena.
   * @param offset the offset that will be read
   * @returns `overhead`: bytes it allocates from the arena (and releases) for its own state;
   *   `lead`: bytes just before the region it may overwrite
   */
  regionNeeds(offset: number): { overhead: number; lead: number };
  /**
   * Decodes bytes `[offset, offset + region.length)` into the region.
   * @param opts `signal`; `verify` (default true): also check what follows (a gzip stream
   *   decodes to its end so every CRC-32 and length is checked); `partial`: a source that
   *   ends first is not an error
   * @returns the bytes written (all of them, unless `partial` and the source ended first)
   * @throws `AbortError` when `opts.signal` aborts
   */
  readIntoRegion(offset: number, region: ArenaRegion, opts?: ReadOptions & { verify?: boolean; partial?: boolean }): Promise<number>;
}

/** A readable range of bytes. */
export interface ByteSource {
  /** Total bytes, or `undefined` when unknown without reading everything (a gzip stream). */
  readonly size: number | undefined;
  /** While `size` is unknown, the most bytes the source can hold (a gzip stream: 1032× its compressed size). */
  readonly maxSize?: number;
  /** Optional capability of decoding sources: decode straight into WebAssembly memory. */
  readonly regionReader?: RegionReader;
  /**
   * True when every `read` resolves to a newly allocated buffer that nothing else holds (a
   * Blob or HTTP read), so a consumer may keep or modify it without copying. Absent/false
   * when reads may be views of shared memory (in-memory bytes, caches): never write to those.
   */
  readonly freshReads?: boolean;
  /**
   * Reads `[offset, offset + length)`.
   * @returns exactly `length` bytes, or fewer only when the source ends first
   * @throws `AbortError` when `opts.signal` aborts
   */
  read(offset: number, length: number, opts?: ReadOptions): Promise<Uint8Array>;
  /**
   * Optional, for sources that can fill a buffer they are given (a BYOB stream read) instead
   * of allocating one per read: reads `[offset, offset + view.byteLength)` into `view`'s
   * memory, taking ownership of its buffer, which may be transferred (detached). Use the
   * returned view, on the same memory, never the one passed; once it has been copied out,
   * its buffer can be handed to the next call, so a bulk reader allocates nothing per read.
   * @returns the bytes read: `view.byteLength` of them, fewer only when the source ends first
   * @throws `AbortError` when `opts.signal` aborts
   */
  readInto?(offset: number, view: Uint8Array<ArrayBuffer>, opts?: ReadOptions): Promise<Uint8Array<ArrayBuffer>>;
}
