/**
 * A ByteSource over a `Blob` or `File` (a dropped file, `fetch().blob()`): each read is
 * `blob.slice(a, b).arrayBuffer()`, so only the requested bytes leave the browser's blob
 * store (geotiff.js `fromBlob`, zarrita's `BlobReader`). Local Blob reads are cheap enough
 * not to need a block cache (geotiff does not wrap `fromBlob` in one either); coalescing of
 * nearby reads happens in `proxy/read-segments.ts`.
 *
 * `Blob.arrayBuffer()` cannot be cancelled, so an abort settles the returned promise at once
 * with an `AbortError` and the platform's late result is dropped.
 */
import { throwIfAborted } from '../errors.js';
import { abortable } from './abortable.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions } from './types.js';

/** A Blob/File as a ByteSource. */
export class BlobSource implements ByteSource {
  /** The blob read from. */
  readonly blob: Blob;
  /** Every read is a new ArrayBuffer the caller owns. */
  readonly freshReads = true;

  /**
   * @param blob the Blob or File (not copied; Blobs are immutable)
   * @throws {TypeError} when `blob` is not a Blob
   */
  constructor(blob: Blob) {
    if (typeof Blob === 'undefined' || !(blob instanceof Blob)) {
      throw new TypeError('BlobSource needs a Blob or File');
    }
    this.blob = blob;
  }

  /** The blob's size in bytes. */
  get size(): number {
    return this.blob.size;
  }

  /**
   * Reads `[offset, offset + length)`, clipped at the end of the blob.
   * @param offset first byte
   * @param length bytes wanted
   * @param opts `signal` to abort
   * @returns a new Uint8Array (shorter than `length` only at the end of the blob)
   * @throws {RangeError} for a negative or non-integer range
   * @throws `AbortError` when the signal aborts, even while the slice read is pending
   * @throws the platform's `NotReadableError` when a File changed or vanished on disk
   */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(opts.signal);
    checkRange(offset, length);
    const start = Math.min(offset, this.blob.size);
    const end = Math.min(offset + length, this.blob.size);
    if (end <= start) return new Uint8Array(0);
    const buf = await abortable(this.blob.slice(start, end).arrayBuffer(), opts.signal);
    return new Uint8Array(buf);
  }
}
