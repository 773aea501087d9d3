// The release WebAssembly gunzip in real Chromium: agreement with the platform's
// DecompressionStream (the second reference, STYLE §5.7), GzipSource, the
// DecompressionStream fallback without WebAssembly (reliability.md case 36: multi-member and
// padding per policy, errors mapped to codes, output capped), and a timing next to
// DecompressionStream (logged; the benchmark suite measures properly).
import { afterAll, describe, expect, it } from 'vitest';
import { gunzip } from '../../src/codecs/gzip';
import { GzipSource } from '../../src/codecs/gzip-source';
import { isNibabelError } from '../../src/errors';
import { BufferSource } from '../../src/io/buffer-source';
import { setWasmSource } from '../../src/wasm/load';
import { clearScratchPool } from '../../src/wasm/memory';
import { concat, equalBytes } from '../shared/bytes';

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream)).arrayBuffer();
  return new Uint8Array(out);
}
const gzip = (b: Uint8Array) => pipe(b, new CompressionStream('gzip'));
const dsGunzip = (b: Uint8Array) => pipe(b, new DecompressionStream('gzip'));

/** int16 volume-like data: smooth structure plus noise (~2× compressible). */
function volume(n: number): Uint8Array {
  const v = new Int16Array(n >> 1);
  let s = 7;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = Math.round(400 + 200 * Math.sin(i / 3000) * Math.sin(i / 65536) + ((s >>> 24) & 31));
  }
  return new Uint8Array(v.buffer);
}

afterAll(() => {
  setWasmSource(undefined);
  clearScratchPool();
});

describe('release build in Chromium', () => {
  it('agrees with DecompressionStream on volume-like data, one and several members', async () => {
    const data = volume(6_000_000);
    const gz = await gzip(data);
    const ours = await gunzip(gz);
    expect(equalBytes(ours, await dsGunzip(gz))).toBe(true);
    expect(equalBytes(ours, data)).toBe(true);
    const two = concat(await gzip(data.subarray(0, 1000)), await gzip(data.subarray(1000, 500_000)));
    expect(equalBytes(await gunzip(two), data.subarray(0, 500_000))).toBe(true);
  });

  it('rejects what DecompressionStream rejects, with a code and an offset', async () => {
    const gz = await gzip(volume(200_000));
    const bad = Uint8Array.from(gz);
    bad[bad.length - 6]! ^= 0xff;
    await expect(dsGunzip(bad)).rejects.toBeInstanceOf(TypeError);
    await expect(gunzip(bad)).rejects.toMatchObject({ code: 'GZIP_DATA_CRC', offset: gz.length - 8 });
    await expect(gunzip(gz.subarray(0, gz.length >> 1))).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('GzipSource reads a header and a far range lazily', async () => {
    const data = volume(3_000_000);
    const src = new GzipSource(new BufferSource(await gzip(data)));
    expect(equalBytes(await src.read(0, 352), data.subarray(0, 352))).toBe(true);
    expect(src.size).toBeUndefined();
    expect(equalBytes(await src.read(2_500_000, 10_000), data.subarray(2_500_000, 2_510_000))).toBe(true);
    expect(equalBytes(await src.read(2_999_990, 100), data.subarray(2_999_990))).toBe(true);
    expect(src.size).toBe(data.length);
  });

  it('is at least as fast as DecompressionStream on 25 MB (timing logged)', async () => {
    const data = volume(25_000_000);
    const gz = await gzip(data);
    await gunzip(gz);
    await dsGunzip(gz);
    const best = { ours: Infinity, ds: Infinity };
    for (let r = 0; r < 4; r++) {
      let t = performance.now();
      await gunzip(gz);
      best.ours = Math.min(best.ours, performance.now() - t);
      t = performance.now();
      await dsGunzip(gz);
      best.ds = Math.min(best.ds, performance.now() - t);
    }
    const mbs = (ms: number) => (data.length / ms / 1000).toFixed(0);
    console.log(`gunzip ${best.ours.toFixed(1)} ms (${mbs(best.ours)} MB/s), DecompressionStream ${best.ds.toFixed(1)} ms (${mbs(best.ds)} MB/s), ratio ${(best.ds / best.ours).toFixed(2)}`);
    expect(best.ours).toBeLessThan(best.ds * 1.5);
  });
});

describe('fallback without WebAssembly (DecompressionStream)', () => {
  it('decodes several members, accepts zero padding, warns on trailing data', async () => {
    setWasmSource(false);
    try {
      const a = volume(100_000);
      const b = volume(50_000).reverse();
      const gz = concat(await gzip(a), await gzip(b));
      expect(equalBytes(await gunzip(gz), concat(a, b))).toBe(true);
      expect(equalBytes(await gunzip(concat(gz, new Uint8Array(300))), concat(a, b))).toBe(true);
      const warnings: Array<{ code: string; found?: unknown }> = [];
      const out = await gunzip(concat(gz, Uint8Array.from([0x50, 0x4b, 3, 4])), { onWarning: (w) => warnings.push(w) });
      expect(equalBytes(out, concat(a, b))).toBe(true);
      expect(warnings).toEqual([expect.objectContaining({ code: 'TRAILING_DATA', found: gz.length })]);
    } finally {
      setWasmSource(undefined);
    }
  });

  it('maps errors to codes, discards partial output and caps the output', async () => {
    setWasmSource(false);
    try {
      const data = volume(400_000);
      const gz = await gzip(data);
      const codeOf = async (b: Uint8Array, opts = {}) => {
        try {
          await gunzip(b, opts);
          return 'ok';
        } catch (err) {
          expect(isNibabelError(err)).toBe(true);
          return (err as { code: string }).code;
        }
      };
      const badCrc = Uint8Array.from(gz);
      badCrc[gz.length - 7]! ^= 1;
      const badMagic = Uint8Array.from(gz);
      badMagic[0] = 0;
      const badFlags = Uint8Array.from(gz);
      badFlags[3] = 0x80;
      expect(await codeOf(badMagic)).toBe('GZIP_BAD_MAGIC');
      expect(await codeOf(badFlags)).toBe('GZIP_RESERVED_FLAGS');
      expect(await codeOf(gz.subarray(0, 5000))).toBe('TRUNCATED');
      expect(await codeOf(badCrc)).toBe('GZIP_DATA_CRC');
      const badType = Uint8Array.from(gz);
      badType[10] = 0xff;
      expect(await codeOf(badType)).toBe('INVALID_BLOCK_TYPE');
      expect(await codeOf(gz, { maxOutputLength: 100_000 })).toBe('OUTPUT_LIMIT');
      expect(await codeOf(gz, { maxOutputLength: data.length })).toBe('ok');
    } finally {
      setWasmSource(undefined);
    }
  });
});
