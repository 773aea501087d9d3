// SIMD blocks of the scaling kernels (wasm/scale.ts): byte swaps of 16-bit, 32-bit and 64-bit
// lanes, and one loop per input width and working type (f32 or f64) that converts, scales
// (`x * slope + inter`, never fused) and stores whole 16-byte blocks. Each `simd*` function
// processes whole blocks and returns the number of voxels done; scale.ts's scalar tails
// finish the rest. All loads of a block precede its stores, which is what lets the kernels
// work in place (see the aliasing rule in scale.ts).

// @ts-ignore: decorator
@inline
export function swap16x8(v: v128): v128 {
  return i8x16.shuffle(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
}

// @ts-ignore: decorator
@inline
export function swap32x4(v: v128): v128 {
  return i8x16.shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

// @ts-ignore: decorator
@inline
export function swap64x2(v: v128): v128 {
  return i8x16.shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
}

// x * s + i as two rounded operations (never fused: numpy does not fuse either).
// @ts-ignore: decorator
@inline
function mulAdd32(x: v128, s: v128, i: v128): v128 {
  return f32x4.add(f32x4.mul(x, s), i);
}

// @ts-ignore: decorator
@inline
function mulAdd64(x: v128, s: v128, i: v128): v128 {
  return f64x2.add(f64x2.mul(x, s), i);
}

// Four i32 lanes → two f64x2 (low, high).
// @ts-ignore: decorator
@inline
function i32LowF64<TIn>(q: v128): v128 {
  return isSigned<TIn>() ? f64x2.convert_low_i32x4_s(q) : f64x2.convert_low_i32x4_u(q);
}

// @ts-ignore: decorator
@inline
function i32HighF64<TIn>(q: v128): v128 {
  const h = i32x4.shuffle(q, q, 2, 3, 2, 3);
  return isSigned<TIn>() ? f64x2.convert_low_i32x4_s(h) : f64x2.convert_low_i32x4_u(h);
}

// Stores two f64x2 results (4 values) as f64 (32 bytes) or rounded to f32 (16 bytes).
// @ts-ignore: decorator
@inline
function storePair<TOut>(d: usize, a: v128, b: v128): void {
  if (sizeof<TOut>() == 8) {
    v128.store(d, a);
    v128.store(d, b, 16);
  } else {
    v128.store(d, i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5));
  }
}

// f32 working type, 8-bit input: 16 voxels per block.
export function simdB32<TIn>(s: usize, d: usize, n: usize, slope: f32, inter: f32): usize {
  const S = f32x4.splat(slope);
  const I = f32x4.splat(inter);
  let rem = n;
  while (rem >= 16) {
    const v = v128.load(s);
    const lo = isSigned<TIn>() ? i16x8.extend_low_i8x16_s(v) : i16x8.extend_low_i8x16_u(v);
    const hi = isSigned<TIn>() ? i16x8.extend_high_i8x16_s(v) : i16x8.extend_high_i8x16_u(v);
    const q0 = i32x4.extend_low_i16x8_s(lo);
    const q1 = i32x4.extend_high_i16x8_s(lo);
    const q2 = i32x4.extend_low_i16x8_s(hi);
    const q3 = i32x4.extend_high_i16x8_s(hi);
    v128.store(d, mulAdd32(f32x4.convert_i32x4_s(q0), S, I));
    v128.store(d, mulAdd32(f32x4.convert_i32x4_s(q1), S, I), 16);
    v128.store(d, mulAdd32(f32x4.convert_i32x4_s(q2), S, I), 32);
    v128.store(d, mulAdd32(f32x4.convert_i32x4_s(q3), S, I), 48);
    s += 16;
    d += 64;
    rem -= 16;
  }
  return n - rem;
}

// f32 working type, 16-bit input: 8 voxels per block.
export function simdH32<TIn>(s: usize, d: usize, n: usize, slope: f32, inter: f32, swap: bool): usize {
  const S = f32x4.splat(slope);
  const I = f32x4.splat(inter);
  let rem = n;
  while (rem >= 8) {
    let v = v128.load(s);
    if (swap) v = swap16x8(v);
    const q0 = isSigned<TIn>() ? i32x4.extend_low_i16x8_s(v) : i32x4.extend_low_i16x8_u(v);
    const q1 = isSigned<TIn>() ? i32x4.extend_high_i16x8_s(v) : i32x4.extend_high_i16x8_u(v);
    v128.store(d, mulAdd32(f32x4.convert_i32x4_s(q0), S, I));
    v128.store(d, mulAdd32(f32x4.convert_i32x4_s(q1), S, I), 16);
    s += 16;
    d += 32;
    rem -= 8;
  }
  return n - rem;
}

// f32 working type, f32 input: 8 voxels per block.
export function simdF32(s: usize, d: usize, n: usize, slope: f32, inter: f32, swap: bool): usize {
  const S = f32x4.splat(slope);
  const I = f32x4.splat(inter);
  let rem = n;
  while (rem >= 8) {
    let a = v128.load(s);
    let b = v128.load(s, 16);
    if (swap) {
      a = swap32x4(a);
      b = swap32x4(b);
    }
    v128.store(d, mulAdd32(a, S, I));
    v128.store(d, mulAdd32(b, S, I), 16);
    s += 32;
    d += 32;
    rem -= 8;
  }
  return n - rem;
}

// f64 working type, 8-bit input: 16 voxels per block.
export function simdB64<TIn, TOut>(s: usize, d: usize, n: usize, slope: f64, inter: f64): usize {
  const S = f64x2.splat(slope);
  const I = f64x2.splat(inter);
  const step: usize = 4 * sizeof<TOut>();
  let rem = n;
  while (rem >= 16) {
    const v = v128.load(s);
    const lo = isSigned<TIn>() ? i16x8.extend_low_i8x16_s(v) : i16x8.extend_low_i8x16_u(v);
    const hi = isSigned<TIn>() ? i16x8.extend_high_i8x16_s(v) : i16x8.extend_high_i8x16_u(v);
    const q0 = i32x4.extend_low_i16x8_s(lo);
    const q1 = i32x4.extend_high_i16x8_s(lo);
    const q2 = i32x4.extend_low_i16x8_s(hi);
    const q3 = i32x4.extend_high_i16x8_s(hi);
    storePair<TOut>(d, mulAdd64(f64x2.convert_low_i32x4_s(q0), S, I), mulAdd64(i32HighF64<i32>(q0), S, I));
    storePair<TOut>(d + step, mulAdd64(f64x2.convert_low_i32x4_s(q1), S, I), mulAdd64(i32HighF64<i32>(q1), S, I));
    storePair<TOut>(d + 2 * step, mulAdd64(f64x2.convert_low_i32x4_s(q2), S, I), mulAdd64(i32HighF64<i32>(q2), S, I));
    storePair<TOut>(d + 3 * step, mulAdd64(f64x2.convert_low_i32x4_s(q3), S, I), mulAdd64(i32HighF64<i32>(q3), S, I));
    s += 16;
    d += 4 * step;
    rem -= 16;
  }
  return n - rem;
}

// f64 working type, 16-bit input: 8 voxels per block.
export function simdH64<TIn, TOut>(s: usize, d: usize, n: usize, slope: f64, inter: f64, swap: bool): usize {
  const S = f64x2.splat(slope);
  const I = f64x2.splat(inter);
  const step: usize = 4 * sizeof<TOut>();
  let rem = n;
  while (rem >= 8) {
    let v = v128.load(s);
    if (swap) v = swap16x8(v);
    const q0 = isSigned<TIn>() ? i32x4.extend_low_i16x8_s(v) : i32x4.extend_low_i16x8_u(v);
    const q1 = isSigned<TIn>() ? i32x4.extend_high_i16x8_s(v) : i32x4.extend_high_i16x8_u(v);
    storePair<TOut>(d, mulAdd64(f64x2.convert_low_i32x4_s(q0), S, I), mulAdd64(i32HighF64<i32>(q0), S, I));
    storePair<TOut>(d + step, mulAdd64(f64x2.convert_low_i32x4_s(q1), S, I), mulAdd64(i32HighF64<i32>(q1), S, I));
    s += 16;
    d += 2 * step;
    rem -= 8;
  }
  return n - rem;
}

// f64 working type, 32-bit input (i32, u32, f32): 4 voxels per block.
export function simdW64<TIn, TOut>(s: usize, d: usize, n: usize, slope: f64, inter: f64, swap: bool): usize {
  const S = f64x2.splat(slope);
  const I = f64x2.splat(inter);
  let rem = n;
  while (rem >= 4) {
    let v = v128.load(s);
    if (swap) v = swap32x4(v);
    let a: v128;
    let b: v128;
    if (isFloat<TIn>()) {
      a = f64x2.promote_low_f32x4(v);
      b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
    } else {
      a = i32LowF64<TIn>(v);
      b = i32HighF64<TIn>(v);
    }
    storePair<TOut>(d, mulAdd64(a, S, I), mulAdd64(b, S, I));
    s += 16;
    d += 4 * sizeof<TOut>();
    rem -= 4;
  }
  return n - rem;
}

// f64 working type, f64 input: 4 voxels per block.
export function simdD64<TOut>(s: usize, d: usize, n: usize, slope: f64, inter: f64, swap: bool): usize {
  const S = f64x2.splat(slope);
  const I = f64x2.splat(inter);
  let rem = n;
  while (rem >= 4) {
    let a = v128.load(s);
    let b = v128.load(s, 16);
    if (swap) {
      a = swap64x2(a);
      b = swap64x2(b);
    }
    storePair<TOut>(d, mulAdd64(a, S, I), mulAdd64(b, S, I));
    s += 32;
    d += 4 * sizeof<TOut>();
    rem -= 4;
  }
  return n - rem;
}

// Conversion only, 16-bit or 8-bit input → f32 (exact, so no working-type question).
export function simdCvtH32<TIn>(s: usize, d: usize, n: usize, swap: bool): usize {
  let rem = n;
  while (rem >= 8) {
    let v = v128.load(s);
    if (swap) v = swap16x8(v);
    const q0 = isSigned<TIn>() ? i32x4.extend_low_i16x8_s(v) : i32x4.extend_low_i16x8_u(v);
    const q1 = isSigned<TIn>() ? i32x4.extend_high_i16x8_s(v) : i32x4.extend_high_i16x8_u(v);
    v128.store(d, f32x4.convert_i32x4_s(q0));
    v128.store(d, f32x4.convert_i32x4_s(q1), 16);
    s += 16;
    d += 32;
    rem -= 8;
  }
  return n - rem;
}

export function simdCvtB32<TIn>(s: usize, d: usize, n: usize): usize {
  let rem = n;
  while (rem >= 16) {
    const v = v128.load(s);
    const lo = isSigned<TIn>() ? i16x8.extend_low_i8x16_s(v) : i16x8.extend_low_i8x16_u(v);
    const hi = isSigned<TIn>() ? i16x8.extend_high_i8x16_s(v) : i16x8.extend_high_i8x16_u(v);
    v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)));
    v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), 16);
    v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), 32);
    v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), 48);
    s += 16;
    d += 64;
    rem -= 16;
  }
  return n - rem;
}
