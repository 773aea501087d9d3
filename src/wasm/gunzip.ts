/**
 * The gzip driver (RFC 1952 around the RFC 1951 kernel of wasm/inflate.ts): the only
 * TypeScript that knows the kernel's pointers.
 *
 * An `Inflater` lives in one `WasmArena`: a kernel state block and an input buffer it
 * allocates there, and an output window the caller attaches (`attach`). It pulls compressed
 * bytes from a `ByteSource` in chunks (64 KiB first, doubling to 1 MiB, so a header read
 * costs little and a 2 GB stream is never in memory at once), parses gzip headers and
 * trailers itself, and runs the kernel, which writes output straight into the attached
 * window. It stops when the window is full, when a requested output position is reached
 * (`pump(stopAt)`), or at the end of the stream. Output windows can be the final array's
 * memory, a ring in scratch space (skipping or copying out), or a growing region; when a
 * new window is attached, the last 32 KiB of output (the match history) is copied in front
 * of it, so the caller leaves `WINDOW` bytes of lead before any window but the first.
 *
 * Policy (reliability.md §2.3): members are decoded while the next bytes start `1f 8b`;
 * every member's CRC-32 and ISIZE are checked when its trailer is reached; zero bytes after
 * the last member are padding; any other trailing bytes end the stream with a
 * `TRAILING_DATA` warning (not an error). `maxOutputLength` caps the total output: the
 * kernel never writes past it, and output that would pass it is a `LimitError`
 * ('OUTPUT_LIMIT'). ISIZE is only a size hint, clamped to 1032× the compressed size.
 *
 * Seek points (DESIGN.md, "Reading only what is needed"; zlib's zran.c): while decoding,
 * every pass — a slice, a volume, a whole array — records the kernel state
 * (position-independent: bit buffer, tables, CRC; ~12.4 KiB) plus the last 32 KiB of output
 * at every multiple of `SeekIndex.spacing` output bytes: 1 MiB, so the index is ~4.3 % of
 * the output, until it would pass `MAX_INDEX_BYTES` (256 MiB, a ~6 GB stream); then the
 * spacing doubles. A later read resumes from the nearest point, and reads its compressed
 * input in one request sized from the points around it.
 */
import { type HeaderWarning, LimitError, WasmError, throwIfAborted } from '../errors.js';
import { BufferSource } from '../io/buffer-source.js';
import { Staging } from '../io/staged-read.js';
import type { ByteSource } from '../io/types.js';
import type { WasmExports } from './exports.js';
import { getWasmModule } from './load.js';
import { MAX_MEMORY_BYTES, WasmArena, canCreateArena, withScratchArena } from './memory.js';
import {
  NEED_INPUT, OUTPUT_FULL, STREAM_END, YIELD, decompressionError, outputLimitError, statusError,
} from './status.js';

/** Match history of deflate: 32 KiB. */
export const WINDOW = 32768;
/** Compressed bytes pulled per read once warmed up. */
export const CHUNK_BYTES = 1 << 20;
/** The first read of a decode session (header reads stay cheap). */
export const FIRST_CHUNK_BYTES = 64 * 1024;
/** Output ring for skipped or copied-out output (after its WINDOW prefix). */
export const RING_BYTES = 256 * 1024;
/** Bytes reserved for the kernel state block (wasm/inflate.ts STATE_SIZE is 12672). */
const STATE_RESERVE = 16384;
/** Headroom of the input buffer for bytes the kernel hands back (it promises <= 1024). */
const TAIL_RESERVE = 4096;
/** Most bytes the seek points of one stream may hold before the spacing doubles. */
export const MAX_INDEX_BYTES = 256 << 20;
/** Initial output spacing of seek points. */
export const SEEK_SPACING = 1 << 20;
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

/** Alignment of every region the driver allocates. */
const ALIGN = 64;

/** Input-buffer size for a given chunk size. */
function inputCapacity(chunk: number): number {
  return chunk + TAIL_RESERVE;
}

/** A resumable position in the uncompressed stream (see the file comment). */
export interface SeekPoint {
  /** Uncompressed offset of the next output byte. */
  readonly out: number;
  /** Compressed offset of the next input byte to feed. */
  readonly in: number;
  /** Output bytes of the current member before this point (for ISIZE and the window). */
  readonly memberOut: number;
  /** The kernel state block (null: at the start of the stream). */
  readonly state: Uint8Array | null;
  /** The last min(32 KiB, memberOut) output bytes. */
  readonly window: Uint8Array | null;
}

const START: SeekPoint = { out: 0, in: 0, memberOut: 0, state: null, window: null };

/**
 * The seek points of one gzip stream, shared by every decode of it. Grid points sit at
 * multiples of `spacing`; two "recent" points remember where the last reads stopped, so
 * sequential reads continue instead of restarting from a grid point.
 */
export class SeekIndex {
  /** Output spacing of grid points (a power of two, >= SEEK_SPACING). */
  spacing = SEEK_SPACING;
  /** Bytes the grid may hold before its spacing doubles. */
  readonly maxBytes: number;
  private readonly grid = new Map<number, SeekPoint>();
  private gridBytes = 0;
  private recent: SeekPoint[] = [];

  /** @param maxBytes bytes the grid may hold before its spacing doubles (default `MAX_INDEX_BYTES`) */
  constructor(maxBytes = MAX_INDEX_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Number of grid points held. */
  get size(): number {
    return this.grid.size;
  }

  /** Bytes held by all points (states and windows). */
  get byteLength(): number {
    let n = this.gridBytes;
    for (const p of this.recent) n += pointBytes(p);
    return n;
  }

  /**
   * The point to resume from for a read at `offset`.
   * @param offset uncompressed offset
   * @returns the point with the largest `out` <= `offset` (the stream start if none)
   */
  nearest(offset: number): SeekPoint {
    let best = START;
    const k = Math.floor(offset / this.spacing);
    for (let i = k; i > 0; i--) {
      const p = this.grid.get(i * this.spacing);
      if (p) {
        best = p;
        break;
      }
    }
    for (const p of this.recent) if (p.out <= offset && p.out > best.out) best = p;
    return best;
  }

  /**
   * Compressed bytes a decode resuming at `from` needs to reach output offset `to`: from
   * the grid point at or after `to` (linearly between its neighbours), else by the ratio
   * of the furthest point known; with 1/16 + 4 KiB to spare. NaN when nothing is known.
   * @param from the point the decode resumes from
   * @param to the uncompressed offset it must reach
   * @returns a byte count, or NaN
   */
  inputFor(from: SeekPoint, to: number): number {
    let after: SeekPoint | undefined;
    let before: SeekPoint = from;
    let furthest: SeekPoint | undefined;
    for (const p of this.grid.values()) {
      if (!furthest || p.out > furthest.out) furthest = p;
      if (p.out >= to && (!after || p.out < after.out)) after = p;
      if (p.out < to && p.out > before.out) before = p;
    }
    let end: number;
    if (after) {
      const span = after.out - before.out;
      end = span > 0 ? before.in + ((to - before.out) / span) * (after.in - before.in) : after.in;
    } else if (furthest && furthest.out > 0) {
      end = before.in + (to - before.out) * (furthest.in / furthest.out);
    } else {
      return Number.NaN;
    }
    const need = Math.max(0, end - from.in);
    return Math.ceil(need + need / 16) + 4096;
  }

  /**
   * Whether a grid point should be recorded here.
   * @param out uncompressed offset
   * @returns true when `out` is on the grid and no point is held there
   */
  wants(out: number): boolean {
    return out > 0 && out % this.spacing === 0 && !this.grid.has(out);
  }

  /**
   * Records a grid point, thinning the grid (doubling the spacing) when it would hold more
   * than `maxBytes`.
   * @param p the point (ignored unless it lies on the grid)
   */
  add(p: SeekPoint): void {
    if (p.out % this.spacing !== 0 || this.grid.has(p.out)) return;
    this.grid.set(p.out, p);
    this.gridBytes += pointBytes(p);
    while (this.gridBytes > this.maxBytes && this.grid.size > 1) {
      this.spacing *= 2;
      for (const [out, q] of [...this.grid]) {
        if (out % this.spacing === 0) continue;
        this.grid.delete(out);
        this.gridBytes -= pointBytes(q);
      }
    }
  }

  /**
   * Remembers where a read stopped (at most two such points, newest first).
   * @param p the point
   */
  addRecent(p: SeekPoint): void {
    this.recent = [p, ...this.recent.filter((q) => q.out !== p.out)].slice(0, 2);
  }
}

function pointBytes(p: SeekPoint): number {
  return (p.state?.byteLength ?? 0) + (p.window?.byteLength ?? 0);
}

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
export class Inflater {
  private arena: WasmArena;
  private x: WasmExports;
  private s: number;
  private inBuf: number;
  private readonly inCap: number;
  private inPos: number;
  private inEnd: number;
  /** Compressed offset of the byte at `inEnd`. */
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
  private lastYield = now();
  private pendingWindow: Uint8Array | null = null;

  /** Start of the attached output window (address). */
  outBase = 0;
  /** Next output address. */
  outPos = 0;
  /** End of the attached output window. */
  outEnd = 0;
  /** Lowest address a match may copy from. */
  private histLow = 0;

  /** Uncompressed bytes produced so far (the offset of the byte at `outPos`). */
  totalOut = 0;
  /** Output of the current member so far. */
  private memberOut = 0;
  /** Members started so far. */
  members = 0;

  /**
   * Sets up a session in `arena`: allocates the state block and the input buffer there
   * (released with the caller's arena mark).
   * @param arena where everything lives
   * @param source the compressed bytes
   * @param opts limits, callbacks, seek index
   * @param from where to start (a seek point; default the stream start)
   */
  constructor(arena: WasmArena, source: ByteSource, opts: InflaterOptions = {}, from: SeekPoint = START) {
    this.arena = arena;
    this.x = arena.exports;
    this.source = source;
    this.staging = new Staging(source);
    this.opts = opts;
    this.max = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
    this.index = opts.index;
    this.maxChunk = opts.chunkSize ?? CHUNK_BYTES;
    this.chunk = Math.min(opts.firstChunkSize ?? FIRST_CHUNK_BYTES, this.maxChunk);
    if (this.x.inflate_state_size() > STATE_RESERVE || this.x.inflate_max_tail() > TAIL_RESERVE) {
      throw new WasmError('the inflate kernel needs more state than the driver reserves', { code: 'BAD_ARGUMENT' });
    }
    this.s = arena.alloc(STATE_RESERVE, ALIGN);
    this.inCap = inputCapacity(this.maxChunk);
    if (opts.inputAtEnd) {
      // Everything left, so the buffer ends at the last byte of the memory.
      const start = Math.ceil(arena.mark() / ALIGN) * ALIGN;
      this.inBuf = arena.alloc(arena.byteLength - start, ALIGN);
    } else {
      this.inBuf = arena.alloc(this.inCap, ALIGN);
    }
    this.inPos = this.inEnd = this.inputBase(0);
    this.srcPos = from.in;
    this.totalOut = from.out;
    if (!from.state) {
      // Pooled scratch memory holds whatever the last user left there.
      this.x.inflate_init(this.s);
    } else {
      this.arena.u8(this.s, from.state.byteLength).set(from.state);
      this.memberOut = from.memberOut;
      this.pendingWindow = from.window;
      this.phase = P_DEFLATE;
    }
  }

  /**
   * Bytes an arena needs for one session besides the output windows.
   * @param chunk compressed bytes per read (default 1 MiB)
   * @returns bytes, alignment included
   */
  static overhead(chunk = CHUNK_BYTES): number {
    return STATE_RESERVE + inputCapacity(chunk) + 3 * ALIGN;
  }

  /** True once the whole stream (and what follows it) has been decoded. */
  get ended(): boolean {
    return this.phase === P_END;
  }

  /** Compressed offset of the next byte the session will consume. */
  get compressedPos(): number {
    return this.srcPos - (this.inEnd - this.inPos);
  }

  /** Where input data starts for `len` bytes in the buffer (the end-of-memory test mode aligns it to the end). */
  private inputBase(len: number): number {
    return this.opts.inputAtEnd ? this.arena.byteLength - len : this.inBuf;
  }

  private offsetOf(ptr: number): number {
    return this.srcPos - (this.inEnd - ptr);
  }

  private get mem(): Uint8Array {
    return new Uint8Array(this.arena.memory.buffer);
  }

  /**
   * Makes [ptr, ptr + len) the output window. Unless it continues exactly where output
   * stands, the match history (up to 32 KiB, within the current member) is copied to the
   * bytes before `ptr`, which the caller must own.
   * @param ptr first byte of the window (address in this session's arena)
   * @param len bytes
   */
  attach(ptr: number, len: number): void {
    const w = this.phase === P_DEFLATE ? Math.min(WINDOW, this.memberOut) : 0;
    if (this.pendingWindow) {
      const win = this.pendingWindow;
      this.mem.set(win.subarray(win.byteLength - w), ptr - w);
      this.pendingWindow = null;
    } else if (ptr !== this.outPos && w > 0) {
      this.mem.copyWithin(ptr - w, this.outPos - w, this.outPos);
    }
    this.outBase = ptr;
    this.outPos = ptr;
    this.outEnd = ptr + len;
    this.histLow = ptr - w;
  }

  /**
   * Moves the session into `to` (a larger arena): its state, unread input and all output of
   * the current window, which continues at `outBase` there. The old arena is no longer used.
   * @param to the new arena (with room for `overhead()` besides the window)
   * @param outBase where the window starts in `to`
   * @param outCap the window's size in bytes
   */
  moveTo(to: WasmArena, outBase: number, outCap: number): void {
    const from = this.mem;
    const s = to.alloc(STATE_RESERVE, ALIGN);
    const inBuf = to.alloc(this.inCap, ALIGN);
    const dst = new Uint8Array(to.memory.buffer);
    dst.set(from.subarray(this.s, this.s + STATE_RESERVE), s);
    const tail = this.inEnd - this.inPos;
    dst.set(from.subarray(this.inPos, this.inEnd), inBuf);
    const produced = this.outPos - this.outBase;
    dst.set(from.subarray(this.outBase, this.outPos), outBase);
    const hist = this.outPos - this.histLow;
    this.arena = to;
    this.x = to.exports;
    this.s = s;
    this.inBuf = inBuf;
    this.inPos = inBuf;
    this.inEnd = inBuf + tail;
    this.outBase = outBase;
    this.outPos = outBase + produced;
    this.outEnd = outBase + outCap;
    this.histLow = this.outPos - hist;
  }

  /** Reads more compressed bytes after the unconsumed ones; false at the end of the source. */
  private async refill(): Promise<boolean> {
    if (this.eof) return false;
    throwIfAborted(this.opts.signal);
    const tail = this.inEnd - this.inPos;
    const want = Math.min(this.chunk, this.inCap - tail);
    const ahead = this.ahead;
    this.ahead = null;
    const read = ahead && ahead.pos === this.srcPos && ahead.len <= want
      ? ahead.bytes
      : this.staging.read(this.srcPos, want, { signal: this.opts.signal });
    // A source returning more than asked must not write past the buffer.
    const bytes = (await read).subarray(0, want);
    throwIfAborted(this.opts.signal);
    const base = this.inputBase(tail + bytes.byteLength);
    const mem = this.mem;
    if (base !== this.inPos) mem.copyWithin(base, this.inPos, this.inEnd);
    mem.set(bytes, base + tail);
    this.staging.release(bytes);
    this.inPos = base;
    this.inEnd = base + tail + bytes.byteLength;
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
    while (this.inEnd - this.inPos < n) {
      if (!(await this.refill())) return false;
    }
    return true;
  }

  private truncated(): Error {
    return decompressionError('TRUNCATED', this.srcPos);
  }

  /** Consumes `n` header bytes into the running header CRC. */
  private take(n: number, hcrc: number): number {
    const c = this.x.crc32(hcrc, this.inPos, n) >>> 0;
    this.inPos += n;
    return c;
  }

  /** Parses one gzip member header (RFC 1952 §2.3). */
  private async header(): Promise<void> {
    const start = this.compressedPos;
    if (!(await this.need(10))) {
      // Identify a wrong magic even in a short input.
      this.checkMagic(this.inEnd - this.inPos, start);
      throw this.truncated();
    }
    this.checkMagic(10, start);
    const m = this.mem;
    const p = this.inPos;
    if (m[p + 2] !== 8) throw decompressionError('GZIP_BAD_METHOD', start + 2, `method ${m[p + 2]}`);
    const flg = m[p + 3]!;
    if (flg & 0xe0) throw decompressionError('GZIP_RESERVED_FLAGS', start + 3, `FLG 0x${flg.toString(16)}`);
    let hcrc = this.take(10, 0);
    if (flg & 4) {
      // FEXTRA: XLEN, then XLEN bytes (bgzip's BC subfield among them) skipped.
      if (!(await this.need(2))) throw this.truncated();
      let xlen = this.mem[this.inPos]! | (this.mem[this.inPos + 1]! << 8);
      hcrc = this.take(2, hcrc);
      while (xlen > 0) {
        if (this.inEnd === this.inPos && !(await this.refill())) throw this.truncated();
        const n = Math.min(xlen, this.inEnd - this.inPos);
        hcrc = this.take(n, hcrc);
        xlen -= n;
      }
    }
    for (const bit of [8, 16]) {
      // FNAME, FCOMMENT: zero-terminated, any length.
      if (!(flg & bit)) continue;
      for (;;) {
        if (this.inEnd === this.inPos && !(await this.refill())) throw this.truncated();
        const avail = this.mem.subarray(this.inPos, this.inEnd);
        const z = avail.indexOf(0);
        hcrc = this.take(z < 0 ? avail.byteLength : z + 1, hcrc);
        if (z >= 0) break;
      }
    }
    if (flg & 2) {
      // FHCRC: the low 16 bits of the CRC-32 of the header bytes before it.
      if (!(await this.need(2))) throw this.truncated();
      const at = this.compressedPos;
      const stored = this.mem[this.inPos]! | (this.mem[this.inPos + 1]! << 8);
      this.inPos += 2;
      if (stored !== (hcrc & 0xffff)) throw decompressionError('GZIP_HEADER_CRC', at);
    }
    this.members++;
    this.memberOut = 0;
    this.x.inflate_reset(this.s);
    this.histLow = this.outPos;
    this.phase = P_DEFLATE;
  }

  private checkMagic(avail: number, start: number): void {
    const m = this.mem;
    if (avail >= 1 && m[this.inPos] !== 0x1f) throw decompressionError('GZIP_BAD_MAGIC', start);
    if (avail >= 2 && m[this.inPos + 1] !== 0x8b) throw decompressionError('GZIP_BAD_MAGIC', start + 1);
  }

  /** Checks the member trailer (RFC 1952 §2.3.1: CRC32, ISIZE, little-endian). */
  private async trailer(): Promise<void> {
    if (!(await this.need(8))) throw this.truncated();
    const at = this.compressedPos;
    const dv = new DataView(this.arena.memory.buffer, this.inPos, 8);
    const crc = dv.getUint32(0, true);
    const isize = dv.getUint32(4, true);
    const have = this.x.inflate_crc(this.s) >>> 0;
    if (crc !== have) {
      throw decompressionError('GZIP_DATA_CRC', at, `stored ${hex(crc)}, computed ${hex(have)}`);
    }
    if (isize !== this.memberOut % 2 ** 32) {
      throw decompressionError('GZIP_LENGTH', at + 4, `stored ${isize}, decoded ${this.memberOut % 2 ** 32}`);
    }
    this.inPos += 8;
    this.phase = P_BETWEEN;
  }

  /** After a member: another member, zero padding, the end, or trailing garbage (a warning). */
  private async between(): Promise<void> {
    if (this.inEnd === this.inPos && !(await this.refill())) {
      this.phase = P_END;
      return;
    }
    if (this.inEnd === this.inPos) return;
    const m = this.mem;
    const b = m[this.inPos];
    if (b === 0x1f) {
      if (this.inEnd - this.inPos < 2) await this.refill();
      if (this.inEnd - this.inPos >= 2 && m[this.inPos + 1] === 0x8b) {
        this.phase = P_HEADER;
        return;
      }
      return this.garbage();
    }
    if (b !== 0) return this.garbage();
    // Zero padding: acceptable only if nothing but zeros follows.
    for (;;) {
      const avail = this.mem.subarray(this.inPos, this.inEnd);
      const nz = avail.findIndex((v) => v !== 0);
      if (nz >= 0) {
        this.inPos += nz;
        return this.garbage();
      }
      this.inPos = this.inEnd;
      if (!(await this.refill())) break;
    }
    this.phase = P_END;
  }

  private garbage(): void {
    const at = this.compressedPos;
    this.opts.onWarning?.({
      code: 'TRAILING_DATA',
      field: 'gzip',
      message: `gzip: ignoring trailing data at compressed byte ${at} (not a gzip member)`,
      found: at,
    });
    this.phase = P_END;
  }

  /**
   * Takes a seek point at the current position.
   * @returns the point, or null outside a member's deflate data
   */
  snapshot(): SeekPoint | null {
    if (this.phase !== P_DEFLATE) return null;
    const w = Math.min(WINDOW, this.memberOut);
    return {
      out: this.totalOut,
      in: this.compressedPos,
      memberOut: this.memberOut,
      state: this.arena.u8(this.s, this.x.inflate_state_size()).slice(),
      window: this.mem.slice(this.outPos - w, this.outPos),
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
          await this.header();
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
      if (this.outPos >= this.outEnd) return 'full';
      let room = Math.min(this.outEnd - this.outPos, stopAt - this.totalOut, MAX_CALL_OUTPUT);
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
      const st = this.x.inflate_raw(this.s, this.inPos, this.inEnd, this.outPos, this.outPos + room, this.histLow,
        this.eof ? 1 : 0);
      const out = this.x.inflate_out(this.s) >>> 0;
      const produced = out - this.outPos;
      this.outPos = out;
      this.totalOut += produced;
      this.memberOut += produced;
      if (st < 0) throw statusError(st, this.offsetOf(this.x.inflate_err_pos(this.s) >>> 0), this.max);
      this.inPos = this.x.inflate_in(this.s) >>> 0;
      if (st === OUTPUT_FULL) {
        if (capped && this.totalOut >= this.max) throw outputLimitError(this.max);
        if (this.index?.wants(this.totalOut)) this.index.add(this.snapshot()!);
      } else if (st === NEED_INPUT) {
        await this.refill();
      } else if (st === STREAM_END) {
        this.phase = P_TRAILER;
      } else if (st !== YIELD) {
        throw new WasmError(`inflate kernel returned status ${st}`, { code: 'BAD_ARGUMENT' });
      }
      if (now() - this.lastYield > YIELD_MS) {
        await yieldToEventLoop();
        this.lastYield = now();
      }
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
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
const MAX_OUTPUT_REGION = MAX_MEMORY_BYTES - 2 * 65536 - Inflater.overhead();

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
  let arena = WasmArena.createSync(module, Inflater.overhead() + est + 4 * ALIGN);
  let base = arena.alloc(est, ALIGN);
  const inf = new Inflater(arena, source, { ...opts, maxOutputLength: cap });
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
    const bigger = WasmArena.createSync(module, Inflater.overhead() + next + 4 * ALIGN);
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
    const inf = new Inflater(arena, source, sizedFirstRead(opts, start, to), start);
    const ring = arena.alloc(WINDOW + RING_BYTES, ALIGN) + WINDOW;
    const cap = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
    // The result grows by doubling, from the wanted length (or the hint) up to 16 MiB, so a
    // read past an unknown end does not allocate what it asked for up front.
    const want = Math.min(to - from, cap);
    let out = new Uint8Array(Math.min(want, Number.isFinite(to) ? 1 << 24 : Math.max(sizeHint, 1 << 16)));
    let got = 0;
    inf.attach(ring, RING_BYTES);
    for (;;) {
      const r = await inf.pump(to);
      // Copy what this window holds of [from, to).
      const winStart = inf.totalOut - (inf.outPos - inf.outBase);
      const lo = Math.max(from, winStart);
      const hi = Math.min(to, inf.totalOut);
      if (hi > lo) {
        if (hi - from > out.byteLength) {
          const grown = new Uint8Array(Math.min(Math.max(out.byteLength * 2, hi - from), want));
          grown.set(out.subarray(0, got));
          out = grown;
        }
        out.set(arena.u8(inf.outBase + (lo - winStart), hi - lo), lo - from);
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
  return { overhead: Inflater.overhead() + WINDOW + RING_BYTES + ALIGN, lead: offset === 0 ? 0 : WINDOW };
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
 *   (into the ring) so every member's CRC-32 and ISIZE are checked
 * @param onEnd called with the total size when the stream's end is reached
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
  opts: InflaterOptions & { verify?: boolean },
  onEnd: (size: number) => void,
): Promise<void> {
  const mark = arena.mark();
  try {
    const start = opts.index?.nearest(offset) ?? START;
    // A bulk read (a whole array) starts with full-size chunks and the read-ahead at once:
    // growing from 64 KiB left the decoder waiting on four short reads in a row (an idle
    // 13 ms of a 68 ms File → float32 load of the 7 MB MNI volume, Chromium).
    const bulk = offset + length - start.out >= BULK_OUTPUT && opts.firstChunkSize === undefined;
    const inf = new Inflater(arena, source,
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
    if (inf.totalOut < offset) throw short();
    inf.attach(ptr, length);
    // The stream may end exactly at the last byte wanted ('end' with everything out).
    while (inf.totalOut < offset + length && !inf.ended) {
      if ((await inf.pump(offset + length)) === 'full' && inf.totalOut < offset + length) {
        throw new WasmError('gunzip driver: output window full before the requested end', { code: 'BAD_ARGUMENT' });
      }
    }
    if (inf.totalOut < offset + length) throw short();
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
  const arena = WasmArena.createSync(module, Inflater.overhead(chunk) + cap + 2 * CANARY + 8 * ALIGN);
  const guard = arena.alloc(cap + 2 * CANARY, ALIGN);
  const mem = () => new Uint8Array(arena.memory.buffer);
  mem().fill(0xa5, guard, guard + CANARY);
  mem().fill(0x5a, guard + CANARY + cap, guard + 2 * CANARY + cap);
  const inf = new Inflater(arena, new BufferSource(bytes), { maxOutputLength: cap, chunkSize: chunk, inputAtEnd: true });
  inf.attach(guard + CANARY, cap);
  const r = await inf.pump();
  if (r !== 'end') throw outputLimitError(cap);
  const m = mem();
  const intact = m.subarray(guard, guard + CANARY).every((v) => v === 0xa5) &&
    m.subarray(guard + CANARY + cap, guard + 2 * CANARY + cap).every((v) => v === 0x5a);
  return { output: m.slice(guard + CANARY, guard + CANARY + inf.totalOut), canariesIntact: intact };
}
