/**
 * Quaternions as `[w, x, y, z]` (w the real part): a port of nibabel's `quaternions.py`
 * (`fillpositive`, `quat2mat`, `mat2quat`, and the small helpers around them).
 *
 * Rotation matrices apply to column vectors (on the left), as in nibabel.
 *
 * `fillpositive` follows nibabel HEAD (≥ 5.1, pr/1182): a w² whose magnitude is below the
 * threshold is taken as 0 on *both* sides, so a stored unit quaternion whose float32 b, c, d
 * leave a tiny positive w² gives w = 0 (a 180° rotation) rather than w = √(tiny). nibabel
 * computes w in the platform's long double; we use float64, which differs in the last
 * bits only (the header's values are float32 or rounded float64 anyway).
 *
 * Errors: malformed input here is a maths error, not a file error, so it is a `RangeError`;
 * the header layer wraps it into `HeaderDataError`.
 */
import { type Matrix, eighSymmetric } from './linalg.js';

/** A quaternion `[w, x, y, z]`. */
export type Quaternion = [number, number, number, number];

/** float64 machine epsilon (numpy `finfo(float).eps`). */
export const FLOAT64_EPS = 2 ** -52;
/** float32 machine epsilon (numpy `finfo(float32).eps`). */
export const FLOAT32_EPS = 2 ** -23;

/**
 * Completes a unit quaternion from its vector part, assuming w ≥ 0 (nibabel `fillpositive`).
 * @param xyz the x, y, z components
 * @param w2Thresh |w²| below this counts as w = 0; default 3·eps(float64)
 * @returns `[w, x, y, z]`
 * @throws {RangeError} when `xyz` is not 3 long, or w² is negative beyond the threshold
 *   (x² + y² + z² clearly > 1), as nibabel's `ValueError('w2 should be positive …')`
 */
export function fillpositive(xyz: ArrayLike<number>, w2Thresh: number = 3 * FLOAT64_EPS): Quaternion {
  if (xyz.length !== 3) throw new RangeError('xyz should have length 3');
  const x = xyz[0]!;
  const y = xyz[1]!;
  const z = xyz[2]!;
  const w2 = 1 - (x * x + y * y + z * z);
  let w: number;
  if (Math.abs(w2) < Math.abs(w2Thresh)) w = 0;
  else if (w2 < 0) throw new RangeError(`w2 should be positive, but is ${w2.toExponential(1)}`);
  else w = Math.sqrt(w2); // NaN input stays NaN, as in numpy
  return [w, x, y, z];
}

/**
 * Rotation matrix of a quaternion (nibabel `quat2mat`); non-unit quaternions are
 * normalised, and a near-zero one gives the identity.
 * @param q `[w, x, y, z]`
 * @returns 3×3 rotation matrix
 */
export function quat2mat(q: ArrayLike<number>): Matrix {
  const w = q[0]!;
  const x = q[1]!;
  const y = q[2]!;
  const z = q[3]!;
  const nq = w * w + x * x + y * y + z * z;
  if (nq < FLOAT64_EPS) {
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  }
  const s = 2 / nq;
  const X = x * s;
  const Y = y * s;
  const Z = z * s;
  const wX = w * X;
  const wY = w * Y;
  const wZ = w * Z;
  const xX = x * X;
  const xY = x * Y;
  const xZ = x * Z;
  const yY = y * Y;
  const yZ = y * Z;
  const zZ = z * Z;
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

/**
 * Quaternion closest to a 3×3 rotation matrix, with w ≥ 0 (nibabel `mat2quat`,
 * Bar-Itzhack's method: the eigenvector of the largest eigenvalue of a symmetric 4×4 `K`).
 * When w is exactly 0 (a 180° rotation) the sign is arbitrary; we make the largest-magnitude
 * vector component positive so the result is deterministic.
 * @param m 3×3 rotation matrix (rows)
 * @returns `[w, x, y, z]`
 */
export function mat2quat(m: Matrix): Quaternion {
  const [Qxx, Qyx, Qzx] = m[0]!;
  const [Qxy, Qyy, Qzy] = m[1]!;
  const [Qxz, Qyz, Qzz] = m[2]!;
  // Lower triangle only; eighSymmetric mirrors it.
  const K: Matrix = [
    [Qxx! - Qyy! - Qzz!, 0, 0, 0],
    [Qyx! + Qxy!, Qyy! - Qxx! - Qzz!, 0, 0],
    [Qzx! + Qxz!, Qzy! + Qyz!, Qzz! - Qxx! - Qyy!, 0],
    [Qyz! - Qzy!, Qzx! - Qxz!, Qxy! - Qyx!, Qxx! + Qyy! + Qzz!],
  ].map((row) => row.map((v) => v / 3));
  const { values, vectors } = eighSymmetric(K);
  let best = 0;
  for (let i = 1; i < 4; i++) if (values[i]! > values[best]!) best = i;
  const col = [0, 1, 2, 3].map((r) => vectors[r]![best]!);
  const q: Quaternion = [col[3]!, col[0]!, col[1]!, col[2]!];
  let flip = q[0] < 0;
  if (q[0] === 0) {
    let k = 1;
    for (let i = 2; i < 4; i++) if (Math.abs(q[i]!) > Math.abs(q[k]!)) k = i;
    flip = q[k]! < 0;
  }
  return flip ? (q.map((v) => -v) as Quaternion) : q;
}

/**
 * Hamilton product `q1 · q2` (nibabel `mult`).
 * @param q1 first quaternion
 * @param q2 second quaternion
 * @returns the product
 */
export function mult(q1: ArrayLike<number>, q2: ArrayLike<number>): Quaternion {
  const [w1, x1, y1, z1] = [q1[0]!, q1[1]!, q1[2]!, q1[3]!];
  const [w2, x2, y2, z2] = [q2[0]!, q2[1]!, q2[2]!, q2[3]!];
  return [
    w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
    w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
    w1 * y2 + y1 * w2 + z1 * x2 - x1 * z2,
    w1 * z2 + z1 * w2 + x1 * y2 - y1 * x2,
  ];
}

/**
 * Conjugate `[w, −x, −y, −z]` (nibabel `conjugate`).
 * @param q quaternion
 * @returns its conjugate
 */
export function conjugate(q: ArrayLike<number>): Quaternion {
  return [q[0]!, -q[1]!, -q[2]!, -q[3]!];
}

/**
 * Squared norm `w² + x² + y² + z²` (nibabel `norm`, which is the dot product too).
 * @param q quaternion
 * @returns q·q
 */
export function norm(q: ArrayLike<number>): number {
  return q[0]! ** 2 + q[1]! ** 2 + q[2]! ** 2 + q[3]! ** 2;
}

/**
 * Multiplicative inverse (nibabel `inverse`).
 * @param q quaternion
 * @returns conj(q) / norm(q)
 */
export function inverse(q: ArrayLike<number>): Quaternion {
  const n = norm(q);
  return conjugate(q).map((v) => v / n) as Quaternion;
}

/**
 * Rotates a 3-vector by a quaternion (nibabel `rotate_vector`).
 * @param v vector
 * @param q quaternion
 * @returns the rotated vector
 */
export function rotateVector(v: ArrayLike<number>, q: ArrayLike<number>): [number, number, number] {
  const r = mult(q, mult([0, v[0]!, v[1]!, v[2]!], conjugate(q)));
  return [r[1], r[2], r[3]];
}

/**
 * Quaternion of a rotation by `theta` radians about `vector` (nibabel `angle_axis2quat`).
 * @param theta angle in radians
 * @param vector rotation axis
 * @param isNormalized skip normalising the axis
 * @returns the quaternion
 */
export function angleAxis2quat(theta: number, vector: ArrayLike<number>, isNormalized = false): Quaternion {
  let [x, y, z] = [vector[0]!, vector[1]!, vector[2]!];
  if (!isNormalized) {
    const n = Math.sqrt(x * x + y * y + z * z);
    x /= n;
    y /= n;
    z /= n;
  }
  const st2 = Math.sin(theta / 2);
  return [Math.cos(theta / 2), x * st2, y * st2, z * st2];
}

/**
 * True when `q1` and `q2` (or `q1` and `−q2`) are close: the same rotation
 * (nibabel `nearly_equivalent`).
 * @param q1 first quaternion
 * @param q2 second quaternion
 * @param rtol relative tolerance
 * @param atol absolute tolerance
 * @returns whether they describe nearly the same rotation
 */
export function nearlyEquivalent(q1: ArrayLike<number>, q2: ArrayLike<number>, rtol = 1e-5, atol = 1e-8): boolean {
  const close = (s: number): boolean => {
    for (let i = 0; i < 4; i++) {
      if (!(Math.abs(s * q1[i]! - q2[i]!) <= atol + rtol * Math.abs(q2[i]!))) return false;
    }
    return true;
  };
  return close(1) || close(-1);
}
