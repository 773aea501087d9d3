/**
 * A ByteSource decorator for tests: records every read (offset, length, bytes returned) and
 * can delay reads or hold them until released, so tests can count reads and bytes, and
 * exercise concurrency and abort.
 */
import type { ByteSource, ReadOptions } from '../../src/io/types';

/** One recorded read. */
export interface ReadRecord {
  offset: number;
  length: number;
  /** bytes actually returned (-1 while pending or when the read failed) */
  got: number;
  aborted: boolean;
}

/** Records reads of an inner source. */
export class RecordingSource implements ByteSource {
  readonly inner: ByteSource;
  readonly reads: ReadRecord[] = [];
  /** When set, every read waits for this promise before reading. */
  gate: Promise<void> | null = null;
  /** Milliseconds to wait before each read. */
  delayMs = 0;
  /** Make `size` report undefined (a source of unknown length, like a gzip stream). */
  hideSize = false;
  /** Called after each read returns its bytes, with the number of reads so far. */
  onRead: ((reads: number) => void) | null = null;

  constructor(inner: ByteSource) {
    this.inner = inner;
  }

  get size(): number | undefined {
    return this.hideSize ? undefined : this.inner.size;
  }

  get freshReads(): boolean | undefined {
    return this.inner.freshReads;
  }

  /** Number of reads issued. */
  get count(): number {
    return this.reads.length;
  }

  /** Total bytes requested. */
  get bytesRequested(): number {
    return this.reads.reduce((a, r) => a + r.length, 0);
  }

  /** Total bytes returned. */
  get bytesRead(): number {
    return this.reads.reduce((a, r) => a + Math.max(r.got, 0), 0);
  }

  /** The end of the furthest byte returned. */
  get furthest(): number {
    return this.reads.reduce((a, r) => Math.max(a, r.offset + Math.max(r.got, 0)), 0);
  }

  /** Forget the recorded reads. */
  reset(): void {
    this.reads.length = 0;
  }

  /** Holds all reads until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((r) => {
      release = r;
    });
    return () => {
      this.gate = null;
      release();
    };
  }

  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    const rec: ReadRecord = { offset, length, got: -1, aborted: false };
    this.reads.push(rec);
    opts.signal?.addEventListener('abort', () => {
      rec.aborted = true;
    });
    if (this.gate) await this.gate;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const bytes = await this.inner.read(offset, length, opts);
    rec.got = bytes.byteLength;
    this.onRead?.(this.reads.length);
    return bytes;
  }
}
