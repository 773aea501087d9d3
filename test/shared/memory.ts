// DESIGN.md "Memory": decoded arrays handed out never detach; hundreds of images load in one
// page; an image's decode memory is about its output plus a bounded input buffer; uncache
// lets the array go. Runs in Node and in Chromium.
import { describe, expect, it } from 'vitest';
import { load } from '../../src/index';
import { MAX_LIVE_ARENAS, arrayCache, liveArenaCount } from '../../src/wasm/memory';
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
    it('loads and decodes hundreds of images in one page', async () => {
      const bytes = gz(7);
      let last = 0;
      for (let i = 0; i < 300; i++) {
        const img = await load(bytes, { name: `m${i}.nii.gz` });
        const f = (await img.getFdata({ dtype: 'float32' })).data as Float32Array;
        last = f[f.length - 1];
      }
      expect(last).toBe(phantomInt16(shape, 7)[96 * 96 * 48 - 1] * 2.5 - 10);
      // The budget bounds what nibweb keeps alive; past MAX_LIVE_ARENAS uncollected memories,
      // decoding falls back to ordinary memory instead of asking for a new one.
      expect(arrayCache.size).toBeLessThanOrEqual(arrayCache.maxCount);
      expect(liveArenaCount()).toBeLessThanOrEqual(MAX_LIVE_ARENAS);
    });

  });
}
