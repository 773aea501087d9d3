/**
 * The gzip stream decoder (RFC 1952 around the raw inflater of src/wasm/inflater.ts): one
 * decode session over a compressed `ByteSource`, the gzip framing of gzip-framing.ts, the
 * seek index of seek-index.ts.
 *
 * A `GzipStream` pulls compressed bytes in chunks (64 KiB first, doubling to 1 MiB, so a
 * header read costs little and a 2 GB stream is never in memory at once; a decode resumed
 * from a seek point reads its span at once), parses member headers and trailers, and runs
 * the inflater, which writes output straight into the attached window. It stops when the
 * window is full, when a requested output position is reached (`pump(stopAt)`), or at the
 * end of the stream. While decoding it records seek points into the index. Reads of output
 * ranges over a session are gzip-ranges.ts; whole-buffer gunzip is gzip.ts.
 *
 * Policy (reliability.md §2.3, gzip-framing.ts): members are decoded while the next bytes
 * start `1f 8b`; every member's CRC-32 and ISIZE are checked when its trailer is reached;
 * zero bytes after the last member are padding; any other trailing bytes end the stream
 * with a `TRAILING_DATA` warning (not an error). `maxOutputLength` caps the total output:
 * the kernel never writes past it, and output that would pass it is a `LimitError`
 * ('OUTPUT_LIMIT'). ISIZE is only a size hint, clamped to 1032× the compressed size.
 */
import { type HeaderWarning, WasmError, throwIfAborted } from '../errors.js';
import { Staging } from '../io/staged-read.js';
import type { ByteSource } from '../io/types.js';
import { RawInflater, WINDOW } from '../wasm/inflater.js';
import type { WasmArena } from '../wasm/memory.js';
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

/**
 * A macrotask turn (not a microtask), so timers, abort handlers and messages waiting for this
 * thread can run (a parallel chunk looks for an offered window this way: gzip-chunk.ts).
 * Node's `setImmediate` comes after the poll phase, which delivers port messages.
 */
export function yieldToEventLoop(): Promise<void> {
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
   * Every read is copied into the input buffer as soon as it is taken: one staging buffer
   * serves them all. The next chunk is read ahead while the current one is decoded
   * (`Staging.readAhead`: Blob and HTTP reads happen off the main thread; `npm run bench`,
   * Chromium: File → getFdata had spent ~40% of its time waiting on reads), once chunks have
   * grown to full size, so a header-only read asks for nothing extra.
   */
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
    // A source returning more than asked must not write past the buffer.
    const bytes = (await this.staging.read(this.srcPos, want, { signal: this.opts.signal })).subarray(0, want);
    throwIfAborted(this.opts.signal);
    this.raw.feed(bytes);
    this.staging.release(bytes);
    this.srcPos += bytes.byteLength;
    const size = this.source.size;
    if (bytes.byteLength < want || (size !== undefined && this.srcPos >= size)) this.eof = true;
    if (!this.eof && this.chunk === this.maxChunk) this.staging.readAhead(this.srcPos, this.chunk, { signal: this.opts.signal });
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
