/**
 * The Analyze header check battery (nibabel's `AnalyzeHeader._get_checks`: `_chk_sizeof_hdr`,
 * `_chk_datatype`, `_chk_bitpix`, `_chk_pixdims`, run by `batteryrunners.BatteryRunner`), plus
 * the file policy of reliability.md §4.3 that applies to every 348-byte Analyze-family header
 * (H1–H10, H14, H16, H26, H27). The NIfTI checks (nifti1-checks.ts) extend this list.
 *
 * A check (batteryrunners.ts) is a function of the header and a context: it fixes what
 * nibabel fixes (level < 40) and records a `HeaderWarning`, or throws a typed error for what
 * nibabel refuses (level ≥ 40). `ctx.file` is true when the bytes came from a file (`fromBytes`), where some rules are
 * stricter than for a header being built in memory (dim[0] = 0 is an error only in a file).
 */
import { HeaderDataError, ImageFileError } from '../errors.js';
import { type CheckedStruct, type HeaderCheck as Check, warn } from './batteryrunners.js';
import type { WrapStruct } from './wrapstruct.js';

/** A check of the Analyze family. */
export type HeaderCheck = Check<CheckedHeader>;

/** An Analyze-family header as its checks see it: its struct and a few class facts. */
export interface CheckedHeader extends CheckedStruct {
  /** `sizeof_hdr` values that belong to this family, and the class's own. */
  readonly checkFacts: {
    readonly sizeofHdr: number;
    readonly validSizes: readonly number[];
    readonly notFormatCode: string;
    readonly formatName: string;
  };
  /** The dims as exact integers. */
  rawDims(): bigint[];
  /** nibabel's FreeSurfer large-vector encoding (NIfTI-1 only): dim[1] = −1 is then allowed. */
  isFreesurferVector(dims: bigint[], i: number): boolean;
  /** The on-disk dtype's item size; throws `UnsupportedError` for a code the class lacks. */
  dataItemsize(): number;
  /** The array's byte count; throws `SIZE_OVERFLOW` past 2^53. */
  getDataBytes(): number;
  /** vox_offset as stored. */
  rawVoxOffset(): number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** dim[0] read in the struct's order, as a number even for NIfTI-2's int64 (clamped). */
export function rawDim0(s: WrapStruct): number {
  const f = s.layout.field('dim');
  if (f.type === 'i8') {
    const b = s.getBigInt('dim')[0]!;
    return b > 1000n ? 1000 : b < -1000n ? -1000 : Number(b);
  }
  return s.getElement('dim', 0);
}

/**
 * H2 / `_chk_sizeof_hdr`: a value that is not one of the family's sizes in either byte order
 * means this is not such a header at all (typed error); the family's other size is fixed to
 * the class's own with a warning (nibabel level 30).
 */
export const chkSizeofHdr: HeaderCheck = (hdr, ctx) => {
  const s = hdr.structarr;
  const { sizeofHdr, validSizes, notFormatCode, formatName } = hdr.checkFacts;
  const sz = s.getNumber('sizeof_hdr');
  const szSwapped = s.reinterpreted().getNumber('sizeof_hdr');
  if (!validSizes.includes(sz) && !validSizes.includes(szSwapped)) {
    throw new ImageFileError(`sizeof_hdr is ${sz} (${szSwapped} byte-swapped); ${formatName} header has ${validSizes.join(' or ')}`, {
      code: notFormatCode,
    });
  }
  if (sz !== sizeofHdr) {
    warn(ctx.warnings, 'SIZEOF_HDR_FIXED', 'sizeof_hdr', `sizeof_hdr should be ${sizeofHdr}; set sizeof_hdr to ${sizeofHdr}`, sz, sizeofHdr);
    s.set('sizeof_hdr', sizeofHdr);
  }
};

/** H3/H4: dim[0] must say how many dims there are, in some byte order (0 is refused in a file). */
export const chkDim0: HeaderCheck = (hdr, ctx) => {
  const s = hdr.structarr;
  const dim0 = rawDim0(s);
  if (dim0 < 0 || dim0 > 7 || (ctx.file && dim0 === 0)) {
    const swapped = rawDim0(s.reinterpreted());
    throw new HeaderDataError(
      dim0 === 0
        ? 'dim[0] is 0: the header declares no dimensions'
        : `dim[0] is ${dim0} (${swapped} byte-swapped); it must be 1..7 in one byte order`,
      { code: 'BAD_DIM0' },
    );
  }
};

/** H5/H7: each used dim positive and below 2^53 (dims beyond dim[0] are ignored, H6). */
export const chkDims: HeaderCheck = (hdr) => {
  const dim0 = rawDim0(hdr.structarr);
  const dims = hdr.rawDims();
  for (let i = 1; i <= dim0; i++) {
    const d = dims[i]!;
    if (d > BigInt(MAX_SAFE)) throw new HeaderDataError(`dim[${i}] = ${d} is larger than 2^53`, { code: 'SIZE_OVERFLOW' });
    if (d <= 0n && !hdr.isFreesurferVector(dims, i)) {
      throw new HeaderDataError(`dim[${i}] = ${d}: array dimensions must be positive`, { code: 'BAD_DIM' });
    }
  }
};

/**
 * H8/H9 / `_chk_datatype` (level 40: raises) and H10 / `_chk_bitpix` (level 10: fixed), then
 * H7: the array must have a byte size JavaScript can represent.
 */
export const chkDatatype: HeaderCheck = (hdr, ctx) => {
  const s = hdr.structarr;
  const itemsize = hdr.dataItemsize();
  const bitpix = s.getNumber('bitpix');
  if (bitpix !== itemsize * 8) {
    warn(ctx.warnings, 'BITPIX_MISMATCH', 'bitpix', `bitpix ${bitpix} does not match datatype; setting bitpix to ${itemsize * 8}`, bitpix, itemsize * 8);
    s.set('bitpix', itemsize * 8);
  }
  if (rawDim0(s) > 0) hdr.getDataBytes();
};

/**
 * H26/H27 / `_chk_pixdims`: zero → 1 (level 30), negative → abs (level 35). reliability.md
 * adds non-finite → 1, which nibabel lets through (a NaN affine follows).
 */
export const chkPixdims: HeaderCheck = (hdr, ctx) => {
  const s = hdr.structarr;
  for (let i = 1; i <= 3; i++) {
    const p = s.getElement('pixdim', i);
    let fixed: number | null = null;
    if (!Number.isFinite(p) || p === 0) fixed = 1;
    else if (p < 0) fixed = -p;
    if (fixed !== null) {
      warn(ctx.warnings, 'BAD_PIXDIM', `pixdim[${i}]`, `pixdim[${i}] = ${p} should be positive and finite; using ${fixed}`, p, fixed);
      s.setElement('pixdim', i, fixed);
    }
  }
};

/**
 * H14/H16: vox_offset must be a byte offset: non-finite, negative or past 2^53 is refused
 * (nibabel fails there with untyped errors); a fraction is truncated, as both reference
 * readers do. H17 (not a multiple of 16) only bothers SPM's memory mapping: accepted.
 */
export const chkVoxOffset: HeaderCheck = (hdr, ctx) => {
  const vo = hdr.rawVoxOffset();
  if (!Number.isFinite(vo) || vo < 0 || vo > MAX_SAFE) {
    throw new HeaderDataError(`vox_offset ${vo} is not a valid byte offset`, { code: 'BAD_VOX_OFFSET' });
  }
  if (!Number.isInteger(vo)) {
    warn(ctx.warnings, 'VOX_OFFSET_NOT_INTEGER', 'vox_offset', `vox offset ${vo} is not a whole number; using ${Math.floor(vo)}`, vo, Math.floor(vo));
  }
};

/**
 * nibabel's Analyze battery, in order, with the file policy checks where they belong.
 * Subclasses extend it with `extendChecks` (batteryrunners.ts).
 */
export const ANALYZE_CHECKS: readonly Check[] = [chkSizeofHdr, chkDim0, chkDims, chkDatatype, chkPixdims, chkVoxOffset];

