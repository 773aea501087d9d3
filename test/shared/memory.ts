// DESIGN.md "Memory": decoded arrays handed out never detach; hundreds of images load in one
// page; an image's decode memory is about its output plus a bounded input buffer; uncache
// lets the array go. Runs in Node and in Chromium.
import { describe, expect, it } from 'vitest';
import { LimitError, load } from '../../src/index';
import { MAX_LIVE_ARENAS, WasmArena, arrayCache, canCreateArena, liveArenaCount } from '../../src/wasm/memory';
import { makeNiftiGz, phantomInt16 } from './make-nifti';

function checksum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 97) s = (s * 31 + a[i]) % 1e9;
  return s;
}

export function memorySuite(): void {
  describe('decoded arrays in WebAssembly memory', () => {
    const shape = [96, 96, 48]; // 884 KiB of int16: large enough for the WASM path
    const gz = (seed: number): Uint8Array => makeNiftiGz(phantomInt16(shape, seed), shape, { slope: 2.5, inter: -10 });

    it('a handed-out array stays valid after many other images are loaded and decoded', async () => {
      const first = await load(gz(1), { name: 'a.nii.gz' });
      const data = (await first.getFdata({ dtype: 'float32' })).data as Float32Array;
      const n = data.length;
      const sum = checksum(data);
      expect(n).toBe(96 * 96 * 48);
      for (let i = 2; i < 40; i++) {
        const other = await load(gz(i), { name: `b${i}.nii.gz` });
        await other.getFdata({ dtype: 'float32' });
        await other.getFdata(); // float64 replaces the float32 cache
      }
      expect(data.length).toBe(n);
      expect(checksum(data)).toBe(sum);
      expect(data[0]).toBe(phantomInt16(shape, 1)[0] * 2.5 - 10);
    });

    it('uncache releases the cache entry, and the next read decodes again', async () => {
      const img = await load(gz(3), { name: 'u.nii.gz' });
      const a = await img.getFdata({ dtype: 'float32' });
      const held = arrayCache.byteLength;
      const own = (a.data.buffer as ArrayBuffer).byteLength;
      img.uncache();
      expect(arrayCache.byteLength).toBe(held - own);
      const b = await img.getFdata({ dtype: 'float32' });
      expect(b).not.toBe(a);
      expect(checksum(b.data as Float32Array)).toBe(checksum(a.data as Float32Array));
    });

    it("an image's decode memory is its output plus a bounded overhead", async () => {
      const img = await load(gz(4), { name: 'p.nii.gz' });
      const before = liveArenaCount();
      const f = await img.getFdata({ dtype: 'float32' });
      const buf = f.data.buffer as ArrayBuffer;
      const outBytes = 96 * 96 * 48 * 4;
      expect(liveArenaCount()).toBe(before + 1);
      // Output, plus decoder state and one input chunk (≤ 2 MiB + one page of static data).
      expect(buf.byteLength).toBeGreaterThanOrEqual(outBytes);
      expect(buf.byteLength).toBeLessThanOrEqual(outBytes + 2 * 1024 * 1024 + 2 * 65536);
    });
    it('the budget evicts the least recently used cache: that image forgets it, its array stays valid', async () => {
      // Three decodes into memories of their own must still be possible here.
      expect(liveArenaCount() + 3).toBeLessThanOrEqual(MAX_LIVE_ARENAS);
      const { maxCount } = arrayCache;
      arrayCache.maxCount = 2;
      try {
        const [a, b, c] = await Promise.all([21, 22, 23].map((s) => load(gz(s), { name: `lru${s}.nii.gz` })));
        const fa = await a.getFdata({ dtype: 'float32' });
        const fb = await b.getFdata({ dtype: 'float32' });
        expect(arrayCache.size).toBe(2);
        const bBytes = (fb.data.buffer as ArrayBuffer).byteLength;
        const sumB = checksum(fb.data as Float32Array);
        expect(await a.getFdata({ dtype: 'float32' })).toBe(fa); // a is now the most recently used
        const held = arrayCache.byteLength;
        const fc = await c.getFdata({ dtype: 'float32' });
        // c pushed out b (least recently used), not a; the budget no longer counts b's memory.
        expect(arrayCache.size).toBe(2);
        expect(arrayCache.byteLength).toBe(held - bBytes + (fc.data.buffer as ArrayBuffer).byteLength);
        expect([a.inMemory, b.inMemory, c.inMemory]).toEqual([true, false, true]);
        expect(await a.getFdata({ dtype: 'float32' })).toBe(fa);
        expect(checksum(fb.data as Float32Array), 'the evicted array handed out is intact').toBe(sumB);
        const again = await b.getFdata({ dtype: 'float32' });
        expect(again, 'b reads again').not.toBe(fb);
        expect(checksum(again.data as Float32Array)).toBe(sumB);
      } finally {
        arrayCache.maxCount = maxCount;
      }
    });

    it('loads and decodes hundreds of images in one page', async () => {
      const bytes = gz(7);
      let last = 0;
      for (let i = 0; i < 300; i++) {
        const img = await load(bytes, { name: `m${i}.nii.gz` });
        const f = (await img.getFdata({ dtype: 'float32' })).data as Float32Array;
        last = f[f.length - 1];
      }
      expect(last).toBe(phantomInt16(shape, 7)[96 * 96 * 48 - 1] * 2.5 - 10);
      expect(arrayCache.size).toBeLessThanOrEqual(arrayCache.maxCount);
    });

    it('at the cap on live memories, decoding goes on in ordinary memory with the same results', async () => {
      const seed = 11;
      const want = Float32Array.from(phantomInt16(shape, seed), (v) => v * 2.5 - 10);
      // Hold memories until nibweb's cap (or the platform's refusal) is reached.
      const hold: WasmArena[] = [];
      let refused = false;
      while (canCreateArena()) {
        try {
          hold.push((await WasmArena.create(0))!);
        } catch (err) {
          if (!(err instanceof LimitError && err.code === 'OUT_OF_MEMORY')) throw err;
          refused = true;
          break;
        }
      }
      expect(refused || !canCreateArena()).toBe(true);
      const img = await load(gz(seed), { name: 'at-cap.nii.gz' });
      const entries = arrayCache.size;
      const at = await img.getFdata({ dtype: 'float32' });
      // The TypeScript path: a plain buffer of exactly the array's size, no cache entry in the
      // budget (it holds only arenas) — and the same values as the WebAssembly path.
      expect(at.data.buffer.byteLength).toBe(at.data.byteLength);
      expect(arrayCache.size).toBe(entries);
      expect(Array.from(at.data as Float32Array)).toEqual(Array.from(want));
      // The image still caches it, and uncache still works.
      expect(await img.getFdata({ dtype: 'float32' })).toBe(at);
      img.uncache();
      const reread = await img.getFdata({ dtype: 'float32' });
      expect(reread).not.toBe(at);
      expect(Array.from(reread.data as Float32Array)).toEqual(Array.from(want));
      // A float64 read at the cap is right too.
      const f64 = await img.getFdata();
      expect(f64.data.buffer.byteLength).toBe(f64.data.byteLength);
      expect(Array.from(f64.data as Float64Array)).toEqual(Array.from(want));
      hold.length = 0;
    });

  });
}
