/**
 * BlobSource (src/io/blob-source.ts) on real Blob and File objects in Chromium: exact bytes,
 * clipping at the end, and abort while a slice read is still pending.
 */
import { describe, expect, it } from 'vitest';
import { BlobSource } from '../../src/io/blob-source';
import { readSegments } from '../../src/proxy/read-segments';

const DATA = new Uint8Array(300_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);

describe('BlobSource', () => {
  for (const [name, make] of [
    ['Blob', () => new Blob([DATA])],
    ['File', () => new File([DATA], 'x.nii', { type: 'application/octet-stream' })],
  ] as const) {
    it(`reads exact ranges of a ${name}`, async () => {
      const src = new BlobSource(make());
      expect(src.size).toBe(DATA.length);
      expect(src.freshReads).toBe(true);
      expect(await src.read(0, 352)).toEqual(DATA.subarray(0, 352));
      expect(await src.read(123_457, 65_536)).toEqual(DATA.subarray(123_457, 188_993));
      expect(await src.read(299_990, 100)).toEqual(DATA.subarray(299_990));
      expect((await src.read(400_000, 10)).length).toBe(0);
      expect((await src.read(10, 0)).length).toBe(0);
      await expect(src.read(-1, 4)).rejects.toThrow(RangeError);
    });
  }

  it('rejects a non-Blob', () => {
    expect(() => new BlobSource(DATA as unknown as Blob)).toThrow(TypeError);
  });

  it('rejects with AbortError before the pending slice read finishes', async () => {
    const big = new Blob([new Uint8Array(64 * 1024 * 1024)]);
    const src = new BlobSource(big);
    const events: string[] = [];
    const ac = new AbortController();
    const aborted = src.read(0, big.size, { signal: ac.signal }).then(
      () => events.push('resolved'),
      (e: unknown) => events.push((e as Error).name),
    );
    // The same read without a signal: it finishes when the platform's read does.
    const plain = big.slice(0, big.size).arrayBuffer().then(() => events.push('platform read done'));
    await new Promise((r) => setTimeout(r, 0));
    ac.abort();
    await Promise.all([aborted, plain]);
    expect(events[0]).toBe('AbortError');
    expect(events).toContain('platform read done');
  });

  it('rejects at once for an already aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(new BlobSource(new Blob([DATA])).read(0, 10, { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('feeds readSegments with merged reads', async () => {
    const src = new BlobSource(new File([DATA], 'x'));
    const segs: [number, number][] = Array.from({ length: 100 }, (_, i) => [i * 2900 + 5, 7]);
    const out = await readSegments(src, segs);
    const want = new Uint8Array(700);
    segs.forEach(([o, n], i) => want.set(DATA.subarray(o, o + n), i * 7));
    expect(out).toEqual(want);
  });
});
