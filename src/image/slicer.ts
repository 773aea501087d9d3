/**
 * `img.slicer(index)`: a new image of the same class holding a part of the array, with its
 * affine moved and scaled to match (nibabel's `SpatialFirstSlicer`, spatialimages.py).
 *
 * Rules from nibabel: integer indices are refused on the three spatial axes (they would
 * drop an axis the affine needs; use `slice(x, x + 1)`); an empty result is refused; later
 * axes take integers. For each spatial axis with a slice the affine gets
 * `affine @ [step on the diagonal, start in the last column]`, so voxel 0 of the new image
 * is where voxel `start` was, and a negative step flips the axis.
 *
 * The data: for an in-memory array a strided view (numpy's basic indexing makes no copy);
 * for a proxy the part read from the file (only its bytes), in memory.
 *
 * Refusals are `IndexError`s (errors.ts: a `RangeError` with a `code`), with nibabel's message
 * and what to do instead: `SPATIAL_INTEGER_INDEX`, `EMPTY_SLICE`; a bad index otherwise fails
 * as in `ArrayProxy.get`.
 */
import { IndexError } from '../errors.js';
import { NDArray } from '../ndarray.js';
import { canonicalSlicers, predictShape } from '../proxy/canonical-slicers.js';
import { type Index, fillSlicer, filledLength } from '../proxy/slicing.js';
import type { DataObj } from './spatial-image.js';

/**
 * A view `arr[index]` (numpy basic indexing): no copy, strides and offset adjusted.
 * @param arr the array
 * @param index numbers, `null`, `slice()` and one `'...'`
 * @returns the view
 * @throws {IndexTypeError} | {IndexError} for a bad index (as `ArrayProxy.get`)
 */
export function sliceView(arr: NDArray, index: Index): NDArray {
  const slicers = canonicalSlicers(index, arr.shape);
  let offset = arr.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  slicers.forEach((s, axis) => {
    const stride = arr.strides[axis];
    if (typeof s === 'number') {
      offset += s * stride;
    } else if (s === null) {
      shape.push(arr.shape[axis]);
      strides.push(stride);
    } else {
      const f = fillSlicer(s, arr.shape[axis]);
      const n = filledLength(f);
      if (n > 0) offset += f.start * stride;
      shape.push(n);
      strides.push(stride * f.step);
    }
  });
  return new NDArray(arr.data, shape, { strides, offset, dtype: arr.dtype });
}

/** `affine @ T`, T having each spatial slice's step on its diagonal and start in column 4. */
export function slicedAffine(affine: readonly (readonly number[])[], index: Index, shape: readonly number[]): number[][] {
  const slicers = canonicalSlicers(index, shape);
  const t: number[][] = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
  for (let axis = 0; axis < Math.min(3, shape.length); axis++) {
    const s = slicers[axis];
    if (s === null || typeof s === 'number') continue;
    const f = fillSlicer(s, shape[axis]);
    t[axis][axis] = f.step;
    t[axis][3] = f.start;
  }
  return affine.map((row) => [0, 1, 2, 3].map((j) => row.reduce((acc, v, k) => acc + v * t[k][j], 0)));
}

/**
 * Checks a slicer index against nibabel's rules and returns the sliced data.
 * @throws {IndexError} (a `RangeError`) `SPATIAL_INTEGER_INDEX` for an integer on a spatial
 *   axis, `EMPTY_SLICE` for an empty result; as `ArrayProxy.get` for a bad index
 */
export async function sliceData(dataobj: DataObj, index: Index, opts: { signal?: AbortSignal } = {}): Promise<NDArray> {
  const slicers = canonicalSlicers(index, dataobj.shape);
  for (let axis = 0; axis < Math.min(3, slicers.length); axis++) {
    const x = slicers[axis];
    if (typeof x === 'number') {
      throw new IndexError(
        `Scalar indices disallowed in spatial dimensions (axis ${axis}); use slice(${x}, ${x + 1}) to keep the axis, ` +
          'or read the plane without an affine with img.dataobj.get([...])',
        { code: 'SPATIAL_INTEGER_INDEX' },
      );
    }
  }
  const shape = predictShape(index, dataobj.shape);
  if (shape.some((n) => n === 0)) {
    throw new IndexError(
      `Empty slice requested (result shape (${shape.join(', ')})); each slice must select at least one position ` +
        `of its axis (shape (${dataobj.shape.join(', ')}))`,
      { code: 'EMPTY_SLICE' },
    );
  }
  return dataobj instanceof NDArray ? sliceView(dataobj, index) : dataobj.get(index, opts);
}
