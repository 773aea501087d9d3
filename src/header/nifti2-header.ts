/**
 * The NIfTI-2 header (port of nibabel's `nifti2.py` `Nifti2Header` / `Nifti2PairHeader`),
 * plus `niftiHeaderFromBytes`, which picks the NIfTI-1 or NIfTI-2, single or pair class
 * from the bytes themselves.
 *
 * NIfTI-2 (nifti2.h) is NIfTI-1 re-laid out in 540 bytes with 64-bit fields: dims and
 * vox_offset are int64, the float fields float64, codes int32; the magic (`n+2`/`ni2`)
 * moves to byte 4 and is followed by the EOL check bytes `\r\n\032\n`, which reveal a file
 * mangled by line-ending conversion. Single files keep the data at ≥ 544. There are no
 * Analyze leftovers, so no FreeSurfer shape hacks, and the quaternion threshold is based on
 * float64 precision. Everything else is `Nifti1Header`'s.
 *
 * int64 fields read through `get` are numbers when they are safe integers and a
 * `HeaderDataError` (`INT64_UNSAFE`) otherwise; dims beyond 2^53 fail the checks with
 * `SIZE_OVERFLOW`, a negative or huge vox_offset with `BAD_VOX_OFFSET`.
 */
import { HeaderDataError, ImageFileError } from '../errors.js';
import { FLOAT64_EPS } from '../quaternions.js';
import { chkSizeofHdr } from './analyze-checks.js';
import { type HeaderCheck, extendChecks, warn } from './batteryrunners.js';
import { NIFTI1_CHECKS } from './nifti1-checks.js';
import { type Endianness, type FieldDecl, StructLayout, type WrapStruct } from './wrapstruct.js';
import type { FromBytesOptions } from './analyze-layout.js';
import { Nifti1Header, Nifti1PairHeader } from './nifti1-header.js';

/** The NIfTI-2 fields, in order, with nibabel's names (`nifti2.header_dtd`). */
export const NIFTI2_FIELDS: readonly FieldDecl[] = [
  { name: 'sizeof_hdr', type: 'i4' }, // 0
  { name: 'magic', type: 'S', count: 4 }, // 4
  { name: 'eol_check', type: 'i1', count: 4 }, // 8
  { name: 'datatype', type: 'i2' }, // 12
  { name: 'bitpix', type: 'i2' }, // 14
  { name: 'dim', type: 'i8', count: 8 }, // 16
  { name: 'intent_p1', type: 'f8' }, // 80
  { name: 'intent_p2', type: 'f8' }, // 88
  { name: 'intent_p3', type: 'f8' }, // 96
  { name: 'pixdim', type: 'f8', count: 8 }, // 104
  { name: 'vox_offset', type: 'i8' }, // 168
  { name: 'scl_slope', type: 'f8' }, // 176
  { name: 'scl_inter', type: 'f8' }, // 184
  { name: 'cal_max', type: 'f8' }, // 192
  { name: 'cal_min', type: 'f8' }, // 200
  { name: 'slice_duration', type: 'f8' }, // 208
  { name: 'toffset', type: 'f8' }, // 216
  { name: 'slice_start', type: 'i8' }, // 224
  { name: 'slice_end', type: 'i8' }, // 232
  { name: 'descrip', type: 'S', count: 80 }, // 240
  { name: 'aux_file', type: 'S', count: 24 }, // 320
  { name: 'qform_code', type: 'i4' }, // 344
  { name: 'sform_code', type: 'i4' }, // 348
  { name: 'quatern_b', type: 'f8' }, // 352
  { name: 'quatern_c', type: 'f8' }, // 360
  { name: 'quatern_d', type: 'f8' }, // 368
  { name: 'qoffset_x', type: 'f8' }, // 376
  { name: 'qoffset_y', type: 'f8' }, // 384
  { name: 'qoffset_z', type: 'f8' }, // 392
  { name: 'srow_x', type: 'f8', count: 4 }, // 400
  { name: 'srow_y', type: 'f8', count: 4 }, // 432
  { name: 'srow_z', type: 'f8', count: 4 }, // 464
  { name: 'slice_code', type: 'i4' }, // 496
  { name: 'xyzt_units', type: 'i4' }, // 500
  { name: 'intent_code', type: 'i4' }, // 504
  { name: 'intent_name', type: 'S', count: 16 }, // 508
  { name: 'dim_info', type: 'u1' }, // 524
  { name: 'unused_str', type: 'S', count: 15 }, // 525
];

/** The 540-byte NIfTI-2 layout. */
export const NIFTI2_LAYOUT = new StructLayout(NIFTI2_FIELDS);

/** The EOL check bytes that follow the NIfTI-2 magic. */
export const EOL_CHECK: readonly number[] = [13, 10, 26, 10];

/**
 * H13 / nibabel `_chk_eol_check`: all zero → set (level 20); anything else but the EOL bytes
 * → `EOL_CORRUPTED` (level 40). Runs right after sizeof_hdr: an EOL-mangled file shifts
 * every later field.
 */
export const chkEolCheck: HeaderCheck = (hdr, ctx) => {
  const s = hdr.structarr;
  const eol = s.getArray('eol_check');
  if (eol.every((v, i) => v === EOL_CHECK[i])) return;
  if (eol.every((v) => v === 0)) {
    warn(ctx.warnings, 'EOL_CHECK_ZERO', 'eol_check', 'EOL check all 0; setting EOL check to 13, 10, 26, 10', eol, [...EOL_CHECK]);
    s.set('eol_check', [...EOL_CHECK]);
    return;
  }
  throw new HeaderDataError(`EOL check bytes are ${eol.join(', ')}, not 0 or 13, 10, 26, 10; data may be corrupted by EOL conversion`, {
    code: 'EOL_CORRUPTED',
  });
};

/** The NIfTI-2 single-file (`.nii`, magic `n+2`) header. */
export class Nifti2Header extends Nifti1Header {
  static override readonly layout: StructLayout = NIFTI2_LAYOUT;
  static override readonly sizeofHdr: number = 540;
  static override readonly singleMagic: string = 'n+2';
  static override readonly pairMagic: string = 'ni2';
  static override readonly singleVoxOffset: number = 544;
  static override readonly formatName: string = 'a NIfTI-2';
  static override readonly checks: readonly HeaderCheck[] = extendChecks(NIFTI1_CHECKS, { after: chkSizeofHdr, add: [chkEolCheck] });
  /** 3·eps(float64): the quaternion is stored as float64. */
  static override readonly quaternionThreshold: number = 3 * FLOAT64_EPS;
  /** NIfTI-2's int64 dims need no FreeSurfer encodings. */
  static override readonly freesurferHacks: boolean = false;

  /** nibabel's NIfTI-2 `default_structarr`: the NIfTI-1 defaults plus the EOL bytes. */
  protected static override defaultStruct(endianness: Endianness): WrapStruct {
    const s = super.defaultStruct(endianness);
    s.set('eol_check', [...EOL_CHECK]);
    return s;
  }

  /** @internal vox_offset is int64 here; an unsafe value reads as ±Infinity so the checks reject it */
  override rawVoxOffset(): number {
    const b = this.struct.getBigInt('vox_offset')[0]!;
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) return Infinity;
    if (b < BigInt(Number.MIN_SAFE_INTEGER)) return -Infinity;
    return Number(b);
  }

  /** @internal exact int64 dims */
  override rawDims(): bigint[] {
    return this.struct.getBigInt('dim');
  }
}

/** The `.hdr` + `.img` variant of `Nifti2Header` (magic `ni2`). */
export class Nifti2PairHeader extends Nifti2Header {
  static override readonly isSingle: boolean = false;
}

/** Any of the four NIfTI header classes. */
export type NiftiHeader = Nifti1Header | Nifti1PairHeader | Nifti2Header | Nifti2PairHeader;

/**
 * Parses NIfTI-1 or NIfTI-2 header bytes with the class their content names: `sizeof_hdr`
 * (either byte order) picks the version, the magic picks single (`n+1`/`n+2`) or pair
 * (`ni1`/`ni2`).
 * @param bytes the start of the file: header, flag and extensions (up to vox_offset)
 * @param opts as `Nifti1Header.fromBytes`
 * @returns the parsed header
 * @throws {ImageFileError} `TRUNCATED_HEADER`, `NOT_NIFTI`
 * @throws {HeaderDataError} the codes `fromBytes` throws
 * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE`
 */
export function niftiHeaderFromBytes(bytes: Uint8Array, opts: FromBytesOptions = {}): NiftiHeader {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('niftiHeaderFromBytes expects a Uint8Array');
  if (bytes.length < 4) {
    throw new ImageFileError(bytes.length === 0 ? 'Empty file: no header bytes' : `File too short for a NIfTI header: ${bytes.length} bytes`, {
      code: 'TRUNCATED_HEADER',
    });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const sizes = [v.getInt32(0, true), v.getInt32(0, false)];
  if (sizes.includes(540)) {
    return Nifti2Header.magicOf(bytes) === Nifti2Header.pairMagic
      ? Nifti2PairHeader.fromBytes(bytes, opts)
      : Nifti2Header.fromBytes(bytes, opts);
  }
  if (sizes.includes(348) || opts.checks === false) {
    return Nifti1Header.magicOf(bytes) === Nifti1Header.pairMagic
      ? Nifti1PairHeader.fromBytes(bytes, opts)
      : Nifti1Header.fromBytes(bytes, opts);
  }
  if (bytes.length < Nifti1Header.layout.size) {
    throw new ImageFileError(`File too short for a NIfTI header: ${bytes.length} bytes`, { code: 'TRUNCATED_HEADER' });
  }
  throw new ImageFileError(`sizeof_hdr is ${sizes[0]} (${sizes[1]} byte-swapped); a NIfTI header has 348 or 540`, {
    code: 'NOT_NIFTI',
  });
}
