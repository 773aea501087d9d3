// State block of the inflate kernels (wasm/inflate.ts, wasm/inflate-header.ts,
// wasm/inflate-chunk.ts): byte offsets, modes and the decode-table entry format, and the
// exports that size, reset and read it (re-exported by wasm/index.ts). Everything in a
// state block is position-independent.

// ---------------------------------------------------------------------------------------
// State block layout (byte offsets). Everything in it is position-independent.

export const S_BITBUF: usize = 0; // u64: unconsumed input bits, LSB first (< 8 between calls)
export const S_BITSLEFT: usize = 8; // u32
export const S_MODE: usize = 12; // u32: M_*
export const S_FINAL: usize = 16; // u32: the current block has BFINAL set
export const S_STORED: usize = 20; // u32: stored-block bytes still to copy
export const S_PLEN: usize = 24; // u32: pending match length
export const S_PDIST: usize = 28; // u32: pending match distance
export const S_CRC: usize = 32; // u32: CRC-32 of this stream's output so far
export const S_TABLES: usize = 36; // u32: T_NONE, T_FIXED (tables hold the fixed code) or T_DYNAMIC
export const S_IN: usize = 40; // u32: where the last call stopped reading (address)
export const S_OUT: usize = 44; // u32: where the last call stopped writing (address)
export const S_ERRPOS: usize = 48; // u32: address of the byte holding the fault
export const S_LASTMARK: usize = 52; // u32: chunk mode: 1 + index of the last marker written (0: none)
export const S_STOP: usize = 56; // u64: stop before a block header at this bit address (address * 8 + bit), 0: never
export const LIT_TABLE: usize = 64; // u32[LIT_ENOUGH]
export const LIT_ENOUGH: usize = 2342; // zlib's `enough 286 11 15`: root 11 bits, 15-bit codes
export const DIST_TABLE: usize = 9472; // u32[DIST_ENOUGH]
export const DIST_ENOUGH: usize = 402; // `enough 30 8 15`
export const PRE_TABLE: usize = 11136; // u32[128]: code-length code, 7 bits, no subtables
export const LENS: usize = 11648; // u8[320]: code lengths being read
export const SORTED: usize = 11968; // u16[320]: symbols sorted by code length (table build)
export const COUNT: usize = 12608; // u16[16]: codes per length (table build)
export const OFFS: usize = 12640; // u16[16]
/** Bytes of one state block. */
export const STATE_SIZE: usize = 12672;

export const M_HEADER: u32 = 0; // before a block header
export const M_STORED: u32 = 1; // inside a stored block
export const M_HUFF: u32 = 2; // inside a Huffman block, at a symbol boundary
export const M_DONE: u32 = 3; // after the final block

export const T_NONE: u32 = 0;
export const T_FIXED: u32 = 1;
export const T_DYNAMIC: u32 = 2;

// Main-table index bits: always these, whatever the longest code (shorter codes fill the
// table by repetition), so the hot loop masks with constants.
export const LIT_TB: u32 = 11;
export const DIST_TB: u32 = 8;
export const PRE_TB: u32 = 7;
export const LIT_MASK: u32 = (1 << LIT_TB) - 1;
export const DIST_MASK: u32 = (1 << DIST_TB) - 1;
export const PRE_MASK: u32 = (1 << PRE_TB) - 1;

// Table entry (u32):
//   bits 0-7   bits to consume for this entry (codeword bits at this level + extra bits)
//   bits 8-11  codeword bits at this level (extra bits sit above them);
//              for a subtable pointer: the subtable's index bits
//   bit 13     end of block           bit 14  subtable pointer
//   bit 15     exceptional: end of block, subtable pointer or invalid symbol
//   bits 16-30 literal byte, length or distance base, code-length symbol, subtable start
//   bit 31     literal (so a literal tests as a negative i32)
export const EOB: u32 = 0x2000;
export const SUB: u32 = 0x4000;
export const EXC: u32 = 0x8000;
export const LITERAL: u32 = 0x80000000;

/** Most bytes a call ever hands back unconsumed (a dynamic block header is at most ~570). */
const MAX_TAIL: u32 = 1024;

// ---------------------------------------------------------------------------------------
// Exports: layout facts and state accessors.

/** Bytes the host must reserve for one state block (16-byte aligned). */
export function inflate_state_size(): u32 {
  return <u32>STATE_SIZE;
}

/** The most input bytes a call hands back unconsumed; the host's input buffer needs this much headroom. */
export function inflate_max_tail(): u32 {
  return MAX_TAIL;
}

/**
 * Initialises the state block at `s` whatever it held before (the host calls this once per
 * decode session; the memory may have been used for anything).
 * @param s state block (host-owned, `inflate_state_size()` bytes)
 */
export function inflate_init(s: usize): void {
  memory.fill(s, 0, LIT_TABLE);
}

/**
 * Prepares the state block at `s` for the next deflate stream (a gzip member) of the same
 * session; fixed-code tables built earlier in the session are kept.
 * @param s state block (host-owned, `inflate_state_size()` bytes, after `inflate_init`)
 */
export function inflate_reset(s: usize): void {
  const tables = load<u32>(s, S_TABLES) == T_FIXED ? T_FIXED : T_NONE;
  memory.fill(s, 0, LIT_TABLE);
  store<u32>(s, tables, S_TABLES);
}

/** Address of the first input byte the last call did not consume. */
export function inflate_in(s: usize): usize {
  return load<u32>(s, S_IN);
}

/** Address just after the last output byte the last call wrote. */
export function inflate_out(s: usize): usize {
  return load<u32>(s, S_OUT);
}

/** Address of the input byte where the last call found an error. */
export function inflate_err_pos(s: usize): usize {
  return load<u32>(s, S_ERRPOS);
}

/** Bits of the byte before `inflate_in` not yet consumed (0-7): the stream position is `inflate_in * 8 - this`. */
export function inflate_bits_held(s: usize): u32 {
  return load<u32>(s, S_BITSLEFT);
}

/** CRC-32 of the current stream's output so far. */
export function inflate_crc(s: usize): u32 {
  return load<u32>(s, S_CRC);
}
