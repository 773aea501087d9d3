// asClosestCanonical and reoriented proxies against nibabel's as_closest_canonical
// (test/fixtures/generate-canonical.py): all 48 axis orderings and oblique affines, 3-D and
// 4-D, for every image class, in memory and as proxies loaded from the bytes nibweb writes.
import { describe, expect, it } from 'vitest';
import {
  AnalyzeImage,
  BufferSource,
  MGHImage,
  NDArray,
  Nifti1Header,
  Nifti1Image,
  Nifti1Pair,
  Nifti2Image,
  Nifti2Pair,
  Spm2AnalyzeImage,
  Spm99AnalyzeImage,
  asClosestCanonical,
  isProxy,
  load,
  loadFiles,
  slice,
  type SpatialImage,
} from '../../src/index';
import { RecordingSource } from '../shared/recording-source';
import fixture from '../fixtures/canonical.json';

type Rec = { same: boolean; shape: number[]; affine: number[][]; data: number[]; zooms: number[]; qform_code?: number; sform_code?: number; dim_info?: (number | null)[]; best_affine?: number[][] };
type Case = { id: string; affine: number[][]; shape: number[]; data: number[]; ornt: number[][]; classes: Record<string, Rec> };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const CLASSES: Record<string, any> = { Nifti1Image, Nifti2Image, Nifti1Pair, Nifti2Pair, AnalyzeImage, Spm99AnalyzeImage, Spm2AnalyzeImage, MGHImage };
const cases = fixture.cases as Case[];

/** The image nibabel's generator made: NIfTI gets qform 'scanner', sform 'mni', dim_info (0, 1, 2). */
function make(name: string, c: Case): SpatialImage {
  const K = CLASSES[name];
  const data = new NDArray(Int16Array.from(c.data), c.shape);
  let img = new K(data, c.affine);
  if (img.header instanceof Nifti1Header) {
    const hdr = img.header;
    hdr.setQform(c.affine, 'scanner');
    hdr.setSform(c.affine, 'mni');
    hdr.setDimInfo(0, 1, 2);
    img = new K(data, c.affine, hdr);
  }
  return img;
}

/** In memory the affine is float64 throughout; a file stores it as float32 (sform, pixdim). */
function closeMatrix(got: readonly (readonly number[])[] | null, want: number[][], what: string, tol: number): void {
  expect(got, what).not.toBeNull();
  got!.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i]![j]!), `${what}[${i}][${j}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]![j]!)))));
}

async function check(out: SpatialImage, img: SpatialImage, want: Rec, what: string, tol = 1e-9): Promise<void> {
  expect(out === img, `${what}: same object`).toBe(want.same);
  expect(out.shape, what).toEqual(want.shape);
  expect(out.constructor, what).toBe(img.constructor);
  closeMatrix(out.affine, want.affine, `${what} affine`, tol);
  const f = await out.getFdata();
  const flat: number[] = [];
  const idx = new Array<number>(f.ndim).fill(0);
  for (let n = 0; n < f.size; n++) {
    flat.push(f.get(...idx));
    for (let a = 0; a < idx.length; a++) {
      if (++idx[a]! < f.shape[a]!) break;
      idx[a] = 0;
    }
  }
  expect(flat, `${what} data (F order)`).toEqual(want.data);
  const zooms = out.header.getZooms();
  want.zooms.forEach((z, i) => expect(Math.abs(zooms[i]! - z), `${what} zoom ${i}`).toBeLessThan(1e-5));
  if (out.header instanceof Nifti1Header) {
    expect([out.header.get('qform_code'), out.header.get('sform_code')], `${what} codes`).toEqual([want.qform_code, want.sform_code]);
    expect(out.header.getDimInfo(), `${what} dim_info`).toEqual(want.dim_info);
    closeMatrix(out.header.getBestAffine(), want.best_affine!, `${what} best affine`, Math.max(tol, 1e-6));
  }
}

describe('asClosestCanonical on in-memory images: as nibabel, every ordering and class', () => {
  for (const c of cases) {
    it(c.id, async () => {
      for (const name of Object.keys(c.classes)) {
        const img = make(name, c);
        const out = asClosestCanonical(img);
        await check(out, img, c.classes[name]!, `${c.id} ${name}`);
        if (out !== img) expect((out.dataobj as NDArray).data, 'a view of the same memory').toBe((img.dataobj as NDArray).data);
      }
    });
  }
});

/** The image written by nibweb and loaded back: a proxy. */
async function loaded(img: SpatialImage): Promise<SpatialImage> {
  const bytes = await (img as unknown as { toBytes(): Promise<Uint8Array | { hdr: Uint8Array; img: Uint8Array; mat?: Uint8Array }> }).toBytes();
  if (bytes instanceof Uint8Array) return load(bytes, { name: img instanceof MGHImage ? 'x.mgh' : 'x.nii' });
  const files = [new File([bytes.hdr as BlobPart], 'x.hdr'), new File([bytes.img as BlobPart], 'x.img')];
  if (bytes.mat) files.push(new File([bytes.mat as BlobPart], 'x.mat'));
  const [back] = await loadFiles(files);
  return back!;
}

describe('asClosestCanonical on proxy images: stays a proxy, reads nothing, reads reoriented', () => {
  for (const c of cases.filter((_, i) => i % 3 === 0 || _.id.startsWith('oblique') || _.id.endsWith('_4d'))) {
    it(c.id, async () => {
      // A plain Analyze file cannot hold the affine (zooms only, no .mat): its loaded image is
      // another image than the one nibabel reoriented, so it is checked in memory only.
      for (const name of Object.keys(c.classes).filter((n) => n !== 'AnalyzeImage')) {
        const img = await loaded(make(name, c));
        expect(isProxy(img.dataobj)).toBe(true);
        const out = asClosestCanonical(img);
        expect(isProxy(out.dataobj), `${c.id} ${name}: still a proxy`).toBe(true);
        expect(out.inMemory).toBe(false);
        await check(out, img, c.classes[name]!, `${c.id} ${name} (proxy)`, 1e-6);
      }
    });
  }

  it('reorienting reads no byte; a slice of the result reads only its part and equals the in-memory answer', async () => {
    const c = cases.find((x) => x.id === 'p210_f+--_4d')!;
    const bytes = await (make('Nifti1Image', c) as Nifti1Image).toBytes();
    const rec = new RecordingSource(new BufferSource(bytes));
    const img = await load(rec, { name: 'x.nii' });
    const before = rec.reads.length;
    const out = asClosestCanonical(img);
    expect(rec.reads.length).toBe(before);
    const want = asClosestCanonical(make('Nifti1Image', c)).dataobj as NDArray;
    for (const index of [[null, null, 1], [1, null, null, 0], [slice(null, null, -1), 2, slice(1, 3)], ['...', 1], [slice(0, 1), slice(2, 0, -1), null, null]] as const) {
      const got = await out.dataobj.get([...index]);
      const expected = (await import('../../src/image/slicer')).sliceView(want, [...index]);
      expect(got.shape).toEqual(expected.shape);
      for (let n = 0; n < got.size; n++) {
        const at: number[] = [];
        let r = n;
        for (const d of got.shape) {
          at.push(r % d);
          r = Math.floor(r / d);
        }
        expect(got.get(...at)).toBe(expected.get(...at));
      }
    }
  });
});

describe('the whole-array path (WebAssembly, large arrays) reorients as a view too', () => {
  it('a 64×48×40 LPI-stored .nii.gz: getFdata of the canonical proxy equals the in-memory canonical array', async () => {
    const shape = [64, 48, 40];
    const n = shape[0]! * shape[1]! * shape[2]!;
    const data = new NDArray(Int16Array.from({ length: n }, (_, i) => (i * 7919) % 30011 - 15000), shape);
    const affine = [[0, -2, 0, 50], [0, 0, -3, 60], [1.5, 0, 0, -40], [0, 0, 0, 1]];
    const img = new Nifti1Image(data, affine);
    const back = await load((await img.toBlob({ gzip: true })) as Blob, { name: 'x.nii.gz' });
    const want = asClosestCanonical(img);
    const got = await asClosestCanonical(back).getFdata({ dtype: 'float32' });
    expect(got.shape).toEqual(want.shape);
    const ref = want.dataobj as NDArray;
    for (let k = 0; k < 2000; k++) {
      const at = want.shape.map((d, a) => (k * (a + 3) * 7 + a * 11) % d);
      expect(got.get(...at)).toBe(ref.get(...at));
    }
  });
});

describe('asClosestCanonical rules', () => {
  it('an image without an affine is a typed error; enforceDiag refuses an oblique result', () => {
    const img = new Nifti1Image(new NDArray(new Int16Array(24), [2, 3, 4]), null);
    expect(() => asClosestCanonical(img)).toThrow(expect.objectContaining({ name: 'ImageDataError', code: 'NO_AFFINE' }));
    const ob = cases.find((x) => x.id.startsWith('oblique'))!;
    expect(() => asClosestCanonical(make('Nifti1Image', ob), { enforceDiag: true })).toThrow(expect.objectContaining({ code: 'NOT_DIAGONAL' }));
    const diag = cases.find((x) => x.id === 'p012_f+++')!;
    const same = make('Nifti1Image', diag);
    expect(asClosestCanonical(same, { enforceDiag: true })).toBe(same);
  });

  it('a reoriented proxy composes and cannot be reshaped', async () => {
    const c = cases.find((x) => x.id === 'p102_f-+-')!;
    const img = await loaded(make('Nifti1Image', c));
    const once = img.dataobj as import('../../src/index').ArrayProxy;
    const twice = once.withOrientation([[1, -1], [0, 1], [2, -1]]).withOrientation([[1, 1], [0, -1], [2, -1]]);
    expect(twice.orientation).toBeNull(); // the two cancel
    expect(() => once.withOrientation([[1, 1], [0, 1], [2, 1]]).reshape([24])).toThrow(TypeError);
  });
});
