/**
 * Orientation utilities: which world axis each voxel axis runs along, and how to reorder an
 * array so that it matches another orientation. A port of nibabel's `orientations.py`
 * (`io_orientation`, `ornt_transform`, `apply_orientation`, `inv_ornt_aff`, `ornt2axcodes`,
 * `axcodes2ornt`, `aff2axcodes`), with names in camelCase and keyword arguments as options.
 *
 * An *orientation* (`Ornt`) has one row per input (voxel) axis: `[outputAxis, flip]`, where
 * `outputAxis` is the world axis (0 = x, 1 = y, 2 = z for RAS+) that the voxel axis runs
 * closest to and `flip` is 1 when it runs in the same direction, -1 when opposite. A row of
 * `[NaN, NaN]` marks a dropped axis (possible when the affine maps more inputs than outputs).
 *
 * `ioOrientation` follows current nibabel (≥ 5.4, pr/1450): input axes are matched to output
 * axes strongest first, not in index order as in 5.0. The two agree except for extremely
 * oblique affines, where the index-order rule could give an axis its second-best match.
 *
 * Misuse (mismatched shapes, unknown labels, dropped axes where none may be) throws
 * `RangeError`, where nibabel raises `ValueError` or `OrientationError`.
 *
 * Pure math: no I/O, no WASM. `applyOrientation` returns a strided view, never a copy.
 */
import type { NDArray } from './ndarray.js';
import type { TypedArray } from './dtypes.js';
import { ArrayProxy } from './proxy/array-proxy.js';
import { axisMap, viewOf } from './proxy/oriented.js';

/** One row per voxel axis: `[outputAxis, flip]`, or `[NaN, NaN]` for a dropped axis. */
export type Ornt = [number, number][];

/** Labels for the (negative, positive) ends of each output axis. */
export type AxisLabels = ReadonlyArray<readonly [string, string]>;

/** nibabel's default labels: RAS+ world space, `(('L','R'), ('P','A'), ('I','S'))`. */
export const RAS_LABELS: AxisLabels = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
];

/** A matrix as rows, like numpy's `tolist()`. */
export type Matrix = ReadonlyArray<ReadonlyArray<number>>;

const EPS = 2 ** -52;

/**
 * Singular value decomposition by one-sided Jacobi rotations (Hestenes' method). For the
 * small matrices of affines (3×3, at most a few columns) it is accurate to a few ulps and
 * needs no library. Returns the columns `b_j = (A·V)_j = σ_j·u_j` and `V` (p×p), rows of
 * `a` being the q output coordinates.
 */
function jacobiSvd(a: number[][], q: number, p: number): { b: number[][]; v: number[][] } {
  // Work on columns: b[j] is column j of A (length q).
  const b: number[][] = [];
  for (let j = 0; j < p; j++) {
    const col: number[] = [];
    for (let i = 0; i < q; i++) col.push(a[i][j]);
    b.push(col);
  }
  const v: number[][] = [];
  for (let j = 0; j < p; j++) {
    const col = new Array<number>(p).fill(0);
    col[j] = 1;
    v.push(col);
  }
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let j = 0; j < p - 1; j++) {
      for (let k = j + 1; k < p; k++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < q; i++) {
          alpha += b[j][i] * b[j][i];
          beta += b[k][i] * b[k][i];
          gamma += b[j][i] * b[k][i];
        }
        // Columns already orthogonal to working precision: nothing to do.
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < q; i++) {
          const x = b[j][i];
          const y = b[k][i];
          b[j][i] = c * x - s * y;
          b[k][i] = s * x + c * y;
        }
        for (let i = 0; i < p; i++) {
          const x = v[j][i];
          const y = v[k][i];
          v[j][i] = c * x - s * y;
          v[k][i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  // v[j] is column j of V.
  return { b, v };
}

function checkAffine(affine: Matrix): { q: number; p: number } {
  const rows = affine.length;
  const cols = rows > 0 ? affine[0].length : 0;
  if (rows < 2 || cols < 2 || affine.some((r) => r.length !== cols)) {
    throw new RangeError(`expected a (q+1)×(p+1) affine with q, p ≥ 1, got ${rows} rows of lengths [${affine.map((r) => r.length)}]`);
  }
  return { q: rows - 1, p: cols - 1 };
}

/**
 * Orientation of the input (voxel) axes of `affine` in terms of its output (world) axes
 * (nibabel `io_orientation`).
 *
 * The zooms are divided out of the q×p linear part, the nearest orthogonal matrix is found
 * by polar decomposition (SVD, singular values ≤ `tol` treated as zero), and each input
 * axis, strongest first, takes the still-free output axis it has the largest component along.
 *
 * @param affine (q+1)×(p+1) matrix as rows, usually 4×4
 * @param opts `tol`: singular values at or below it count as zero; default
 *   `S.max() · max(q, p) · 2⁻⁵²` as in nibabel
 * @returns p rows `[outputAxis, ±1]`, `[NaN, NaN]` for axes that map to no output
 * @throws {RangeError} when `affine` is not a rectangular matrix of at least 2×2
 * @example
 * ioOrientation([[-2, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72], [0, 0, 0, 1]]);
 * // [[0, -1], [1, 1], [2, 1]]  (LAS)
 */
export function ioOrientation(affine: Matrix, opts: { tol?: number } = {}): Ornt {
  const { q, p } = checkAffine(affine);
  // RS: the linear part with unit-length columns (zero columns stay zero).
  const rs: number[][] = [];
  for (let i = 0; i < q; i++) rs.push(affine[i].slice(0, p) as number[]);
  for (let j = 0; j < p; j++) {
    let n = 0;
    for (let i = 0; i < q; i++) n += rs[i][j] * rs[i][j];
    const zoom = Math.sqrt(n) || 1;
    for (let i = 0; i < q; i++) rs[i][j] /= zoom;
  }
  const { b, v } = jacobiSvd(rs, q, p);
  const sigma = b.map((col) => Math.hypot(...col));
  // numpy reports min(q, p) singular values; the extra Jacobi columns (p > q) are ~0 and
  // do not change the maximum.
  const tol = opts.tol ?? Math.max(...sigma) * Math.max(q, p) * EPS;
  // R = Σ_{σ_j > tol} u_j · v_jᵀ: the closest shear-free matrix to RS.
  const r: number[][] = [];
  for (let i = 0; i < q; i++) r.push(new Array<number>(p).fill(0));
  for (let k = 0; k < p; k++) {
    if (!(sigma[k] > tol)) continue;
    for (let i = 0; i < q; i++) {
      const u = b[k][i] / sigma[k];
      for (let j = 0; j < p; j++) r[i][j] += u * v[k][j];
    }
  }
  // Strongest input axes choose first (stable for ties), as nibabel ≥ 5.4 does.
  const strength = (j: number): number => Math.max(...r.map((row) => row[j] * row[j]));
  const order = Array.from({ length: p }, (_, j) => j);
  const s = order.map(strength);
  order.sort((x, y) => s[y] - s[x] || x - y);
  const ornt: Ornt = Array.from({ length: p }, () => [Number.NaN, Number.NaN]);
  for (const inAx of order) {
    const col = r.map((row) => row[inAx]);
    // numpy.allclose(col, 0): every |x| ≤ atol = 1e-8.
    if (col.every((x) => Math.abs(x) <= 1e-8)) continue;
    let outAx = 0;
    for (let i = 1; i < q; i++) if (Math.abs(col[i]) > Math.abs(col[outAx])) outAx = i;
    ornt[inAx] = [outAx, col[outAx] < 0 ? -1 : 1];
    // That output axis is taken: remove it from the others' consideration.
    r[outAx].fill(0);
  }
  return ornt;
}

function checkOrnt(ornt: ReadonlyArray<readonly number[]>, what: string): void {
  for (const row of ornt) {
    if (row.length !== 2) throw new RangeError(`${what}: each orientation row needs 2 values, got ${row.length}`);
  }
}

/**
 * The orientation that takes an array in `start` orientation to `end` orientation
 * (nibabel `ornt_transform`); apply it with `applyOrientation`.
 * @param start orientation of the array now, e.g. `ioOrientation(img.affine)`
 * @param end wanted orientation, e.g. `axcodes2ornt(['R', 'A', 'S'])`
 * @returns one row per axis of `start`: `[axis in the result, ±1]`
 * @throws {RangeError} when the two differ in length or an output axis of `end` is missing
 *   from `start`
 */
export function orntTransform(start: ReadonlyArray<readonly number[]>, end: ReadonlyArray<readonly number[]>): Ornt {
  checkOrnt(start, 'start');
  checkOrnt(end, 'end');
  if (start.length !== end.length) {
    throw new RangeError(`the orientations must have the same shape (${start.length} vs ${end.length} rows)`);
  }
  // Unassigned rows stay as numpy's empty_like would leave them: undefined, shown as NaN.
  const result: Ornt = start.map(() => [Number.NaN, Number.NaN]);
  end.forEach(([endOut, endFlip], endIn) => {
    const startIn = start.findIndex(([startOut]) => startOut === endOut);
    if (startIn < 0) throw new RangeError(`unable to find output axis ${endOut} in start orientation`);
    result[startIn] = [endIn, start[startIn][1] === endFlip ? 1 : -1];
  });
  return result;
}

/**
 * Flips then transposes the first `ornt.length` axes of `arr` (nibabel `apply_orientation`).
 * Returns a strided view of the same data (negative strides for flips), so it costs nothing;
 * copy it if you need it contiguous.
 * @param arr an array with at least `ornt.length` axes
 * @param ornt a transform as from `orntTransform`; row k flips axis k when -1 and sends it
 *   to result axis `ornt[k][0]`
 * @returns a view whose axis `ornt[k][0]` is input axis k, flipped when `ornt[k][1] === -1`
 * @throws {RangeError} when `arr` has fewer axes than `ornt` rows, an axis is dropped (NaN),
 *   or the first column is not a permutation
 */
export function applyOrientation<T extends TypedArray>(arr: NDArray<T>, ornt: ReadonlyArray<readonly number[]>): NDArray<T>;
export function applyOrientation(arr: ArrayProxy, ornt: ReadonlyArray<readonly number[]>): ArrayProxy;
export function applyOrientation(arr: NDArray | ArrayProxy, ornt: ReadonlyArray<readonly number[]>): NDArray | ArrayProxy {
  checkOrnt(ornt, 'ornt');
  if (arr instanceof ArrayProxy) return arr.withOrientation(ornt);
  return viewOf(arr, axisMap(ornt, arr.ndim));
}

/**
 * The affine taking voxel coordinates of the reoriented array back to voxel coordinates of
 * the original (nibabel `inv_ornt_aff`): `newAffine = affine · invOrntAff(ornt, shape)`.
 * @param ornt the transform applied (as for `applyOrientation`)
 * @param shape shape of the original array (extra trailing axes are ignored)
 * @returns a (p+1)×(p+1) matrix as rows
 * @throws {RangeError} when `ornt` has a dropped (NaN) axis, which cannot be inverted
 */
export function invOrntAff(ornt: ReadonlyArray<readonly number[]>, shape: readonly number[]): number[][] {
  checkOrnt(ornt, 'ornt');
  if (ornt.some(([ax, flip]) => Number.isNaN(ax) || Number.isNaN(flip))) {
    throw new RangeError('cannot invert an orientation transform with dropped axes');
  }
  const p = ornt.length;
  if (shape.length < p) throw new RangeError(`shape [${shape}] has fewer than ${p} axes`);
  // undo_flip · undo_reorder: row k of the reorder picks column ornt[k][0]; the flip of
  // axis k maps i → (n_k - 1) - i.
  const out: number[][] = [];
  for (let k = 0; k < p; k++) {
    const row = new Array<number>(p + 1).fill(0);
    const [ax, flip] = ornt[k];
    row[ax] = flip;
    row[p] = flip === -1 ? shape[k] - 1 : 0;
    out.push(row);
  }
  const last = new Array<number>(p + 1).fill(0);
  last[p] = 1;
  out.push(last);
  return out;
}

/**
 * Labels of the positive end of each voxel axis (nibabel `ornt2axcodes`).
 * @param ornt an orientation
 * @param opts `labels` for the (negative, positive) ends of the output axes; default RAS
 * @returns one code per row, `null` for dropped axes, e.g. `['L', 'A', 'S']`
 * @throws {RangeError} for a non-integer axis, a flip other than ±1, or an axis with no labels
 */
export function ornt2axcodes(ornt: ReadonlyArray<readonly number[]>, opts: { labels?: AxisLabels } = {}): (string | null)[] {
  checkOrnt(ornt, 'ornt');
  const labels = opts.labels ?? RAS_LABELS;
  return ornt.map(([axno, direction]) => {
    if (Number.isNaN(axno)) return null;
    if (!Number.isInteger(axno)) throw new RangeError(`non integer axis number ${axno}`);
    const pair = labels[axno];
    if (pair === undefined) throw new RangeError(`no labels for output axis ${axno}`);
    if (direction === 1) return pair[1];
    if (direction === -1) return pair[0];
    throw new RangeError('direction should be -1 or 1');
  });
}

/**
 * Orientation from axis codes (nibabel `axcodes2ornt`).
 * @param axcodes the code of each axis's positive end, e.g. `['R', 'A', 'S']` or `'RAS'`;
 *   `null` for a dropped axis
 * @param opts `labels` for the (negative, positive) ends of the output axes; default RAS
 * @returns the orientation, `[NaN, NaN]` for `null` codes
 * @throws {RangeError} when the labels repeat or a code is not among them
 */
export function axcodes2ornt(axcodes: Iterable<string | null>, opts: { labels?: AxisLabels } = {}): Ornt {
  const labels = opts.labels ?? RAS_LABELS;
  const codes = [...axcodes];
  const allowed = labels.flatMap((pair) => [...pair]);
  if (new Set(allowed).size !== allowed.length) throw new RangeError(`duplicate labels in [${allowed}]`);
  for (const code of codes) {
    if (code !== null && !allowed.includes(code)) {
      throw new RangeError(`not all axis codes [${codes}] are in the label set [${allowed}]`);
    }
  }
  return codes.map((code): [number, number] => {
    if (code === null) return [Number.NaN, Number.NaN];
    const axis = labels.findIndex((pair) => pair.includes(code));
    return [axis, code === labels[axis][0] ? -1 : 1];
  });
}

/**
 * Axis codes of an affine: the world direction of each voxel axis's positive end
 * (nibabel `aff2axcodes`).
 * @param affine (q+1)×(p+1) matrix as rows, usually `img.affine`
 * @param opts `labels` (default RAS) and `tol` (see `ioOrientation`)
 * @returns one code per voxel axis, `null` for dropped axes, e.g. `['L', 'A', 'S']`
 * @throws {RangeError} when `affine` is not a matrix or has more output axes than labels
 * @example
 * aff2axcodes(img.affine); // ['R', 'A', 'S'] for a canonical image
 */
export function aff2axcodes(affine: Matrix, opts: { labels?: AxisLabels; tol?: number } = {}): (string | null)[] {
  return ornt2axcodes(ioOrientation(affine, { tol: opts.tol }), { labels: opts.labels });
}
