// Conformance: every fixture of test/fixtures/conformance and test/fixtures/bad, loaded
// through the public API and checked against nibabel's own answers (manifest.json, written
// by test/fixtures/generate.py). Runs in Node and in Chromium; each side supplies how to
// read a fixture's bytes.
import { describe, expect, it } from 'vitest';
import {
  type Index,
  type LoadOptions,
  NDArray,
  type SpatialImage,
  asArray,
  isNibabelError,
  load,
  loadFiles,
  slice,
} from '../../src/index';
import conformance from '../fixtures/conformance/manifest.json';
import bad from '../fixtures/bad/manifest.json';

type Read = (path: string) => Promise<Uint8Array>;
type Encoded = number | string | null | Encoded[];

interface Sample {
  index: number[];
  value: Encoded;
}

/** Decodes one manifest scalar: numbers, "nan"/"inf"/"-inf", big-integer strings. */
function num(v: Encoded): number | bigint {
  if (typeof v === 'number') return v;
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof v === 'string') return BigInt(v);
  throw new Error(`not a scalar: ${JSON.stringify(v)}`);
}

/** The element values (all lanes) of voxel `index`. */
function voxel(arr: NDArray, index: number[]): (number | bigint)[] {
  const k = arr.elementIndex(index);
  const out: (number | bigint)[] = [];
  for (let l = 0; l < arr.lanes; l++) out.push(arr.data[k + l] as number | bigint);
  return out;
}

function same(got: number | bigint, want: number | bigint): boolean {
  if (typeof want === 'bigint' || typeof got === 'bigint') return BigInt(got) === BigInt(want);
  return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
}

export function expectValue(got: (number | bigint)[], want: Encoded, where: string): void {
  const w = Array.isArray(want) ? want.map(num) : [num(want)];
  const ok = got.length === w.length && got.every((g, i) => same(g, w[i]));
  if (!ok) expect.fail(`${where}: got ${got.map(String)}, want ${w.map(String)}`);
}

/** Manifest index syntax → ArrayProxy.get index. */
function toIndex(ix: unknown[]): Index {
  return ix.map((e) => {
    if (e === '...') return '...';
    if (e === null || typeof e === 'number') return e;
    const s = (e as { slice: (number | null)[] }).slice;
    return slice(s[0] ?? undefined, s[1] ?? undefined, s[2] ?? undefined);
  }) as Index;
}

/** SHA-256 of the canonical form: LE, Fortran order, interleaved lanes, canonical NaN. */
export async function sha256(arr: NDArray): Promise<string> {
  const f = arr.isFortranContiguous && arr.offset === 0 ? arr : null;
  const n = arr.size * arr.lanes;
  const Ctor = arr.data.constructor as new (n: number) => typeof arr.data;
  let data = f ? arr.data.subarray(0, n) : new Ctor(n);
  if (!f) {
    const idx = new Array<number>(arr.ndim).fill(0);
    for (let i = 0; i < arr.size; i++) {
      const k = arr.elementIndex(idx);
      for (let l = 0; l < arr.lanes; l++) (data as unknown as (number | bigint)[])[i * arr.lanes + l] = arr.data[k + l] as never;
      for (let d = 0; d < idx.length; d++) {
        if (++idx[d] < arr.shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    let copied = false;
    for (let i = 0; i < data.length; i++) {
      if (Number.isNaN(data[i])) {
        if (!copied) {
          data = data.slice();
          copied = true;
        }
        (data as Float32Array)[i] = Number.NaN;
      }
    }
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (data instanceof Float32Array) fixNaN(bytes, 4);
  if (data instanceof Float64Array) fixNaN(bytes, 8);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Writes the canonical quiet NaN bit pattern into every NaN element. */
function fixNaN(bytes: Uint8Array, size: 4 | 8): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length; i += size) {
    if (size === 4 && Number.isNaN(dv.getFloat32(i, true))) dv.setUint32(i, 0x7fc00000, true);
    if (size === 8 && Number.isNaN(dv.getFloat64(i, true))) dv.setBigUint64(i, 0x7ff8000000000000n, true);
  }
}

async function open(read: Read, dir: string, files: string[], missing: string[] = [], opts: LoadOptions = {}): Promise<SpatialImage> {
  if (files.length === 1) return load(await read(`${dir}/${files[0]}`), { ...opts, name: files[0] });
  const present = files.filter((f) => !missing.includes(f));
  const list = await Promise.all(present.map(async (f) => new File([await read(`${dir}/${f}`) as BlobPart], f)));
  const [img] = await loadFiles(list, opts);
  return img;
}

function closeMatrix(got: number[][] | null, want: number[][], tol = 1e-5): void {
  expect(got).not.toBeNull();
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(got![i][j]).toBeCloseTo(want[i][j], -Math.log10(tol));
}

type ConfEntry = (typeof conformance)[number];

/** `opts` go to every `load` (e.g. `{ worker }` to decode in a worker). */
export function conformanceSuite(read: Read, opts: LoadOptions = {}): void {
  describe.each(conformance as ConfEntry[])('conformance $id', (e) => {
    const entry = e as unknown as Record<string, unknown> & ConfEntry;
    it('header, affine and proxy spec match nibabel', async () => {
      const img = await open(read, 'conformance', entry.files, [], opts);
      expect(img.constructor.name).toBe(entry.class);
      expect(img.shape).toEqual(entry.shape);
      const proxy = img.dataobj as unknown as { dtype: string; slope: number; inter: number; offset: number };
      expect(proxy.dtype).toBe(entry.on_disk_dtype);
      // RGB: the NIfTI spec says scaling does not apply (reliability.md H25); nibabel keeps
      // the factors on the proxy and then fails to apply them.
      const rgb = entry.on_disk_dtype === 'rgb24' || entry.on_disk_dtype === 'rgba32';
      expect(proxy.slope).toBe(rgb ? 1 : num(entry.proxy_slope as Encoded));
      expect(proxy.inter).toBe(rgb ? 0 : num(entry.proxy_inter as Encoded));
      expect(proxy.offset).toBe(entry.proxy_offset);
      closeMatrix(img.affine, entry.affine as number[][]);
      const h = img.header as unknown as {
        getZooms(): number[];
        getXyztUnits(): string[];
        getQform(o?: object): number[][];
        getSform(o?: object): number[][];
        get(k: string): unknown;
        extensions: { code: number; content: Uint8Array }[];
        getSlopeInter(): (number | null)[];
      };
      expect(h.getZooms()).toEqual(entry.zooms);
      expect(h.getXyztUnits()).toEqual(entry.xyzt_units);
      expect(h.get('qform_code')).toBe(entry.qform_code);
      expect(h.get('sform_code')).toBe(entry.sform_code);
      closeMatrix(h.getQform(), entry.qform as number[][]);
      closeMatrix(h.getSform(), entry.sform as number[][]);
      expect(h.get('descrip')).toBe(entry.descrip);
      // nibabel: a loaded image's header has its scale factors moved to the proxy.
      expect(h.getSlopeInter()).toEqual([null, null]);
      const exts = (entry.extensions as { code: number; content_hex: string }[]).map((x) => ({ code: x.code, hex: x.content_hex }));
      const got = h.extensions.map((x) => ({
        code: x.code,
        hex: [...x.content].map((b) => b.toString(16).padStart(2, '0')).join('').replace(/(00)+$/, ''),
      }));
      expect(got).toEqual(exts.map((x) => ({ code: x.code, hex: x.hex.replace(/(00)+$/, '') })));
    });

    it('asArray(dataobj) matches nibabel: dtype, samples, digest', async () => {
      const img = await open(read, 'conformance', entry.files, [], opts);
      const arr = await asArray(img.dataobj);
      expect(arr.dtype).toBe(entry.asarray_dtype);
      expect(arr.shape).toEqual(entry.shape);
      for (const s of entry.asarray_samples as Sample[]) expectValue(voxel(arr, s.index), s.value, `asarray[${s.index}]`);
      expect(await sha256(arr)).toBe(entry.asarray_sha256);
    });

    it('getFdata matches nibabel (or fails as nibabel does)', async () => {
      const img = await open(read, 'conformance', entry.files, [], opts);
      const fdata = entry.fdata as null | { samples: Sample[]; sha256: string; nan_count: number };
      if (fdata === null) {
        // nibabel raises a TypeError (numpy cannot cast RGB to float); ours is typed, with the way out
        const p = img.getFdata();
        await expect(p).rejects.toSatisfy((e) => isNibabelError(e, 'UnsupportedError') && e.code === 'RGB_TO_FLOAT');
        await expect(p).rejects.toThrow(/read the colour values with `await img.getData\(\)`/);
        return;
      }
      const f = await img.getFdata();
      expect(f.dtype).toBe('float64');
      for (const s of fdata.samples) expectValue(voxel(f, s.index), s.value, `fdata[${s.index}]`);
      expect(await sha256(f)).toBe(fdata.sha256);
      const f32 = await img.getFdata({ dtype: 'float32' });
      // float32: nibabel scales small integer types in float32 arithmetic, so its answer can
      // differ from the rounded float64 result by an ulp or two (the exact values are
      // checked against nibabel in test/node/scaling-*.test.ts).
      for (const s of fdata.samples) {
        const want = Math.fround(num(s.value as Encoded) as number);
        const got = voxel(f32, s.index)[0] as number;
        if (Number.isFinite(want)) expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -22 + 1e-30);
        else expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want))).toBe(true);
      }
    });

    it('one proxy slice matches nibabel', async () => {
      const img = await open(read, 'conformance', entry.files, [], opts);
      const sl = entry.slice as unknown as { index: unknown[]; shape: number[]; dtype: string; values: Encoded[] };
      const got = await (img.dataobj as unknown as { get(i: Index): Promise<NDArray> }).get(toIndex(sl.index));
      expect(got.shape).toEqual(sl.shape);
      expect(got.dtype).toBe(sl.dtype);
      const idx = new Array<number>(got.ndim).fill(0);
      for (let i = 0; i < sl.values.length; i++) {
        expectValue(voxel(got, idx), sl.values[i], `slice value ${i}`);
        for (let d = 0; d < idx.length; d++) {
          if (++idx[d] < got.shape[d]) break;
          idx[d] = 0;
        }
      }
    });
  });
}

type BadEntry = (typeof bad)[number];

export function badInputSuite(read: Read, opts: LoadOptions = {}): void {
  describe.each(bad as BadEntry[])('bad input $id (case $case)', (e) => {
    const entry = e as unknown as {
      files: string[];
      missing?: string[];
      expect: Record<string, unknown> & { alternatives?: { error: string; code: string }[] };
    };
    const x = entry.expect;
    it(x.ok ? 'loads, with the documented fix-ups' : `fails with ${String(x.error)} ${String(x.code)}`, async () => {
      if (x.ok) {
        let img: SpatialImage;
        try {
          img = await open(read, 'bad', entry.files, entry.missing, opts);
        } catch (err) {
          const alt = (x.alternatives ?? []).some((a) => isNibabelError(err) && err._tag === a.error && err.code === a.code);
          if (alt) return;
          throw err;
        }
        expect(img.constructor.name).toBe(x.class);
        expect(img.shape).toEqual(x.shape);
        const codes = img.warnings.map((w) => w.code);
        for (const c of x.warnings as string[]) expect(codes).toContain(c);
        if (x.affine_finite) expect(img.affine!.flat().every(Number.isFinite)).toBe(true);
        const arr = await asArray(img.dataobj);
        expect(arr.dtype).toBe(x.asarray_dtype);
        for (const s of x.samples as Sample[]) expectValue(voxel(arr, s.index), s.value, `asarray[${s.index}]`);
        if (x.sha256) expect(await sha256(arr)).toBe(x.sha256);
        return;
      }
      const allowed = [{ error: x.error as string, code: x.code as string }, ...(x.alternatives ?? [])];
      let caught: unknown;
      try {
        const img = await open(read, 'bad', entry.files, entry.missing, opts);
        await asArray(img.dataobj);
      } catch (err) {
        caught = err;
      }
      expect(caught, 'expected an error').toBeDefined();
      expect(isNibabelError(caught), `not a nibweb error: ${String(caught)}`).toBe(true);
      const err = caught as { _tag: string; code: string; message: string };
      const match = allowed.some((a) => a.error === err._tag && a.code === err.code);
      expect(match, `${err._tag} ${err.code}: ${err.message}`).toBe(true);
    });
  });
}
