/**
 * The raw DEFLATE inflater in one `WasmArena` (RFC 1951, the kernel of wasm/inflate.ts): the
 * only TypeScript that knows the kernel's pointers. It manages memory windows and nothing
 * else — no gzip framing, no I/O, no seek index (src/codecs/gzip-stream.ts drives it).
 *
 * - State: a kernel state block in the arena; `snapshotState`/`restore` copy it out and back
 *   (it is position-independent: bit buffer, Huffman tables, running CRC-32).
 * - Input: a buffer in the arena that the driver `feed`s and the kernel consumes; `input()`
 *   is a view of the bytes not yet consumed (the driver parses gzip headers and trailers in
 *   it and `consume`s them).
 * - Output: a window the driver `attach`es — the final array's memory, a ring in scratch
 *   space, or a growing region. When a window is attached, the match history (up to 32 KiB
 *   of the current member's output) is copied in front of it, so the driver leaves `WINDOW`
 *   bytes of lead before any window but the first.
 */
import { WasmError } from '../errors.js';
import type { WasmExports } from './exports.js';
import type { WasmArena } from './memory.js';

/** Match history of deflate: 32 KiB. */
export const WINDOW = 32768;
/** Alignment of every region the inflater allocates. */
export const ALIGN = 64;
/** Bytes reserved for the kernel state block (wasm/inflate.ts STATE_SIZE is 12672). */
const STATE_RESERVE = 16384;
/** Headroom of the input buffer for bytes the kernel hands back (it promises <= 1024). */
const TAIL_RESERVE = 4096;

/** Input-buffer size for reads of up to `chunk` bytes. */
function inputCapacity(chunk: number): number {
  return chunk + TAIL_RESERVE;
}

/** A raw inflate session's memory in one arena (see the file comment). */
export class RawInflater {
  private arena: WasmArena;
  private x: WasmExports;
  private s: number;
  private inBuf: number;
  private readonly inCap: number;
  private inPos: number;
  private inEnd: number;
  private readonly inputAtEnd: boolean;
  private pendingWindow: Uint8Array | null = null;
  /** Lowest address a match may copy from. */
  private histLow = 0;
  private outBase = 0;
  private outPos = 0;
  private outEnd = 0;

  /**
   * Allocates the state block and the input buffer in `arena` (released with the caller's
   * arena mark) and initialises the kernel.
   * @param arena where everything lives
   * @param chunk the largest `feed` (bytes)
   * @param opts `inputAtEnd`: test mode, keep the input flush against the end of the
   *   memory so an over-read traps
   */
  constructor(arena: WasmArena, chunk: number, opts: { inputAtEnd?: boolean } = {}) {
    this.arena = arena;
    this.x = arena.exports;
    if (this.x.inflate_state_size() > STATE_RESERVE || this.x.inflate_max_tail() > TAIL_RESERVE) {
      throw new WasmError('the inflate kernel needs more state than the driver reserves', { code: 'BAD_ARGUMENT' });
    }
    this.s = arena.alloc(STATE_RESERVE, ALIGN);
    this.inCap = inputCapacity(chunk);
    this.inputAtEnd = opts.inputAtEnd ?? false;
    if (this.inputAtEnd) {
      // Everything left, so the buffer ends at the last byte of the memory.
      const start = Math.ceil(arena.mark() / ALIGN) * ALIGN;
      this.inBuf = arena.alloc(arena.byteLength - start, ALIGN);
    } else {
      this.inBuf = arena.alloc(this.inCap, ALIGN);
    }
    this.inPos = this.inEnd = this.inputBase(0);
    // Pooled scratch memory holds whatever the last user left there.
    this.x.inflate_init(this.s);
  }

  /**
   * Bytes an arena needs for one session besides the output windows.
   * @param chunk the largest `feed`
   * @returns bytes, alignment included
   */
  static overhead(chunk: number): number {
    return STATE_RESERVE + inputCapacity(chunk) + 3 * ALIGN;
  }

  private get mem(): Uint8Array {
    return new Uint8Array(this.arena.memory.buffer);
  }

  private inputBase(len: number): number {
    return this.inputAtEnd ? this.arena.byteLength - len : this.inBuf;
  }

  // ------------------------------------------------------------------------- state

  /** Starts a new member's deflate data (no history, CRC 0). */
  startMember(): void {
    this.x.inflate_reset(this.s);
    this.histLow = this.outPos;
  }

  /** A copy of the kernel state (a seek point's `state`). */
  snapshotState(): Uint8Array {
    return this.arena.u8(this.s, this.x.inflate_state_size()).slice();
  }

  /**
   * Resumes from a seek point: its state now, its window in front of the next `attach`.
   * @param state a `snapshotState()` copy
   * @param window the output before the point (up to 32 KiB), or null
   */
  restore(state: Uint8Array, window: Uint8Array | null): void {
    this.arena.u8(this.s, state.byteLength).set(state);
    this.pendingWindow = window;
  }

  /** CRC-32 of the current member's output so far. */
  get crc(): number {
    return this.x.inflate_crc(this.s) >>> 0;
  }

  // ------------------------------------------------------------------------- input

  /** Input bytes fed and not yet consumed. */
  get buffered(): number {
    return this.inEnd - this.inPos;
  }

  /** Room for the next `feed`. */
  get room(): number {
    return this.inCap - this.buffered;
  }

  /** A view of the unconsumed input (valid until the next `feed` or `run`). */
  input(): Uint8Array {
    return this.arena.u8(this.inPos, this.inEnd - this.inPos);
  }

  /**
   * Consumes `n` input bytes the driver parsed itself (a gzip header or trailer).
   * @param n bytes, at most `buffered`
   */
  consume(n: number): void {
    this.inPos += Math.min(n, this.inEnd - this.inPos);
  }

  /**
   * Appends input after the unconsumed bytes (moved to the start of the buffer).
   * @param bytes at most `room` bytes
   */
  feed(bytes: Uint8Array): void {
    const tail = this.inEnd - this.inPos;
    const base = this.inputBase(tail + bytes.byteLength);
    const mem = this.mem;
    if (base !== this.inPos) mem.copyWithin(base, this.inPos, this.inEnd);
    mem.set(bytes, base + tail);
    this.inPos = base;
    this.inEnd = base + tail + bytes.byteLength;
  }

  // ------------------------------------------------------------------------- output

  /** Bytes in the attached window so far. */
  get windowFill(): number {
    return this.outPos - this.outBase;
  }

  /** Room left in the attached window. */
  get windowRoom(): number {
    return this.outEnd - this.outPos;
  }

  /** Address of the attached window (opaque: for `arena.u8` and the caller's bookkeeping). */
  get windowBase(): number {
    return this.outBase;
  }

  /**
   * Makes [ptr, ptr + len) the output window. Unless it continues exactly where output
   * stands, `history` bytes of match history are copied to the bytes before `ptr`, which
   * the caller must own (a restored seek point's window is used instead when pending).
   * @param ptr first byte of the window (an address from the arena's allocator)
   * @param len bytes
   * @param history bytes of the current member's output a match may still reach (≤ 32 KiB)
   */
  attach(ptr: number, len: number, history: number): void {
    if (this.pendingWindow) {
      const win = this.pendingWindow;
      this.mem.set(win.subarray(win.byteLength - history), ptr - history);
      this.pendingWindow = null;
    } else if (ptr !== this.outPos && history > 0) {
      this.mem.copyWithin(ptr - history, this.outPos - history, this.outPos);
    }
    this.outBase = ptr;
    this.outPos = ptr;
    this.outEnd = ptr + len;
    this.histLow = ptr - history;
  }

  /**
   * A copy of the last `n` output bytes (a seek point's window).
   * @param n bytes, at most the history available
   */
  lastOutput(n: number): Uint8Array {
    return this.mem.slice(this.outPos - n, this.outPos);
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

  // ------------------------------------------------------------------------- kernel

  /**
   * Runs the kernel on the buffered input into the window, writing at most `room` bytes.
   * @param room most output bytes (≤ `windowRoom`)
   * @param final whether no input follows what is buffered
   * @returns the kernel status (src/wasm/status.ts) and the bytes it wrote; for an error
   *   status, `errorBack`: how many buffered bytes before the end of the input the fault lies
   */
  run(room: number, final: boolean): { status: number; produced: number; errorBack: number } {
    const st = this.x.inflate_raw(this.s, this.inPos, this.inEnd, this.outPos, this.outPos + room, this.histLow, final ? 1 : 0);
    const out = this.x.inflate_out(this.s) >>> 0;
    const produced = out - this.outPos;
    this.outPos = out;
    if (st < 0) return { status: st, produced, errorBack: this.inEnd - (this.x.inflate_err_pos(this.s) >>> 0) };
    this.inPos = this.x.inflate_in(this.s) >>> 0;
    return { status: st, produced, errorBack: 0 };
  }
}
