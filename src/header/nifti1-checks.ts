/**
 * The NIfTI check battery (nibabel's `Nifti1Header._get_checks`: the Analyze checks of
 * analyze-checks.ts plus `_chk_qfac`, `_chk_magic`, `_chk_offset`, `_chk_qform_code`,
 * `_chk_sform_code`; NIfTI-2 adds `_chk_eol_check`), with reliability.md §4.3's file policy
 * for what only NIfTI has (H11–H17, H23–H25, H28–H31). Where reliability.md chooses
 * differently from nibabel, the check says so.
 *
 * Each check is one small function over the header's struct, as in analyze-checks.ts: it
 * fixes and warns (nibabel level < 40) or throws a typed error (level ≥ 40).
 */
import { HeaderDataError } from '../errors.js';
import { ANALYZE_CHECKS, type CheckedHeader, chkPixdims, chkVoxOffset } from './analyze-checks.js';
import { type HeaderCheck, extendChecks, warn } from './batteryrunners.js';
import { XFORM_CODES } from './nifti1-codes.js';

/** What the NIfTI checks need beyond the Analyze ones: the class's magic and offsets. */
export interface NiftiCheckedHeader extends CheckedHeader {
  readonly niftiFacts: {
    readonly singleMagic: string;
    readonly pairMagic: string;
    readonly singleVoxOffset: number;
    readonly quaternionThreshold: number;
  };
}

/** RGB24 and RGBA32: the NIfTI spec says scl_slope does not apply to them. */
export const RGB_CODES: ReadonlySet<number> = new Set([128, 2304]);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * H11/H12 / `_chk_magic` (level 45: raises): the magic must be this version's single or pair
 * magic; a header of the other NIfTI version gets a hint. Runs before `chkSizeofHdr`, which
 * would otherwise first "fix" the other version's sizeof_hdr and hide the hint.
 */
export const chkMagic: HeaderCheck<NiftiCheckedHeader> = (hdr) => {
  const s = hdr.structarr;
  const { singleMagic, pairMagic } = hdr.niftiFacts;
  const magic = s.getString('magic');
  if (magic === singleMagic || magic === pairMagic) return;
  const sz = s.getNumber('sizeof_hdr');
  const szSwapped = s.reinterpreted().getNumber('sizeof_hdr');
  const { validSizes } = hdr.checkFacts;
  if (!validSizes.includes(sz) && !validSizes.includes(szSwapped)) return; // not NIfTI at all: chkSizeofHdr says so
  const other = hdr.checkFacts.sizeofHdr === 348 ? 540 : 348;
  const hint = sz === other || szSwapped === other ? ` (sizeof_hdr ${other}: this looks like a NIfTI-${other === 540 ? 2 : 1} header)` : '';
  throw new HeaderDataError(`magic string ${JSON.stringify(magic)} is not valid for ${hdr.checkFacts.formatName}${hint}`, { code: 'BAD_MAGIC' });
};

/**
 * H28 / `_chk_qfac` (level 20). nibabel sets 1; reliability.md (with nifti_clib) keeps the
 * sign, so a file written with qfac −0.5 keeps its left-handed qform.
 */
export const chkQfac: HeaderCheck<NiftiCheckedHeader> = (hdr, ctx) => {
  const s = hdr.structarr;
  const qfac = s.getElement('pixdim', 0);
  if (qfac === 1 || qfac === -1) return;
  const used = qfac < 0 ? -1 : 1;
  warn(ctx.warnings, 'BAD_QFAC', 'pixdim[0]', `pixdim[0] (qfac) should be 1 (default) or -1; setting qfac to ${used}`, qfac, used);
  s.setElement('pixdim', 0, used);
};

/**
 * H14–H17 / `_chk_offset`: Analyze's offset rules, and a single file's data cannot start
 * inside its header. In memory 0 means "not set yet" (`toBytes` fills it in), as in nibabel.
 */
export const chkNiftiOffset: HeaderCheck<NiftiCheckedHeader> = (hdr, ctx) => {
  const vo = hdr.rawVoxOffset();
  if (!Number.isFinite(vo) || vo < 0 || vo > MAX_SAFE) {
    throw new HeaderDataError(`vox_offset ${vo} is not a valid byte offset`, { code: 'BAD_VOX_OFFSET' });
  }
  const { singleMagic, singleVoxOffset } = hdr.niftiFacts;
  if (hdr.structarr.getString('magic') === singleMagic && vo < singleVoxOffset && (ctx.file || vo !== 0)) {
    // H15: nibabel raises for 1..351 and reads the header as data for 0; the spec says a
    // smaller offset "is equivalent to 352", which reliability.md follows.
    warn(ctx.warnings, 'VOX_OFFSET_FIXED', 'vox_offset', `vox offset ${vo} too low for single file; setting to minimum value of ${singleVoxOffset}`, vo, singleVoxOffset);
    hdr.structarr.set('vox_offset', singleVoxOffset);
    return;
  }
  chkVoxOffset(hdr, ctx);
};

/** H31 / `_chk_qform_code`, `_chk_sform_code` (level 30: set to 0). */
export const chkXformCodes: HeaderCheck<NiftiCheckedHeader> = (hdr, ctx) => {
  const s = hdr.structarr;
  for (const field of ['qform_code', 'sform_code']) {
    const c = s.getNumber(field);
    if (XFORM_CODES.has(c)) continue;
    warn(ctx.warnings, 'BAD_XFORM_CODE', field, `${field} ${c} not valid; setting to 0`, c, 0);
    s.set(field, 0);
  }
};

/**
 * H23/H24/H25: scaling. nibabel's `get_slope_inter` treats a non-finite slope as "no
 * scaling" (we add a warning) and raises for a valid slope with a non-finite intercept;
 * reliability.md lets us pick for H24 and we keep nibabel's error rather than guess an
 * intercept of 0 like nifti_clib. The spec says scaling does not apply to RGB.
 */
export const chkScaling: HeaderCheck<NiftiCheckedHeader> = (hdr, ctx) => {
  const s = hdr.structarr;
  const slope = s.getNumber('scl_slope');
  const inter = s.getNumber('scl_inter');
  const rgb = RGB_CODES.has(s.getNumber('datatype'));
  if (!Number.isFinite(slope)) {
    warn(ctx.warnings, 'BAD_SCL_SLOPE', 'scl_slope', `scl_slope is ${slope}; data will not be scaled`, slope, null);
  } else if (ctx.file && slope !== 0 && !Number.isFinite(inter) && !rgb) {
    throw new HeaderDataError(`Valid slope but invalid intercept ${inter}`, { code: 'INVALID_INTERCEPT' });
  }
  if (rgb && Number.isFinite(slope) && slope !== 0 && (slope !== 1 || inter !== 0)) {
    warn(ctx.warnings, 'SCL_IGNORED_RGB', 'scl_slope', `scl_slope ${slope} / scl_inter ${inter} do not apply to RGB data; not scaling`, [slope, inter], null);
  }
};

/**
 * H29: |(b, c, d)| > 1 beyond the threshold has no unit quaternion; nibabel raises a
 * ValueError when the qform is used. reliability.md (with nifti_clib) normalises it.
 */
export const chkQuatern: HeaderCheck<NiftiCheckedHeader> = (hdr, ctx) => {
  const s = hdr.structarr;
  const bcd = [s.getNumber('quatern_b'), s.getNumber('quatern_c'), s.getNumber('quatern_d')];
  if (!bcd.every(Number.isFinite)) return;
  const n2 = bcd[0]! ** 2 + bcd[1]! ** 2 + bcd[2]! ** 2;
  if (1 - n2 >= -hdr.niftiFacts.quaternionThreshold) return;
  const n = Math.sqrt(n2);
  const used = bcd.map((v) => v / n);
  warn(ctx.warnings, 'BAD_QUATERN', 'quatern_b', `quaternion (b, c, d) = (${bcd.join(', ')}) has norm ${n} > 1; normalised to a 180° rotation`, bcd, used);
  s.set('quatern_b', used[0]!);
  s.set('quatern_c', used[1]!);
  s.set('quatern_d', used[2]!);
};

/**
 * H30: a transform in use with non-finite numbers is dropped (its code set to 0), so
 * `getBestAffine` falls back sform → qform → base affine and is never NaN. nibabel returns
 * the NaN affine silently.
 */
export const chkTransforms: HeaderCheck<NiftiCheckedHeader> = (hdr, ctx) => {
  const s = hdr.structarr;
  if (s.getNumber('sform_code') !== 0) {
    const vals = [...s.getArray('srow_x'), ...s.getArray('srow_y'), ...s.getArray('srow_z')];
    if (!vals.every(Number.isFinite)) {
      warn(ctx.warnings, 'BAD_SFORM', 'sform_code', 'srow_x/y/z hold non-finite values; ignoring the sform (sform_code set to 0)', s.getNumber('sform_code'), 0);
      s.set('sform_code', 0);
    }
  }
  if (s.getNumber('qform_code') !== 0) {
    const quat = ['quatern_b', 'quatern_c', 'quatern_d'].map((f) => s.getNumber(f));
    const offs = ['qoffset_x', 'qoffset_y', 'qoffset_z'].map((f) => s.getNumber(f));
    if (!quat.every(Number.isFinite) || !offs.every(Number.isFinite)) {
      const code = quat.every(Number.isFinite) ? 'BAD_QFORM' : 'BAD_QUATERN';
      warn(ctx.warnings, code, 'qform_code', 'quatern/qoffset fields hold non-finite values; ignoring the qform (qform_code set to 0)', s.getNumber('qform_code'), 0);
      s.set('qform_code', 0);
    }
  }
};

/**
 * The NIfTI-1 battery: the magic first (a wrong magic makes every later reading meaningless),
 * NIfTI's offset rule in place of Analyze's, then qfac, the codes, scaling and the transforms.
 */
export const NIFTI1_CHECKS: readonly HeaderCheck[] = extendChecks(
  [chkMagic, ...ANALYZE_CHECKS],
  { after: chkPixdims, add: [chkQfac] },
  { replace: chkVoxOffset, add: [chkNiftiOffset, chkXformCodes, chkScaling, chkQuatern, chkTransforms] },
);
