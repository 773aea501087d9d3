// Analyze 7.5 / SPM99 / SPM2 images against nibabel (test/fixtures/analyze, written and read
// by nibabel 5.0.0 with test/fixtures/generate-analyze.py): a drop of each pair loads as
// nibabel's `nib.load` class (Spm2AnalyzeImage) with its shape, affine (SPM's .mat included),
// zooms, scaling and data; each class read explicitly gives what nibabel's does; bad pairs
// give their typed error.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BufferSource, NDArray, asArray, loadFiles } from '../../src/index';
import { AnalyzeImage } from '../../src/formats/analyze';
import { Spm99AnalyzeImage } from '../../src/formats/spm99analyze';
import { Spm2AnalyzeImage } from '../../src/formats/spm2analyze';
import { expectValue, sha256 } from '../shared/conformance';
import manifest from '../fixtures/analyze/manifest.json';

type Entry = (typeof manifest)[number] & Record<string, unknown>;
interface AsClass {
  outcome: { outcome: string };
  proxy_slope?: number;
  proxy_inter?: number;
  shape?: number[];
  zooms?: number[];
  affine?: number[][];
  offset?: number;
  asarray?: { outcome: { outcome: string }; dtype?: string; sha256?: string; samples?: { index: number[]; value: number }[] };
  fdata?: { outcome: { outcome: string }; sha256?: string };
}

const dir = new URL('../fixtures/analyze/', import.meta.url);
const bytesOf = (f: string): Uint8Array => new Uint8Array(readFileSync(new URL(f, dir)));
const plain = (f: string): Uint8Array => (f.endsWith('.gz') ? new Uint8Array(gunzipSync(bytesOf(f))) : bytesOf(f));
const entries = manifest as Entry[];
const readable = entries.filter((e) => ['dtype', 'scaling', 'origin', 'mat'].includes(e.group));
const CLASSES = { AnalyzeImage, Spm99AnalyzeImage, Spm2AnalyzeImage } as const;

function close(got: number[][] | number[], want: number[][] | number[]): void {
  expect(got.flat().length).toBe(want.flat().length);
  got.flat().forEach((g, i) => expect(g).toBeCloseTo(want.flat()[i] as number, 5));
}

async function checkAgainst(img: { shape: number[]; affine: number[][] | null; header: { getZooms(): number[] }; dataobj: unknown }, want: AsClass, where: string): Promise<void> {
  expect(img.shape, where).toEqual(want.shape);
  close(img.affine!, want.affine!);
  close(img.header.getZooms(), want.zooms!);
  const proxy = img.dataobj as { slope: number; inter: number; offset: number };
  expect(proxy.slope, where).toBe(want.proxy_slope);
  expect(proxy.inter, where).toBe(want.proxy_inter);
  expect(proxy.offset, where).toBe(want.offset);
  if (want.asarray?.outcome.outcome === 'ok') {
    const arr = await asArray(img.dataobj as NDArray);
    expect(arr.dtype, where).toBe(want.asarray.dtype);
    for (const s of want.asarray.samples ?? []) {
      const k = arr.elementIndex(s.index);
      expectValue(Array.from({ length: arr.lanes }, (_, l) => arr.data[k + l] as number), s.value, `${where} ${s.index}`);
    }
    expect(await sha256(arr), where).toBe(want.asarray.sha256);
  }
}

describe.each(readable)('a drop of $id loads as nibabel loads it', (e) => {
  it('class, geometry, scaling and data equal nibabel', async () => {
    const files = e.files.map((f) => new File([bytesOf(f) as BlobPart], f));
    const nibOutcome = (e.nib_load_outcome as { outcome: string } | undefined)?.outcome ?? 'ok';
    if (nibOutcome === 'error') {
      // nibabel refuses the drop (e.g. a .mat with neither "mat" nor "M"): so do we, typed.
      await expect(loadFiles(files)).rejects.toMatchObject({ name: 'ImageFileError', code: 'BAD_MAT_FILE' });
      return;
    }
    const [img] = await loadFiles(files);
    expect(img!.constructor.name).toBe(e.nib_load_class);
    await checkAgainst(img as never, (e.as as Record<string, AsClass>)[e.nib_load_class as string]!, e.id);
  });
});

describe.each(readable.filter((e) => !e.files.some((f) => f.endsWith('.mat'))))('$id read as each Analyze class', (e) => {
  it.each(Object.keys(CLASSES))('%s gives nibabel\'s answers', async (cls) => {
    const want = (e.as as Record<string, AsClass>)[cls]!;
    const hdrName = e.files.find((f) => /\.hdr(\.gz)?$/.test(f))!;
    const imgName = e.files.find((f) => /\.img(\.gz)?$/.test(f))!;
    const K = CLASSES[cls as keyof typeof CLASSES];
    const run = K.fromSources({ name: hdrName, header: new BufferSource(plain(hdrName)), image: new BufferSource(plain(imgName)) });
    if (want.outcome.outcome !== 'ok') {
      await expect(run).rejects.toBeDefined();
      return;
    }
    await checkAgainst((await run) as never, want, `${e.id} as ${cls}`);
  });
});

describe.each(entries.filter((e) => e.group === 'bad'))('bad pair $id', (e) => {
  it('gives its typed error', async () => {
    const expected = e.expect as { error: string; code: string | null };
    const missing = (e.missing as string[] | null) ?? [];
    const files = e.files.filter((f) => !missing.includes(f)).map((f) => new File([bytesOf(f) as BlobPart], f));
    const err = await (async () => {
      const imgs = await loadFiles(files);
      for (const img of imgs) await img.getFdata();
    })().then(
      () => null,
      (x: unknown) => x as { name: string; code?: string },
    );
    expect(err, 'no error').not.toBeNull();
    expect(err!.name).toBe(expected.error);
    if (expected.code) expect(err!.code).toBe(expected.code);
  });
});

describe('SPM99 slope', () => {
  it('getFdata() and dataobj.get() agree on the float32 slope', async () => {
    const e = readable.find((x) => (x.as as Record<string, AsClass>).Spm99AnalyzeImage?.proxy_slope === 0.10000000149011612)!;
    const hdrName = e.files.find((f) => /\.hdr/.test(f))!;
    const imgName = e.files.find((f) => /\.img/.test(f))!;
    const img = await Spm99AnalyzeImage.fromSources({ name: hdrName, header: new BufferSource(plain(hdrName)), image: new BufferSource(plain(imgName)) });
    const whole = await img.getData();
    const slab = await img.dataobj.get([]);
    expect(whole.dtype).toBe(slab.dtype);
    expect(Array.from(whole.data as Float32Array)).toEqual(Array.from(slab.data as Float32Array));
  });
});

describe('writing pairs', () => {
  it('an SPM2 image read and written back reads the same', async () => {
    const e = readable.find((x) => x.group === 'scaling')!;
    const files = e.files.map((f) => new File([bytesOf(f) as BlobPart], f));
    const [img] = await loadFiles(files);
    const { hdr, img: data } = await (img as Spm2AnalyzeImage).toBytes();
    const back = await Spm2AnalyzeImage.fromSources({ name: 'x.hdr', header: new BufferSource(hdr), image: new BufferSource(data) });
    const a = await img!.getFdata();
    const b = await back.getFdata();
    // Written as int16 with nibabel's slope: values come back within half a step.
    const step = (back.dataobj as { slope: number }).slope;
    a.data.forEach((v, i) => expect(Math.abs((b.data[i] as number) - (v as number))).toBeLessThanOrEqual(step / 2 + 1e-6 * Math.abs(v as number)));
    close(back.affine!, img!.affine!);
  });

  it('plain Analyze refuses data that would need scaling', async () => {
    const arr = new NDArray(Float64Array.from({ length: 24 }, (_, i) => i / 7), [2, 3, 4]);
    const img = new AnalyzeImage(arr, null, null, { dtype: 'int16' });
    await expect(img.toBytes()).rejects.toMatchObject({ name: 'ImageDataError', code: 'SCALING_NEEDED' });
  });
});
