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
 * - Chunks of a parallel inflate (src/codecs/gzip-chunk.ts): start at a bit position
 *   (`startAtBit`) found by `findBlock`, decode block bodies into 16-bit symbols with markers
 *   for the unknown window (`readHeader` + `runMarkers`), stop before a block header past a
 *   position (`setStop`), and `resolve` markers once the window is known (wasm/inflate-chunk.ts).
 */
import { WasmError } from '../errors.js';
import type { WasmExports } from './exports.js';
import type { WasmArena } from './memory.js';

/** Match history of deflate: 32 KiB. */
export const WINDOW = 32768;
/** Alignment of every region the inflater allocates. */
export const ALIGN = 64;
/** Bytes reserved for the kernel state block (wasm/inflate-state.ts STATE_SIZE is 12672). */
const STATE_RESERVE = 16384;
/** Headroom of the input buffer for bytes the kernel hands back (it promises <= 1024). */
const TAIL_RESERVE = 4096;

/** Offset of the running CRC-32 (u32, little-endian) in a state block (wasm/inflate-state.ts S_CRC). */
const STATE_CRC = 32;

/**
 * Sets the running CRC-32 of a `snapshotState()` copy: a parallel inflate's chunk counts its
 * CRC from where it started, and its seek points get the member's once the chunks before
 * them are known (src/codecs/parallel-gunzip.ts).
 * @param state the copy (changed in place)
 * @param crc the CRC-32 of the member's output before the point
 */
export function setStateCrc(state: Uint8Array, crc: number): void {
  new DataView(state.buffer, state.byteOffset, state.byteLength).setUint32(STATE_CRC, crc >>> 0, true);
}

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

  /** Output bytes a match may reach before the next one (the history and the window so far). */
  get history(): number {
    return this.outPos - this.histLow;
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

  /**
   * Makes [ptr, ptr + len) the output window when the `history` bytes before `ptr` already
   * hold the stream's preceding output (nothing is copied).
   */
  attachAfterHistory(ptr: number, len: number, history: number): void {
    this.pendingWindow = null;
    this.outBase = ptr;
    this.outPos = ptr;
    this.outEnd = ptr + len;
    this.histLow = ptr - history;
  }

  // ------------------------------------------------------------------------- chunks

  /** Bits of the byte before the unconsumed input not yet consumed (0-7). */
  get bitsHeld(): number {
    return this.x.inflate_bits_held(this.s);
  }

  /**
   * Resets the state to read a block header at bit `bit` (0-7) of the first unconsumed input
   * byte (that byte is consumed when `bit` > 0: its high bits go into the bit buffer).
   */
  startAtBit(bit: number): void {
    if (bit > 0) {
      const byte = this.arena.u8(this.inPos, 1)[0]!;
      this.x.inflate_start_bits(this.s, byte >> bit, 8 - bit);
      this.inPos++;
    } else {
      this.x.inflate_start_bits(this.s, 0, 0);
    }
  }

  /**
   * Makes `run` stop (BLOCK_STOP) before the first block header at or past a position given
   * in bits after the first unconsumed input byte's bit 0 (negative: already passed, so the
   * next header stops it); null clears it. Set it again after every `feed` (the input moves).
   */
  setStop(bitsAhead: number | null): void {
    if (bitsAhead === null) {
      this.x.inflate_set_stop(this.s, 0, 0);
      return;
    }
    const abs = this.inPos * 8 + Math.max(Math.min(bitsAhead, (this.inEnd - this.inPos + 8) * 8), -8);
    this.x.inflate_set_stop(this.s, Math.floor(abs / 8), abs % 8);
  }

  /**
   * First bit position in [fromBit, toBit) after the first unconsumed input byte where a
   * dynamic or stored block could start, or -1 (the kernel state's tables are scratch for it).
   */
  findBlock(fromBit: number, toBit: number): number {
    return this.x.inflate_find_block(this.s, this.inPos, this.inEnd, fromBit, toBit);
  }

  /**
   * Reads block headers without writing output (the kernel stops at the first symbol or at
   * the stop position): afterwards the state is inside a block, at the stream's end, or at
   * BLOCK_STOP.
   * @returns the kernel status, and `errorBack` as for `run`
   */
  readHeader(final: boolean): { status: number; errorBack: number } {
    // An empty window at the top of the memory with history from address 0: no match is
    // judged too far, and nothing is written.
    const top = this.arena.byteLength;
    const st = this.x.inflate_raw(this.s, this.inPos, this.inEnd, top, top, 0, final ? 1 : 0);
    if (st < 0) return { status: st, errorBack: this.inEnd - (this.x.inflate_err_pos(this.s) >>> 0) };
    this.inPos = this.x.inflate_in(this.s) >>> 0;
    return { status: st, errorBack: 0 };
  }

  /**
   * Decodes the rest of the current block into 16-bit symbols at [out, outEnd) (markers for
   * bytes of the unknown window before `base`, the chunk's first symbol).
   * @returns the kernel status (OK: the block ended), where output stopped, `errorBack`
   */
  runMarkers(base: number, out: number, outEnd: number, final: boolean): { status: number; out: number; errorBack: number } {
    const st = this.x.inflate_markers(this.s, this.inPos, this.inEnd, out, outEnd, base, final ? 1 : 0);
    const end = this.x.inflate_out(this.s) >>> 0;
    if (st < 0) return { status: st, out: end, errorBack: this.inEnd - (this.x.inflate_err_pos(this.s) >>> 0) };
    this.inPos = this.x.inflate_in(this.s) >>> 0;
    return { status: st, out: end, errorBack: 0 };
  }

  /** 1 + index of the last marker written since `startAtBit` (0: none). */
  get lastMarker(): number {
    return this.x.inflate_last_marker(this.s) >>> 0;
  }

  /** Replaces the markers of `n` symbols at `src` by bytes of the 32 KiB window at `window`, into `dst`. */
  resolve(src: number, n: number, dst: number, window: number): void {
    if (this.x.inflate_resolve(src, n, dst, window) !== 0) throw new WasmError('marker resolution outside the memory', { code: 'BAD_ARGUMENT' });
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
