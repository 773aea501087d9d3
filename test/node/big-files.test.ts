// Files past 4 GiB (issue 11), in Node: a sparse 5 GiB 4-D .nii opens at once through
// load(path) (positioned reads over a file handle; Node 20's fs.openAsBlob reports such sizes
// modulo 2^32, so it could not serve) and gives any volume through the proxy, before, across
// and after byte 2^32; getFdata, getData and asArray refuse the whole array with a LimitError
// that says to read volumes, at once and leaving the image usable. The .nii.gz whose output
// passes 4 GiB is test/node/big-gzip.test.ts.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitError, asArray, load, slice } from '../../src/index';
import type { LoadedImage } from '../../src/index';
import { setWasmSource } from '../../src/wasm/load';
import { BIG_FILE_BYTES, BIG_SHAPE, BIG_VOXELS, sparseValue, volumeOffset, writeSparseNifti } from '../shared/big-nifti';

let dir: string;
let path: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nibweb-big-'));
  path = join(dir, 'big4d.nii');
  await writeSparseNifti(path);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Checks every voxel of volume `t` (as int16) against `want`, without a per-voxel expect. */
function expectVolume(data: ArrayLike<number>, want: (i: number) => number): void {
  expect(data.length).toBe(BIG_VOXELS);
  let bad = -1;
  for (let i = 0; i < BIG_VOXELS; i++) {
    if (data[i] !== want(i)) {
      bad = i;
      break;
    }
  }
  expect(bad === -1 ? 'all equal' : `voxel ${bad}: ${data[bad]} != ${want(bad)}`).toBe('all equal');
}

describe('a sparse 5 GiB .nii through load(path)', () => {
  let img: LoadedImage;

  it('opens at once', async () => {
    expect(statSync(path).size).toBe(BIG_FILE_BYTES);
    expect(BIG_FILE_BYTES).toBeGreaterThan(5 * 2 ** 30);
    const t0 = performance.now();
    img = await load(path);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(img.shape).toEqual([...BIG_SHAPE]);
    expect(img.dataobj.dtype).toBe('int16');
  });

  it('serves volumes before, across and past byte 2^32, and a hole as zeros', async () => {
    expect(volumeOffset(204)).toBeLessThan(2 ** 32);
    expect(volumeOffset(205)).toBeGreaterThan(2 ** 32);
    for (const t of [0, 204, 205, 259]) {
      const vol = await img.dataobj.get([null, null, null, t]);
      expect(vol.shape).toEqual([256, 256, 160]);
      expectVolume(vol.data as Int16Array, (i) => sparseValue(t, i));
    }
    const hole = await img.dataobj.get([null, null, null, 230]);
    expectVolume(hole.data as Int16Array, () => 0);
  });

  it('reads a single voxel far in, and a slice of the last volume', async () => {
    const [x, y, z] = [201, 77, 143];
    const i = x + 256 * (y + 256 * z);
    const voxel = await img.dataobj.get([x, y, z, 259]);
    expect(voxel.shape).toEqual([]);
    expect(voxel.get()).toBe(sparseValue(259, i));
    const sl = await img.dataobj.get([null, null, 143, 259]);
    expect(sl.get(x, y)).toBe(sparseValue(259, i));
  });

  it('getFdata, getData and asArray throw a LimitError that says to read volumes, at once', async () => {
    for (const read of [() => img.getFdata(), () => img.getFdata({ dtype: 'float32' }), () => img.getData(), () => asArray(img.dataobj)]) {
      const t0 = performance.now();
      const err = await read().then(
        () => null,
        (e: unknown) => e,
      );
      expect(performance.now() - t0).toBeLessThan(500);
      expect(err).toBeInstanceOf(LimitError);
      expect(err).toMatchObject({ code: 'ARRAY_TOO_LARGE', limit: expect.any(Number) });
      expect((err as LimitError).requested).toBeGreaterThan(2 ** 32);
      expect((err as Error).message).toContain('img.dataobj.get([null, null, null, t])');
      expect((err as Error).message).toContain('img.slicer([null, null, null, slice(a, b)])');
    }
    // Without WebAssembly (the TypeScript path) the same refusal, before any allocation.
    setWasmSource(false);
    try {
      await expect(img.getFdata({ dtype: 'float32' })).rejects.toMatchObject({ name: 'LimitError', code: 'ARRAY_TOO_LARGE' });
    } finally {
      setWasmSource(undefined);
    }
    // The image is as it was: nothing cached, volumes still read.
    expect(img.inMemory).toBe(false);
    const vol = await img.dataobj.get([null, null, null, 1]);
    expect(vol.get(5, 6, 7)).toBe(sparseValue(1, 5 + 256 * (6 + 256 * 7)));
  });

  it('img.slicer gives a smaller image, read whole', async () => {
    const part = await img.slicer([null, null, null, slice(204, 206)]);
    expect(part.shape).toEqual([256, 256, 160, 2]);
    const data = await part.getFdata({ dtype: 'float32' });
    const i = 9 + 256 * (8 + 256 * 150);
    expect(data.get(9, 8, 150, 0)).toBe(sparseValue(204, i));
    expect(data.get(9, 8, 150, 1)).toBe(sparseValue(205, i));
  });
});
