// CRC-32 (ISO-HDLC / gzip, RFC 1952 §8: reflected polynomial 0xEDB88320, init and final
// XOR 0xFFFFFFFF), slice-by-16.
//
// The host keeps the running CRC as the *finished* value (what a gzip trailer stores), so
// `crc32(crc, ptr, len)` composes: crc32(crc32(0, a), b) == crc32(0, a ++ b).
//
// Sixteen 256-entry tables (16 KiB) live in zeroed static memory and are filled on first
// use in each instance (about 20 µs): table k maps a byte to the CRC contribution of that
// byte followed by k zero bytes, so sixteen input bytes fold into the CRC with sixteen
// independent lookups and no serial dependency between them.

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
