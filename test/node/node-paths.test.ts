// load(path) and loadFiles(paths) in Node (issue 10): committed fixtures read from their paths
// give what the same bytes give; a header load or a slice of a large file reads few bytes
// (counted at FileHandle.read); handles close when idle and never pile up; a lone .hdr or .img
// path finds its partner (and SPM's .mat) on disk as nibabel's load does; typed errors for a
// missing file, a missing partner and a changed file; abort; relative, ~ and file: paths.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImageFileError, NodeFileSource, asArray, isNibabelError, isProxy, load, loadFiles, loadHeader } from '../../src/index';
import type { LoadedImage } from '../../src/index';
import { isNodePath, partnerNames } from '../../src/io/node-paths';
import { makeNifti, makeNiftiGz, phantomInt16 } from '../shared/make-nifti';
import conformance from '../fixtures/conformance/manifest.json';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test', 'fixtures');
const conf = (f: string) => join(fixtures, 'conformance', f);
const ana = (f: string) => join(fixtures, 'analyze', f);
const bytes = (p: string) => new Uint8Array(readFileSync(p));
const fileOf = (p: string) => new File([bytes(p)], p.split('/').pop()!);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nibweb-paths-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Descriptors of this process open on files under `dir` (Linux), or null elsewhere. */
function openFds(dir: string): number | null {
  if (!existsSync('/proc/self/fd')) return null;
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Waits until no descriptor is open under `dir` (the idle close is a timer and an async close). */
async function settled(dir: string): Promise<number | null> {
  for (let i = 0; i < 100; i++) {
    const n = openFds(dir);
    if (n === null || n === 0) return n;
    await new Promise((r) => setTimeout(r, 10));
  }
  return openFds(dir);
}

/** Counts the positioned reads every FileHandle makes from now on: calls, bytes, the furthest byte, opens. */
async function spyReads(): Promise<{ calls: number; bytes: number; end: number; opens: number }> {
  const fh = await open(fileURLToPath(import.meta.url));
  const proto = Object.getPrototypeOf(fh) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }>; stat: (...a: unknown[]) => unknown };
  await fh.close();
  const count = { calls: 0, bytes: 0, end: 0, opens: 0 };
  const read = proto.read;
  vi.spyOn(proto, 'read').mockImplementation(async function (this: unknown, ...args: unknown[]) {
    const r = await read.apply(this, args);
    count.calls++;
    count.bytes += r.bytesRead;
    count.end = Math.max(count.end, Number(args[3]) + r.bytesRead);
    return r;
  });
  // Every open (fromPath and reopen) stats its handle once.
  const stat = proto.stat;
  vi.spyOn(proto, 'stat').mockImplementation(function (this: unknown, ...args: unknown[]) {
    count.opens++;
    return stat.apply(this, args);
  });
  return count;
}

async function expectSameImage(a: LoadedImage, b: LoadedImage): Promise<void> {
  expect(a.constructor.name).toBe(b.constructor.name);
  expect(a.shape).toEqual(b.shape);
  expect(a.affine).toEqual(b.affine);
  const [x, y] = [await asArray(a.dataobj), await asArray(b.dataobj)];
  expect(x.dtype).toBe(y.dtype);
  expect(x.data).toEqual(y.data);
}

async function outcome<T>(p: Promise<T>): Promise<{ ok: T } | { err: string }> {
  try {
    return { ok: await p };
  } catch (e) {
    return { err: `${(e as Error).name}:${(e as { code?: string }).code ?? ''}` };
  }
}

describe('what is a path', () => {
  it('in Node, any string but an http(s)/blob/data URL, and file: URLs', () => {
    for (const p of ['x.nii', './a/b.nii.gz', '/abs/x.mgz', 'C:\\data\\x.nii', 'file:///x.nii', '~/x.nii']) expect(isNodePath(p), p).toBe(true);
    for (const u of ['http://h/x.nii', 'HTTPS://h/x.nii', 'blob:http://h/1', 'data:,x']) expect(isNodePath(u), u).toBe(false);
    expect(isNodePath(new URL('file:///x.nii'))).toBe(true);
    expect(isNodePath(new URL('https://h/x.nii'))).toBe(false);
  });

  it('an http URL string still goes to HTTP, not the filesystem', async () => {
    const err = (await load('http://127.0.0.1:9/x.nii').catch((e: unknown) => e)) as ImageFileError;
    expect(err).toBeInstanceOf(ImageFileError);
    expect(err.code).toBe('HTTP_FETCH');
  });

  it('partner names: nibabel’s first (same case, same .gz), then the other case and compression', () => {
    expect(partnerNames('x.hdr', '.img')).toEqual(['x.img', 'x.IMG', 'x.img.gz', 'x.IMG.gz']);
    expect(partnerNames('x.HDR', '.img')).toEqual(['x.IMG', 'x.img', 'x.IMG.GZ', 'x.img.GZ']);
    expect(partnerNames('x.hdr.gz', '.mat')).toEqual(['x.mat.gz', 'x.MAT.gz', 'x.mat', 'x.MAT']);
  });
});

describe('committed fixtures from their paths = the same bytes in memory', () => {
  const entries = conformance as { id: string; files: string[] }[];
  it.each(entries.map((e) => [e.id, e.files] as const))('%s', async (_id, files) => {
    const [first] = files;
    const fromPath = await outcome(load(conf(first!)));
    const fromBytes = await outcome(files.length === 1 ? load(bytes(conf(first!)), { name: first }) : loadFiles(files.map((f) => fileOf(conf(f)))).then((r) => r[0]!));
    if ('err' in fromBytes || 'err' in fromPath) {
      expect(fromPath).toEqual(fromBytes);
      return;
    }
    expect(isProxy(fromPath.ok.dataobj)).toBe(true);
    await expectSameImage(fromPath.ok, fromBytes.ok);
  });

  it('an Analyze pair, a gzipped SPM pair with its .mat.gz, and MGH/MGZ', async () => {
    for (const stem of ['spm2-int16-le-3d', 'spm99-float32-be-4d']) {
      await expectSameImage(await load(ana(`${stem}.hdr`)), (await loadFiles([fileOf(ana(`${stem}.hdr`)), fileOf(ana(`${stem}.img`))]))[0]!);
    }
    const gz = ['w-spm99-gz.hdr.gz', 'w-spm99-gz.img.gz', 'w-spm99-gz.mat.gz'];
    await expectSameImage(await load(ana(gz[0]!)), (await loadFiles(gz.map((f) => fileOf(ana(f)))))[0]!);
    for (const f of ['int16-3d-mgz.mgz', 'float32-4d-mgz.mgz', 'float32-3d-mgh.mgh']) {
      const p = join(fixtures, 'mgh', f);
      await expectSameImage(await load(p), await load(bytes(p), { name: f }));
    }
  });
});

describe('a large file: only what is needed is read', () => {
  const shape = [256, 256, 128]; // 16 MiB of int16
  const data = phantomInt16(shape, 3);
  let nii: string;
  let niigz: string;
  beforeAll(() => {
    nii = join(tmp, 'big.nii');
    niigz = join(tmp, 'big.nii.gz');
    writeFileSync(nii, makeNifti(data, shape));
    writeFileSync(niigz, makeNiftiGz(data, shape));
  });

  it('a .nii header load reads the 64 KiB cache block at the start, once', async () => {
    const count = await spyReads();
    const img = await load(nii);
    expect(img.shape).toEqual(shape);
    // Block 0 of the cache, which also answers the gzip probe; one open for the whole burst.
    expect(count.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(count.calls).toBe(1);
    expect(count.opens).toBe(1);
    console.log(`header load of a ${(16 * 2 ** 20 + 352) / 2 ** 20} MiB .nii: ${count.calls} reads, ${count.bytes} bytes`);
  });

  it('a .nii.gz header load reads only the start of the compressed stream', async () => {
    const size = readFileSync(niigz).byteLength;
    const count = await spyReads();
    const img = await loadHeader(niigz);
    expect(img.getDataShape()).toEqual(shape);
    // Nothing past the first 64 KiB chunk, read once: it is block 0 of the cache the gzip
    // probe went through, where the sniff, header and extension reads find it.
    expect(count.end).toBeLessThanOrEqual(64 * 1024);
    expect(count.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(size).toBeGreaterThan(10 * count.end);
    console.log(`header load of a ${size}-byte .nii.gz: ${count.calls} reads, ${count.bytes} bytes, none past byte ${count.end}`);
    Object.assign(count, { bytes: 0, end: 0 });
    await load(niigz);
    expect(count.end).toBeLessThanOrEqual(64 * 1024);
  });

  it('an axial slice reads that slice; a sagittal one its rows, not the file', async () => {
    const img = await load(nii);
    const count = await spyReads();
    const sl = await img.dataobj.get([null, null, 40]);
    expect(sl.get(3, 5)).toBe(data[40 * 256 * 256 + 5 * 256 + 3]);
    expect(count.bytes).toBeGreaterThanOrEqual(256 * 256 * 2);
    expect(count.bytes).toBeLessThanOrEqual(256 * 256 * 2 + 2 * 64 * 1024);
    count.bytes = 0;
    const x = await img.dataobj.get([7, null, null]);
    expect(x.get(5, 9)).toBe(data[9 * 256 * 256 + 5 * 256 + 7]);
    expect(count.bytes).toBeLessThan(16 * 2 ** 20);
  });

  it('the whole array matches the bytes, from .nii and .nii.gz', async () => {
    for (const p of [nii, niigz]) {
      const arr = await asArray((await load(p)).dataobj);
      expect(arr.dtype).toBe('int16');
      // Compared as bytes: a deep toEqual of 8 M elements takes minutes.
      expect(Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength).equals(Buffer.from(data.buffer))).toBe(true);
    }
  });
});

describe('handles', () => {
  it('close when idle: 300 loaded images hold no descriptor, before or after reading slices', async () => {
    const p = conf('float32-le-noscale-n1-niigz-3d.nii.gz');
    const dir = join(fixtures, 'conformance');
    const images: LoadedImage[] = [];
    for (let i = 0; i < 300; i++) images.push(await load(p));
    expect(await settled(dir)).not.toBeGreaterThan(0);
    await Promise.all(images.map((img) => img.dataobj.get([null, null, 0])));
    expect(await settled(dir)).not.toBeGreaterThan(0);
  });

  it('one descriptor per burst; close() closes now; a later read reopens', async () => {
    const p = join(tmp, 'burst.nii');
    writeFileSync(p, makeNifti(new Int16Array(64), [4, 4, 4]));
    const count = await spyReads();
    const src = await NodeFileSource.fromPath(p);
    expect(src.size).toBe(352 + 128);
    expect(src.path).toBe(p);
    await Promise.all([src.read(0, 4), src.read(100, 8), src.read(352, 128)]);
    expect(count.opens).toBe(1);
    expect(src.isOpen).toBe(true);
    expect(openFds(tmp)).not.toBe(0);
    await src.close();
    expect(src.isOpen).toBe(false);
    expect(openFds(tmp)).not.toBeGreaterThan(0);
    expect(await src.read(344, 4)).toEqual(new Uint8Array([0x6e, 0x2b, 0x31, 0]));
    expect(count.opens).toBe(2);
    expect(await settled(tmp)).not.toBeGreaterThan(0);
    expect(src.isOpen).toBe(false);
  });

  it('reads are clipped at the end and readInto fills the given memory', async () => {
    const p = join(tmp, 'clip.bin');
    writeFileSync(p, Uint8Array.from({ length: 100 }, (_, i) => i));
    const src = await NodeFileSource.fromPath(p);
    expect(await src.read(95, 10)).toEqual(Uint8Array.from([95, 96, 97, 98, 99]));
    expect((await src.read(200, 10)).byteLength).toBe(0);
    const view = new Uint8Array(8);
    const got = await src.readInto(10, view);
    expect(got.buffer).toBe(view.buffer);
    expect([...got]).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    await expect(src.read(-1, 2)).rejects.toThrow(RangeError);
  });
});

describe('pairs on disk (nibabel types_filenames)', () => {
  it('a lone .hdr path finds its .img, and an .img its .hdr; loadHeader reads the .hdr', async () => {
    const stem = 'spm2-float32-le-3d';
    const want = (await loadFiles([fileOf(ana(`${stem}.hdr`)), fileOf(ana(`${stem}.img`))]))[0]!;
    await expectSameImage(await load(ana(`${stem}.hdr`)), want);
    await expectSameImage(await load(ana(`${stem}.img`)), want);
    await expectSameImage((await loadFiles([ana(`${stem}.hdr`)]))[0]!, want);
    await expectSameImage((await loadFiles([ana(`${stem}.img`)]))[0]!, want);
    expect((await loadHeader(ana(`${stem}.img`))).getDataShape()).toEqual(want.shape);
    expect((await loadHeader(ana(`${stem}.hdr`))).getDataShape()).toEqual(want.shape);
  });

  it("SPM's .mat beside the pair is read, as nibabel does", async () => {
    const stem = 'w-spm99-affine-mat';
    const withMat = (await loadFiles(['hdr', 'img', 'mat'].map((e) => fileOf(ana(`${stem}.${e}`)))))[0]!;
    const without = (await loadFiles(['hdr', 'img'].map((e) => fileOf(ana(`${stem}.${e}`)))))[0]!;
    expect(withMat.affine).not.toEqual(without.affine);
    expect((await load(ana(`${stem}.hdr`))).affine).toEqual(withMat.affine);
  });

  it('upper-case and gzipped partners', async () => {
    const dir = mkdtempSync(join(tmp, 'case-'));
    writeFileSync(join(dir, 'A.HDR'), bytes(ana('spm2-int16-le-3d.hdr')));
    writeFileSync(join(dir, 'A.IMG'), bytes(ana('spm2-int16-le-3d.img')));
    writeFileSync(join(dir, 'b.hdr'), bytes(ana('spm2-int16-le-3d.hdr')));
    writeFileSync(join(dir, 'b.IMG'), bytes(ana('spm2-int16-le-3d.img')));
    writeFileSync(join(dir, 'c.hdr'), bytes(ana('spm2-int16-le-3d.hdr')));
    writeFileSync(join(dir, 'c.img.gz'), gzipSync(bytes(ana('spm2-int16-le-3d.img'))));
    const want = await load(ana('spm2-int16-le-3d.hdr'));
    for (const f of ['A.HDR', 'A.IMG', 'b.hdr', 'c.hdr']) await expectSameImage(await load(join(dir, f)), want);
  });

  it('a missing partner is MISSING_PAIR_MEMBER naming the path and the names looked for', async () => {
    const dir = mkdtempSync(join(tmp, 'half-'));
    writeFileSync(join(dir, 'lone.hdr'), bytes(ana('spm2-int16-le-3d.hdr')));
    const err = (await load(join(dir, 'lone.hdr')).catch((e: unknown) => e)) as ImageFileError;
    expect(isNibabelError(err, 'ImageFileError')).toBe(true);
    expect(err.code).toBe('MISSING_PAIR_MEMBER');
    expect(err.message).toContain(join(dir, 'lone.hdr'));
    expect(err.message).toContain('lone.img');
    const seen: string[] = [];
    const out = await loadFiles([join(dir, 'lone.hdr'), conf('float32-le-noscale-n1-niigz-3d.nii.gz')], {
      onError: (e, g) => seen.push(`${g.name}:${(e as ImageFileError).code}:${'path' in g.files[0]! ? g.files[0].path : ''}`),
    });
    expect(out).toHaveLength(1);
    expect(seen).toEqual([`lone.hdr:MISSING_PAIR_MEMBER:${join(dir, 'lone.hdr')}`]);
  });

  it('loadFiles pairs paths within a directory only, in the order given', async () => {
    const a = mkdtempSync(join(tmp, 'dir-a-'));
    const b = mkdtempSync(join(tmp, 'dir-b-'));
    writeFileSync(join(a, 'x.hdr'), bytes(ana('spm2-int16-le-3d.hdr')));
    writeFileSync(join(a, 'x.img'), bytes(ana('spm2-int16-le-3d.img')));
    writeFileSync(join(b, 'x.hdr'), bytes(ana('spm2-float32-le-3d.hdr')));
    writeFileSync(join(b, 'x.img'), bytes(ana('spm2-float32-le-3d.img')));
    const mgz = join(fixtures, 'mgh', 'int16-3d-mgz.mgz');
    const imgs = await loadFiles([join(a, 'x.hdr'), mgz, join(b, 'x.img'), join(a, 'x.img')]);
    expect(imgs.map((i) => i.constructor.name)).toEqual(['Spm2AnalyzeImage', 'MGHImage', 'Spm2AnalyzeImage']);
    expect(imgs[0]!.header.getDataDtype()).toBe('int16');
    expect(imgs[2]!.header.getDataDtype()).toBe('float32');
  });
});

describe('errors, abort and path forms', () => {
  it('a missing file is FILE_NOT_FOUND naming the path; a directory NOT_A_FILE', async () => {
    const missing = join(tmp, 'nope', 'sub-01_T1w.nii.gz');
    for (const call of [() => load(missing), () => loadHeader(missing), () => loadFiles([missing]), () => NodeFileSource.fromPath(missing)]) {
      const err = (await call().catch((e: unknown) => e)) as ImageFileError;
      expect(err).toBeInstanceOf(ImageFileError);
      expect(err.code).toBe('FILE_NOT_FOUND');
      expect(err.message).toContain(missing);
      expect((err.cause as { code?: string }).code).toBe('ENOENT');
    }
    const err = (await load(tmp).catch((e: unknown) => e)) as ImageFileError;
    expect(err.code).toBe('NOT_A_FILE');
  });

  it('a file changed on disk since loading is FILE_CHANGED at its next read, not mixed bytes', async () => {
    const p = join(tmp, 'changing.nii');
    // Larger than the 64 KiB block the header load caches, so the data read reopens the file.
    writeFileSync(p, makeNifti(new Int16Array(64 * 64 * 64).fill(3), [64, 64, 64]));
    const img = await load(p);
    await settled(tmp);
    writeFileSync(p, makeNifti(new Int16Array(64 * 64 * 65).fill(4), [64, 64, 65]));
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    const err = (await asArray(img.dataobj).catch((e: unknown) => e)) as ImageFileError;
    expect(err).toBeInstanceOf(ImageFileError);
    expect(err.code).toBe('FILE_CHANGED');
  });

  it('abort: before, during a load, and during a read; nothing stays open', async () => {
    const p = join(tmp, 'abort.nii.gz');
    const shape = [128, 128, 64];
    writeFileSync(p, makeNiftiGz(phantomInt16(shape, 9), shape));
    const aborted = AbortSignal.abort();
    await expect(load(p, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(NodeFileSource.fromPath(p, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
    const c1 = new AbortController();
    const loading = load(p, { signal: c1.signal });
    c1.abort();
    await expect(loading).rejects.toMatchObject({ name: 'AbortError' });
    const src = await NodeFileSource.fromPath(p);
    const c2 = new AbortController();
    const reading = src.read(0, src.size, { signal: c2.signal });
    c2.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    const img = await load(p);
    const c3 = new AbortController();
    const data = img.getFdata({ signal: c3.signal });
    setTimeout(() => c3.abort(), 1);
    await data.catch(() => undefined); // may finish first on a fast machine
    expect(await settled(tmp)).not.toBeGreaterThan(0);
    expect((await asArray(img.dataobj)).shape).toEqual(shape);
  });

  it('relative paths resolve against process.cwd(); ~ is the home directory; file: URLs work', async () => {
    const want = await load(bytes(conf('float32-le-noscale-n1-niigz-3d.nii.gz')), { name: 'x.nii.gz' });
    await expectSameImage(await load(relative(process.cwd(), conf('float32-le-noscale-n1-niigz-3d.nii.gz'))), want);
    const sub = join(tmp, 'cwd');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'sub-01_T1w.nii.gz'), bytes(conf('float32-le-noscale-n1-niigz-3d.nii.gz')));
    const cwd = process.cwd();
    try {
      process.chdir(sub);
      await expectSameImage(await load('sub-01_T1w.nii.gz'), want);
      await expectSameImage((await loadFiles(['./sub-01_T1w.nii.gz']))[0]!, want);
    } finally {
      process.chdir(cwd);
    }
    const home = process.env.HOME;
    try {
      process.env.HOME = tmp;
      await expectSameImage(await load('~/cwd/sub-01_T1w.nii.gz'), want);
    } finally {
      process.env.HOME = home;
    }
    await expectSameImage(await load(pathToFileURL(join(sub, 'sub-01_T1w.nii.gz'))), want);
    await expectSameImage(await load(pathToFileURL(join(sub, 'sub-01_T1w.nii.gz')).href), want);
  });
});
