// Writing: an in-memory image's bytes equal nibabel's to_bytes() for the same array,
// affine and header (test/fixtures/generate-writes.py), and written images load back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  NDArray,
  Nifti1Header,
  Nifti1Image,
  Nifti1Pair,
  Nifti2Header,
  Nifti2Image,
  cStrides,
  fortranStrides,
  load,
  loadFiles,
  slice,
  type DType,
} from '../../src/index';
import cases from '../fixtures/writes/manifest.json';

const CTOR: Record<string, new (n: number) => ArrayLike<number>> = {
  int16: Int16Array,
  float32: Float32Array,
  uint8: Uint8Array,
  float64: Float64Array,
  int32: Int32Array,
};

function arrayOf(c: (typeof cases)[number]): NDArray {
  const data = new (CTOR[c.dtype] as unknown as new (a: number[]) => Float64Array)(c.values);
  const strides = c.order === 'C' ? cStrides(c.shape) : fortranStrides(c.shape);
  return new NDArray(data, c.shape, { strides, dtype: c.dtype as DType });
}

describe.each(cases)('toBytes equals nibabel: $id', (c) => {
  it('byte for byte', async () => {
    const arr = arrayOf(c);
    const Image = c.class === 'Nifti2Image' ? Nifti2Image : Nifti1Image;
    const Header = c.class === 'Nifti2Image' ? Nifti2Header : Nifti1Header;
    let header: InstanceType<typeof Header> | null = null;
    if (c.header_dtype || c.endianness) {
      header = new Header({ endianness: (c.endianness ?? '<') as '<' | '>' });
      header.setDataDtype((c.header_dtype ?? c.dtype) as DType);
    }
    const img = new Image(arr, c.affine, header);
    const mine = await img.toBytes();
    const theirs = new Uint8Array(readFileSync(new URL(`../fixtures/writes/${c.file}`, import.meta.url)));
    expect(mine.length).toBe(theirs.length);
    // NIfTI-2 quaternions: nibabel computes them in long double, we in float64 (≤ 1e-15 apart).
    const quat = c.class === 'Nifti2Image' ? [352, 376] : [0, 0];
    const firstDiff = mine.findIndex((b, i) => b !== theirs[i] && !(i >= quat[0] && i < quat[1]));
    expect(firstDiff, `first differing byte at ${firstDiff}`).toBe(-1);
    const dm = new DataView(mine.buffer, mine.byteOffset);
    const dt = new DataView(theirs.buffer, theirs.byteOffset);
    for (let o = quat[0]; o < quat[1]; o += 8) expect(dm.getFloat64(o, true)).toBeCloseTo(dt.getFloat64(o, true), 14);
  });
});

describe('written images load back', () => {
  it('float64 into an int16 header is scaled and reads back within half a step', async () => {
    const values = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) * 1000 + 0.25);
    const hdr = new Nifti1Header();
    hdr.setDataDtype('int16');
    const img = new Nifti1Image(new NDArray(values, [3, 4, 5]), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], hdr);
    const back = await load(await img.toBytes(), { name: 'x.nii' });
    expect(back.dataobj.dtype).toBe('int16');
    const slope = (back.dataobj as unknown as { slope: number }).slope;
    const f = await back.getFdata();
    for (let i = 0; i < 60; i++) expect(Math.abs((f.data[i] as number) - values[i])).toBeLessThanOrEqual(slope / 2 + 1e-9);
  });

  it('a gzipped Blob loads back with the same values', async () => {
    const arr = new NDArray(Int16Array.from({ length: 24 }, (_, i) => i - 12), [2, 3, 4]);
    const img = new Nifti1Image(arr, [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]]);
    const blob = await img.toBlob('x.nii.gz');
    const back = await load(blob, { name: 'x.nii.gz' });
    expect(back.affine).toEqual(img.affine);
    const d = await back.getData();
    expect([...(d.data as Int16Array)]).toEqual([...(arr.data as Int16Array)]);
  });

  it('a strided view (a slicer result) writes exactly its own voxels, scaled on its own range', async () => {
    const big = Float64Array.from({ length: 6 * 5 * 4 }, (_, i) => (i % 6 < 3 ? i : 1e6)); // x ≥ 3 is out of the view
    const hdr = new Nifti1Header();
    hdr.setDataDtype('int16');
    const img = new Nifti1Image(new NDArray(big, [6, 5, 4]), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], hdr);
    const view = await img.slicer([slice(0, 3), slice(null, null, -1), null]);
    const back = await load(await view.toBytes(), { name: 'v.nii' });
    expect(back.shape).toEqual([3, 5, 4]);
    const slope = (back.dataobj as unknown as { slope: number }).slope;
    expect(slope).toBeLessThan(1); // the range is the view's (≤ 119), not the 1e6 outside it
    const f = await back.getFdata();
    for (const [x, y, z] of [[0, 0, 0], [2, 4, 3], [1, 2, 1]]) {
      expect(Math.abs(f.get(x, y, z) - big[x + 6 * (4 - y) + 30 * z])).toBeLessThanOrEqual(slope / 2 + 1e-9);
    }
  });

  it('pair images write { hdr, img }: a 348-byte ni1 header and the data at offset 0, which load back as a pair', async () => {
    const values = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const affine = [[2, 0, 0, -10], [0, 3, 0, 5], [0, 0, 4, 1], [0, 0, 0, 1]];
    const img = new Nifti1Pair(new NDArray(values, [2, 3, 4]), affine);
    const { hdr, img: data, ...rest } = await img.toBytes();
    expect(Object.keys(rest)).toEqual([]);
    expect(hdr.length).toBe(348);
    expect(String.fromCharCode(...hdr.subarray(344, 347))).toBe('ni1');
    expect(data.length).toBe(24 * 4);
    const [back] = await loadFiles([new File([hdr as BlobPart], 'p.hdr'), new File([data as BlobPart], 'p.img')]);
    expect(back).toBeInstanceOf(Nifti1Pair);
    expect(back!.affine).toEqual(affine);
    expect(Array.from((await back!.getFdata({ dtype: "float32" })).data as Float32Array)).toEqual(Array.from(values));
    const blobs = await img.toBlob({ gzip: true });
    expect([blobs.hdr.size > 0, blobs.img.size > 0, 'mat' in blobs]).toEqual([true, true, false]);
  });
});
