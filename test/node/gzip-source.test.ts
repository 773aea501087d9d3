// GzipSource: lazy reads of the uncompressed bytes of a gzip ByteSource, seek points,
// readIntoRegion (the image cache's path), size discovery, limits, warnings and the
// fallback without WebAssembly. Oracle: the uncompressed bytes themselves / node:zlib.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GzipSource, isGzip } from '../../src/codecs/gzip-source';
import { BufferSource } from '../../src/io/buffer-source';
import { RecordingSource } from '../shared/recording-source';
import { MAX_INDEX_BYTES, SEEK_SPACING, SeekIndex } from '../../src/codecs/seek-index';
import { setWasmSource } from '../../src/wasm/load';
import { WasmArena, clearScratchPool } from '../../src/wasm/memory';
import { concat, gzipMember } from './inflate-vectors';

const DEBUG = new URL('../../wasm/build/debug.wasm', import.meta.url);

beforeAll(() => {
  setWasmSource(DEBUG);
  clearScratchPool();
});
afterAll(() => setWasmSource(undefined));

/** Deterministic data with both matches and noise (~2× compressible). */
function volume(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (i & 0xff00) >> 8 ^ ((s >>> 28) & 3) ^ (i % 512 < 256 ? 0 : (i >> 3) & 0xff);
  }
  return out;
}

const DATA = volume(6_000_000);
const GZ = gzipSync(DATA, { level: 6 });

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));
}

describe('isGzip', () => {
  it('needs 1f 8b 08', () => {
    expect(isGzip(GZ)).toBe(true);
    expect(isGzip(Uint8Array.from([0x1f, 0x8b]))).toBe(false);
    expect(isGzip(Uint8Array.from([0x1f, 0x8b, 7]))).toBe(false);
    expect(isGzip(Uint8Array.from([0x1e, 0x8b, 8]))).toBe(false);
  });
});

describe('read', () => {
  it('a header read inflates only what it needs; size stays unknown', async () => {
    const rec = new RecordingSource(new BufferSource(GZ));
    const src = new GzipSource(rec);
    const head = await src.read(0, 352);
    expect(same(head, DATA.subarray(0, 352))).toBe(true);
    expect(rec.bytesRead).toBeLessThanOrEqual(64 * 1024);
    expect(src.size).toBeUndefined();
    // Returned bytes are a copy, not a view of WebAssembly memory.
    expect(head.buffer).toBeInstanceOf(ArrayBuffer);
    expect(head.buffer.byteLength).toBe(352);
  });

  it('sequential reads continue where the last one stopped', async () => {
    const rec = new RecordingSource(new BufferSource(GZ));
    const src = new GzipSource(rec);
    await src.read(0, 2_000_000);
    const before = rec.bytesRead;
    const next = await src.read(2_000_000, 1000);
    expect(same(next, DATA.subarray(2_000_000, 2_001_000))).toBe(true);
    expect(rec.bytesRead - before).toBeLessThanOrEqual(64 * 1024);
  });

  it('records seek points and resumes far reads from the nearest one', async () => {
    const rec = new RecordingSource(new BufferSource(GZ));
    const src = new GzipSource(rec);
    const all = await src.read(0, DATA.length + 100);
    expect(same(all, DATA)).toBe(true);
    expect(src.size).toBe(DATA.length);
    expect(src.index.size).toBe(Math.floor(DATA.length / SEEK_SPACING));
    for (const offset of [5_500_000, 1_048_576, 3_333_333, 17]) {
      const before = rec.bytesRead;
      const got = await src.read(offset, 5000);
      expect(same(got, DATA.subarray(offset, offset + 5000))).toBe(true);
      // From a point at most 1 MiB of output back: far less than the whole stream.
      expect(rec.bytesRead - before).toBeLessThan(GZ.length / 2);
    }
  });

  it('reads past the end return fewer bytes, then none', async () => {
    const src = new GzipSource(new BufferSource(GZ));
    const tail = await src.read(DATA.length - 10, 100);
    expect(same(tail, DATA.subarray(DATA.length - 10))).toBe(true);
    expect(src.size).toBe(DATA.length);
    expect((await src.read(DATA.length, 10)).byteLength).toBe(0);
    expect((await src.read(DATA.length + 5, 10)).byteLength).toBe(0);
    await expect(src.read(-1, 1)).rejects.toBeInstanceOf(RangeError);
  });

  it('concurrent reads each get their own bytes', async () => {
    const src = new GzipSource(new BufferSource(GZ));
    const offsets = [0, 4_000_000, 1_500_000, 5_999_000, 2_500_001];
    const got = await Promise.all(offsets.map((o) => src.read(o, 1000)));
    offsets.forEach((o, i) => expect(same(got[i]!, DATA.subarray(o, Math.min(o + 1000, DATA.length)))).toBe(true));
  });

  it('multi-member streams, padding and trailing data: one warning, size excludes them', async () => {
    const a = gzipSync(DATA.subarray(0, 1_500_000));
    const b = gzipSync(DATA.subarray(1_500_000, 2_000_000), { level: 1 });
    const warnings: unknown[] = [];
    const src = new GzipSource(new BufferSource(concat(a, b, Uint8Array.from([0, 0, 9, 9]))), {
      onWarning: (w) => warnings.push(w),
    });
    const mid = await src.read(1_499_000, 2000);
    expect(same(mid, DATA.subarray(1_499_000, 1_501_000))).toBe(true);
    expect(same(await src.read(0, 3_000_000), DATA.subarray(0, 2_000_000))).toBe(true);
    expect(src.size).toBe(2_000_000);
    await src.read(1_999_000, 5000);
    expect(warnings).toEqual([expect.objectContaining({ code: 'TRAILING_DATA', found: a.length + b.length + 2 })]);
    expect(src.warnings).toHaveLength(1);
  });

  it('corruption after the range read is not seen; reading into it is a DecompressionError', async () => {
    const bad = Uint8Array.from(GZ);
    bad[Math.floor(bad.length * 0.8)]! ^= 0x55;
    const src = new GzipSource(new BufferSource(bad));
    expect(same(await src.read(0, 100_000), DATA.subarray(0, 100_000))).toBe(true);
    await expect(src.read(0, DATA.length)).rejects.toMatchObject({ name: 'DecompressionError' });
  });

  it('maxOutputLength caps what any read may inflate', async () => {
    const src = new GzipSource(new BufferSource(GZ), { maxOutputLength: 1_000_000 });
    expect((await src.read(0, 1_000_000)).byteLength).toBe(1_000_000);
    await expect(src.read(999_000, 2000)).rejects.toMatchObject({ name: 'LimitError', code: 'OUTPUT_LIMIT' });
  });

  it('reports progress in compressed bytes and aborts', async () => {
    const seen: Array<{ loaded: number; total: number }> = [];
    const src = new GzipSource(new BufferSource(GZ), { onProgress: (p) => seen.push(p) });
    await src.read(0, DATA.length);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual({ loaded: GZ.length, total: GZ.length });
    const ac = new AbortController();
    ac.abort();
    await expect(new GzipSource(new BufferSource(GZ)).read(0, 10, { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('readIntoRegion', () => {
  const CANARY = 64;

  async function intoArena(src: GzipSource, offset: number, length: number, verify?: boolean) {
    const needs = src.regionNeeds(offset);
    const arena = (await WasmArena.create(needs.overhead + needs.lead + length + 2 * CANARY + 256))!;
    const base = arena.alloc(CANARY + needs.lead + length + CANARY, 64);
    const ptr = base + CANARY + needs.lead;
    const mem = () => new Uint8Array(arena.memory.buffer);
    mem().fill(0xa5, base, base + CANARY);
    mem().fill(0x5a, ptr + length, ptr + length + CANARY);
    const mark = arena.mark();
    await src.readIntoRegion(offset, { arena, ptr, length }, verify === undefined ? {} : { verify });
    expect(arena.mark()).toBe(mark);
    expect(mem().subarray(base, base + CANARY).every((v) => v === 0xa5)).toBe(true);
    expect(mem().subarray(ptr + length, ptr + length + CANARY).every((v) => v === 0x5a)).toBe(true);
    return arena.u8(ptr, length);
  }

  it('decodes a range straight into arena memory and verifies to the end by default', async () => {
    const rec = new RecordingSource(new BufferSource(GZ));
    const src = new GzipSource(rec);
    const out = await intoArena(src, 352, 4_000_000);
    expect(same(out, DATA.subarray(352, 4_000_352))).toBe(true);
    expect(rec.bytesRead).toBe(GZ.length);
    expect(src.size).toBe(DATA.length);
    expect(src.regionNeeds(0).lead).toBe(0);
    expect(src.regionNeeds(352).lead).toBe(32768);
  });

  it('the whole stream, ending exactly at the last byte wanted', async () => {
    for (const verify of [true, false]) {
      const src = new GzipSource(new BufferSource(GZ));
      const out = await intoArena(src, 0, DATA.length, verify);
      expect(same(out, DATA)).toBe(true);
      const tail = await intoArena(src, DATA.length - 5000, 5000, verify);
      expect(same(tail, DATA.subarray(DATA.length - 5000))).toBe(true);
    }
  });

  it('verify: false stops as soon as the bytes are out', async () => {
    const rec = new RecordingSource(new BufferSource(GZ));
    const src = new GzipSource(rec);
    const out = await intoArena(src, 0, 1_000_000, false);
    expect(same(out, DATA.subarray(0, 1_000_000))).toBe(true);
    expect(rec.bytesRead).toBeLessThan(GZ.length / 2);
    expect(src.size).toBeUndefined();
  });

  it('a bad CRC after the range fails with verify, passes without', async () => {
    const badCrc = Uint8Array.from(GZ);
    badCrc[badCrc.length - 8]! ^= 1;
    await expect(intoArena(new GzipSource(new BufferSource(badCrc)), 0, 100_000)).rejects.toMatchObject({
      code: 'GZIP_DATA_CRC',
    });
    const out = await intoArena(new GzipSource(new BufferSource(badCrc)), 0, 100_000, false);
    expect(same(out, DATA.subarray(0, 100_000))).toBe(true);
  });

  it('the whole-array path leaves the same points as reads do', async () => {
    const src = new GzipSource(new BufferSource(GZ));
    await intoArena(src, 0, DATA.length);
    expect(src.index.size).toBe(Math.floor(DATA.length / SEEK_SPACING));
    expect(src.index.byteLength / DATA.length).toBeLessThan(0.05);
  });

  it('resumes from seek points (window restored before the destination)', async () => {
    const src = new GzipSource(new BufferSource(GZ));
    await src.read(0, DATA.length);
    for (const offset of [3 * SEEK_SPACING, 3 * SEEK_SPACING + 12345, 5_900_000]) {
      const out = await intoArena(src, offset, 90_000, false);
      expect(same(out, DATA.subarray(offset, offset + 90_000))).toBe(true);
    }
  });

  it('a stream shorter than the range → TRUNCATED, and the real size is known', async () => {
    const src = new GzipSource(new BufferSource(GZ));
    await expect(intoArena(src, DATA.length - 100, 1000)).rejects.toMatchObject({
      name: 'DecompressionError',
      code: 'TRUNCATED',
    });
    expect(src.size).toBe(DATA.length);
  });

  it('a truncated file → TRUNCATED with the size still unknown', async () => {
    const src = new GzipSource(new BufferSource(GZ.subarray(0, GZ.length >> 1)));
    await expect(intoArena(src, 0, DATA.length)).rejects.toMatchObject({ code: 'TRUNCATED' });
    expect(src.size).toBeUndefined();
  });
});

describe('SeekIndex', () => {
  it('keeps a point every 1 MiB until its byte budget, then doubles the spacing', () => {
    const window = new Uint8Array(32768);
    const state = new Uint8Array(12672);
    const per = window.byteLength + state.byteLength;
    const idx = new SeekIndex(100 * per);
    for (let k = 1; k <= 2000; k++) {
      const out = k * SEEK_SPACING;
      if (idx.wants(out)) idx.add({ out, in: k, memberOut: out, state, window });
    }
    expect(idx.byteLength).toBeLessThanOrEqual(100 * per);
    expect(idx.spacing).toBe(32 * SEEK_SPACING);
    expect(idx.size).toBe(Math.floor(2000 / 32));
    expect(idx.nearest(70 * SEEK_SPACING + 5).out).toBe(64 * SEEK_SPACING);
    expect(idx.nearest(5).out).toBe(0);
    // The default budget keeps 1 MiB spacing for ~6 GB of output: ≤ 5 % of it.
    expect(per / SEEK_SPACING).toBeLessThan(0.05);
    expect(MAX_INDEX_BYTES / per).toBeGreaterThan(5000);
  });

  it('points anywhere in their cell (a parallel inflate\'s): one a cell, the first kept; nearest never past the offset', () => {
    const window = new Uint8Array(32768);
    const state = new Uint8Array(12672);
    const per = window.byteLength + state.byteLength;
    const S = SEEK_SPACING;
    const pt = (out: number) => ({ out, in: out >> 1, memberOut: out, state, window });
    const idx = new SeekIndex(5 * per);
    idx.add(pt(S / 2)); // the first cell: the stream start serves it
    idx.add(pt(S + 300));
    idx.add(pt(S + 900)); // its cell is taken
    idx.add(pt(3 * S + 5));
    idx.add(pt(4 * S));
    expect(idx.size).toBe(3);
    expect(idx.wants(2 * S)).toBe(true);
    expect(idx.wants(4 * S)).toBe(false);
    expect(idx.nearest(S + 299).out).toBe(0);
    expect(idx.nearest(S + 300).out).toBe(S + 300);
    expect(idx.nearest(3 * S + 4).out).toBe(S + 300); // its own cell's point lies after it
    expect(idx.nearest(3 * S + 5).out).toBe(3 * S + 5);
    expect(idx.nearest(9 * S).out).toBe(4 * S);
    idx.add(pt(5 * S + 1));
    idx.add(pt(6 * S + 7));
    idx.add(pt(7 * S + 2)); // a sixth point: over budget, the spacing doubles
    expect(idx.spacing).toBe(2 * S);
    // Cells of 2 MiB: [2,4) keeps 3S+5, [4,6) 4S, [6,8) 6S+7; S+300 falls in the first cell.
    expect(idx.gridPoints().map((p) => p.out)).toEqual([3 * S + 5, 4 * S, 6 * S + 7]);
    expect(idx.byteLength).toBe(3 * per);
    expect(idx.nearest(7 * S + 2).out).toBe(6 * S + 7);
  });

  it('estimates the compressed bytes between points (interpolated, then by the ratio seen)', () => {
    const idx = new SeekIndex();
    const pt = (k: number, inPos: number) => ({ out: k * SEEK_SPACING, in: inPos, memberOut: k * SEEK_SPACING, state: null, window: null });
    expect(idx.inputFor(pt(0, 0), 100)).toBeNaN();
    idx.add(pt(1, 500_000));
    idx.add(pt(2, 1_100_000));
    const from = pt(1, 500_000);
    const half = idx.inputFor(from, 1.5 * SEEK_SPACING);
    expect(half).toBeGreaterThanOrEqual(300_000);
    expect(half).toBeLessThan(300_000 * 1.07 + 4096);
    // Past the last point: by the ratio of the furthest (1.1e6 / 2 MiB).
    const far = idx.inputFor(pt(2, 1_100_000), 3 * SEEK_SPACING);
    expect(far).toBeGreaterThanOrEqual(550_000);
    expect(far).toBeLessThan(550_000 * 1.07 + 4096);
  });

  it('after one pass, a far read from a point takes one compressed read of about one span', async () => {
    const rec = new RecordingSource(new BufferSource(GZ));
    const src = new GzipSource(rec);
    await src.read(DATA.length - 10, 10);
    expect(src.index.size).toBe(Math.floor((DATA.length - 10) / SEEK_SPACING));
    const spanIn = GZ.length / (DATA.length / SEEK_SPACING);
    for (const offset of [SEEK_SPACING + 1_000_000, 4 * SEEK_SPACING + 40_000, 200_000]) {
      const [reads, bytes] = [rec.count, rec.bytesRead];
      const got = await src.read(offset, 8192);
      expect(same(got, DATA.subarray(offset, offset + 8192))).toBe(true);
      expect(rec.count - reads, `reads for ${offset}`).toBe(1);
      expect(rec.bytesRead - bytes).toBeLessThan(1.2 * spanIn + 8192);
    }
  });
});

describe('without WebAssembly', () => {
  it('reads through the fallback (whole stream once) with the same bytes, size and warnings', async () => {
    setWasmSource(false);
    try {
      const warnings: unknown[] = [];
      const gz = concat(GZ, gzipMember(new Uint8Array([3, 0]), new Uint8Array(0)), Uint8Array.from([7]));
      const src = new GzipSource(new BufferSource(gz), { onWarning: (w) => warnings.push(w) });
      expect(same(await src.read(1000, 5000), DATA.subarray(1000, 6000))).toBe(true);
      expect(src.size).toBe(DATA.length);
      expect(warnings).toHaveLength(1);
    } finally {
      setWasmSource(DEBUG);
      clearScratchPool();
    }
  });
});
