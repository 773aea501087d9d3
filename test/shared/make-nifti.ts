// A tiny NIfTI-1 writer for tests that need volumes of a given size (written by hand from
// the NIfTI-1 header layout, independently of src/header, so it can check the library).
import { gzipSync } from 'fflate';

const CODES: Record<string, [number, number]> = {
  uint8: [2, 8],
  int16: [4, 16],
  int32: [8, 32],
  float32: [16, 32],
  float64: [64, 64],
};

/** A little-endian `.nii` (352-byte header) holding `data` with shape `shape`. */
export function makeNifti(
  data: Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array,
  shape: number[],
  opts: { slope?: number; inter?: number; dtype?: keyof typeof CODES } = {},
): Uint8Array {
  const dtype = opts.dtype ?? (data instanceof Int16Array ? 'int16' : data instanceof Uint8Array ? 'uint8'
    : data instanceof Int32Array ? 'int32' : data instanceof Float32Array ? 'float32' : 'float64');
  const [code, bitpix] = CODES[dtype];
  const out = new Uint8Array(352 + data.byteLength);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 348, true);
  dv.setInt16(40, shape.length, true);
  for (let i = 0; i < 7; i++) dv.setInt16(42 + 2 * i, shape[i] ?? 1, true);
  dv.setInt16(70, code, true);
  dv.setInt16(72, bitpix, true);
  for (let i = 0; i < 8; i++) dv.setFloat32(76 + 4 * i, 1, true);
  dv.setFloat32(108, 352, true);
  dv.setFloat32(112, opts.slope ?? 1, true);
  dv.setFloat32(116, opts.inter ?? 0, true);
  dv.setUint8(123, 10);
  dv.setInt16(254, 1, true); // sform_code scanner
  dv.setFloat32(280, 1, true);
  dv.setFloat32(300, 1, true);
  dv.setFloat32(320, 1, true);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 352);
  return out;
}

/** The same, gzipped (level 6). */
export function makeNiftiGz(...args: Parameters<typeof makeNifti>): Uint8Array {
  return gzipSync(makeNifti(...args), { level: 6 });
}

/** A deterministic int16 volume with smooth structure and noise. */
export function phantomInt16(shape: number[], seed = 1): Int16Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int16Array(n);
  let s = seed >>> 0;
  const [nx, ny, nz] = [shape[0], shape[1] ?? 1, shape[2] ?? 1];
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const x = (i % nx) / nx - 0.5;
    const y = (Math.floor(i / nx) % ny) / ny - 0.5;
    const z = (Math.floor(i / (nx * ny)) % nz) / nz - 0.5;
    const r = Math.sqrt(x * x + y * y + z * z);
    out[i] = (r < 0.4 ? 800 + Math.round(300 * Math.cos(12 * r)) : 0) + (s >>> 28);
  }
  return out;
}
