/**
 * An index, expanded and normalised for an array's shape: nibabel's `canonical_slicers` and
 * `predict_shape` (fileslice.py), with numpy's errors. The first step of every read
 * (proxy/fileslice.ts plans the bytes from these) and of every in-memory slice.
 */
import { IndexError, IndexTypeError } from '../errors.js';
import { type Index, type Slice, describe, fillSlicer, isSlice, slice2len } from './slicing.js';

/**
 * A canonical slicer for one axis: a non-negative in-range integer (axis dropped),
 * `null` (the whole axis), or a {@link Slice} that is not the whole axis.
 */
export type CanonicalSlicer = number | null | Slice;

const INDEX_HELP =
  "only integers, null (a whole axis), slice(start, stop, step) and '...' are valid index items";

/**
 * Expands and normalises an index for an array of `shape` (nibabel's `canonical_slicers`,
 * with numpy's errors): expands `'...'`, appends whole axes for missing trailing items,
 * replaces slices that select a whole axis by `null`, makes negative integers positive.
 * @param index the index (`undefined` or `[]` selects everything)
 * @param shape the array shape
 * @returns one canonical slicer per axis
 * @throws {IndexTypeError} (a `TypeError`) `INDEX_NOT_ARRAY`, `BAD_INDEX_ITEM` for an item
 *   that is not an integer, `null`, a slice or `'...'`, `TWO_ELLIPSES`
 * @throws {IndexError} (a `RangeError`) `TOO_MANY_INDICES`, `INDEX_OUT_OF_BOUNDS`
 */
export function canonicalSlicers(index: Index | undefined, shape: readonly number[]): CanonicalSlicer[] {
  if (index === undefined) index = [];
  if (!Array.isArray(index)) {
    throw new IndexTypeError(
      `an index must be an array with one item per axis, e.g. [slice(0, 10), null, 5]; got ${describe(index)}`,
      { code: 'INDEX_NOT_ARRAY' },
    );
  }
  let nEllipsis = 0;
  for (let i = 0; i < index.length; i++) {
    const item: unknown = index[i];
    if (item === '...') {
      if (++nEllipsis > 1) {
        throw new IndexTypeError("an index can only have a single ellipsis ('...'); spell the other whole axes as null", {
          code: 'TWO_ELLIPSES',
        });
      }
    } else if (typeof item === 'number') {
      if (!Number.isInteger(item)) {
        throw new IndexTypeError(`${INDEX_HELP}; got ${describe(item)} at position ${i} (integers only)`, {
          code: 'BAD_INDEX_ITEM',
        });
      }
    } else if (item !== null && !isSlice(item)) {
      const hint =
        typeof item === 'object' && item !== null && 'start' in item
          ? ' (use slice(start, stop, step) to make a slice; plain objects are not accepted)'
          : '';
      throw new IndexTypeError(`${INDEX_HELP}; got ${describe(item)} at position ${i}${hint}`, { code: 'BAD_INDEX_ITEM' });
    }
  }
  const nReal = index.length - nEllipsis;
  const ndim = shape.length;
  if (nReal > ndim) {
    throw new IndexError(
      `too many indices for array: array is ${ndim}-dimensional, but ${nReal} were indexed; ` +
        `give at most ${ndim} items (missing trailing items mean whole axes)`,
      { code: 'TOO_MANY_INDICES' },
    );
  }
  const out: CanonicalSlicer[] = [];
  for (const item of index) {
    if (item === '...') {
      for (let k = 0; k < ndim - nReal; k++) out.push(null);
      continue;
    }
    const axis = out.length;
    const dimLen = shape[axis];
    if (typeof item === 'number') {
      const i = item < 0 ? item + dimLen : item;
      if (i < 0 || i >= dimLen) {
        throw new IndexError(
          `index ${item} is out of bounds for axis ${axis} with size ${dimLen}; ` +
            (dimLen === 0
              ? 'the axis is empty: use null or a slice() for it'
              : `use an integer from ${-dimLen} to ${dimLen - 1} (negative counts from the end), or a slice(), which clips`),
          { code: 'INDEX_OUT_OF_BOUNDS' },
        );
      }
      out.push(i === 0 ? 0 : i);
    } else if (item === null) {
      out.push(null);
    } else {
      const f = fillSlicer(item, dimLen);
      out.push(f.step === 1 && f.start === 0 && f.stop === dimLen ? null : item);
    }
  }
  while (out.length < ndim) out.push(null);
  return out;
}

/**
 * Shape of `arr[index]` for an array of `shape` (nibabel's `predict_shape`, numpy's result).
 * @param index the index
 * @param shape the array shape
 * @returns the result shape (integer items drop their axis)
 * @throws {IndexTypeError} | {IndexError} as {@link canonicalSlicers}
 */
export function predictShape(index: Index | undefined, shape: readonly number[]): number[] {
  const can = canonicalSlicers(index, shape);
  const out: number[] = [];
  can.forEach((s, axis) => {
    if (typeof s !== 'number') out.push(slice2len(s, shape[axis]));
  });
  return out;
}
