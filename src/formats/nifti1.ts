/**
 * NIfTI-1 images: `Nifti1Image` (single `.nii` file, magic `n+1`) and `Nifti1Pair`
 * (`.hdr` + `.img`, magic `ni1`) — nibabel's nifti1.py image classes. The header is
 * src/header/nifti1-header.ts; this file only connects header, proxy and image, as
 * nibabel's `header_class`/`ImageArrayProxy` hooks do.
 *
 * Construction follows nibabel (spatialimages.py, analyze.py, nifti1.py): the header is
 * always copied; its "consumable" fields (vox_offset, scl_slope, scl_inter) are reset, so a
 * loaded image's `header.getSlopeInter()` is `[null, null]` while the real values live on
 * the proxy; the header's shape (and, when no header is given, dtype) follow the data; an
 * affine that differs from the header's best affine is written as sform (code 2, aligned)
 * and qform (code 0, unknown).
 */
import { type DType, type TypedArray } from '../dtypes.js';
import { Nifti1Header, Nifti1PairHeader } from '../header/nifti1-header.js';
import { type DataObj, SpatialImage } from '../image/spatial-image.js';
import { allclose } from '../affines.js';
import { imageToBlob, imageToBytes } from './nifti-writer.js';
import { toDataObj } from './analyze.js';

export { toDataObj };

/** The header classes NIfTI images accept. */
export type NiftiHeaderLike = Nifti1Header;

/** Options of the image constructors. */
export interface NiftiImageOptions {
  /** On-disk dtype to use when saving (nibabel's `dtype=` argument). */
  dtype?: DType;
}

/**
 * Shared construction for the NIfTI image classes.
 * @internal
 */
export function prepareNiftiHeader<H extends Nifti1Header>(
  dataobj: DataObj,
  affine: readonly (readonly number[])[] | null,
  header: Nifti1Header | null | undefined,
  fresh: () => H,
  fromHeader: (h: Nifti1Header) => H,
  isSingle: boolean,
  opts: NiftiImageOptions = {},
): H {
  const hdr = header ? fromHeader(header) : fresh();
  if (!header && !opts.dtype && (dataobj.dtype === 'int64' || dataobj.dtype === 'uint64')) {
    throw new TypeError(
      `Image data has type ${dataobj.dtype}, which may cause incompatibilities with other tools. ` +
        'To use this type, pass an explicit header or dtype argument to the image constructor.',
    );
  }
  if (opts.dtype) hdr.setDataDtype(opts.dtype);
  else if (!header) hdr.setDataDtype(dataobj.dtype);
  // Consumables: nibabel resets these on every construction (analyze.py).
  hdr.set('vox_offset', 0);
  hdr.set('scl_slope', Number.NaN);
  hdr.set('scl_inter', Number.NaN);
  hdr.setDataShape(dataobj.shape);
  if (affine !== null && (!header || !allclose(affine, hdr.getBestAffine()))) {
    hdr.setSform(affine, 2);
    hdr.setQform(affine, 0);
  }
  hdr.set('magic', magicFor(hdr, isSingle));
  return hdr;
}

function magicFor(hdr: Nifti1Header, isSingle: boolean): string {
  const v = hdr.sizeofHdr === 540 ? '2' : '1';
  return isSingle ? `n+${v}` : `ni${v}`;
}

/** A NIfTI-1 pair: header in `.hdr`, data in `.img` (nibabel's `Nifti1Pair`). */
export class Nifti1Pair extends SpatialImage<Nifti1Header> {
  /** The header class this image uses (nibabel's `header_class`). */
  static readonly headerClass: typeof Nifti1Header = Nifti1PairHeader;
  /** File extensions of this image class. */
  static readonly validExts: readonly string[] = ['.hdr', '.img'];
  /** Whether header and data share one file. */
  static readonly isSingle: boolean = false;

  /**
   * @param dataobj an NDArray, an ArrayProxy, or a typed array with `opts.shape`
   * @param affine 4×4 voxel → world affine, or null
   * @param header a header to copy (any NIfTI header), or null for defaults
   * @param opts `shape` for a typed array; `dtype` for saving
   * @throws {TypeError} for int64/uint64 data with neither header nor dtype (as nibabel)
   * @throws {RangeError} when the affine is not 4×4
   */
  constructor(
    dataobj: DataObj | TypedArray,
    affine: readonly (readonly number[])[] | null,
    header?: Nifti1Header | null,
    opts: NiftiImageOptions & { shape?: readonly number[] } = {},
  ) {
    const obj = toDataObj(dataobj, opts.shape);
    const cls = new.target as unknown as { isSingle: boolean; headerClass: typeof Nifti1Header };
    const Header = cls.headerClass;
    const hdr = prepareNiftiHeader(obj, affine, header, () => new Header(), (h) => Header.fromHeader(h), cls.isSingle, opts);
    super(obj, affine, hdr);
  }

  /**
   * The file's bytes (nibabel's `to_bytes`): header, extensions, data in F order.
   * @throws {TypeError} for pair images, which have no single byte form
   */
  toBytes(): Promise<Uint8Array> {
    return imageToBytes(this);
  }

  /**
   * The image as a downloadable Blob; a name ending in `.gz` gives a gzipped file.
   * @throws {TypeError} for pair images
   */
  toBlob(name?: string): Promise<Blob> {
    return imageToBlob(this, name);
  }
}

/** A single-file NIfTI-1 image (`.nii`, `.nii.gz`), nibabel's `Nifti1Image`. */
export class Nifti1Image extends Nifti1Pair {
  static override readonly headerClass: typeof Nifti1Header = Nifti1Header;
  static override readonly validExts: readonly string[] = ['.nii'];
  static override readonly isSingle: boolean = true;
}
