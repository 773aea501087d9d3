/**
 * A ByteSource over bytes already in memory (an ArrayBuffer or Uint8Array). Reads return
 * views, not copies: callers must not write to them. `WindowSource` holds only a part of a
 * larger source's bytes (what one chunk of a parallel inflate needs, sent to its worker).
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
 * The bytes [offset, offset + bytes.length) of a source of `size` bytes, as that source:
 * reads outside them come back short (or empty) and set `overran`, so a decode that
 * failed for want of input can tell it from a truncated file.
 */
export class WindowSource implements ByteSource {
  readonly bytes: Uint8Array;
  readonly offset: number;
  readonly size: number;
  /** A read asked for bytes outside the window that the whole source has. */
  overran = false;

  /**
   * @param bytes the part held (not copied)
   * @param offset where it starts in the whole source
   * @param size the whole source's size
   */
  constructor(bytes: Uint8Array, offset: number, size: number) {
    this.bytes = bytes;
    this.offset = offset;
    this.size = size;
  }

  /** @returns a view of what the window holds of `[offset, offset + length)`, from `offset` on */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(opts.signal);
    checkRange(offset, length);
    const end = Math.min(offset + length, this.size);
    const held = this.offset + this.bytes.byteLength;
    if (offset < this.offset || end > held) this.overran = true;
    if (offset < this.offset) return new Uint8Array(0);
    return this.bytes.subarray(Math.min(offset, held) - this.offset, Math.min(end, held) - this.offset);
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
