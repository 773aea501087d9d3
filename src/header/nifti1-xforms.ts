/**
 * NIfTI's two voxel → world transforms as header fields (the math of nibabel's
 * `Nifti1Header.get_qform` / `set_qform` / `get_sform` / `set_sform`): the qform as a unit
 * quaternion, qfac, pixdims and an offset; the sform as three rows. Pure functions over a
 * header's struct, the code rule of `set_qform`/`set_sform`, and `get_best_affine`'s choice
 * between them; the methods are nifti1-header.ts's.
 */
import { HeaderDataError, NibwebError } from '../errors.js';
import { type Matrix, type MatrixLike, allclose, det3, eye, isFiniteMatrix, nearestOrthogonal3 } from '../linalg.js';
import { type Quaternion, fillpositive, mat2quat, quat2mat } from '../quaternions.js';
import type { WrapStruct } from './wrapstruct.js';
import type { CodeLike } from './analyze-layout.js';
import { XFORM_CODES } from './nifti1-codes.js';

/**
 * @param affine anything
 * @throws {TypeError} unless it is a 4×4 array of arrays
 */
export function checkAffine4(affine: MatrixLike): void {
  if (!Array.isArray(affine) || affine.length !== 4 || affine.some((r) => !Array.isArray(r) || r.length !== 4)) {
    throw new TypeError('Need 4x4 affine as input');
  }
}

/**
 * The unit quaternion `[w, x, y, z]` from quatern_b/c/d (w ≥ 0; w = 0 when |w²| is below
 * `threshold`, as nibabel HEAD).
 * @param s the header's struct
 * @param threshold the class's quaternion threshold
 * @returns the quaternion
 * @throws {HeaderDataError} `BAD_QUATERN` when b² + c² + d² is clearly above 1
 */
export function qformQuaternion(s: WrapStruct, threshold: number): Quaternion {
  try {
    return fillpositive([s.getNumber('quatern_b'), s.getNumber('quatern_c'), s.getNumber('quatern_d')], threshold);
  } catch (err) {
    throw new HeaderDataError((err as Error).message, { code: 'BAD_QUATERN', cause: err });
  }
}

/**
 * The qform: rotation from the quaternion, zooms from pixdim[1..3] with qfac on z,
 * translation from qoffset.
 * @param s the header's struct
 * @param threshold the class's quaternion threshold
 * @returns the 4×4 affine
 * @throws {HeaderDataError} for negative pixdims, qfac not ±1 or a bad quaternion
 */
export function qformAffine(s: WrapStruct, threshold: number): Matrix {
  const R = quat2mat(qformQuaternion(s, threshold));
  const vox = [s.getElement('pixdim', 1), s.getElement('pixdim', 2), s.getElement('pixdim', 3)];
  if (vox.some((v) => v < 0)) throw new HeaderDataError('pixdims[1,2,3] should be positive', { code: 'BAD_PIXDIM' });
  const qfac = s.getElement('pixdim', 0);
  if (qfac !== 1 && qfac !== -1) throw new HeaderDataError('qfac (pixdim[0]) should be 1 or -1', { code: 'BAD_QFAC' });
  vox[2] = vox[2]! * qfac;
  const out = eye(4);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i]![j] = R[i]![j]! * vox[j]!;
  out[0]![3] = s.getNumber('qoffset_x');
  out[1]![3] = s.getNumber('qoffset_y');
  out[2]![3] = s.getNumber('qoffset_z');
  return out;
}

/**
 * Writes an affine as a qform: zooms are the column norms, qfac the sign of the rotation's
 * determinant, the rotation the nearest orthogonal matrix (shears stripped unless `strip` is
 * false), then converted to a quaternion. The code is the caller's.
 * @param s the header's struct
 * @param affine a 4×4 affine
 * @param strip strip shears (else refuse them)
 * @throws {TypeError} when the affine is not 4×4
 * @throws {HeaderDataError} `SHEARS` for shears with `strip` false, `BAD_AFFINE` for a degenerate affine
 */
export function writeQform(s: WrapStruct, affine: MatrixLike, strip: boolean): void {
  checkAffine4(affine);
  const zooms = [0, 1, 2].map((j) => Math.sqrt(affine[0]![j]! ** 2 + affine[1]![j]! ** 2 + affine[2]![j]! ** 2));
  const R: Matrix = [0, 1, 2].map((i) => [0, 1, 2].map((j) => affine[i]![j]! / zooms[j]!));
  let qfac = 1;
  if (!(det3(R) > 0)) {
    qfac = -1;
    for (let i = 0; i < 3; i++) R[i]![2] = -R[i]![2]!;
  }
  let PR: Matrix;
  try {
    PR = nearestOrthogonal3(R);
  } catch (err) {
    throw new HeaderDataError(`cannot make a qform from this affine: ${(err as Error).message}`, { code: 'BAD_AFFINE', cause: err });
  }
  if (!strip && !allclose(PR, R)) throw new HeaderDataError('Shears in affine and strip_shears is False', { code: 'SHEARS' });
  const q = mat2quat(PR);
  s.set('qoffset_x', affine[0]![3]!);
  s.set('qoffset_y', affine[1]![3]!);
  s.set('qoffset_z', affine[2]![3]!);
  s.setElement('pixdim', 0, qfac);
  for (let j = 0; j < 3; j++) s.setElement('pixdim', j + 1, zooms[j]!);
  s.set('quatern_b', q[1]);
  s.set('quatern_c', q[2]);
  s.set('quatern_d', q[3]);
}

/**
 * @param s the header's struct
 * @returns the sform: rows srow_x/y/z and `[0, 0, 0, 1]`
 */
export function sformAffine(s: WrapStruct): Matrix {
  return [s.getArray('srow_x'), s.getArray('srow_y'), s.getArray('srow_z'), [0, 0, 0, 1]];
}

/**
 * Writes an affine's first three rows as the sform.
 * @param s the header's struct
 * @param affine a 4×4 affine
 * @throws {TypeError} when the affine is not 4×4
 */
export function writeSform(s: WrapStruct, affine: MatrixLike): void {
  checkAffine4(affine);
  s.set('srow_x', affine[0]!.slice(0, 4));
  s.set('srow_y', affine[1]!.slice(0, 4));
  s.set('srow_z', affine[2]!.slice(0, 4));
}

/**
 * The code `setQform`/`setSform` store (nibabel): the given one; for a null affine 0; else
 * the field's current code, or 2 ('aligned') when that is 0.
 * @param s header fields
 * @param field `'qform_code'` or `'sform_code'`
 * @param affine the affine being set, or null
 * @param code a code or label, or null
 * @returns the code
 * @throws {RangeError} for an unknown code
 */
export function xformCode(s: WrapStruct, field: string, affine: MatrixLike | null, code: CodeLike | null): number {
  if (code !== null && code !== undefined) return XFORM_CODES.code(code);
  if (affine === null) return 0;
  const old = s.getNumber(field);
  return old === 0 ? 2 : old;
}

/**
 * What `get_qform`/`get_sform` return: the affine, or with `coded` the pair
 * `[affine, code]`, `[null, 0]` when the code is 0 (the affine is then not computed).
 * @param s header fields
 * @param field `'qform_code'` or `'sform_code'`
 * @param coded whether to return the pair
 * @param affine computes the transform
 * @returns the affine or the coded pair
 * @throws whatever `affine` throws
 */
export function codedXform(s: WrapStruct, field: string, coded: boolean | undefined, affine: () => Matrix): Matrix | [Matrix | null, number] {
  const code = s.getNumber(field);
  if (code === 0 && coded) return [null, 0];
  const out = affine();
  return coded ? [out, code] : out;
}

/**
 * nibabel's `get_best_affine` choice: the sform if sform_code ≠ 0, else the qform if
 * qform_code ≠ 0, else the fallback. reliability.md H30: a chosen transform that is unusable
 * (non-finite, or a qform that cannot be computed) is skipped.
 * @param s header fields
 * @param sform the header's sform
 * @param qform the header's qform (may throw a `NibwebError`)
 * @param fallback the base affine, finite
 * @returns the 4×4 affine
 */
export function bestAffine(s: WrapStruct, sform: () => Matrix, qform: () => Matrix, fallback: () => Matrix): Matrix {
  if (s.getNumber('sform_code') !== 0) {
    const a = sform();
    if (isFiniteMatrix(a)) return a;
  }
  if (s.getNumber('qform_code') !== 0) {
    try {
      const a = qform();
      if (isFiniteMatrix(a)) return a;
    } catch (err) {
      if (!(err instanceof NibwebError)) throw err;
    }
  }
  return fallback();
}
