/**
 * A ByteSource over bytes already in memory (an ArrayBuffer or Uint8Array). Reads return
 * views, not copies: callers must not write to them.
 */
import { throwIfAborted } from '../errors.js';
import type { ByteSource, ReadOptions } from './types.js';

/** Bytes in memory as a ByteSource. */
export class BufferSource implements ByteSource {
  readonly bytes: Uint8Array;

  /** @param data the bytes (not copied) */
  constructor(data: ArrayBuffer | Uint8Array) {
    this.bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  /** @returns a view of `[offset, offset + length)`, clipped at the end */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(opts.signal);
    checkRange(offset, length);
    const start = Math.min(offset, this.bytes.byteLength);
    const end = Math.min(offset + length, this.bytes.byteLength);
    return this.bytes.subarray(start, end);
  }
}

/**
 * Rejects a negative or non-integer range (a programmer error).
 * @throws {RangeError}
 */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`invalid byte range: offset ${offset}, length ${length}`);
  }
}
