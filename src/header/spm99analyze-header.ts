/**
 * The SPM99 Analyze headers (port of nibabel's `spm99analyze.py`): `SpmAnalyzeHeader`, the
 * Analyze header with a scale factor in `funused1` (renamed `scl_slope`), and
 * `Spm99AnalyzeHeader`, which also reads the voxel origin from `originator` (renamed
 * `origin`, five int16s, 1-based as in MATLAB).
 *
 * - Scaling is slope only: `getSlopeInter()` is `[slope, null]`, the slope being the raw
 *   float32 header value (so scaled uint8/int16/float32 data stay float32, as numpy does with
 *   nibabel's float32 scalar); 0, NaN and ±inf mean no scaling. A non-zero intercept cannot
 *   be stored.
 * - The affine (`getOriginAffine`, nibabel's `get_origin_affine`): zooms with x flipped,
 *   translation from `origin − 1` when the origin is set and within (−dim, 2·dim), else the
 *   volume centre. An origin outside that range is reported (`ORIGIN_OUT_OF_RANGE`, nibabel's
 *   level-20 check) and ignored for the affine.
 */
import { HeaderDataError } from '../errors.js';
import type { Matrix } from '../linalg.js';
import { AnalyzeHeader, ANALYZE_FIELDS } from './analyze-header.js';
import type { HeaderCheck } from './analyze-checks.js';
import { type HeaderCheck as Check, warn } from './batteryrunners.js';
import { type Endianness, type FieldDecl, StructLayout, type WrapStruct } from './wrapstruct.js';

/** The SPM99 fields: Analyze's, with `funused1` → `scl_slope` and `originator` → `origin`. */
export const SPM99_FIELDS: readonly FieldDecl[] = ANALYZE_FIELDS.map((f) =>
  f.name === 'funused1' ? { name: 'scl_slope', type: 'f4' } : f.name === 'originator' ? { name: 'origin', type: 'i2', count: 5 } : f,
);

/** The 348-byte SPM99 layout. */
export const SPM99_LAYOUT = new StructLayout(SPM99_FIELDS);

/** nibabel's `SpmAnalyzeHeader`: Analyze with a slope (no intercept). */
export class SpmAnalyzeHeader extends AnalyzeHeader {
  static override readonly layout: StructLayout = SPM99_LAYOUT;
  static override readonly hasDataSlope: boolean = true;
  static override readonly float32Slope: boolean = true;

  /** nibabel's default: the Analyze defaults with slope 1. */
  protected static override defaultStruct(endianness: Endianness): WrapStruct {
    const s = super.defaultStruct(endianness);
    s.set('scl_slope', 1);
    return s;
  }

  /**
   * The scale factor (the float32 header value); no intercept.
   * @returns `[slope, null]`, or `[null, null]` for slope 0, NaN or ±inf
   */
  override getSlopeInter(): [number | null, number | null] {
    const slope = this.struct.getNumber('scl_slope');
    if (slope === 0 || !Number.isFinite(slope)) return [null, null];
    return [slope, null];
  }

  /**
   * Sets the slope; null means NaN ("compute on save").
   * @param slope the slope, or null
   * @param inter null, NaN or 0 only
   * @throws {HeaderDataError} for slope 0/±inf, or `CANNOT_SCALE` for a non-zero intercept
   */
  override setSlopeInter(slope: number | null, inter: number | null = null): void {
    const s = slope ?? Number.NaN;
    if (s === 0 || s === Infinity || s === -Infinity) throw new HeaderDataError('Slope cannot be 0 or infinite');
    this.struct.set('scl_slope', s);
    if (inter === null || inter === 0 || Number.isNaN(inter)) return;
    throw new HeaderDataError('Cannot set non-zero intercept for SPM headers', { code: 'CANNOT_SCALE' });
  }
}

/** Whether SPM's origin is usable (set, and within (−dim, 2·dim) on each axis). */
function originUsable(origin: number[], dims: number[]): boolean {
  return origin.every((o, i) => o > -dims[i]! && o < dims[i]! * 2);
}

/** nibabel's `_chk_origin` (level 20): an origin far outside the volume is ignored for the affine. */
export const chkOrigin: HeaderCheck = (hdr, ctx) => {
  const s = hdr.structarr;
  const origin = s.getArray('origin').slice(0, 3);
  const dims = s.getArray('dim').slice(1, 4);
  if (!origin.some((o) => o !== 0) || originUsable(origin, dims)) return;
  warn(ctx.warnings, 'ORIGIN_OUT_OF_RANGE', 'origin', 'very large origin values relative to dims; leaving as set, ignoring for affine', origin, null);
};

/** nibabel's `Spm99AnalyzeHeader`: slope scaling and the voxel origin. */
export class Spm99AnalyzeHeader extends SpmAnalyzeHeader {
  static override readonly checks: readonly Check[] = [...AnalyzeHeader.checks, chkOrigin];

  /**
   * The affine from zooms (x flipped) and the SPM origin, or the volume centre when the
   * origin is unset or out of range (nibabel `get_origin_affine`).
   * @returns the 4×4 affine
   */
  getOriginAffine(): Matrix {
    const s = this.struct;
    const zooms = s.getArray('pixdim').slice(1, 4);
    if (this.klass.defaultXFlip) zooms[0] = -zooms[0]!;
    const origin = s.getArray('origin').slice(0, 3);
    const dims = s.getArray('dim').slice(1, 4);
    const o = origin.some((v) => v !== 0) && originUsable(origin, dims) ? origin.map((v) => v - 1) : dims.map((d) => (d - 1) / 2);
    return [
      [zooms[0]!, 0, 0, -o[0]! * zooms[0]!],
      [0, zooms[1]!, 0, -o[1]! * zooms[1]!],
      [0, 0, zooms[2]!, -o[2]! * zooms[2]!],
      [0, 0, 0, 1],
    ];
  }

  /**
   * The origin affine when it is finite, else the base affine (reliability.md H30).
   * @returns the 4×4 affine
   */
  override getBestAffine(): Matrix {
    const a = this.getOriginAffine();
    return a.every((r) => r.every(Number.isFinite)) ? a : this.finiteBaseAffine();
  }

  /**
   * The origin from an affine (nibabel's `set_origin_from_affine`): origin = −T / Z + 1,
   * stored as int16 (truncated, as numpy assigns). Images do not call it when they save —
   * nibabel's SPM images keep the header's origin and write the affine to the `.mat` file.
   * @param affine a 4×4 affine
   */
  setOriginFromAffine(affine: readonly (readonly number[])[]): void {
    const z = [0, 1, 2].map((j) => Math.sqrt(affine[0]![j]! ** 2 + affine[1]![j]! ** 2 + affine[2]![j]! ** 2));
    const origin = this.struct.getArray('origin');
    for (let i = 0; i < 3; i++) origin[i] = Math.trunc(-affine[i]![3]! / z[i]! + 1);
    this.struct.set('origin', origin);
  }

}
