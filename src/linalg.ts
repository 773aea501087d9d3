/**
 * Small-matrix linear algebra for the image model: the numpy pieces nibabel's `affines.py`,
 * `Nifti1Header.set_qform` and `quaternions.mat2quat` lean on (`eye`, `@`, `.T`, `linalg.det`
 * and `linalg.inv` for 3×3/4×4, `allclose`, `isfinite(...).all()`, a symmetric eigensolver
 * in the role of `linalg.eigh`, and the polar decomposition `svd` → P·Qᵀ). The nibabel
 * functions themselves live in `affines.ts`, which builds on this module.
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

/**
 * The shape of a rectangular 2-D array of rows.
 * @param m matrix
 * @param what the argument's name, for the message
 * @returns `[rows, columns]`
 * @throws {RangeError} when `m` is empty, not 2-D or ragged
 */
export function shapeOf(m: MatrixLike, what: string): [number, number] {
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

/**
 * Checks that a matrix is n×n.
 * @param m matrix
 * @param n expected size
 * @param what the argument's name, for the message
 * @throws {RangeError} when `m` is not n×n
 */
export function assertSquare(m: MatrixLike, n: number, what: string): void {
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
