// Kernels for inflating one deflate stream in parallel chunks, the approach of rapidgzip
// (Knespel & Brunst, HPDC 2023): a chunk that starts in the middle of a stream does not know
// the 32 KiB of output before it, so
// 1. `inflate_find_block` looks for a bit position where a block header could start (a
//    dynamic block whose three codes are valid, or a stored block whose LEN/NLEN agree), and
//    the host starts there (`inflate_start_bits`);
// 2. `inflate_markers` decodes block bodies into 16-bit symbols: a byte is its value, and a
//    byte copied from the unknown window is a *marker*, 256 + its index in that window
//    (0 = the byte 32 KiB before the chunk, 32767 = the byte just before it); matches copy
//    markers along. The block headers are read by `inflate_raw` (wasm/inflate.ts) with no
//    output room, so both kernels share one header parser and one state block;
// 3. once the last 32 KiB of a chunk's output hold no marker (`inflate_last_marker`), the
//    host goes on in bytes with `inflate_raw` at full speed;
// 4. when the previous chunk's last 32 KiB are known, `inflate_resolve` replaces every
//    marker by its byte.
// `inflate_set_stop` makes `inflate_raw` stop before the first block header at or past a
// bit position (BLOCK_STOP), where the next chunk should have started. The host (src/wasm/
// inflater.ts, src/codecs/gzip-chunk.ts) checks that each chunk's start is the previous
// chunk's stop, so a false start found by the search never reaches the output.

import { CL_ORDER, K_DIST, K_LIT, K_PRE, build, extraBits, lookup, symbolStart } from './huffman';
import {
  DIST_MASK, DIST_TABLE, DIST_TB, EOB, EXC, LENS, LIT_MASK, LIT_TABLE, LIT_TB, M_DONE, M_HEADER, M_HUFF, M_STORED,
  PRE_MASK, PRE_TABLE, PRE_TB, STATE_SIZE, SUB, S_BITBUF, S_BITSLEFT, S_ERRPOS, S_FINAL, S_IN, S_LASTMARK, S_MODE,
  S_OUT, S_STOP, S_STORED,
} from './inflate-state';
import { BAD_ARGUMENT, BAD_DIST_SYMBOL, BAD_LITLEN_SYMBOL, NEED_INPUT, OK, OUTPUT_FULL, TRUNCATED } from './status';

/** Deflate's match history. */
const WINDOW: u32 = 32768;
/** The first marker value: 256 + window index. */
const MARK: u32 = 256;
/** Room (in symbols) the marker kernel wants before each symbol: the longest match and an 8-symbol copy overrun. */
const MAX_MATCH: usize = 258 + 8;
/** The high byte of each 16-bit lane: set only in markers. */
const HIGH: v128 = i16x8(-256, -256, -256, -256, -256, -256, -256, -256);

/**
 * Prepares the state block at `s` to read a block header that starts `count` bits before
 * the next input byte: `bits` holds those bits (the high bits of the byte before the input).
 * The state is reset (no tables, CRC 0, no stop, no markers).
 * @param s state block
 * @param bits the not yet consumed high bits of the byte before the input, shifted down
 * @param count how many (0-7)
 */
export function inflate_start_bits(s: usize, bits: u32, count: u32): void {
  memory.fill(s, 0, LIT_TABLE);
  const n = count & 7;
  store<u64>(s, <u64>(bits & ((<u32>1 << n) - 1)), S_BITBUF);
  store<u32>(s, n, S_BITSLEFT);
}

/**
 * Makes `inflate_raw` stop (BLOCK_STOP) before any block header that starts at or past bit
 * `bit` of the byte at address `addr`; `addr` 0 clears the stop. The position is an address
 * in this memory, so the host sets it again whenever it moves its input.
 */
export function inflate_set_stop(s: usize, addr: usize, bit: u32): void {
  store<u64>(s, addr == 0 ? 0 : (<u64>addr << 3) + <u64>(bit & 7), S_STOP);
}

/** 1 + the index (in symbols from the chunk's start) of the last marker written; 0 if none. */
export function inflate_last_marker(s: usize): u32 {
  return load<u32>(s, S_LASTMARK);
}

/**
 * Decodes the rest of the current block (stored or Huffman, as `inflate_raw` left it after
 * reading its header) into 16-bit symbols at [outPtr, outEnd), an even number of bytes;
 * `base` is where the chunk's output began (symbol 0), so a distance reaching before it
 * writes markers.
 * @returns OK when the block ended (the state is then before the next header, or after the
 *   final block), OUTPUT_FULL when fewer than 258 symbols of room are left before a symbol
 *   (nothing of it consumed), NEED_INPUT (TRUNCATED if `final`) when the input ends inside a
 *   symbol (rolled back to its start), a negative status for invalid data
 */
export function inflate_markers(s: usize, inPtr: usize, inEnd: usize, outPtr: usize, outEnd: usize, base: usize, final: i32): i32 {
  const top = (<u64>memory.size()) << 16;
  if (inPtr > inEnd || outPtr > outEnd || base > outPtr || ((outPtr - base) & 1) != 0 || <u64>inEnd > top ||
      <u64>outEnd > top || <u64>s + <u64>STATE_SIZE > top) {
    return BAD_ARGUMENT;
  }
  let bitbuf = load<u64>(s, S_BITBUF);
  let bl = load<u32>(s, S_BITSLEFT);
  let mode = load<u32>(s, S_MODE);
  const isFinal = load<u32>(s, S_FINAL);
  let lastMark = load<u32>(s, S_LASTMARK);
  let inp = inPtr;
  let out = outPtr;
  let status: i32 = OK;
  let errPos: usize = 0;
  const lit = s + LIT_TABLE;
  const dtab = s + DIST_TABLE;

  if (mode == M_STORED) {
    // `inflate_raw` enters a stored block with no bits in hand: its bytes are read directly.
    let left = load<u32>(s, S_STORED);
    let n = <usize>left;
    if (n > inEnd - inp) n = inEnd - inp;
    const room = (outEnd - out) >> 1;
    if (n > room) n = room;
    for (let i: usize = 0; i < n; i++) store<u16>(out + (i << 1), <u16>load<u8>(inp + i));
    out += n << 1;
    inp += n;
    left -= <u32>n;
    store<u32>(s, left, S_STORED);
    if (left == 0) {
      mode = isFinal ? M_DONE : M_HEADER;
    } else if (inp == inEnd) {
      if (final) {
        status = TRUNCATED;
        errPos = inEnd;
      } else {
        status = NEED_INPUT;
      }
    } else {
      status = OUTPUT_FULL;
    }
  } else if (mode == M_HUFF) {
    while (true) {
      if (outEnd - out < MAX_MATCH << 1) {
        status = OUTPUT_FULL;
        break;
      }
      const ckIn = inp;
      const ckBuf = bitbuf;
      const ckBl = bl;
      if (inEnd - inp >= 8) {
        bitbuf |= load<u64>(inp) << bl;
        inp += 7 - ((bl >> 3) & 7);
        bl |= 56;
      } else {
        while (bl < 56 && inp < inEnd) {
          bitbuf |= (<u64>load<u8>(inp)) << bl;
          inp++;
          bl += 8;
        }
      }
      const e = lookup(lit, bitbuf, LIT_TB);
      const need = e & 0xff;
      if (need > bl) {
        status = NEED_INPUT;
      } else if (<i32>e < 0) {
        bitbuf >>= need;
        bl -= need;
        store<u16>(out, <u16>((e >> 16) & 0xff));
        out += 2;
        continue;
      } else if (e & EXC) {
        if (e & EOB) {
          bitbuf >>= need;
          bl -= need;
          mode = isFinal ? M_DONE : M_HEADER;
          break;
        }
        status = BAD_LITLEN_SYMBOL;
        errPos = symbolStart(ckIn, ckBl);
      } else {
        const len = (e >> 16) + extraBits(bitbuf, e);
        const rest = bitbuf >> need;
        const d = lookup(dtab, rest, DIST_TB);
        const dneed = d & 0xff;
        if (need + dneed > bl) {
          status = NEED_INPUT;
        } else if (d & EXC) {
          status = BAD_DIST_SYMBOL;
          errPos = symbolStart(ckIn, ckBl);
        } else {
          const dist = (d >> 16) + extraBits(rest, d);
          bitbuf = rest >> dneed;
          bl -= need + dneed;
          const idx = <u32>((out - base) >> 1);
          let k: u32 = 0;
          if (dist > idx) {
            // From the unknown window: markers for window index WINDOW - (dist - idx) on.
            let n = dist - idx;
            if (n > len) n = len;
            const m = MARK + WINDOW - (dist - idx);
            for (; k < n; k++) store<u16>(out + (<usize>k << 1), <u16>(m + k));
            lastMark = idx + n;
          }
          if (k < len) {
            let o = out + (<usize>k << 1);
            const end = out + (<usize>len << 1);
            let src = o - (<usize>dist << 1);
            const plain = <u32>((src - base) >> 1) >= lastMark; // no marker at or after the source
            if (dist >= 8) {
              // Eight symbols a step (the source is always 8 or more behind, so written);
              // up to 7 symbols past the match are overwritten later (the room check's margin).
              if (plain) {
                do {
                  v128.store(o, v128.load(src));
                  o += 16;
                  src += 16;
                } while (o < end);
              } else {
                do {
                  const v = v128.load(src);
                  v128.store(o, v);
                  // A marker in the step: count it at the step's end (the switch to bytes may
                  // come a few symbols later than it could, never earlier).
                  if (v128.any_true(v128.and(v, HIGH))) lastMark = <u32>((o - base) >> 1) + 8;
                  o += 16;
                  src += 16;
                } while (o < end);
              }
            } else if (dist == 1) {
              const v = load<u16>(src);
              const vv = i16x8.splat(v);
              do {
                v128.store(o, vv);
                o += 16;
              } while (o < end);
              if (<u32>v >= MARK) lastMark = idx + len;
            } else {
              while (o < end) {
                const v = load<u16>(src);
                store<u16>(o, v);
                if (!plain && <u32>v >= MARK) lastMark = <u32>((o - base) >> 1) + 1;
                o += 2;
                src += 2;
              }
            }
          }
          out += <usize>len << 1;
          continue;
        }
      }
      // Only NEED_INPUT and errors get here.
      if (status == NEED_INPUT) {
        if (final) {
          status = TRUNCATED;
          errPos = inEnd;
        } else {
          inp = ckIn;
          bitbuf = ckBuf;
          bl = ckBl;
        }
      }
      break;
    }
  }
  // M_HEADER / M_DONE: nothing to do here (OK); the host reads the next header.

  inp -= <usize>(bl >> 3);
  bl &= 7;
  bitbuf &= (<u64>1 << bl) - 1;
  store<u64>(s, bitbuf, S_BITBUF);
  store<u32>(s, bl, S_BITSLEFT);
  store<u32>(s, mode, S_MODE);
  store<u32>(s, lastMark, S_LASTMARK);
  store<u32>(s, <u32>inp, S_IN);
  store<u32>(s, <u32>out, S_OUT);
  store<u32>(s, <u32>errPos, S_ERRPOS);
  return status;
}

/**
 * Replaces the markers of `n` symbols at `src` by bytes of the 32 KiB `window` (literals pass
 * through), writing `n` bytes at `dst`. It runs from the last symbol to the first, so `dst`
 * may overlap `src` from above (dst >= src + n, the host's in-place layout).
 * @returns OK, or BAD_ARGUMENT for a region outside the memory
 */
export function inflate_resolve(src: usize, n: u32, dst: usize, window: usize): i32 {
  const top = (<u64>memory.size()) << 16;
  if (<u64>src + (<u64>n << 1) > top || <u64>dst + <u64>n > top || <u64>window + <u64>WINDOW > top) return BAD_ARGUMENT;
  let i = <usize>n;
  while (i & 7) {
    i--;
    resolveOne(src, dst, window, i);
  }
  // Then eight symbols a step: narrowed to bytes when none is a marker, one by one else.
  while (i >= 8) {
    i -= 8;
    const v = v128.load(src + (i << 1));
    if (!v128.any_true(v128.and(v, HIGH))) {
      v128.store64_lane(dst + i, i8x16.narrow_i16x8_u(v, v), 0);
    } else {
      for (let j: usize = 8; j > 0; j--) resolveOne(src, dst, window, i + j - 1);
    }
  }
  return OK;
}

// @ts-ignore: decorator
@inline
function resolveOne(src: usize, dst: usize, window: usize, i: usize): void {
  const v = <u32>load<u16>(src + (i << 1));
  store<u8>(dst + i, v < MARK ? <u8>v : load<u8>(window + <usize>((v - MARK) & (WINDOW - 1))));
}

/**
 * Searches bit positions [fromBit, toBit) after `inPtr` for the first where a block could
 * start: a dynamic block whose code-length, literal/length and distance codes are all valid
 * (as `inflate_raw` would accept them), or a stored block with zero padding and LEN = ~NLEN
 * (final or not). Positions whose header would need bytes past `inEnd` are not
 * candidates. Uses the tables of the state block at `s` as scratch.
 * @returns the bit position, or -1
 */
export function inflate_find_block(s: usize, inPtr: usize, inEnd: usize, fromBit: u32, toBit: u32): i32 {
  const top = (<u64>memory.size()) << 16;
  if (inPtr > inEnd || <u64>inEnd > top || <u64>s + <u64>STATE_SIZE > top) return -1;
  const avail = inEnd - inPtr;
  let p = fromBit;
  while (p < toBit && <usize>(p >> 3) + 8 <= avail) {
    const v = load<u64>(inPtr + <usize>(p >> 3)) >> <u64>(p & 7);
    const h = <u32>v & 6; // BTYPE (bits 1-2), BFINAL either way: the last chunk may hold only the final block
    if (h == 4) {
      if (dynamicAt(s, inPtr, avail, p, v)) return <i32>p;
    } else if (h == 0 && storedAt(inPtr, avail, p, v)) {
      // A 1 just before a non-final stored header reads as a final one with the same LEN:
      // take the non-final reading (a stream has one final block), found at the next bit. A
      // true final stored block is then found a bit late and non-final: its chunk's join
      // sees BFINAL differ and decodes it again from the previous chunk's stop.
      if ((<u32>v & 1) == 0 || !((<u32>(v >> 1) & 7) == 0 && storedAt(inPtr, avail, p + 1, v >> 1))) return <i32>p;
    }
    p++;
  }
  return -1;
}

function storedAt(inPtr: usize, avail: usize, p: u32, v: u64): bool {
  const q = (p + 10) >> 3; // the byte after the header's padding: LEN, NLEN
  const pad = (q << 3) - (p + 3);
  if (pad > 0 && (<u32>(v >> 3) & ((<u32>1 << pad) - 1)) != 0) return false;
  if (<usize>q + 4 > avail) return false;
  const x = load<u32>(inPtr + <usize>q);
  return (x & 0xffff) == (~(x >> 16) & 0xffff);
}

function dynamicAt(s: usize, inPtr: usize, avail: usize, p: u32, v: u64): bool {
  const hlit = <u32>(v >> 3) & 31;
  const hdist = <u32>(v >> 8) & 31;
  if (hlit > 29 || hdist > 29) return false;
  const hclen = (<u32>(v >> 13) & 15) + 4;
  let q = p + 17;
  if (<usize>(q >> 3) + 8 > avail) return false;
  const w = load<u64>(inPtr + <usize>(q >> 3)) >> <u64>(q & 7);
  const lens = s + LENS;
  memory.fill(lens, 0, 19);
  let kraft: u32 = 0;
  for (let i: u32 = 0; i < hclen; i++) {
    const l = <u32>(w >> <u64>(3 * i)) & 7;
    store<u8>(lens + <usize>load<u8>(CL_ORDER + i), <u8>l);
    if (l) kraft += <u32>128 >> l;
  }
  if (kraft != 128) return false; // the code-length code must be complete
  if (!build(s, s + PRE_TABLE, lens, 19, PRE_TB, K_PRE)) return false;
  q += 3 * hclen;
  const nlit = hlit + 257;
  const total = nlit + hdist + 1;
  const pre = s + PRE_TABLE;
  let i: u32 = 0;
  while (i < total) {
    if (<usize>(q >> 3) + 8 > avail) return false;
    const x = load<u64>(inPtr + <usize>(q >> 3)) >> <u64>(q & 7);
    const e = load<u32>(pre + (<usize>(<u32>x & PRE_MASK) << 2));
    const clen = e & 0xff;
    const sym = e >> 16;
    q += clen;
    if (sym < 16) {
      store<u8>(lens + i, <u8>sym);
      i++;
      continue;
    }
    const xb: u32 = sym == 16 ? 2 : sym == 17 ? 3 : 7;
    const xv = <u32>(x >> <u64>clen) & ((<u32>1 << xb) - 1);
    q += xb;
    let val: u8 = 0;
    let rep: u32;
    if (sym == 16) {
      if (i == 0) return false;
      val = load<u8>(lens + i - 1);
      rep = 3 + xv;
    } else if (sym == 17) {
      rep = 3 + xv;
    } else {
      rep = 11 + xv;
    }
    if (i + rep > total) return false;
    memory.fill(lens + i, val, rep);
    i += rep;
  }
  if (load<u8>(lens + 256) == 0) return false;
  if (!build(s, s + LIT_TABLE, lens, nlit, LIT_TB, K_LIT)) return false;
  return build(s, s + DIST_TABLE, lens + nlit, hdist + 1, DIST_TB, K_DIST);
}
