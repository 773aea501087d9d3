/**
 * PURE slice planning: an index → the byte segments to read and how to place what was read.
 * A port of nibabel's `fileslice.py` (threshold_heuristic, optimize_slicer,
 * optimize_read_slicers, calc_slicedefs, slicers2segments, and the planning half of
 * read_segments/fileslice); the index is first made canonical by proxy/canonical-slicers.ts
 * (canonical_slicers, predict_shape), and what was read is placed by proxy/gather.ts. No
 * I/O and no WASM: this module only does arithmetic, so it is unit-tested against a
 * read-everything oracle.
 *
 * The array is contiguous at byte `offset`, in Fortran ('F', NIfTI) or C order. Like nibabel
 * we work fastest-axis-first (a C array is reversed first). Walking the axes from fastest to
 * slowest, while every earlier axis is read whole, {@link thresholdHeuristic} may choose to
 * read *more* than needed — a whole axis, or a contiguous run of a stepped slice — when the
 * bytes skipped would be ≤ {@link SKIP_THRESH} (256): one longer read beats many short ones.
 * The surplus is discarded afterwards by the post-slicers. The slowest axis is never widened
 * to 'full'. Negative steps are read forwards and reversed afterwards.
 *
 * Differences from nibabel, all deliberate:
 * - Index semantics are numpy's, not nibabel's: a negative integer below −len is an error
 *   (nibabel lets it through), non-integers are rejected (nibabel truncates floats), and
 *   out-of-range slice bounds are clipped exactly as Python does in every code path.
 * - `null` means the whole axis (DESIGN.md), so there is no `newaxis`.
 * - A slice that selects the whole axis in any spelling (`0:`, `:len`, `-len:`) is
 *   canonicalised to `null`; nibabel only recognises some spellings. Same bytes either way.
 * - To keep the segment list small for a web source (each read is a request, not a seek),
 *   {@link planRead} raises the skip threshold when the plain plan would need more than
 *   `maxSegments` reads. With the default cap that only happens for pathological indices.
 * - An index that selects nothing plans no reads at all.
 * - The result carries a `gather` placement (offset + strides into the read buffer) instead
 *   of numpy post-slicing; `gather` (proxy/gather.ts) applies it.
 * - A bad index throws numpy's message plus what to pass instead, as a coded `IndexError`
 *   (a `RangeError`: out of bounds, too many items) or `IndexTypeError` (a `TypeError`: an
 *   item of the wrong kind); errors.ts lists the codes.
 */
import { type CanonicalSlicer, canonicalSlicers } from './canonical-slicers.js';
import { type Gather, type PostSlicer, makeGather } from './gather.js';
import { type FilledSlice, type Index, describe, fillSlicer, filledLength, slice2len } from './slicing.js';

/**
 * nibabel's `SKIP_THRESH`: byte gap at or below which reading and discarding beats skipping.
 * nibabel chose 2**8 from timings of `nibabel.benchmarks.bench_fileslice`; kept for parity.
 */
export const SKIP_THRESH = 256;

/**
 * Default cap on the number of segments {@link planRead} returns before it widens reads.
 * A segment costs ~50 bytes of plan, and up to one `ByteSource.read` (≈ 0.5 ms for a Blob
 * slice in Chromium, a request over HTTP) unless read-segments merges it with neighbours
 * closer than 128 KiB. 2^16 keeps a plan under a few MB; e.g. a sagittal slice of a
 * 256×256×192 int16 volume (49 152 two-byte segments, nibabel's plan) stays under it.
 */
export const MAX_SEGMENTS = 1 << 16;

/** Memory layout of the array: 'F' column-major (NIfTI, x fastest) or 'C' row-major. */
export type Order = 'F' | 'C';

/** What to read on one axis: an integer, `null` (whole axis) or a positive-step filled slice. */
export type ReadSlicer = number | null | FilledSlice;


/** One byte range to read: `[offset, length]`. */
export type Segment = [offset: number, length: number];

/** Suggestion of a heuristic: read the whole axis, a contiguous run, or only what is needed. */
export type HeuristicAction = 'full' | 'contiguous' | null;

/**
 * A read heuristic (nibabel's `heuristic` callable).
 * @param slicer an integer or a filled slice (positive or negative step)
 * @param dimLen the axis length
 * @param stride bytes between neighbours on this axis
 */
export type Heuristic = (slicer: number | FilledSlice, dimLen: number, stride: number) => HeuristicAction;

/**
 * The same positions as a filled slice, visited with a positive step (nibabel's
 * `_positive_slice`). An empty slice becomes an empty positive slice.
 * @param f a filled slice
 * @returns a filled slice with `step > 0`
 */
export function positiveSlice(f: FilledSlice): FilledSlice {
  if (f.step > 0) return f;
  const n = filledLength(f);
  if (n === 0) return { start: 0, stop: 0, step: -f.step };
  const last = f.start + (n - 1) * f.step;
  return { start: last, stop: f.start + 1, step: -f.step };
}

/**
 * nibabel's `threshold_heuristic`: whether to read a whole axis ('full'), a contiguous run
 * ('contiguous') or only the needed elements (`null`), given the bytes that would be skipped.
 * @param slicer an integer, or a filled slice
 * @param dimLen the axis length
 * @param stride bytes between neighbours on this axis
 * @param skipThresh largest gap (bytes) worth reading and discarding
 * @returns the suggested action
 */
export function thresholdHeuristic(
  slicer: number | FilledSlice,
  dimLen: number,
  stride: number,
  skipThresh: number = SKIP_THRESH,
): HeuristicAction {
  if (typeof slicer === 'number') return (dimLen - 1) * stride <= skipThresh ? 'full' : null;
  if (Math.abs(slicer.step) * stride > skipThresh) return null;
  const p = positiveSlice(slicer);
  const readLen = p.stop - p.start;
  return (dimLen - readLen) * stride <= skipThresh ? 'full' : 'contiguous';
}

/** `slice(None, None, step)` filled for an axis of length `len`. */
function stepAll(step: number, len: number): FilledSlice {
  return step > 0 ? { start: 0, stop: len, step } : { start: len - 1, stop: -1, step };
}

/**
 * Decides what to read on one axis and what to apply afterwards (nibabel's `optimize_slicer`,
 * "the heart of the algorithm").
 * @param slicer the canonical slicer of this axis
 * @param dimLen the axis length
 * @param allFull whether every faster axis is read whole
 * @param isSlowest whether this is the slowest-changing axis on disk
 * @param stride bytes between neighbours on this axis
 * @param heuristic the read heuristic
 * @returns `[toRead, postSlice]`; `postSlice` is `'dropped'` when an integer read drops the axis
 * @throws {Error} when a custom heuristic answers something invalid
 */
export function optimizeSlicer(
  slicer: CanonicalSlicer,
  dimLen: number,
  allFull: boolean,
  isSlowest: boolean,
  stride: number,
  heuristic: Heuristic = thresholdHeuristic,
): [ReadSlicer, PostSlicer | 'dropped'] {
  if (slicer === null) return [null, null];
  let f: number | FilledSlice;
  if (typeof slicer === 'number') {
    f = slicer < 0 ? slicer + dimLen : slicer;
  } else {
    f = fillSlicer(slicer, dimLen);
    if (f.step === 1 && f.start === 0 && f.stop === dimLen) return [null, null];
    if (f.step === -1 && f.start === dimLen - 1 && f.stop === -1) return [null, f];
  }
  const isInt = typeof f === 'number';
  if (allFull) {
    let action = heuristic(f, dimLen, stride);
    if (action !== 'full' && action !== 'contiguous' && action !== null) {
      throw new Error(`Unexpected return ${String(action)} from heuristic`);
    }
    if (isInt && action === 'contiguous') throw new Error('int index cannot be contiguous');
    // Never widen the slowest axis to 'full': nothing after it benefits from the longer run.
    if (isSlowest && action === 'full') action = isInt ? null : 'contiguous';
    if (action === 'full') return [null, f];
    if (action === 'contiguous' && typeof f !== 'number' && f.step !== 1 && f.step !== -1) {
      const p = f.step < 0 ? positiveSlice(f) : f;
      return [{ start: p.start, stop: p.stop, step: 1 }, stepAll(f.step, p.stop - p.start)];
    }
  }
  if (typeof f === 'number') return [f, 'dropped'];
  if (f.step > 0) return [f, null];
  const p = positiveSlice(f);
  return [p, stepAll(-1, filledLength(p))];
}

/**
 * Read slicers and post-slicers for every axis (nibabel's `optimize_read_slicers`).
 * @param canonical canonical slicers, fastest axis first
 * @param shape the array shape, fastest axis first
 * @param itemsize bytes per element
 * @param heuristic the read heuristic
 * @returns one read slicer per axis, and one post-slicer per axis that the read keeps
 */
export function optimizeReadSlicers(
  canonical: readonly CanonicalSlicer[],
  shape: readonly number[],
  itemsize: number,
  heuristic: Heuristic = thresholdHeuristic,
): { readSlicers: ReadSlicer[]; postSlicers: PostSlicer[] } {
  const readSlicers: ReadSlicer[] = [];
  const postSlicers: PostSlicer[] = [];
  let stride = itemsize;
  let allFull = true;
  canonical.forEach((slicer, axis) => {
    const dimLen = shape[axis];
    const [read, post] = optimizeSlicer(slicer, dimLen, allFull, axis === shape.length - 1, stride, heuristic);
    readSlicers.push(read);
    allFull = allFull && read === null;
    if (post !== 'dropped') postSlicers.push(post);
    stride *= dimLen;
  });
  return { readSlicers, postSlicers };
}

function asFilled(r: FilledSlice | null, dimLen: number): FilledSlice {
  return r === null ? { start: 0, stop: dimLen, step: 1 } : r;
}

/**
 * Counts the segments {@link slicers2segments} would produce, without building them.
 * @param readSlicers read slicers, fastest axis first
 * @param shape the array shape, fastest axis first
 * @returns the segment count (may exceed 2^53 only for absurd shapes; then it is inexact)
 */
export function countSegments(readSlicers: readonly ReadSlicer[], shape: readonly number[]): number {
  let n = 1;
  let allFull = true;
  readSlicers.forEach((r, axis) => {
    const dimLen = shape[axis];
    if (typeof r === 'number') {
      allFull = false;
      return;
    }
    const f = asFilled(r, dimLen);
    if (!(allFull && f.step === 1)) n *= filledLength(f);
    allFull = allFull && f.start === 0 && f.stop === dimLen && f.step === 1;
  });
  return n;
}

/**
 * Byte segments for the read slicers (nibabel's `slicers2segments`): runs are merged while
 * every faster axis is read whole, then repeated for each position of the other axes.
 * Segments come out in ascending offset order, non-overlapping; zero-length ones are kept
 * (as nibabel does) and skipped by the reader.
 * @param readSlicers read slicers, fastest axis first (positive steps)
 * @param shape the array shape, fastest axis first
 * @param offset byte offset of the array in the source
 * @param itemsize bytes per element
 * @returns `[offset, length]` pairs
 */
export function slicers2segments(
  readSlicers: readonly ReadSlicer[],
  shape: readonly number[],
  offset: number,
  itemsize: number,
): Segment[] {
  let all: Segment[] = [[offset, itemsize]];
  let allFull = true;
  let stride = itemsize;
  readSlicers.forEach((r, axis) => {
    const dimLen = shape[axis];
    if (typeof r === 'number') {
      for (const seg of all) seg[0] += stride * r;
      allFull = false;
    } else {
      const f = asFilled(r, dimLen);
      const isFull = f.start === 0 && f.stop === dimLen && f.step === 1;
      if (allFull && f.step === 1) {
        all[0][0] += stride * f.start;
        all[0][1] *= filledLength(f);
      } else {
        const prev = all;
        all = [];
        for (let i = f.start; i < f.stop; i += f.step) {
          for (const s of prev) all.push([s[0] + stride * i, s[1]]);
        }
      }
      allFull = allFull && isFull;
    }
    stride *= dimLen;
  });
  return all;
}

/** nibabel's `calc_slicedefs` result. */
export interface SliceDefs {
  /** Byte ranges to read, ascending; their concatenation is the read buffer. */
  segments: Segment[];
  /** Shape of the read buffer, in the array's own axis order and memory order. */
  readShape: number[];
  /** Post-slicers on `readShape` axes, array axis order; `[]` when nothing is left to do. */
  postSlicers: PostSlicer[];
}

/**
 * nibabel's `calc_slicedefs`: segments, the shape to view them with, and the post-slicers.
 * @param index the index
 * @param shape the array shape (array axis order)
 * @param itemsize bytes per element
 * @param offset byte offset of the array in the source
 * @param order memory layout
 * @param heuristic the read heuristic
 * @returns the slice definitions
 * @throws {IndexTypeError} | {IndexError} for a bad index (as {@link canonicalSlicers});
 *   `TypeError` for a bad order
 */
export function calcSlicedefs(
  index: Index | undefined,
  shape: readonly number[],
  itemsize: number,
  offset: number,
  order: Order,
  heuristic: Heuristic = thresholdHeuristic,
): SliceDefs {
  return planInFrame(canonicalSlicers(index, shape), shape, itemsize, offset, order, heuristic).defs;
}

interface FramePlan {
  defs: SliceDefs;
  readSlicers: ReadSlicer[];
  /** fastest-first read shape and post-slicers */
  readShapeFF: number[];
  postFF: PostSlicer[];
}

function planInFrame(
  can: readonly CanonicalSlicer[],
  shape: readonly number[],
  itemsize: number,
  offset: number,
  order: Order,
  heuristic: Heuristic,
  maxSegments = Number.POSITIVE_INFINITY,
): FramePlan & { count: number } {
  if (order !== 'F' && order !== 'C') throw new TypeError(`order should be 'F' or 'C', got ${describe(order)}`);
  const canFF = order === 'C' ? [...can].reverse() : [...can];
  const shapeFF = order === 'C' ? [...shape].reverse() : [...shape];
  const { readSlicers, postSlicers } = optimizeReadSlicers(canFF, shapeFF, itemsize, heuristic);
  const count = countSegments(readSlicers, shapeFF);
  const readShapeFF: number[] = [];
  readSlicers.forEach((r, axis) => {
    if (typeof r !== 'number') readShapeFF.push(r === null ? shapeFF[axis] : filledLength(r));
  });
  const segments = count <= maxSegments ? slicers2segments(readSlicers, shapeFF, offset, itemsize) : [];
  const identity = postSlicers.every((p) => p === null);
  const post = identity ? [] : postSlicers;
  return {
    defs: {
      segments,
      readShape: order === 'C' ? [...readShapeFF].reverse() : readShapeFF,
      postSlicers: order === 'C' ? [...post].reverse() : post,
    },
    readSlicers,
    readShapeFF,
    postFF: postSlicers,
    count,
  };
}

/** Everything needed to read `arr[index]`: {@link calcSlicedefs} plus the placement. */
export interface ReadPlan extends SliceDefs {
  /** Total bytes the segments cover (the read buffer length). */
  nbytes: number;
  /** numpy's shape of `arr[index]`. */
  shape: number[];
  /**
   * How to pick the result from the read buffer (viewed in memory order). The result is laid
   * out in the array's own order: column-major for 'F', row-major for 'C'. `null` when the
   * read buffer already is the result.
   */
  gather: Gather | null;
  /** True when the index selects the whole array (nibabel reads it with `array_from_file`). */
  whole: boolean;
  /** The skip threshold actually used (raised above the requested one if `maxSegments` bit). */
  skipThresh: number;
}

/** Options of {@link planRead}. */
export interface PlanOptions {
  /** Gap in bytes worth reading and discarding (default {@link SKIP_THRESH}). */
  skipThresh?: number;
  /** Widen reads (raise `skipThresh` ×16 at a time) until at most this many segments. */
  maxSegments?: number;
}

/**
 * Plans the read of `arr[index]`: segments, read shape, post-slicers and the placement of
 * the result. This is what `ArrayProxy.get` runs before its single I/O step.
 * @param index the index (`undefined` = everything)
 * @param shape the array shape
 * @param itemsize bytes per element (≥ 1)
 * @param offset byte offset of the array in its source (≥ 0)
 * @param order memory layout ('F' for NIfTI)
 * @param opts skip threshold and segment cap
 * @returns the plan
 * @throws {IndexTypeError} (a `TypeError`) for a malformed index (non-integer, unknown item,
 *   two `'...'`); a plain `TypeError` for a bad order
 * @throws {IndexError} (a `RangeError`) for too many indices or an out-of-bounds integer; a
 *   plain `RangeError` for a bad shape/itemsize/offset
 * @example
 * const plan = planRead([slice(null, null, 2), 3], [4, 5], 2, 352, 'F');
 * // plan.segments: [[376, 8]] (row 3 read whole), plan.shape: [2]
 */
export function planRead(
  index: Index | undefined,
  shape: readonly number[],
  itemsize: number,
  offset: number,
  order: Order = 'F',
  opts: PlanOptions = {},
): ReadPlan {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid shape [${shape.join(', ')}]`);
  }
  if (!Number.isSafeInteger(itemsize) || itemsize < 1) throw new RangeError(`invalid itemsize ${itemsize}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
  const maxSegments = Math.max(1, opts.maxSegments ?? MAX_SEGMENTS);
  const can = canonicalSlicers(index, shape);
  let skipThresh = opts.skipThresh ?? SKIP_THRESH;
  let plan = planInFrame(can, shape, itemsize, offset, order, heuristicWith(skipThresh), maxSegments);
  while (plan.count > maxSegments) {
    // Too many reads for a source where each read is a request: widen. Terminates because
    // once skipThresh exceeds the array's byte size every faster axis reads whole.
    skipThresh = Math.max(skipThresh * 16, 1);
    plan = planInFrame(can, shape, itemsize, offset, order, heuristicWith(skipThresh), maxSegments);
  }
  const { defs, readShapeFF, postFF } = plan;
  const outShape: number[] = [];
  can.forEach((s, axis) => {
    if (typeof s !== 'number') outShape.push(slice2len(s, shape[axis]));
  });
  const whole = can.every((s) => s === null);
  if (outShape.includes(0)) {
    // Nothing to read. (nibabel may still read a few bytes here: its _positive_slice does not
    // special-case empty slices.)
    return { segments: [], readShape: outShape, postSlicers: [], nbytes: 0, shape: outShape, gather: null, whole, skipThresh };
  }
  let nbytes = 0;
  for (const [, len] of defs.segments) nbytes += len;
  if (!Number.isSafeInteger(nbytes)) throw new RangeError(`read of ${nbytes} bytes is too large`);
  return {
    ...defs,
    nbytes,
    shape: outShape,
    gather: makeGather(readShapeFF, postFF),
    whole,
    skipThresh,
  };
}

function heuristicWith(skipThresh: number): Heuristic {
  return skipThresh === SKIP_THRESH
    ? thresholdHeuristic
    : (s, dimLen, stride) => thresholdHeuristic(s, dimLen, stride, skipThresh);
}
