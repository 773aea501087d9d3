// CRC-32 (ISO-HDLC / gzip, RFC 1952 §8: reflected polynomial 0xEDB88320, init and final
// XOR 0xFFFFFFFF).
//
// The host keeps the running CRC as the *finished* value (what a gzip trailer stores), so
// `crc32(crc, ptr, len)` composes: crc32(crc32(0, a), b) == crc32(0, a ++ b).
//
// Two methods:
// - Slice-by-16 for short runs and block tails. Sixteen 256-entry tables (16 KiB) live in
//   zeroed static memory and are filled on first use in each instance (about 20 µs): table k
//   maps a byte to the CRC contribution of that byte followed by k zero bytes, so sixteen
//   input bytes fold into the CRC with sixteen independent lookups. It is load-bound: two
//   loads a byte (~2.5 GB/s measured in Chromium).
// - Sparse folding for long runs (the idea of Chorba, Russell 2024, arXiv:2412.16398: a
//   CRC needs no tables where the polynomial divides a sparse one). With y = x^64, the
//   CRC-32 polynomial divides Q(y) = y^300 + y^211 + y^183 + y^145 + 1 (found by a
//   meet-in-the-middle search over x^(64k) mod P, and checked below by every test that
//   compares with zlib). Adding a multiple of Q leaves the CRC unchanged, so each 64-bit
//   word of a block can be cancelled and XORed into the words 145, 183, 211 and 300 places
//   later instead; after one pass over all but the last 300 words, only those (2400 bytes,
//   with everything folded into them) remain, and their slice-by-16 CRC is the block's.
//   The folded words accumulate in a scratch buffer (the input is never written), two
//   words per SIMD step: five loads, four stores, four XORs per 16 bytes and no lookups.
const TABLES: usize = memory.data(16 * 256 * 4, 64);
let ready = false;

function init(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let n: usize = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (n << 2));
    for (let t: usize = 1; t < 16; t++) {
      c = load<u32>(TABLES + ((c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(TABLES + (t << 10) + (n << 2), c);
    }
  }
  ready = true;
}

// Hot: sixteen per 16 bytes of output.
// @ts-ignore: decorator
@inline
function tab(t: usize, byte: u32): u32 {
  return load<u32>(TABLES + (t << 10) + (<usize>byte << 2));
}

/**
 * Continues a CRC-32 over `len` bytes at `ptr` (this instance's memory, owned by the host).
 * Used by the inflate kernel on the output it writes and by the host for gzip headers.
 * @param crc the CRC of the bytes before (0 to start)
 * @returns the CRC of everything so far (finished form, as in a gzip trailer)
 */
export function crc32(crc: u32, ptr: usize, len: usize): u32 {
  if (!ready) init();
  let c = crc;
  let p = ptr;
  const end = ptr + len;
  while (end - p >= SPARSE_MIN) {
    let n = end - p;
    if (n > SPARSE_BLOCK) n = SPARSE_BLOCK;
    n &= ~(<usize>15);
    c = sparse(c, p, n);
    p += n;
  }
  return slice16(c, p, end - p);
}

// Sparse folding (see the file comment): Q's exponents below the top one, in words.
const FOLD_A: usize = 145 * 8;
const FOLD_B: usize = 183 * 8;
const FOLD_C: usize = 211 * 8;
/** Q's degree in words: the tail left after folding, in bytes. */
const TAIL: usize = 300 * 8;
/** Bytes folded per pass (the scratch buffer's size). */
const SPARSE_BLOCK: usize = 32768;
/** Runs shorter than this take slice-by-16 alone (the tail would dominate). */
const SPARSE_MIN: usize = 4 * TAIL;
/** Folded words of the current block: FOLD[i] is what earlier words pushed into word i. */
const FOLD: usize = memory.data(<i32>SPARSE_BLOCK, 16);

/**
 * The CRC of `n` bytes at `ptr` (n a multiple of 16, TAIL < n <= SPARSE_BLOCK), continuing
 * `crc`, by sparse folding.
 */
function sparse(crc: u32, ptr: usize, n: usize): u32 {
  // Words below TAIL receive no top-term push, so they start at zero; the running CRC
  // register is XORed into the first four bytes (a CRC from register r over M equals one
  // from register 0 over M with r XORed into its first 32 bits).
  memory.fill(FOLD, 0, TAIL);
  store<u64>(FOLD, <u64>(~crc));
  const stop = n - TAIL;
  for (let i: usize = 0; i < stop; i += 16) {
    const x = v128.xor(v128.load(ptr + i), v128.load(FOLD + i));
    // The top-term push is the first write to its word (the others come from later words).
    v128.store(FOLD + i + TAIL, x);
    v128.store(FOLD + i + FOLD_A, v128.xor(v128.load(FOLD + i + FOLD_A), x));
    v128.store(FOLD + i + FOLD_B, v128.xor(v128.load(FOLD + i + FOLD_B), x));
    v128.store(FOLD + i + FOLD_C, v128.xor(v128.load(FOLD + i + FOLD_C), x));
  }
  // The tail, with everything folded into it, from a zero register.
  for (let i = stop; i < n; i += 16) {
    v128.store(FOLD + i, v128.xor(v128.load(ptr + i), v128.load(FOLD + i)));
  }
  return slice16(0xffffffff, FOLD + stop, TAIL);
}

/** Slice-by-16: continues `crc` (finished form) over `len` bytes at `ptr`. */
function slice16(crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
  let p = ptr;
  const end = ptr + len;
  while (end - p >= 16) {
    // The twelve lookups that do not depend on the running CRC first (bytes loaded one by
    // one: no shift-and-mask), then the four that do.
    const x = tab(11, load<u8>(p, 4)) ^ tab(10, load<u8>(p, 5)) ^ tab(9, load<u8>(p, 6)) ^ tab(8, load<u8>(p, 7)) ^
      tab(7, load<u8>(p, 8)) ^ tab(6, load<u8>(p, 9)) ^ tab(5, load<u8>(p, 10)) ^ tab(4, load<u8>(p, 11)) ^
      tab(3, load<u8>(p, 12)) ^ tab(2, load<u8>(p, 13)) ^ tab(1, load<u8>(p, 14)) ^ tab(0, load<u8>(p, 15));
    const a = load<u32>(p) ^ c;
    c = x ^ tab(15, a & 0xff) ^ tab(14, (a >>> 8) & 0xff) ^ tab(13, (a >>> 16) & 0xff) ^ tab(12, a >>> 24);
    p += 16;
  }
  while (p < end) {
    c = tab(0, (c ^ load<u8>(p)) & 0xff) ^ (c >>> 8);
    p++;
  }
  return ~c;
}
