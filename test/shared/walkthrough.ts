// nibabel's "Images and memory" walkthrough, step by step, as a suite that runs in Node and
// in Chromium (each side supplies how to get the .nii.gz bytes). Every rule of DESIGN.md's
// semantics list is one `it`.
import { describe, expect, it } from 'vitest';
import {
  NDArray,
  Nifti1Image,
  asArray,
  cStrides,
  isProxy,
  load,
  type SpatialImage,
} from '../../src/index';

const DIAG = [
  [1, 0, 0, 0],
  [0, 2, 0, 0],
  [0, 0, 3, 0],
  [0, 0, 0, 1],
];

/** A C-ordered arange(24).reshape(2, 3, 4), as numpy makes it. */
function arange24(): NDArray {
  const data = Int16Array.from({ length: 24 }, (_, i) => i);
  return new NDArray(data, [2, 3, 4], { strides: cStrides([2, 3, 4]) });
}

export function walkthroughSuite(gzBytes: () => Promise<Uint8Array>, gzName: string): void {
  describe('in-memory image (np.arange(24).reshape(2,3,4), diag([1,2,3,1]))', () => {
    it('keeps the very array as dataobj, and getData returns it', async () => {
      const arr = arange24();
      const img = new Nifti1Image(arr, DIAG);
      expect(img.dataobj).toBe(arr);
      expect(isProxy(img.dataobj)).toBe(false);
      expect(img.inMemory).toBe(true);
      expect(await img.getData()).toBe(arr);
      expect(img.shape).toEqual([2, 3, 4]);
      expect(img.affine).toEqual(DIAG);
    });

    it('getFdata gives a float64 copy with the same values, cached', async () => {
      const arr = arange24();
      const img = new Nifti1Image(arr, DIAG);
      const f = await img.getFdata();
      expect(f.dtype).toBe('float64');
      expect(f).not.toBe(arr);
      expect(f.get(1, 2, 3)).toBe(arr.get(1, 2, 3));
      expect(f.get(1, 2, 3)).toBe(23);
      expect(await img.getFdata()).toBe(f);
      img.uncache();
      expect(img.dataobj).toBe(arr);
      expect(await img.getFdata()).not.toBe(f);
    });

    it('asArray of an array is the array', async () => {
      const arr = arange24();
      expect(await asArray(arr)).toBe(arr);
    });

    it('the header follows the data: shape, dtype, sform code 2, qform code 0', () => {
      const img = new Nifti1Image(arange24(), DIAG);
      expect(img.header.getDataShape()).toEqual([2, 3, 4]);
      expect(img.header.getDataDtype()).toBe('int16');
      expect(img.header.getSform({ coded: true })[1]).toBe(2);
      expect(img.header.getQform({ coded: true })[1]).toBe(0);
      expect(img.header.getZooms()).toEqual([1, 2, 3]);
    });

    it('indexing an image directly fails the way nibabel does', () => {
      const img = new Nifti1Image(arange24(), DIAG);
      expect(() => img.get()).toThrow(/img\.slicer|dataobj/);
    });
  });

  describe(`proxy image (${gzName})`, () => {
    let img: SpatialImage;
    const fresh = async (): Promise<SpatialImage> => load(await gzBytes(), { name: gzName });

    it('loads as a proxy, reading nothing but the header', async () => {
      img = await fresh();
      expect(isProxy(img.dataobj)).toBe(true);
      expect(img.inMemory).toBe(false);
    });

    it('getFdata twice returns the same object; inMemory becomes true', async () => {
      img = await fresh();
      const data = await img.getFdata();
      expect(data.dtype).toBe('float64');
      expect(img.inMemory).toBe(true);
      expect(await img.getFdata()).toBe(data);
    });

    it('uncache drops the cache; the next call reads again', async () => {
      img = await fresh();
      const data = await img.getFdata();
      img.uncache();
      expect(img.inMemory).toBe(false);
      const again = await img.getFdata();
      expect(again).not.toBe(data);
      expect([...(again.data as Float64Array).subarray(0, 50)]).toEqual([...(data.data as Float64Array).subarray(0, 50)]);
    });

    it('another dtype replaces the cache', async () => {
      img = await fresh();
      const f64 = await img.getFdata();
      const f32 = await img.getFdata({ dtype: 'float32' });
      expect(f32.dtype).toBe('float32');
      expect(await img.getFdata({ dtype: 'float32' })).toBe(f32);
      const f64b = await img.getFdata();
      expect(f64b).not.toBe(f64);
    });

    it("caching 'unchanged' neither fills nor ignores the cache", async () => {
      img = await fresh();
      const a = await img.getFdata({ caching: 'unchanged' });
      expect(img.inMemory).toBe(false);
      expect(await img.getFdata({ caching: 'unchanged' })).not.toBe(a);
      const b = await img.getFdata();
      expect(await img.getFdata({ caching: 'unchanged' })).toBe(b);
    });

    it('asArray(dataobj) reads but does not cache', async () => {
      img = await fresh();
      const arr = await asArray(img.dataobj);
      expect(arr.shape).toEqual(img.shape);
      expect(img.inMemory).toBe(false);
    });

    it('getData caches the array with the on-disk rules', async () => {
      img = await fresh();
      const d = await img.getData();
      expect(await img.getData()).toBe(d);
      expect(img.inMemory).toBe(true);
    });

    it('getFdata with a non-float dtype is a TypeError', async () => {
      img = await fresh();
      await expect(img.getFdata({ dtype: 'int16' as 'float32' })).rejects.toThrow(TypeError);
      await expect(img.getFdata({ caching: 'sometimes' as 'fill' })).rejects.toThrow(TypeError);
    });
  });
}
