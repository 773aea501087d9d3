/**
 * Bytes in memory as a ByteSource made of pieces in order, read as one without joining them:
 * a read inside one piece is a view of it, a read across pieces a copy of just that span. A
 * parallel gunzip's chunks (worker/parallel-gunzip.ts) are read this way by the whole-array
 * decode, so the stream is never assembled into one more full-size buffer.
 */
import { throwIfAborted } from '../errors.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions } from './types.js';

/** See the file comment. */
export class PiecesSource implements ByteSource {
  readonly #pieces: Uint8Array[];
  /** Offset of each piece's first byte, and the total at the end. */
  readonly #starts: number[];

  /** @param pieces the bytes in order (not copied; empty pieces are skipped) */
  constructor(pieces: readonly Uint8Array[]) {
    this.#pieces = pieces.filter((p) => p.byteLength > 0);
    this.#starts = [0];
    for (const p of this.#pieces) this.#starts.push(this.#starts[this.#starts.length - 1]! + p.byteLength);
  }

  get size(): number {
    return this.#starts[this.#starts.length - 1]!;
  }

  /** @returns `[offset, offset + length)`, clipped at the end: a view when it lies in one piece */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    throwIfAborted(opts.signal);
    checkRange(offset, length);
    const start = Math.min(offset, this.size);
    const end = Math.min(offset + length, this.size);
    if (end <= start) return new Uint8Array(0);
    let i = this.#pieceAt(start);
    const first = this.#pieces[i]!;
    const at = start - this.#starts[i]!;
    if (end <= this.#starts[i + 1]!) return first.subarray(at, at + (end - start));
    const out = new Uint8Array(end - start);
    let pos = 0;
    let from = at;
    while (pos < out.byteLength) {
      const p = this.#pieces[i]!;
      const n = Math.min(p.byteLength - from, out.byteLength - pos);
      out.set(p.subarray(from, from + n), pos);
      pos += n;
      from = 0;
      i++;
    }
    return out;
  }

  /** The piece holding byte `offset` (< size). */
  #pieceAt(offset: number): number {
    let lo = 0;
    let hi = this.#pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
