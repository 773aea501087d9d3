// Loading and comparing the nibabel-generated header fixtures (test/fixtures/headers/,
// written by test/fixtures/generate-headers.py). Shared by the header and affine tests.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { HeaderDataError } from '../../src/errors';
import { Nifti1Header, Nifti1PairHeader } from '../../src/header/nifti1-header';
import { Nifti2Header, Nifti2PairHeader } from '../../src/header/nifti2-header';
import { NiftiExtension } from '../../src/header/nifti-extensions';
import type { DType } from '../../src/dtypes';

const DIR = new URL('../fixtures/headers/', import.meta.url);

/** A value nibabel returned, or the error it raised. */
export type Attempt = { value: unknown } | { error: string; message: string };

/** One header's expected values (see describe() in the generator). */
export interface HeaderCase {
  class: string;
  endianness: '<' | '>';
  fields: Record<string, unknown>;
  shape: Attempt;
  dtype: string | null;
  zooms: Attempt;
  xyzt_units: Attempt;
  qform_coded: Attempt;
  qform: Attempt;
  quaternion: Attempt;
  sform_coded: Attempt;
  best_affine: Attempt;
  base_affine: Attempt;
  slope_inter: Attempt;
  dim_info: Attempt;
  intent: Attempt;
  intent_code: Attempt;
  slice_duration: Attempt;
  slice_times: Attempt;
  data_offset: Attempt;
  extensions: { code: number; content_hex: string }[];
  // generated cases
  recipe?: Recipe;
  file?: string;
  // defaults
  binaryblock_hex?: string;
  written_hex?: string;
  // data files
  gz?: boolean;
  header_nbytes?: number;
  header_sha256?: string;
  rewritten_equal?: boolean;
}

/** How a generated header was built with nibabel's API. */
export interface Recipe {
  id: string;
  class: string;
  endianness: '<' | '>';
  dtype: string;
  shape: number[];
  zooms: number[];
  qform?: { affine: number[][]; code: number | null; strip_shears?: boolean };
  sform?: { affine: number[][]; code: number | null };
  units?: [string, string];
  dim_info?: [number | null, number | null, number | null];
  slice?: { duration: number; code: string; start: number; end: number };
  intent?: [string, number[], string];
  slope_inter?: [number, number];
  descrip: string;
  aux_file?: string;
  cal?: [number, number] | null;
  extensions?: [number, string][];
  vox_offset?: number;
}

export interface CheckCase {
  id: string;
  class: string;
  file: string;
  changes: Record<string, unknown>;
  reports: { level: number; problem: string; fix: string }[];
  fixed_fields: Record<string, unknown>;
}

export interface AffineCase {
  affine: number[][];
  points: number[][];
  applied: number[][];
  voxel_sizes: number[];
  obliquity: number[];
  rescale: { shape: number[]; zooms: number[]; new_shape: number[]; value: number[][] };
  inverse: number[][];
  rotation: number[][];
  mat2quat: number[];
  quat: number[];
  quat2mat: number[][];
  xyz: number[];
  fillpositive: number[];
  append_diag: number[][];
}

/** The whole expected.json, with 'nan'/'inf'/'-inf' strings decoded to numbers. */
export const EXPECTED = decode(JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8'))) as {
  nibabel: string;
  generated: HeaderCase[];
  defaults: HeaderCase[];
  datafiles: HeaderCase[];
  checks: CheckCase[];
  affines: AffineCase[];
};

/**
 * Decodes the generator's JSON encoding of non-finite numbers. Only arrays of numbers and
 * numeric fields carry them; string fields never hold exactly 'nan'/'inf'.
 */
function decode(v: unknown): unknown {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decode(x);
    return out;
  }
  return v;
}

/** A fixture file's bytes. */
export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

/** Hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Bytes of hex. */
export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** The value of an Attempt, failing the test if nibabel raised. */
export function valueOf(a: Attempt): unknown {
  if ('error' in a) throw new Error(`nibabel raised ${a.error}: ${a.message}`);
  return a.value;
}

/**
 * Deep comparison where numbers may differ by `tol` relative to max(1, |expected|)
 * (nibabel computes qforms in 80-bit long double; we use float64). NaN equals NaN.
 */
export function expectClose(actual: unknown, expected: unknown, tol = 1e-12, path = ''): void {
  if (typeof expected === 'number') {
    expect(typeof actual, `${path} type`).toBe('number');
    const a = actual as number;
    if (Number.isNaN(expected)) {
      expect(Number.isNaN(a), `${path} NaN`).toBe(true);
      return;
    }
    if (!Number.isFinite(expected)) {
      expect(a, path).toBe(expected);
      return;
    }
    const lim = tol * Math.max(1, Math.abs(expected));
    if (!(Math.abs(a - expected) <= lim)) expect(a, `${path} (tol ${lim})`).toBe(expected);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is array`).toBe(true);
    const a = actual as unknown[];
    expect(a.length, `${path} length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose(a[i], e, tol, `${path}[${i}]`));
    return;
  }
  expect(actual, path).toEqual(expected);
}

// ---------------------------------------------------------------- comparisons with our classes


/** Our class for nibabel's class name. */
export function headerClass(name: string): typeof Nifti1Header {
  const K = { Nifti1Header, Nifti1PairHeader, Nifti2Header, Nifti2PairHeader }[name];
  if (!K) throw new Error(`no class ${name}`);
  return K;
}

/** Runs `fn` and compares with nibabel's value or error (nibabel errors ↔ our error classes). */
function expectAttempt(fn: () => unknown, a: Attempt, what: string, tol = 1e-12): void {
  if ('error' in a) {
    // nibabel's HeaderDataError ↔ ours; its ValueError/KeyError ↔ our HeaderDataError or RangeError.
    let thrown: unknown = null;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown, `${what}: nibabel raised ${a.error} (${a.message})`).not.toBeNull();
    if (a.error === 'HeaderDataError') expect(thrown, what).toBeInstanceOf(HeaderDataError);
    return;
  }
  expectClose(fn(), a.value, tol, what);
}

/** Every value the generator recorded, compared with what our header says. */
export function compareHeader(hdr: Nifti1Header, c: HeaderCase): void {
  expect(hdr.endianness).toBe(c.endianness);
  expect(hdr.keys()).toEqual(Object.keys(c.fields));
  for (const [k, v] of Object.entries(c.fields)) expectClose(hdr.get(k), v, 0, `field ${k}`);
  expectAttempt(() => hdr.getDataShape(), c.shape, 'shape', 0);
  if (c.dtype) expect(hdr.getDataDtype()).toBe(c.dtype as DType);
  expectAttempt(() => hdr.getZooms(), c.zooms, 'zooms', 0);
  expectAttempt(() => hdr.getXyztUnits(), c.xyzt_units, 'xyzt_units');
  expectAttempt(() => hdr.getQform({ coded: true }), c.qform_coded, 'qform coded');
  expectAttempt(() => hdr.getQform(), c.qform, 'qform');
  expectAttempt(() => hdr.getQformQuaternion(), c.quaternion, 'quaternion');
  expectAttempt(() => hdr.getSform({ coded: true }), c.sform_coded, 'sform coded', 0);
  expectAttempt(() => hdr.getBestAffine(), c.best_affine, 'best affine');
  expectAttempt(() => hdr.getBaseAffine(), c.base_affine, 'base affine', 0);
  if (c.dtype === 'rgb24' || c.dtype === 'rgba32') {
    // Deliberate difference (reliability.md H25): no scaling for RGB; nibabel returns the
    // factors and numpy then fails to multiply the structured array.
    expect(hdr.getSlopeInter()).toEqual([null, null]);
  } else expectAttempt(() => hdr.getSlopeInter(), c.slope_inter, 'slope/inter', 0);
  expectAttempt(() => hdr.getDimInfo(), c.dim_info, 'dim_info', 0);
  expectAttempt(() => hdr.getIntent(), c.intent, 'intent', 0);
  expectAttempt(() => hdr.getIntent({ codeRepr: 'code' }), c.intent_code, 'intent code', 0);
  expectAttempt(() => hdr.getSliceDuration(), c.slice_duration, 'slice duration', 0);
  expectAttempt(() => hdr.getSliceTimes(), c.slice_times, 'slice times', 1e-15);
  expectAttempt(() => hdr.getDataOffset(), c.data_offset, 'data offset', 0);
  expect(hdr.extensions.map((e) => ({ code: e.code, content_hex: hex(e.content) }))).toEqual(c.extensions);
}

/** Builds a header with our API the way the generator built it with nibabel's. */
export function buildFromRecipe(r: Recipe): Nifti1Header {
  const K = headerClass(r.class);
  const h = new K({ endianness: r.endianness });
  h.setDataDtype(r.dtype as DType);
  h.setDataShape(r.shape);
  h.setZooms(r.zooms);
  if (r.qform) h.setQform(r.qform.affine, r.qform.code, { stripShears: r.qform.strip_shears ?? true });
  if (r.sform) h.setSform(r.sform.affine, r.sform.code);
  if (r.units) h.setXyztUnits(r.units[0], r.units[1]);
  if (r.dim_info) h.setDimInfo(...r.dim_info);
  if (r.slice) {
    h.setSliceDuration(r.slice.duration);
    h.set('slice_code', ['unknown', 'sequential increasing', 'sequential decreasing', 'alternating increasing', 'alternating decreasing', 'alternating increasing 2', 'alternating decreasing 2'].indexOf(r.slice.code));
    h.set('slice_start', r.slice.start);
    h.set('slice_end', r.slice.end);
  }
  if (r.intent) h.setIntent(r.intent[0], r.intent[1], r.intent[2]);
  if (r.slope_inter) h.setSlopeInter(r.slope_inter[0], r.slope_inter[1]);
  h.set('descrip', r.descrip);
  if (r.aux_file) h.set('aux_file', r.aux_file);
  if (r.cal) {
    h.set('cal_min', r.cal[0]);
    h.set('cal_max', r.cal[1]);
  }
  for (const [code, content] of r.extensions ?? []) h.extensions.push(new NiftiExtension(code, unhex(content)));
  if (r.vox_offset !== undefined) h.setDataOffset(r.vox_offset);
  return h;
}

/**
 * Byte comparison of our serialisation with nibabel's, allowing the quaternion fields to
 * differ by rounding: they are eigenvector components (numpy's LAPACK vs our Jacobi sweeps),
 * accurate to a few 1e-16 absolute. Stored as float32 (NIfTI-1) that is at most one float32
 * ulp; stored as float64 (NIfTI-2) at most 1e-15. Returns the number of such differences.
 */
export function compareBytesModuloQuaternion(ours: Uint8Array, theirs: Uint8Array, hdr: Nifti1Header): number {
  expect(ours.length).toBe(theirs.length);
  const layout = (hdr.constructor as typeof Nifti1Header).layout;
  const quatFields = ['quatern_b', 'quatern_c', 'quatern_d'].map((n) => layout.field(n));
  const le = hdr.endianness === '<';
  const vo = new DataView(ours.buffer, ours.byteOffset, ours.byteLength);
  const vt = new DataView(theirs.buffer, theirs.byteOffset, theirs.byteLength);
  let ulps = 0;
  for (let i = 0; i < ours.length; i++) {
    if (ours[i] === theirs[i]) continue;
    const f = quatFields.find((q) => i >= q.offset && i < q.offset + q.itemsize);
    expect(f, `byte ${i} differs outside the quaternion: ${ours[i]} vs ${theirs[i]}`).toBeDefined();
    const read = (v: DataView): number => (f!.itemsize === 4 ? v.getFloat32(f!.offset, le) : v.getFloat64(f!.offset, le));
    const a = read(vo);
    const b = read(vt);
    const tol = f!.itemsize === 4 ? 2 ** -23 * Math.max(Math.abs(b), 2 ** -10) * 1.01 : 1e-15;
    expect(Math.abs(a - b), `${f!.name}: ${a} vs ${b}`).toBeLessThanOrEqual(tol);
    ulps++;
    i = f!.offset + f!.itemsize - 1;
  }
  return ulps;
}
