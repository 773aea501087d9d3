/**
 * Affine and small-matrix math: a port of the parts of nibabel's `affines.py` the image
 * model needs (`apply_affine`, `to_matvec`, `from_matvec`, `append_diag`, `dot_reduce`,
 * `voxel_sizes`, `obliquity`, `rescale_affine`), nibabel's `volumeutils.shape_zoom_affine`
 * (the Analyze-style base affine every NIfTI header falls back to), and the two pieces of
 * linear algebra `Nifti1Header.set_qform` / `quaternions.mat2quat` take from numpy: a
 * symmetric eigensolver (numpy `eigh`) and the polar decomposition (numpy `svd` → P·Qᵀ).
 *
 * Contract: a matrix is `number[][]` in rows (numpy's `tolist()`), float64, never mutated
 * in place; every function returns fresh arrays. Shape errors are programmer misuse and
 * throw `RangeError`; nothing here reads bytes, so nothing here throws a file error.
 */

/** A matrix as rows, like numpy's `ndarray.tolist()`; an affine is 4×4. */
export type Matrix = number[][];

/** Any matrix argument: rows of numbers, read-only allowed (inputs are never modified). */
export type MatrixLike = readonly (readonly number[])[];

/**
 * The n×n identity.
 * @param n size (4 for a 3-D affine)
 * @returns a fresh identity matrix
 */
export function eye(n = 4): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n).fill(0);
    row[i] = 1;
    out.push(row);
  }
  return out;
}

function shapeOf(m: MatrixLike, what: string): [number, number] {
  if (!Array.isArray(m) || m.length === 0 || !Array.isArray(m[0])) {
    throw new RangeError(`${what} must be a non-empty 2-D array of rows`);
  }
  const cols = m[0]!.length;
  for (const row of m) {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new RangeError(`${what} must be rectangular (every row ${cols} long)`);
    }
  }
  return [m.length, cols];
}

/**
 * Copies a matrix (rows and values).
 * @param m matrix
 * @returns a deep copy
 */
export function copyMatrix(m: MatrixLike): Matrix {
  return m.map((row) => row.slice());
}

/**
 * Matrix product `a · b` of any compatible shapes (numpy `a @ b`).
 * @param a left matrix, n×k
 * @param b right matrix, k×m
 * @returns the n×m product
 * @throws {RangeError} when the inner sizes differ
 */
export function matmul(a: MatrixLike, b: MatrixLike): Matrix {
  const [n, k] = shapeOf(a, 'a');
  const [k2, m] = shapeOf(b, 'b');
  if (k !== k2) throw new RangeError(`cannot multiply ${n}×${k} by ${k2}×${m}`);
  const out: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(m).fill(0);
    const ai = a[i]!;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += ai[p]! * b[p]![j]!;
      row[j] = s;
    }
    out.push(row);
  }
  return out;
}

/**
 * Product of two 4×4 affines, `a · b` (apply `b` first, then `a`).
 * @param a left 4×4
 * @param b right 4×4
 * @returns the 4×4 product
 * @throws {RangeError} when either is not 4×4
 */
export function matmul4(a: MatrixLike, b: MatrixLike): Matrix {
  assertSquare(a, 4, 'a');
  assertSquare(b, 4, 'b');
  return matmul(a, b);
}

function assertSquare(m: MatrixLike, n: number, what: string): void {
  const [r, c] = shapeOf(m, what);
  if (r !== n || c !== n) throw new RangeError(`${what} should be ${n}×${n}, got ${r}×${c}`);
}

/**
 * Transpose.
 * @param m matrix
 * @returns mᵀ
 */
export function transpose(m: MatrixLike): Matrix {
  const [r, c] = shapeOf(m, 'm');
  const out: Matrix = [];
  for (let j = 0; j < c; j++) {
    const row: number[] = [];
    for (let i = 0; i < r; i++) row.push(m[i]![j]!);
    out.push(row);
  }
  return out;
}

/**
 * Determinant of a 3×3 matrix.
 * @param m 3×3 matrix
 * @returns det(m)
 */
export function det3(m: MatrixLike): number {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  return a! * (e! * i! - f! * h!) - b! * (d! * i! - f! * g!) + c! * (d! * h! - e! * g!);
}

/**
 * Inverse of a 4×4 matrix by Gauss–Jordan elimination with partial pivoting
 * (numpy `linalg.inv` for the sizes we use).
 * @param aff 4×4 matrix
 * @returns its inverse
 * @throws {RangeError} when `aff` is not 4×4 or is singular
 */
export function inv4(aff: MatrixLike): Matrix {
  assertSquare(aff, 4, 'affine');
  const n = 4;
  const a = copyMatrix(aff);
  const inv = eye(n);
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(a[col]![col]!);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r]![col]!);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) throw new RangeError('matrix is singular');
    if (piv !== col) {
      [a[col], a[piv]] = [a[piv]!, a[col]!];
      [inv[col], inv[piv]] = [inv[piv]!, inv[col]!];
    }
    const p = a[col]![col]!;
    for (let j = 0; j < n; j++) {
      a[col]![j]! /= p;
      inv[col]![j]! /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        a[r]![j]! -= f * a[col]![j]!;
        inv[r]![j]! -= f * inv[col]![j]!;
      }
    }
  }
  return inv;
}

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

/**
 * True when every entry is a finite number.
 * @param m matrix
 * @returns whether all entries are finite
 */
export function isFiniteMatrix(m: MatrixLike): boolean {
  return m.every((row) => row.every((v) => Number.isFinite(v)));
}

/**
 * numpy `allclose`: |a − b| ≤ atol + rtol·|b| elementwise (NaN never close).
 * @param a matrix
 * @param b matrix of the same shape
 * @param rtol relative tolerance (numpy default 1e-5)
 * @param atol absolute tolerance (numpy default 1e-8)
 * @returns whether all entries are close
 */
export function allclose(a: MatrixLike, b: MatrixLike, rtol = 1e-5, atol = 1e-8): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const ra = a[i]!;
    const rb = b[i]!;
    if (ra.length !== rb.length) return false;
    for (let j = 0; j < ra.length; j++) {
      const x = ra[j]!;
      const y = rb[j]!;
      if (x === y) continue;
      if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return false;
    }
  }
  return true;
}

/** camelCase alias of `allclose`. */
export const allClose = allclose;

/**
 * Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations (the role of
 * numpy `linalg.eigh`; only the lower triangle is read, as LAPACK's `UPLO='L'`).
 * @param a symmetric n×n matrix
 * @returns eigenvalues ascending, and the matching unit eigenvectors as the *columns* of
 *   `vectors` (numpy's layout)
 * @throws {RangeError} when `a` is not square
 */
export function eighSymmetric(a: MatrixLike): { values: number[]; vectors: Matrix } {
  const [n, c] = shapeOf(a, 'matrix');
  if (n !== c) throw new RangeError('eigh needs a square matrix');
  // Fill the symmetric matrix from the lower triangle.
  const m: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(i >= j ? a[i]![j]! : a[j]![i]!);
    m.push(row);
  }
  const v = eye(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off === 0 || !Number.isFinite(off)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (apq === 0) continue;
        const app = m[p]![p]!;
        const aqq = m[q]![q]!;
        // Rotation angle chosen to zero m[p][q] (Golub & Van Loan, Alg. 8.4.1).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = cs * mkp - sn * mkq;
          m[k]![q] = sn * mkp + cs * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = cs * mpk - sn * mqk;
          m[q]![k] = sn * mpk + cs * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = cs * vkp - sn * vkq;
          v[k]![q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => m[i]![i]! - m[j]![j]!);
  const values = order.map((i) => m[i]![i]!);
  const vectors: Matrix = [];
  for (let r = 0; r < n; r++) vectors.push(order.map((i) => v[r]![i]!));
  return { values, vectors };
}

/**
 * The orthogonal matrix closest to a 3×3 matrix `r` (the polar factor `P·Qᵀ` of the SVD
 * `r = P·S·Qᵀ`, which is what `Nifti1Header.set_qform` computes with numpy's `svd`).
 * Computed as `r · V · S⁻¹ · Vᵀ` from the eigen-decomposition `rᵀr = V·S²·Vᵀ`; a singular
 * value of 0 (rank-deficient `r`) is completed with a cross product.
 * @param r 3×3 matrix
 * @returns the nearest orthogonal 3×3 matrix
 * @throws {RangeError} when `r` has non-finite entries or rank < 2
 */
export function nearestOrthogonal3(r: MatrixLike): Matrix {
  assertSquare(r, 3, 'matrix');
  if (!isFiniteMatrix(r)) throw new RangeError('matrix has non-finite entries');
  const rtr = matmul(transpose(r), r);
  const { values, vectors } = eighSymmetric(rtr);
  const s = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const smax = s[2]!;
  // U's columns: r·v_i / s_i for the non-negligible singular values.
  const vcol = (i: number): number[] => [0, 1, 2].map((k) => vectors[k]![i]!);
  const u: (number[] | null)[] = [0, 1, 2].map((i) => {
    if (!(s[i]! > smax * 1e-12) || smax === 0) return null;
    const vi = vcol(i);
    return [0, 1, 2].map((k) => (r[k]![0]! * vi[0]! + r[k]![1]! * vi[1]! + r[k]![2]! * vi[2]!) / s[i]!);
  });
  const missing = u.filter((x) => x === null).length;
  if (missing > 1) throw new RangeError('matrix has rank < 2; no unique nearest rotation');
  if (missing === 1) {
    // The smallest singular value is the missing one (values are ascending).
    const a = u[1]!;
    const b = u[2]!;
    const cross = [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
    // Keep det(U·Vᵀ) = sign(det(V)) like LAPACK would for a positive-determinant input.
    u[0] = cross;
    const detV = det3(vectors);
    if (detV < 0) u[0] = cross.map((x) => -x);
  }
  const out: Matrix = [];
  for (let i = 0; i < 3; i++) {
    const row: number[] = [];
    for (let j = 0; j < 3; j++) {
      let acc = 0;
      for (let k = 0; k < 3; k++) acc += u[k]![i]! * vectors[j]![k]!;
      row.push(acc);
    }
    out.push(row);
  }
  return out;
}
