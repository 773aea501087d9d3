/**
 * NIfTI-1 images: `Nifti1Pair` (`.hdr` + `.img`, magic `ni1`) and `Nifti1Image` (single
 * `.nii` file, magic `n+1`) — nibabel's nifti1.py image classes. As in nibabel they are
 * Analyze images (analyze.ts) with the NIfTI header class (src/header/nifti1-header.ts);
 * this file holds only what NIfTI adds:
 *
 * - construction refuses int64/uint64 data without a header or dtype (nibabel does, since
 *   few tools read them);
 * - `updateHeader` writes a differing affine as sform (code 2, aligned) and qform (code 0)
 *   — the header's `setFromAffine` — and sets the class's magic;
 * - `asReoriented` moves `dim_info`'s axes with the data;
 * - a pair writes `{ hdr, img }` (extensions in the `.hdr`, data at offset 0 of the `.img`);
 *   a single file writes one Uint8Array: header, extensions, data at vox_offset 352 + extensions.
 *
 * Everything else — the consumables reset on construction (vox_offset, scl_slope, scl_inter,
 * so a loaded image's `header.getSlopeInter()` is `[null, null]` while the real values live
 * on the proxy), scaling on save, reading — is `AnalyzeImage`'s.
 */
import { Nifti1Header, Nifti1PairHeader } from '../header/nifti1-header.js';
import type { AnalyzeHeader } from '../header/analyze-header.js';
import type { DataObj } from '../image/spatial-image.js';
import { type AnalyzeImageOptions, AnalyzeImage, type FileBytes, type PairBytes, toDataObj } from './analyze.js';

export { toDataObj };

/** Options of the NIfTI image constructors. */
export type NiftiImageOptions = AnalyzeImageOptions;

/** A NIfTI-1 pair: header in `.hdr`, data in `.img` (nibabel's `Nifti1Pair`). */
export class Nifti1Pair<B extends FileBytes = PairBytes> extends AnalyzeImage<Nifti1Header, B> {
  static override readonly headerClass: typeof AnalyzeHeader = Nifti1PairHeader;
  static override readonly validExts: readonly string[] = ['.hdr', '.img'];

  /**
   * @throws {TypeError} for int64/uint64 data with neither header nor dtype (as nibabel)
   * @internal
   */
  protected static override checkData(obj: DataObj, header: unknown, opts: NiftiImageOptions): void {
    if (!header && !opts.dtype && (obj.dtype === 'int64' || obj.dtype === 'uint64')) {
      throw new TypeError(
        `Image data has type ${obj.dtype}, which may cause incompatibilities with other tools. ` +
          'To use this type, pass an explicit header or dtype argument to the image constructor.',
      );
    }
  }

  /**
   * nibabel's `update_header`: shape and affine as for Analyze (the affine as sform and
   * qform), then the magic of this class (`ni1`/`n+1`, `ni2`/`n+2`).
   */
  override updateHeader(): void {
    super.updateHeader();
    const K = this.header.klass;
    this.header.set('magic', (this.constructor as typeof Nifti1Pair).isSingle ? K.singleMagic : K.pairMagic);
  }

  /**
   * nibabel's NIfTI `as_reoriented`: as for any image, then `dim_info`'s frequency, phase and
   * slice axes follow their axes.
   * @param ornt rows `[axis, ±1]` for the spatial axes
   * @returns the reoriented image (this image for the identity)
   */
  override asReoriented(ornt: ReadonlyArray<readonly number[]>): this {
    const img = super.asReoriented(ornt);
    if (img === this) return img;
    const [f, p, s] = img.header.getDimInfo().map((d) => (d === null ? null : ornt[d]![0]!));
    img.header.setDimInfo(f ?? null, p ?? null, s ?? null);
    return img;
  }
}

/** A single-file NIfTI-1 image (`.nii`, `.nii.gz`), nibabel's `Nifti1Image`. */
export class Nifti1Image extends Nifti1Pair<Uint8Array> {
  static override readonly headerClass: typeof AnalyzeHeader = Nifti1Header;
  static override readonly validExts: readonly string[] = ['.nii'];
  static override readonly isSingle: boolean = true;

  /** @internal one file: header, extension flag and extensions up to vox_offset, then the data */
  protected override fileBytes(header: Nifti1Header, data: Uint8Array): Uint8Array {
    const head = header.toBytes();
    const out = new Uint8Array(head.length + data.length);
    out.set(head, 0);
    out.set(data, head.length);
    return out;
  }
}
