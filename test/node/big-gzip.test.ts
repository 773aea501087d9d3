// A .nii.gz whose output passes 4 GiB (issue 11), in Node: 260 volumes of 20 MiB made of
// gzip members (a header member, then per volume a marker member and one highly compressible
// member reused, so the file is ~5.5 MB). The header loads at once; a volume wholly past 4 GiB
// of output, and the last one, read correctly (by inflating up to them: slow until the seek
// index has points there); getFdata is a LimitError at once, before inflating anything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitError, load } from '../../src/index';
import type { LoadedImage } from '../../src/index';
import { BIG_SHAPE, BIG_VOXELS, gzValue, volumeOffset, makeBigNiftiGz } from '../shared/big-nifti';

let dir: string;
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nibweb-biggz-'));
  path = join(dir, 'big4d.nii.gz');
  writeFileSync(path, makeBigNiftiGz());
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectVolume(data: ArrayLike<number>, t: number): void {
  expect(data.length).toBe(BIG_VOXELS);
  let bad = -1;
  for (let i = 0; i < BIG_VOXELS; i++) {
    if (data[i] !== gzValue(t, i)) {
      bad = i;
      break;
    }
  }
  expect(bad === -1 ? 'all equal' : `voxel ${bad}: ${data[bad]} != ${gzValue(t, bad)}`).toBe('all equal');
}

describe('a .nii.gz whose output passes 4 GiB', () => {
  let img: LoadedImage;

  it('loads its header at once', async () => {
    const t0 = performance.now();
    img = await load(path);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(img.shape).toEqual([...BIG_SHAPE]);
  });

  it('getFdata is a LimitError that says to read volumes, before inflating anything', async () => {
    const t0 = performance.now();
    const err = await img.getFdata().then(
      () => null,
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err).toBeInstanceOf(LimitError);
    expect(err).toMatchObject({ code: 'ARRAY_TOO_LARGE' });
    expect((err as Error).message).toContain('img.dataobj.get([null, null, null, t])');
    expect(img.inMemory).toBe(false);
  });

  it('reads volume 1, a volume wholly past 4 GiB of output, and the last', async () => {
    expect(volumeOffset(205)).toBeGreaterThan(2 ** 32);
    for (const t of [1, 205, 259]) {
      const vol = await img.dataobj.get([null, null, null, t]);
      expectVolume(vol.data as Int16Array, t);
    }
    const [x, y, z] = [3, 200, 159];
    const voxel = await img.dataobj.get([x, y, z, 258]);
    expect(voxel.get()).toBe(gzValue(258, x + 256 * (y + 256 * z)));
  }, 120_000);
});
