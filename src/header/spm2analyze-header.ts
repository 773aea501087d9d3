/**
 * The SPM2 Analyze header (port of nibabel's `spm2analyze.py` `Spm2AnalyzeHeader`): SPM99's,
 * with an intercept in `funused2` (renamed `scl_inter`) and John Ashburner's fallback from
 * `spm_vol_ana.m`: with no usable slope, scaling comes from the calibrated and raw ranges,
 * `(cal_max − cal_min) / (glmax − glmin)`, when both are non-zero. Factors are float64 (no
 * float32 results), and a non-finite intercept is read as 0.
 *
 * `mayContainHeader` claims any 348-byte header without a NIfTI-1 magic, so a non-NIfTI
 * `.hdr` + `.img` pair loads as SPM2, as nibabel's load order makes it.
 */
import { Spm99AnalyzeHeader, SPM99_FIELDS } from './spm99analyze-header.js';
import { type FieldDecl, StructLayout } from './wrapstruct.js';

/** The SPM2 fields: SPM99's, with `funused2` → `scl_inter`. */
export const SPM2_FIELDS: readonly FieldDecl[] = SPM99_FIELDS.map((f) => (f.name === 'funused2' ? { name: 'scl_inter', type: 'f4' } : f));

/** The 348-byte SPM2 layout. */
export const SPM2_LAYOUT = new StructLayout(SPM2_FIELDS);

/** nibabel's `Spm2AnalyzeHeader`. */
export class Spm2AnalyzeHeader extends Spm99AnalyzeHeader {
  static override readonly layout: StructLayout = SPM2_LAYOUT;
  static override readonly float32Slope: boolean = false;

  /**
   * nibabel's SPM2 rule: a finite non-zero `scl_slope` with `scl_inter` (0 when not finite);
   * else the gl/cal ranges; else no scaling.
   * @returns `[slope, inter]` or `[null, null]`
   */
  override getSlopeInter(): [number | null, number | null] {
    const s = this.struct;
    const slope = s.getNumber('scl_slope');
    if (Number.isFinite(slope) && slope !== 0) {
      const inter = s.getNumber('scl_inter');
      return [slope, Number.isFinite(inter) ? inter : 0];
    }
    const unscaled = s.getNumber('glmax') - s.getNumber('glmin');
    const scaled = Math.fround(s.getNumber('cal_max') - s.getNumber('cal_min'));
    if (unscaled !== 0 && scaled !== 0) {
      const sl = scaled / unscaled;
      return [sl, s.getNumber('cal_min') - sl * s.getNumber('glmin')];
    }
    return [null, null];
  }

  /**
   * nibabel's SPM2 sniff: a 348-byte header (either byte order) whose magic is not NIfTI-1's.
   * @param bytes the start of a file
   * @returns whether it may be an SPM2 header
   */
  static override mayContainHeader(bytes: Uint8Array): boolean {
    if (!super.mayContainHeader(bytes)) return false;
    const m = String.fromCharCode(bytes[344]!, bytes[345]!, bytes[346]!, bytes[347]!);
    return m !== 'ni1\0' && m !== 'n+1\0';
  }
}
