/**
 * The FreeSurfer MGH binary layout and type codes (nibabel's `freesurfer/mghformat.py`
 * module level: `DATA_OFFSET`, `header_dtd` + `footer_dtd` → `hf_dtype`, `data_type_codes`).
 * Format: FreeSurfer's MghFormat page
 * (https://surfer.nmr.mgh.harvard.edu/fswiki/FsTutorial/MghFormat).
 *
 * Always big-endian: `version i4` (must be 1), `dims i4[4]` (width, height, depth, frames),
 * `type i4`, `dof i4`, `goodRASFlag i2`, `delta f4[3]` (voxel sizes), `Mdc f4[3×3]` (the
 * direction cosines, stored transposed: row i is the world direction of voxel axis i),
 * `Pxyz_c f4[3]` (world position of the volume centre) — 90 bytes, zero-padded to 284, where
 * the data start. After the data comes an optional 20-byte footer `tr, flip_angle, te, ti,
 * fov` (f4 each); tags after it are ignored. The header class is mgh-header.ts. Pure data.
 */
import type { DType } from '../dtypes.js';
import { HeaderDataError, UnsupportedError } from '../errors.js';
import { StructLayout } from './wrapstruct.js';

/** Byte offset of the data (nibabel `DATA_OFFSET`). */
export const MGH_DATA_OFFSET = 284;
/** Bytes of the header fields proper (what nibabel reads and writes before the padding). */
export const MGH_HEADER_SIZE = 90;
/** Bytes of the footer after the data. */
export const MGH_FOOTER_SIZE = 20;

/** Header then footer fields, as nibabel's `hf_dtype` (big-endian). */
export const MGH_LAYOUT = new StructLayout([
  { name: 'version', type: 'i4' },
  { name: 'dims', type: 'i4', count: 4 },
  { name: 'type', type: 'i4' },
  { name: 'dof', type: 'i4' },
  { name: 'goodRASFlag', type: 'i2' },
  { name: 'delta', type: 'f4', count: 3 },
  { name: 'Mdc', type: 'f4', count: 9 },
  { name: 'Pxyz_c', type: 'f4', count: 3 },
  { name: 'tr', type: 'f4' },
  { name: 'flip_angle', type: 'f4' },
  { name: 'te', type: 'f4' },
  { name: 'ti', type: 'f4' },
  { name: 'fov', type: 'f4' },
]);

/** MGH type code → dtype (nibabel `data_type_codes`; 10 is nibabel HEAD's uint16). */
export const MGH_TYPES: ReadonlyMap<number, DType> = new Map([
  [0, 'uint8'],
  [1, 'int32'],
  [3, 'float32'],
  [4, 'int16'],
  [10, 'uint16'],
]);
const MGH_CODES: ReadonlyMap<DType, number> = new Map([...MGH_TYPES].map(([c, d]) => [d, c]));

/**
 * The type code of a dtype name or MGH code (nibabel's recoder lookup).
 * @param dtype a dtype name (`'int16'`) or an MGH type code (`4`)
 * @returns the MGH type code
 * @throws {HeaderDataError} `UNSUPPORTED_DATATYPE` for anything MGH cannot store
 */
export function mghTypeCode(dtype: DType | number | string): number {
  const code = typeof dtype === 'number' ? (MGH_TYPES.has(dtype) ? dtype : undefined) : MGH_CODES.get(dtype as DType);
  if (code === undefined) {
    throw new HeaderDataError(
      `datatype dtype "${String(dtype)}" not recognized: MGH stores uint8, int16, uint16, int32 and float32 only`,
      { code: 'UNSUPPORTED_DATATYPE' },
    );
  }
  return code;
}

/**
 * The dtype of an MGH type code (nibabel `data_type_codes.numpy_dtype`).
 * @param code the `type` field
 * @returns the dtype name
 * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE`, feature `dtype:mgh-<code>`, for an unknown code
 */
export function mghDtype(code: number): DType {
  const dtype = MGH_TYPES.get(code);
  if (dtype === undefined) {
    throw new UnsupportedError(`MGH type code ${code} is not supported (0 uint8, 1 int32, 3 float32, 4 int16, 10 uint16)`, {
      code: 'UNSUPPORTED_DATATYPE',
      feature: `dtype:mgh-${code}`,
    });
  }
  return dtype;
}
