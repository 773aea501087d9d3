// reliability.md §2 and §7 cases 1–37, 42 and 61 against the WebAssembly gunzip (debug
// build): each hand-made vector gives the expected code (or bytes), the same verdict as
// node:zlib (the oracle), and the same result with its input flush against the end of the
// memory and canaries around the output (case 61).
import { gunzipSync, gzipSync, deflateRawSync, constants } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeFromZlibMessage, gunzip } from '../../src/codecs/gzip';
import { isNibabelError } from '../../src/errors';
import { BufferSource } from '../../src/io/buffer-source';
import { estimateOutput, gunzipGuarded } from '../../src/codecs/gzip';
import { collect } from '../../src/codecs/gzip-ranges';
import { setWasmSource } from '../../src/wasm/load';
import { clearScratchPool } from '../../src/wasm/memory';
import {
  BitWriter, FIXED_DIST_CODES, FIXED_LIT_CODES, concat, dynamicHeader, fixedBlock, gzipHeader, gzipMember,
  lengths, storedBlock, writeItems, wrap,
} from './inflate-vectors';

const DEBUG = new URL('../../wasm/build/debug.wasm', import.meta.url);

beforeAll(() => {
  setWasmSource(DEBUG);
  clearScratchPool();
});

type Verdict = { ok: Uint8Array } | { code: string };

/** node:zlib's verdict (gunzip, all members). */
function zlibVerdict(gz: Uint8Array): Verdict {
  try {
    return { ok: new Uint8Array(gunzipSync(gz)) };
  } catch (err) {
    return { code: codeFromZlibMessage((err as Error).message) ?? `zlib:${(err as Error).message}` };
  }
}

async function ours(gz: Uint8Array, opts: { maxOutputLength?: number } = {}): Promise<Verdict & { offset?: number }> {
  try {
    return { ok: await gunzip(gz, opts) };
  } catch (err) {
    if (!isNibabelError(err)) throw err;
    return { code: err.code, offset: (err as { offset?: number }).offset };
  }
}

async function guarded(gz: Uint8Array): Promise<Verdict> {
  try {
    const r = await gunzipGuarded(gz, { chunkSize: 4096 });
    expect(r!.canariesIntact).toBe(true);
    return { ok: r!.output };
  } catch (err) {
    if (!isNibabelError(err)) throw err;
    return { code: err.code };
  }
}

/** Our result, zlib's and the guarded one agree, and match `want`. */
async function check(gz: Uint8Array, want: Verdict, opts: { zlib?: boolean } = {}): Promise<Verdict & { offset?: number }> {
  const got = await ours(gz);
  if ('ok' in want) {
    expect('code' in got ? got.code : 'ok').toBe('ok');
    expect(Buffer.from((got as { ok: Uint8Array }).ok).equals(Buffer.from(want.ok))).toBe(true);
  } else {
    expect('code' in got ? got.code : 'decoded without error').toBe(want.code);
  }
  if (opts.zlib !== false) {
    const z = zlibVerdict(gz);
    if ('ok' in want) {
      expect('ok' in z).toBe(true);
      expect(Buffer.from((z as { ok: Uint8Array }).ok).equals(Buffer.from(want.ok))).toBe(true);
    } else {
      expect('code' in z ? 'rejected' : 'accepted').toBe('rejected');
    }
  }
  const g = await guarded(gz);
  expect('code' in g ? g.code : 'ok').toBe('code' in want ? want.code : 'ok');
  // The fallback without WebAssembly (node:zlib per member) reaches the same verdict.
  setWasmSource(false);
  try {
    const fb = await ours(gz);
    expect('code' in fb ? fb.code : 'ok').toBe('code' in want ? want.code : 'ok');
    if ('ok' in fb && 'ok' in want) expect(Buffer.from(fb.ok).equals(Buffer.from(want.ok))).toBe(true);
  } finally {
    setWasmSource(DEBUG);
  }
  return got;
}

const bytes = (s: string): number[] => [...new TextEncoder().encode(s)];

describe('deflate stream (raw, behind gzip)', () => {
  it('1: BTYPE 3 → INVALID_BLOCK_TYPE at the block header', async () => {
    const got = await check(wrap(new BitWriter().bits(1, 1).bits(3, 2).bytes()), { code: 'INVALID_BLOCK_TYPE' });
    expect(got.offset).toBe(10);
  });

  it('2: stored LEN != ~NLEN → STORED_LEN_MISMATCH', async () => {
    const w = new BitWriter();
    storedBlock(w, [1, 2, 3, 4, 5], true, 0x1234);
    const got = await check(wrap(w.bytes()), { code: 'STORED_LEN_MISMATCH' });
    expect(got.offset).toBe(11);
  });

  it('3: stored LEN past the end of the input → TRUNCATED', async () => {
    const w = new BitWriter().bits(1, 1).bits(0, 2).align().bits(100, 16).bits(~100 & 0xffff, 16).raw(new Uint8Array(10));
    await check(concat(gzipHeader(), w.bytes()), { code: 'TRUNCATED' });
  });

  it('4: HLIT > 286 or HDIST > 30 → TOO_MANY_SYMBOLS', async () => {
    const lit = lengths(257, { 256: 1, 65: 1 });
    for (const h of [{ lit, dist: [1], hlit: 287 }, { lit, dist: [1], hdist: 31 }]) {
      const w = new BitWriter();
      dynamicHeader(w, h);
      await check(wrap(w.bytes()), { code: 'TOO_MANY_SYMBOLS' });
    }
  });

  it('5: over-subscribed or incomplete code-length code → BAD_CODELEN_CODE', async () => {
    const over = lengths(19, { 0: 1, 1: 1, 2: 1 });
    const incomplete = lengths(19, { 0: 2, 1: 2, 2: 2 });
    const single = lengths(19, { 1: 1 });
    for (const pre of [over, incomplete, single]) {
      const w = new BitWriter();
      w.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4);
      for (const i of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]) w.bits(pre[i]!, 3);
      w.bits(0, 32);
      await check(wrap(w.bytes()), { code: 'BAD_CODELEN_CODE' });
    }
  });

  it('6: repeat (16) with no previous length, or a repeat past HLIT+HDIST → BAD_REPEAT', async () => {
    const pre = lengths(19, { 0: 2, 1: 2, 16: 2, 18: 2 });
    const lit = lengths(257, { 256: 1, 65: 1 });
    const first = new BitWriter();
    dynamicHeader(first, { lit, dist: [1], pre, clSymbols: [{ sym: 16, extra: 0 }] });
    first.bits(0, 16);
    await check(wrap(first.bytes()), { code: 'BAD_REPEAT' });
    const past = new BitWriter();
    dynamicHeader(past, { lit, dist: [1], pre, clSymbols: [{ sym: 18, extra: 127 }, { sym: 18, extra: 127 }] });
    past.bits(0, 16);
    await check(wrap(past.bytes()), { code: 'BAD_REPEAT' });
  });

  it('7: literal/length code without end-of-block → MISSING_EOB', async () => {
    const w = new BitWriter();
    dynamicHeader(w, { lit: lengths(257, { 65: 1, 66: 1 }), dist: [1] });
    w.bits(0, 16);
    await check(wrap(w.bytes()), { code: 'MISSING_EOB' });
  });

  it('8: over-subscribed or incomplete literal/length code → BAD_LITLEN_CODE_SET', async () => {
    for (const lit of [lengths(257, { 0: 1, 1: 1, 256: 1 }), lengths(257, { 0: 2, 256: 2 })]) {
      const w = new BitWriter();
      dynamicHeader(w, { lit, dist: [1] });
      w.bits(0, 16);
      await check(wrap(w.bytes()), { code: 'BAD_LITLEN_CODE_SET' });
    }
  });

  it('9: over-subscribed (or incomplete, longer than 1 bit) distance code → BAD_DIST_CODE_SET', async () => {
    for (const dist of [[1, 1, 1], [2, 2]]) {
      const w = new BitWriter();
      dynamicHeader(w, { lit: lengths(257, { 65: 1, 256: 1 }), dist });
      w.bits(0, 16);
      await check(wrap(w.bytes()), { code: 'BAD_DIST_CODE_SET' });
    }
  });

  it('9b: a dynamic header failing after its literal table was built leaves no stale fixed tables', async () => {
    // Found by scripts/fuzz-gunzip.mjs: the fixed-code tables were marked valid after a
    // failed dynamic header overwrote them, and a later stream in the same pooled arena
    // decoded a fixed block with the wrong table.
    const w = new BitWriter();
    fixedBlock(w, [65, 66], false);
    dynamicHeader(w, { lit: lengths(257, { 65: 1, 256: 1 }), dist: [1, 1, 1] });
    w.bits(0, 16);
    await check(wrap(w.bytes()), { code: 'BAD_DIST_CODE_SET' });
    const hello = Uint8Array.from(bytes('hello'));
    const f = new BitWriter();
    fixedBlock(f, [...hello]);
    await check(wrap(f.bytes(), hello), { ok: hello });
  });

  it('10: valid incomplete-code edge cases are accepted, as zlib does', async () => {
    // Empty distance code (all zero lengths) with only literals.
    let w = new BitWriter();
    let c = dynamicHeader(w, { lit: lengths(257, { 65: 1, 256: 1 }), dist: [0] });
    writeItems(w, [65, 65, 65], c.lit, c.dist);
    await check(wrap(w.bytes(), Uint8Array.from(bytes('AAA'))), { ok: Uint8Array.from(bytes('AAA')) });
    // A single one-bit distance code, symbol 0.
    w = new BitWriter();
    c = dynamicHeader(w, { lit: lengths(258, { 65: 2, 256: 2, 257: 1 }), dist: [1] });
    writeItems(w, [65, { len: 3, dist: 1 }], c.lit, c.dist);
    await check(wrap(w.bytes(), Uint8Array.from(bytes('AAAA'))), { ok: Uint8Array.from(bytes('AAAA')) });
    // A single one-bit distance code, symbol 3 (distance 4).
    w = new BitWriter();
    c = dynamicHeader(w, { lit: lengths(258, { 65: 3, 66: 3, 67: 3, 68: 3, 256: 2, 257: 2 }), dist: [0, 0, 0, 1] });
    writeItems(w, [65, 66, 67, 68, { len: 3, dist: 4 }], c.lit, c.dist);
    await check(wrap(w.bytes(), Uint8Array.from(bytes('ABCDABC'))), { ok: Uint8Array.from(bytes('ABCDABC')) });
    // A literal/length code holding only end-of-block (one 1-bit code).
    w = new BitWriter();
    c = dynamicHeader(w, { lit: lengths(257, { 256: 1 }), dist: [0] });
    writeItems(w, [], c.lit, c.dist);
    await check(wrap(w.bytes()), { ok: new Uint8Array(0) });
  });

  it('11: fixed block with literal/length symbol 286 or 287 → BAD_LITLEN_SYMBOL', async () => {
    for (const sym of [286, 287]) {
      const w = new BitWriter().bits(1, 1).bits(1, 2).code(FIXED_LIT_CODES[65]!).code(FIXED_LIT_CODES[sym]!).bits(0, 16);
      const got = await check(wrap(w.bytes()), { code: 'BAD_LITLEN_SYMBOL' });
      expect(got.offset).toBe(11);
    }
  });

  it('12: distance symbol 30 or 31 → BAD_DIST_SYMBOL', async () => {
    for (const sym of [30, 31]) {
      const w = new BitWriter().bits(1, 1).bits(1, 2).code(FIXED_LIT_CODES[65]!).code(FIXED_LIT_CODES[257]!)
        .code(FIXED_DIST_CODES[sym]!).bits(0, 16);
      await check(wrap(w.bytes()), { code: 'BAD_DIST_SYMBOL' });
    }
  });

  it('13: a match before any output, too far back, or across a member boundary → DISTANCE_TOO_FAR', async () => {
    let w = new BitWriter();
    fixedBlock(w, [{ len: 3, dist: 1 }]);
    await check(wrap(w.bytes()), { code: 'DISTANCE_TOO_FAR' });
    w = new BitWriter();
    fixedBlock(w, [65, { len: 3, dist: 2 }]);
    await check(wrap(w.bytes()), { code: 'DISTANCE_TOO_FAR' });
    w = new BitWriter();
    fixedBlock(w, [{ len: 3, dist: 3 }]);
    const second = gzipMember(w.bytes(), Uint8Array.from(bytes('ABCABC')));
    await check(concat(gzipSync(Buffer.from('ABC')), second), { code: 'DISTANCE_TOO_FAR' });
  });

  it('11–13: a fault deep in a block (the fast loop) reports the same code and offset as one at the end (the careful path)', async () => {
    // 200 literals, then the faulty symbol; followed by 64 zero bytes the fast loop sees the
    // fault, flush against the end of the input the one-symbol path does. Either way the
    // offset is the byte holding the faulty symbol's first bit.
    const lead: number[] = Array.from({ length: 200 }, (_, i) => 65 + (i % 7));
    const faults: Array<{ code: string; write: (w: BitWriter) => void }> = [
      { code: 'BAD_LITLEN_SYMBOL', write: (w) => w.code(FIXED_LIT_CODES[287]!) },
      { code: 'BAD_DIST_SYMBOL', write: (w) => w.code(FIXED_LIT_CODES[257]!).code(FIXED_DIST_CODES[31]!) },
      { code: 'DISTANCE_TOO_FAR', write: (w) => w.code(FIXED_LIT_CODES[257]!).code(FIXED_DIST_CODES[16]!).bits(0, 7) },
      { code: 'DISTANCE_TOO_FAR', write: (w) => w.code(FIXED_LIT_CODES[284]!).bits(31, 5).code(FIXED_DIST_CODES[29]!).bits(0, 13) },
    ];
    for (const f of faults) {
      for (const shift of [0, 1, 3, 5, 7]) {
        // Each 9-bit literal (byte 200) moves the fault one bit along its byte.
        const w = new BitWriter().bits(1, 1).bits(1, 2);
        for (const b of [...new Array<number>(shift).fill(200), ...lead]) w.code(FIXED_LIT_CODES[b]!);
        const at = 10 + Math.floor(w.bitLength / 8);
        f.write(w);
        const body = w.bytes();
        for (const tail of [0, 64]) {
          const got = await ours(concat(gzipHeader(), body, new Uint8Array(tail)));
          expect({ code: 'code' in got ? got.code : 'ok', offset: got.offset }).toEqual({ code: f.code, offset: at });
        }
      }
    }
  });

  it('14: length 258 coded as symbol 284 + 31 extra bits is accepted', async () => {
    const w = new BitWriter().bits(1, 1).bits(1, 2).code(FIXED_LIT_CODES[65]!).code(FIXED_LIT_CODES[284]!).bits(31, 5)
      .code(FIXED_DIST_CODES[0]!).code(FIXED_LIT_CODES[256]!);
    const want = new Uint8Array(259).fill(65);
    await check(wrap(w.bytes(), want), { ok: want });
  });

  it('15: input ending inside a block whose literal code is all zero bits → TRUNCATED, bounded', async () => {
    const w = new BitWriter();
    dynamicHeader(w, { lit: lengths(257, { 0: 1, 1: 2, 256: 2 }), dist: [0] });
    const gz = concat(gzipHeader(), w.bytes(), new Uint8Array(4000));
    await check(gz, { code: 'TRUNCATED' });
    const capped = await ours(gz, { maxOutputLength: 1000 });
    expect('code' in capped && capped.code).toBe('OUTPUT_LIMIT');
  });

  it('16: a valid stream cut at every byte offset → TRUNCATED every time', async () => {
    const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog, '.repeat(40));
    const full = gzipMember(deflateRawSync(text), text, { name: 'fox.txt' });
    // Sanity: the whole thing decodes.
    expect(Buffer.from(await gunzip(full)).equals(Buffer.from(text))).toBe(true);
    for (let cut = 0; cut < full.length; cut++) {
      const got = await ours(full.subarray(0, cut));
      expect(['code' in got ? got.code : 'ok', cut]).toEqual(['TRUNCATED', cut]);
    }
  });

  it('17: empty input → TRUNCATED', async () => {
    await check(new Uint8Array(0), { code: 'TRUNCATED' });
  });

  it('18: bytes after the final block: decoding stops exactly there (the trailer is found)', async () => {
    const text = Uint8Array.from(bytes('trailing bytes test'));
    const member = gzipSync(text);
    const warnings: unknown[] = [];
    const out = await gunzip(concat(member, Uint8Array.from([1, 2, 3])), { onWarning: (w) => warnings.push(w) });
    expect(Buffer.from(out).equals(Buffer.from(text))).toBe(true);
    expect(warnings).toEqual([expect.objectContaining({ code: 'TRAILING_DATA', found: member.length })]);
  });

  it('19: two million one-bit literals → exactly 2 000 000 bytes', async () => {
    const w = new BitWriter();
    const c = dynamicHeader(w, { lit: lengths(257, { 97: 1, 256: 1 }), dist: [0] });
    for (let i = 0; i < 2_000_000; i += 16) w.bits(0, 16);
    w.code(c.lit[256]!);
    const want = new Uint8Array(2_000_000).fill(97);
    await check(wrap(w.bytes(), want), { ok: want });
  });

  it('20: 200k empty stored, fixed and dynamic blocks decode in bounded time and can be aborted', async () => {
    const stored = new BitWriter();
    for (let i = 0; i < 200_000; i++) storedBlock(stored, [], false);
    storedBlock(stored, [], true);
    const fixed = new BitWriter();
    for (let i = 0; i < 400_000; i++) fixedBlock(fixed, [], false);
    fixedBlock(fixed, [], true);
    const dyn = new BitWriter();
    const pre = lengths(19, { 18: 1, 0: 2, 1: 2 });
    const emptyDyn = (final: boolean) => {
      const c = dynamicHeader(dyn, {
        lit: lengths(257, { 256: 1 }),
        dist: [0],
        pre,
        clSymbols: [{ sym: 18, extra: 127 }, { sym: 18, extra: 107 }, { sym: 1 }, { sym: 0 }],
      }, final);
      writeItems(dyn, [], c.lit, c.dist);
    };
    for (let i = 0; i < 200_000; i++) emptyDyn(false);
    emptyDyn(true);
    for (const w of [stored, fixed, dyn]) {
      const gz = wrap(w.bytes());
      const t0 = performance.now();
      const out = await gunzip(gz);
      expect(out.length).toBe(0);
      expect(performance.now() - t0).toBeLessThan(15_000);
      expect(zlibVerdict(gz)).toEqual({ ok: new Uint8Array(0) });
      const ac = new AbortController();
      const pending = gunzip(gz, { signal: ac.signal });
      ac.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    }
  });

  it('21 (see inflate-fuzz.test.ts): a sample round trip at every zlib level and strategy', async () => {
    const data = new Uint8Array(200_000).map((_, i) => (i % 1000 < 500 ? i & 0xff : (i * 2654435761) >>> 27));
    for (let level = 0; level <= 9; level++) {
      for (const strategy of [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED]) {
        const out = await gunzip(gzipSync(data, { level, strategy }));
        expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
      }
    }
  });
});

describe('gzip wrapper', () => {
  const data = Uint8Array.from(bytes('gzip wrapper test data, '.repeat(30)));
  const deflate = deflateRawSync(data);

  it('22: magic other than 1f 8b → GZIP_BAD_MAGIC', async () => {
    const gz = gzipMember(deflate, data);
    gz[1] = 0x8c;
    expect((await check(gz, { code: 'GZIP_BAD_MAGIC' })).offset).toBe(1);
    const nrj = Uint8Array.from(gz);
    nrj[0] = 0x1e;
    nrj[1] = 0x8b;
    await check(nrj, { code: 'GZIP_BAD_MAGIC' });
  });

  it('23: CM other than 8 → GZIP_BAD_METHOD', async () => {
    expect((await check(gzipMember(deflate, data, { method: 7 }), { code: 'GZIP_BAD_METHOD' })).offset).toBe(2);
  });

  it('24: reserved FLG bits → GZIP_RESERVED_FLAGS', async () => {
    for (const bit of [0x20, 0x40, 0x80]) {
      expect((await check(gzipMember(deflate, data, { flags: bit }), { code: 'GZIP_RESERVED_FLAGS' })).offset).toBe(3);
    }
  });

  it('25: FEXTRA past the end → TRUNCATED; a valid FEXTRA (bgzip BC) is skipped', async () => {
    await check(concat(gzipHeader({ extra: new Uint8Array(4), xlen: 60000 }), deflate), { code: 'TRUNCATED' });
    const bc = Uint8Array.from([66, 67, 2, 0, 0x34, 0x12]);
    await check(gzipMember(deflate, data, { extra: bc }), { ok: data });
  });

  it('26: FNAME/FCOMMENT unterminated → TRUNCATED; valid ones (64 KB names too) are skipped', async () => {
    await check(gzipHeader({ name: 'no-terminator', unterminated: true }), { code: 'TRUNCATED' });
    await check(gzipHeader({ name: 'a', comment: 'never ends', unterminated: true }), { code: 'TRUNCATED' });
    await check(gzipMember(deflate, data, { name: 'x'.repeat(65536), comment: 'y'.repeat(70000) }), { ok: data });
    // Through small chunks too: the name spans many reads.
    const long = gzipMember(deflate, data, { name: 'z'.repeat(100_000) });
    const out = await collect(new BufferSource(long), 0, Number.POSITIVE_INFINITY, { chunkSize: 1000, firstChunkSize: 1000 }, null);
    expect(Buffer.from(out!).equals(Buffer.from(data))).toBe(true);
  });

  it('27: FHCRC wrong → GZIP_HEADER_CRC; right → OK', async () => {
    await check(gzipMember(deflate, data, { name: 'n', hcrc: true }), { ok: data });
    await check(gzipMember(deflate, data, { name: 'n', hcrc: 0x1234 }), { code: 'GZIP_HEADER_CRC' });
  });

  it('28: CRC-32 wrong → GZIP_DATA_CRC', async () => {
    const got = await check(gzipMember(deflate, data, { crc: 0xdeadbeef }), { code: 'GZIP_DATA_CRC' });
    expect(got.offset).toBe(10 + deflate.length);
  });

  it('29: ISIZE wrong → GZIP_LENGTH; ISIZE 0xFFFFFFFF does not drive allocation', async () => {
    await check(gzipMember(deflate, data, { isize: data.length + 1 }), { code: 'GZIP_LENGTH' });
    const huge = gzipMember(deflate, data, { isize: 0xffffffff });
    expect(estimateOutput(huge, Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(1032 * huge.length);
    await check(huge, { code: 'GZIP_LENGTH' });
  });

  it('30: trailer missing or partial → TRUNCATED', async () => {
    const gz = gzipMember(deflate, data);
    for (const cut of [8, 5, 1]) await check(gz.subarray(0, gz.length - cut), { code: 'TRUNCATED' });
  });

  it('31: header only, 1f 8b 08, an 18-byte truncated member → TRUNCATED with a small allocation', async () => {
    await check(gzipHeader(), { code: 'TRUNCATED' });
    await check(Uint8Array.from([0x1f, 0x8b, 0x08]), { code: 'TRUNCATED' });
    const eighteen = concat(gzipHeader(), Uint8Array.from([0x4b, 0x4c, 0x04, 0x02, 0, 0, 0xff, 0xff]));
    expect(estimateOutput(eighteen, Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(1032 * 18);
    await check(eighteen, { code: 'TRUNCATED' });
  });

  it('32: several members (also a header-only member then a data member) → concatenated', async () => {
    const a = gzipSync(Buffer.from('first member, '));
    const b = gzipSync(Buffer.from('second member, '), { level: 1 });
    const empty = gzipSync(Buffer.alloc(0));
    const want = Uint8Array.from(bytes('first member, second member, '));
    await check(concat(a, empty, b), { ok: want });
    await check(concat(gzipSync(Buffer.from('hdr')), gzipSync(Buffer.alloc(100_000, 7))),
      { ok: concat(Uint8Array.from(bytes('hdr')), new Uint8Array(100_000).fill(7)) });
  });

  it('33: zero padding after the last member → OK, no warning', async () => {
    const warnings: unknown[] = [];
    const out = await gunzip(concat(gzipMember(deflate, data), new Uint8Array(512)), { onWarning: (w) => warnings.push(w) });
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    expect(warnings).toEqual([]);
    await check(concat(gzipMember(deflate, data), new Uint8Array(512)), { ok: data });
  });

  it('34: non-gzip trailing bytes → TRAILING_DATA warning; a truncated second member → TRUNCATED', async () => {
    for (const tail of [Uint8Array.from([0x50, 0x4b]), Uint8Array.from([0, 0, 7]), Uint8Array.from([0x1f])]) {
      const warnings: Array<{ code: string }> = [];
      const out = await gunzip(concat(gzipMember(deflate, data), tail), { onWarning: (w) => warnings.push(w) });
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
      expect(warnings.map((w) => w.code)).toEqual(['TRAILING_DATA']);
    }
    const second = gzipMember(deflate, data);
    await check(concat(gzipMember(deflate, data), second.subarray(0, 20)), { code: 'TRUNCATED' });
  });

  it('35: 1-, 2-, 7- and 64K-byte chunks and every split point give the same result or error', async () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 31) % 253 ^ (i >> 9));
    const streams = [
      concat(gzipSync(big, { level: 6 }), gzipSync(Buffer.from('tail member'))),
      gzipMember(deflate, data, { crc: 1 }),
      gzipMember(deflate, data).subarray(0, 60),
    ];
    for (const gz of streams) {
      const want = await ours(gz);
      const small = gz.length < 1000;
      for (const k of small ? [1, 2, 7, 65536] : [7, 1000, 65536]) {
        const got = await viaChunks(gz, k, k);
        expect(summary(got)).toEqual(summary(want));
      }
      for (let split = 1; split < gz.length; split += small ? 1 : 997) {
        const got = await viaChunks(gz, split, 1 << 20);
        expect(summary(got)).toEqual(summary(want));
      }
    }
  });
});

async function viaChunks(gz: Uint8Array, first: number, chunk: number): Promise<Verdict> {
  try {
    const out = await collect(new BufferSource(gz), 0, Number.POSITIVE_INFINITY, { chunkSize: chunk, firstChunkSize: first }, null);
    return { ok: out! };
  } catch (err) {
    if (!isNibabelError(err)) throw err;
    return { code: err.code };
  }
}

function summary(v: Verdict): string {
  if ('code' in v) return v.code;
  let h = 0;
  for (const b of v.ok) h = (h * 31 + b) >>> 0;
  return `ok:${v.ok.length}:${h}`;
}

describe('bombs, abort, placement', () => {
  it('37: a maximal-ratio stream (~1032:1) with a 10 MB cap → OUTPUT_LIMIT, allocation within the cap', async () => {
    const gz = gzipSync(Buffer.alloc(103_000_000), { level: 9 });
    expect(gz.length).toBeLessThan(110_000);
    expect(estimateOutput(gz, 10_000_000)).toBeLessThanOrEqual(10_000_000);
    const err = await gunzip(gz, { maxOutputLength: 10_000_000 }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'LimitError', code: 'OUTPUT_LIMIT', limit: 10_000_000 });
    // Exactly at the cap is fine.
    const exact = gzipSync(Buffer.alloc(1_000_000, 1));
    expect((await gunzip(exact, { maxOutputLength: 1_000_000 })).length).toBe(1_000_000);
    expect(await gunzip(exact, { maxOutputLength: 999_999 }).then(() => 'resolved', (e: { code: string }) => e.code))
      .toBe('OUTPUT_LIMIT');
  });

  it('42: abort mid-decode → AbortError promptly; the next decode works', async () => {
    // Noisy data, so decoding takes far longer than the driver's 25 ms between event-loop
    // turns (the abort can only be seen at such a turn).
    const data = new Uint8Array(40_000_000);
    let x = 2463534242;
    for (let i = 0; i < data.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      data[i] = (i >> 12) & 0x0f | (x & 0x30);
    }
    const gz = gzipSync(data, { level: 1 });
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 5);
    // (Outcome as a string: a 40 MB array in a failure message would exhaust the heap.)
    const outcome = await gunzip(gz, { signal: ac.signal }).then(() => 'resolved', (e: Error) => e.name);
    expect(outcome).toBe('AbortError');
    expect(performance.now() - t0).toBeLessThan(2000);
    const out = await gunzip(gz);
    expect(out.length).toBe(data.length);
  });

  it('61: flush against the end of memory, with canaries, for every vector kind', async () => {
    // `check` runs every vector above this way; here a long stream through the fast loop.
    const data = new Uint8Array(1_000_000).map((_, i) => (i % 4096 < 2048 ? (i * 13) & 0xff : 0));
    for (const level of [0, 1, 6, 9]) {
      const gz = gzipSync(data, { level });
      const r = await gunzipGuarded(gz);
      expect(r!.canariesIntact).toBe(true);
      expect(Buffer.from(r!.output).equals(Buffer.from(data))).toBe(true);
      for (const cut of [1, 9, 100, 1000]) {
        await expect(gunzipGuarded(gz.subarray(0, gz.length - cut))).rejects.toMatchObject({ code: 'TRUNCATED' });
      }
    }
  });
});
