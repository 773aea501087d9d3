/**
 * NIfTI slice timing (nibabel's `Nifti1Header.get_slice_times` / `set_slice_times` and
 * `_slice_time_order`): between the four header fields slice_code, slice_start, slice_end,
 * slice_duration and one acquisition time per slice. Pure functions, and those that read and
 * write the fields for the header methods in nifti1-header.ts (with nibabel's checks that
 * dim_info names a slice axis).
 */
import { HeaderDataError, type HeaderWarning } from '../errors.js';
import { warn } from './batteryrunners.js';
import { SLICE_ORDER_CODES } from './nifti1-codes.js';
import type { WrapStruct } from './wrapstruct.js';

/** The slice-timing fields of a header. */
export interface SliceFields {
  /** `slice_code`. */
  code: number;
  /** `slice_start`: first timed slice. */
  start: number;
  /** `slice_end`: last timed slice (0 in a file means the last slice). */
  end: number;
  /** `slice_duration`. */
  duration: number;
}

/** numpy's `np.round` (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ascending argsort that is stable, like numpy's default for distinct integers. */
function argsort(a: readonly number[]): number[] {
  return [...a.keys()].sort((i, j) => a[i]! - a[j]! || i - j);
}

function range(a: number, b: number, step: number): number[] {
  const out: number[] = [];
  if (step > 0) for (let i = a; i < b; i += step) out.push(i);
  else for (let i = a; i > b; i += step) out.push(i);
  return out;
}

/**
 * Time order of each slice position for a slice_code label (nibabel `_slice_time_order`).
 * @param label a `SLICE_ORDER_CODES` label other than `'unknown'`
 * @param n number of timed slices
 * @returns for each slice position, its place in time
 * @throws {HeaderDataError} for a label with no order
 */
export function sliceTimeOrder(label: string, n: number): number[] {
  let order: number[];
  switch (label) {
    case 'sequential increasing':
      order = range(0, n, 1);
      break;
    case 'sequential decreasing':
      order = range(n - 1, -1, -1);
      break;
    case 'alternating increasing':
      order = [...range(0, n, 2), ...range(1, n, 2)];
      break;
    case 'alternating decreasing':
      order = [...range(n - 1, -1, -2), ...range(n - 2, -1, -2)];
      break;
    case 'alternating increasing 2':
      order = [...range(1, n, 2), ...range(0, n, 2)];
      break;
    case 'alternating decreasing 2':
      order = [...range(n - 2, -1, -2), ...range(n - 1, -1, -2)];
      break;
    default:
      throw new HeaderDataError(`We do not handle slice ordering "${label}"`);
  }
  return argsort(order);
}

/**
 * Acquisition time of every slice; padding slices outside start..end are null.
 * @param f the header's slice fields
 * @param n number of slices
 * @returns one time (or null) per slice, in file order
 * @throws {HeaderDataError} for an unknown slice code or inconsistent fields
 */
export function sliceTimes(f: SliceFields, n: number): (number | null)[] {
  const label = SLICE_ORDER_CODES.has(f.code) ? SLICE_ORDER_CODES.label(f.code) : `unknown code ${f.code}`;
  if (label === 'unknown') throw new HeaderDataError('Cannot get slice times when slice code is "unknown"');
  const { start } = f;
  const end = f.end === 0 ? n - 1 : f.end;
  if (start < 0) throw new HeaderDataError('slice_start should be >= 0');
  const nTimed = end - start + 1;
  if (nTimed < 1) throw new HeaderDataError('slice_end should be > slice_start');
  const out: (number | null)[] = [];
  for (let i = 0; i < start; i++) out.push(null);
  for (const o of sliceTimeOrder(label, nTimed)) out.push(o * f.duration);
  for (let i = end + 1; i < n; i++) out.push(null);
  return out;
}

/**
 * The slice fields that give these times. When several orders fit (very few slices) the
 * first in code order is used and `matching` lists them all.
 * @param times one time (or null, for padding at either end) per slice
 * @param n number of slices
 * @returns the fields, and every order label that fits
 * @throws {HeaderDataError} when the times fit no single duration or known order
 */
export function sliceFieldsFor(times: readonly (number | null)[], n: number): SliceFields & { matching: string[] } {
  if (times.length !== n) throw new HeaderDataError('Number of slice times does not match number of slices');
  const start = times.findIndex((t) => t !== null);
  if (start < 0) throw new HeaderDataError('Not all slice times can be None');
  let end = n - 1;
  while (times[end] === null) end--;
  const timed = times.slice(start, end + 1);
  if (timed.some((t) => t === null)) throw new HeaderDataError('Cannot have None in middle of slice time vector');
  const tv = timed as number[];
  const sorted = [...tv].sort((a, b) => a - b);
  const tdiffs = sorted.slice(1).map((v, i) => v - sorted[i]!);
  for (let i = 1; i < tdiffs.length; i++) {
    // numpy allclose(diff(tdiffs), 0): |x| ≤ 1e-8.
    if (!(Math.abs(tdiffs[i]! - tdiffs[i - 1]!) <= 1e-8)) {
      throw new HeaderDataError('Slice times not compatible with single slice duration');
    }
  }
  const duration = tdiffs.length ? tdiffs.reduce((a, b) => a + b, 0) / tdiffs.length : NaN;
  const stOrder = tv.map((t) => roundHalfEven(t / duration));
  const matching: string[] = [];
  for (const c of SLICE_ORDER_CODES.codes()) {
    if (c === 0) continue;
    const label = SLICE_ORDER_CODES.label(c);
    const want = sliceTimeOrder(label, tv.length);
    if (want.every((v, i) => v === stOrder[i])) matching.push(label);
  }
  if (matching.length === 0) throw new HeaderDataError(`slice ordering of ${stOrder} fits with no known scheme`);
  return { code: SLICE_ORDER_CODES.code(matching[0]!), start, end, duration, matching };
}

/**
 * The times of `n` slices from a header's slice_code, slice_start, slice_end, slice_duration.
 * @param s header fields
 * @param n number of slices
 * @returns one time (or null) per slice
 */
export function readSliceTimes(s: WrapStruct, n: number): (number | null)[] {
  const f = { code: s.getNumber('slice_code'), start: s.getNumber('slice_start'), end: s.getNumber('slice_end') };
  return sliceTimes({ ...f, duration: s.getNumber('slice_duration') }, n);
}

/**
 * Writes the slice-timing fields that give `times`; when several orders fit, the first, with
 * a `SLICE_ORDER_AMBIGUOUS` warning (nibabel's).
 * @param s header fields
 * @param times one time (or null) per slice
 * @param n number of slices
 * @param warnings the header's warning list
 */
export function writeSliceTimes(s: WrapStruct, times: readonly (number | null)[], n: number, warnings: HeaderWarning[]): void {
  const f = sliceFieldsFor(times, n);
  if (f.matching.length > 1) {
    warn(warnings, 'SLICE_ORDER_AMBIGUOUS', 'slice_code', `Multiple slice orders satisfy: ${f.matching.join(', ')}. Choosing the first one`, f.matching, f.matching[0]);
  }
  s.set('slice_start', f.start);
  s.set('slice_end', f.end);
  s.set('slice_duration', f.duration);
  s.set('slice_code', f.code);
}

/**
 * The slice axis slice timing needs, from dim_info.
 * @param axis dim_info's slice axis, or null
 * @param msg the message when it is null (nibabel's, per method)
 * @returns the axis
 * @throws {HeaderDataError} when dim_info has no slice axis
 */
function sliceAxis(axis: number | null, msg: string): number {
  if (axis === null) throw new HeaderDataError(msg);
  return axis;
}

const DURATION_NEEDS_AXIS = 'Slice dimension must be set for duration to be valid';

/**
 * `slice_duration` (nibabel `get_slice_duration`).
 * @param s header fields
 * @param axis dim_info's slice axis, or null
 * @returns the time to acquire one slice
 * @throws {HeaderDataError} when dim_info has no slice axis
 */
export function readSliceDuration(s: WrapStruct, axis: number | null): number {
  sliceAxis(axis, DURATION_NEEDS_AXIS);
  return s.getNumber('slice_duration');
}

/**
 * Sets `slice_duration` (nibabel `set_slice_duration`).
 * @param s header fields
 * @param axis dim_info's slice axis, or null
 * @param duration time to acquire one slice
 * @throws {HeaderDataError} when dim_info has no slice axis
 */
export function writeSliceDuration(s: WrapStruct, axis: number | null, duration: number): void {
  sliceAxis(axis, DURATION_NEEDS_AXIS);
  s.set('slice_duration', duration);
}

/**
 * The number of slices, the shape along the slice axis (nibabel `get_n_slices`).
 * @param axis dim_info's slice axis, or null
 * @param shape the data shape (asked for once the axis is known)
 * @returns the number of slices
 * @throws {HeaderDataError} when dim_info has no slice axis or it is beyond the shape
 */
export function sliceCount(axis: number | null, shape: () => readonly number[]): number {
  const sd = sliceAxis(axis, 'Slice dimension not set in header dim_info');
  const sh = shape();
  if (sd >= sh.length) throw new HeaderDataError(`Slice dimension index (${sd}) outside shape tuple (${sh})`);
  return sh[sd]!;
}
