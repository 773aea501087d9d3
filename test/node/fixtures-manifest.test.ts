// Sanity and coverage of the nibabel-generated fixture manifests (test/fixtures/README.md):
// every listed file exists and is small, the conformance matrix covers every dtype × byte
// order × scaling, every container × version × ndim and all factor pairs, and the recorded
// values agree with the bytes on disk where that can be checked without the library
// (unscaled arrays are decoded here directly and hashed). This is not the conformance suite.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type DType, DTYPES, dtypeInfo } from '../../src/dtypes';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const CONF = `${FIXTURES}conformance/`;
const BAD = `${FIXTURES}bad/`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type IndexItem = number | null | '...' | { slice: [number | null, number | null, number | null] };
interface Behaviour {
  outcome: 'ok' | 'warning' | 'error';
  error?: string;
  message?: string;
  warnings?: { category: string; message: string }[];
}
interface Sample {
  index: number[];
  value: Json;
}
interface ConfEntry {
  id: string;
  group: string;
  files: string[];
  format: 'nifti1' | 'nifti2';
  container: 'nii' | 'nii.gz' | 'pair';
  class: string;
  endianness: 'little' | 'big';
  factors: { dtype: DType; byte_order: string; scaling: string; container: string; version: string; ndim: number };
  gzip?: string;
  shape: number[];
  on_disk_dtype: DType;
  zooms: Json[];
  pixdim: Json[];
  xyzt_units: string[];
  qform_code: number;
  sform_code: number;
  affine: Json[][];
  qform: Json[][];
  sform: Json[][];
  slope: Json;
  inter: Json;
  proxy_slope: Json;
  proxy_inter: Json;
  vox_offset: number;
  proxy_offset: number;
  descrip: string;
  extensions: { code: number; esize: number; content_hex: string }[];
  asarray_behaviour: Behaviour;
  asarray_source: 'dataobj' | 'get_unscaled';
  asarray_dtype: DType;
  asarray_samples: Sample[];
  asarray_sha256: string;
  fdata_behaviour: Behaviour;
  fdata: null | {
    sum: Json;
    nan_count: number;
    posinf_count: number;
    neginf_count: number;
    min: Json;
    max: Json;
    samples: Sample[];
    sha256: string;
  };
  slice: { index: IndexItem[]; behaviour: Behaviour; source: string; shape: number[]; dtype: DType; values: Json[] };
}
interface BadEntry {
  id: string;
  files: string[];
  missing?: string[];
  case: number | null;
  expect:
    | { error: string; code: string; alternatives?: { error: string; code: string }[] }
    | {
        ok: true;
        warnings: string[];
        class: string;
        shape: number[];
        asarray_dtype: DType;
        samples: Sample[];
        sha256: string;
        affine_finite?: boolean;
      };
  note: string;
  nibabel: Behaviour & { log?: string[] };
  values_from?: 'nibabel' | 'spec';
}

const conf = JSON.parse(readFileSync(`${CONF}manifest.json`, 'utf8')) as ConfEntry[];
const bad = JSON.parse(readFileSync(`${BAD}manifest.json`, 'utf8')) as BadEntry[];

const BYTE_ORDERS = ['little', 'big'];
const SCALINGS = ['none', 'slope', 'slope_inter'];
const CONTAINERS = ['nii', 'nii.gz', 'pair'];
const VERSIONS = ['nifti1', 'nifti2'];
const NDIMS = [3, 4, 5];
const FACTOR_LEVELS: [keyof ConfEntry['factors'], readonly (string | number)[]][] = [
  ['dtype', DTYPES],
  ['byte_order', BYTE_ORDERS],
  ['scaling', SCALINGS],
  ['container', CONTAINERS],
  ['version', VERSIONS],
  ['ndim', NDIMS],
];
const ERROR_CLASSES = ['ImageFileError', 'HeaderDataError', 'ImageDataError', 'DecompressionError', 'UnsupportedError', 'LimitError'];
const MAX_FILE_BYTES = 16 * 1024;
const MAX_TOTAL_BYTES = 3 * 1024 * 1024;

/** A JSON float per README: a number or one of the three non-finite spellings. */
function isFloat(v: Json): boolean {
  return typeof v === 'number' || v === 'nan' || v === 'inf' || v === '-inf';
}

function decodeFloat(v: Json): number {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof v !== 'number') throw new TypeError(`not a float: ${JSON.stringify(v)}`);
  return v;
}

/** True when `v` is a valid JSON encoding of one voxel of `dtype`. */
function isValue(v: Json, dtype: DType): boolean {
  const info = dtypeInfo(dtype);
  if (info.kind === 'V') {
    return Array.isArray(v) && v.length === info.lanes && v.every((c) => Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 255);
  }
  if (info.kind === 'c') return Array.isArray(v) && v.length === 2 && v.every(isFloat);
  if (info.kind === 'f') return isFloat(v);
  // integers: a safe number, or a decimal string exactly when outside ±2^53
  if (typeof v === 'number') return Number.isSafeInteger(v);
  return typeof v === 'string' && /^-?\d+$/.test(v) && (BigInt(v) >= 2n ** 53n || BigInt(v) <= -(2n ** 53n));
}

function fileBytes(dir: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(dir + name));
}

/** The data file's uncompressed bytes (node's zlib: all members, zero padding accepted). */
function dataFileBytes(e: ConfEntry): Uint8Array {
  const raw = fileBytes(CONF, e.files[e.files.length - 1]);
  return e.container === 'nii.gz' ? new Uint8Array(gunzipSync(raw)) : raw;
}

function headerBytes(e: ConfEntry): Uint8Array {
  const raw = fileBytes(CONF, e.files[0]);
  return e.container === 'nii.gz' ? new Uint8Array(gunzipSync(raw)) : raw;
}

/**
 * The manifest's canonical hash form (README "sha256"): the voxels little-endian in file
 * (Fortran) order, NaN replaced by the canonical quiet NaN. `data` is the on-disk bytes.
 */
function canonicalHash(data: Uint8Array, dtype: DType, littleEndian: boolean): string {
  const info = dtypeInfo(dtype);
  const bytes = data.slice();
  const lane = info.kind === 'c' ? info.itemsize / 2 : info.kind === 'V' ? 1 : info.itemsize;
  if (!littleEndian && lane > 1) {
    for (let i = 0; i < bytes.length; i += lane) bytes.subarray(i, i + lane).reverse();
  }
  const view = new DataView(bytes.buffer);
  if (info.kind === 'f' || info.kind === 'c') {
    for (let i = 0; i < bytes.length; i += lane) {
      if (lane === 4 && Number.isNaN(view.getFloat32(i, true))) view.setUint32(i, 0x7fc00000, true);
      if (lane === 8 && Number.isNaN(view.getFloat64(i, true))) view.setBigUint64(i, 0x7ff8000000000000n, true);
    }
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/** One on-disk voxel decoded with DataView, encoded as the manifest encodes it. */
function readVoxel(data: Uint8Array, dtype: DType, byteOffset: number, littleEndian: boolean): Json {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const enc = (x: number): Json => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x);
  const big = (x: bigint): Json => (x >= 2n ** 53n || x <= -(2n ** 53n) ? x.toString() : Number(x));
  switch (dtype) {
    case 'uint8': return view.getUint8(byteOffset);
    case 'int8': return view.getInt8(byteOffset);
    case 'int16': return view.getInt16(byteOffset, littleEndian);
    case 'uint16': return view.getUint16(byteOffset, littleEndian);
    case 'int32': return view.getInt32(byteOffset, littleEndian);
    case 'uint32': return view.getUint32(byteOffset, littleEndian);
    case 'int64': return big(view.getBigInt64(byteOffset, littleEndian));
    case 'uint64': return big(view.getBigUint64(byteOffset, littleEndian));
    case 'float32': return enc(view.getFloat32(byteOffset, littleEndian));
    case 'float64': return enc(view.getFloat64(byteOffset, littleEndian));
    case 'complex64': return [enc(view.getFloat32(byteOffset, littleEndian)), enc(view.getFloat32(byteOffset + 4, littleEndian))];
    case 'complex128': return [enc(view.getFloat64(byteOffset, littleEndian)), enc(view.getFloat64(byteOffset + 8, littleEndian))];
    case 'rgb24': return [...data.subarray(byteOffset, byteOffset + 3)];
    case 'rgba32': return [...data.subarray(byteOffset, byteOffset + 4)];
  }
}

/** Fortran-order flat position of a full index. */
function flatF(index: number[], shape: number[]): number {
  let pos = 0;
  let stride = 1;
  for (let i = 0; i < shape.length; i++) {
    pos += index[i] * stride;
    stride *= shape[i];
  }
  return pos;
}

function product(xs: number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(dir + f).size, 0);
}

describe('conformance manifest', () => {
  it('lists unique ids and existing, small files', () => {
    expect(conf.length).toBeGreaterThanOrEqual(84);
    expect(new Set(conf.map((e) => e.id)).size).toBe(conf.length);
    const listed = new Set<string>(['manifest.json']);
    for (const e of conf) {
      expect(e.files.length, e.id).toBe(e.container === 'pair' ? 2 : 1);
      for (const f of e.files) {
        listed.add(f);
        expect(existsSync(CONF + f), f).toBe(true);
        expect(statSync(CONF + f).size, f).toBeLessThanOrEqual(MAX_FILE_BYTES);
      }
    }
    // nothing unlisted lies around in the directory
    expect(readdirSync(CONF).sort()).toEqual([...listed].sort());
    expect(dirBytes(CONF) + dirBytes(BAD)).toBeLessThanOrEqual(MAX_TOTAL_BYTES);
  });

  it('covers every dtype × byte order × scaling in the matrix', () => {
    const matrix = conf.filter((e) => e.group === 'matrix');
    const seen = new Set(matrix.map((e) => `${e.factors.dtype}/${e.factors.byte_order}/${e.factors.scaling}`));
    for (const d of DTYPES) for (const b of BYTE_ORDERS) for (const s of SCALINGS) expect(seen, `${d}/${b}/${s}`).toContain(`${d}/${b}/${s}`);
  });

  it('covers every container × version × ndim in the matrix', () => {
    const matrix = conf.filter((e) => e.group === 'matrix');
    const seen = new Set(matrix.map((e) => `${e.factors.container}/${e.factors.version}/${e.factors.ndim}`));
    for (const c of CONTAINERS) for (const v of VERSIONS) for (const n of NDIMS) expect(seen, `${c}/${v}/${n}`).toContain(`${c}/${v}/${n}`);
  });

  it('pairs every value of each factor with every value of every other factor', () => {
    const matrix = conf.filter((e) => e.group === 'matrix');
    for (let i = 0; i < FACTOR_LEVELS.length; i++) {
      for (let j = i + 1; j < FACTOR_LEVELS.length; j++) {
        const [fa, la] = FACTOR_LEVELS[i];
        const [fb, lb] = FACTOR_LEVELS[j];
        const seen = new Set(matrix.map((e) => `${e.factors[fa]}|${e.factors[fb]}`));
        for (const a of la) for (const b of lb) expect(seen, `${fa}=${a} with ${fb}=${b}`).toContain(`${a}|${b}`);
      }
    }
  });

  it('states factors that agree with the header facts', () => {
    for (const e of conf) {
      const f = e.factors;
      expect(f.dtype, e.id).toBe(e.on_disk_dtype);
      expect(f.byte_order, e.id).toBe(e.endianness);
      expect(f.container, e.id).toBe(e.container);
      expect(f.version, e.id).toBe(e.format);
      expect(e.shape.length, e.id).toBe(f.ndim);
      const pair = e.container === 'pair';
      expect(e.class, e.id).toBe(`Nifti${e.format === 'nifti1' ? 1 : 2}${pair ? 'Pair' : 'Image'}`);
      const unscaled = e.proxy_slope === 1 && e.proxy_inter === 0;
      expect(unscaled, e.id).toBe(f.scaling === 'none');
      expect(e.affine.length).toBe(4);
      for (const m of [e.affine, e.qform, e.sform]) for (const row of m) for (const v of row) expect(isFloat(v)).toBe(true);
    }
  });

  it('has the special groups the brief asks for', () => {
    const ext = conf.filter((e) => e.extensions.length > 0);
    expect(ext.some((e) => e.extensions.length === 1)).toBe(true);
    expect(ext.some((e) => e.extensions.length === 2 && e.extensions[0].code !== e.extensions[1].code && e.extensions[0].esize !== e.extensions[1].esize)).toBe(true);
    for (const c of CONTAINERS) expect(ext.some((e) => e.container === c), `extensions in ${c}`).toBe(true);
    const offsets = new Set(conf.filter((e) => e.group === 'vox_offset').map((e) => e.proxy_offset));
    expect(offsets).toContain(1024);
    expect(offsets).toContain(3056);
    const oblique = conf.filter((e) => e.group === 'oblique');
    for (const code of [1, 2, 3, 4]) {
      expect(oblique.some((e) => e.qform_code === code), `qform_code ${code}`).toBe(true);
      expect(oblique.some((e) => e.sform_code === code), `sform_code ${code}`).toBe(true);
    }
    expect(oblique.every((e) => e.pixdim[0] === -1)).toBe(true);
    expect(oblique.some((e) => e.qform_code > 0 && e.sform_code > 0 && JSON.stringify(e.qform) !== JSON.stringify(e.sform))).toBe(true);
    const gz = new Set(conf.filter((e) => e.container === 'nii.gz').map((e) => e.gzip));
    for (const layout of ['single', 'two', 'padded', 'two_padded']) expect(gz).toContain(layout);
  });

  it('writes valid NIfTI headers whose data fit in the data file', () => {
    for (const e of conf) {
      const hdr = headerBytes(e);
      const little = e.endianness === 'little';
      const view = new DataView(hdr.buffer, hdr.byteOffset, hdr.byteLength);
      const sizeof = e.format === 'nifti1' ? 348 : 540;
      expect(view.getInt32(0, little), e.id).toBe(sizeof);
      const magicAt = e.format === 'nifti1' ? 344 : 4;
      const magic = String.fromCharCode(...hdr.subarray(magicAt, magicAt + 3));
      const v = e.format === 'nifti1' ? '1' : '2';
      expect(magic, e.id).toBe(e.container === 'pair' ? `ni${v}` : `n+${v}`);
      const nbytes = product(e.shape) * dtypeInfo(e.on_disk_dtype).itemsize;
      expect(dataFileBytes(e).length, e.id).toBeGreaterThanOrEqual(e.proxy_offset + nbytes);
    }
  });

  it('records unscaled values that match the bytes on disk', () => {
    let checked = 0;
    for (const e of conf) {
      const unscaledSource = e.asarray_source === 'get_unscaled' || (e.proxy_slope === 1 && e.proxy_inter === 0);
      if (!unscaledSource) continue;
      expect(e.asarray_dtype, e.id).toBe(e.on_disk_dtype);
      const data = dataFileBytes(e);
      const little = e.endianness === 'little';
      const item = dtypeInfo(e.on_disk_dtype).itemsize;
      const voxels = data.subarray(e.proxy_offset, e.proxy_offset + product(e.shape) * item);
      expect(canonicalHash(voxels, e.on_disk_dtype, little), e.id).toBe(e.asarray_sha256);
      for (const s of e.asarray_samples) {
        expect(readVoxel(voxels, e.on_disk_dtype, flatF(s.index, e.shape) * item, little), `${e.id} ${s.index}`).toEqual(s.value);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  it('records scaled values as raw * slope + inter in float64', () => {
    // nibabel (volumeutils.apply_read_scaling): multiply only if slope != 1, add only if
    // inter != 0, in float64. Complex data are multiplied by the complex number (slope + 0i)
    // and added to (inter + 0i) in complex128, so re' = re*s - im*0, im' = re*0 + im*s: an
    // infinite or NaN part spills NaN into the other part, and zeros may change sign.
    let checked = 0;
    for (const e of conf) {
      if (e.asarray_source !== 'dataobj' || (e.proxy_slope === 1 && e.proxy_inter === 0)) continue;
      const slope = decodeFloat(e.proxy_slope);
      const inter = decodeFloat(e.proxy_inter);
      const data = dataFileBytes(e);
      const little = e.endianness === 'little';
      const item = dtypeInfo(e.on_disk_dtype).itemsize;
      const scale = (x: number) => {
        let y = x;
        if (slope !== 1) y *= slope;
        if (inter !== 0) y += inter;
        return y;
      };
      const scaleComplex = (re: number, im: number): [number, number] => {
        let [r, i] = [re, im];
        if (slope !== 1) [r, i] = [r * slope - i * 0, r * 0 + i * slope];
        if (inter !== 0) [r, i] = [r + inter, i + 0];
        return [r, i];
      };
      for (const s of e.asarray_samples) {
        const raw = readVoxel(data, e.on_disk_dtype, e.proxy_offset + flatF(s.index, e.shape) * item, little);
        if (Array.isArray(raw)) {
          const [re, im] = raw.map(decodeFloat);
          const got = (s.value as Json[]).map(decodeFloat);
          expect(got, `${e.id} ${s.index}`).toEqual(scaleComplex(re, im));
        } else {
          const x = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(BigInt(raw)) : decodeFloat(raw);
          expect(decodeFloat(s.value), `${e.id} ${s.index}`).toEqual(scale(x));
        }
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  it('encodes every value as the README says', () => {
    const floats = new Set<Json>();
    let bigints = 0;
    for (const e of conf) {
      for (const s of e.asarray_samples) {
        expect(s.index.length, e.id).toBe(e.shape.length);
        expect(isValue(s.value, e.asarray_dtype), `${e.id} ${JSON.stringify(s.value)}`).toBe(true);
        if (typeof s.value === 'string') bigints++;
      }
      if (e.fdata) {
        for (const s of e.fdata.samples) {
          expect(isFloat(s.value), e.id).toBe(true);
          floats.add(s.value);
        }
        for (const k of ['sum', 'min', 'max'] as const) expect(e.fdata[k] === null || typeof e.fdata[k] === 'number', e.id).toBe(true);
        expect(e.fdata.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(e.asarray_sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(floats).toContain('nan');
    expect(floats).toContain('inf');
    expect(floats).toContain('-inf');
    expect(bigints).toBeGreaterThan(0);
  });

  it('records get_fdata behaviour: complex warns, RGB fails, the rest is plain', () => {
    for (const e of conf) {
      const kind = dtypeInfo(e.on_disk_dtype).kind;
      if (kind === 'c') {
        expect(e.fdata_behaviour.outcome, e.id).toBe('warning');
        expect(e.fdata_behaviour.warnings?.[0].category).toBe('ComplexWarning');
        expect(e.fdata, e.id).not.toBeNull();
      } else if (kind === 'V') {
        expect(e.fdata_behaviour.outcome, e.id).toBe('error');
        expect(e.fdata, e.id).toBeNull();
      } else {
        expect(e.fdata_behaviour.outcome, e.id).toBe('ok');
      }
      const rgbScaled = kind === 'V' && !(e.proxy_slope === 1 && e.proxy_inter === 0);
      expect(e.asarray_source, e.id).toBe(rgbScaled ? 'get_unscaled' : 'dataobj');
    }
  });

  it('gives slices in a valid index syntax, with variety', () => {
    const features = new Set<string>();
    for (const e of conf) {
      const { index, shape, values, dtype } = e.slice;
      expect(index.filter((i) => i === '...').length, e.id).toBeLessThanOrEqual(1);
      expect(values.length, e.id).toBe(product(shape));
      for (const v of values) expect(isValue(v, dtype), e.id).toBe(true);
      for (const i of index) {
        if (i === '...') features.add('ellipsis');
        else if (typeof i === 'number') features.add(i < 0 ? 'negative int' : 'int');
        else if (i !== null && (i.slice[2] ?? 1) < 0) features.add('negative step');
      }
      if (shape.length === 0) features.add('scalar');
    }
    expect([...features].sort()).toEqual(['ellipsis', 'int', 'negative int', 'negative step', 'scalar']);
  });
});

describe('bad-input manifest', () => {
  const okValues = (e: BadEntry) => ('ok' in e.expect ? e.expect : null);

  it('lists unique ids and existing, small files (except the deliberately missing)', () => {
    expect(new Set(bad.map((e) => e.id)).size).toBe(bad.length);
    const listed = new Set<string>(['manifest.json']);
    for (const e of bad) {
      for (const f of e.files) {
        if (e.missing?.includes(f)) {
          expect(existsSync(BAD + f), f).toBe(false);
          continue;
        }
        listed.add(f);
        expect(statSync(BAD + f).size, f).toBeLessThanOrEqual(MAX_FILE_BYTES);
      }
    }
    expect(readdirSync(BAD).sort()).toEqual([...listed].sort());
  });

  it('covers the reliability.md cases of the brief', () => {
    const cases = new Set(bad.map((e) => e.case));
    for (const c of [40, 43, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 60]) expect(cases, `case ${c}`).toContain(c);
    const codes = new Set(bad.map((e) => ('code' in e.expect ? e.expect.code : null)));
    for (const code of ['TRUNCATED_HEADER', 'NOT_NIFTI', 'BAD_DIM0', 'BAD_DIM', 'UNSUPPORTED_DATATYPE', 'BAD_VOX_OFFSET', 'DATA_TRUNCATED', 'BAD_MAGIC', 'EOL_CORRUPTED', 'GZIP_DATA_CRC', 'TRUNCATED']) {
      expect(codes, code).toContain(code);
    }
  });

  it('states well-formed expectations', () => {
    for (const e of bad) {
      expect(e.note.length, e.id).toBeGreaterThan(10);
      expect(['ok', 'warning', 'error']).toContain(e.nibabel.outcome);
      const ok = okValues(e);
      if (ok === null) {
        const x = e.expect as { error: string; code: string; alternatives?: { error: string; code: string }[] };
        for (const alt of [x, ...(x.alternatives ?? [])]) {
          expect(ERROR_CLASSES, e.id).toContain(alt.error);
          expect(alt.code, e.id).toMatch(/^[A-Z][A-Z0-9_]+$/);
        }
        continue;
      }
      expect(['nibabel', 'spec'], e.id).toContain(e.values_from);
      for (const w of ok.warnings) expect(w, e.id).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(ok.samples.length, e.id).toBeGreaterThan(0);
      for (const s of ok.samples) {
        expect(s.index.length, e.id).toBe(ok.shape.length);
        expect(isValue(s.value, ok.asarray_dtype), e.id).toBe(true);
      }
      // values nibabel loads must be what it reports: an 'ok' from nibabel where values_from is nibabel
      if (e.values_from === 'nibabel') expect(e.nibabel.outcome, e.id).not.toBe('error');
    }
  });

  it('expects the base int16 values 0..63 wherever an int16 file loads', () => {
    // Every int16 'ok' case is the base file (values 0..63) read correctly despite its defect.
    const base = new Uint8Array(new Int16Array(Array.from({ length: 64 }, (_, i) => i)).buffer);
    const digest = createHash('sha256').update(base).digest('hex');
    const int16 = bad.filter((e) => okValues(e)?.asarray_dtype === 'int16');
    expect(int16.length).toBeGreaterThan(20);
    for (const e of int16) {
      const ok = okValues(e);
      expect(ok?.sha256, e.id).toBe(digest);
      for (const s of ok?.samples ?? []) expect(s.value, e.id).toBe(flatF(s.index, ok?.shape ?? []));
    }
  });

  it('keeps its gzip cases gzip and its plain cases plain', () => {
    const isGzip = (f: string) => {
      const b = fileBytes(BAD, f);
      return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8;
    };
    for (const e of bad) {
      const f = e.files[0];
      if (e.missing?.includes(f)) continue;
      const named = f.endsWith('.gz');
      const swapped = e.id === 'gzip-named-nii' || e.id === 'plain-named-gz';
      if (fileBytes(BAD, f).length > 0) expect(isGzip(f), e.id).toBe(swapped ? !named : named);
    }
  });
});
