/**
 * GzipSource: the uncompressed byte space of a gzipped ByteSource, read lazily. It plays the
 * part of nibabel's `Opener` over `gzip.GzipFile` / indexed_gzip (nibabel/openers.py): a
 * read inflates from the start, or from the nearest recorded seek point, only as far as the
 * requested bytes, so loading a .nii.gz header inflates only the header.
 *
 * - `size` is `undefined` until some decode has reached the end of the stream; then it is
 *   the exact uncompressed size (all members; trailing zero padding excluded).
 * - `read` decodes in a pooled scratch arena and returns a fresh copy; reads past the end
 *   return fewer bytes, as any ByteSource does.
 * - `readIntoRegion` (its `regionReader` capability) is the image cache's whole-array path:
 *   it decodes straight into the caller's arena memory (no intermediate copy) and, by
 *   default, goes on to the end of the stream so every member's CRC-32 and ISIZE are verified.
 * - Seek points (bit position + 32 KiB window, ~1 MiB apart, spacing doubling so memory
 *   stays bounded) and the positions where the last reads stopped are shared by all reads.
 * - Decoding policy, limits and error codes are those of `gunzip` (src/codecs/gzip.ts).
 *
 * Without WebAssembly, the first read decompresses the whole stream with gunzip's fallback
 * and later reads are served from that copy.
 */
import { type HeaderWarning, throwIfAborted } from '../errors.js';
import { checkRange } from '../io/buffer-source.js';
import { Staging } from '../io/staged-read.js';
import type { ArenaRegion, ByteSource, HeldRegion, ReadOptions, RegionReader } from '../io/types.js';
import { collect, inflateIntoArena, intoArenaNeeds } from './gzip-ranges.js';
import type { InflaterOptions } from './gzip-stream.js';
import { SeekIndex, type SeekPoint } from './seek-index.js';
import { asTrap, gunzipFallback } from './gzip.js';

/** DEFLATE expands at most ~1032:1 (a 258-byte match costs at least 2 bits; libdeflate). */
export const MAX_DEFLATE_RATIO = 1032;

/**
 * True when `bytes` start with the gzip magic and the deflate method (1f 8b 08, RFC 1952).
 * @param bytes the first bytes of a file (3 are enough)
 * @returns whether they look like gzip
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
}

/** Options of a GzipSource. */
export interface GzipSourceOptions {
  /** Most uncompressed bytes accepted; decoding past it is a `LimitError` ('OUTPUT_LIMIT'). */
  maxOutputLength?: number;
  /** Compressed bytes consumed by a decode so far, and the compressed size (NaN if unknown). */
  onProgress?: (p: { loaded: number; total: number }) => void;
  /** Non-fatal findings ('TRAILING_DATA'), each reported once. */
  onWarning?: (w: HeaderWarning) => void;
}

/**
 * What a decode of the same stream elsewhere learnt (a decode worker's own GzipSource over
 * the same file): its seek points, the uncompressed size once it reached the end, and its
 * warnings. `GzipSource.learnt()` gives it; `learn` takes it in.
 */
export interface GzipLearnt {
  points: SeekPoint[];
  size: number | undefined;
  warnings: HeaderWarning[];
}

/** The uncompressed bytes of a gzip stream as a ByteSource (see the file comment). */
export class GzipSource implements ByteSource, RegionReader {
  /** The compressed bytes. */
  readonly compressed: ByteSource;
  /** Seek points recorded so far (shared by every read). */
  readonly index = new SeekIndex();
  /** Warnings found so far (also passed to `onWarning`). */
  readonly warnings: HeaderWarning[] = [];
  private knownSize: number | undefined;
  private readonly opts: GzipSourceOptions;
  private whole: Promise<Uint8Array> | undefined;
  private held: { offset: number; bytes: Uint8Array; region?: HeldRegion } | null = null;
  /** One staging buffer for the compressed reads of every decode (see `InflaterOptions.staging`). */
  private readonly staging: Staging;

  /**
   * @param compressed the gzip bytes, as any ByteSource
   * @param opts cap, progress, warnings
   */
  constructor(compressed: ByteSource, opts: GzipSourceOptions = {}) {
    this.compressed = compressed;
    this.opts = opts;
    this.staging = new Staging(compressed);
  }

  /** The uncompressed size, once a decode has reached the end of the stream; else undefined. */
  get size(): number | undefined {
    return this.knownSize;
  }

  /** While the size is unknown: DEFLATE's most output for the compressed size (undefined if that is unknown). */
  get maxSize(): number | undefined {
    const packed = this.compressed.size;
    return packed === undefined ? undefined : packed * MAX_DEFLATE_RATIO;
  }

  /** This source decodes into WebAssembly memory itself (`regionNeeds`, `readIntoRegion`). */
  get regionReader(): RegionReader {
    return this;
  }

  private session(signal?: AbortSignal): InflaterOptions {
    return {
      maxOutputLength: this.opts.maxOutputLength,
      onProgress: this.opts.onProgress,
      onWarning: (w) => this.warn(w),
      signal,
      index: this.index,
      staging: this.staging,
    };
  }

  private warn(w: HeaderWarning): void {
    if (this.warnings.some((v) => v.code === w.code && v.found === w.found)) return;
    this.warnings.push(w);
    this.opts.onWarning?.(w);
  }

  private ended = (size: number): void => {
    this.knownSize = size;
  };

  /** What the decodes of this source have learnt, for another copy of it (`learn`). */
  learnt(): GzipLearnt {
    return { points: this.index.gridPoints(), size: this.knownSize, warnings: [...this.warnings] };
  }

  /**
   * Takes in what a decode of the same stream elsewhere learnt: a worker's pass over the file
   * leaves its seek points here, so later reads of slices on this thread resume from them.
   * A size that disagrees with the one known here is ignored (it cannot be the same stream).
   * @param k from `learnt()` of the other copy
   */
  learn(k: GzipLearnt): void {
    if (k.size !== undefined && this.knownSize !== undefined && k.size !== this.knownSize) return;
    if (k.size !== undefined) this.knownSize = k.size;
    for (const p of k.points) this.index.add(p);
    for (const w of k.warnings) this.warn(w);
  }

  /**
   * Keeps decoded bytes a caller already has, so the next reads of that range are copies, not
   * a second inflate from the start of the stream: MGH's load inflates a `.mgz` to its footer
   * (nibabel's seek does the same), and without this the first `getFdata` would inflate it all
   * again. The first whole-range `readIntoRegion` consumes the bytes (the image cache then holds
   * the data); `release()` drops them sooner.
   * @param offset uncompressed offset of `bytes[0]`
   * @param bytes the decoded bytes (kept, not copied: the caller must not change them)
   */
  hold(offset: number, bytes: Uint8Array): void {
    this.held = { offset, bytes };
  }

  /**
   * `hold` for bytes decoded into an arena of their own (`region.ptr`, `length` bytes), laid
   * out so that the whole-array decode can convert them in place (`takeHeld`).
   * @param offset uncompressed offset of the first byte
   * @param region where they are, and the free memory below them
   * @param length bytes held
   */
  holdRegion(offset: number, region: HeldRegion, length: number): void {
    this.held = { offset, bytes: region.arena.u8(region.ptr, length), region };
  }

  /**
   * Hands over held bytes that live in an arena of their own, once the stream has been
   * verified to its end (see `RegionReader.takeHeld`).
   * @param offset uncompressed offset wanted
   * @param length bytes wanted
   * @returns the region, or null
   */
  takeHeld(offset: number, length: number): HeldRegion | null {
    if (!this.holds(offset, length)) return null;
    const region = this.held!.region!;
    this.held = null;
    return region;
  }

  /**
   * @param offset uncompressed offset wanted
   * @param length bytes wanted
   * @returns whether `takeHeld` would hand them over
   */
  holds(offset: number, length: number): boolean {
    const h = this.held;
    return !!h?.region && this.knownSize !== undefined && h.offset === offset && h.bytes.byteLength === length;
  }

  /** Drops bytes kept by `hold`. */
  release(): void {
    this.held = null;
  }

  /** The held bytes for [offset, end), or null when they are not all held. */
  private heldRange(offset: number, end: number): Uint8Array | null {
    const h = this.held;
    if (!h || offset < h.offset || end > h.offset + h.bytes.byteLength) return null;
    return h.bytes.subarray(offset - h.offset, end - h.offset);
  }

  /**
   * Reads uncompressed bytes [offset, offset + length).
   * @param offset uncompressed byte offset
   * @param length bytes wanted
   * @param opts `signal`
   * @returns a fresh Uint8Array: `length` bytes, or fewer when the stream ends first
   * @throws {DecompressionError} corrupt or truncated data before the end of the range
   * @throws {LimitError} past `maxOutputLength`
   * @throws {RangeError} for a negative or non-integer range
   * @throws `AbortError` when `opts.signal` aborts
   */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    checkRange(offset, length);
    throwIfAborted(opts.signal);
    let end = offset + length;
    if (this.knownSize !== undefined) end = Math.min(end, this.knownSize);
    if (end <= offset) return new Uint8Array(0);
    const kept = this.heldRange(offset, end);
    if (kept) return kept.slice();
    let out: Uint8Array | null;
    try {
      out = await collect(this.compressed, offset, end, this.session(opts.signal), this.ended);
    } catch (err) {
      throw asTrap(err);
    }
    if (out) return out;
    const all = await this.decompressAll(opts.signal);
    return all.slice(Math.min(offset, all.byteLength), Math.min(end, all.byteLength));
  }

  /** Fallback without WebAssembly: the whole stream, decompressed once. */
  private decompressAll(signal?: AbortSignal): Promise<Uint8Array> {
    this.whole ??= (async () => {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (let pos = 0; ; ) {
        const want = 1 << 24;
        const chunk = await this.compressed.read(pos, want, { signal });
        parts.push(chunk.slice());
        total += chunk.byteLength;
        pos += chunk.byteLength;
        if (chunk.byteLength < want || (this.compressed.size !== undefined && pos >= this.compressed.size)) break;
      }
      const bytes = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.byteLength;
      }
      this.opts.onProgress?.({ loaded: total, total: this.compressed.size ?? total });
      const out = await gunzipFallback(bytes, {
        maxOutputLength: this.opts.maxOutputLength,
        onWarning: (w) => this.warn(w),
        signal,
      });
      this.knownSize = out.byteLength;
      return out;
    })();
    this.whole.catch(() => {
      this.whole = undefined;
    });
    return this.whole;
  }

  /**
   * What `readIntoRegion(offset, …)` needs from the caller's arena.
   * @param offset the uncompressed offset that will be read
   * @returns `overhead`: bytes the call allocates from the arena (and releases) for decoder
   *   state, the input buffer and a ring for skipped output; `lead`: bytes before the
   *   destination it may overwrite (the 32 KiB match history; 0 when `offset` is 0)
   */
  regionNeeds(offset: number): { overhead: number; lead: number } {
    return intoArenaNeeds(offset);
  }

  /**
   * Decodes uncompressed bytes [offset, offset + region.length) straight into the region.
   * Arena memory [ptr - lead, ptr) may be overwritten; `overhead` bytes are allocated from
   * the arena and released before returning (see `regionNeeds`).
   * @param offset uncompressed byte offset
   * @param region where the bytes go (sized by the caller)
   * @param opts `signal`; `verify` (default true): continue to the end of the stream, into
   *   scratch space, so every member's CRC-32 and ISIZE are checked; when false, stop as
   *   soon as the bytes are out; `partial`: a stream that ends first is not an error
   * @returns the bytes written: all, or with `partial` those up to the end of the stream
   * @throws {DecompressionError} corrupt data, or 'TRUNCATED' when the stream ends before
   *   `offset + length` (then `size` is known)
   * @throws {LimitError} past `maxOutputLength`, or an arena too small for `regionNeeds`
   * @throws `AbortError` when `opts.signal` aborts
   */
  async readIntoRegion(
    offset: number,
    region: ArenaRegion,
    opts: ReadOptions & { verify?: boolean; partial?: boolean } = {},
  ): Promise<number> {
    const { arena, ptr, length } = region;
    checkRange(offset, length);
    throwIfAborted(opts.signal);
    // Held bytes serve a whole read once the stream has been verified to its end.
    const kept = (opts.verify === false || this.knownSize !== undefined) ? this.heldRange(offset, offset + length) : null;
    if (kept) {
      arena.u8(ptr, length).set(kept);
      this.held = null;
      return length;
    }
    try {
      return await inflateIntoArena(this.compressed, offset, length, arena, ptr,
        { ...this.session(opts.signal), verify: opts.verify ?? true, partial: opts.partial ?? false }, this.ended);
    } catch (err) {
      throw asTrap(err);
    }
  }
}
