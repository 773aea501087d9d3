/**
 * Exports of the dtype conversion / scaling / byte-swap kernels (wasm/scale.ts), as the
 * host sees them. Part of src/wasm/exports.ts. The kernels port the arithmetic of nibabel's
 * `volumeutils.apply_read_scaling`; src/wasm/scale.ts is the only caller.
 *
 * Every `scale_*` kernel has the signature
 * `(src, dst, n, slope, inter, flags) => status`: `src`/`dst` are byte addresses, `n` counts
 * voxels (complex: (re, im) pairs), `flags` is `SCALE_SWAP | SCALE_WIDE`, and the result is
 * 0 (OK) or -20 (BAD_ARGUMENT: a region outside memory, or overlap breaking the aliasing
 * rule `src >= dst && src - dst >= n * (outsize - insize)`). See wasm/scale.ts.
 */

/** A scaling kernel: `(src, dst, n, slope, inter, flags) → status`. */
export type ScaleKernel = (src: number, dst: number, n: number, slope: number, inter: number, flags: number) => number;

/** An in-place byte-swap kernel: `(ptr, nElements) → status`. */
export type SwapKernel = (ptr: number, n: number) => number;

/** `flags` bit: the input is byte-swapped (big-endian file on a little-endian host). */
export const SCALE_SWAP = 1;
/** `flags` bit: for a float32 output, work in float64 and round once at the end. */
export const SCALE_WIDE = 2;

/** Numbers-only interface of the scaling family. */
export interface ScaleExports {
  scale_u8_f32: ScaleKernel;
  scale_u8_f64: ScaleKernel;
  scale_i8_f32: ScaleKernel;
  scale_i8_f64: ScaleKernel;
  scale_i16_f32: ScaleKernel;
  scale_i16_f64: ScaleKernel;
  scale_u16_f32: ScaleKernel;
  scale_u16_f64: ScaleKernel;
  scale_i32_f32: ScaleKernel;
  scale_i32_f64: ScaleKernel;
  scale_u32_f32: ScaleKernel;
  scale_u32_f64: ScaleKernel;
  scale_i64_f32: ScaleKernel;
  scale_i64_f64: ScaleKernel;
  scale_u64_f32: ScaleKernel;
  scale_u64_f64: ScaleKernel;
  scale_f32_f32: ScaleKernel;
  scale_f32_f64: ScaleKernel;
  scale_f64_f32: ScaleKernel;
  scale_f64_f64: ScaleKernel;
  /** complex64 in, complex64 out; `n` counts complex voxels. */
  scale_c64_c64: ScaleKernel;
  scale_c64_c128: ScaleKernel;
  scale_c128_c64: ScaleKernel;
  scale_c128_c128: ScaleKernel;
  /** Swaps `n` 2-byte elements in place. */
  swap_16: SwapKernel;
  /** Swaps `n` 4-byte elements in place (complex64: 2 per voxel). */
  swap_32: SwapKernel;
  /** Swaps `n` 8-byte elements in place (complex128: 2 per voxel). */
  swap_64: SwapKernel;
}

/** Their export names. */
export const SCALE_EXPORT_NAMES: readonly (keyof ScaleExports)[] = [
  'scale_u8_f32',
  'scale_u8_f64',
  'scale_i8_f32',
  'scale_i8_f64',
  'scale_i16_f32',
  'scale_i16_f64',
  'scale_u16_f32',
  'scale_u16_f64',
  'scale_i32_f32',
  'scale_i32_f64',
  'scale_u32_f32',
  'scale_u32_f64',
  'scale_i64_f32',
  'scale_i64_f64',
  'scale_u64_f32',
  'scale_u64_f64',
  'scale_f32_f32',
  'scale_f32_f64',
  'scale_f64_f32',
  'scale_f64_f64',
  'scale_c64_c64',
  'scale_c64_c128',
  'scale_c128_c64',
  'scale_c128_c128',
  'swap_16',
  'swap_32',
  'swap_64',
];
