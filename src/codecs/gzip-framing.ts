/**
 * gzip framing (RFC 1952), pure: what surrounds each member's deflate data, and what may
 * follow a member. Both decoders use it — the WebAssembly stream (gzip-stream.ts) and the
 * fallback without WebAssembly (gzip.ts) — so they accept and refuse the same files with the
 * same codes and offsets (reliability.md §2.3):
 *
 * - a member header: magic `1f 8b`, method 8, no reserved flag bits; FEXTRA, FNAME and
 *   FCOMMENT skipped whatever their length; FHCRC checked (the low 16 bits of the CRC-32 of
 *   the header bytes before it). Parsed incrementally, so a header may span reads.
 * - a member trailer: CRC-32 and ISIZE (the member's length mod 2^32), little-endian.
 * - after a member: another member (`1f 8b`), zero padding (accepted to the end), or anything
 *   else — trailing data, which ends the stream with a 'TRAILING_DATA' warning.
 */
import type { HeaderWarning } from '../errors.js';
import { decompressionError } from '../wasm/status.js';

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

const S_FIXED = 0;
const S_XLEN = 1;
const S_EXTRA = 2;
const S_NAME = 3;
const S_COMMENT = 4;
const S_HCRC = 5;
const S_DONE = 6;

/**
 * One member header, parsed as its bytes arrive. `feed` consumes what it can; the header is
 * over when `done` is true. Errors name the compressed offset of the faulty byte.
 */
export class GzipHeaderParser {
  /** Compressed offset of the member's first byte. */
  readonly start: number;
  private state = S_FIXED;
  private flg = 0;
  private left = 0;
  private crc = 0;
  private pos: number;

  /** @param start compressed offset of the member's first byte */
  constructor(start: number) {
    this.start = start;
    this.pos = start;
  }

  /** True once the whole header (and its FHCRC) has been consumed. */
  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Consumes header bytes.
   * @param bytes the next input bytes; `bytes[0]` is at the compressed offset where the last
   *   `feed` stopped
   * @returns how many bytes were consumed (0: more bytes are needed to go on)
   * @throws {DecompressionError} GZIP_BAD_MAGIC, GZIP_BAD_METHOD, GZIP_RESERVED_FLAGS,
   *   GZIP_HEADER_CRC
   */
  feed(bytes: Uint8Array): number {
    let i = 0;
    const n = bytes.byteLength;
    while (this.state !== S_DONE) {
      switch (this.state) {
        case S_FIXED: {
          // A wrong magic is named even when fewer than 10 bytes are there.
          if (n - i >= 1 && bytes[i] !== 0x1f) throw decompressionError('GZIP_BAD_MAGIC', this.pos);
          if (n - i >= 2 && bytes[i + 1] !== 0x8b) throw decompressionError('GZIP_BAD_MAGIC', this.pos + 1);
          if (n - i < 10) return i;
          if (bytes[i + 2] !== 8) throw decompressionError('GZIP_BAD_METHOD', this.pos + 2, `method ${bytes[i + 2]}`);
          this.flg = bytes[i + 3]!;
          if (this.flg & 0xe0) {
            throw decompressionError('GZIP_RESERVED_FLAGS', this.pos + 3, `FLG 0x${this.flg.toString(16)}`);
          }
          i = this.take(bytes, i, 10);
          this.state = S_XLEN;
          continue;
        }
        case S_XLEN:
          if (!(this.flg & FEXTRA)) {
            this.state = S_NAME;
            continue;
          }
          if (n - i < 2) return i;
          this.left = bytes[i]! | (bytes[i + 1]! << 8);
          i = this.take(bytes, i, 2);
          this.state = S_EXTRA;
          continue;
        case S_EXTRA: {
          // bgzip's BC subfield and any other extra field: skipped.
          const k = Math.min(this.left, n - i);
          i = this.take(bytes, i, k);
          this.left -= k;
          if (this.left > 0) return i;
          this.state = S_NAME;
          continue;
        }
        case S_NAME:
        case S_COMMENT: {
          const bit = this.state === S_NAME ? FNAME : FCOMMENT;
          if (this.flg & bit) {
            // Zero-terminated, any length.
            const z = bytes.indexOf(0, i);
            if (z < 0) return this.take(bytes, i, n - i);
            i = this.take(bytes, i, z + 1 - i);
          }
          this.state = this.state === S_NAME ? S_COMMENT : S_HCRC;
          continue;
        }
        case S_HCRC:
          if (this.flg & FHCRC) {
            if (n - i < 2) return i;
            const stored = bytes[i]! | (bytes[i + 1]! << 8);
            if (stored !== (this.crc & 0xffff)) throw decompressionError('GZIP_HEADER_CRC', this.pos);
            i += 2;
            this.pos += 2;
          }
          this.state = S_DONE;
      }
    }
    return i;
  }

  /** Consumes `k` bytes at `i` into the running header CRC. */
  private take(bytes: Uint8Array, i: number, k: number): number {
    if (this.flg & FHCRC || this.state === S_FIXED) this.crc = crc32(bytes.subarray(i, i + k), this.crc);
    this.pos += k;
    return i + k;
  }
}

/**
 * Parses a whole member header that is all in `bytes`.
 * @param bytes the compressed bytes
 * @param pos offset of the member
 * @returns the offset of its deflate data
 * @throws {DecompressionError} as `GzipHeaderParser.feed`, or TRUNCATED at the end of `bytes`
 */
export function parseGzipHeader(bytes: Uint8Array, pos: number): number {
  const p = new GzipHeaderParser(pos);
  const used = p.feed(bytes.subarray(pos));
  if (!p.done) throw decompressionError('TRUNCATED', bytes.byteLength);
  return pos + used;
}

/**
 * Checks a member trailer.
 * @param trailer its 8 bytes
 * @param at compressed offset of the trailer
 * @param crc CRC-32 of the member's output
 * @param length the member's output length
 * @throws {DecompressionError} GZIP_DATA_CRC at `at`, GZIP_LENGTH at `at + 4`
 */
export function checkTrailer(trailer: Uint8Array, at: number, crc: number, length: number): void {
  const dv = new DataView(trailer.buffer, trailer.byteOffset, 8);
  const stored = dv.getUint32(0, true);
  if (stored !== crc >>> 0) throw decompressionError('GZIP_DATA_CRC', at, `stored ${hex(stored)}, computed ${hex(crc >>> 0)}`);
  const isize = dv.getUint32(4, true);
  if (isize !== length % 2 ** 32) throw decompressionError('GZIP_LENGTH', at + 4, `stored ${isize}, decoded ${length % 2 ** 32}`);
}

/** What follows a member (see `scanAfterMember`). */
export interface AfterMember {
  /** 'member': another starts after `skip` bytes; 'garbage': trailing data starts there; 'more': all zeros so far. */
  kind: 'member' | 'garbage' | 'more';
  /** Zero padding bytes before it (for 'more': all of `bytes`, unless a lone `1f` ends them). */
  skip: number;
}

/**
 * Looks at the bytes after a member.
 * @param bytes what is available after the member (or after the padding already skipped)
 * @param final whether nothing follows `bytes`
 * @returns the decision, or 'more' when `bytes` end before one can be made (at the end of
 *   the input, 'more' means: padding to the end, which is accepted)
 */
export function scanAfterMember(bytes: Uint8Array, final: boolean): AfterMember {
  let i = 0;
  while (i < bytes.byteLength && bytes[i] === 0) i++;
  if (i === bytes.byteLength) return { kind: 'more', skip: i };
  if (i > 0) return { kind: 'garbage', skip: i };
  if (bytes[0] !== 0x1f) return { kind: 'garbage', skip: 0 };
  if (bytes.byteLength < 2) return final ? { kind: 'garbage', skip: 0 } : { kind: 'more', skip: 0 };
  return { kind: bytes[1] === 0x8b ? 'member' : 'garbage', skip: 0 };
}

/**
 * The warning for trailing data after the last member.
 * @param at its compressed offset
 * @returns the warning
 */
export function trailingDataWarning(at: number): HeaderWarning {
  return {
    code: 'TRAILING_DATA',
    field: 'gzip',
    message: `gzip: ignoring trailing data at compressed byte ${at} (not a gzip member)`,
    found: at,
  };
}

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (RFC 1952 §8) in TypeScript: for headers and the fallback only (the WebAssembly
 * kernel has its own, much faster).
 * @param bytes the bytes
 * @param crc the CRC of what came before (default 0)
 * @returns the unsigned CRC
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `a · b` modulo the CRC-32 polynomial, both in the reflected bit order of CRC values (bit 31 is x^0). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  let x = b >>> 0;
  for (;;) {
    if (a & m) {
      p ^= x;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    x = x & 1 ? (x >>> 1) ^ 0xedb88320 : x >>> 1;
  }
  return p >>> 0;
}

let x2n: Uint32Array | undefined;

/** x^(8·n) modulo the polynomial: what appending n zero bytes multiplies a CRC's register by. */
function xPow8n(n: number): number {
  if (!x2n) {
    // x^(2^k) for k = 0..31; x has order dividing 2^32 − 1, so x^(2^32) = x and k cycles.
    x2n = new Uint32Array(32);
    x2n[0] = 0x40000000;
    for (let k = 1; k < 32; k++) x2n[k] = multModP(x2n[k - 1]!, x2n[k - 1]!);
  }
  let p = 0x80000000;
  let k = 3;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(x2n[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * The CRC-32 of A followed by B from the CRC-32s of each (zlib's crc32_combine), in
 * O(log lenB): how parallel inflate checks a member whose chunks were decoded apart.
 * @param crcA CRC-32 of A
 * @param crcB CRC-32 of B
 * @param lenB B's length in bytes
 * @returns the unsigned CRC-32 of A ++ B
 */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  return (multModP(xPow8n(lenB), crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
