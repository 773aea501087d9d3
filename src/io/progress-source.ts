/**
 * A decorator that reports reads of an uncompressed file as progress, as a gzip stream
 * reports the compressed bytes it consumes: after each read, `{ loaded, total }` with
 * `loaded` the end of the bytes just read and `total` the file's size (NaN when unknown).
 * A whole-array read of a plain `.nii` (copied in 4 MiB chunks) thus reports its way to the
 * end; a slice reports where it read. Capabilities of the inner source pass through.
 */
import type { ByteSource, ReadOptions } from './types.js';

/** Progress of reads: the end of the last read and the size. */
export type ProgressCallback = (p: { loaded: number; total: number }) => void;

/** See the file comment. */
export class ProgressSource implements ByteSource {
  /** The source read. */
  readonly inner: ByteSource;
  readonly #onProgress: ProgressCallback;
  /** Present when the inner source has it. */
  readonly readInto?: ByteSource['readInto'];

  /**
   * @param inner the source
   * @param onProgress called after each read
   */
  constructor(inner: ByteSource, onProgress: ProgressCallback) {
    this.inner = inner;
    this.#onProgress = onProgress;
    const into = inner.readInto?.bind(inner);
    if (into) {
      this.readInto = async (offset, view, opts) => this.#report(offset, await into(offset, view, opts));
    }
  }

  get size(): number | undefined {
    return this.inner.size;
  }

  get freshReads(): boolean | undefined {
    return this.inner.freshReads;
  }

  get maxSize(): number | undefined {
    return this.inner.maxSize;
  }

  async read(offset: number, length: number, opts?: ReadOptions): Promise<Uint8Array> {
    return this.#report(offset, await this.inner.read(offset, length, opts));
  }

  #report<T extends Uint8Array>(offset: number, bytes: T): T {
    this.#onProgress({ loaded: offset + bytes.byteLength, total: this.inner.size ?? Number.NaN });
    return bytes;
  }
}
