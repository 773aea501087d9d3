/**
 * Reoriented proxies without reading (the lazy form of nibabel's `apply_orientation` on
 * `np.asanyarray(dataobj)`): an orientation transform (src/orientations.ts: row k sends array
 * axis k to result axis `ornt[k][0]`, flipped when `ornt[k][1]` is -1) turned into
 * - the shape of the reoriented array,
 * - an index on the reoriented array mapped to an index on the file's array, with flips folded
 *   into the items (an integer i → n-1-i, a slice reversed), so that reading the mapped index
 *   gives each kept axis already in the reoriented order of positions,
 * - the axis permutation left to apply to that result, as a strided view.
 *
 * Pure: no I/O. ArrayProxy (array-proxy.ts) uses it for `withOrientation`, and `viewOf` is
 * the in-memory `applyOrientation` (a strided view, flips as negative strides).
 */
import { NDArray } from '../ndarray.js';
import type { TypedArray } from '../dtypes.js';
import { type CanonicalSlicer, canonicalSlicers } from './canonical-slicers.js';
import { type Index, fillSlicer, filledLength, slice } from './slicing.js';

/** A validated orientation: for each leading array axis, its result axis and whether it flips. */
export interface AxisMap {
  /** `to[k]`: the result axis of array axis k. */
  readonly to: readonly number[];
  /** `flip[k]`: whether array axis k is reversed. */
  readonly flip: readonly boolean[];
}

/**
 * Checks a transform for a proxy of `ndim` axes.
 * @param ornt rows `[axis, flip]` for the leading axes
 * @param ndim the array's number of axes
 * @returns the axis map
 * @throws {RangeError} for dropped (NaN) axes, flips other than ±1, a non-permutation, or more rows than axes
 */
export function axisMap(ornt: ReadonlyArray<readonly number[]>, ndim: number): AxisMap {
  const n = ornt.length;
  if (n > ndim) throw new RangeError('data array has fewer dimensions than orientation');
  const to = ornt.map(([ax]) => ax!);
  if (to.some((ax) => Number.isNaN(ax))) throw new RangeError('cannot drop coordinates when applying orientation to data');
  if (to.some((ax) => !Number.isInteger(ax) || ax < 0 || ax >= n) || new Set(to).size !== n) {
    throw new RangeError(`orientation axes [${to}] are not a permutation of 0..${n - 1}`);
  }
  const flip = ornt.map(([, f]) => {
    if (f !== 1 && f !== -1) throw new RangeError(`flip must be 1 or -1, got ${f}`);
    return f === -1;
  });
  return { to, flip };
}

/**
 * `b` applied after `a`, as one map (for a proxy reoriented twice).
 * @param a the first map
 * @param b the second, on `a`'s result
 * @returns the composition
 */
export function composeMaps(a: AxisMap, b: AxisMap): AxisMap {
  const n = Math.max(a.to.length, b.to.length);
  const to: number[] = [];
  const flip: boolean[] = [];
  for (let k = 0; k < n; k++) {
    const mid = k < a.to.length ? a.to[k]! : k;
    to.push(mid < b.to.length ? b.to[mid]! : mid);
    flip.push((k < a.flip.length && a.flip[k]!) !== (mid < b.flip.length && b.flip[mid]!));
  }
  return { to, flip };
}

/**
 * @param shape the file array's shape
 * @param m the map
 * @returns the reoriented shape
 */
export function orientedShape(shape: readonly number[], m: AxisMap): number[] {
  const out = [...shape];
  m.to.forEach((ax, k) => {
    out[ax] = shape[k]!;
  });
  return out;
}

/** An item on an axis of length n, reversed. */
function flipItem(item: CanonicalSlicer, n: number): CanonicalSlicer {
  if (item === null) return slice(null, null, -1);
  if (typeof item === 'number') return n - 1 - item;
  const f = fillSlicer(item, n);
  const m = filledLength(f);
  if (m === 0) return slice(0, 0);
  const first = n - 1 - f.start;
  const last = n - 1 - (f.start + (m - 1) * f.step);
  const step = -f.step;
  const stop = last + step;
  return slice(first, stop < 0 ? null : stop, step);
}

/**
 * The file-array index that reads what `index` selects of the reoriented array, and the
 * permutation that puts the read result's axes into the reoriented order.
 * @param index an index on the reoriented array
 * @param shape the file array's shape
 * @param m the map
 * @returns `base`: the index on the file array; `perm`: result axis i is the read's axis `perm[i]`
 * @throws {TypeError} | {RangeError} for a bad index, as an unoriented read (axes named as the caller sees them)
 */
export function mapIndex(index: Index | undefined, shape: readonly number[], m: AxisMap): { base: Index; perm: number[] } {
  const view = orientedShape(shape, m);
  const items = canonicalSlicers(index, view);
  const base: CanonicalSlicer[] = items.slice();
  // For every array axis: the reoriented axis it shows up as.
  const where = shape.map((_, k) => (k < m.to.length ? m.to[k]! : k));
  where.forEach((v, k) => {
    const item = items[v]!;
    base[k] = k < m.flip.length && m.flip[k] ? flipItem(item, shape[k]!) : item;
  });
  // Kept axes: the read gives them in array order; the caller wants them in reoriented order.
  const keptArray = where.map((v, k) => ({ k, v })).filter(({ v }) => typeof items[v] !== 'number');
  const byView = [...keptArray].sort((a, b) => a.v - b.v);
  const perm = byView.map(({ k }) => keptArray.findIndex((e) => e.k === k));
  return { base, perm };
}

/**
 * The reoriented array as a view of `arr` (no copy): flips are negative strides, the axis
 * order a permutation of shape and strides; axes past the map stay where they are.
 * @param arr the array in its own orientation
 * @param m the map
 * @returns the view
 */
export function viewOf<T extends TypedArray>(arr: NDArray<T>, m: AxisMap): NDArray<T> {
  const strides = [...arr.strides];
  let offset = arr.offset;
  m.flip.forEach((f, k) => {
    if (!f) return;
    offset += (arr.shape[k]! - 1) * strides[k]!;
    strides[k] = -strides[k]!;
  });
  const from = Array.from({ length: arr.ndim }, (_, k) => k);
  m.to.forEach((ax, k) => {
    from[ax] = k;
  });
  return new NDArray(arr.data, from.map((k) => arr.shape[k]!), { strides: from.map((k) => strides[k]!), offset, dtype: arr.dtype });
}
