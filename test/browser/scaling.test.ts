// The release scaling kernels in Chromium (module loaded through Vite's URL, as users get
// it): every dtype and byte order in place against the TypeScript twin, nibabel's numbers
// from the fixture, and one volume-sized int16 → float32 run with its throughput logged.
import { describe, expect, it } from 'vitest';
import { convertBytes } from '../../src/scaling';
import { type DType, type TypedArray, dtypeInfo } from '../../src/dtypes';
import { WasmArena } from '../../src/wasm/memory';
import { rawOffsetFor, scaleInArena, scaleRegionBytes } from '../../src/wasm/scale';
import expected from '../fixtures/scaling-expected.json';

const RAW: DType[] = [
  'uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64',
  'float32', 'float64', 'complex64', 'complex128',
];
const COMBOS: [number, number][] = [[1, 0], [2, 0], [0.07540696859359741, 3100.76171875], [0.1, 1 / 3], [1e35, -1e20], [-2, 0]];
const COUNTS = [0, 1, 7, 16, 17, 100];

function fromB64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
  return out;
}

function mismatch(actual: ArrayLike<number | bigint>, want: ArrayLike<number | bigint>): string | null {
  if (actual.length !== want.length) return `length ${actual.length} vs ${want.length}`;
  for (let k = 0; k < actual.length; k++) {
    if (!Object.is(actual[k], want[k])) return `[${k}]: ${String(actual[k])} vs ${String(want[k])}`;
  }
  return null;
}

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let k = 0; k < length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 0xff;
  }
  return out;
}

function runInPlace(
  arena: WasmArena, bytes: Uint8Array, raw: DType, le: boolean, slope: number, inter: number, out: 'float32' | 'float64',
): TypedArray {
  const n = bytes.length / dtypeInfo(raw).itemsize;
  const mark = arena.mark();
  try {
    const dst = arena.alloc(scaleRegionBytes(n, raw, out), 8);
    const src = dst + rawOffsetFor(n, raw, out);
    arena.u8(src, bytes.length).set(bytes);
    scaleInArena(arena, src, dst, n, raw, le, slope, inter, out);
    const count = n * dtypeInfo(raw).lanes;
    return (out === 'float32' ? new Float32Array(arena.memory.buffer, dst, count) : new Float64Array(arena.memory.buffer, dst, count)).slice();
  } finally {
    arena.release(mark);
  }
}

describe('release scaling kernels in Chromium', () => {
  it('match the TypeScript twin for every dtype, byte order and n, in place', async () => {
    const arena = (await WasmArena.create(1 << 20))!;
    expect(arena).not.toBeNull();
    let checked = 0;
    for (const raw of RAW) {
      const complex = dtypeInfo(raw).kind === 'c';
      for (const le of [true, false]) {
        for (const [slope, inter] of COMBOS) {
          for (const out of ['float32', 'float64'] as const) {
            for (const n of COUNTS) {
              const bytes = randomBytes(n * dtypeInfo(raw).itemsize, checked + 1);
              const twinOut: DType = complex ? (out === 'float32' ? 'complex64' : 'complex128') : out;
              const want = convertBytes(bytes, raw, le, slope, inter, twinOut);
              const got = runInPlace(arena, bytes, raw, le, slope, inter, out);
              expect(mismatch(got, want), `${raw} ${le ? '<' : '>'} (${slope}, ${inter}) → ${out} n=${n}`).toBeNull();
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBe(RAW.length * 2 * COMBOS.length * 2 * COUNTS.length);
  });

  it("give nibabel's numbers (fixture)", async () => {
    const arena = (await WasmArena.create(1 << 20))!;
    const rawData = expected.rawData as Record<string, string>;
    for (const c of expected.values) {
      const bytes = fromB64(rawData[c.raw + (c.littleEndian ? '<' : '>')]);
      for (const [out, b64] of [['float32', c.f32], ['float64', c.f64]] as const) {
        const wantBytes = fromB64(b64);
        const want = out === 'float32' ? new Float32Array(wantBytes.buffer) : new Float64Array(wantBytes.buffer);
        const got = runInPlace(arena, bytes, c.raw as DType, c.littleEndian, c.slope, c.inter, out);
        expect(mismatch(got, want), `${c.raw} ${c.combo} ${out}`).toBeNull();
      }
    }
  });

  it('convert a volume-sized int16 array in place, equal to the twin (throughput logged)', async () => {
    const n = 256 * 256 * 64;
    const slope = Math.fround(0.07540696859359741);
    const inter = 3100.76171875;
    const raw = new Int16Array(randomBytes(2 * n, 7).buffer);
    const arena = (await WasmArena.create(scaleRegionBytes(n, 'int16', 'float32')))!;
    const dst = arena.alloc(scaleRegionBytes(n, 'int16', 'float32'), 64);
    const src = dst + rawOffsetFor(n, 'int16', 'float32');
    const rawBytes = new Uint8Array(raw.buffer);
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      arena.u8(src, rawBytes.length).set(rawBytes);
      const t0 = performance.now();
      scaleInArena(arena, src, dst, n, 'int16', true, slope, inter, 'float32');
      best = Math.min(best, performance.now() - t0);
    }
    const got = new Float32Array(arena.memory.buffer, dst, n);
    const js = new Float32Array(n);
    let jsBest = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let k = 0; k < n; k++) js[k] = raw[k] * slope + inter;
      jsBest = Math.min(jsBest, performance.now() - t0);
    }
    expect(mismatch(got, convertBytes(rawBytes, 'int16', true, slope, inter, 'float32'))).toBeNull();
    console.log(
      `int16→float32 in place, ${n} voxels: wasm ${(n / best / 1000).toFixed(0)} Mvox/s, ` +
        `JS loop ${(n / jsBest / 1000).toFixed(0)} Mvox/s (${(jsBest / best).toFixed(2)}×)`,
    );
  });
});
