/**
 * A ByteSource over a `Blob` or `File` (a dropped file, `fetch().blob()`): each read is
 * `blob.slice(a, b).arrayBuffer()`, so only the requested bytes leave the browser's blob
 * store (geotiff.js `fromBlob`, zarrita's `BlobReader`). Local Blob reads are cheap enough
 * not to need a block cache (geotiff does not wrap `fromBlob` in one either); coalescing of
 * nearby reads happens in `proxy/read-segments.ts`.
 *
 * `Blob.arrayBuffer()` cannot be cancelled, so an abort settles the returned promise at once
 * with an `AbortError` and the platform's late result is dropped.
 *
 * Sequential bulk reads (a gzip stream inflating, a whole uncompressed volume being copied
 * in) come from one `blob.slice(offset).stream()` instead: measured in Chromium 156 on an
 * 11 MB File, 1 MiB `slice().arrayBuffer()` reads took 33 ms in all, with one read ahead
 * 30 ms, and one stream 9 ms (as fast as `arrayBuffer()` of the whole file). A read of at
 * least `STREAM_MIN_BYTES` opens a stream at its offset; a read starting where the stream
 * left off continues it; any other read takes the slice path. Each stream covers at most
 * `STREAM_WINDOW_BYTES` of the blob (the next window opens where it ends), because a blob
 * stream reads ahead on its own: streaming a whole 11 MB `.nii.gz` raised the renderer's
 * peak during a load from 1.06× to 1.26× of (output + file); 1 MiB windows gave 1.23×
 * with the same speed (`npm run bench`, section d).
 */
import { throwIfAborted } from '../errors.js';
import { abortable } from './abortable.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions } from './types.js';

/** Reads at least this long go through a sequential stream (see the module comment). */
export const STREAM_MIN_BYTES = 512 * 1024;

/** Most bytes one stream covers, bounding what it can read ahead (see the module comment). */
export const STREAM_WINDOW_BYTES = 1024 * 1024;

/** The open sequential stream: where the next read must start, and the bytes not yet taken. */
interface Sequence {
  next: number;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  leftover: Uint8Array | null;
  /** Reads of one stream run one after another. */
  chain: Promise<unknown>;
  /** Reads claimed and not yet finished: a busy stream is never cancelled. */
  pending: number;
  /** Where the current window's stream ends in the blob. */
  windowEnd: number;
}

/** A Blob/File as a ByteSource. */
export class BlobSource implements ByteSource {
  /** The blob read from. */
  readonly blob: Blob;
  /** Every read is a new ArrayBuffer the caller owns. */
  readonly freshReads = true;
  private seq: Sequence | null = null;

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
    const seq = this.seq;
    const continues = seq !== null && seq.next === start;
    const canOpen = typeof this.blob.stream === 'function' && (seq === null || seq.pending === 0);
    if (continues || (canOpen && end - start >= STREAM_MIN_BYTES)) {
      return abortable(this.sequential(start, end), opts.signal);
    }
    const buf = await abortable(this.blob.slice(start, end).arrayBuffer(), opts.signal);
    return new Uint8Array(buf);
  }

  /** Reads `[start, end)` from the sequential stream, opening one at `start` if needed. */
  private sequential(start: number, end: number): Promise<Uint8Array> {
    let s = this.seq;
    if (!s || s.next !== start) {
      s?.reader.cancel().catch(() => undefined);
      const windowEnd = Math.min(this.blob.size, start + STREAM_WINDOW_BYTES);
      const reader = this.blob.slice(start, windowEnd).stream().getReader();
      s = { next: start, reader, leftover: null, chain: Promise.resolve(), pending: 0, windowEnd };
      this.seq = s;
    }
    // Claimed now, so a read-ahead issued before this one finishes continues the stream.
    s.next = end;
    s.pending++;
    const seq = s;
    const job = seq.chain.then(() => this.pull(seq, end - start));
    seq.chain = job.then(
      () => {
        seq.pending--;
      },
      () => {
        seq.pending--;
        if (this.seq === seq) this.seq = null;
      },
    );
    return job;
  }

  /** Takes `n` bytes (fewer at the end) from the stream into one new array. */
  private async pull(s: Sequence, n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      let chunk = s.leftover;
      s.leftover = null;
      if (!chunk) {
        const r = await s.reader.read();
        if (r.done) {
          if (s.windowEnd >= this.blob.size) break;
          const from = s.windowEnd;
          s.windowEnd = Math.min(this.blob.size, from + STREAM_WINDOW_BYTES);
          s.reader = this.blob.slice(from, s.windowEnd).stream().getReader();
          continue;
        }
        chunk = r.value;
      }
      const take = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) s.leftover = chunk.subarray(take);
    }
    return filled === n ? out : out.subarray(0, filled);
  }
}
