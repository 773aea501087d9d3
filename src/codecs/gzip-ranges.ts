/**
 * Output ranges of a gzip stream, decoded by a `GzipStream` session that starts at the seek
 * index's nearest point: `collect` copies [from, to) out of a scratch arena (GzipSource.read,
 * small whole-buffer gunzips), `inflateIntoArena` decodes straight into a caller's arena
 * (GzipSource.readIntoRegion, the whole-array path).
 */
import { WasmError } from '../errors.js';
import type { ByteSource } from '../io/types.js';
import { ALIGN, WINDOW } from '../wasm/inflater.js';
import { type WasmArena, withScratchArena } from '../wasm/memory.js';
import { decompressionError } from '../wasm/status.js';
import { CHUNK_BYTES, FIRST_CHUNK_BYTES, GzipStream, type InflaterOptions, RING_BYTES } from './gzip-stream.js';
import { START, type SeekPoint } from './seek-index.js';

/** Reads into an arena of at least this much output start with full-size chunks. */
const BULK_OUTPUT = 4 << 20;

/**
 * Decodes output bytes [from, to) of a gzip source in a scratch arena and copies them out.
 * Used for small gunzips and for `GzipSource.read`.
 * @param source compressed bytes
 * @param from first uncompressed offset wanted
 * @param to one past the last (Infinity: to the end)
 * @param opts session options (the index, when given, supplies the starting point)
 * @param onEnd called with the total size when the stream's end is reached
 * @param sizeHint initial size of the result buffer when `to` is Infinity
 * @returns the bytes (fewer when the stream ends first), or `null` without WebAssembly
 * @throws {DecompressionError} corrupt or truncated data before `to`
 * @throws {LimitError} output past `maxOutputLength`
 */
export async function collect(
  source: ByteSource,
  from: number,
  to: number,
  opts: InflaterOptions,
  onEnd: ((size: number) => void) | null,
  sizeHint = 1 << 16,
): Promise<Uint8Array | null> {
  return withScratchArena(async (arena) => {
    const start = opts.index?.nearest(from) ?? START;
    const inf = new GzipStream(arena, source, sizedFirstRead(opts, start, to), start);
    const ring = arena.alloc(WINDOW + RING_BYTES, ALIGN) + WINDOW;
    const cap = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
    // The result starts at the wanted length, at most what the stream plausibly holds — 16 MiB,
    // or 4× its compressed size (more than most images' ratio) — and grows by doubling past
    // that: a read past an unknown end does not allocate what it asked for up front, and a
    // whole .mgz data read (MGH's load reads to the footer) is one allocation, not a 16 MiB
    // buffer grown and copied.
    const want = Math.min(to - from, cap);
    const plausible = Math.max(1 << 24, 4 * (source.size ?? 0));
    let out = new Uint8Array(Math.min(want, Number.isFinite(to) ? plausible : Math.max(sizeHint, 1 << 16)));
    let got = 0;
    inf.attach(ring, RING_BYTES);
    for (;;) {
      const r = await inf.pump(to);
      // Copy what this window holds of [from, to).
      const winStart = inf.totalOut - inf.windowFill;
      const lo = Math.max(from, winStart);
      const hi = Math.min(to, inf.totalOut);
      if (hi > lo) {
        if (hi - from > out.byteLength) {
          const grown = new Uint8Array(Math.min(Math.max(out.byteLength * 2, hi - from), want));
          grown.set(out.subarray(0, got));
          out = grown;
        }
        out.set(arena.u8(inf.windowBase + (lo - winStart), hi - lo), lo - from);
        got = hi - from;
      }
      if (r === 'end') {
        onEnd?.(inf.totalOut);
        break;
      }
      if (r === 'stop') break;
      inf.attach(ring, RING_BYTES);
    }
    const stop = inf.snapshot();
    if (stop && opts.index) opts.index.addRecent(stop);
    return got === out.byteLength ? out : out.slice(0, got);
  });
}

/**
 * Session options whose first read is what the seek index says a decode from `start` to
 * `to` needs (one read instead of a run of growing ones: a random slice after a pass was
 * four short reads); unchanged when the index knows nothing or the caller chose a size.
 */
function sizedFirstRead(opts: InflaterOptions, start: SeekPoint, to: number): InflaterOptions {
  if (opts.firstChunkSize !== undefined || !opts.index || !Number.isFinite(to)) return opts;
  const need = opts.index.inputFor(start, to);
  if (!(need > FIRST_CHUNK_BYTES)) return opts;
  return { ...opts, firstChunkSize: Math.min(need, opts.chunkSize ?? CHUNK_BYTES) };
}

/**
 * What `inflateIntoArena` needs from its caller's arena (see GzipSource.arenaNeeds).
 * @param offset the uncompressed offset to be read
 * @returns `overhead` (allocated and released by the call) and `lead` (bytes before the
 *   destination that may be overwritten) in bytes
 */
export function intoArenaNeeds(offset: number): { overhead: number; lead: number } {
  return { overhead: GzipStream.overhead() + WINDOW + RING_BYTES + ALIGN, lead: offset === 0 ? 0 : WINDOW };
}

/**
 * Decodes uncompressed bytes [offset, offset + length) of a gzip source straight into
 * arena memory [ptr, ptr + length). Bytes [ptr - lead, ptr) may be overwritten (the match
 * history). Decoder state, the input buffer and a ring for skipped output are allocated
 * from the arena and released before returning.
 * @param source compressed bytes
 * @param offset first uncompressed byte wanted
 * @param length bytes wanted
 * @param arena the arena holding the destination
 * @param ptr destination address
 * @param opts session options; `verify` (default true): continue to the end of the stream
 *   (into the ring) so every member's CRC-32 and ISIZE are checked; `partial`: a stream that
 *   ends first is not an error (the bytes up to its end are written, its size reported)
 * @param onEnd called with the total size when the stream's end is reached
 * @returns the bytes written: `length`, or fewer with `partial` when the stream ends first
 * @throws {DecompressionError} corrupt data, or 'TRUNCATED' when the stream ends before
 *   `offset + length` (then `onEnd` has been called with the real size)
 * @throws {LimitError} output past `maxOutputLength`, or an arena without room for the overhead
 */
export async function inflateIntoArena(
  source: ByteSource,
  offset: number,
  length: number,
  arena: WasmArena,
  ptr: number,
  opts: InflaterOptions & { verify?: boolean; partial?: boolean },
  onEnd: (size: number) => void,
): Promise<number> {
  const mark = arena.mark();
  try {
    const start = opts.index?.nearest(offset) ?? START;
    // A bulk read (a whole array) starts with full-size chunks and the read-ahead at once:
    // growing from 64 KiB left the decoder waiting on four short reads in a row (an idle
    // 13 ms of a 68 ms File → float32 load of the 7 MB MNI volume, Chromium).
    const bulk = offset + length - start.out >= BULK_OUTPUT && opts.firstChunkSize === undefined;
    const inf = new GzipStream(arena, source,
      bulk ? { ...opts, firstChunkSize: opts.chunkSize ?? CHUNK_BYTES } : sizedFirstRead(opts, start, offset + length), start);
    const ring = arena.alloc(WINDOW + RING_BYTES, ALIGN) + WINDOW;
    const short = (): Error => {
      onEnd(inf.totalOut);
      return decompressionError('TRUNCATED', inf.compressedPos,
        `the stream holds ${inf.totalOut} bytes, ${offset + length} were needed`);
    };
    // Skip to `offset` through the ring.
    while (inf.totalOut < offset && !inf.ended) {
      inf.attach(ring, RING_BYTES);
      await inf.pump(offset);
    }
    if (inf.totalOut < offset) {
      if (!opts.partial) throw short();
      onEnd(inf.totalOut);
      return 0;
    }
    inf.attach(ptr, length);
    // The stream may end exactly at the last byte wanted ('end' with everything out).
    while (inf.totalOut < offset + length && !inf.ended) {
      if ((await inf.pump(offset + length)) === 'full' && inf.totalOut < offset + length) {
        throw new WasmError('gunzip driver: output window full before the requested end', { code: 'BAD_ARGUMENT' });
      }
    }
    if (inf.totalOut < offset + length) {
      if (!opts.partial) throw short();
      onEnd(inf.totalOut);
      return inf.totalOut - offset;
    }
    if (opts.verify ?? true) {
      for (;;) {
        inf.attach(ring, RING_BYTES);
        if ((await inf.pump()) === 'end') break;
      }
      onEnd(inf.totalOut);
    } else {
      const stop = inf.snapshot();
      if (stop && opts.index) opts.index.addRecent(stop);
    }
    return length;
  } finally {
    arena.release(mark);
  }
}
