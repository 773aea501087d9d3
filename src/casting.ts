/**
 * What nibabel's `casting.py` provides to the array writer (formats/array-writer.ts):
 * integer ranges (`shared_range`, `floor_exact` for float32) and exact binary arithmetic
 * rounded as numpy's longdouble (x87 extended, 64-bit significand) rounds, so scale factors
 * come out as nibabel computes them on x86-64 (BigInt m·2^e, one rounding per operation).
 */
import type { DTypeInfo } from './dtypes.js';

/** A value as the writer sees it: a double, or an integer too wide for one. */
export type Num = number | bigint;

/** An exact binary number m·2^e. */
export interface Bin {
  m: bigint;
  e: number;
}
/** numpy's longdouble (x87 extended) significand bits. */
export const LD_BITS = 64;
/** Significant bits of an integer's magnitude. */
export const bitLen = (m: bigint): number => (m === 0n ? 0 : (m < 0n ? -m : m).toString(2).length);

/** Rounds to `p` significant bits, half to even, never below 2^minE (float32 subnormals). */
export function round(x: Bin, p: number, minE = Number.NEGATIVE_INFINITY): Bin {
  const shift = Math.max(bitLen(x.m) - p, minE - x.e);
  if (x.m === 0n || shift <= 0) return x;
  const neg = x.m < 0n;
  const a = neg ? -x.m : x.m;
  const s = BigInt(shift);
  let q = a >> s;
  const r = a - (q << s);
  const half = 1n << (s - 1n);
  if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  return { m: neg ? -q : q, e: x.e + shift };
}

/** The exact value of a finite double or an integer. */
export function bin(v: Num): Bin {
  if (typeof v === 'bigint') return { m: v, e: 0 };
  if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
  let e = 0;
  while (!Number.isInteger(v)) {
    v *= 2;
    e--;
  }
  return { m: BigInt(v), e };
}

/** a + b, exactly. */
export function exactAdd(a: Bin, b: Bin): Bin {
  const e = Math.min(a.e, b.e);
  return { m: (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e };
}

/** −a. */
export const neg = (a: Bin): Bin => ({ m: -a.m, e: a.e });
/** a + b and a·b rounded once to longdouble, a vs b (−1, 0, 1). */
export const ldAdd = (a: Bin, b: Bin): Bin => round(exactAdd(a, b), LD_BITS);
export const ldMul = (a: Bin, b: Bin): Bin => round({ m: a.m * b.m, e: a.e + b.e }, LD_BITS);
export const cmp = (a: Bin, b: Bin): number => Math.sign(Number(exactAdd(a, neg(b)).m));

/** a / b rounded once to longdouble (a sticky bit keeps the rounding exact). */
export function ldDiv(a: Bin, b: Bin): Bin {
  const s = Math.max(0, LD_BITS + 2 + bitLen(b.m) - bitLen(a.m));
  const n = (a.m < 0n ? -a.m : a.m) << BigInt(s);
  const d = b.m < 0n ? -b.m : b.m;
  const m = ((n / d) << 1n) | (n % d === 0n ? 0n : 1n); // sticky bit below the rounding point
  return round({ m: a.m < 0n !== b.m < 0n ? -m : m, e: a.e - b.e - s - 1 }, LD_BITS);
}

/** numpy's float32(x): one rounding of the exact value. */
export function f32(x: Bin): number {
  const r = round(x, 24, -149);
  return Math.fround(Number(r.m) * 2 ** r.e);
}

/** The integer range of an integer dtype. */
export function intRange(info: DTypeInfo): [bigint, bigint] {
  const bits = BigInt(info.itemsize * 8);
  return info.kind === 'u' ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/** nibabel's casting.shared_range: the integer range as a float with `p` mantissa bits holds it. */
export function sharedRange(p: number, info: DTypeInfo): [number, number] {
  const [lo, hi] = intRange(info);
  const k = bitLen(hi);
  return [Number(lo), k <= p ? Number(hi) : 2 ** k - 2 ** (k - p)];
}

/** casting.floor_exact(v, float32): the largest float32 ≤ v, as an integer. */
export function floorExact32(v: bigint): bigint {
  const a = v < 0n ? -v : v;
  const s = BigInt(Math.max(0, bitLen(a) - 24));
  let q = a >> s;
  if (v < 0n && q << s !== a) q += 1n;
  return v < 0n ? -(q << s) : q << s;
}
