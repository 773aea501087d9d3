/**
 * Bulk reads through one reusable staging buffer: where a source can fill a buffer it is
 * given (`ByteSource.readInto`, a BYOB stream), a reader that copies each chunk out at once
 * (the gunzip driver into WebAssembly memory, a whole-array copy) hands the same buffer back
 * read after read and allocates nothing per chunk; other sources are read as usual.
 */
import type { ByteSource, ReadOptions } from './types.js';

/** One staging buffer, carried from read to read. */
export class Staging {
  private spare: Uint8Array<ArrayBuffer> | null = null;

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
   * the source can fill one, else as `source.read` does.
   * @returns the bytes (fewer only at the end of the source)
   */
  read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
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
