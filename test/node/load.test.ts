// load(): only the header is read — for a .nii.gz only the first compressed bytes are
// inflated — and slices read only what they need; whole reads go through the WASM path.
import { describe, expect, it } from 'vitest';
import { BufferSource, ImageDataError, ImageFileError, NDArray, Nifti1Image, isProxy, load, loadFiles } from '../../src/index';
import { makeNifti, makeNiftiGz, phantomInt16 } from '../shared/make-nifti';
import { RecordingSource } from '../shared/recording-source';

const shape = [128, 128, 64]; // 2 MiB of int16
const data = phantomInt16(shape, 5);

describe('load reads only what it needs', () => {
  it('a .nii.gz header load inflates only the start of the stream', async () => {
    const gz = makeNiftiGz(data, shape);
    const rec = new RecordingSource(new BufferSource(gz));
    const img = await load(rec, { name: 'big.nii.gz' });
    expect(isProxy(img.dataobj)).toBe(true);
    expect(img.shape).toEqual(shape);
    const read = Math.max(...rec.reads.map((r) => r.offset + r.length));
    expect(read).toBeLessThanOrEqual(64 * 1024);
    expect(gz.length).toBeGreaterThan(4 * read);
  });

  it('a .nii header load reads only the header', async () => {
    const rec = new RecordingSource(new BufferSource(makeNifti(data, shape)));
    await load(rec, { name: 'big.nii' });
    const bytes = rec.reads.reduce((a, r) => a + r.length, 0);
    expect(bytes).toBeLessThanOrEqual(64 * 1024 + 3);
  });

  it('an axial slice of a .nii reads that slice, rounded to the 64 KiB cache blocks', async () => {
    const rec = new RecordingSource(new BufferSource(makeNifti(data, shape)));
    const img = await load(rec, { name: 'big.nii' });
    const before = rec.reads.length;
    const sl = await img.dataobj.get([null, null, 40]);
    expect(sl.shape).toEqual([128, 128]);
    expect(sl.get(3, 5)).toBe(data[40 * 128 * 128 + 5 * 128 + 3]);
    const reads = rec.reads.slice(before);
    expect(reads).toHaveLength(1);
    const [r] = reads;
    const start = 352 + 40 * 128 * 128 * 2;
    expect(r.offset).toBeLessThanOrEqual(start);
    expect(r.offset + r.length).toBeGreaterThanOrEqual(start + 128 * 128 * 2);
    expect(r.length).toBeLessThanOrEqual(128 * 128 * 2 + 64 * 1024);
  });

  it('a slice of a .nii.gz stops inflating once its bytes are out', async () => {
    const gz = makeNiftiGz(data, shape);
    const rec = new RecordingSource(new BufferSource(gz));
    const img = await load(rec, { name: 'big.nii.gz' });
    const sl = await img.dataobj.get([null, null, 2]);
    expect(sl.get(7, 9)).toBe(data[2 * 128 * 128 + 9 * 128 + 7]);
    const read = Math.max(...rec.reads.map((r) => r.offset + r.length));
    expect(read).toBeLessThan(gz.length / 2);
  });

  it('the whole array is read and scaled through WebAssembly memory', async () => {
    const img = await load(makeNiftiGz(data, shape, { slope: 2, inter: 1 }), { name: 'w.nii.gz' });
    const f = await img.getFdata({ dtype: 'float32' });
    expect(f.data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(f.data.buffer.byteLength).toBeGreaterThan(f.data.byteLength); // a view of a memory
    expect(f.get(10, 20, 30)).toBe(data[30 * 128 * 128 + 20 * 128 + 10] * 2 + 1);
  });
});

describe('load: names and pairs', () => {
  it('a lone .hdr asks for its .img', async () => {
    const err = await load(new Uint8Array(348), { name: 'x.hdr' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageFileError);
    expect((err as ImageFileError).code).toBe('MISSING_PAIR_MEMBER');
  });

  it('says what a non-image looks like', async () => {
    const png = new Uint8Array(600);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const err = (await load(png, { name: 'photo.nii' }).catch((e: unknown) => e)) as ImageFileError;
    expect(err.code).toBe('NOT_NIFTI');
    expect(err.message).toMatch(/PNG/);
    const mgh = new Uint8Array(300);
    mgh.set([0, 0, 0, 1, 0, 0, 0, 64, 0, 0, 0, 64, 0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0, 3]);
    // An MGH header now loads (header only); its short data fail on the first read.
    const mghImg = await load(mgh, { name: 'brain.mgh' });
    expect(mghImg.constructor.name).toBe('MGHImage');
    expect(mghImg.shape).toEqual([64, 64, 32]);
    expect(((await mghImg.getFdata().catch((e: unknown) => e)) as ImageDataError).code).toBe('DATA_TRUNCATED');
    const text = new TextEncoder().encode('hello world, this is not a brain\n'.repeat(20));
    expect(((await load(text, { name: 'a.nii' }).catch((e: unknown) => e)) as Error).message).toMatch(/text file/);
  });

  it('loadFiles pairs .hdr with .img whatever the order and case', async () => {
    const nii = makeNifti(data, shape);
    const hdr = nii.slice(0, 348);
    hdr.set([0x6e, 0x69, 0x31, 0], 344); // ni1
    new DataView(hdr.buffer).setFloat32(108, 0, true);
    const files = [new File([nii.slice(352)], 'BRAIN.IMG'), new File([hdr], 'brain.hdr')];
    const [img] = await loadFiles(files);
    expect(img.constructor.name).toBe('Nifti1Pair');
    expect((await img.dataobj.get([5, 6, 7])).get()).toBe(data[7 * 128 * 128 + 6 * 128 + 5]);
  });
});

describe('onProgress', () => {
  // 64×64×40×3 int16: 983,040 bytes of data behind a 352-byte header.
  const shape = [64, 64, 40, 3];
  const arr = new NDArray(Int16Array.from({ length: 64 * 64 * 40 * 3 }, (_, i) => (i * 7) % 3000), shape);
  const made = async (gzip: boolean) => new Uint8Array(await ((await new Nifti1Image(arr, null).toBlob({ gzip })) as Blob).arrayBuffer());

  for (const gzip of [false, true]) {
    it(`reports the reads of a ${gzip ? '.nii.gz' : '.nii'} up to its end, on getFdata`, async () => {
      const bytes = await made(gzip);
      const seen: { loaded: number; total: number }[] = [];
      const img = await load(new File([bytes], gzip ? 'p.nii.gz' : 'p.nii'), { onProgress: (p) => seen.push(p) });
      const before = seen.length;
      const f = await img.getFdata();
      expect(f.data[f.data.length - 1]).toBe(arr.data[arr.data.length - 1]);
      const during = seen.slice(before);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((p) => p.total === bytes.byteLength)).toBe(true);
      expect(during.at(-1)!.loaded).toBe(bytes.byteLength);
      for (let i = 1; i < during.length; i++) expect(during[i]!.loaded).toBeGreaterThanOrEqual(during[i - 1]!.loaded);
    });
  }
});
