/**
 * Bulk reads through one reusable staging buffer: where a source can fill a buffer it is
 * given (`ByteSource.readInto`, a BYOB stream), a reader that copies each chunk out at once
 * (the gunzip driver into WebAssembly memory, a whole-array copy) hands the same buffer back
 * read after read and allocates nothing per chunk; other sources are read as usual.
 *
 * A sequential reader also reads ahead (`readAhead`): the next chunk is asked for as soon as
 * the last one is copied out, so it arrives while the reader works on that one (a File's
 * bytes come from the browser's own threads, HTTP ranges from the network). Measured in
 * Chromium on the fMRI `.nii.gz` (`scripts/bench/parallel-gunzip.mjs --only=into`, medians
 * of 7): a one-worker `pool.gunzip(file)` took 287 ms without it and 231 ms with it, as fast
 * as from bytes already in memory (226 ms).
 */
import type { ByteSource, ReadOptions } from './types.js';

/** One staging buffer, carried from read to read. */
export class Staging {
  private spare: Uint8Array<ArrayBuffer> | null = null;
  /** The read made ahead, for the `read` that asks for it. */
  private ahead: { offset: number; length: number; signal?: AbortSignal; bytes: Promise<Uint8Array> } | null = null;

  /**
   * @param source what is read
   * @param previous a staging of an earlier source whose buffer this one takes over (a
   *   decoder that reads one source after another keeps touching the same pages)
   */
  constructor(private readonly source: ByteSource, previous?: Staging) {
    if (previous) {
      this.spare = previous.spare;
      previous.spare = null;
    }
  }

  /**
   * Reads `[offset, offset + length)`: into the staging buffer (taken until `release`) when
   * the source can fill one, else as `source.read` does. The read made ahead serves it when
   * it is for the same range and was made with the same signal (an
   * aborted reader's read must not fail the next reader's); any other is dropped.
   * @returns the bytes (fewer only at the end of the source)
   */
  read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.offset === offset && ahead.length === length && ahead.signal === opts.signal) return ahead.bytes;
    if (ahead) this.giveBackLater(ahead.bytes);
    return this.fresh(offset, length, opts);
  }

  /**
   * Starts reading `[offset, offset + length)` now, for the next `read` (call it after
   * `release`, so the staging buffer is the one it fills). A failure surfaces in that `read`.
   */
  readAhead(offset: number, length: number, opts: ReadOptions = {}): void {
    if (this.ahead) this.giveBackLater(this.ahead.bytes);
    const bytes = this.fresh(offset, length, opts);
    bytes.catch(() => undefined); // a read-ahead nobody takes must not be an unhandled rejection
    this.ahead = { offset, length, signal: opts.signal, bytes };
  }

  /** Drops the read made ahead (its buffer comes back when it lands). */
  dropAhead(): void {
    if (this.ahead) this.giveBackLater(this.ahead.bytes);
    this.ahead = null;
  }

  private giveBackLater(bytes: Promise<Uint8Array>): void {
    if (!this.source.readInto) return; // the source's own memory: never kept
    bytes.then((b) => {
      this.spare ??= b as Uint8Array<ArrayBuffer>;
    }, () => undefined);
  }

  private fresh(offset: number, length: number, opts: ReadOptions): Promise<Uint8Array> {
    if (!this.source.readInto) return this.source.read(offset, length, opts);
    const spare = this.spare;
    this.spare = null;
    const view = spare && spare.buffer.byteLength >= length ? new Uint8Array(spare.buffer, 0, length) : new Uint8Array(length);
    return this.source.readInto(offset, view, opts);
  }

  /**
   * Gives back a result of `read` once its bytes have been copied out, for the next read.
   * @param bytes what `read` returned (a view of the source's own memory is never kept)
   */
  release(bytes: Uint8Array): void {
    if (this.source.readInto) this.spare = bytes as Uint8Array<ArrayBuffer>;
  }
}
