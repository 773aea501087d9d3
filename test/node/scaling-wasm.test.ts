// The scaling kernels (wasm/scale.ts) through their glue (src/wasm/scale.ts), against the
// TypeScript twin (src/scaling.ts) and against nibabel's own numbers: every dtype,
// both byte orders, slope/inter combinations, n around the SIMD widths, in place (raw bytes
// at the top of the output region) and into a separate region. Debug and release builds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertBytes, scaledDtype } from '../../src/scaling';
import { type DType, type TypedArray, dtypeInfo } from '../../src/dtypes';
import { UnsupportedError, WasmError } from '../../src/errors';
import { SCALE_SWAP, SCALE_WIDE } from '../../src/wasm/exports-scale';
import { WasmArena } from '../../src/wasm/memory';
import { rawOffsetFor, scaleInArena, scaleRegionBytes, swapInArena } from '../../src/wasm/scale';
import expected from '../fixtures/scaling-expected.json';

const RAW: DType[] = [
  'uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64',
  'float32', 'float64', 'complex64', 'complex128',
];
const COMBOS: [number, number][] = [
  [1, 0],
  [2, 0],
  [1, 5],
  [0.07540696859359741, 3100.76171875],
  [-0.37, 12.5],
  [0.1, 1 / 3],
  [1e-30, 0],
  [1e35, -1e20],
  [-2, 0],
  [1, -0.001],
];
const COUNTS = [0, 1, 2, 3, 5, 8, 15, 16, 17, 33, 100, 257];
const BAD_ARGUMENT = -20;

/** mulberry32: small, seeded, good enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Raw file bytes for `n` voxels: random bit patterns (so every integer value and, for
 * floats, NaNs, infinities and subnormals occur), with special values at the front.
 */
function rawBytes(dtype: DType, n: number, littleEndian: boolean, rand: () => number): Uint8Array {
  const info = dtypeInfo(dtype);
  const bytes = new Uint8Array(n * info.itemsize);
  for (let k = 0; k < bytes.length; k++) bytes[k] = (rand() * 256) | 0;
  const view = new DataView(bytes.buffer);
  const size = info.itemsize / info.lanes;
  const elems = n * info.lanes;
  const put = (k: number, v: number) => {
    if (k >= elems) return;
    const at = k * size;
    if (info.kind === 'f' || info.kind === 'c') {
      if (size === 4) view.setFloat32(at, v, littleEndian);
      else view.setFloat64(at, v, littleEndian);
    } else if (size === 8) {
      view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), littleEndian);
    } else if (size === 4) {
      view.setUint32(at, v >>> 0, littleEndian);
    } else if (size === 2) {
      view.setUint16(at, v & 0xffff, littleEndian);
    } else {
      view.setUint8(at, v & 0xff);
    }
  };
  const specials = info.kind === 'f' || info.kind === 'c'
    ? [0, -0, Number.NaN, Infinity, -Infinity, 1, -1.5, 3.4e38, 1e-45, 65504]
    : [0, 1, -1, 2, 0x7f, 0x80];
  specials.forEach((v, k) => put(k, v));
  // Ordinary magnitudes for half the remaining float voxels, so arithmetic is exercised
  // on normal numbers as much as on random bit patterns.
  if (info.kind === 'f' || info.kind === 'c') {
    for (let k = specials.length; k < elems; k += 2) put(k, (rand() - 0.5) * 10 ** ((rand() * 12) | 0));
  }
  return bytes;
}

function mismatch(actual: ArrayLike<number | bigint>, want: ArrayLike<number | bigint>): string | null {
  if (actual.length !== want.length) return `length ${actual.length} vs ${want.length}`;
  for (let k = 0; k < actual.length; k++) {
    if (!Object.is(actual[k], want[k])) return `[${k}]: ${String(actual[k])} vs ${String(want[k])}`;
  }
  return null;
}

/** The dtype the twin must produce to match `scaleInArena(…, out)`. */
function twinOut(raw: DType, out: 'float32' | 'float64'): DType {
  if (dtypeInfo(raw).kind !== 'c') return out;
  return out === 'float32' ? 'complex64' : 'complex128';
}

function outView(arena: WasmArena, raw: DType, out: 'float32' | 'float64', ptr: number, n: number): TypedArray {
  const lanes = dtypeInfo(raw).lanes;
  return out === 'float32'
    ? new Float32Array(arena.memory.buffer, ptr, n * lanes)
    : new Float64Array(arena.memory.buffer, ptr, n * lanes);
}

/** Runs one conversion in place (raw bytes at the top of the output region). */
function inPlace(
  arena: WasmArena, bytes: Uint8Array, raw: DType, le: boolean, slope: number, inter: number, out: 'float32' | 'float64',
): TypedArray {
  const n = bytes.length / dtypeInfo(raw).itemsize;
  const mark = arena.mark();
  try {
    const dst = arena.alloc(scaleRegionBytes(n, raw, out) + 8, 8);
    const src = dst + rawOffsetFor(n, raw, out);
    arena.u8(src, bytes.length).set(bytes);
    // A sentinel past the region: the kernel must not write there.
    const end = dst + scaleRegionBytes(n, raw, out);
    arena.u8(end, 8).fill(0xa5);
    scaleInArena(arena, src, dst, n, raw, le, slope, inter, out);
    expect(Array.from(arena.u8(end, 8))).toEqual(new Array(8).fill(0xa5));
    return outView(arena, raw, out, dst, n).slice();
  } finally {
    arena.release(mark);
  }
}

/** Runs one conversion into a separate region (src after dst, misaligned by one element). */
function separate(
  arena: WasmArena, bytes: Uint8Array, raw: DType, le: boolean, slope: number, inter: number, out: 'float32' | 'float64',
): TypedArray {
  const info = dtypeInfo(raw);
  const n = bytes.length / info.itemsize;
  const mark = arena.mark();
  try {
    const dst = arena.alloc(n * 2 * info.lanes * 8, 8);
    const src = arena.alloc(bytes.length + 16, 16) + info.itemsize / info.lanes;
    arena.u8(src, bytes.length).set(bytes);
    scaleInArena(arena, src, dst, n, raw, le, slope, inter, out);
    return outView(arena, raw, out, dst, n).slice();
  } finally {
    arena.release(mark);
  }
}

for (const target of ['debug', 'release'] as const) {
  describe(`${target}.wasm scaling kernels`, () => {
    const module = new WebAssembly.Module(readFileSync(new URL(`../../wasm/build/${target}.wasm`, import.meta.url)));
    const arena = WasmArena.createSync(module, 4 << 20);

    describe.each(RAW)('%s', (raw) => {
      it('matches the TypeScript twin: both byte orders, every combination, n around SIMD widths, in place and apart', () => {
        const rand = rng(RAW.indexOf(raw) * 7919 + 1);
        let checked = 0;
        for (const le of [true, false]) {
          for (const [slope, inter] of COMBOS) {
            for (const out of ['float32', 'float64'] as const) {
              for (const n of COUNTS) {
                const bytes = rawBytes(raw, n, le, rand);
                const want = convertBytes(bytes, raw, le, slope, inter, twinOut(raw, out));
                const where = `${raw} ${le ? '<' : '>'} (${slope}, ${inter}) → ${out}, n=${n}`;
                expect(mismatch(inPlace(arena, bytes, raw, le, slope, inter, out), want), `${where} in place`).toBeNull();
                expect(mismatch(separate(arena, bytes, raw, le, slope, inter, out), want), `${where} apart`).toBeNull();
                checked++;
              }
            }
          }
        }
        expect(checked).toBe(2 * COMBOS.length * 2 * COUNTS.length);
      });
    });

    it("reproduces nibabel's numbers (fixture) in place", () => {
      const rawData = expected.rawData as Record<string, string>;
      let checked = 0;
      for (const c of expected.values) {
        const raw = c.raw as DType;
        const bytes = new Uint8Array(Buffer.from(rawData[c.raw + (c.littleEndian ? '<' : '>')], 'base64'));
        for (const [out, b64] of [['float32', c.f32], ['float64', c.f64]] as const) {
          const want = Buffer.from(b64, 'base64');
          const ctor = out === 'float32' ? Float32Array : Float64Array;
          const wantArr = new ctor(new Uint8Array(want).buffer);
          const got = inPlace(arena, bytes, raw, c.littleEndian, c.slope, c.inter, out);
          expect(mismatch(got, wantArr), `${c.raw} ${c.combo} ${out}`).toBeNull();
          checked++;
        }
        // np.asarray(proxy) when it is a float: the same kernels with that output.
        const as = scaledDtype(raw, c.slope, c.inter, { spm99: c.spm99 });
        expect(as).toBe(c.asarrayDtype);
      }
      expect(checked).toBe(2 * expected.values.length);
    });

    it('byte-swaps in place for every element size, any n', () => {
      const rand = rng(99);
      for (const dtype of ['int16', 'uint16', 'int32', 'float32', 'int64', 'float64', 'complex64', 'complex128', 'uint8', 'rgb24'] as DType[]) {
        for (const n of COUNTS) {
          const bytes = rawBytes(dtype, n, false, rand);
          const mark = arena.mark();
          const ptr = arena.alloc(bytes.length + 8, 8);
          arena.u8(ptr, bytes.length).set(bytes);
          swapInArena(arena, ptr, n, dtype);
          const size = dtypeInfo(dtype).itemsize / dtypeInfo(dtype).lanes;
          const want = new Uint8Array(bytes.length);
          for (let p = 0; p < bytes.length; p += size) {
            for (let b = 0; b < size; b++) want[p + b] = bytes[p + size - 1 - b];
          }
          expect(Array.from(arena.u8(ptr, bytes.length)), `${dtype} n=${n}`).toEqual(Array.from(want));
          arena.release(mark);
        }
      }
    });

    it('keeps nibabel semantics at the kernel level: -0 survives inter 0, WIDE changes rounding', () => {
      const mark = arena.mark();
      const p = arena.alloc(64, 16);
      const i16 = new Int16Array(arena.memory.buffer, p, 1);
      const f32 = new Float32Array(arena.memory.buffer, p + 16, 1);
      i16[0] = 0;
      expect(arena.exports.scale_i16_f32(p, p + 16, 1, -2, 0, 0)).toBe(0);
      expect(Object.is(f32[0], -0)).toBe(true);
      // 3 * 0.1f + 1/3f rounds differently in float32 arithmetic than in float64 then float32.
      const slope = Math.fround(0.1);
      const inter = Math.fround(1 / 3);
      let differs = false;
      for (let v = 1; v < 2000 && !differs; v++) {
        i16[0] = v;
        arena.exports.scale_i16_f32(p, p + 16, 1, slope, inter, 0);
        const narrow = f32[0];
        arena.exports.scale_i16_f32(p, p + 16, 1, slope, inter, SCALE_WIDE);
        expect(f32[0]).toBe(Math.fround(v * slope + inter));
        expect(narrow).toBe(Math.fround(Math.fround(v * slope) + inter));
        differs = narrow !== f32[0];
      }
      expect(differs).toBe(true);
      // SWAP reads big-endian.
      new DataView(arena.memory.buffer).setInt16(p, -300, false);
      arena.exports.scale_i16_f32(p, p + 16, 1, 1, 0, SCALE_SWAP);
      expect(f32[0]).toBe(-300);
      arena.release(mark);
    });

    it('kernels refuse regions outside memory and overlaps that break the aliasing rule', () => {
      const e = arena.exports;
      const top = arena.byteLength;
      const base = arena.alloc(0, 16);
      expect(e.scale_i16_f32(top - 8, base, 8, 2, 0, 0)).toBe(BAD_ARGUMENT);
      expect(e.scale_i16_f32(base, top - 16, 8, 2, 0, 0)).toBe(BAD_ARGUMENT);
      // n near 2^31 and 2^32: u64 arithmetic, no wrap-around, no trap.
      expect(e.scale_i16_f32(base, base, 0x7fffffff, 2, 0, 0)).toBe(BAD_ARGUMENT);
      expect(e.scale_u8_f64(base, base, -1, 2, 0, 0)).toBe(BAD_ARGUMENT);
      expect(e.swap_64(base, 0x20000000)).toBe(BAD_ARGUMENT);
      // Widening with src == dst would clobber unread input: refused; the top layout is fine.
      expect(e.scale_i16_f32(base, base, 100, 2, 0, 0)).toBe(BAD_ARGUMENT);
      expect(e.scale_i16_f32(base + 199, base, 100, 2, 0, 0)).toBe(BAD_ARGUMENT);
      expect(e.scale_i16_f32(base + 200, base, 100, 2, 0, 0)).toBe(0);
      // src below an overlapping dst is refused even for same width.
      expect(e.scale_f32_f32(base, base + 4, 100, 2, 0, 0)).toBe(BAD_ARGUMENT);
      expect(e.scale_f32_f32(base, base, 100, 2, 0, 0)).toBe(0);
      // Narrowing in place from the same start is fine.
      expect(e.scale_f64_f32(base, base, 100, 2, 0, 0)).toBe(0);
      // A region ending exactly at the top of memory is fine.
      expect(e.scale_u8_f32(top - 400, top - 400 - 300, 100, 2, 1, 0)).toBe(0);
      expect(e.scale_c64_c128(base, base, 10, 2, 1, 0)).toBe(BAD_ARGUMENT);
      expect(e.scale_c64_c128(base + 80, base, 10, 2, 1, 0)).toBe(0);
    });

    it('the glue checks arguments before the kernel does', () => {
      const base = arena.alloc(0, 16);
      expect(() => scaleInArena(arena, base, base, 100, 'int16', true, 2, 0, 'float32')).toThrow(RangeError);
      expect(() => scaleInArena(arena, arena.byteLength - 10, base, 100, 'int16', true, 2, 0, 'float32')).toThrow(RangeError);
      expect(() => scaleInArena(arena, base, base, 1.5, 'int16', true, 2, 0, 'float32')).toThrow(RangeError);
      expect(() => scaleInArena(arena, base, base, 1, 'rgb24', true, 1, 0, 'float32')).toThrow(UnsupportedError);
      expect(() => scaleInArena(arena, base, base, 1, 'int16', true, 1, 0, 'int32')).toThrow(TypeError);
      expect(() => scaleInArena(arena, base, base, 1, 'int16', true, 1, 0, 'complex64')).toThrow(TypeError);
      expect(() => swapInArena(arena, arena.byteLength - 2, 2, 'int16')).toThrow(RangeError);
    });

    it('rawOffsetFor / scaleRegionBytes give the in-place layout', () => {
      expect(rawOffsetFor(10, 'int16', 'float32')).toBe(20);
      expect(rawOffsetFor(10, 'uint8', 'float64')).toBe(70);
      expect(rawOffsetFor(10, 'float64', 'float32')).toBe(0);
      expect(rawOffsetFor(10, 'float32', 'float32')).toBe(0);
      expect(rawOffsetFor(10, 'int16', 'int16')).toBe(0);
      expect(rawOffsetFor(10, 'complex64', 'float64')).toBe(80);
      expect(rawOffsetFor(10, 'complex64', 'complex128')).toBe(80);
      expect(scaleRegionBytes(10, 'float64', 'float32')).toBe(80);
      expect(scaleRegionBytes(10, 'int16', 'float32')).toBe(40);
      expect(rawOffsetFor(0, 'int16', 'float64')).toBe(0);
      // The raw region's offset is a multiple of the raw element size (natural alignment).
      for (const raw of RAW) {
        for (const out of ['float32', 'float64'] as const) {
          const el = dtypeInfo(raw).itemsize / dtypeInfo(raw).lanes;
          expect(rawOffsetFor(7, raw, out) % el).toBe(0);
        }
      }
    });

    it('a trap becomes a WasmError', () => {
      const broken = Object.create(arena) as WasmArena;
      Object.defineProperty(broken, 'exports', {
        value: { ...arena.exports, scale_i16_f32: () => { throw new WebAssembly.RuntimeError('unreachable'); } },
      });
      const base = arena.alloc(0, 16);
      expect(() => scaleInArena(broken, base + 20, base, 10, 'int16', true, 2, 0, 'float32')).toThrow(WasmError);
    });
  });
}
