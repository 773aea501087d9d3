/**
 * ArrayProxy (src/proxy/array-proxy.ts) and readSegments (src/proxy/read-segments.ts) over
 * in-memory sources: values against the numpy-indexing oracle for every dtype, byte order
 * and memory order; nibabel's scaling dtype table; what is read (RecordingSource); the
 * frozen spec; truncation; abort; errors before I/O.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DType, DTYPES, NATIVE_LITTLE_ENDIAN, dtypeInfo } from '../../src/dtypes';
import { BufferSource } from '../../src/io/buffer-source';
import type { ByteSource, ReadOptions } from '../../src/io/types';
import { ArrayProxy, type ArrayProxySpec, isProxy } from '../../src/proxy/array-proxy';
import { readSegments } from '../../src/proxy/read-segments';
import { type Index, type IndexItem, slice } from '../../src/proxy/slicing';
import { oracleIndex } from '../shared/numpy-oracle';
import { RecordingSource } from '../shared/recording-source';

/** A deterministic, dtype-appropriate value for element e (per lane). */
function valueOf(dtype: DType, e: number, lane: number): number | bigint {
  const k = dtypeInfo(dtype).kind;
  const v = (e * 7 + lane * 3) % 251;
  if (dtype === 'int64') return BigInt(v - 125) * 4294967297n;
  if (dtype === 'uint64') return BigInt(v) * 4294967297n + 12345678901n;
  if (k === 'i') return v - 125;
  if (k === 'f' || k === 'c') return (v - 125) / 4;
  if (dtype === 'uint32') return v * 16777259;
  if (dtype === 'uint16') return v * 257;
  return v;
}

/** The array's raw file bytes (with `offset` junk bytes before), in the given byte order. */
function makeFile(shape: number[], dtype: DType, littleEndian: boolean, offset: number): Uint8Array {
  const info = dtypeInfo(dtype);
  const n = shape.reduce((a, b) => a * b, 1);
  const elem = info.itemsize / info.lanes;
  const file = new Uint8Array(offset + n * info.itemsize).fill(0xab);
  const dv = new DataView(file.buffer);
  for (let e = 0; e < n; e++) {
    for (let l = 0; l < info.lanes; l++) {
      const at = offset + e * info.itemsize + l * elem;
      const v = valueOf(dtype, e, l);
      switch (dtype) {
        case 'uint8':
        case 'rgb24':
        case 'rgba32':
          dv.setUint8(at, v as number);
          break;
        case 'int8':
          dv.setInt8(at, v as number);
          break;
        case 'int16':
          dv.setInt16(at, v as number, littleEndian);
          break;
        case 'uint16':
          dv.setUint16(at, v as number, littleEndian);
          break;
        case 'int32':
          dv.setInt32(at, v as number, littleEndian);
          break;
        case 'uint32':
          dv.setUint32(at, v as number, littleEndian);
          break;
        case 'int64':
          dv.setBigInt64(at, v as bigint, littleEndian);
          break;
        case 'uint64':
          dv.setBigUint64(at, v as bigint, littleEndian);
          break;
        case 'float32':
        case 'complex64':
          dv.setFloat32(at, v as number, littleEndian);
          break;
        case 'float64':
        case 'complex128':
          dv.setFloat64(at, v as number, littleEndian);
          break;
      }
    }
  }
  return file;
}

function proxyOver(file: Uint8Array, spec: ArrayProxySpec) {
  const rec = new RecordingSource(new BufferSource(file));
  return { rec, proxy: new ArrayProxy(rec, spec) };
}

/** Checks `got` equals the oracle: shape, strides for the order, and every lane value. */
function expectOracle(
  got: { shape: number[]; strides: number[]; offset: number; data: ArrayLike<number | bigint>; dtype: DType },
  shape: number[],
  order: 'F' | 'C',
  index: Index,
  value: (e: number, lane: number) => number | bigint,
  lanes: number,
) {
  const want = oracleIndex(shape, order, index);
  expect(got.shape).toEqual(want.shape);
  expect(got.offset).toBe(0);
  expect(got.data.length).toBe(want.source.length * lanes);
  for (let o = 0; o < want.source.length; o++) {
    for (let l = 0; l < lanes; l++) {
      const g = got.data[o * lanes + l];
      const w = value(want.source[o], l);
      if (g !== w && !(Number.isNaN(g as number) && Number.isNaN(w as number))) {
        throw new Error(`element ${o} lane ${l}: got ${g}, want ${w} (index ${JSON.stringify(index)})`);
      }
    }
  }
}

const SHAPE = [5, 4, 3, 2];
const INDICES: [string, Index][] = [
  ['whole', []],
  ['ellipsis, last', ['...', 1]],
  ['scalar', [4, 3, 2, 1]],
  ['negative ints', [-1, null, -3]],
  ['reversed x', [slice(null, null, -1)]],
  ['stepped', [slice(1, null, 2), slice(null, null, -2), 1]],
  ['empty', [slice(3, 1)]],
  ['middle ellipsis', [0, '...', slice(null, 1)]],
];

describe('ArrayProxy values, every dtype × byte order × memory order', () => {
  for (const dtype of DTYPES) {
    for (const le of [true, false]) {
      for (const order of ['F', 'C'] as const) {
        it(`${dtype} ${le ? 'LE' : 'BE'} ${order}`, async () => {
          const info = dtypeInfo(dtype);
          const file = makeFile(SHAPE, dtype, le, 48);
          const { proxy } = proxyOver(file, { shape: SHAPE, dtype, littleEndian: le, offset: 48, order });
          for (const [, index] of INDICES) {
            for (const arr of [await proxy.get(index), await proxy.getUnscaled(index)]) {
              expect(arr.dtype).toBe(dtype);
              expect(arr.data).toBeInstanceOf(info.ctor);
              expectOracle(arr, SHAPE, order, index, (e, l) => valueOf(dtype, e, l), info.lanes);
              const strides = arr.shape.map(() => 0);
              let s = 1;
              const axes = arr.shape.map((_, i) => (order === 'F' ? i : arr.shape.length - 1 - i));
              for (const a of axes) {
                strides[a] = s;
                s *= arr.shape[a];
              }
              expect(arr.strides).toEqual(strides);
            }
          }
        });
      }
    }
  }
});

describe('scaling dtype rules (reference/nibabel.md table, verified on nibabel 5.0.0)', () => {
  const rows: [DType, number | null, number | null, boolean, DType][] = [
    ['int16', 1, 0, false, 'int16'],
    ['int16', 0, 5, false, 'int16'], // slope 0: no scaling
    ['int16', Number.NaN, Number.NaN, false, 'int16'],
    ['int16', Number.POSITIVE_INFINITY, 0, false, 'int16'],
    ['int16', null, null, false, 'int16'],
    ['int16', 2, 0, false, 'float64'],
    ['uint8', 1, 5, false, 'float64'],
    ['int32', 2, 1, false, 'float64'],
    ['float32', 1, 0, false, 'float32'],
    ['float32', 2, 1, false, 'float64'],
    ['complex64', 2, 1, false, 'complex128'],
    ['int16', 2, 0, true, 'float32'], // SPM99's float32 slope
  ];
  it.each(rows)('%s slope %s inter %s spm99 %s → %s', async (dtype, slope, inter, spm99, want) => {
    const shape = [3, 2];
    const file = makeFile(shape, dtype, true, 0);
    const { proxy } = proxyOver(file, { shape, dtype, littleEndian: true, offset: 0, slope, inter, spm99 });
    const arr = await proxy.get([slice(null, null, -1), 1]);
    expect(arr.dtype).toBe(want);
    const info = dtypeInfo(dtype);
    const s = slope === null || slope === 0 || !Number.isFinite(slope) ? 1 : slope;
    const t = s === 1 && (slope === null || slope === 0 || !Number.isFinite(slope)) ? 0 : (inter ?? 0);
    // Expected values in float64 (exact here: small integers / quarters times 2, plus 1 or 5).
    expectOracle(arr, shape, 'F', [slice(null, null, -1), 1], (e, l) => {
      const v = Number(valueOf(dtype, e, l));
      return info.kind === 'c' && l === 1 ? v * s : v * s + t;
    }, info.lanes);
    const raw = await proxy.getUnscaled([slice(null, null, -1), 1]);
    expect(raw.dtype).toBe(dtype);
  });

  it('getScaled({dtype}) gives that dtype, computed in float32 for small ints', async () => {
    const file = makeFile([4], 'int16', false, 0);
    const { proxy } = proxyOver(file, { shape: [4], dtype: 'int16', littleEndian: false, offset: 0, slope: 0.1, inter: 0.3 });
    const f32 = await proxy.getScaled([], { dtype: 'float32' });
    expect(f32.dtype).toBe('float32');
    const f = Math.fround;
    expect([...(f32.data as Float32Array)]).toEqual(
      [0, 1, 2, 3].map((e) => f(f(Number(valueOf('int16', e, 0)) * f(0.1)) + f(0.3))),
    );
    const f64 = await proxy.getScaled([], { dtype: 'float64' });
    expect([...(f64.data as Float64Array)]).toEqual([0, 1, 2, 3].map((e) => Number(valueOf('int16', e, 0)) * 0.1 + 0.3));
    await expect(proxy.getScaled([], { dtype: 'int16' })).rejects.toThrow(TypeError);
  });

  it('rejects a valid slope with a NaN intercept, as nibabel', () => {
    expect(() => new ArrayProxy(new BufferSource(new Uint8Array(8)), { shape: [4], dtype: 'int16', littleEndian: true, offset: 0, slope: 2, inter: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'INVALID_INTERCEPT' }),
    );
  });
});

describe('ArrayProxy reads only the bytes it needs', () => {
  // example4d's geometry (reference/nibabel.md: measured nibabel reads)
  const shape = [128, 96, 24, 2];
  const file = makeFile(shape, 'int16', true, 352);
  const spec: ArrayProxySpec = { shape, dtype: 'int16', littleEndian: true, offset: 352 };

  it.each([
    ['[..., 0]', ['...', 0] as Index, 1, 589824],
    ['[:, :, 5, 1]', [null, null, 5, 1] as Index, 1, 24576],
    ['[64, :, :, 0]', [64, null, null, 0] as Index, 1, 589824],
    ['[0, 0, 0, 0]', [0, 0, 0, 0] as Index, 1, 256],
    ['whole', [] as Index, 1, 1179648],
  ])('%s → %i read(s), %i bytes', async (_n, index, reads, bytes) => {
    const { rec, proxy } = proxyOver(file, spec);
    const arr = await proxy.get(index);
    expect(rec.count).toBe(reads);
    expect(rec.bytesRequested).toBe(bytes);
    expectOracle(arr, shape, 'F', index, (e) => valueOf('int16', e, 0), 1);
  });

  it('issues nibabel’s 120 segments without merging, fewer reads with the default gap merging', async () => {
    const index: Index = [slice(10, 20, 3), slice(5, 50, 10), slice(null, null, -2), null];
    const plain = new RecordingSource(new BufferSource(file));
    const a = await new ArrayProxy(plain, spec, { maxGap: 0 }).get(index);
    expect(plain.count).toBe(120);
    expect(plain.bytesRequested).toBe(30720);
    const merged = new RecordingSource(new BufferSource(file));
    const b = await new ArrayProxy(merged, spec).get(index);
    expect(merged.count).toBeLessThan(10);
    expect(b.data).toEqual(a.data);
    expectOracle(a, shape, 'F', index, (e) => valueOf('int16', e, 0), 1);
  });

  it('reads nothing for an empty selection or a bad index', async () => {
    const { rec, proxy } = proxyOver(file, spec);
    expect((await proxy.get([slice(5, 5)])).shape).toEqual([0, 96, 24, 2]);
    // coded built-ins (errors.ts): IndexError is a RangeError, IndexTypeError a TypeError
    await expect(proxy.get([0, 0, 0, 0, 0])).rejects.toThrow(RangeError);
    await expect(proxy.get([0, 0, 0, 0, 0])).rejects.toMatchObject({ name: 'IndexError', code: 'TOO_MANY_INDICES' });
    await expect(proxy.get([1.5])).rejects.toThrow(TypeError);
    await expect(proxy.get([1.5])).rejects.toMatchObject({ name: 'IndexTypeError', code: 'BAD_INDEX_ITEM' });
    await expect(proxy.get([128])).rejects.toThrow(/index 128 is out of bounds for axis 0 with size 128; use an integer from -128 to 127/);
    await expect(proxy.get([128])).rejects.toMatchObject({ name: 'IndexError', code: 'INDEX_OUT_OF_BOUNDS' });
    await expect(proxy.get([0, -97])).rejects.toMatchObject({ code: 'INDEX_OUT_OF_BOUNDS' });
    await expect(proxy.get(['...', '...'])).rejects.toThrow(TypeError);
    await expect(proxy.get(['...', '...'])).rejects.toMatchObject({ code: 'TWO_ELLIPSES' });
    await expect(proxy.get([{ start: 0, stop: 1, step: 1 } as unknown as IndexItem])).rejects.toThrow(TypeError);
    await expect(proxy.get(0 as unknown as Index)).rejects.toMatchObject({ code: 'INDEX_NOT_ARRAY' });
    expect(rec.count).toBe(0);
  });
});

describe('ArrayProxy spec and API', () => {
  it('copies and freezes the spec', async () => {
    const file = makeFile([4, 3], 'float32', true, 0);
    const spec = { shape: [4, 3], dtype: 'float32' as DType, littleEndian: true, offset: 0, slope: 2, inter: 1 };
    const proxy = new ArrayProxy(new BufferSource(file), spec);
    spec.shape[0] = 1;
    spec.slope = 5;
    spec.offset = 4;
    expect(proxy.shape).toEqual([4, 3]);
    expect(Object.isFrozen(proxy.shape)).toBe(true);
    expect(proxy).toMatchObject({ ndim: 2, dtype: 'float32', offset: 0, slope: 2, inter: 1, order: 'F', isProxy: true });
    const arr = await proxy.get([1]);
    expect([...(arr.data as Float64Array)]).toEqual([1, 5, 9].map((e) => Number(valueOf('float32', e, 0)) * 2 + 1));
    expect(() => {
      (proxy as { offset: number }).offset = 3;
    }).toThrow(TypeError);
  });

  it('normalises missing or non-finite scale factors to 1 and 0', () => {
    const src = new BufferSource(new Uint8Array(8));
    const p = new ArrayProxy(src, { shape: [4], dtype: 'int16', littleEndian: true, offset: 0, slope: Number.NaN, inter: 7 });
    expect([p.slope, p.inter]).toEqual([1, 0]);
    const q = new ArrayProxy(src, { shape: [4], dtype: 'int16', littleEndian: true, offset: 0 });
    expect([q.slope, q.inter]).toEqual([1, 0]);
  });

  it('isProxy is nibabel’s is_proxy', () => {
    const p = new ArrayProxy(new BufferSource(new Uint8Array(8)), { shape: [4], dtype: 'int16', littleEndian: true, offset: 0 });
    expect(isProxy(p)).toBe(true);
    expect(isProxy({ isProxy: true })).toBe(true);
    expect(isProxy({ isProxy: 1 })).toBe(false);
    expect(isProxy(new Float32Array(2))).toBe(false);
    expect(isProxy(null)).toBe(false);
  });

  it('validates the spec', () => {
    const src = new BufferSource(new Uint8Array(8));
    const base = { shape: [4], dtype: 'int16' as DType, littleEndian: true, offset: 0 };
    expect(() => new ArrayProxy(src, { ...base, shape: [-1] })).toThrow(RangeError);
    expect(() => new ArrayProxy(src, { ...base, dtype: 'float128' as DType })).toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
    expect(() => new ArrayProxy(src, { ...base, offset: -4 })).toThrow(RangeError);
    expect(() => new ArrayProxy(src, { ...base, order: 'X' as 'F' })).toThrow(TypeError);
    expect(() => new ArrayProxy(src, { ...base, littleEndian: undefined as unknown as boolean })).toThrow(TypeError);
    expect(() => new ArrayProxy({} as ByteSource, base)).toThrow(TypeError);
  });

  it('reshapes over the same bytes', async () => {
    const file = makeFile([6, 4], 'uint16', false, 16);
    const proxy = new ArrayProxy(new BufferSource(file), { shape: [6, 4], dtype: 'uint16', littleEndian: false, offset: 16 });
    const r = proxy.reshape([3, -1, 2]);
    expect(r.shape).toEqual([3, 4, 2]);
    expectOracle(await r.get([null, 1]), [3, 4, 2], 'F', [null, 1], (e) => valueOf('uint16', e, 0), 1);
    expect(() => proxy.reshape([5, -1])).toThrow(RangeError);
    expect(() => proxy.reshape([-1, -1])).toThrow(RangeError);
  });

  it('returns arrays that do not share memory with an in-memory source', async () => {
    const file = makeFile([4], 'uint8', true, 0);
    const proxy = new ArrayProxy(new BufferSource(file), { shape: [4], dtype: 'uint8', littleEndian: true, offset: 0 });
    const a = await proxy.get();
    (a.data as Uint8Array)[0] = 99;
    expect(file[0]).toBe(Number(valueOf('uint8', 0, 0)));
    expect((await proxy.get()).get(0)).toBe(Number(valueOf('uint8', 0, 0)));
  });

  it('gives a 0-d array for a scalar index', async () => {
    const file = makeFile([3, 3], 'float64', NATIVE_LITTLE_ENDIAN, 0);
    const proxy = new ArrayProxy(new BufferSource(file), { shape: [3, 3], dtype: 'float64', littleEndian: NATIVE_LITTLE_ENDIAN, offset: 0 });
    const a = await proxy.get([2, 1]);
    expect(a.shape).toEqual([]);
    expect(a.get()).toBe(Number(valueOf('float64', 5, 0)));
  });
});

describe('truncated data and aborts', () => {
  const shape = [10, 10];
  const file = makeFile(shape, 'int16', true, 100);

  it('fails before reading when the size is known', async () => {
    const rec = new RecordingSource(new BufferSource(file.subarray(0, 100 + 150)));
    const proxy = new ArrayProxy(rec, { shape, dtype: 'int16', littleEndian: true, offset: 100 });
    const err = await proxy.get().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ImageDataError', code: 'DATA_TRUNCATED' });
    expect((err as Error).message).toMatch(/^Expected 200 bytes, got 150 bytes/);
    expect(rec.count).toBe(0);
    // A slice that lies in the available bytes still works.
    expect((await proxy.get([null, 2])).shape).toEqual([10]);
  });

  it('reports what a source of unknown size gave', async () => {
    const rec = new RecordingSource(new BufferSource(file.subarray(0, 100 + 150)));
    rec.hideSize = true;
    const proxy = new ArrayProxy(rec, { shape, dtype: 'int16', littleEndian: true, offset: 100 }, { maxGap: 0, skipThresh: 0 });
    await expect(proxy.get()).rejects.toThrow(/^Expected 200 bytes, got 150 bytes/);
    // Rows y = 0, 3, 6, 9 of 20 bytes each; the source ends inside row 7.
    await expect(proxy.get([null, slice(null, null, 3)])).rejects.toMatchObject({ code: 'DATA_TRUNCATED', message: expect.stringMatching(/^Expected 80 bytes, got 60 bytes/) });
  });

  it('rejects with AbortError as soon as the signal aborts', async () => {
    const rec = new RecordingSource(new BufferSource(file));
    const release = rec.hold();
    const proxy = new ArrayProxy(rec, { shape, dtype: 'int16', littleEndian: true, offset: 100 }, { maxGap: 0 });
    const ac = new AbortController();
    const p = proxy.get([slice(null, null, 5), slice(null, null, 3)], { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 5));
    expect(rec.count).toBeGreaterThan(0);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    release();
    await expect(proxy.get([], { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('readSegments', () => {
  const bytes = new Uint8Array(1000).map((_, i) => i & 0xff);

  it('concatenates segments in order, merging near ones', async () => {
    const rec = new RecordingSource(new BufferSource(bytes));
    const out = await readSegments(rec, [[10, 3], [20, 2], [600, 4], [0, 0], [990, 10]], { maxGap: 100 });
    expect([...out]).toEqual([10, 11, 12, 20, 21, 600 & 0xff, 601 & 0xff, 602 & 0xff, 603 & 0xff, ...Array.from({ length: 10 }, (_, i) => (990 + i) & 0xff)]);
    expect(rec.reads.map((r) => [r.offset, r.length])).toEqual([[10, 12], [600, 4], [990, 10]]);
  });

  it('caps merged reads and concurrency', async () => {
    const rec = new RecordingSource(new BufferSource(bytes));
    rec.delayMs = 2;
    let inFlight = 0;
    let peak = 0;
    const counting: ByteSource = {
      size: rec.size,
      async read(o: number, n: number, opts?: ReadOptions) {
        peak = Math.max(peak, ++inFlight);
        try {
          return await rec.read(o, n, opts);
        } finally {
          inFlight--;
        }
      },
    };
    const segs: [number, number][] = Array.from({ length: 50 }, (_, i) => [i * 20, 5]);
    const out = await readSegments(counting, segs, { maxGap: 15, maxReadBytes: 100, concurrency: 3 });
    expect(out.length).toBe(250);
    expect(Math.max(...rec.reads.map((r) => r.length))).toBeLessThanOrEqual(100);
    expect(peak).toBeLessThanOrEqual(3);
    expect(out[5]).toBe(20);
  });

  it('returns a buffer the caller owns', async () => {
    const out = await readSegments(new BufferSource(bytes), [[5, 10]]);
    out[0] = 0;
    expect(bytes[5]).toBe(5);
  });

  it('stops the other reads after a failure', async () => {
    const rec = new RecordingSource(new BufferSource(bytes));
    const failing: ByteSource = {
      size: undefined,
      read: (o, n, opts) => (o >= 500 ? Promise.reject(new Error('disk on fire')) : rec.read(o, n, opts)),
    };
    rec.delayMs = 5;
    const segs: [number, number][] = Array.from({ length: 10 }, (_, i) => [i * 100, 5]);
    await expect(readSegments(failing, segs, { maxGap: 0, concurrency: 10 })).rejects.toThrow('disk on fire');
    expect(rec.reads.filter((r) => r.aborted).length).toBeGreaterThan(0);
  });
});

describe('property: ArrayProxy.get equals the oracle', () => {
  it('for random shapes, dtypes, orders and indices', async () => {
    const item = (n: number): fc.Arbitrary<IndexItem> =>
      fc.oneof(
        fc.integer({ min: -n, max: n - 1 }),
        fc.constant(null),
        fc
          .tuple(
            fc.option(fc.integer({ min: -n - 2, max: n + 2 })),
            fc.option(fc.integer({ min: -n - 2, max: n + 2 })),
            fc.option(fc.integer({ min: -3, max: 3 }).filter((k) => k !== 0)),
          )
          .map(([a, b, c]) => slice(a, b, c)),
      );
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({
            shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
            dtype: fc.constantFrom(...DTYPES),
            le: fc.boolean(),
            order: fc.constantFrom<'F' | 'C'>('F', 'C'),
            offset: fc.integer({ min: 0, max: 9 }),
            maxGap: fc.constantFrom(0, 16, 1 << 17),
          })
          .chain((c) => fc.tuple(...c.shape.map(item)).map((index) => ({ ...c, index: index as Index }))),
        async (c) => {
          const file = makeFile(c.shape, c.dtype, c.le, c.offset);
          const proxy = new ArrayProxy(
            new BufferSource(file),
            { shape: c.shape, dtype: c.dtype, littleEndian: c.le, offset: c.offset, order: c.order },
            { maxGap: c.maxGap },
          );
          const arr = await proxy.get(c.index);
          expectOracle(arr, c.shape, c.order, c.index, (e, l) => valueOf(c.dtype, e, l), dtypeInfo(c.dtype).lanes);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });
});
