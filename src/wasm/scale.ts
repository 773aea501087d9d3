/**
 * Glue for the scaling kernels (wasm/scale.ts): the only TypeScript that calls them with
 * pointers. The numbers they compute are nibabel's (`volumeutils.apply_read_scaling` as run
 * by `ArrayProxy.__array__`); the decisions — which slope/intercept values, which working
 * precision, which output dtype — come from `scalingPlan` in src/scaling.ts, so the
 * WebAssembly path and the TypeScript twin cannot disagree on the rules.
 *
 * In-place layout (DESIGN.md "Memory"): to convert `n` voxels in place, reserve
 * `scaleRegionBytes(n, raw, out)` bytes at `dst`, put the raw bytes at
 * `dst + rawOffsetFor(n, raw, out)`, and call `scaleInArena(arena, src, dst, …)`. The
 * kernels write front to back and never overwrite input they have not read. The general
 * aliasing rule: the input and output regions are disjoint, or `src >= dst` and
 * `src - dst >= n * (outItemsize - inItemsize)`.
 *
 * Alignment: WebAssembly loads need none. With `dst` aligned to the output item size,
 * `dst + rawOffsetFor(...)` is aligned to the input element size (the offset is a multiple
 * of it), so typed views of the raw region are possible too.
 */
import { type DType, dtypeInfo } from '../dtypes.js';
import { UnsupportedError, WasmError } from '../errors.js';
import { type ScaledDType, scalingPlan } from '../scaling.js';
import { SCALE_SWAP, SCALE_WIDE, type ScaleExports, type ScaleKernel } from './exports-scale.js';
import type { WasmArena } from './memory.js';

/** Short kernel names of the raw dtypes. */
const CODE: Partial<Record<DType, string>> = {
  uint8: 'u8',
  int8: 'i8',
  int16: 'i16',
  uint16: 'u16',
  int32: 'i32',
  uint32: 'u32',
  int64: 'i64',
  uint64: 'u64',
  float32: 'f32',
  float64: 'f64',
  complex64: 'c64',
  complex128: 'c128',
};

/** Output dtypes `scaleInArena` accepts: the float width, or the complex dtype for complex data. */
export type ScaleOutDType = ScaledDType;

function isComplex(d: DType): boolean {
  return d === 'complex64' || d === 'complex128';
}

// For complex data 'float32'/'float64' name the lane type: the output stays complex.
function resolveOut(raw: DType, out: DType): ScaledDType {
  const complexRaw = isComplex(raw);
  if (out === 'float32' || (complexRaw && out === 'complex64')) return complexRaw ? 'complex64' : 'float32';
  if (out === 'float64' || (complexRaw && out === 'complex128')) return complexRaw ? 'complex128' : 'float64';
  throw new TypeError(`cannot scale ${raw} data to ${out}: use float32 or float64 (complex64/complex128 for complex data)`);
}

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
}

/**
 * Bytes per output voxel when `rawDtype` is converted to `outDtype` (for complex data a
 * float `outDtype` names the lane type; the same dtype means no conversion).
 */
function outItemsize(rawDtype: DType, outDtype: DType): number {
  if (outDtype === rawDtype) return dtypeInfo(rawDtype).itemsize;
  return dtypeInfo(resolveOut(rawDtype, outDtype)).itemsize;
}

/**
 * Where the raw bytes must start, relative to the output pointer, for an in-place
 * conversion of `n` voxels: `n * (outItemsize - inItemsize)` when the output is wider, else 0.
 * @param n voxels
 * @param rawDtype on-disk dtype
 * @param outDtype float32/float64 (lane type for complex data), complex64/complex128, or
 *   `rawDtype` (no conversion)
 * @returns the byte offset from `dst` at which to place the raw bytes
 * @throws {TypeError} for an output dtype the kernels cannot produce
 */
export function rawOffsetFor(n: number, rawDtype: DType, outDtype: DType): number {
  checkCount('n', n);
  const inSize = dtypeInfo(rawDtype).itemsize;
  return n * Math.max(0, outItemsize(rawDtype, outDtype) - inSize);
}

/**
 * Bytes an in-place conversion of `n` voxels needs at `dst`: the larger of the raw and the
 * output sizes (the output occupies the first `n * outItemsize` of them).
 * @param n voxels
 * @param rawDtype on-disk dtype
 * @param outDtype as for `rawOffsetFor`
 * @returns the region size in bytes
 * @throws {TypeError} for an output dtype the kernels cannot produce
 */
export function scaleRegionBytes(n: number, rawDtype: DType, outDtype: DType): number {
  checkCount('n', n);
  return n * Math.max(dtypeInfo(rawDtype).itemsize, outItemsize(rawDtype, outDtype));
}

function checkRegions(arena: WasmArena, src: number, dst: number, inBytes: number, outBytes: number, n: number): void {
  checkCount('src', src);
  checkCount('dst', dst);
  if (src + inBytes > arena.byteLength || dst + outBytes > arena.byteLength) {
    throw new RangeError(
      `regions [${src}, +${inBytes}) and [${dst}, +${outBytes}) do not fit in an arena of ${arena.byteLength} bytes`,
    );
  }
  const disjoint = src + inBytes <= dst || dst + outBytes <= src;
  const grow = Math.max(0, outBytes - inBytes);
  if (!disjoint && (src < dst || src - dst < grow)) {
    throw new RangeError(
      `overlapping regions must have src >= dst + ${grow} (${n} voxels): put the raw bytes at dst + rawOffsetFor(n, …)`,
    );
  }
}

function call(fn: () => number, what: string): void {
  let status: number;
  try {
    status = fn();
  } catch (cause) {
    throw new WasmError(`${what} trapped: ${String(cause)}`, { code: 'WASM_TRAP', cause });
  }
  if (status !== 0) {
    // The arguments were checked above, so this is a glue/kernel disagreement, not bad data.
    throw new WasmError(`${what} rejected its arguments (status ${status})`, { code: 'SCALE_BAD_ARGUMENT' });
  }
}

/**
 * Converts `n` raw voxels at `src` into scaled float voxels at `dst`, inside one arena,
 * with nibabel's numbers (`np.asarray(proxy, dtype=outDtype)` for a proxy with these
 * factors; see `scalingPlan`).
 * @param arena the arena holding both regions
 * @param src byte address of the raw voxels (in the file's byte order)
 * @param dst byte address of the output (native little-endian)
 * @param n voxels (complex: (re, im) pairs)
 * @param rawDtype on-disk dtype (not RGB)
 * @param littleEndian the file's byte order
 * @param slope effective slope (1 for none)
 * @param inter effective intercept (0 for none)
 * @param outDtype `'float32' | 'float64'` (for complex data: the lane type, output stays
 *   interleaved complex), or `'complex64' | 'complex128'` for complex data
 * @throws {RangeError} when a region leaves the arena or overlaps against the aliasing rule
 * @throws {TypeError} for an output dtype the kernels cannot produce
 * @throws {UnsupportedError} for RGB data
 * @throws {WasmError} when the kernel traps or refuses its arguments
 */
export function scaleInArena(
  arena: WasmArena,
  src: number,
  dst: number,
  n: number,
  rawDtype: DType,
  littleEndian: boolean,
  slope: number,
  inter: number,
  outDtype: DType,
): void {
  checkCount('n', n);
  const info = dtypeInfo(rawDtype);
  if (info.kind === 'V') {
    throw new UnsupportedError(`cannot convert ${rawDtype} data to float`, {
      code: 'UNSUPPORTED_SCALING',
      feature: `scaling:${rawDtype}`,
    });
  }
  const out = resolveOut(rawDtype, outDtype);
  const plan = scalingPlan(rawDtype, slope, inter, { dtype: out });
  const outInfo = dtypeInfo(out);
  checkRegions(arena, src, dst, n * info.itemsize, n * outInfo.itemsize, n);
  const laneOut = out === 'float32' || out === 'complex64' ? 'f32' : 'f64';
  const name = isComplex(rawDtype)
    ? `scale_${CODE[rawDtype]}_${laneOut === 'f32' ? 'c64' : 'c128'}`
    : `scale_${CODE[rawDtype]}_${laneOut}`;
  const kernel = arena.exports[name as keyof ScaleExports] as ScaleKernel;
  const flags = (littleEndian ? 0 : SCALE_SWAP) | (plan.work === 'float64' ? SCALE_WIDE : 0);
  call(() => kernel(src, dst, n, plan.slope, plan.inter, flags), name);
}

/**
 * Byte-swaps `n` voxels of `dtype` in place (big-endian file → native order when no
 * conversion is wanted). Complex voxels swap per part; 1-byte dtypes and RGB need nothing.
 * @param arena the arena holding the voxels
 * @param ptr byte address
 * @param n voxels
 * @param dtype their dtype
 * @throws {RangeError} when the region leaves the arena
 * @throws {WasmError} when the kernel traps or refuses its arguments
 */
export function swapInArena(arena: WasmArena, ptr: number, n: number, dtype: DType): void {
  checkCount('n', n);
  checkCount('ptr', ptr);
  const info = dtypeInfo(dtype);
  const size = info.itemsize / info.lanes;
  if (size === 1) return;
  const count = n * info.lanes;
  if (ptr + count * size > arena.byteLength) {
    throw new RangeError(`region [${ptr}, +${count * size}) does not fit in an arena of ${arena.byteLength} bytes`);
  }
  const name = size === 2 ? 'swap_16' : size === 4 ? 'swap_32' : 'swap_64';
  const kernel = arena.exports[name];
  call(() => kernel(ptr, count), name);
}
