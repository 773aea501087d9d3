// One DEFLATE block header (RFC 1951 §3.2.3–§3.2.7; the TYPE, STORED, TABLE, LENLENS and
// CODELENS states of zlib's inflate.c): BFINAL and BTYPE, a stored block's LEN/NLEN, or a
// dynamic block's code-length code and code lengths, built into the state block's decode
// tables (wasm/huffman.ts). `inflate_raw` (wasm/inflate.ts) calls it once per block, never
// per symbol, so the bit buffer and positions pass through the state block rather than
// locals: the caller stores its bit buffer and BFINAL first and reloads everything after
// (those fields are rewritten when `inflate_raw` returns anyway).
//
// Contract: reads only [inPtr, inEnd). Input that runs out inside the header rolls back to
// the header's start (NEED_INPUT), unless `final`, which makes it TRUNCATED; a fault is a
// negative status with S_ERRPOS at the byte holding it.

import { K_DIST, K_LIT, K_PRE, CL_ORDER, build, buildFixed, symbolStart } from './huffman';
import {
  DIST_TABLE, DIST_TB, LENS, LIT_TABLE, LIT_TB, M_HEADER, M_HUFF, M_STORED, PRE_MASK, PRE_TABLE, PRE_TB,
  S_BITBUF, S_BITSLEFT, S_ERRPOS, S_FINAL, S_IN, S_MODE, S_STORED, S_TABLES, T_DYNAMIC, T_FIXED, T_NONE,
} from './inflate-state';
import {
  BAD_CODELEN_CODE, BAD_DIST_CODE_SET, BAD_LITLEN_CODE_SET, BAD_REPEAT, INVALID_BLOCK_TYPE, MISSING_EOB,
  NEED_INPUT, STORED_LEN_MISMATCH, TOO_MANY_SYMBOLS, TRUNCATED,
} from './status';

/**
 * Reads the block header at the state's bit position (S_BITBUF, S_BITSLEFT, then `inPtr`).
 * Afterwards the state holds the new bit buffer, S_IN (the next unread byte), S_MODE
 * (M_STORED or M_HUFF with the block's tables built; M_HEADER when it failed), S_FINAL
 * (BFINAL, once read) and S_ERRPOS (0, or where it failed).
 * @param s state block
 * @param inPtr next input byte (address); inEnd one past the last
 * @param final 1 when no input follows inEnd
 * @returns 0, NEED_INPUT, TRUNCATED or an error status of wasm/status.ts
 */
export function readBlockHeader(s: usize, inPtr: usize, inEnd: usize, final: i32): i32 {
  let bitbuf = load<u64>(s, S_BITBUF);
  let bl = load<u32>(s, S_BITSLEFT);
  let isFinal = load<u32>(s, S_FINAL);
  let inp = inPtr;
  let mode = M_HEADER;
  let status: i32 = 0;
  let errPos: usize = 0;
  const lit = s + LIT_TABLE;
  const dtab = s + DIST_TABLE;
  const ckIn = inp;
  const ckBuf = bitbuf;
  const ckBl = bl;
  let ooi = false; // out of input
  while (bl < 56 && inp < inEnd) {
    bitbuf |= (<u64>load<u8>(inp)) << bl;
    inp++;
    bl += 8;
  }
  if (bl < 3) {
    ooi = true;
  } else {
    isFinal = <u32>bitbuf & 1;
    const btype = (<u32>bitbuf >> 1) & 3;
    bitbuf >>= 3;
    bl -= 3;
    if (btype == 0) {
      const drop = bl & 7;
      bitbuf >>= drop;
      bl -= drop;
      while (bl < 56 && inp < inEnd) {
        bitbuf |= (<u64>load<u8>(inp)) << bl;
        inp++;
        bl += 8;
      }
      if (bl < 32) {
        ooi = true;
      } else {
        const len = <u32>bitbuf & 0xffff;
        const nlen = (<u32>bitbuf >> 16) & 0xffff;
        if (len != (~nlen & 0xffff)) {
          status = STORED_LEN_MISMATCH;
          errPos = inp - (<usize>bl >> 3);
        } else {
          bitbuf >>= 32;
          bl -= 32;
          // Give back the whole bytes already in the bit buffer: the copy reads memory.
          inp -= <usize>(bl >> 3);
          bitbuf = 0;
          bl = 0;
          store<u32>(s, len, S_STORED);
          mode = M_STORED;
        }
      }
    } else if (btype == 1) {
      if (load<u32>(s, S_TABLES) != T_FIXED) buildFixed(s);
      mode = M_HUFF;
    } else if (btype == 2) {
      // Dynamic header (§3.2.7).
      if (bl < 14) {
        ooi = true;
      } else {
        const hlit = (<u32>bitbuf & 31) + 257;
        const hdist = ((<u32>bitbuf >> 5) & 31) + 1;
        const hclen = ((<u32>bitbuf >> 10) & 15) + 4;
        bitbuf >>= 14;
        bl -= 14;
        if (hlit > 286 || hdist > 30) {
          status = TOO_MANY_SYMBOLS;
          errPos = symbolStart(ckIn, ckBl);
        } else {
          const lens = s + LENS;
          memory.fill(lens, 0, 19);
          for (let i: u32 = 0; i < hclen; i++) {
            if (bl < 3) {
              while (bl < 56 && inp < inEnd) {
                bitbuf |= (<u64>load<u8>(inp)) << bl;
                inp++;
                bl += 8;
              }
              if (bl < 3) {
                ooi = true;
                break;
              }
            }
            store<u8>(lens + <usize>load<u8>(CL_ORDER + i), <u8>(<u32>bitbuf & 7));
            bitbuf >>= 3;
            bl -= 3;
          }
          if (!ooi) {
            if (!build(s, s + PRE_TABLE, lens, 19, PRE_TB, K_PRE)) {
              status = BAD_CODELEN_CODE;
              errPos = symbolStart(ckIn, ckBl);
            } else {
              const total = hlit + hdist;
              let i: u32 = 0;
              const pre = s + PRE_TABLE;
              while (i < total) {
                if (bl < 14) {
                  while (bl < 56 && inp < inEnd) {
                    bitbuf |= (<u64>load<u8>(inp)) << bl;
                    inp++;
                    bl += 8;
                  }
                }
                const e = load<u32>(pre + (<usize>(<u32>bitbuf & PRE_MASK) << 2));
                const clen = e & 0xff;
                const sym = e >> 16;
                if (clen > bl) {
                  ooi = true;
                  break;
                }
                if (sym < 16) {
                  bitbuf >>= clen;
                  bl -= clen;
                  store<u8>(lens + i, <u8>sym);
                  i++;
                  continue;
                }
                const xb: u32 = sym == 16 ? 2 : sym == 17 ? 3 : 7;
                if (clen + xb > bl) {
                  ooi = true;
                  break;
                }
                const x = (<u32>(bitbuf >> clen)) & ((1 << xb) - 1);
                bitbuf >>= clen + xb;
                bl -= clen + xb;
                let val: u8 = 0;
                let rep: u32;
                if (sym == 16) {
                  if (i == 0) {
                    status = BAD_REPEAT;
                    errPos = inp - ((<usize>bl + <usize>(clen + xb) + 7) >> 3);
                    break;
                  }
                  val = load<u8>(lens + i - 1);
                  rep = 3 + x;
                } else if (sym == 17) {
                  rep = 3 + x;
                } else {
                  rep = 11 + x;
                }
                if (i + rep > total) {
                  status = BAD_REPEAT;
                  errPos = inp - ((<usize>bl + <usize>(clen + xb) + 7) >> 3);
                  break;
                }
                memory.fill(lens + i, val, rep);
                i += rep;
              }
              if (!ooi && status == 0) {
                if (load<u8>(lens + 256) == 0) {
                  status = MISSING_EOB;
                  errPos = symbolStart(ckIn, ckBl);
                } else {
                  // The tables are overwritten from here: they no longer hold the fixed
                  // code, whether or not this header turns out valid.
                  store<u32>(s, T_NONE, S_TABLES);
                  if (!build(s, lit, lens, hlit, LIT_TB, K_LIT)) {
                    status = BAD_LITLEN_CODE_SET;
                    errPos = symbolStart(ckIn, ckBl);
                  } else {
                    if (!build(s, dtab, lens + hlit, hdist, DIST_TB, K_DIST)) {
                      status = BAD_DIST_CODE_SET;
                      errPos = symbolStart(ckIn, ckBl);
                    } else {
                      store<u32>(s, T_DYNAMIC, S_TABLES);
                      mode = M_HUFF;
                    }
                  }
                }
              }
            }
          }
        }
      }
    } else {
      status = INVALID_BLOCK_TYPE;
      errPos = symbolStart(ckIn, ckBl);
    }
  }
  if (ooi) {
    if (final) {
      status = TRUNCATED;
      errPos = inEnd;
    } else {
      inp = ckIn;
      bitbuf = ckBuf;
      bl = ckBl;
      status = NEED_INPUT;
    }
  }
  store<u64>(s, bitbuf, S_BITBUF);
  store<u32>(s, bl, S_BITSLEFT);
  store<u32>(s, <u32>inp, S_IN);
  store<u32>(s, mode, S_MODE);
  store<u32>(s, isFinal, S_FINAL);
  store<u32>(s, <u32>errPos, S_ERRPOS);
  return status;
}
