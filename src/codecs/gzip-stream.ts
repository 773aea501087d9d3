/**
 * The gzip stream decoder (RFC 1952 around the raw inflater of src/wasm/inflater.ts): one
 * decode session over a compressed `ByteSource`, the gzip framing of gzip-framing.ts, the
 * seek index of seek-index.ts, and the whole-buffer `gunzipWasm`.
 *
 * A `GzipStream` pulls compressed bytes in chunks (64 KiB first, doubling to 1 MiB, so a
 * header read costs little and a 2 GB stream is never in memory at once; a decode resumed
 * from a seek point reads its span at once), parses member headers and trailers, and runs
 * the inflater, which writes output straight into the attached window. It stops when the
 * window is full, when a requested output position is reached (`pump(stopAt)`), or at the
 * end of the stream. While decoding it records seek points into the index.
 *
 * Policy (reliability.md §2.3, gzip-framing.ts): members are decoded while the next bytes
 * start `1f 8b`; every member's CRC-32 and ISIZE are checked when its trailer is reached;
 * zero bytes after the last member are padding; any other trailing bytes end the stream
 * with a `TRAILING_DATA` warning (not an error). `maxOutputLength` caps the total output:
 * the kernel never writes past it, and output that would pass it is a `LimitError`
 * ('OUTPUT_LIMIT'). ISIZE is only a size hint, clamped to 1032× the compressed size.
 */
import { type HeaderWarning, LimitError, WasmError, throwIfAborted } from '../errors.js';
import { BufferSource } from '../io/buffer-source.js';
import { Staging } from '../io/staged-read.js';
import type { ByteSource } from '../io/types.js';
import { ALIGN, RawInflater, WINDOW } from '../wasm/inflater.js';
import { getWasmModule } from '../wasm/load.js';
import { MAX_MEMORY_BYTES, WasmArena, canCreateArena, withScratchArena } from '../wasm/memory.js';
import {
  NEED_INPUT, OUTPUT_FULL, STREAM_END, YIELD, decompressionError, outputLimitError, statusError,
} from '../wasm/status.js';
import { GzipHeaderParser, checkTrailer, scanAfterMember, trailingDataWarning } from './gzip-framing.js';
import { START, type SeekIndex, type SeekPoint } from './seek-index.js';

export { WINDOW } from '../wasm/inflater.js';

/** Compressed bytes pulled per read once warmed up. */
export const CHUNK_BYTES = 1 << 20;
/** The first read of a decode session (header reads stay cheap). */
export const FIRST_CHUNK_BYTES = 64 * 1024;
/** Output ring for skipped or copied-out output (after its WINDOW prefix). */
export const RING_BYTES = 256 * 1024;
/** Yield to the event loop after this much uninterrupted decoding (abort stays prompt). */
const YIELD_MS = 25;
/** Most output one kernel call may write, so aborts and yields stay prompt on highly compressible data. */
const MAX_CALL_OUTPUT = 4 << 20;
/** Reads into an arena of at least this much output start with full-size chunks. */
const BULK_OUTPUT = 4 << 20;
/** Outputs up to this size are decoded in a pooled scratch arena and copied out. */
const SMALL_OUTPUT = 1 << 20;
/** A gzip member is at least 18 bytes; DEFLATE expands at most ~1032:1 (libdeflate's bound). */
const MAX_RATIO = 1032;

/** Options of one decode session. */
export interface InflaterOptions {
  /** Total output bytes allowed (default: unlimited). */
  maxOutputLength?: number;
  /** Aborts between kernel calls. */
  signal?: AbortSignal;
  /** Compressed bytes consumed so far, and the compressed size (NaN when unknown). */
  onProgress?: (p: { loaded: number; total: number }) => void;
  /** Receives the TRAILING_DATA warning. */
  onWarning?: (w: HeaderWarning) => void;
  /** Compressed bytes per read once warmed up (default 1 MiB). */
  chunkSize?: number;
  /** The first read's size (default 64 KiB). */
  firstChunkSize?: number;
  /** Seek points are recorded into (and may be resumed from) this index. */
  index?: SeekIndex;
  /**
   * The staging buffer to read compressed bytes through; a `GzipSource` passes its own, so
   * its reads reuse one buffer instead of first-touching a fresh one each (a random slice
   * read after a pass reads ~0.5 MB; fresh memory costs up to 2.7 ms/MB on some machines).
   */
  staging?: Staging;
  /** Test mode: keep the input flush against the end of the memory, so an over-read traps. */
  inputAtEnd?: boolean;
}

const P_HEADER = 0;
const P_DEFLATE = 1;
const P_TRAILER = 2;
const P_BETWEEN = 3;
const P_END = 4;

/** Why `pump` returned. */
export type PumpResult = 'full' | 'stop' | 'end';

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** A macrotask turn (not a microtask), so timers and abort handlers can run. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** One gzip decode session in one arena (see the file comment). */
export class GzipStream {
  private readonly raw: RawInflater;
  /** Compressed offset of the byte after the last one fed. */
  private srcPos: number;
  private eof = false;
  private chunk: number;
  /**
   * The next chunk, requested while the current one is decoded (read-ahead): Blob and HTTP
   * reads happen off the main thread, so overlapping them with inflate hides their latency
   * (`npm run bench`, Chromium: File → getFdata spent ~40% of its time waiting on reads).
   * Only once chunks have grown to full size, so a header-only read asks for nothing extra.
   */
  private ahead: { pos: number; len: number; bytes: Promise<Uint8Array> } | null = null;
  /** Every read is copied into the input buffer as soon as it is taken: one staging buffer serves them all. */
  private readonly staging: Staging;
  private readonly maxChunk: number;
  private readonly source: ByteSource;
  private readonly opts: InflaterOptions;
  private readonly max: number;
  private readonly index: SeekIndex | undefined;
  private phase = P_HEADER;
  private header: GzipHeaderParser | null = null;
  private lastYield = now();

  /** Uncompressed bytes produced so far (the offset of the next output byte). */
  totalOut = 0;
  /** Output of the current member so far. */
  private memberOut = 0;
  /** Members started so far. */
  members = 0;

  /**
   * Sets up a session in `arena` (state and input buffer there, released with the caller's
   * arena mark).
   * @param arena where everything lives
   * @param source the compressed bytes
   * @param opts limits, callbacks, seek index
   * @param from where to start (a seek point; default the stream start)
   */
  constructor(arena: WasmArena, source: ByteSource, opts: InflaterOptions = {}, from: SeekPoint = START) {
    this.source = source;
    this.staging = opts.staging ?? new Staging(source);
    this.opts = opts;
    this.max = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
    this.index = opts.index;
    this.maxChunk = opts.chunkSize ?? CHUNK_BYTES;
    this.chunk = Math.min(opts.firstChunkSize ?? FIRST_CHUNK_BYTES, this.maxChunk);
    this.raw = new RawInflater(arena, this.maxChunk, { inputAtEnd: opts.inputAtEnd });
    this.srcPos = from.in;
    this.totalOut = from.out;
    if (from.state) {
      this.raw.restore(from.state, from.window);
      this.memberOut = from.memberOut;
      this.phase = P_DEFLATE;
    }
  }

  /**
   * Bytes an arena needs for one session besides the output windows.
   * @param chunk compressed bytes per read (default 1 MiB)
   * @returns bytes, alignment included
   */
  static overhead(chunk = CHUNK_BYTES): number {
    return RawInflater.overhead(chunk);
  }

  /** True once the whole stream (and what follows it) has been decoded. */
  get ended(): boolean {
    return this.phase === P_END;
  }

  /** Compressed offset of the next byte the session will consume. */
  get compressedPos(): number {
    return this.srcPos - this.raw.buffered;
  }

  /** Address of the attached output window. */
  get windowBase(): number {
    return this.raw.windowBase;
  }

  /** Output bytes in the attached window. */
  get windowFill(): number {
    return this.raw.windowFill;
  }

  /** The match history a new window needs: the current member's last ≤ 32 KiB. */
  private get history(): number {
    return this.phase === P_DEFLATE ? Math.min(WINDOW, this.memberOut) : 0;
  }

  /**
   * Makes [ptr, ptr + len) the output window; unless it continues where output stands, the
   * match history is copied to the `WINDOW` bytes before `ptr`, which the caller must own.
   * @param ptr first byte of the window (address in this session's arena)
   * @param len bytes
   */
  attach(ptr: number, len: number): void {
    this.raw.attach(ptr, len, this.history);
  }

  /**
   * Moves the session into a larger arena (see `RawInflater.moveTo`).
   * @param to the new arena
   * @param outBase where the window continues in `to`
   * @param outCap the window's size
   */
  moveTo(to: WasmArena, outBase: number, outCap: number): void {
    this.raw.moveTo(to, outBase, outCap);
  }

  /** Reads more compressed bytes after the unconsumed ones; false at the end of the source. */
  private async refill(): Promise<boolean> {
    if (this.eof) return false;
    throwIfAborted(this.opts.signal);
    const want = Math.min(this.chunk, this.raw.room);
    const ahead = this.ahead;
    this.ahead = null;
    const read = ahead && ahead.pos === this.srcPos && ahead.len <= want
      ? ahead.bytes
      : this.staging.read(this.srcPos, want, { signal: this.opts.signal });
    // A source returning more than asked must not write past the buffer.
    const bytes = (await read).subarray(0, want);
    throwIfAborted(this.opts.signal);
    this.raw.feed(bytes);
    this.staging.release(bytes);
    this.srcPos += bytes.byteLength;
    const size = this.source.size;
    if (bytes.byteLength < want || (size !== undefined && this.srcPos >= size)) this.eof = true;
    if (!this.eof && this.chunk === this.maxChunk) {
      const len = this.chunk;
      const next = this.staging.read(this.srcPos, len, { signal: this.opts.signal });
      next.catch(() => undefined); // a read-ahead nobody takes must not be an unhandled rejection
      this.ahead = { pos: this.srcPos, len, bytes: next };
    }
    this.chunk = Math.min(this.chunk * 2, this.maxChunk);
    this.opts.onProgress?.({ loaded: this.srcPos, total: size ?? Number.NaN });
    return true;
  }

  /** Ensures `n` unread input bytes; false when the source ends first. */
  private async need(n: number): Promise<boolean> {
    while (this.raw.buffered < n) {
      if (!(await this.refill())) return false;
    }
    return true;
  }

  private truncated(): Error {
    return decompressionError('TRUNCATED', this.srcPos);
  }

  /** Parses one member header (gzip-framing.ts), across reads if it is long. */
  private async parseHeader(): Promise<void> {
    const p = (this.header ??= new GzipHeaderParser(this.compressedPos));
    for (;;) {
      this.raw.consume(p.feed(this.raw.input()));
      if (p.done) break;
      if (!(await this.refill())) {
        // A wrong magic is named even in a short input (feed checks what is there).
        this.raw.consume(p.feed(this.raw.input()));
        throw this.truncated();
      }
    }
    this.header = null;
    this.members++;
    this.memberOut = 0;
    this.raw.startMember();
    this.phase = P_DEFLATE;
  }

  /** Checks the member trailer (CRC-32 and ISIZE). */
  private async trailer(): Promise<void> {
    if (!(await this.need(8))) throw this.truncated();
    checkTrailer(this.raw.input().subarray(0, 8), this.compressedPos, this.raw.crc, this.memberOut);
    this.raw.consume(8);
    this.phase = P_BETWEEN;
  }

  /** After a member: another member, zero padding, the end, or trailing data (a warning). */
  private async between(): Promise<void> {
    for (;;) {
      if (this.raw.buffered === 0 && !(await this.refill())) {
        this.phase = P_END;
        return;
      }
      const a = scanAfterMember(this.raw.input(), this.eof);
      this.raw.consume(a.skip);
      if (a.kind === 'member') {
        this.phase = P_HEADER;
        return;
      }
      if (a.kind === 'garbage') {
        this.opts.onWarning?.(trailingDataWarning(this.compressedPos));
        this.phase = P_END;
        return;
      }
      // All zeros so far (or a lone 1f): more input decides; none means padding to the end.
      if (!(await this.refill())) {
        if (this.raw.buffered > 0) this.opts.onWarning?.(trailingDataWarning(this.compressedPos));
        this.phase = P_END;
        return;
      }
    }
  }

  /**
   * Takes a seek point at the current position.
   * @returns the point, or null outside a member's deflate data
   */
  snapshot(): SeekPoint | null {
    if (this.phase !== P_DEFLATE) return null;
    return {
      out: this.totalOut,
      in: this.compressedPos,
      memberOut: this.memberOut,
      state: this.raw.snapshotState(),
      window: this.raw.lastOutput(this.history),
    };
  }

  /**
   * Decodes until the output window is full ('full'), `totalOut` reaches `stopAt` ('stop'),
   * or the stream is over ('end').
   * @throws {DecompressionError} corrupt or truncated data (code and compressed offset)
   * @throws {LimitError} output past `maxOutputLength` ('OUTPUT_LIMIT')
   * @throws `AbortError` when the signal aborts
   */
  async pump(stopAt = Number.POSITIVE_INFINITY): Promise<PumpResult> {
    for (;;) {
      throwIfAborted(this.opts.signal);
      switch (this.phase) {
        case P_HEADER:
          await this.parseHeader();
          continue;
        case P_TRAILER:
          await this.trailer();
          continue;
        case P_BETWEEN:
          await this.between();
          continue;
        case P_END:
          return 'end';
      }
      if (this.totalOut >= stopAt) return 'stop';
      if (this.raw.windowRoom <= 0) return 'full';
      let room = Math.min(this.raw.windowRoom, stopAt - this.totalOut, MAX_CALL_OUTPUT);
      // Output past the cap is an error only if it was wanted (the caller's stop lies beyond).
      let capped = false;
      if (this.max < stopAt && this.max - this.totalOut <= room) {
        room = Math.max(0, this.max - this.totalOut);
        capped = true;
      }
      if (this.index) {
        const next = (Math.floor(this.totalOut / this.index.spacing) + 1) * this.index.spacing;
        if (next - this.totalOut < room) {
          room = next - this.totalOut;
          capped = false;
        }
      }
      const r = this.raw.run(room, this.eof);
      this.totalOut += r.produced;
      this.memberOut += r.produced;
      if (r.status < 0) throw statusError(r.status, this.srcPos - r.errorBack, this.max);
      if (r.status === OUTPUT_FULL) {
        if (capped && this.totalOut >= this.max) throw outputLimitError(this.max);
        if (this.index?.wants(this.totalOut)) this.index.add(this.snapshot()!);
      } else if (r.status === NEED_INPUT) {
        await this.refill();
      } else if (r.status === STREAM_END) {
        this.phase = P_TRAILER;
      } else if (r.status !== YIELD) {
        throw new WasmError(`inflate kernel returned status ${r.status}`, { code: 'BAD_ARGUMENT' });
      }
      if (now() - this.lastYield > YIELD_MS) {
        await yieldToEventLoop();
        this.lastYield = now();
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Whole-buffer gunzip.

/** Options of `gunzipWasm`. */
export interface GunzipOptions {
  /** Total output allowed (LimitError 'OUTPUT_LIMIT' past it). */
  maxOutputLength?: number;
  signal?: AbortSignal;
  /** Receives the TRAILING_DATA warning. */
  onWarning?: (w: HeaderWarning) => void;
}

/** Largest output region one memory can hold next to the driver's overhead. */
const MAX_OUTPUT_REGION = MAX_MEMORY_BYTES - 2 * 65536 - GzipStream.overhead();

/**
 * First guess of the output size: ISIZE of the last member when it is plausible for a
 * single member, else a multiple of the input, always within 1032× the input and the cap.
 * @param bytes the whole .gz
 * @param cap `maxOutputLength`
 * @returns bytes to reserve first (growth doubles it if the stream holds more)
 */
export function estimateOutput(bytes: Uint8Array, cap: number): number {
  const n = bytes.byteLength;
  const bound = Math.min(cap, n * MAX_RATIO, MAX_OUTPUT_REGION);
  let guess = 4 * n;
  if (n >= 18) {
    const isize = new DataView(bytes.buffer, bytes.byteOffset + n - 4, 4).getUint32(0, true);
    // A single member's output is at least its stored payload (~n - 18); less means more
    // members (ISIZE is the last one's) or a size past 4 GiB.
    if (isize >= (n - 18) * 0.99) guess = isize;
  }
  return Math.max(0, Math.min(guess, bound));
}

/**
 * Decodes a whole gzip buffer (all members, CRC and length checked) in WebAssembly.
 * Large outputs are written straight into a memory of their own and returned as a view of
 * it (never detached: that memory never grows); small ones are decoded in pooled scratch
 * space and copied out.
 * @param bytes the .gz bytes
 * @param opts cap, abort, warnings
 * @returns the data, or `null` when WebAssembly is disabled
 * @throws {DecompressionError} corrupt or truncated data
 * @throws {LimitError} past `maxOutputLength`, or past 4 GiB (one memory)
 */
export async function gunzipWasm(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array | null> {
  const module = await getWasmModule();
  if (!module) return null;
  const cap = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
  const source = new BufferSource(bytes);
  let est = estimateOutput(bytes, cap);
  if (est <= SMALL_OUTPUT || !canCreateArena()) {
    return collect(source, 0, Number.POSITIVE_INFINITY, { ...opts, maxOutputLength: cap }, null, Math.max(est, 64));
  }
  let arena = WasmArena.createSync(module, GzipStream.overhead() + est + 4 * ALIGN);
  let base = arena.alloc(est, ALIGN);
  const inf = new GzipStream(arena, source, { ...opts, maxOutputLength: cap });
  inf.attach(base, est);
  for (;;) {
    const r = await inf.pump();
    if (r === 'end') break;
    // The guess was short (several members, or ISIZE lied): move to a memory twice as large.
    const next = Math.min(Math.max(est * 2, est + (1 << 20)), cap, MAX_OUTPUT_REGION);
    if (next <= est) {
      throw new LimitError('gzip: the decompressed data does not fit in one WebAssembly memory (4 GiB); read it through GzipSource', {
        code: 'WASM_MEMORY_LIMIT',
        limit: MAX_OUTPUT_REGION,
        requested: est + 1,
      });
    }
    const bigger = WasmArena.createSync(module, GzipStream.overhead() + next + 4 * ALIGN);
    base = bigger.alloc(next, ALIGN);
    inf.moveTo(bigger, base, next);
    arena = bigger;
    est = next;
  }
  const n = inf.totalOut;
  // An over-large guess would pin a mostly empty memory: copy out instead.
  if (n < est / 2 && est - n > SMALL_OUTPUT) return arena.u8(base, n).slice();
  return arena.u8(base, n);
}

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

/**
 * Test mode for reliability.md case 61: decodes `bytes` with the input flush against the
 * end of a memory of its own (so any read past the input traps) and the output between two
 * 64-byte canaries, which are checked afterwards.
 * @param bytes the .gz
 * @param opts output cap (default 1032× the input, at most 256 MiB) and read size
 * @returns the output and whether both canaries are intact; `null` without WebAssembly
 * @throws {DecompressionError} as `gunzipWasm`; a trap would surface as a `WebAssembly.RuntimeError`
 */
export async function gunzipGuarded(
  bytes: Uint8Array,
  opts: { maxOutputLength?: number; chunkSize?: number } = {},
): Promise<{ output: Uint8Array; canariesIntact: boolean } | null> {
  const module = await getWasmModule();
  if (!module) return null;
  const cap = opts.maxOutputLength ?? Math.min(bytes.byteLength * MAX_RATIO + 1024, 1 << 28);
  const chunk = opts.chunkSize ?? CHUNK_BYTES;
  const CANARY = 64;
  const arena = WasmArena.createSync(module, GzipStream.overhead(chunk) + cap + 2 * CANARY + 8 * ALIGN);
  const guard = arena.alloc(cap + 2 * CANARY, ALIGN);
  const mem = () => new Uint8Array(arena.memory.buffer);
  mem().fill(0xa5, guard, guard + CANARY);
  mem().fill(0x5a, guard + CANARY + cap, guard + 2 * CANARY + cap);
  const inf = new GzipStream(arena, new BufferSource(bytes), { maxOutputLength: cap, chunkSize: chunk, inputAtEnd: true });
  inf.attach(guard + CANARY, cap);
  const r = await inf.pump();
  if (r !== 'end') throw outputLimitError(cap);
  const m = mem();
  const intact = m.subarray(guard, guard + CANARY).every((v) => v === 0xa5) &&
    m.subarray(guard + CANARY + cap, guard + 2 * CANARY + cap).every((v) => v === 0x5a);
  return { output: m.slice(guard + CANARY, guard + CANARY + inf.totalOut), canariesIntact: intact };
}
