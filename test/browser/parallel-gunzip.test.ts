// Parallel gunzip across decode workers in Chromium (worker/parallel-gunzip.ts): the output
// of `pool.gunzip` at 1 to 3 workers equals the main thread's gunzip (itself checked against
// zlib in Node) and the browser's DecompressionStream; more than one member, corrupt data,
// progress and abort; and `getFdata` of a large .nii.gz in a pool of two, decoded from the
// joined chunks in one worker, equals the main thread's, and leaves the chunks' seek points
// with the image.
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { GzipSource, createWorkerPool, DecompressionError, gunzip, load } from '../../src/index';
import { equalBytes, imageLikeBytes, viaDecompressionStream } from '../shared/bytes';
import { makeNifti } from '../shared/make-nifti';

const pool = createWorkerPool({ size: 3 });
afterAll(() => pool.terminate());


describe('WorkerPool.gunzip', () => {
  const data = imageLikeBytes(3_000_000, 7);
  const gz = gzipSync(data, { level: 6 });

  it.each([1, 2, 3])('%i worker(s), small chunks: the bytes of gunzip and of DecompressionStream', async (workers) => {
    const got = await pool.gunzip(new File([gz as BlobPart], 'x.gz'), { workers, minChunkBytes: 64 * 1024 });
    expect(equalBytes(got, data)).toBe(true);
    expect(equalBytes(got, await gunzip(gz))).toBe(true);
    expect(equalBytes(got, await viaDecompressionStream(gz))).toBe(true);
  });

  it('shared: true gives the same bytes, on a SharedArrayBuffer only where the page is cross-origin isolated', async () => {
    const got = await pool.gunzip(gz, { minChunkBytes: 64 * 1024, shared: true });
    expect(equalBytes(got, data)).toBe(true);
    const isolated = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
    expect(got.buffer instanceof ArrayBuffer).toBe(!isolated);
  });

  it('into: the output lands in the given buffer (transferred and given back); a too small one is left alone', async () => {
    for (const workers of [1, 2]) {
      const into = new Uint8Array(data.byteLength + 100);
      const got = await pool.gunzip(gz, { minChunkBytes: 64 * 1024, workers, into: into.subarray(50) });
      expect(equalBytes(got, data)).toBe(true);
      expect(got.byteOffset).toBe(50);
      expect(into.byteLength).toBe(0); // detached: its buffer went to the worker and came back as got's
      expect(got.buffer.byteLength).toBe(data.byteLength + 100);
    }
    const small = new Uint8Array(10);
    const got = await pool.gunzip(gz, { minChunkBytes: 64 * 1024, into: small });
    expect(equalBytes(got, data)).toBe(true);
    expect(small.byteLength).toBe(10);
    await expect(pool.gunzip(gz, { into: [] as unknown as Uint8Array })).rejects.toMatchObject({ code: 'BAD_OUTPUT_BUFFER' });
    // A worker count that is not a whole number is refused at once (NaN once waited forever for workers).
    for (const workers of [0, 1.5, Number.NaN]) {
      await expect(pool.gunzip(gz, { workers })).rejects.toMatchObject({ name: 'ArgumentError', code: 'BAD_WORKER_OPTION' });
    }
    await expect(pool.gunzip(gz, { minChunkBytes: -1 })).rejects.toMatchObject({ code: 'BAD_WORKER_OPTION' });
  });

  it('bytes as input, every level', async () => {
    for (const level of [0, 1, 9] as const) {
      const z = gzipSync(data.subarray(0, 700_000), { level });
      const got = await pool.gunzip(z, { minChunkBytes: 16 * 1024 });
      expect(equalBytes(got, data.subarray(0, 700_000)), `level ${level}`).toBe(true);
    }
  });

  it('more than one member: decoded whole by one worker', async () => {
    const a = gzipSync(data.subarray(0, 500_000));
    const b = gzipSync(data.subarray(500_000, 900_000));
    const two = new Uint8Array(a.byteLength + b.byteLength);
    two.set(a);
    two.set(b, a.byteLength);
    const got = await pool.gunzip(new Blob([two as BlobPart]), { minChunkBytes: 16 * 1024 });
    expect(equalBytes(got, data.subarray(0, 900_000))).toBe(true);
  });

  it('corrupt data: a typed error, and the pool keeps working', async () => {
    const bad = Uint8Array.from(gz);
    bad[bad.byteLength - 6] ^= 0xff; // the stored CRC-32
    const err = await pool.gunzip(bad, { minChunkBytes: 64 * 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecompressionError);
    expect((err as DecompressionError).code).toBe('GZIP_DATA_CRC');
    const cut = await pool.gunzip(gz.subarray(0, gz.byteLength >> 1), { minChunkBytes: 64 * 1024 }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(DecompressionError);
    expect(equalBytes(await pool.gunzip(gz, { minChunkBytes: 64 * 1024 }), data)).toBe(true);
  });

  it('progress reaches the compressed size; abort rejects at once and the pool keeps working', async () => {
    const seen: number[] = [];
    await pool.gunzip(new Blob([gz as BlobPart]), { minChunkBytes: 64 * 1024, onProgress: (p) => seen.push(p.loaded / p.total) });
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeGreaterThan(0.95);
    expect(Math.max(...seen)).toBeLessThanOrEqual(1);
    const ctl = new AbortController();
    const p = pool.gunzip(new Blob([gz as BlobPart]), { minChunkBytes: 64 * 1024, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 5);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(equalBytes(await pool.gunzip(gz, { minChunkBytes: 64 * 1024 }), data)).toBe(true);
  });

  it('aborts at random points (before, during and after the chunks): each rejects or finishes, and the next gunzip is right', async () => {
    let seed = 5;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 8; i++) {
      const ctl = new AbortController();
      const p = pool.gunzip(new Blob([gz as BlobPart]), { minChunkBytes: 64 * 1024, signal: ctl.signal, workers: 1 + (i % 3) });
      setTimeout(() => ctl.abort(), Math.floor(rnd() * 60));
      const r = await p.then((b) => b, (e: unknown) => e);
      if (r instanceof Uint8Array) expect(equalBytes(r, data)).toBe(true);
      else expect(r).toMatchObject({ name: 'AbortError' });
      expect(equalBytes(await pool.gunzip(gz, { minChunkBytes: 64 * 1024, workers: 1 + ((i + 1) % 3) }), data)).toBe(true);
    }
  });
});

/** CRC-32 (RFC 1952) of `bytes`. */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A gzip member of `data` as ONE fixed-Huffman deflate block of literals (~1.1 bytes each). */
function oneBlockGzip(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + Math.ceil((3 + data.byteLength * 9 + 7) / 8) + 1 + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let pos = 10;
  let acc = 0;
  let n = 0;
  const put = (v: number, len: number): void => {
    acc |= v << n;
    n += len;
    while (n >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      n -= 8;
    }
  };
  const code = (c: number, len: number): void => {
    let r = 0; // Huffman codes go MSB first
    for (let i = 0; i < len; i++) r |= ((c >> i) & 1) << (len - 1 - i);
    put(r, len);
  };
  put(1, 1); // BFINAL
  put(1, 2); // fixed Huffman
  for (const b of data) b < 144 ? code(0x30 + b, 8) : code(0x190 + b - 144, 9);
  code(0, 7); // end of block
  if (n > 0) put(0, 8 - n);
  const view = new DataView(out.buffer);
  view.setUint32(pos, crc32(data), true);
  view.setUint32(pos + 4, data.byteLength, true);
  return out.subarray(0, pos + 8);
}

describe('pool.gunzip of bytes in memory', () => {
  it('each chunk is sent its own range; one that runs past it (a 3 MB block) is sent all the bytes', async () => {
    const data = imageLikeBytes(3_000_000, 9);
    const gz = oneBlockGzip(data);
    expect(equalBytes(await viaDecompressionStream(gz), data)).toBe(true);
    for (const workers of [2, 3]) {
      // The first chunk's block goes on to the end of the stream, past its range and the margin.
      const got = await pool.gunzip(gz, { workers, minChunkBytes: 64 * 1024 });
      expect(equalBytes(got, data)).toBe(true);
    }
    // zlib's stream of the same data: every chunk within its range.
    const plain = gzipSync(data, { level: 6 });
    expect(equalBytes(await pool.gunzip(plain, { workers: 3, minChunkBytes: 64 * 1024 }), data)).toBe(true);
  });
});

describe('getFdata of a large .nii.gz in a pool of two', () => {
  it('equals the main thread (the chunks inflated in parallel, the array decoded from them in place)', async () => {
    // 10 M int16 voxels of noisy data: ~12 MB gzipped, enough for two 4 MiB chunks.
    const shape = [128, 128, 64, 10];
    const n = shape.reduce((a, b) => a * b, 1);
    const vox = new Int16Array(n);
    let x = 99;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      vox[i] = ((i >> 9) % 7 === 0 ? 0 : (x >>> 20) - 2048);
    }
    const gzBytes = gzipSync(makeNifti(vox, shape, { slope: 0.5, inter: 3 }), { level: 1 });
    expect(gzBytes.byteLength).toBeGreaterThan(8 * 1024 * 1024);
    // 12 MB is under the default threshold (32 MiB): one worker decodes it whole.
    const below = createWorkerPool({ size: 2 });
    try {
      const img = await load(new File([gzBytes as BlobPart], 'big.nii.gz'), { worker: below });
      await img.getFdata({ dtype: 'float32' });
      expect(below.started).toBe(1);
    } finally {
      below.terminate();
    }
    expect(() => createWorkerPool({ parallelMinBytes: -1 })).toThrow(RangeError);
    const pool2 = createWorkerPool({ size: 2, parallelMinBytes: 8 << 20 });
    try {
      const file = new File([gzBytes as BlobPart], 'big.nii.gz');
      const progress: number[] = [];
      const inPool = await load(file, { worker: pool2, onProgress: (p) => progress.push(p.loaded) });
      const here = await load(file);
      expect(pool2.started).toBe(0);
      const a = await inPool.getFdata({ dtype: 'float32' });
      const b = await here.getFdata({ dtype: 'float32' });
      expect(a.shape).toEqual(b.shape);
      const da = a.data as Float32Array;
      const db = b.data as Float32Array;
      expect(da.length).toBe(n);
      let equal = true;
      for (let i = 0; i < n; i++) if (!Object.is(da[i], db[i])) equal = false;
      expect(equal).toBe(true);
      expect(pool2.started).toBe(2); // in two chunks
      expect(Math.max(...progress)).toBeGreaterThan(gzBytes.byteLength * 0.9);

      // The chunks' seek points are the image's now: after uncache(), slices anywhere resume
      // from them (the main thread's own index stays empty until it reads).
      const src = inPool.dataobj.source as GzipSource;
      const raw = n * 2 + 352;
      expect(src.size).toBe(raw);
      expect(src.index.size).toBeGreaterThan(0.9 * (raw / (1 << 20)) - 2);
      inPool.uncache();
      const vol = 128 * 128 * 64;
      for (const [k, t] of [[63, 9], [1, 6], [40, 3]] as const) {
        const got = (await inPool.dataobj.get([null, null, k, t])).data as Float64Array; // scaled
        const at = t * vol + k * 128 * 128;
        let same = got.length === 128 * 128;
        for (let i = 0; i < 128 * 128; i++) if (got[i] !== vox[at + i]! * 0.5 + 3) same = false;
        expect(same, `slice ${k}, ${t}`).toBe(true);
        const from = src.index.nearest(352 + at * 2).out;
        expect(352 + at * 2 - from).toBeLessThan(2 << 20);
      }
    } finally {
      pool2.terminate();
    }
  }, 60_000);
});
