// img.slicer(index) against nibabel's img.slicer[...] (test/fixtures/generate-slicer.py):
// shape, affine and data, for an in-memory image and for the same image loaded as a proxy.
import { describe, expect, it } from 'vitest';
import { type Index, IndexError, NDArray, Nifti1Image, applyAffine, fortranStrides, load, slice } from '../../src/index';
import { fillSlicer, isSlice } from '../../src/proxy/slicing';
import expected from '../fixtures/slicer.json';

const n = expected.shape.reduce((a, b) => a * b, 1);
const arr = new NDArray(Int16Array.from({ length: n }, (_, i) => i), expected.shape, { strides: fortranStrides(expected.shape) });

function toIndex(ix: unknown[]): Index {
  return ix.map((e) => {
    if (e === '...' || e === null || typeof e === 'number') return e;
    const s = (e as { slice: (number | null)[] }).slice;
    return slice(s[0], s[1], s[2]);
  }) as Index;
}

function valuesF(a: NDArray): number[] {
  const out: number[] = [];
  const idx = new Array<number>(a.ndim).fill(0);
  for (let i = 0; i < a.size; i++) {
    out.push(a.get(...idx));
    for (let d = 0; d < idx.length; d++) {
      if (++idx[d] < a.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

describe.each(['in memory', 'proxy'])('img.slicer (%s) equals nibabel', (kind) => {
  const make = async () => {
    const img = new Nifti1Image(arr, expected.affine);
    return kind === 'proxy' ? load(await img.toBytes(), { name: 's.nii' }) : img;
  };

  it.each(expected.cases)('index $index', async (c) => {
    const img = await make();
    const s = await img.slicer(toIndex(c.index));
    expect(s.constructor).toBe(img.constructor);
    expect(s.shape).toEqual(c.shape);
    const index = toIndex(c.index);
    if (c.nibabel_affine_consistent) {
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(s.affine![i][j]).toBeCloseTo(c.affine[i][j], 5);
    }
    // Every case, including those where nibabel keeps a slice's raw start (s[::-1], s[-2:])
    // and so misplaces the result: voxel v of the new image is where voxel start + v·step was.
    const spatial = index.filter((x) => x !== '...').slice(0, 3);
    for (const v of [[0, 0, 0], [1, 1, 1]]) {
      const old = [0, 1, 2].map((axis) => {
        const item = spatial[axis];
        const f = isSlice(item) ? fillSlicer(item, expected.shape[axis]) : { start: 0, step: 1 };
        return f.start + v[axis] * f.step;
      });
      const got = applyAffine(s.affine!, v);
      const want = applyAffine(expected.affine, old);
      for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(want[k], 5); // the proxy case went through float32 srows
    }
    expect(valuesF(s.dataobj as NDArray)).toEqual(c.values_F);
    if (kind === 'in memory') expect((s.dataobj as NDArray).data).toBe(arr.data); // a view, as numpy
  });

  it.each(expected.errors)('refuses $index as nibabel does', async (c) => {
    const img = await make();
    const p = img.slicer(toIndex(c.index));
    await expect(p).rejects.toThrow(RangeError);
    await expect(p).rejects.toThrow(IndexError);
    // nibabel's message first, then what to do instead
    const scalar = c.error!.startsWith('Scalar indices');
    expect(c.error).toMatch(/^(Scalar indices disallowed in spatial dimensions|Empty slice requested)/);
    await expect(p).rejects.toThrow(scalar ? /^Scalar indices disallowed in spatial dimensions \(axis 0\); use slice\(1, 2\)/ : /^Empty slice requested \(result shape \(0, 5, 4, 3\)\)/);
    await expect(p).rejects.toMatchObject({ name: 'IndexError', code: scalar ? 'SPATIAL_INTEGER_INDEX' : 'EMPTY_SLICE' });
  });
});
