// DEFLATE (RFC 1951) inflate kernel: raw deflate, resumable, bounded, with the CRC-32 of
// everything it writes. The gzip wrapper (RFC 1952 header, trailer, members) is parsed by
// the host (src/codecs/gzip-stream.ts through src/wasm/inflater.ts, the only code that knows
// these pointers).
//
// Contract
// - The host owns every region: a state block of `inflate_state_size()` bytes, an input
//   window [in, inEnd) and an output window [out, outEnd), all in this instance's memory.
//   The state holds only position-independent values (bit buffer, mode, decode tables,
//   pending match, CRC), so the host may copy it elsewhere (a seek point) and resume later
//   with other windows.
// - History: matches may reach back to `hist` (<= out). The host guarantees that the bytes
//   [hist, out) are the stream's output just before `out` (it copies the last 32 KiB of
//   output in front of a new output window), and sets `hist` to the member's start when a
//   new deflate stream begins, so a distance reaching before it is DISTANCE_TOO_FAR.
// - One call decodes until: the stream ends (STREAM_END; `inflate_in` is then the first byte
//   after the deflate data, i.e. the gzip trailer), the output window is full (OUTPUT_FULL:
//   it stops at a symbol boundary; a match that does not fit is kept as pending and
//   finished by the next call), the input is used up (NEED_INPUT, unless `final`, which
//   makes it TRUNCATED), 4096 block headers were read (YIELD, so the host can check for
//   abort), the next block header starts at or past the stop position the host set in the
//   state (BLOCK_STOP, before reading it; wasm/inflate-chunk.ts `inflate_set_stop`), or an
//   error (negative status, `inflate_err_pos` = byte address of the fault).
// - Input that runs dry mid-symbol or mid-block-header is rolled back to the symbol or
//   header start: the bytes from `inflate_in` to inEnd are not consumed and the host passes
//   them again, followed by more input. At most MAX_TAIL bytes are ever given back.
// - Never reads outside [in, inEnd) (not even a byte past it: bits are never invented as
//   zeros at the end of input), and never writes outside [out, outEnd).
//
// Design (after libdeflate): a 64-bit bit buffer refilled a word at a time, two-level
// decode tables whose entries pack the symbol, its code length and its extra-bit count so a
// length or distance with its extra bits resolves in one lookup, a fast loop that runs while
// at least FAST_IN bytes of input and FAST_OUT bytes of output room remain (and so needs no
// bounds checks per symbol), 16-byte SIMD match copies, and a careful one-symbol-at-a-time
// slow path near the ends of either window, which is also where all resumability lives.
// Block headers and dynamic code tables are read in wasm/inflate-header.ts (once per block);
// the state block, with the exports that size and read it, is wasm/inflate-state.ts.

import { crc32 } from './crc32';
import { extraBits, lookup, symbolStart } from './huffman';
import { readBlockHeader } from './inflate-header';
import {
  DIST_MASK, DIST_TABLE, DIST_TB, EOB, EXC, LIT_MASK, LIT_TABLE, LIT_TB, M_DONE, M_HEADER, M_HUFF, M_STORED,
  STATE_SIZE, SUB, S_BITBUF, S_BITSLEFT, S_CRC, S_ERRPOS, S_FINAL, S_IN, S_MODE, S_OUT, S_PDIST, S_PLEN, S_STOP,
  S_STORED,
} from './inflate-state';
import {
  BAD_ARGUMENT, BAD_DIST_SYMBOL, BAD_LITLEN_SYMBOL, BLOCK_STOP, DISTANCE_TOO_FAR, NEED_INPUT, OUTPUT_FULL,
  STREAM_END, TRUNCATED, YIELD,
} from './status';

export { crc32 } from './crc32';

/** Input bytes the fast loop keeps in hand: two 8-byte refills per iteration. */
const FAST_IN: usize = 16;
/** Output room the fast loop keeps: a 258-byte match plus a 16-byte copy overrun. */
const FAST_OUT: usize = 258 + 16;
/** The fast loop stops every this many output bytes to fold them into the CRC while hot. */
const CRC_SPAN: usize = 32768;
/** Block headers per call before YIELD. */
const MAX_BLOCKS: u32 = 4096;

// Short-distance match copies: row d (16 bytes) holds lane i = i % d, the swizzle that
// repeats the d bytes before the output across a vector; STEP[d] = 16 - 16 % d is how far
// one such vector advances while keeping the period.
const PATTERN: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0,
  0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 1,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0,
], 16);
const STEP: usize = memory.data<u8>([16, 16, 16, 15, 16, 15, 12, 14, 16, 9, 10, 11, 12, 13, 14, 15]);

// ---------------------------------------------------------------------------------------
// The kernel.

/**
 * Inflates raw deflate data from [inPtr, inEnd) into [outPtr, outEnd), resuming the stream
 * whose state is at `s` (see the file comment for the whole contract).
 * @param s state block (`inflate_reset` before the first call of each stream)
 * @param inPtr first input byte (address); inEnd one past the last
 * @param outPtr where output goes; outEnd one past the last byte that may be written
 * @param hist lowest address a match may copy from (<= outPtr)
 * @param final 1 when no input follows inEnd (running out is then TRUNCATED)
 * @returns a status of wasm/status.ts; afterwards `inflate_in`/`inflate_out` tell where it stopped
 */
export function inflate_raw(s: usize, inPtr: usize, inEnd: usize, outPtr: usize, outEnd: usize, hist: usize, final: i32): i32 {
  const top = (<u64>memory.size()) << 16;
  if (inPtr > inEnd || outPtr > outEnd || hist > outPtr || <u64>inEnd > top || <u64>outEnd > top ||
      <u64>s + <u64>STATE_SIZE > top) {
    return BAD_ARGUMENT;
  }
  let bitbuf = load<u64>(s, S_BITBUF);
  let bl = load<u32>(s, S_BITSLEFT);
  let mode = load<u32>(s, S_MODE);
  let isFinal = load<u32>(s, S_FINAL);
  let crc = load<u32>(s, S_CRC);
  let inp = inPtr;
  let out = outPtr;
  let crcFrom = outPtr;
  let status: i32 = 0;
  let errPos: usize = 0;
  let blocks: u32 = 0;

  const lit = s + LIT_TABLE;
  const dtab = s + DIST_TABLE;

  // A pending match from the last call (it is checked against `hist` again: the host may
  // have moved the window).
  let plen = load<u32>(s, S_PLEN);
  if (plen) {
    const pdist = load<u32>(s, S_PDIST);
    if (<usize>pdist > out - hist) return BAD_ARGUMENT;
    let n = plen;
    if (<usize>n > outEnd - out) n = <u32>(outEnd - out);
    const end = out + n;
    while (out < end) {
      store<u8>(out, load<u8>(out - pdist));
      out++;
    }
    plen -= n;
    store<u32>(s, plen, S_PLEN);
    if (plen) status = OUTPUT_FULL;
  }

  while (status == 0) {
    if (mode == M_HUFF) {
      const inFast = inEnd - inp >= FAST_IN ? inEnd - FAST_IN : inPtr;
      const outFastLimit = outEnd - out >= FAST_OUT ? outEnd - FAST_OUT : outPtr;
      let blockDone = false;
      while (true) {
        // ---- fast loop: no bounds checks per symbol -------------------------------------
        // Software-pipelined: the table entry of the next symbol is looked up before the
        // current literal is stored or match copied, so lookups overlap with the writes.
        // Consuming bits subtracts the whole entry from `bl` (only its low byte counts; the
        // entry's low byte is the bit count) and shifts by it (wasm masks the count to 6 bits).
        // A fault ends the call here: a whole symbol is always in hand, so an invalid code or
        // a distance too far is final, reported at the byte holding the symbol's first bit
        // (from `symBl`, the bits in hand at its start; `inp` has not moved since).
        let outFast = crcFrom + CRC_SPAN;
        if (outFast > outFastLimit || outFast < crcFrom) outFast = outFastLimit;
        if (inp < inFast && out < outFast) {
          bitbuf |= load<u64>(inp) << bl;
          inp += 7 - ((bl >> 3) & 7);
          bl |= 56;
          let e = load<u32>(lit + (<usize>(<u32>bitbuf & LIT_MASK) << 2));
          while (true) {
            const symBl = bl;
            let saved = bitbuf;
            bitbuf >>= e;
            bl -= e;
            if (<i32>e < 0) {
              // Up to three literals from one refill (each main-table code is <= 11 bits).
              // Literal bytes gather in `c` (byte k at bits 8k) and go out in one store; the
              // bytes past them are junk that later output overwrites (the fast loop's margin).
              let c = (e >> 16) & 0xff;
              e = load<u32>(lit + (<usize>(<u32>bitbuf & LIT_MASK) << 2));
              if (<i32>e < 0) {
                bitbuf >>= e;
                bl -= e;
                c |= (e >> 8) & 0xff00;
                e = load<u32>(lit + (<usize>(<u32>bitbuf & LIT_MASK) << 2));
                if (<i32>e < 0) {
                  bitbuf >>= e;
                  bl -= e;
                  c |= e & 0xff0000;
                  e = load<u32>(lit + (<usize>(<u32>bitbuf & LIT_MASK) << 2));
                  store<u32>(out, c);
                  out += 3;
                } else {
                  store<u16>(out, <u16>c);
                  out += 2;
                }
              } else {
                store<u8>(out, <u8>c);
                out++;
              }
              // The low bits do not change, so the entry already looked up stays valid.
              bitbuf |= load<u64>(inp) << bl;
              inp += 7 - ((bl >> 3) & 7);
              bl |= 56;
              if (inp >= inFast || out >= outFast) break;
              continue;
            }
            if (e & EXC) {
              if (e & SUB) {
                e = load<u32>(lit + (<usize>((e >> 16) + (<u32>bitbuf & ((1 << (e >> 8)) - 1))) << 2));
                saved = bitbuf;
                bitbuf >>= e;
                bl -= e;
                if (<i32>e < 0) {
                  store<u8>(out, <u8>(e >> 16));
                  out++;
                  bitbuf |= load<u64>(inp) << bl;
                  inp += 7 - ((bl >> 3) & 7);
                  bl |= 56;
                  e = load<u32>(lit + (<usize>(<u32>bitbuf & LIT_MASK) << 2));
                  if (inp >= inFast || out >= outFast) break;
                  continue;
                }
              }
              if (e & EXC) {
                if (e & EOB) {
                  blockDone = true;
                } else {
                  status = BAD_LITLEN_SYMBOL;
                  errPos = symbolStart(inp, symBl);
                }
                break;
              }
            }
            const len = (e >> 16) + extraBits(saved, e);
            let d = load<u32>(dtab + (<usize>(<u32>bitbuf & DIST_MASK) << 2));
            saved = bitbuf;
            bitbuf >>= d;
            bl -= d;
            if (d & EXC) {
              if (d & SUB) {
                d = load<u32>(dtab + (<usize>((d >> 16) + (<u32>bitbuf & ((1 << (d >> 8)) - 1))) << 2));
                saved = bitbuf;
                bitbuf >>= d;
                bl -= d;
              }
              if (d & EXC) {
                status = BAD_DIST_SYMBOL;
                errPos = symbolStart(inp, symBl);
                break;
              }
            }
            const dist = (d >> 16) + extraBits(saved, d);
            if (<usize>dist > out - hist) {
              status = DISTANCE_TOO_FAR;
              errPos = symbolStart(inp, symBl);
              break;
            }
            bitbuf |= load<u64>(inp) << bl;
            inp += 7 - ((bl >> 3) & 7);
            bl |= 56;
            e = load<u32>(lit + (<usize>(<u32>bitbuf & LIT_MASK) << 2));
            const src = out - <usize>dist;
            const end = out + <usize>len;
            if (dist >= 16) {
              let o = out;
              let p = src;
              do {
                v128.store(o, v128.load(p));
                o += 16;
                p += 16;
              } while (o < end);
            } else {
              const v = i8x16.swizzle(v128.load(src), v128.load(PATTERN + (<usize>dist << 4)));
              const step = <usize>load<u8>(STEP + <usize>dist);
              let o = out;
              do {
                v128.store(o, v);
                o += step;
              } while (o < end);
            }
            out = end;
            if (inp >= inFast || out >= outFast) break;
          }
          bl &= 0xff;
        }
        if (status != 0 || blockDone) break;
        if (out >= outFast && outFast < outFastLimit) {
          // Fold the last span into the CRC while it is still in cache, then go on fast.
          crc = crc32(crc, crcFrom, out - crcFrom);
          crcFrom = out;
          continue;
        }
        // ---- slow path: one symbol, with every bound checked -----------------------------
        const ckIn = inp;
        const ckBuf = bitbuf;
        const ckBl = bl;
        while (bl < 56 && inp < inEnd) {
          bitbuf |= (<u64>load<u8>(inp)) << bl;
          inp++;
          bl += 8;
        }
        const e = lookup(lit, bitbuf, LIT_TB);
        const need = e & 0xff;
        let rewind = false;
        if (need > bl) {
          status = NEED_INPUT;
        } else if (<i32>e < 0) {
          if (out >= outEnd) {
            status = OUTPUT_FULL;
            rewind = true;
          } else {
            bitbuf >>= need;
            bl -= need;
            store<u8>(out, <u8>(e >> 16));
            out++;
          }
        } else if (e & EXC) {
          if (e & EOB) {
            bitbuf >>= need;
            bl -= need;
            blockDone = true;
          } else {
            status = BAD_LITLEN_SYMBOL;
            errPos = symbolStart(ckIn, ckBl);
          }
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
            if (<usize>dist > out - hist) {
              status = DISTANCE_TOO_FAR;
              errPos = symbolStart(ckIn, ckBl);
            } else if (out >= outEnd) {
              status = OUTPUT_FULL;
              rewind = true;
            } else {
              bitbuf = rest >> dneed;
              bl -= need + dneed;
              let n = len;
              if (<usize>n > outEnd - out) n = <u32>(outEnd - out);
              const end = out + n;
              while (out < end) {
                store<u8>(out, load<u8>(out - dist));
                out++;
              }
              if (n < len) {
                store<u32>(s, len - n, S_PLEN);
                store<u32>(s, dist, S_PDIST);
                status = OUTPUT_FULL;
              }
            }
          }
        }
        if (status == NEED_INPUT) {
          if (final) {
            status = TRUNCATED;
            errPos = inEnd;
          } else {
            inp = ckIn;
            bitbuf = ckBuf;
            bl = ckBl;
          }
          break;
        }
        if (rewind) {
          // No room for this symbol: nothing of it is consumed.
          inp = ckIn;
          bitbuf = ckBuf;
          bl = ckBl;
        }
        if (status != 0 || blockDone) break;
        // Back to the top: the fast loop resumes if the margins allow.
        if (inEnd - inp >= FAST_IN && outEnd - out >= FAST_OUT) break;
      }
      if (status != 0) break;
      if (blockDone) {
        mode = isFinal ? M_DONE : M_HEADER;
      }
      // else: margins restored, loop again to recompute fast limits
      continue;
    }

    if (mode == M_HEADER) {
      const stop = load<u64>(s, S_STOP);
      if (stop != 0 && (<u64>inp << 3) - <u64>bl >= stop) {
        status = BLOCK_STOP;
        break;
      }
      if (blocks >= MAX_BLOCKS) {
        status = YIELD;
        break;
      }
      blocks++;
      // Not hot (once per block): the header reader takes the bit buffer through the state.
      store<u64>(s, bitbuf, S_BITBUF);
      store<u32>(s, bl, S_BITSLEFT);
      store<u32>(s, isFinal, S_FINAL);
      status = readBlockHeader(s, inp, inEnd, final);
      bitbuf = load<u64>(s, S_BITBUF);
      bl = load<u32>(s, S_BITSLEFT);
      inp = load<u32>(s, S_IN);
      mode = load<u32>(s, S_MODE);
      isFinal = load<u32>(s, S_FINAL);
      errPos = load<u32>(s, S_ERRPOS);
      continue;
    }

    if (mode == M_STORED) {
      let left = load<u32>(s, S_STORED);
      let n = left;
      if (<usize>n > inEnd - inp) n = <u32>(inEnd - inp);
      if (<usize>n > outEnd - out) n = <u32>(outEnd - out);
      memory.copy(out, inp, n);
      out += n;
      inp += n;
      left -= n;
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
      continue;
    }

    // M_DONE: the stream has ended; the trailer starts at the next whole byte.
    const drop = bl & 7;
    bitbuf >>= drop;
    bl -= drop;
    status = STREAM_END;
  }

  if (out > crcFrom) crc = crc32(crc, crcFrom, out - crcFrom);
  // Give back whole bytes still in the bit buffer, so fewer than 8 bits carry over and the
  // next call can start from `inflate_in` in whatever buffer the host passes.
  inp -= <usize>(bl >> 3);
  bl &= 7;
  bitbuf &= (<u64>1 << bl) - 1;
  store<u64>(s, bitbuf, S_BITBUF);
  store<u32>(s, bl, S_BITSLEFT);
  store<u32>(s, mode, S_MODE);
  store<u32>(s, isFinal, S_FINAL);
  store<u32>(s, crc, S_CRC);
  store<u32>(s, <u32>inp, S_IN);
  store<u32>(s, <u32>out, S_OUT);
  store<u32>(s, <u32>errPos, S_ERRPOS);
  return status;
}
