/**
 * Affine math: a port of the parts of nibabel's `affines.py` the image model needs
 * (`apply_affine`, `to_matvec`, `from_matvec`, `append_diag`, `dot_reduce`, `voxel_sizes`,
 * `obliquity`, `rescale_affine`) and nibabel's `volumeutils.shape_zoom_affine` (the
 * Analyze-style base affine every NIfTI header falls back to). The numpy linear algebra
 * under them (products, inverse, eigensolver, polar decomposition) is in `linalg.ts`.
 *
 * Contract: a matrix is `number[][]` in rows (numpy's `tolist()`), float64, never mutated
 * in place; every function returns fresh arrays. Shape errors are programmer misuse and
 * throw `RangeError`; nothing here reads bytes, so nothing here throws a file error.
 */
import { type Matrix, type MatrixLike, assertSquare, copyMatrix, eye, matmul, shapeOf } from './linalg.js';

// Part of the public API since it lived here (src/index.ts exports it from this module).
export { inv4 } from './linalg.js';

/**
 * Applies an affine to points (nibabel `apply_affine`): `pts @ rzs.T + trans`.
 * @param aff (N+1)×(N+1) homogeneous affine (4×4 for 3-D points)
 * @param pts one point (length N) or a list of points
 * @returns the transformed point(s), same nesting as `pts`
 * @throws {RangeError} when a point's length is not N
 */
export function applyAffine(aff: MatrixLike, pts: readonly number[]): number[];
export function applyAffine(aff: MatrixLike, pts: MatrixLike): number[][];
export function applyAffine(aff: MatrixLike, pts: readonly number[] | MatrixLike): number[] | number[][] {
  const [r, c] = shapeOf(aff, 'affine');
  const nOut = r - 1;
  const nIn = c - 1;
  const one = (p: readonly number[]): number[] => {
    if (p.length !== nIn) throw new RangeError(`points should have ${nIn} coordinates, got ${p.length}`);
    const out: number[] = [];
    for (let i = 0; i < nOut; i++) {
      const row = aff[i]!;
      let s = 0;
      for (let j = 0; j < nIn; j++) s += p[j]! * row[j]!;
      out.push(s + row[nIn]!);
    }
    return out;
  };
  if (pts.length > 0 && Array.isArray(pts[0])) return (pts as MatrixLike).map(one);
  return one(pts as readonly number[]);
}

/**
 * Splits a homogeneous transform into matrix and vector (nibabel `to_matvec`).
 * @param transform (N+1)×(M+1) homogeneous transform
 * @returns `[matrix N×M, vector N]`
 */
export function toMatvec(transform: MatrixLike): [Matrix, number[]] {
  const [r, c] = shapeOf(transform, 'transform');
  const matrix = transform.slice(0, r - 1).map((row) => row.slice(0, c - 1));
  const vector = transform.slice(0, r - 1).map((row) => row[c - 1]!);
  return [matrix, vector];
}

/**
 * Combines a matrix and a translation into a homogeneous affine (nibabel `from_matvec`).
 * @param matrix N×M linear part
 * @param vector translation of length N; zeros when omitted
 * @returns the (N+1)×(M+1) transform
 * @throws {RangeError} when `vector` has the wrong length
 */
export function fromMatvec(matrix: MatrixLike, vector?: readonly number[] | null): Matrix {
  const [n, m] = shapeOf(matrix, 'matrix');
  if (vector != null && vector.length !== n) {
    throw new RangeError(`vector should have length ${n}, got ${vector.length}`);
  }
  const out: Matrix = [];
  for (let i = 0; i < n; i++) out.push([...matrix[i]!, vector == null ? 0 : vector[i]!]);
  const last = new Array<number>(m + 1).fill(0);
  last[m] = 1;
  out.push(last);
  return out;
}

/**
 * Appends diagonal elements and translations to an affine (nibabel `append_diag`).
 * @param aff N×M affine
 * @param steps diagonal elements to append
 * @param starts translations for the new axes (zeros when empty)
 * @returns the (N+L)×(M+L) affine, L = steps.length
 * @throws {RangeError} when `starts` is non-empty and not as long as `steps`
 */
export function appendDiag(aff: MatrixLike, steps: number | readonly number[], starts: number | readonly number[] = []): Matrix {
  const st: readonly number[] = typeof steps === 'number' ? [steps] : steps;
  let sa: readonly number[] = typeof starts === 'number' ? [starts] : starts;
  if (sa.length === 0) sa = st.map(() => 0);
  else if (sa.length !== st.length) throw new RangeError('Steps should have same length as starts');
  const [r, c] = shapeOf(aff, 'affine');
  const oldOut = r - 1;
  const oldIn = c - 1;
  const L = st.length;
  const out: Matrix = [];
  for (let i = 0; i < oldOut + L + 1; i++) out.push(new Array<number>(oldIn + L + 1).fill(0));
  for (let i = 0; i < oldOut; i++) {
    for (let j = 0; j < oldIn; j++) out[i]![j] = aff[i]![j]!;
    out[i]![oldIn + L] = aff[i]![oldIn]!;
  }
  for (let k = 0; k < L; k++) {
    out[oldOut + k]![oldIn + k] = st[k]!;
    out[oldOut + k]![oldIn + L] = sa[k]!;
  }
  out[oldOut + L]![oldIn + L] = 1;
  return out;
}

/**
 * Product of all arguments, `A · B · … · Z` (nibabel `dot_reduce`).
 * @param mats matrices with compatible shapes
 * @returns their product
 * @throws {RangeError} when called with no matrices or incompatible shapes
 */
export function dotReduce(...mats: MatrixLike[]): Matrix {
  if (mats.length === 0) throw new RangeError('dotReduce needs at least one matrix');
  let out: MatrixLike = mats[mats.length - 1]!;
  for (let i = mats.length - 2; i >= 0; i--) out = matmul(mats[i]!, out);
  return copyMatrix(out);
}

/**
 * Voxel size along each input axis: Euclidean norms of the columns of the linear part
 * (nibabel `voxel_sizes`).
 * @param aff affine, usually 4×4
 * @returns one size per input axis (3 for a 4×4)
 */
export function voxelSizes(aff: MatrixLike): number[] {
  const [r, c] = shapeOf(aff, 'affine');
  const out: number[] = [];
  for (let j = 0; j < c - 1; j++) {
    let s = 0;
    for (let i = 0; i < r - 1; i++) s += aff[i]![j]! ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

/**
 * Angle of each world axis to its nearest voxel axis, in radians (nibabel `obliquity`,
 * after AFNI).
 * @param aff affine, usually 4×4
 * @returns one angle per output axis
 */
export function obliquity(aff: MatrixLike): number[] {
  const vs = voxelSizes(aff);
  const [r, c] = shapeOf(aff, 'affine');
  const out: number[] = [];
  for (let i = 0; i < r - 1; i++) {
    let best = -Infinity;
    for (let j = 0; j < c - 1; j++) best = Math.max(best, Math.abs(aff[i]![j]! / vs[j]!));
    out.push(Math.acos(best));
  }
  return out;
}

/**
 * A new affine with voxel sizes `zooms` that keeps rotations, shears and the world
 * position of the central voxel (nibabel `rescale_affine`).
 * @param aff 4×4 affine
 * @param shape extent of the three spatial axes of the original grid
 * @param zooms voxel sizes of the new grid
 * @param newShape extent of the new grid (defaults to `shape`)
 * @returns the rescaled 4×4 affine
 */
export function rescaleAffine(aff: MatrixLike, shape: readonly number[], zooms: readonly number[], newShape?: readonly number[]): Matrix {
  assertSquare(aff, 4, 'affine');
  const ns = newShape ?? shape;
  const s = voxelSizes(aff);
  const rzs: Matrix = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (aff[i]![j]! * zooms[j]!) / s[j]!));
  // numpy's (shape - 1) // 2 is a floor division on integers.
  const centroid = applyAffine(aff, shape.slice(0, 3).map((d) => Math.floor((d - 1) / 2)));
  const newCentre = ns.slice(0, 3).map((d) => Math.floor((d - 1) / 2));
  const t = [0, 1, 2].map((i) => centroid[i]! - (rzs[i]![0]! * newCentre[0]! + rzs[i]![1]! * newCentre[1]! + rzs[i]![2]! * newCentre[2]!));
  return fromMatvec(rzs, t);
}

/**
 * The Analyze-style affine from shape and zooms, origin at the volume centre
 * (nibabel `volumeutils.shape_zoom_affine`): diag(±zx, zy, zz) with translation
 * −(shape−1)/2·zooms. Shapes shorter than 3 are padded with 1, longer ones cut to 3.
 * @param shape data shape (any length ≥ 1)
 * @param zooms voxel sizes, same length as `shape`
 * @param xFlip negate the x zoom (true for Analyze/NIfTI: radiological convention)
 * @returns a 4×4 affine
 * @throws {RangeError} when `shape` and `zooms` differ in length
 */
export function shapeZoomAffine(shape: readonly number[], zooms: readonly number[], xFlip = true): Matrix {
  if (shape.length !== zooms.length) throw new RangeError('Should be same length of zooms and shape');
  const sh = [1, 1, 1];
  const zo = [1, 1, 1];
  for (let i = 0; i < Math.min(3, shape.length); i++) {
    sh[i] = shape[i]!;
    zo[i] = zooms[i]!;
  }
  if (xFlip) zo[0] = -zo[0]!;
  const aff = eye(4);
  for (let i = 0; i < 3; i++) {
    aff[i]![i] = zo[i]!;
    aff[i]![3] = (-(sh[i]! - 1) / 2) * zo[i]!;
  }
  return aff;
}
