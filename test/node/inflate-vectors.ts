/**
 * Builders for hand-made DEFLATE (RFC 1951) and gzip (RFC 1952) streams, valid and
 * malformed, for the inflate tests: an LSB-first bit writer, canonical Huffman codes from
 * code lengths, fixed and dynamic block writers, and a gzip wrapper with every header field
 * and a trailer that can lie. Our own construction (reliability.md §0), no copied vectors.
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { concat } from '../shared/bytes';

export { concat };

/** LSB-first bit writer (RFC 1951 §3.1.1). */
export class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  /** Bits written so far. */
  get bitLength(): number {
    return this.out.length * 8 + this.n;
  }

  /** Writes the low `count` bits of `value`, least significant first. */
  bits(value: number, count: number): this {
    for (let i = 0; i < count; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.out.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
    return this;
  }

  /** Writes a Huffman code (most significant bit first). */
  code(c: { code: number; len: number }): this {
    for (let i = c.len - 1; i >= 0; i--) this.bits((c.code >>> i) & 1, 1);
    return this;
  }

  /** Pads to a byte boundary with zero bits. */
  align(): this {
    if (this.n) this.bits(0, 8 - this.n);
    return this;
  }

  /** Appends whole bytes (after aligning). */
  raw(bytes: ArrayLike<number>): this {
    this.align();
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]! & 0xff);
    return this;
  }

  /** The bytes written (the last partial byte zero-padded). */
  bytes(): Uint8Array {
    const out = Uint8Array.from(this.out);
    return this.n ? Uint8Array.from([...out, this.acc]) : out;
  }
}

/** Canonical codes for `lengths` (RFC 1951 §3.2.2); entries with length 0 get no code. */
export function canonical(lengths: number[]): Array<{ code: number; len: number }> {
  const count = new Array(16).fill(0);
  for (const l of lengths) if (l) count[l]++;
  const next = new Array(16).fill(0);
  let code = 0;
  for (let len = 1; len < 16; len++) {
    next[len] = code;
    code = (code + count[len]) << 1;
  }
  return lengths.map((len) => (len ? { code: next[len]++, len } : { code: 0, len: 0 }));
}

/** The fixed literal/length code lengths (§3.2.6). */
export const FIXED_LIT = Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8));
export const FIXED_LIT_CODES = canonical(FIXED_LIT);
export const FIXED_DIST_CODES = canonical(new Array(32).fill(5));

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Symbol + extra bits for a match length 3..258 (the shortest encoding). */
export function lengthSymbol(len: number): { sym: number; extra: number; nextra: number } {
  for (let i = LEN_BASE.length - 1; i >= 0; i--) {
    if (len >= LEN_BASE[i]!) return { sym: 257 + i, extra: len - LEN_BASE[i]!, nextra: LEN_EXTRA[i]! };
  }
  throw new RangeError(`bad length ${len}`);
}

/** Symbol + extra bits for a distance 1..32768. */
export function distSymbol(dist: number): { sym: number; extra: number; nextra: number } {
  for (let i = DIST_BASE.length - 1; i >= 0; i--) {
    if (dist >= DIST_BASE[i]!) return { sym: i, extra: dist - DIST_BASE[i]!, nextra: DIST_EXTRA[i]! };
  }
  throw new RangeError(`bad distance ${dist}`);
}

/** A block's symbols: literal bytes, matches, then the end of block (added by the writer). */
export type Item = number | { len: number; dist: number };

/** Writes `items` with the given codes, then EOB. */
export function writeItems(
  w: BitWriter,
  items: Item[],
  lit: Array<{ code: number; len: number }>,
  dist: Array<{ code: number; len: number }>,
): void {
  for (const it of items) {
    if (typeof it === 'number') {
      w.code(lit[it]!);
    } else {
      const l = lengthSymbol(it.len);
      w.code(lit[l.sym]!).bits(l.extra, l.nextra);
      const d = distSymbol(it.dist);
      w.code(dist[d.sym]!).bits(d.extra, d.nextra);
    }
  }
  w.code(lit[256]!);
}

/** A fixed-Huffman block (BTYPE 01). */
export function fixedBlock(w: BitWriter, items: Item[], final = true): void {
  w.bits(final ? 1 : 0, 1).bits(1, 2);
  writeItems(w, items, FIXED_LIT_CODES, FIXED_DIST_CODES);
}

/** A stored block (BTYPE 00) with LEN/NLEN (NLEN overridable to make it lie). */
export function storedBlock(w: BitWriter, data: ArrayLike<number>, final = true, nlen?: number): void {
  w.bits(final ? 1 : 0, 1).bits(0, 2).align();
  w.bits(data.length, 16).bits(nlen ?? (~data.length & 0xffff), 16);
  w.raw(data);
}

/** Options of a dynamic block header. */
export interface DynamicHeader {
  /** Literal/length code lengths (HLIT = its length, 257..). */
  lit: number[];
  /** Distance code lengths (HDIST = its length, 1..). */
  dist: number[];
  /** Override of the HLIT/HDIST/HCLEN fields (to make them lie). */
  hlit?: number;
  hdist?: number;
  /** Code-length code lengths by symbol 0..18 (default: 0..15 at 4 bits each, complete). */
  pre?: number[];
  /** Override of the code-length symbols written (default: one per length, no runs). */
  clSymbols?: Array<{ sym: number; extra?: number }>;
}

const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Writes a dynamic block header (§3.2.7); returns the lit/dist codes to write data with. */
export function dynamicHeader(w: BitWriter, h: DynamicHeader, final = true) {
  const pre = h.pre ?? [...new Array(16).fill(4), 0, 0, 0];
  let hclen = 19;
  while (hclen > 4 && !pre[CL_ORDER[hclen - 1]!]) hclen--;
  w.bits(final ? 1 : 0, 1).bits(2, 2);
  w.bits((h.hlit ?? h.lit.length) - 257, 5).bits((h.hdist ?? h.dist.length) - 1, 5).bits(hclen - 4, 4);
  for (let i = 0; i < hclen; i++) w.bits(pre[CL_ORDER[i]!] ?? 0, 3);
  const preCodes = canonical(pre);
  const symbols: Array<{ sym: number; extra?: number }> = h.clSymbols ?? [...h.lit, ...h.dist].map((l) => ({ sym: l }));
  for (const s of symbols) {
    w.code(preCodes[s.sym]!);
    if (s.sym === 16) w.bits(s.extra ?? 0, 2);
    if (s.sym === 17) w.bits(s.extra ?? 0, 3);
    if (s.sym === 18) w.bits(s.extra ?? 0, 7);
  }
  return { lit: canonical(h.lit), dist: canonical(h.dist) };
}

/** Lengths array of `n` zeros with some entries set. */
export function lengths(n: number, set: Record<number, number>): number[] {
  const a = new Array(n).fill(0);
  for (const [k, v] of Object.entries(set)) a[Number(k)] = v;
  return a;
}

/** gzip header options (RFC 1952 §2.3). */
export interface GzipHeader {
  method?: number;
  flags?: number;
  extra?: Uint8Array;
  /** XLEN override (to make it lie). */
  xlen?: number;
  name?: Uint8Array | string;
  comment?: Uint8Array | string;
  /** Write FHCRC (true: correct; a number: that value). */
  hcrc?: boolean | number;
  /** Leave FNAME/FCOMMENT unterminated. */
  unterminated?: boolean;
}

function bytesOf(s: Uint8Array | string): Uint8Array {
  return typeof s === 'string' ? new TextEncoder().encode(s) : s;
}

/** A gzip header. */
export function gzipHeader(h: GzipHeader = {}): Uint8Array {
  let flg = h.flags ?? 0;
  if (h.extra) flg |= 4;
  if (h.name !== undefined) flg |= 8;
  if (h.comment !== undefined) flg |= 16;
  if (h.hcrc !== undefined && h.hcrc !== false) flg |= 2;
  const out: number[] = [0x1f, 0x8b, h.method ?? 8, flg, 0, 0, 0, 0, 0, 3];
  if (h.extra) {
    const xlen = h.xlen ?? h.extra.length;
    out.push(xlen & 0xff, xlen >> 8, ...h.extra);
  }
  if (h.name !== undefined) out.push(...bytesOf(h.name), ...(h.unterminated && h.comment === undefined ? [] : [0]));
  if (h.comment !== undefined) out.push(...bytesOf(h.comment), ...(h.unterminated ? [] : [0]));
  if (h.hcrc !== undefined && h.hcrc !== false) {
    const c = typeof h.hcrc === 'number' ? h.hcrc : crc32(Uint8Array.from(out)) & 0xffff;
    out.push(c & 0xff, c >> 8);
  }
  return Uint8Array.from(out);
}

/** A whole gzip member around raw deflate bytes; the trailer describes `data` unless overridden. */
export function gzipMember(
  deflate: Uint8Array,
  data: Uint8Array,
  opts: GzipHeader & { crc?: number; isize?: number } = {},
): Uint8Array {
  const head = gzipHeader(opts);
  const trailer = new Uint8Array(8);
  const dv = new DataView(trailer.buffer);
  dv.setUint32(0, opts.crc ?? crc32(data), true);
  dv.setUint32(4, opts.isize ?? data.length % 2 ** 32, true);
  return concat(head, deflate, trailer);
}

/** A gzip member with header fields and trailer computed: convenience for raw deflate tests. */
export function wrap(deflate: Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return gzipMember(deflate, data);
}

/**
 * fast-check data with structure, as image files have it: noise, runs of one byte, and
 * repeats at various periods, concatenated.
 * @param size longest noise part, run and repeat; largest period; most parts
 */
export function structuredData(size: { noise: number; run: number; repeat: number; period: number; parts: number }): fc.Arbitrary<Buffer> {
  return fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: size.noise }),
        fc.record({ byte: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 1, max: size.run }) }).map(
          ({ byte, n }) => new Uint8Array(n).fill(byte),
        ),
        fc.record({ period: fc.integer({ min: 1, max: size.period }), n: fc.integer({ min: 1, max: size.repeat }), seed: fc.integer() }).map(
          ({ period, n, seed }) => Uint8Array.from({ length: n }, (_, i) => ((i % period) * 37 + seed) & 0xff),
        ),
      ),
      { maxLength: size.parts },
    )
    .map((parts) => Buffer.concat(parts));
}
