// Canonical Huffman decode tables of DEFLATE (RFC 1951 §3.2.2; zlib's inftrees.c role): the
// length/distance base tables, the table builder and the fixed code, shared by the inflate
// kernel (wasm/inflate.ts) and the chunk kernels of parallel inflate (wasm/inflate-chunk.ts).

import {
  COUNT, DIST_TABLE, DIST_TB, EOB, EXC, LENS, LITERAL, LIT_TABLE, LIT_TB, OFFS, SORTED, SUB, S_TABLES, T_FIXED,
} from './inflate-state';

// RFC 1951 §3.2.5: lengths for symbols 257..285 and distances for symbols 0..29.
export const LEN_BASE: usize = memory.data<u16>([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
  131, 163, 195, 227, 258,
]);
export const LEN_EXTRA: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
export const DIST_BASE: usize = memory.data<u16>([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
  2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
]);
export const DIST_EXTRA: usize = memory.data<u8>([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
// §3.2.7: order of the code-length code lengths.
export const CL_ORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

// ---------------------------------------------------------------------------------------
// Decode tables (canonical Huffman codes, RFC 1951 §3.2.2).

export const K_PRE: u32 = 0;
export const K_LIT: u32 = 1;
export const K_DIST: u32 = 2;

/** The low `len` bits of `code`, reversed (canonical codes are MSB-first, the stream LSB-first). */
export function rev(code: u32, len: u32): u32 {
  let x = code;
  x = ((x & 0x5555) << 1) | ((x >> 1) & 0x5555);
  x = ((x & 0x3333) << 2) | ((x >> 2) & 0x3333);
  x = ((x & 0x0f0f) << 4) | ((x >> 4) & 0x0f0f);
  x = ((x & 0x00ff) << 8) | ((x >> 8) & 0x00ff);
  return x >> (16 - len);
}

export function makeEntry(kind: u32, sym: u32, clen: u32): u32 {
  const bits = (clen << 8) | clen;
  if (kind == K_LIT) {
    if (sym < 256) return LITERAL | (sym << 16) | bits;
    if (sym == 256) return EXC | EOB | bits;
    if (sym < 286) {
      const i = <usize>(sym - 257);
      return (<u32>load<u16>(LEN_BASE + (i << 1)) << 16) | bits + <u32>load<u8>(LEN_EXTRA + i);
    }
    return EXC | bits; // 286, 287: only the fixed code has them, and they are invalid
  }
  if (kind == K_DIST) {
    if (sym < 30) {
      const i = <usize>sym;
      return (<u32>load<u16>(DIST_BASE + (i << 1)) << 16) | bits + <u32>load<u8>(DIST_EXTRA + i);
    }
    return EXC | bits; // 30, 31: fixed code only, invalid
  }
  return (sym << 16) | bits;
}

/**
 * Builds the decode table for `n` code lengths at `lens`, with a main table of `tb` index bits.
 * Returns false when the code is over-subscribed or incomplete.
 * As zlib does, an incomplete code is accepted for literal/lengths and distances only when it
 * is a single one-bit code (its unused codeword decodes as an invalid symbol), and a distance
 * code with no codes at all is accepted (any distance then is invalid).
 */
export function build(s: usize, table: usize, lens: usize, n: u32, tb: u32, kind: u32): bool {
  const count = s + COUNT;
  const offs = s + OFFS;
  const sorted = s + SORTED;
  memory.fill(count, 0, 32);
  for (let i: u32 = 0; i < n; i++) {
    const p = count + (<usize>load<u8>(lens + i) << 1);
    store<u16>(p, load<u16>(p) + 1);
  }
  let maxlen: u32 = 0;
  let left: i32 = 1;
  for (let len: u32 = 1; len <= 15; len++) {
    const c = <i32>load<u16>(count + (len << 1));
    if (c) maxlen = len;
    left = (left << 1) - c;
    if (left < 0) return false; // over-subscribed
  }
  const size: u32 = 1 << tb;
  if (maxlen == 0) {
    if (kind != K_DIST) return false;
    const bad = EXC | (1 << 8) | 1;
    for (let j: u32 = 0; j < size; j++) store<u32>(table + (<usize>j << 2), bad);
    return true;
  }
  if (left > 0 && (kind == K_PRE || maxlen != 1)) return false; // incomplete
  // Symbols sorted by (length, symbol): canonical code order.
  store<u16>(offs + 2, 0);
  for (let len: u32 = 1; len < 15; len++) {
    store<u16>(offs + ((len + 1) << 1), load<u16>(offs + (len << 1)) + load<u16>(count + (len << 1)));
  }
  for (let sym: u32 = 0; sym < n; sym++) {
    const len = <usize>load<u8>(lens + sym);
    if (len) {
      const o = load<u16>(offs + (len << 1));
      store<u16>(sorted + (<usize>o << 1), <u16>sym);
      store<u16>(offs + (len << 1), o + 1);
    }
  }
  if (left > 0) {
    // A single one-bit code: codeword 0 is the symbol, codeword 1 is invalid.
    const one = makeEntry(kind, <u32>load<u16>(sorted), 1);
    for (let j: u32 = 0; j < size; j += 2) {
      store<u32>(table + (<usize>j << 2), one);
      store<u32>(table + (<usize>j << 2), EXC | (1 << 8) | 1, 4);
    }
    return true;
  }
  let code: u32 = 0;
  let idx: usize = 0;
  let next: u32 = size;
  let curPrefix: u32 = 0xffffffff;
  let subStart: u32 = 0;
  let subSize: u32 = 0;
  for (let len: u32 = 1; len <= maxlen; len++) {
    const cnt = <u32>load<u16>(count + (len << 1));
    for (let k: u32 = 0; k < cnt; k++) {
      const sym = <u32>load<u16>(sorted + (idx << 1));
      idx++;
      const r = rev(code, len);
      if (len <= tb) {
        const e = makeEntry(kind, sym, len);
        const step: u32 = 1 << len;
        for (let j = r; j < size; j += step) store<u32>(table + (<usize>j << 2), e);
      } else {
        const prefix = r & (size - 1);
        if (prefix != curPrefix) {
          // A new subtable: wide enough for every remaining code sharing this prefix
          // (zlib's inflate_table sizing).
          curPrefix = prefix;
          let sb = len - tb;
          let room: i32 = 1 << sb;
          while (sb + tb < maxlen) {
            const l = sb + tb;
            room -= l == len ? <i32>(cnt - k) : <i32>load<u16>(count + (l << 1));
            if (room <= 0) break;
            sb++;
            room <<= 1;
          }
          subStart = next;
          subSize = 1 << sb;
          next += subSize;
          store<u32>(table + (<usize>prefix << 2), (subStart << 16) | EXC | SUB | (sb << 8) | tb);
        }
        const e = makeEntry(kind, sym, len - tb);
        const step: u32 = 1 << (len - tb);
        for (let j = r >> tb; j < subSize; j += step) store<u32>(table + (<usize>(subStart + j) << 2), e);
      }
      code++;
    }
    code <<= 1;
  }
  return true;
}

export function buildFixed(s: usize): void {
  const lens = s + LENS;
  memory.fill(lens, 8, 144);
  memory.fill(lens + 144, 9, 112);
  memory.fill(lens + 256, 7, 24);
  memory.fill(lens + 280, 8, 8);
  build(s, s + LIT_TABLE, lens, 288, LIT_TB, K_LIT);
  memory.fill(lens, 5, 32);
  build(s, s + DIST_TABLE, lens, 32, DIST_TB, K_DIST);
  store<u32>(s, T_FIXED, S_TABLES);
}

/**
 * The entry for the code at the bottom of `bits` in `table` (main-table index bits `tb`), for
 * the one-symbol-at-a-time paths. A subtable's entry comes back with the main-table bits
 * counted in: its low byte is every bit the symbol takes and bits 8-11 the codeword bits
 * before its extra bits (at most 15), so `e & 0xff` and `extraBits(bits, e)` hold at both levels.
 */
// @ts-ignore: decorator
@inline
export function lookup(table: usize, bits: u64, tb: u32): u32 {
  let e = load<u32>(table + (<usize>(<u32>bits & ((<u32>1 << tb) - 1)) << 2));
  if (e & SUB) {
    e = load<u32>(table + (<usize>((e >> 16) + (<u32>(bits >> tb) & ((1 << ((e >> 8) & 0xf)) - 1))) << 2));
    e += (tb << 8) | tb;
  }
  return e;
}

// Hot: once per length and distance in the fast loop.
// @ts-ignore: decorator
@inline
export function extraBits(saved: u64, e: u32): u32 {
  // Shift counts are taken mod 32: the low five bits of `e` and of `e >> 8` are the counts.
  return (<u32>saved & ~(<u32>0xffffffff << e)) >> (e >> 8);
}

/** Address of the byte holding the first unconsumed bit, given `bl` bits in hand (low byte). */
// @ts-ignore: decorator
@inline
export function symbolStart(inp: usize, bl: u32): usize {
  return inp - ((<usize>(bl & 0xff) + 7) >> 3);
}

