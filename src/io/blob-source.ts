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
 * in) come from one `blob.slice(offset).stream()` instead. A read of at least
 * `STREAM_MIN_BYTES` opens a stream at its offset; a read starting where the stream left off
 * continues it; any other read takes the slice path. Where the platform's Blob stream is a
 * byte stream (Chromium, Node), a bring-your-own-buffer reader writes straight into the
 * array the read returns: no chunk arrays, no second copy. Measured in Chromium 156
 * (`npm run bench`, sections c and d): a File(.nii.gz) → float32 load of the 11 MB T1 took
 * 145 ms with 1 MiB `slice().stream()` windows copied chunk by chunk, 100 ms with one BYOB
 * stream to the end of the file; the renderer's peak stayed at 1.08× of (output + file)
 * (the windows had been there to bound a default reader's read-ahead: 1.23×).
 *
 * A stream read in flight is held by this module until it settles (`inFlight`). Chromium
 * (156) keeps a pending Blob-stream read alive only through its reader, and the caller
 * awaiting the read holds nothing that leads to that reader: where nothing else does (a
 * click handler awaiting `getFdata()`, a test), a garbage collection while the read waits
 * for the browser collects the reader, the read and every continuation awaiting it, and the
 * read never settles. `slice().arrayBuffer()` is kept alive by the platform and needs no
 * such hold.
 */
import { throwIfAborted } from '../errors.js';
import { abortable } from './abortable.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions } from './types.js';

/** Reads at least this long go through a sequential stream (see the module comment). */
export const STREAM_MIN_BYTES = 512 * 1024;

/** The open sequential stream: where the next read must start, and the bytes not yet taken. */
interface Sequence {
  next: number;
  /** A BYOB reader fills the caller's array directly; a default reader hands out chunks. */
  reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;
  byob: boolean;
  leftover: Uint8Array | null;
  /** Reads of one stream run one after another. */
  chain: Promise<unknown>;
  /** Reads claimed and not yet finished: a busy stream is never cancelled. */
  pending: number;
}

/**
 * Sequences with reads claimed and not yet settled: the strong reference that keeps each
 * one's reader, its pending platform read and the callers awaiting it reachable (see the
 * module comment). A sequence leaves when its last pending read settles.
 */
const inFlight = new Set<Sequence>();

/** A reader on `blob`: bring-your-own-buffer where the platform's Blob stream is a byte stream. */
function openReader(blob: Blob): { reader: Sequence['reader']; byob: boolean } {
  const stream = blob.stream();
  try {
    return { reader: stream.getReader({ mode: 'byob' }), byob: true };
  } catch {
    return { reader: stream.getReader(), byob: false };
  }
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
  read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    return this.take(offset, length, null, opts.signal);
  }

  /**
   * Reads `[offset, offset + view.byteLength)` into `view`'s memory (see `ByteSource.readInto`):
   * a sequential bulk read fills it straight from the stream, anything else is copied in.
   * @param offset first byte
   * @param view where the bytes go; its buffer may be transferred: use the result
   * @param opts `signal` to abort
   * @returns the bytes, a view of the same memory (shorter only at the end of the blob)
   * @throws as `read`
   */
  readInto(offset: number, view: Uint8Array<ArrayBuffer>, opts: ReadOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
    return this.take(offset, view.byteLength, view, opts.signal);
  }

  /** `read` (into a new array) and `readInto` (into `into`): the sequential stream or one slice. */
  private async take(offset: number, length: number, into: Uint8Array<ArrayBuffer> | null, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>> {
    throwIfAborted(signal);
    checkRange(offset, length);
    const start = Math.min(offset, this.blob.size);
    const end = Math.min(offset + length, this.blob.size);
    if (end <= start) return into ? into.subarray(0, 0) : new Uint8Array(0);
    if (this.streams(start, end)) return abortable(this.sequential(start, end, into ?? undefined), signal);
    const bytes = new Uint8Array(await abortable(this.blob.slice(start, end).arrayBuffer(), signal));
    if (!into) return bytes;
    into.set(bytes);
    return into.subarray(0, bytes.byteLength);
  }

  /** Whether `[start, end)` is read from the sequential stream (see the module comment). */
  private streams(start: number, end: number): boolean {
    const seq = this.seq;
    const continues = seq !== null && seq.next === start;
    const canOpen = typeof this.blob.stream === 'function' && (seq === null || seq.pending === 0);
    return continues || (canOpen && end - start >= STREAM_MIN_BYTES);
  }

  /**
   * Reads `[start, end)` from the sequential stream, opening one at `start` if needed, into
   * `into` (whose buffer it takes) or a new array.
   */
  private sequential(start: number, end: number, into?: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
    let s = this.seq;
    if (!s || s.next !== start) {
      s?.reader.cancel().catch(() => undefined);
      const { reader, byob } = openReader(this.blob.slice(start));
      s = { next: start, reader, byob, leftover: null, chain: Promise.resolve(), pending: 0 };
      this.seq = s;
    }
    // Claimed now, so a read-ahead issued before this one finishes continues the stream.
    s.next = end;
    s.pending++;
    inFlight.add(s);
    const seq = s;
    const settled = () => {
      if (--seq.pending === 0) inFlight.delete(seq);
    };
    const job = seq.chain.then(() => this.pull(seq, into?.subarray(0, end - start) ?? new Uint8Array(end - start)));
    seq.chain = job.then(settled, () => {
      settled();
      if (this.seq === seq) this.seq = null;
    });
    return job;
  }

  /** Takes `out.byteLength` bytes (fewer at the end) from the stream into `out`'s memory. */
  private async pull(s: Sequence, out: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
    const n = out.byteLength;
    let filled = 0;
    while (filled < n) {
      if (s.byob) {
        // The stream writes straight into `out` (which it transfers: continue on its buffer).
        const r = await (s.reader as ReadableStreamBYOBReader).read(new Uint8Array(out.buffer, out.byteOffset + filled, n - filled));
        if (r.value) out = new Uint8Array(r.value.buffer, r.value.byteOffset - filled, n);
        if (r.done) break;
        filled += r.value!.byteLength;
      } else {
        let chunk = s.leftover;
        s.leftover = null;
        if (!chunk) {
          const r = await (s.reader as ReadableStreamDefaultReader<Uint8Array>).read();
          if (!r.done) chunk = r.value;
        }
        if (!chunk) break;
        const take = Math.min(chunk.length, n - filled);
        out.set(chunk.subarray(0, take), filled);
        filled += take;
        if (take < chunk.length) s.leftover = chunk.subarray(take);
      }
    }
    return filled === n ? out : out.subarray(0, filled);
  }
}
