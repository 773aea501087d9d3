// Dtype conversion, byte-swap and scl_slope/scl_inter scaling kernels (AssemblyScript).
//
// Ports the arithmetic of nibabel's volumeutils.apply_read_scaling as it runs under numpy:
// `out = raw * slope + inter`, where the multiply is skipped when slope == 1 and the add is
// skipped when inter == 0 (so a raw -0.0 stays -0.0, as in nibabel). The host
// (src/wasm/scale.ts, using the rules in src/codecs/scaling.ts) decides slope, inter and the
// working precision; these kernels only do the arithmetic, exactly and fast. This file holds
// the argument checks, the scalar loops, the generic kernels and their exports; the SIMD
// block loops they call are in wasm/scale-simd.ts.
//
// Kernels: `scale_<in>_<out>(src, dst, n, slope, inter, flags): i32`
//   in  ∈ u8 i8 i16 u16 i32 u32 i64 u64 f32 f64, out ∈ f32 f64;
//   plus `scale_<c64|c128>_<c64|c128>` for complex, and `swap_16/32/64(ptr, n)`.
//   - `src`, `dst`: byte addresses in this instance's memory, owned by the host.
//   - `n`: number of voxels (for complex: (re, im) pairs).
//   - `flags`: bit 0 (SWAP) the input is in the foreign byte order (big-endian) and each
//     element is byte-swapped as it is read; output is always little-endian.
//     Bit 1 (WIDE) only matters for an f32 output: compute in f64 and round once at the
//     end instead of computing in the input's natural working type.
//   - Working type for an f32 output is numpy's promote_types(in, float32): f32 for
//     u8 i8 i16 u16 f32 (slope and inter are rounded to f32 first), f64 for i32 u32 i64
//     u64 f64 (then rounded to f32 once per value); WIDE forces f64. An f64 output always
//     works in f64.
//   - slope == 1 and inter == 0 take a conversion-only loop (no arithmetic); in the f32
//     working type the tests use the f64 values given, so the host passes values already
//     rounded to f32 when it wants numpy's behaviour (it does).
//   - Returns OK (0), or BAD_ARGUMENT when a region leaves memory or the aliasing rule is
//     broken. Nothing is written in that case.
//
// Aliasing rule (in place, DESIGN.md "Memory"): the regions may be disjoint, or overlap
// when src >= dst and src - dst >= n * (outsize - insize) (when the output is wider). The
// intended layout puts the raw bytes at the top of the output region:
// src == dst + n * (outsize - insize), and for same width or narrower src == dst. Output
// is written front to back, every SIMD block loads all its input before storing, so a
// write never lands on input not yet read. u64 arithmetic keeps n up to 2^32-1 safe.

import {
  simdB32, simdB64, simdCvtB32, simdCvtH32, simdD64, simdF32, simdH32, simdH64, simdW64, swap16x8, swap32x4,
  swap64x2,
} from './scale-simd';
import { BAD_ARGUMENT, OK } from './status';

const SWAP: i32 = 1;
const WIDE: i32 = 2;

// ---------------------------------------------------------------------------------------
// Argument checks (unsigned, in u64 so n * size never wraps).

function regionsOk(src: usize, dst: usize, n: usize, inSize: u64, outSize: u64): bool {
  const top = (<u64>memory.size()) << 16;
  const inBytes = <u64>n * inSize;
  const outBytes = <u64>n * outSize;
  const s = <u64>src;
  const d = <u64>dst;
  if (s + inBytes > top || d + outBytes > top) return false;
  if (s + inBytes <= d || d + outBytes <= s) return true;
  if (s < d) return false;
  return outSize <= inSize || s - d >= <u64>n * (outSize - inSize);
}

// ---------------------------------------------------------------------------------------
// Scalar element access.

// @ts-ignore: decorator
@inline
function rd<T>(p: usize, swap: bool): T {
  if (sizeof<T>() == 1) return load<T>(p);
  if (isFloat<T>()) {
    if (sizeof<T>() == 4) {
      const b = load<u32>(p);
      return <T>reinterpret<f32>(swap ? bswap<u32>(b) : b);
    }
    const b = load<u64>(p);
    return <T>reinterpret<f64>(swap ? bswap<u64>(b) : b);
  }
  const v = load<T>(p);
  return swap ? bswap<T>(v) : v;
}

// numpy's promote_types(T, float32) is float64 for 32/64-bit integers and float64.
// @ts-ignore: decorator
@inline
function needsF64<T>(): bool {
  return sizeof<T>() >= 4 && !(isFloat<T>() && sizeof<T>() == 4);
}

function convertTail<TIn, TW, TOut>(s: usize, d: usize, n: usize, swap: bool): void {
  while (n) {
    store<TOut>(d, <TOut>(<TW>rd<TIn>(s, swap)));
    s += sizeof<TIn>();
    d += sizeof<TOut>();
    n--;
  }
}

function scaleTail<TIn, TW, TOut>(s: usize, d: usize, n: usize, slope: TW, inter: TW, swap: bool): void {
  while (n) {
    const x = <TW>rd<TIn>(s, swap);
    store<TOut>(d, <TOut>(x * slope + inter));
    s += sizeof<TIn>();
    d += sizeof<TOut>();
    n--;
  }
}

function swapCopy<T>(s: usize, d: usize, n: usize): void {
  while (n) {
    store<T>(d, bswap<T>(load<T>(s)));
    s += sizeof<T>();
    d += sizeof<T>();
    n--;
  }
}

// ---------------------------------------------------------------------------------------
// The real-valued kernel, one instantiation per (input, output) pair.

function scaleReal<TIn, TOut>(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  if (!regionsOk(src, dst, n, sizeof<TIn>(), sizeof<TOut>())) return BAD_ARGUMENT;
  const swap = (flags & SWAP) != 0 && sizeof<TIn>() > 1;
  const outF32 = sizeof<TOut>() == 4;

  if (slope == 1 && inter == 0) {
    // Conversion only: numpy's astype through promote_types(in, out).
    if (isFloat<TIn>() && sizeof<TIn>() == sizeof<TOut>()) {
      if (swap) {
        if (sizeof<TIn>() == 4) swapCopy<u32>(src, dst, n);
        else swapCopy<u64>(src, dst, n);
      } else if (src != dst) {
        memory.copy(dst, src, n * sizeof<TIn>());
      }
      return OK;
    }
    let done: usize = 0;
    if (outF32) {
      if (sizeof<TIn>() == 2) done = simdCvtH32<TIn>(src, dst, n, swap);
      else if (sizeof<TIn>() == 1) done = simdCvtB32<TIn>(src, dst, n);
      if (needsF64<TIn>()) {
        convertTail<TIn, f64, f32>(src + done * sizeof<TIn>(), dst + done * 4, n - done, swap);
      } else {
        convertTail<TIn, f32, f32>(src + done * sizeof<TIn>(), dst + done * 4, n - done, swap);
      }
    } else {
      if (sizeof<TIn>() == 1) done = simdB64<TIn, f64>(src, dst, n, 1.0, -0.0);
      else if (sizeof<TIn>() == 2) done = simdH64<TIn, f64>(src, dst, n, 1.0, -0.0, swap);
      else if (sizeof<TIn>() == 4) done = simdW64<TIn, f64>(src, dst, n, 1.0, -0.0, swap);
      convertTail<TIn, f64, f64>(src + done * sizeof<TIn>(), dst + done * 8, n - done, swap);
    }
    return OK;
  }

  // Adding -0.0 leaves every value (including -0.0) unchanged: nibabel's "skip the add
  // when inter == 0" without a second loop. Multiplying by 1 is exact likewise.
  const add = inter == 0 ? -0.0 : inter;
  let done: usize = 0;
  if (outF32 && (flags & WIDE) == 0 && !needsF64<TIn>()) {
    const S = <f32>slope;
    const I = <f32>add;
    if (sizeof<TIn>() == 1) done = simdB32<TIn>(src, dst, n, S, I);
    else if (sizeof<TIn>() == 2) done = simdH32<TIn>(src, dst, n, S, I, swap);
    else if (isFloat<TIn>()) done = simdF32(src, dst, n, S, I, swap);
    scaleTail<TIn, f32, f32>(src + done * sizeof<TIn>(), dst + done * 4, n - done, S, I, swap);
    return OK;
  }
  if (sizeof<TIn>() == 1) done = simdB64<TIn, TOut>(src, dst, n, slope, add);
  else if (sizeof<TIn>() == 2) done = simdH64<TIn, TOut>(src, dst, n, slope, add, swap);
  else if (sizeof<TIn>() == 4) done = simdW64<TIn, TOut>(src, dst, n, slope, add, swap);
  else if (isFloat<TIn>()) done = simdD64<TOut>(src, dst, n, slope, add, swap);
  scaleTail<TIn, f64, TOut>(src + done * sizeof<TIn>(), dst + done * sizeof<TOut>(), n - done, slope, add, swap);
  return OK;
}

// ---------------------------------------------------------------------------------------
// Complex: numpy multiplies by (slope + 0j) and adds (inter + 0j), so
// re' = re*slope - im*0 + inter and im' = re*0 + im*slope + 0. The zero terms matter for
// inf/NaN (inf*0 is NaN) and signed zeros, so they are computed, not dropped. This is
// *not* the NIfTI-1 text ("scaling applies to both parts"): the intercept goes to the
// real part only, as nibabel gives.

function scaleComplex<TL, TW, TO>(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  if (!regionsOk(src, dst, n, 2 * sizeof<TL>(), 2 * sizeof<TO>())) return BAD_ARGUMENT;
  const swap = (flags & SWAP) != 0;
  if (slope == 1 && inter == 0) {
    if (sizeof<TL>() == sizeof<TO>()) {
      if (swap) {
        if (sizeof<TL>() == 4) swapCopy<u32>(src, dst, 2 * n);
        else swapCopy<u64>(src, dst, 2 * n);
      } else if (src != dst) {
        memory.copy(dst, src, n * 2 * sizeof<TL>());
      }
    } else {
      // Lanes convert independently; 2n lanes front to back keeps the aliasing rule.
      convertTail<TL, TO, TO>(src, dst, 2 * n, swap);
    }
    return OK;
  }
  const mul = slope != 1;
  const add = inter != 0;
  const S = <TW>slope;
  const I = <TW>inter;
  const zero = <TW>0;
  let s = src;
  let d = dst;
  let rem = n;
  while (rem) {
    let re = <TW>rd<TL>(s, swap);
    let im = <TW>rd<TL>(s + sizeof<TL>(), swap);
    if (mul) {
      const r = re * S - im * zero;
      im = re * zero + im * S;
      re = r;
    }
    if (add) {
      re = re + I;
      im = im + zero;
    }
    store<TO>(d, <TO>re);
    store<TO>(d + sizeof<TO>(), <TO>im);
    s += 2 * sizeof<TL>();
    d += 2 * sizeof<TO>();
    rem--;
  }
  return OK;
}

// ---------------------------------------------------------------------------------------
// Exports. See the file comment for the contract shared by all scale_* kernels.

/** uint8 → float32. @returns OK or BAD_ARGUMENT */
export function scale_u8_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u8, f32>(src, dst, n, slope, inter, flags);
}
/** uint8 → float64. */
export function scale_u8_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u8, f64>(src, dst, n, slope, inter, flags);
}
/** int8 → float32. */
export function scale_i8_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i8, f32>(src, dst, n, slope, inter, flags);
}
/** int8 → float64. */
export function scale_i8_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i8, f64>(src, dst, n, slope, inter, flags);
}
/** int16 → float32. */
export function scale_i16_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i16, f32>(src, dst, n, slope, inter, flags);
}
/** int16 → float64. */
export function scale_i16_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i16, f64>(src, dst, n, slope, inter, flags);
}
/** uint16 → float32. */
export function scale_u16_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u16, f32>(src, dst, n, slope, inter, flags);
}
/** uint16 → float64. */
export function scale_u16_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u16, f64>(src, dst, n, slope, inter, flags);
}
/** int32 → float32 (works in f64). */
export function scale_i32_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i32, f32>(src, dst, n, slope, inter, flags);
}
/** int32 → float64. */
export function scale_i32_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i32, f64>(src, dst, n, slope, inter, flags);
}
/** uint32 → float32 (works in f64). */
export function scale_u32_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u32, f32>(src, dst, n, slope, inter, flags);
}
/** uint32 → float64. */
export function scale_u32_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u32, f64>(src, dst, n, slope, inter, flags);
}
/** int64 → float32 (works in f64: values round twice, as numpy's int64 → float64 → float32). */
export function scale_i64_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i64, f32>(src, dst, n, slope, inter, flags);
}
/** int64 → float64. */
export function scale_i64_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<i64, f64>(src, dst, n, slope, inter, flags);
}
/** uint64 → float32 (works in f64). */
export function scale_u64_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u64, f32>(src, dst, n, slope, inter, flags);
}
/** uint64 → float64. */
export function scale_u64_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<u64, f64>(src, dst, n, slope, inter, flags);
}
/** float32 → float32. */
export function scale_f32_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<f32, f32>(src, dst, n, slope, inter, flags);
}
/** float32 → float64. */
export function scale_f32_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<f32, f64>(src, dst, n, slope, inter, flags);
}
/** float64 → float32 (works in f64). */
export function scale_f64_f32(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<f64, f32>(src, dst, n, slope, inter, flags);
}
/** float64 → float64. */
export function scale_f64_f64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleReal<f64, f64>(src, dst, n, slope, inter, flags);
}
/** complex64 → complex64, working in f32 (WIDE: in f64). `n` counts complex voxels. */
export function scale_c64_c64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return (flags & WIDE) != 0
    ? scaleComplex<f32, f64, f32>(src, dst, n, slope, inter, flags)
    : scaleComplex<f32, f32, f32>(src, dst, n, slope, inter, flags);
}
/** complex64 → complex128, working in f64. */
export function scale_c64_c128(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleComplex<f32, f64, f64>(src, dst, n, slope, inter, flags);
}
/** complex128 → complex64, working in f64, rounded once per part. */
export function scale_c128_c64(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleComplex<f64, f64, f32>(src, dst, n, slope, inter, flags);
}
/** complex128 → complex128. */
export function scale_c128_c128(src: usize, dst: usize, n: usize, slope: f64, inter: f64, flags: i32): i32 {
  return scaleComplex<f64, f64, f64>(src, dst, n, slope, inter, flags);
}

// ---------------------------------------------------------------------------------------
// In-place byte swap of `n` elements of 2, 4 or 8 bytes at `ptr` (complex: 2n lanes).

function swapInPlace<T>(ptr: usize, n: usize): i32 {
  if (!regionsOk(ptr, ptr, n, sizeof<T>(), sizeof<T>())) return BAD_ARGUMENT;
  const perBlock: usize = 16 / sizeof<T>();
  let p = ptr;
  let rem = n;
  while (rem >= perBlock) {
    const v = v128.load(p);
    if (sizeof<T>() == 2) v128.store(p, swap16x8(v));
    else if (sizeof<T>() == 4) v128.store(p, swap32x4(v));
    else v128.store(p, swap64x2(v));
    p += 16;
    rem -= perBlock;
  }
  swapCopy<T>(p, p, rem);
  return OK;
}

/** Byte-swaps `n` 16-bit elements at `ptr` in place. @returns OK or BAD_ARGUMENT */
export function swap_16(ptr: usize, n: usize): i32 {
  return swapInPlace<u16>(ptr, n);
}
/** Byte-swaps `n` 32-bit elements at `ptr` in place (complex64: n = 2 × voxels). */
export function swap_32(ptr: usize, n: usize): i32 {
  return swapInPlace<u32>(ptr, n);
}
/** Byte-swaps `n` 64-bit elements at `ptr` in place (complex128: n = 2 × voxels). */
export function swap_64(ptr: usize, n: usize): i32 {
  return swapInPlace<u64>(ptr, n);
}
