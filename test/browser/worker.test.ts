// Decoding in workers (issue 11): `load(file, { worker })` gives the same image semantics as
// the main thread — proxy, cache identity, uncache, dtype replacement, asArray, reorientation —
// with the whole-array decode in a decode worker; progress and abort pass through, and errors
// come back as the same typed errors. The conformance suite runs through a worker in
// conformance-worker.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import {
  DecompressionError,
  GzipSource,
  ImageDataError,
  UnsupportedError,
  asArray,
  asClosestCanonical,
  createWorkerPool,
  MGHImage,
  NDArray,
  isProxy,
  load,
} from '../../src/index';
import { makeNifti, makeNiftiGz, phantomInt16 } from '../shared/make-nifti';

const shape = [64, 64, 40]; // 320 KiB of int16: above the pool's default 256 KiB threshold
const data = phantomInt16(shape, 7);
const gz = makeNiftiGz(data, shape, { slope: 2.5, inter: -10 });
const plain = makeNifti(data, shape, { slope: 2.5, inter: -10 });
const file = (bytes: Uint8Array, name: string): File => new File([bytes as BlobPart], name);

const pool = createWorkerPool({ size: 1 });
afterAll(() => pool.terminate());

function equalArrays(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('load(file, { worker })', () => {
  it('a large .mgz, whose load already decoded its data, is converted here, not inflated again in the worker', async () => {
    const n = 64 * 64 * 40;
    const values = Int16Array.from({ length: n }, (_, i) => (i % 4000) - 2000);
    const mgz = (await new MGHImage(new NDArray(values, shape), null).toBlob({ name: 'b.mgz' })) as Blob;
    const img = await load(new File([mgz], 'b.mgz'), { worker: pool });
    const f = await img.getFdata({ dtype: 'float32' });
    expect(equalArrays(f.data as Float32Array, Float32Array.from(values))).toBe(true);
    // the arena the load decoded into (8 bytes a voxel), not a buffer transferred from a worker
    expect(f.data.buffer.byteLength).toBeGreaterThanOrEqual(8 * n);
    // its hold used, another dtype goes to the worker
    const f64 = await img.getFdata({ dtype: 'float64' });
    expect(f64.data.buffer.byteLength).toBe(f64.data.byteLength);
    expect(equalArrays(f64.data as Float64Array, Float64Array.from(values))).toBe(true);
  });

  it('getFdata decodes in the worker, equal to the main thread, cached as nibabel caches', async () => {
    const here = await load(file(gz, 'a.nii.gz'));
    const want = await here.getFdata();
    const img = await load(file(gz, 'a.nii.gz'), { worker: pool });
    expect(isProxy(img.dataobj)).toBe(true);
    const f = await img.getFdata();
    expect(pool.started).toBe(1);
    expect(f.dtype).toBe('float64');
    expect(f.shape).toEqual(shape);
    expect(f.strides).toEqual(want.strides);
    // a transferred buffer of its own, not a view of a (larger) WebAssembly memory
    expect(f.data.buffer.byteLength).toBe(f.data.byteLength);
    expect(equalArrays(f.data as Float64Array, want.data as Float64Array)).toBe(true);
    expect(await img.getFdata()).toBe(f);
    expect(img.inMemory).toBe(true);
    const f32 = await img.getFdata({ dtype: 'float32' });
    expect(f32.dtype).toBe('float32');
    expect(await img.getFdata({ dtype: 'float32' })).toBe(f32);
    img.uncache();
    expect(img.inMemory).toBe(false);
    const again = await img.getFdata({ dtype: 'float32' });
    expect(again).not.toBe(f32);
    expect(equalArrays(again.data as Float32Array, f32.data as Float32Array)).toBe(true);
    // an array handed out stays valid after uncache and further decodes
    expect(f.data.length).toBe(64 * 64 * 40);
  });

  it('getData and asArray: the on-disk dtype unscaled, float64 scaled; uncompressed files too', async () => {
    const unscaled = makeNifti(data, shape);
    const img = await load(file(unscaled, 'u.nii'), { worker: pool });
    const d = await img.getData();
    expect(d.dtype).toBe('int16');
    expect(equalArrays(d.data as Int16Array, data)).toBe(true);
    expect(await img.getData()).toBe(d);
    const scaled = await load(file(plain, 's.nii'), { worker: pool });
    const a = await asArray(scaled.dataobj);
    expect(a.dtype).toBe('float64');
    expect((a.data as Float64Array)[1234]).toBe(data[1234]! * 2.5 - 10);
  });

  it('bytes and a slice: bytes go to the worker, slices stay on the main thread', async () => {
    const img = await load(gz, { name: 'b.nii.gz', worker: pool });
    const sl = await img.dataobj.get([null, null, 20]);
    expect(sl.shape).toEqual([64, 64]);
    const f = await img.getFdata({ dtype: 'float32' });
    expect((f.data as Float32Array)[20 * 64 * 64 + 5]).toBe((sl.data as Float64Array)[5]);
  });

  it('the worker\'s pass leaves its seek points with the image: slices after uncache() resume from them', async () => {
    const big = [64, 64, 40, 6]; // 1.9 MiB of int16: one seek point a MiB
    const values = phantomInt16(big, 11);
    const bytes = makeNiftiGz(values, big);
    const img = await load(file(bytes, 'run.nii.gz'), { worker: pool });
    const src = img.dataobj.source as GzipSource;
    expect(src).toBeInstanceOf(GzipSource);
    expect([src.index.size, src.size]).toEqual([0, undefined]);
    await img.getFdata({ dtype: 'float32' });
    img.uncache();
    const raw = values.length * 2 + 352;
    expect(src.size).toBe(raw);
    expect(src.index.size).toBe(Math.floor((raw - 1) / (1 << 20)));
    expect(src.index.nearest(raw - 1).out).toBe(1 << 20);
    const sl = await img.dataobj.get([null, null, 39, 5]);
    const at = 5 * 64 * 64 * 40 + 39 * 64 * 64;
    expect(equalArrays(sl.data as Int16Array, values.subarray(at, at + 64 * 64))).toBe(true);
  });

  it('a reoriented proxy image stays a proxy and reads reoriented through the worker', async () => {
    const img = await load(file(gz, 'r.nii.gz'), { worker: pool });
    img.affine = [[-1, 0, 0, 63], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]];
    const here = asClosestCanonical(await load(file(gz, 'r.nii.gz')).then((i) => ((i.affine = img.affine), i)));
    const there = asClosestCanonical(img);
    expect(isProxy(there.dataobj)).toBe(true);
    const a = await there.getFdata();
    const b = await here.getFdata();
    expect(a.shape).toEqual(b.shape);
    for (const ix of [[0, 0, 0], [5, 17, 33], [63, 39, 63]]) expect(a.get(...ix)).toBe(b.get(...ix));
  });

  it('onProgress hears the worker', async () => {
    const seen: { loaded: number; total: number }[] = [];
    const img = await load(file(gz, 'p.nii.gz'), { worker: pool, onProgress: (p) => seen.push(p) });
    const before = seen.length;
    await img.getFdata();
    expect(seen.length).toBeGreaterThan(before);
    const last = seen.at(-1)!;
    expect(last.loaded).toBeGreaterThan(0);
    expect(last.total).toBe(gz.byteLength);
  });

  it('abort: rejects with AbortError, leaves the cache alone, and the pool keeps working', async () => {
    const img = await load(file(gz, 'x.nii.gz'), { worker: pool });
    const f32 = await img.getFdata({ dtype: 'float32' });
    const ctl = new AbortController();
    const p = img.getFdata({ signal: ctl.signal });
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(await img.getFdata({ dtype: 'float32' })).toBe(f32);
    const pre = new AbortController();
    pre.abort();
    await expect(img.getFdata({ signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });
    // aborted while the worker decodes (at its first progress report)
    const late = new AbortController();
    const busy = await load(file(gz, 'y.nii.gz'), { worker: pool, onProgress: () => late.abort() });
    await expect(busy.getFdata({ signal: late.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(busy.inMemory).toBe(false);
    const f = await img.getFdata();
    expect(f.shape).toEqual(shape);
    expect(pool.usable).toBe(true);
    expect(pool.pending).toBe(0);
  });

  it('errors in the worker come back typed, as on the main thread', async () => {
    const broken = gz.slice();
    for (let i = 2000; i < 2400; i++) broken[i] ^= 0x5a;
    const here = await load(file(broken, 'c.nii.gz')).then((i) => i.getFdata()).catch((e: unknown) => e);
    const there = await load(file(broken, 'c.nii.gz'), { worker: pool }).then((i) => i.getFdata()).catch((e: unknown) => e);
    expect(there).toBeInstanceOf(DecompressionError);
    expect(here).toBeInstanceOf(DecompressionError);
    expect((there as DecompressionError).code).toBe((here as DecompressionError).code);
    expect((there as DecompressionError).offset).toBe((here as DecompressionError).offset);

    const short = plain.slice(0, plain.byteLength - 1000);
    const img = await load(file(short, 't.nii'), { worker: pool });
    await expect(img.getFdata()).rejects.toSatisfy((e) => e instanceof ImageDataError && e.code === 'DATA_TRUNCATED');
    const cut = gz.slice(0, Math.floor(gz.byteLength * 0.8));
    const imgz = await load(file(cut, 't.nii.gz'), { worker: pool });
    const e1 = await imgz.getFdata().catch((e: unknown) => e);
    const e0 = await load(file(cut, 't.nii.gz')).then((i) => i.getFdata()).catch((e: unknown) => e);
    expect((e1 as Error).constructor).toBe((e0 as Error).constructor);
    expect((e1 as ImageDataError).code).toBe((e0 as ImageDataError).code);
    // the pool is still usable after errors
    const ok = await load(file(gz, 'ok.nii.gz'), { worker: pool });
    expect((await ok.getFdata()).shape).toEqual(shape);
  });

  it('worker: true uses a shared pool; a bad worker value is a TypeError', async () => {
    const img = await load(file(gz, 'd.nii.gz'), { worker: true });
    expect((await img.getFdata({ dtype: 'float32' })).shape).toEqual(shape);
    await expect(load(file(gz, 'e.nii.gz'), { worker: 'yes' as never })).rejects.toBeInstanceOf(TypeError);
    expect(() => createWorkerPool({ size: 0 })).toThrow(RangeError);
    expect(UnsupportedError).toBeDefined();
  });

  it('shared: true where the page is not cross-origin isolated: the pool does not share, arrays come back plain', async () => {
    expect(globalThis.crossOriginIsolated).not.toBe(true); // the isolated page is test/e2e/isolated.spec.ts
    const own = createWorkerPool({ size: 1, shared: true });
    try {
      expect(own.shared).toBe(false);
      const got = await (await load(file(gz, 's.nii.gz'), { worker: own })).getFdata({ dtype: 'float32' });
      expect(got.data.buffer).toBeInstanceOf(ArrayBuffer);
      expect(got.data.buffer.byteLength).toBe(got.data.byteLength);
      const want = await (await load(file(gz, 's.nii.gz'))).getFdata({ dtype: 'float32' });
      expect(equalArrays(got.data as Float32Array, want.data as Float32Array)).toBe(true);
    } finally {
      own.terminate();
    }
  });

  it('the worker reuses its arena: larger, smaller, other dtypes, each equal to the main thread', async () => {
    const shapes = [[64, 64, 48], [64, 64, 36], [64, 64, 64], [64, 64, 40]];
    for (const [k, sh] of shapes.entries()) {
      const vol = phantomInt16(sh, 11 + k);
      const bytes = makeNiftiGz(vol, sh, { slope: k % 2 ? 1 : 0.5, inter: k });
      const dtype = k % 2 ? 'float32' : 'float64';
      const want = await (await load(file(bytes, 'm.nii.gz'))).getFdata({ dtype });
      const got = await (await load(file(bytes, 'w.nii.gz'), { worker: pool })).getFdata({ dtype });
      expect(got.data.buffer.byteLength).toBe(got.data.byteLength);
      expect(equalArrays(got.data as Float64Array, want.data as Float64Array), `decode ${k}`).toBe(true);
    }
  });

  it('jobs queue on a one-worker pool and all finish', async () => {
    const imgs = await Promise.all([0, 1, 2].map((k) => load(file(gz, `q${k}.nii.gz`), { worker: pool })));
    const out = await Promise.all(imgs.map((i) => i.getFdata({ dtype: 'float32' })));
    for (const o of out) expect(equalArrays(o.data as Float32Array, out[0]!.data as Float32Array)).toBe(true);
    expect(pool.started).toBe(1);
  });

  it('a worker that cannot start (CSP, a missing file): the pool turns unusable, reads fall back to the main thread', async () => {
    const Real = globalThis.Worker;
    class Blocked extends EventTarget {
      constructor() {
        super();
        setTimeout(() => this.dispatchEvent(new ErrorEvent('error', { message: 'blocked by CSP' })), 0);
      }
      postMessage(): void {}
      terminate(): void {}
    }
    globalThis.Worker = Blocked as unknown as typeof Worker;
    try {
      const blocked = createWorkerPool({ size: 1 });
      const img = await load(file(gz, 'f.nii.gz'), { worker: blocked });
      const want = await (await load(file(gz, 'f.nii.gz'))).getFdata();
      const got = await img.getFdata();
      expect(blocked.usable).toBe(false);
      expect(equalArrays(got.data as Float64Array, want.data as Float64Array)).toBe(true);
      // later reads go straight to the main thread
      img.uncache();
      expect((await img.getFdata()).shape).toEqual(shape);
    } finally {
      globalThis.Worker = Real;
    }
  });

  it('terminate() rejects running jobs with AbortError and the pool starts again', async () => {
    const own = createWorkerPool({ size: 1 });
    const img = await load(file(gz, 'k.nii.gz'), { worker: own });
    const p = img.getFdata();
    own.terminate();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(img.inMemory).toBe(false);
    const f = await img.getFdata({ dtype: 'float32' });
    expect(f.shape).toEqual(shape);
    own.terminate();
  });
});
