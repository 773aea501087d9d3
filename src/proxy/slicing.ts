/**
 * The index vocabulary of `ArrayProxy.get(index)`: Python's `slice` object and numpy's
 * "basic indexing" items, as plain JavaScript values. Ports the parts of Python/numpy that
 * nibabel's `fileslice.py` relies on: `slice(start, stop, step)` and `slice.indices(len)`
 * (CPython `PySlice_AdjustIndices`).
 *
 * An index is an array with one item per axis:
 * - a number: an integer position (negative counts from the end); the axis is dropped;
 * - `null`: the whole axis (numpy's `:`). Note: unlike numpy, `null` is NOT `newaxis`;
 * - a `slice(start, stop, step)`: Python slice semantics, any non-zero step, bounds clipped;
 * - `'...'` (at most once): as many whole axes as needed.
 * Missing trailing items mean whole axes, as in numpy.
 *
 * Slices are frozen and carry a registered symbol tag, so a look-alike `{start, stop, step}`
 * object is rejected instead of being silently misread, while two copies of this module (two
 * bundles on one page) still recognise each other's slices.
 *
 * Bad arguments throw the coded index errors of errors.ts: `IndexTypeError` (a `TypeError`)
 * for a bound that is not an integer, `IndexError` (a `RangeError`) for a zero step.
 */
import { IndexError, IndexTypeError } from '../errors.js';

/** The tag on every slice made by {@link slice} (registered, so it survives duplicate bundles). */
export const SLICE_TAG: unique symbol = Symbol.for('nibweb.slice');

/** A Python-style slice: `null` fields mean "default", exactly like Python's `None`. */
export interface Slice {
  readonly start: number | null;
  readonly stop: number | null;
  readonly step: number | null;
  readonly [SLICE_TAG]: true;
}

/** One item of an index: an integer, `null` (whole axis), a {@link Slice}, or `'...'`. */
export type IndexItem = number | null | Slice | '...';

/** An index for `ArrayProxy.get`: one item per axis, at most one `'...'`. */
export type Index = readonly IndexItem[];

/**
 * A slice with every field resolved against an axis length (Python's `slice.indices(len)`):
 * the selected positions are `start, start + step, …` while before `stop`. For a negative
 * step `stop` may be -1, meaning "down to and including position 0".
 */
export interface FilledSlice {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
}

function checkBound(name: string, v: number | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new IndexTypeError(
      `slice ${name} must be an integer, null or undefined (got ${describe(v)}); ` +
        'slice indices must be integers, as in Python: round the value first, or pass null for the default',
      { code: 'BAD_SLICE_BOUND' },
    );
  }
  // -0 and 0 mean the same position; keep the canonical 0 so equality checks are simple.
  return v === 0 ? 0 : v;
}

/**
 * Makes a Python-style slice. As with Python's `slice()`, a single argument is the STOP:
 * `slice(5)` is `:5`; `slice(2, 5)` is `2:5`; `slice(null, null, -1)` is `::-1`.
 * @param args `(stop)` or `(start, stop[, step])`; `null`/`undefined` mean the default
 * @returns a frozen, tagged slice
 * @throws {IndexTypeError} (a `TypeError`) `BAD_SLICE_BOUND` when a bound is not an integer
 *   (or null/undefined), `SLICE_ARGS` for more than 3 arguments
 * @throws {IndexError} (a `RangeError`) `SLICE_STEP_ZERO` when the step is 0 ("slice step
 *   cannot be zero", as numpy)
 * @example
 * proxy.get([slice(10, 20), null, 5])        // arr[10:20, :, 5]
 * proxy.get(['...', slice(null, null, -2)])  // arr[..., ::-2]
 */
export function slice(
  ...args: [] | [stop?: number | null] | [start: number | null | undefined, stop?: number | null, step?: number | null]
): Slice {
  if (args.length > 3) {
    throw new IndexTypeError(`slice expected at most 3 arguments, got ${args.length}: slice(start, stop, step)`, {
      code: 'SLICE_ARGS',
    });
  }
  let start: number | null;
  let stop: number | null;
  let step: number | null;
  if (args.length <= 1) {
    start = null;
    stop = checkBound('stop', args[0]);
    step = null;
  } else {
    start = checkBound('start', args[0]);
    stop = checkBound('stop', args[1]);
    step = checkBound('step', args[2]);
  }
  if (step === 0) {
    throw new IndexError('slice step cannot be zero; use 1 (or null) for every position, -1 to reverse', {
      code: 'SLICE_STEP_ZERO',
    });
  }
  return Object.freeze({ start, stop, step, [SLICE_TAG]: true as const });
}

/**
 * True for a slice made by {@link slice} (nibweb's own check, not duck typing).
 * @param x anything
 * @returns whether `x` carries the slice tag
 */
export function isSlice(x: unknown): x is Slice {
  return typeof x === 'object' && x !== null && (x as { [SLICE_TAG]?: unknown })[SLICE_TAG] === true;
}

/**
 * Python's `slice.indices(len)`: resolves defaults, negative and out-of-range bounds.
 * @param s the slice
 * @param dimLen the axis length (≥ 0)
 * @returns the filled slice (for a negative step, `stop` may be -1)
 */
export function fillSlicer(s: Slice, dimLen: number): FilledSlice {
  const step = s.step ?? 1;
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? dimLen - 1 : dimLen;
  const adjust = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + dimLen, lower);
    return Math.min(v, upper);
  };
  return {
    start: adjust(s.start, step < 0 ? upper : lower),
    stop: adjust(s.stop, step < 0 ? lower : upper),
    step,
  };
}

/**
 * Number of positions a filled slice selects (`len(range(start, stop, step))`).
 * @param f a filled slice
 * @returns the count (≥ 0)
 */
export function filledLength(f: FilledSlice): number {
  if (f.step > 0) return f.stop > f.start ? Math.floor((f.stop - f.start - 1) / f.step) + 1 : 0;
  return f.start > f.stop ? Math.floor((f.start - f.stop - 1) / -f.step) + 1 : 0;
}

/**
 * Output length of slicing an axis of length `dimLen` (nibabel's `slice2len`;
 * `len(range(dimLen)[s])`).
 * @param s a slice, or `null` for the whole axis
 * @param dimLen the axis length
 * @returns the number of selected positions
 */
export function slice2len(s: Slice | null, dimLen: number): number {
  return s === null ? dimLen : filledLength(fillSlicer(s, dimLen));
}

/**
 * Python-style text of an index item, for error messages (`1:5:2`, `::-1`, `...`).
 * @param item an index item (or anything, for messages about bad items)
 * @returns a short description
 */
export function describe(item: unknown): string {
  if (isSlice(item)) {
    const f = (v: number | null) => (v === null ? '' : String(v));
    return `${f(item.start)}:${f(item.stop)}${item.step === null ? '' : `:${item.step}`}`;
  }
  if (item === null) return ':';
  if (typeof item === 'string') return JSON.stringify(item);
  if (typeof item === 'bigint') return `${item}n`;
  if (Array.isArray(item)) return `an array [${item.map(describe).join(', ')}]`;
  if (typeof item === 'object') return 'an object';
  return String(item);
}
