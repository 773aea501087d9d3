/**
 * The byte-source contract (geotiff.js's BaseSource, made minimal): something that can read
 * a byte range, asynchronously, abortably. Files, Blobs, in-memory bytes and HTTP Range
 * servers are sources; caching/merging and gzip are decorators over a source.
 */

/** Options for one read. */
export interface ReadOptions {
  /** Aborts the read with a `DOMException` named `AbortError`. */
  signal?: AbortSignal;
}

/** A readable range of bytes. */
export interface ByteSource {
  /** Total bytes, or `undefined` when unknown without reading everything (a gzip stream). */
  readonly size: number | undefined;
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
