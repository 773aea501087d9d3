/**
 * A minimal NIfTI-1 single-file (.nii) header writer for the benchmark volumes.
 *
 * Follows the NIfTI-1 header layout (nifti1.h, the 348-byte `nifti_1_header`) as nibabel's
 * `Nifti1Header` writes it: little-endian, magic `n+1`, then 4 zero bytes (no extensions), so
 * the voxel data start at `vox_offset` 352. Only what the benchmark needs: dim, datatype,
 * bitpix, pixdim, scl_slope/scl_inter, qform and sform (both a diagonal, axis-aligned affine
 * centred on the volume), xyzt_units and descrip. Not a general writer: the library has its own.
 */

/** NIfTI-1 datatype codes and bit widths used here (nifti1.h `NIFTI_TYPE_*`). */
export const NIFTI_DTYPES = {
  int16: { code: 4, bitpix: 16 },
  float32: { code: 16, bitpix: 32 },
};

/** Header (348) plus the 4-byte extension flag. */
export const VOX_OFFSET = 352;

/**
 * Builds the 352 bytes that precede the voxel data of a `.nii` file.
 * @param {object} spec
 * @param {number[]} spec.shape array shape, x fastest (1 to 7 axes)
 * @param {'int16'|'float32'} spec.dtype on-disk dtype (little-endian)
 * @param {number[]} spec.zooms voxel sizes in mm (and the TR in s for a 4th axis)
 * @param {number} spec.slope scl_slope
 * @param {number} spec.inter scl_inter
 * @param {string} [spec.descrip] up to 79 ASCII characters
 * @param {number} [spec.sformCode] 1 scanner, 4 MNI152 (default 1)
 * @returns {Uint8Array} 352 bytes: header + zero extension flag
 * @throws {RangeError} on an unknown dtype or more than 7 axes
 */
export function niftiHeader(spec) {
  const dt = NIFTI_DTYPES[spec.dtype];
  if (!dt) throw new RangeError(`no NIfTI code for dtype ${spec.dtype}`);
  const { shape, zooms } = spec;
  if (shape.length < 1 || shape.length > 7) throw new RangeError('NIfTI-1 holds 1 to 7 axes');
  const bytes = new Uint8Array(VOX_OFFSET);
  const v = new DataView(bytes.buffer);
  const le = true;
  v.setInt32(0, 348, le); // sizeof_hdr
  bytes[38] = 'r'.charCodeAt(0); // regular, as nibabel writes it
  v.setInt16(40, shape.length, le);
  for (let i = 0; i < 7; i++) v.setInt16(42 + 2 * i, i < shape.length ? shape[i] : 1, le);
  v.setInt16(70, dt.code, le);
  v.setInt16(72, dt.bitpix, le);
  v.setFloat32(76, 1, le); // pixdim[0] = qfac
  for (let i = 0; i < 7; i++) v.setFloat32(80 + 4 * i, i < zooms.length ? zooms[i] : 1, le);
  v.setFloat32(108, VOX_OFFSET, le);
  v.setFloat32(112, spec.slope, le);
  v.setFloat32(116, spec.inter, le);
  bytes[123] = 2 | (shape.length > 3 ? 8 : 0); // NIFTI_UNITS_MM | NIFTI_UNITS_SEC
  const descrip = (spec.descrip ?? '').slice(0, 79);
  for (let i = 0; i < descrip.length; i++) bytes[148 + i] = descrip.charCodeAt(i) & 0x7f;
  // Axis-aligned RAS+ affine with the volume's centre at world (0, 0, 0).
  const origin = [0, 1, 2].map((i) => -((shape[i] ?? 1) - 1) * 0.5 * (zooms[i] ?? 1));
  v.setInt16(252, 1, le); // qform_code: scanner
  v.setInt16(254, spec.sformCode ?? 1, le);
  // quatern_b/c/d = 0: identity rotation.
  for (let i = 0; i < 3; i++) v.setFloat32(268 + 4 * i, origin[i], le);
  for (let r = 0; r < 3; r++) {
    v.setFloat32(280 + 16 * r + 4 * r, zooms[r] ?? 1, le);
    v.setFloat32(280 + 16 * r + 12, origin[r], le);
  }
  bytes.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  // bytes 348..351 stay 0: no extensions.
  return bytes;
}
