/**
 * The Analyze 7.5 binary layout and the types every Analyze-family header shares (nibabel's
 * `analyze.py` module level: `header_dtype`, `data_type_codes`). The SPM and NIfTI layouts
 * rename or re-lay these fields in their own files; the header classes are analyze-header.ts
 * and its subclasses. Pure data.
 */
import { HeaderDataError, NibwebError } from '../errors.js';
import { Recoder } from './recoder.js';
import { type Endianness, type FieldDecl, StructLayout } from './wrapstruct.js';

/** The Analyze 7.5 fields, in order, with nibabel's names (`analyze.header_dtype`). */
export const ANALYZE_FIELDS: readonly FieldDecl[] = [
  { name: 'sizeof_hdr', type: 'i4' }, // 0   header_key
  { name: 'data_type', type: 'S', count: 10 },
  { name: 'db_name', type: 'S', count: 18 },
  { name: 'extents', type: 'i4' },
  { name: 'session_error', type: 'i2' },
  { name: 'regular', type: 'S', count: 1 },
  { name: 'hkey_un0', type: 'S', count: 1 },
  { name: 'dim', type: 'i2', count: 8 }, // 40  image_dimension
  { name: 'vox_units', type: 'S', count: 4 },
  { name: 'cal_units', type: 'S', count: 8 },
  { name: 'unused1', type: 'i2' },
  { name: 'datatype', type: 'i2' }, // 70
  { name: 'bitpix', type: 'i2' },
  { name: 'dim_un0', type: 'i2' },
  { name: 'pixdim', type: 'f4', count: 8 }, // 76
  { name: 'vox_offset', type: 'f4' }, // 108
  { name: 'funused1', type: 'f4' }, // 112: SPM's scale factor
  { name: 'funused2', type: 'f4' }, // 116: SPM2's intercept
  { name: 'funused3', type: 'f4' },
  { name: 'cal_max', type: 'f4' },
  { name: 'cal_min', type: 'f4' },
  { name: 'compressed', type: 'i4' },
  { name: 'verified', type: 'i4' },
  { name: 'glmax', type: 'i4' },
  { name: 'glmin', type: 'i4' },
  { name: 'descrip', type: 'S', count: 80 }, // 148 data_history
  { name: 'aux_file', type: 'S', count: 24 },
  { name: 'orient', type: 'S', count: 1 },
  { name: 'originator', type: 'S', count: 10 }, // 253: SPM's origin
  { name: 'generated', type: 'S', count: 10 },
  { name: 'scannum', type: 'S', count: 10 },
  { name: 'patient_id', type: 'S', count: 10 },
  { name: 'exp_date', type: 'S', count: 10 },
  { name: 'exp_time', type: 'S', count: 10 },
  { name: 'hist_un0', type: 'S', count: 3 },
  { name: 'views', type: 'i4' },
  { name: 'vols_added', type: 'i4' },
  { name: 'start_field', type: 'i4' },
  { name: 'field_skip', type: 'i4' },
  { name: 'omax', type: 'i4' },
  { name: 'omin', type: 'i4' },
  { name: 'smax', type: 'i4' },
  { name: 'smin', type: 'i4' },
];

/** The 348-byte Analyze layout. */
export const ANALYZE_LAYOUT = new StructLayout(ANALYZE_FIELDS);

/** Analyze's datatype rows (`analyze.data_type_codes`): NIfTI's table extends these. */
export const ANALYZE_DATATYPE_ROWS: readonly (readonly [number, string])[] = [
  [0, 'none'],
  [1, 'binary'],
  [2, 'uint8'],
  [4, 'int16'],
  [8, 'int32'],
  [16, 'float32'],
  [32, 'complex64'],
  [64, 'float64'],
  [128, 'RGB'],
  [255, 'all'],
];

/** Analyze's datatype labels, for `getValueLabel('datatype')`. */
export const ANALYZE_DATATYPE_LABELS = new Recoder(ANALYZE_DATATYPE_ROWS);

/** A code argument: the number, or nibabel's label. */
export type CodeLike = number | string;

/** Options of `fromBytes`. */
export interface FromBytesOptions {
  /** Run the validation battery (default true). With false, only the byte order is guessed. */
  checks?: boolean;
  /** Byte order to use instead of guessing it. */
  endianness?: Endianness;
  /** NIfTI only: single file (extensions end at vox_offset) or pair header (to the end). */
  isSingle?: boolean;
}

/** Constructor options. */
export interface HeaderOptions {
  /** Byte order of the new header (native by default, as nibabel). */
  endianness?: Endianness;
}

/** What `fromHeader` can take: any header with dtype, shape and zooms (MGH's included). */
export type { HeaderLike as SpatialHeaderLike } from './spatial-header.js';

/** Parsing must only ever throw the error family: anything else is wrapped. */
export function asFileError(err: unknown): unknown {
  if (err instanceof NibwebError) return err;
  return new HeaderDataError(`invalid header: ${(err as Error)?.message ?? String(err)}`, { code: 'INVALID_HEADER', cause: err });
}

