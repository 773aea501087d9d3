/**
 * One chunk of a parallel inflate (src/codecs/parallel-gunzip.ts plans the chunks and checks
 * that they join): decodes a deflate stream from a bit position to the first block header
 * at or past a stop position, in one worker or in-process, into a WebAssembly arena.
 *
 * - Start: the first chunk starts at the member's first block with nothing before it. A
 *   later chunk searches its range for a block start (`RawInflater.findBlock`: a dynamic or
 *   stored block header that `inflate_raw` would accept) and tries to decode from there; a
 *   candidate that fails to decode is dropped and the search goes on after it. A start
 *   that is already known (a previous chunk's stop) is decoded from as it is.
 * - Markers: a chunk that does not start the stream does not know the 32 KiB before it.
 *   It decodes into 16-bit symbols, bytes of that window as markers, until its last 32 KiB
 *   hold no marker; then it goes on in bytes at full speed (wasm/inflate-chunk.ts).
 * - Layout in the arena: [16-bit symbols: `cap16`] [32 KiB window lead] [bytes: `cap8`]. The
 *   symbols are resolved (`finish`, once the previous chunk's last 32 KiB are known) into
 *   bytes written backwards just before the byte part, so the chunk's output ends up in one
 *   piece without another buffer. A chunk larger than the estimate moves to a larger arena.
 * - Seek points: when the plan asks (`seekSpacing`), the byte phase stops where the chunk's
 *   output crosses each multiple of the spacing and keeps the kernel state and the last
 *   32 KiB there (`ChunkPoint`); the joiner places them in the member and gives them the
 *   member's CRC. The marker phase takes none (its window is not known yet).
 * - The result says where decoding started and stopped (bit positions), whether the block
 *   there is a stored one (its LEN byte and BFINAL: two searches may find a stored block at different
 *   bits of its zero padding), the last 32 KiB of symbols, and later the bytes and CRC-32.
 */
import { LimitError, WasmError, throwIfAborted } from '../errors.js';
import { Staging } from '../io/staged-read.js';
import type { ByteSource } from '../io/types.js';
import { RawInflater, WINDOW, ALIGN } from '../wasm/inflater.js';
import { KeptArena, MAX_MEMORY_BYTES, type WasmArena } from '../wasm/memory.js';
import { BLOCK_STOP, NEED_INPUT, OK, OUTPUT_FULL, STREAM_END, TRUNCATED, YIELD, statusError } from '../wasm/status.js';
import type { ChunkPlan, ChunkPoint, ChunkResult } from './gzip-chunk-plan.js';
import { crc32Combine } from './gzip-framing.js';
import { yieldToEventLoop } from './gzip-stream.js';

/** The inflater's input buffer. */
const READ = 4 << 20;
/**
 * Compressed bytes a chunk's decode reads at a time: half the input buffer, so a read made
 * ahead always fits when the decoder asks for input (it asks with little left unconsumed).
 */
const FEED = READ / 2;
/** Input kept after a searched range so a header that starts at its end can be judged (a dynamic header is < 600 bytes). */
const HEADER_SLACK = 1024;
/**
 * The first read of a block-start search: a block start is nearly always within it (zlib's
 * blocks are tens of KiB), and the decode then reads these bytes again, which over HTTP is a
 * download again. Later reads of the search take `READ`.
 */
const SEARCH_FIRST = 256 << 10;
/**
 * Compressed bytes a chunk reads past its stop before it reads only on demand: the block it
 * is in at the stop ends there (blocks are rarely longer), and reading further, or ahead,
 * would fetch bytes the next chunk reads anyway.
 */
const STOP_SLACK = 256 << 10;
/** The smallest read of a chunk's decode past `STOP_SLACK`. */
const MIN_FEED = 64 << 10;

/**
 * Gets an arena of at least `bytes`: the one given last time (its contents are then lost) if
 * large enough and not `fresh`, else a new one.
 */
export type ChunkArenas = (bytes: number, fresh?: boolean) => Promise<WasmArena>;

/** Arenas for one decoder: a `KeptArena`, its pages touched once, not per chunk. */
export function keptArenas(): ChunkArenas {
  const kept = new KeptArena();
  return async (bytes, fresh = false) => {
    const arena = await kept.get(bytes, fresh);
    if (!arena) throw new LimitError(`no WebAssembly memory of ${bytes} bytes for a gzip chunk`, { code: 'ARRAY_TOO_LARGE', limit: MAX_MEMORY_BYTES, requested: bytes });
    return arena;
  };
}

/** Symbols decoded with markers between two looks at the event loop (for an offered window). */
const MARKER_YIELD = 1 << 20;

/** Bytes of an arena for `cap16` symbols and `cap8` bytes: the inflater, the window scratch and lead, alignment. */
function arenaBytes(cap16: number, cap8: number): number {
  return RawInflater.overhead(READ) + cap16 * 2 + 2 * WINDOW + cap8 + 8 * ALIGN;
}

/** A failed start: the data there is not a deflate stream (a false block start). */
class BadStart extends Error {}

interface Layout {
  arena: WasmArena;
  /** 16-bit symbols. */
  a: number;
  cap16: number;
  /** Bytes (the window lead is the 32 KiB before). */
  b: number;
  cap8: number;
  /** Scratch for the resolving window. */
  w: number;
}

/** Decodes chunks (one at a time) and keeps the last one's output for `finish`. */
export class ChunkDecoder {
  private readonly arenas: ChunkArenas;
  private lay: Layout | null = null;
  private inf: RawInflater | null = null;
  private result: ChunkResult | null = null;
  /** Byte-phase CRC-32 and length (after the symbols). */
  private byteCrc = 0;
  /** Reads of the current source; its buffer passes from chunk to chunk (`Staging`'s `previous`). */
  private staging: Staging | null = null;
  /** The window before the chunk, offered while it decodes, for the start it belongs to. */
  private offered: { window: Uint8Array; start: number; stored: number } | null = null;
  /** Symbols decoded before the byte phase (they end at the byte part's start once resolved). */
  private prefix = 0;
  /** Whether those symbols are resolved already (the window came during the decode). */
  private prefixResolved = false;
  /** Seek points of the current chunk, with their byte-phase CRC and length (`finish` completes them). */
  private points: { point: ChunkPoint; byteCrc: number; n8: number }[] = [];

  constructor(arenas: ChunkArenas) {
    this.arenas = arenas;
  }

  /**
   * Gives the chunk being decoded the 32 KiB before it, as soon as the previous chunk knows
   * them: at its next block boundary the chunk resolves what it has and goes on in bytes,
   * if it started at `start` (or at the stored block `stored`, as in `ChunkResult.startStored`).
   */
  offerWindow(window: Uint8Array, start: number, stored: number): void {
    this.offered = { window, start, stored };
  }

  /**
   * Decodes one chunk of the deflate stream in `source`.
   * @throws {DecompressionError} when a known start does not decode (corrupt data)
   * @throws `AbortError` when `signal` aborts
   */
  async decode(source: ByteSource, plan: ChunkPlan, signal?: AbortSignal): Promise<ChunkResult> {
    this.result = null;
    this.offered = null;
    this.staging = new Staging(source, this.staging ?? undefined);
    try {
      this.result = await this.decodeFromStart(source, plan, signal);
      return this.result;
    } finally {
      // A read made ahead and not taken gives its buffer back when it lands.
      this.staging.dropAhead();
    }
  }

  /** Decodes from the plan's known start, or from the first block start the search finds that decodes. */
  private async decodeFromStart(source: ByteSource, plan: ChunkPlan, signal?: AbortSignal): Promise<ChunkResult> {
    if (plan.known) return this.attempt(source, plan, plan.from, signal);
    let from = plan.from;
    for (;;) {
      const found = await this.search(source, from, plan.searchTo, signal);
      if (found === null) {
        return { start: null, startStored: -1, end: plan.from, endStored: -1, streamEnd: false, length: 0, markers: 0, tail: new Uint16Array(0) };
      }
      try {
        return await this.attempt(source, plan, found, signal);
      } catch (err) {
        if (!(err instanceof BadStart)) throw err;
        from = found + 1;
      }
    }
  }

  /** The first candidate block start in [from, to), or null. */
  private async search(source: ByteSource, from: number, to: number, signal?: AbortSignal): Promise<number | null> {
    const size = source.size!;
    let pos = Math.floor(from / 8);
    let bit = from - pos * 8;
    const arena = await this.arenas(RawInflater.overhead(READ) + 4 * ALIGN);
    const mark = arena.mark();
    try {
      const inf = new RawInflater(arena, READ);
      let want = SEARCH_FIRST;
      while (pos * 8 + bit < to && pos < size) {
        throwIfAborted(signal);
        const bytes = await this.staging!.read(pos, Math.min(want, size - pos), { signal });
        want = READ;
        if (bytes.byteLength === 0) return null;
        inf.consume(inf.buffered);
        inf.feed(bytes);
        this.staging!.release(bytes);
        const atEnd = pos + bytes.byteLength >= size;
        const limitBits = atEnd ? bytes.byteLength * 8 : (bytes.byteLength - HEADER_SLACK) * 8;
        const toRel = Math.min(to - pos * 8, limitBits);
        if (toRel > bit) {
          const r = inf.findBlock(bit, toRel);
          if (r >= 0) return pos * 8 + r;
        }
        if (atEnd) return null;
        // Next window: overlap by the slack, so a header across the seam is seen whole.
        const next = pos * 8 + Math.max(toRel, bit);
        pos = Math.floor(next / 8);
        bit = next - pos * 8;
      }
      return null;
    } finally {
      arena.release(mark);
    }
  }

  /** Decodes from `start` to the plan's stop (a failure of an unknown start is a BadStart). */
  private async attempt(source: ByteSource, plan: ChunkPlan, start: number, signal?: AbortSignal): Promise<ChunkResult> {
    const size = source.size!;
    const est = Math.max(plan.estimate, 64 * 1024);
    await this.layout(est, est);
    const lay = this.lay!;
    const inf = this.inf!;
    let fedEnd = Math.floor(start / 8);
    const staging = this.staging!;
    const limit = Number.isFinite(plan.stop) ? Math.min(size, Math.ceil(plan.stop / 8) + STOP_SLACK) : size;
    const next = (): number => Math.min(FEED, size - fedEnd, Math.max(limit - fedEnd, MIN_FEED));
    const feed = async (): Promise<boolean> => {
      if (fedEnd >= size) return false;
      const bytes = await staging.read(fedEnd, Math.min(inf.room, next()), { signal });
      if (bytes.byteLength === 0) return false;
      inf.feed(bytes);
      staging.release(bytes);
      fedEnd += bytes.byteLength;
      // The next read, made now, arrives while this one is decoded (staged-read.ts: without
      // it a worker waited for every read of a File in turn). Not past the stop: those bytes
      // are the next chunk's, and are read only if this chunk's last block needs them.
      if (fedEnd < limit) staging.readAhead(fedEnd, next(), { signal });
      return true;
    };
    await feed();
    inf.startAtBit(start % 8);
    const startStored = await storedBlockKey(source, start, signal);
    if (plan.window) this.offered = { window: plan.window, start, stored: startStored };
    this.prefix = 0;
    this.prefixResolved = false;
    this.points = [];
    const posBits = (): number => (fedEnd - inf.buffered) * 8 - inf.bitsHeld;
    const fail = (status: number, errorBack: number): never => {
      if (!plan.known) throw new BadStart();
      throw statusError(status, fedEnd - errorBack);
    };
    const stopRel = (): number | null => (Number.isFinite(plan.stop) ? plan.stop - (fedEnd - inf.buffered) * 8 : null);

    let n16 = 0; // symbols so far
    let streamEnd = false;
    let bytePhase = plan.first;
    if (bytePhase) inf.attachAfterHistory(lay.b, lay.cap8, 0);
    this.byteCrc = 0;

    // ---- marker phase: block by block
    let inBlock = false;
    let nextLook = MARKER_YIELD;
    while (!bytePhase) {
      throwIfAborted(signal);
      if (!inBlock && n16 >= nextLook) {
        nextLook = n16 + MARKER_YIELD;
        await yieldToEventLoop();
      }
      const final = fedEnd >= size;
      const o = this.offered;
      if (!inBlock && o && (o.start === start || (startStored >= 0 && o.stored === startStored))) {
        // The window came: resolve what there is and go on in bytes.
        this.offered = null;
        this.resolveWith(o.window, n16);
        this.prefixResolved = true;
        bytePhase = true;
        break;
      }
      if (!inBlock) {
        inf.setStop(stopRel());
        const h = inf.readHeader(final);
        if (h.status === BLOCK_STOP) break;
        if (h.status === STREAM_END) {
          streamEnd = true;
          break;
        }
        if (h.status === NEED_INPUT) {
          if (!(await feed())) fail(TRUNCATED, 0);
          continue;
        }
        if (h.status === YIELD) continue;
        if (h.status !== OUTPUT_FULL) fail(h.status, h.errorBack);
        inBlock = true;
      }
      const lay2 = this.lay!;
      const m = inf.runMarkers(lay2.a, lay2.a + n16 * 2, lay2.a + lay2.cap16 * 2, final);
      n16 = (m.out - lay2.a) / 2;
      if (m.status === OK) {
        inBlock = false;
        const last = inf.lastMarker;
        if (n16 >= WINDOW && n16 - last >= WINDOW) {
          // The last 32 KiB are plain bytes: they become the window lead of the byte part.
          inf.resolve(lay2.a + (n16 - WINDOW) * 2, WINDOW, lay2.b - WINDOW, lay2.a);
          inf.attachAfterHistory(lay2.b, lay2.cap8, WINDOW);
          bytePhase = true;
        }
      } else if (m.status === NEED_INPUT) {
        if (!(await feed())) fail(TRUNCATED, 0);
      } else if (m.status === OUTPUT_FULL) {
        await this.grow(n16, 0, Math.max(lay2.cap16 * 2, 1024), lay2.cap8);
      } else {
        fail(m.status, m.errorBack);
      }
    }

    // ---- byte phase (seek points where the output crosses a multiple of the spacing)
    let n8 = 0;
    const spacing = plan.seekSpacing ?? 0;
    let nextPoint = spacing > 0 ? (Math.floor(n16 / spacing) + 1) * spacing : Number.POSITIVE_INFINITY;
    while (bytePhase && !streamEnd) {
      throwIfAborted(signal);
      const final = fedEnd >= size;
      inf.setStop(stopRel());
      const r = inf.run(Math.min(inf.windowRoom, nextPoint - n16 - n8), final);
      n8 = inf.windowFill;
      if (r.status === OUTPUT_FULL && n16 + n8 === nextPoint) {
        inf.setStop(null); // the stop is this chunk's, an address in this arena
        const point = { at: nextPoint, in: fedEnd - inf.buffered, state: inf.snapshotState(), window: inf.lastOutput(Math.min(WINDOW, inf.history)), crc: 0 };
        this.points.push({ point, byteCrc: inf.crc, n8 });
        nextPoint += spacing;
        continue;
      }
      if (r.status === BLOCK_STOP) break;
      if (r.status === STREAM_END) {
        streamEnd = true;
        break;
      }
      if (r.status === NEED_INPUT) {
        if (!(await feed())) fail(TRUNCATED, 0);
      } else if (r.status === OUTPUT_FULL) {
        const l = this.lay!;
        await this.grow(n16, n8, l.cap16, Math.max(l.cap8 * 2, 1024 * 1024));
      } else if (r.status !== YIELD && r.status !== OK) {
        fail(r.status, r.errorBack);
      }
    }
    if (bytePhase) this.byteCrc = inf.crc;
    this.prefix = n16;

    const end = streamEnd ? (fedEnd - inf.buffered) * 8 : posBits();
    const length = n16 + n8;
    const tail = this.tailOf(n16, n8);
    const endStored = streamEnd ? -1 : await storedBlockKey(source, end, signal);
    return { start, startStored, end, endStored, streamEnd, length, markers: this.prefixResolved ? 0 : n16, tail };
  }

  /** The last min(n16 + n8, 32768) symbols. */
  private tailOf(n16: number, n8: number): Uint16Array {
    const lay = this.lay!;
    const total = n16 + n8;
    const k = Math.min(total, WINDOW);
    if (this.prefixResolved) return Uint16Array.from(lay.arena.u8(lay.b + n8 - k, k)); // all bytes, ending at b + n8
    const tail = new Uint16Array(k);
    const fromBytes = Math.min(n8, k);
    const bytes = lay.arena.u8(lay.b + n8 - fromBytes, fromBytes);
    tail.set(bytes, k - fromBytes);
    const fromSyms = k - fromBytes;
    if (fromSyms > 0) {
      const syms = lay.arena.view<Uint16Array>(Uint16Array, lay.a + (n16 - fromSyms) * 2, fromSyms);
      tail.set(syms, 0);
    }
    return tail;
  }

  /**
   * Resolves the chunk's markers with the 32 KiB before it and gives its bytes.
   * @param window the previous output's last 32 KiB (shorter only at the stream's start)
   * @returns a view of the chunk's bytes in the arena (valid until the next `decode`), their
   *   CRC-32, and the seek points taken (given once: their buffers may be transferred)
   */
  finish(window: Uint8Array | null): { bytes: Uint8Array; crc: number; points: ChunkPoint[] } {
    const r = this.result;
    const lay = this.lay;
    if (!r || !lay || r.start === null) return { bytes: new Uint8Array(0), crc: 0, points: [] };
    const n16 = this.prefix;
    const n8 = r.length - n16;
    const x = lay.arena.exports;
    if (n16 > 0 && !this.prefixResolved) {
      this.loadWindow(window);
      this.inf!.resolve(lay.a, n16, lay.b - n16, lay.w);
    }
    const ptr = lay.b - n16;
    const prefixCrc = n16 > 0 ? x.crc32(0, ptr, n16) >>> 0 : 0;
    const crc = n8 > 0 ? crc32Combine(prefixCrc, this.byteCrc, n8) : prefixCrc;
    const points = this.points.map(({ point, byteCrc, n8: k }) => ({ ...point, crc: crc32Combine(prefixCrc, byteCrc, k) }));
    this.points = [];
    return { bytes: lay.arena.u8(ptr, r.length), crc, points };
  }

  /**
   * Resolves the `n16` symbols decoded so far with `window` into the bytes just before the
   * byte part, puts the window's end before them, and attaches the byte part after them.
   */
  private resolveWith(window: Uint8Array, n16: number): void {
    const lay = this.lay!;
    const have = this.loadWindow(window);
    const w = lay.arena.u8(lay.w, WINDOW);
    if (n16 > 0) this.inf!.resolve(lay.a, n16, lay.b - n16, lay.w);
    this.prefix = n16;
    if (n16 < WINDOW) lay.arena.u8(lay.b - WINDOW, WINDOW - n16).set(w.subarray(n16));
    // A stream's first 32 KiB: there is no output before the window's start to reach.
    this.inf!.attachAfterHistory(lay.b, lay.cap8, Math.min(WINDOW, have + n16));
  }

  /**
   * Puts the last 32 KiB of `window` in the layout's window scratch, right-aligned after zeros
   * when it is shorter (a stream's first 32 KiB), for `inflate_resolve`.
   * @returns the window bytes there are (at most 32 KiB)
   */
  private loadWindow(window: Uint8Array | null): number {
    const w = this.lay!.arena.u8(this.lay!.w, WINDOW);
    const have = Math.min(WINDOW, window?.byteLength ?? 0);
    w.fill(0, 0, WINDOW - have);
    if (window) w.set(window.subarray(window.byteLength - have), WINDOW - have);
    return have;
  }

  /** Lays out a fresh arena for `cap16` symbols and `cap8` bytes (the inflater's state first). */
  private async layout(cap16: number, cap8: number): Promise<void> {
    const need = arenaBytes(cap16, cap8);
    const arena = await this.arenas(need);
    // A kept arena larger than asked: all of it serves, so the chunk is less likely to grow.
    const spare = arena.free - (need - (cap16 * 2 + cap8));
    const scale = spare > cap16 * 2 + cap8 ? spare / (cap16 * 2 + cap8) : 1;
    this.inf = new RawInflater(arena, READ);
    this.lay = this.place(arena, Math.floor(cap16 * scale), Math.floor(cap8 * scale));
  }

  private place(arena: WasmArena, cap16: number, cap8: number): Layout {
    const w = arena.alloc(WINDOW, ALIGN);
    const a = arena.alloc(cap16 * 2 + WINDOW + cap8, ALIGN);
    return { arena, a, cap16, b: a + cap16 * 2 + WINDOW, cap8, w };
  }

  /** Moves the decode to a larger arena, keeping `n16` symbols and `n8` bytes (and their lead). */
  private async grow(n16: number, n8: number, cap16: number, cap8: number): Promise<void> {
    const old = this.lay!;
    const inf = this.inf!;
    const arena = await this.arenas(arenaBytes(cap16, cap8), true);
    const lay = this.place(arena, cap16, cap8);
    const dst = arena.u8(0, arena.byteLength);
    const src = old.arena.u8(0, old.arena.byteLength);
    dst.set(src.subarray(old.a, old.a + n16 * 2), lay.a);
    // The bytes before the byte part: the window lead, or all the symbols once resolved.
    const lead = this.prefixResolved ? Math.max(WINDOW, n16) : WINDOW;
    dst.set(src.subarray(old.b - lead, old.b + n8), lay.b - lead);
    const inByte = inf.windowFill;
    inf.moveTo(arena, lay.b, cap8);
    if (inByte !== n8) throw new WasmError('chunk decode lost track of its output', { code: 'BAD_ARGUMENT' });
    this.lay = lay;
  }
}

/**
 * Which stored block a 3-bit header at bit `p` begins: 2 × its LEN byte + its BFINAL bit, or
 * -1 when the header there is not a stored one (or the source ends). Every bit of a stored
 * header's zero padding reads as the same block, so two searches compare this, not bits;
 * BFINAL is part of it because a 1 just before the header would read as a final block.
 */
async function storedBlockKey(source: ByteSource, p: number, signal?: AbortSignal): Promise<number> {
  const at = Math.floor(p / 8);
  const b = await source.read(at, 2, { signal });
  if (b.byteLength < 1) return -1;
  const bits = (b[0]! | ((b[1] ?? 0) << 8)) >> (p - at * 8);
  return (bits & 6) === 0 ? Math.floor((p + 10) / 8) * 2 + (bits & 1) : -1;
}
