/**
 * ArrayProxy over a real File in Chromium (BlobSource): values against the numpy-indexing
 * oracle, the reads a slice issues, abort mid-read, and timings of a slice vs the whole
 * array (printed, not asserted).
 */
import { describe, expect, it } from 'vitest';
import { BlobSource } from '../../src/io/blob-source';
import { ArrayProxy } from '../../src/proxy/array-proxy';
import { type Index, slice } from '../../src/proxy/slicing';
import { oracleIndex } from '../shared/numpy-oracle';
import { RecordingSource } from '../shared/recording-source';

/** A fake .nii: 352 header bytes then big-endian int16 voxels, value = (e % 30011) - 15000. */
function makeNii(shape: number[]): File {
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = new ArrayBuffer(352 + 2 * n);
  const dv = new DataView(buf);
  for (let e = 0; e < n; e++) dv.setInt16(352 + 2 * e, (e % 30011) - 15000, false);
  return new File([buf], 'fake.nii');
}
const value = (e: number) => (e % 30011) - 15000;

describe('ArrayProxy over a File', () => {
  const shape = [64, 48, 30, 5];
  const file = makeNii(shape);
  const spec = { shape, dtype: 'int16' as const, littleEndian: false, offset: 352, slope: 0.5, inter: 10 };

  it.each<[string, Index]>([
    ['volume', ['...', 2]],
    ['axial slice', [null, null, 15, 0]],
    ['sagittal slice', [32, null, null, 4]],
    ['reversed, stepped', [slice(null, null, -3), slice(5, 40, 7), slice(29, 0, -4), -1]],
    ['time course', [10, 20, 5]],
  ])('%s equals the oracle and reads at most the bytes it spans', async (_n, index) => {
    const rec = new RecordingSource(new BlobSource(file));
    const proxy = new ArrayProxy(rec, spec);
    const arr = await proxy.get(index);
    const want = oracleIndex(shape, 'F', index);
    expect(arr.shape).toEqual(want.shape);
    expect(arr.dtype).toBe('float64');
    expect(Array.from(arr.data as Float64Array)).toEqual(want.source.map((e) => value(e) * 0.5 + 10));
    const first = Math.min(...want.source);
    const last = Math.max(...want.source);
    for (const r of rec.reads) {
      expect(r.offset).toBeGreaterThanOrEqual(352);
      expect(r.offset + r.length).toBeLessThanOrEqual(352 + 2 * (shape.reduce((a, b) => a * b, 1)));
    }
    // Nothing is read outside the span of the voxels wanted (plus nibabel's widening of
    // axes whose skipped bytes are ≤ 256 and the read merging of ≤ 128 KiB gaps).
    expect(rec.reads[0].offset).toBeGreaterThanOrEqual(352 + 2 * first - 256 * 1024);
    expect(Math.max(...rec.reads.map((r) => r.offset + r.length))).toBeLessThanOrEqual(352 + 2 * (last + 1) + 256 * 1024);
  });

  it('reads one axial slice with one read of exactly its bytes', async () => {
    const rec = new RecordingSource(new BlobSource(file));
    await new ArrayProxy(rec, spec).get([null, null, 7, 3]);
    expect(rec.reads.map((r) => [r.offset, r.length])).toEqual([[352 + 2 * (64 * 48 * (7 + 30 * 3)), 2 * 64 * 48]]);
  });

  it('aborts a read in flight', async () => {
    const proxy = new ArrayProxy(new BlobSource(file), spec);
    const ac = new AbortController();
    const p = proxy.get([], { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('prints slice vs whole timings for a 256×256×192 int16 File', async () => {
    const big = makeNii([256, 256, 192]);
    const proxy = new ArrayProxy(new BlobSource(big), { shape: [256, 256, 192], dtype: 'int16', littleEndian: false, offset: 352 });
    const time = async (index: Index) => {
      const t0 = performance.now();
      await proxy.get(index);
      return performance.now() - t0;
    };
    await time([null, null, 1]);
    const axial = Math.min(await time([null, null, 96]), await time([null, null, 97]));
    const coronal = Math.min(await time([null, 128, null]), await time([null, 129, null]));
    const sagittal = Math.min(await time([128, null, null]), await time([129, null, null]));
    const whole = Math.min(await time([]), await time([]));
    console.log(
      `256x256x192 int16 BE File: axial ${axial.toFixed(1)} ms, coronal ${coronal.toFixed(1)} ms, ` +
        `sagittal ${sagittal.toFixed(1)} ms, whole ${whole.toFixed(1)} ms`,
    );
    expect(axial).toBeLessThan(whole);
  });
});
