/**
 * Meaning packed into NIfTI-1 header fields, as nibabel's `Nifti1Header` reads and writes it:
 * units in `xyzt_units`, the three axes in `dim_info`'s bit pairs, an intent's code,
 * parameters and name, scale factors in `scl_slope`/`scl_inter`, and nibabel's FreeSurfer
 * shape encodings in `dim`/`glmin`.
 * Functions over the header's `WrapStruct`, called by the methods of nifti1-header.ts.
 */
import { HeaderDataError, type HeaderWarning } from '../errors.js';
import type { CodeLike } from './analyze-layout.js';
import { warn } from './batteryrunners.js';
import { RGB_CODES } from './nifti1-checks.js';
import { INTENT_CODES, INTENT_NPARAMS, UNIT_CODES } from './nifti1-codes.js';
import type { WrapStruct } from './wrapstruct.js';

/** `[xyz, t]` unit labels of `xyzt_units`; a code nibabel does not know gives `'unknown code N'`. */
export function readXyztUnits(s: WrapStruct): [string, string] {
  const v = s.getNumber('xyzt_units');
  const xyz = ((v % 8) + 8) % 8;
  const t = v - xyz;
  const lab = (c: number): string => (UNIT_CODES.has(c) ? UNIT_CODES.label(c) : `unknown code ${c}`);
  return [lab(xyz), lab(t)];
}

/** `[freq, phase, slice]` axes (0..2 or null) from `dim_info`'s bit pairs (axis + 1; 0 = unset). */
export function readDimInfo(s: WrapStruct): [number | null, number | null, number | null] {
  const info = s.getNumber('dim_info');
  const f = info & 3;
  const p = (info >> 2) & 3;
  const sl = (info >> 4) & 3;
  return [f ? f - 1 : null, p ? p - 1 : null, sl ? sl - 1 : null];
}

/** Writes `dim_info`; each axis null or 0..2, else a `HeaderDataError` (nibabel's message). */
export function writeDimInfo(s: WrapStruct, freq: number | null, phase: number | null, slice: number | null): void {
  for (const v of [freq, phase, slice]) {
    if (v !== null && v !== 0 && v !== 1 && v !== 2) throw new HeaderDataError('Inputs must be in [None, 0, 1, 2]');
  }
  let info = 0;
  if (freq !== null) info |= (freq + 1) & 3;
  if (phase !== null) info |= ((phase + 1) & 3) << 2;
  if (slice !== null) info |= ((slice + 1) & 3) << 4;
  s.set('dim_info', info);
}

/** nibabel's `get_intent`: `[label or code, the code's params, intent_name]`. */
export function readIntent(s: WrapStruct, repr: 'label' | 'code'): [string | number, number[], string] {
  const code = s.getNumber('intent_code');
  const known = INTENT_CODES.has(code);
  let label: string | number;
  if (repr === 'code') label = code;
  else if (repr === 'label') label = known ? INTENT_CODES.label(code) : `unknown code ${code}`;
  else throw new TypeError('repr can be "label" or "code"');
  const n = known ? INTENT_NPARAMS.get(code)! : 0;
  const params: number[] = [];
  for (let i = 1; i <= n; i++) params.push(s.getNumber(`intent_p${i}`));
  return [label, params, s.getString('intent_name')];
}

/** nibabel's `set_intent`: code (unknown numeric ones only when allowed), all params or none, name. */
export function writeIntent(s: WrapStruct, code: CodeLike, params: readonly number[], name: string, allowUnknown: boolean): void {
  const known = INTENT_CODES.has(code);
  if (!known && (!allowUnknown || typeof code === 'string')) throw new RangeError(`Unknown intent code: ${code}`);
  const icode = known ? INTENT_CODES.code(code) : (code as number);
  const n = known ? INTENT_NPARAMS.get(icode)! : 3;
  if (params.length && params.length !== n) throw new HeaderDataError(`Need ${n} params for intent ${code}, or empty`);
  s.set('intent_code', icode);
  s.set('intent_name', name);
  for (let i = 0; i < 3; i++) s.set(`intent_p${i + 1}`, params[i] ?? 0);
}

/**
 * Scale factor and intercept from scl_slope/scl_inter: `[null, null]` when the slope is 0,
 * NaN or ±inf (no scaling) or the datatype is RGB24/RGBA32 (spec; reliability.md H25).
 * @param s header fields
 * @returns `[slope, inter]` or `[null, null]`
 * @throws {HeaderDataError} `INVALID_INTERCEPT` for a valid slope with a non-finite intercept
 */
export function readSlopeInter(s: WrapStruct): [number | null, number | null] {
  const slope = s.getNumber('scl_slope');
  const inter = s.getNumber('scl_inter');
  if (slope === 0 || !Number.isFinite(slope)) return [null, null];
  // H25: the spec says scaling does not apply to RGB; nibabel returns the factors and then
  // fails in numpy when it tries to multiply the structured array.
  if (RGB_CODES.has(s.getNumber('datatype'))) return [null, null];
  if (!Number.isFinite(inter)) {
    throw new HeaderDataError(`Valid slope but invalid intercept ${inter}`, { code: 'INVALID_INTERCEPT' });
  }
  return [slope, inter];
}

/**
 * Writes scl_slope/scl_inter; null is NaN ("compute on save", nibabel's convention).
 * @param s header fields
 * @param slope the slope, or null
 * @param inter the intercept, or null
 * @throws {HeaderDataError} for slope 0/±inf, inter ±inf, or exactly one of them NaN
 */
export function writeSlopeInter(s: WrapStruct, slope: number | null, inter: number | null): void {
  const sl = slope ?? NaN;
  const i = inter ?? NaN;
  if (sl === 0 || sl === Infinity || sl === -Infinity) throw new HeaderDataError('Slope cannot be 0 or infinite');
  if (i === Infinity || i === -Infinity) throw new HeaderDataError('Intercept cannot be infinite');
  if (Number.isNaN(sl) !== Number.isNaN(i)) throw new HeaderDataError('None or both of slope, inter should be nan');
  s.set('scl_slope', sl);
  s.set('scl_inter', i);
}

/**
 * The shape stored in dim[1..ndim] decoded as nibabel does: (-1, 1, 1) takes its length from
 * `glmin`, and (27307, 1, 6) is the ico7 surface (163842, 1, 1).
 * @throws {HeaderDataError} `BAD_DIM` for a FreeSurfer vector with glmin 0
 */
export function decodeFreesurferShape(s: WrapStruct, shape: number[]): number[] {
  if (shape[0] === -1 && shape[1] === 1 && shape[2] === 1) {
    const len = s.getNumber('glmin');
    if (len === 0) {
      throw new HeaderDataError('-1 in dim[1] but 0 in glmin; inconsistent freesurfer type header?', { code: 'BAD_DIM' });
    }
    return [len, 1, 1, ...shape.slice(3)];
  }
  if (shape[0] === 27307 && shape[1] === 1 && shape[2] === 6) return [163842, 1, 1, ...shape.slice(3)];
  return shape;
}

/**
 * The dims to store for `shape`: (163842, 1, 1) as (27307, 1, 6), a vector longer than 32767
 * as (-1, 1, 1) with its length in `glmin` (set here, with nibabel's warning).
 * @throws {HeaderDataError} when the length does not fit glmin
 */
export function encodeFreesurferShape(s: WrapStruct, shape: readonly number[], warnings: HeaderWarning[]): number[] {
  const sh = [...shape];
  if (sh[0] === 163842 && sh[1] === 1 && sh[2] === 1) return [27307, 1, 6, ...sh.slice(3)];
  if (sh.length >= 3 && sh[1] === 1 && sh[2] === 1 && sh[0]! > 32767) {
    if (!Number.isInteger(sh[0]) || sh[0]! > 2147483647) {
      throw new HeaderDataError(`shape[0] ${sh[0]} does not fit in glmax datatype`);
    }
    s.set('glmin', sh[0]!);
    warn(warnings, 'FREESURFER_VECTOR', 'dim', 'Using large vector Freesurfer hack; header will not be compatible with SPM or FSL', sh[0], -1);
    return [-1, 1, 1, ...sh.slice(3)];
  }
  return sh;
}
