/**
 * CachedSource (src/io/cached-source.ts): same bytes as the inner source, block rounding,
 * merging of missing runs, one promise per in-flight block, a byte-bounded LRU, per-caller
 * abort, retry after failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/io/buffer-source';
import { CachedSource, DEFAULT_BLOCK_SIZE } from '../../src/io/cached-source';
import type { ByteSource } from '../../src/io/types';
import { ArrayProxy } from '../../src/proxy/array-proxy';
import { slice } from '../../src/proxy/slicing';
import { RecordingSource } from '../shared/recording-source';

const DATA = new Uint8Array(10_000).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
const tick = () => new Promise((r) => setTimeout(r, 0));

function setup(opts: { blockSize?: number; maxBytes?: number } = {}, data = DATA) {
  const rec = new RecordingSource(new BufferSource(data));
  const cache = new CachedSource(rec, { blockSize: 100, maxBytes: 1000, ...opts });
  return { rec, cache };
}

describe('CachedSource', () => {
  it('uses 64 KiB blocks by default and exposes the inner source', () => {
    const inner = new BufferSource(DATA);
    const c = new CachedSource(inner);
    expect(c.blockSize).toBe(DEFAULT_BLOCK_SIZE);
    expect(DEFAULT_BLOCK_SIZE).toBe(65536);
    expect(c.inner).toBe(inner);
    expect(c.size).toBe(DATA.length);
    expect(() => new CachedSource(inner, { blockSize: 0 })).toThrow(RangeError);
  });

  it('returns the same bytes as the inner source (random reads, sizes known or not)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_100 }), fc.integer({ min: 0, max: 1500 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.boolean(),
        fc.boolean(),
        async (reads, blockSize, maxBytes, hideSize, concurrent) => {
          const rec = new RecordingSource(new BufferSource(DATA));
          rec.hideSize = hideSize;
          const cache = new CachedSource(rec, { blockSize, maxBytes });
          const run = (o: number, n: number) => cache.read(o, n).then((b) => ({ o, n, b }));
          const results = concurrent
            ? await Promise.all(reads.map(([o, n]) => run(o, n)))
            : await reads.reduce<Promise<{ o: number; n: number; b: Uint8Array }[]>>(
                async (acc, [o, n]) => [...(await acc), await run(o, n)],
                Promise.resolve([]),
              );
          for (const { o, n, b } of results) {
            expect(b).toEqual(DATA.subarray(Math.min(o, DATA.length), Math.min(o + n, DATA.length)));
          }
          expect(cache.cachedBytes).toBeLessThanOrEqual(maxBytes);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it('rounds reads out to blocks and merges a run of missing blocks into one read', async () => {
    const { rec, cache } = setup();
    await cache.read(150, 300); // blocks 1..4
    expect(rec.reads.map((r) => [r.offset, r.length])).toEqual([[100, 400]]);
    await cache.read(120, 50); // cached
    await cache.read(420, 60); // cached
    expect(rec.count).toBe(1);
    await cache.read(50, 600); // blocks 0..6: 0, 5, 6 missing → two runs
    expect(rec.reads.slice(1).map((r) => [r.offset, r.length])).toEqual([[0, 100], [500, 200]]);
  });

  it('sends reads of bypassBytes or more straight to the inner source, caching nothing', async () => {
    const rec = new RecordingSource(new BufferSource(DATA));
    const cache = new CachedSource(rec, { blockSize: 100, bypassBytes: 250 });
    expect(await cache.read(150, 300)).toEqual(DATA.subarray(150, 450));
    expect(rec.reads.map((r) => [r.offset, r.length])).toEqual([[150, 300]]);
    expect(cache.cachedBytes).toBe(0);
    await cache.read(150, 20); // small: rounded to its block and cached
    expect(rec.reads.slice(1).map((r) => [r.offset, r.length])).toEqual([[100, 100]]);
  });

  it('merges the missing blocks of reads started in the same tick', async () => {
    const { rec, cache } = setup();
    await Promise.all([cache.read(0, 10), cache.read(100, 10), cache.read(250, 10), cache.read(900, 5)]);
    expect(rec.reads.map((r) => [r.offset, r.length])).toEqual([[0, 300], [900, 100]]);
  });

  it('shares one in-flight read between concurrent readers of a block', async () => {
    const { rec, cache } = setup();
    const release = rec.hold();
    const a = cache.read(10, 20);
    await tick();
    const b = cache.read(30, 20);
    await tick();
    expect(rec.count).toBe(1);
    release();
    expect(await a).toEqual(DATA.subarray(10, 30));
    expect(await b).toEqual(DATA.subarray(30, 50));
    expect(rec.count).toBe(1);
  });

  it('keeps at most maxBytes, evicting the least recently used block', async () => {
    const { rec, cache } = setup({ maxBytes: 300 });
    for (const b of [0, 1, 2]) await cache.read(b * 100, 1);
    await cache.read(0, 1); // touch block 0
    await cache.read(300, 1); // evicts block 1
    expect(cache.cachedBytes).toBe(300);
    rec.reset();
    await cache.read(0, 1);
    await cache.read(200, 1);
    expect(rec.count).toBe(0);
    await cache.read(100, 1);
    expect(rec.count).toBe(1);
    cache.clear();
    expect(cache.cachedBytes).toBe(0);
  });

  it('passes reads longer than the budget straight through', async () => {
    const { rec, cache } = setup({ maxBytes: 500 });
    expect(await cache.read(10, 900)).toEqual(DATA.subarray(10, 910));
    expect(rec.reads.map((r) => [r.offset, r.length])).toEqual([[10, 900]]);
    expect(cache.cachedBytes).toBe(0);
  });

  it('handles the end of a source of unknown size', async () => {
    const { rec, cache } = setup({}, DATA.subarray(0, 1050));
    rec.hideSize = true;
    expect(cache.size).toBeUndefined();
    expect(await cache.read(980, 200)).toEqual(DATA.subarray(980, 1050));
    expect(await cache.read(1040, 5)).toEqual(DATA.subarray(1040, 1045));
    expect((await cache.read(1100, 5)).length).toBe(0);
  });

  it('aborts one reader at once without cancelling the fetch another reader needs', async () => {
    const { rec, cache } = setup();
    const release = rec.hold();
    const ac = new AbortController();
    const a = cache.read(0, 10, { signal: ac.signal });
    const b = cache.read(5, 10);
    await tick();
    ac.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    expect(rec.reads[0].aborted).toBe(false);
    release();
    expect(await b).toEqual(DATA.subarray(5, 15));
  });

  it('cancels the fetch when every reader aborted, and refetches for the next reader', async () => {
    const { rec, cache } = setup();
    const release = rec.hold();
    const ac = new AbortController();
    const a = cache.read(0, 10, { signal: ac.signal });
    const b = cache.read(5, 10, { signal: ac.signal });
    await tick();
    ac.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    expect(rec.reads[0].aborted).toBe(true);
    release();
    expect(await cache.read(0, 10)).toEqual(DATA.subarray(0, 10));
    expect(rec.count).toBe(2);
  });

  it('an abort before the flush fetches nothing', async () => {
    const { rec, cache } = setup();
    const ac = new AbortController();
    const a = cache.read(0, 10, { signal: ac.signal });
    ac.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    await tick();
    expect(rec.count).toBe(0);
  });

  it('caches nothing from a failed read and retries next time', async () => {
    let fail = true;
    const inner = new BufferSource(DATA);
    const flaky: ByteSource = {
      size: DATA.length,
      read: (o, n, opts) => (fail ? Promise.reject(new Error('network down')) : inner.read(o, n, opts)),
    };
    const cache = new CachedSource(flaky, { blockSize: 100 });
    await expect(cache.read(0, 10)).rejects.toThrow('network down');
    fail = false;
    expect(await cache.read(0, 10)).toEqual(DATA.subarray(0, 10));
  });

  it('serves an ArrayProxy: many small segments become few block reads', async () => {
    const shape = [40, 30, 20];
    const bytes = new Uint8Array(352 + 40 * 30 * 20 * 2).map((_, i) => i & 0xff);
    const rec = new RecordingSource(new BufferSource(bytes));
    const proxy = new ArrayProxy(
      new CachedSource(rec, { blockSize: 4096 }),
      { shape, dtype: 'int16', littleEndian: true, offset: 352 },
      { maxGap: 0 },
    );
    const direct = new ArrayProxy(new BufferSource(bytes), { shape, dtype: 'int16', littleEndian: true, offset: 352 }, { maxGap: 0 });
    const index = [slice(null, null, 7), 3, slice(2, 18, 3)];
    const a = await proxy.get(index);
    expect(a.data).toEqual((await direct.get(index)).data);
    expect(rec.count).toBeLessThanOrEqual(6);
    rec.reset();
    await proxy.get(index);
    expect(rec.count).toBe(0);
  });

  it('has readInto exactly when the inner source has it: long reads fill the view from the inner source, short ones from the blocks', async () => {
    expect(new CachedSource(new BufferSource(DATA)).readInto).toBeUndefined();
    const calls: string[] = [];
    const inner: ByteSource = {
      size: DATA.length,
      read: async (o, n) => {
        calls.push(`read ${o}+${n}`);
        return DATA.slice(o, o + n);
      },
      readInto: async (o, view) => {
        calls.push(`readInto ${o}+${view.byteLength}`);
        const got = DATA.subarray(o, o + view.byteLength);
        view.set(got);
        return view.subarray(0, got.length);
      },
    };
    const cache = new CachedSource(inner, { blockSize: 100, maxBytes: 1000, bypassBytes: 200 });
    const long = await cache.readInto!(1234, new Uint8Array(500));
    expect(long).toEqual(DATA.subarray(1234, 1734));
    const short = await cache.readInto!(150, new Uint8Array(new ArrayBuffer(64), 0, 30));
    expect(short).toEqual(DATA.subarray(150, 180));
    const end = await cache.readInto!(9990, new Uint8Array(30));
    expect(end).toEqual(DATA.subarray(9990));
    expect(calls).toEqual(['readInto 1234+500', 'read 100+100', 'read 9900+100']);
  });
});
