/**
 * The viewer's pure geometry (examples/viewer/slices.ts): for every one of the 48 axis
 * orders and flips a voxel grid can have, the views must show world directions the same way
 * — R on the right (neurological) or left (radiological), A/S at the top, A on the left of the
 * sagittal view — and clicks must map back to the voxel under the pixel.
 */
import { describe, expect, it } from 'vitest';
import { VIEWS, extractSlice, screenToVoxel, viewGeometry, voxelToScreen, type Volume } from '../../examples/viewer/slices';
import { applyAffine, fortranStrides } from '../../src/index';

const PERMS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/** Affine whose voxel axis k runs along world axis perm[k] with sign signs[k]. */
function orientedAffine(perm: number[], signs: number[], zooms: number[]): number[][] {
  const a = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  perm.forEach((w, k) => {
    a[w][k] = signs[k] * zooms[k];
    a[w][3] = -signs[k] * zooms[k] * 2; // some translation
  });
  return a;
}

/** A volume whose value at each voxel is one world coordinate of that voxel. */
function worldVolume(affine: number[][], shape: number[], worldAxis: number): Volume {
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  let p = 0;
  for (let k = 0; k < shape[2]; k++)
    for (let j = 0; j < shape[1]; j++) for (let i = 0; i < shape[0]; i++) data[p++] = applyAffine(affine, [i, j, k])[worldAxis];
  return { data, shape, strides: fortranStrides(shape), offset: 0 };
}

/** Sign of the change of slice values along columns (dx) and rows (dy); 0 if constant. */
function trend(s: { width: number; height: number; values: Float32Array }): { dx: number; dy: number } {
  const at = (c: number, r: number) => s.values[r * s.width + c];
  return {
    dx: Math.sign(at(s.width - 1, 0) - at(0, 0)),
    dy: Math.sign(at(0, s.height - 1) - at(0, 0)),
  };
}

const orientations: { perm: number[]; signs: number[] }[] = [];
for (const perm of PERMS)
  for (let f = 0; f < 8; f++) orientations.push({ perm, signs: [f & 1 ? -1 : 1, f & 2 ? -1 : 1, f & 4 ? -1 : 1] });

describe('viewGeometry + extractSlice in all 48 orientations', () => {
  const shape = [5, 6, 7];
  const zooms = [1, 2, 3];
  // Expected screen trends of world x, y, z for each view (neurological): +1 = grows
  // rightwards/downwards, -1 = shrinks, 0 = constant on the slice.
  const expected: Record<string, [number, number][]> = {
    axial: [[1, 0], [0, -1], [0, 0]],
    coronal: [[1, 0], [0, 0], [0, -1]],
    sagittal: [[0, 0], [-1, 0], [0, -1]],
  };
  for (const { perm, signs } of orientations) {
    const name = `perm ${perm} signs ${signs}`;
    it(name, () => {
      const affine = orientedAffine(perm, signs, zooms);
      const cursor = [2, 3, 4];
      for (const view of VIEWS) {
        for (const radiological of [false, true]) {
          const geom = viewGeometry(affine, shape, zooms, view, { radiological });
          for (let w = 0; w < 3; w++) {
            const s = extractSlice(worldVolume(affine, shape, w), geom, cursor);
            const [ex, ey] = expected[view][w];
            const flipX = radiological && view !== 'sagittal' ? -1 : 1;
            expect(trend(s), `${view} world ${'xyz'[w]} rad=${radiological}`).toEqual({ dx: ex * flipX || 0, dy: ey });
          }
          // The slice passes through the cursor, and the pixel size matches the voxel size.
          const vol = worldVolume(affine, shape, 0);
          const s = extractSlice(vol, geom, cursor);
          const [c, r] = voxelToScreen(geom, cursor);
          expect(s.values[r * s.width + c]).toBe(applyAffine(affine, cursor)[0]);
          expect(s.width).toBe(shape[geom.horizontal.voxelAxis]);
          expect(geom.horizontal.zoom).toBe(zooms[geom.horizontal.voxelAxis]);
        }
      }
    });
  }
});

describe('labels', () => {
  const eye = orientedAffine([0, 1, 2], [1, 1, 1], [1, 1, 1]);
  it('neurological', () => {
    expect(viewGeometry(eye, [4, 4, 4], [1, 1, 1], 'axial').labels).toEqual({ left: 'L', right: 'R', top: 'A', bottom: 'P' });
    expect(viewGeometry(eye, [4, 4, 4], [1, 1, 1], 'coronal').labels).toEqual({ left: 'L', right: 'R', top: 'S', bottom: 'I' });
    expect(viewGeometry(eye, [4, 4, 4], [1, 1, 1], 'sagittal').labels).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });
  it('radiological', () => {
    const opts = { radiological: true };
    expect(viewGeometry(eye, [4, 4, 4], [1, 1, 1], 'axial', opts).labels).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(viewGeometry(eye, [4, 4, 4], [1, 1, 1], 'coronal', opts).labels).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(viewGeometry(eye, [4, 4, 4], [1, 1, 1], 'sagittal', opts).labels.left).toBe('A');
  });
  it('are the same whatever the storage order (they describe the screen, not the file)', () => {
    const psl = orientedAffine([1, 2, 0], [-1, 1, -1], [2, 2.5, 3]);
    expect(viewGeometry(psl, [4, 5, 6], [2, 2.5, 3], 'axial').labels).toEqual({ left: 'L', right: 'R', top: 'A', bottom: 'P' });
  });
  it('rejects a degenerate affine', () => {
    expect(() => viewGeometry([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], [2, 2, 2], [1, 1, 1], 'axial')).toThrow(RangeError);
  });
});

describe('clicks and 4-D', () => {
  const affine = orientedAffine([1, 2, 0], [-1, 1, -1], [2, 2.5, 3]);
  const shape = [5, 6, 7];
  it('screenToVoxel inverts voxelToScreen on every view and keeps the slice index', () => {
    for (const view of VIEWS) {
      const geom = viewGeometry(affine, shape, [2, 2.5, 3], view);
      for (const cursor of [[0, 0, 0], [4, 5, 6], [1, 3, 2]]) {
        const [c, r] = voxelToScreen(geom, cursor);
        expect(screenToVoxel(geom, c + 0.5, r + 0.5, [9, 9, 9].map((x, k) => (k === geom.through ? cursor[k] : x)))).toEqual(cursor);
      }
      // Outside the slice clamps to its edge.
      const out = screenToVoxel(geom, -10, 1e6, [1, 1, 1]);
      expect(out.every((x, k) => x >= 0 && x < shape[k])).toBe(true);
    }
  });
  it('picks the 4th-axis volume and rejects out-of-range indices', () => {
    const shape4 = [3, 3, 3, 4];
    const data = new Float32Array(3 * 3 * 3 * 4).map((_, i) => Math.floor(i / 27));
    const vol: Volume = { data, shape: shape4, strides: fortranStrides(shape4), offset: 0 };
    const geom = viewGeometry(orientedAffine([0, 1, 2], [1, 1, 1], [1, 1, 1]), shape4, [1, 1, 1], 'axial');
    for (let t = 0; t < 4; t++) expect([...extractSlice(vol, geom, [1, 1, 1], t).values]).toEqual(new Array(9).fill(t));
    expect(() => extractSlice(vol, geom, [1, 1, 1], 4)).toThrow(RangeError);
    expect(() => extractSlice(vol, geom, [1, 1, 3], 0)).toThrow(RangeError);
  });
});
