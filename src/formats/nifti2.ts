/**
 * NIfTI-2 images: `Nifti2Image` (`.nii`, magic `n+2`) and `Nifti2Pair` (`.hdr` + `.img`,
 * magic `ni2`) — nibabel's nifti2.py. Everything but the header class is NIfTI-1's.
 */
import type { DType, TypedArray } from '../dtypes.js';
import type { Nifti1Header } from '../header/nifti1-header.js';
import { Nifti2Header, Nifti2PairHeader } from '../header/nifti2-header.js';
import { type DataObj, SpatialImage } from '../image/spatial-image.js';
import { prepareNiftiHeader, toDataObj } from './nifti1.js';
import { imageToBlob, imageToBytes } from './nifti-writer.js';

/** A NIfTI-2 pair: header in `.hdr`, data in `.img` (nibabel's `Nifti2Pair`). */
export class Nifti2Pair extends SpatialImage<Nifti2Header> {
  /** The header class this image uses. */
  static readonly headerClass = Nifti2Header;
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
   */
  constructor(
    dataobj: DataObj | TypedArray,
    affine: readonly (readonly number[])[] | null,
    header?: Nifti1Header | null,
    opts: { dtype?: DType; shape?: readonly number[] } = {},
  ) {
    const obj = toDataObj(dataobj, opts.shape);
    const cls = new.target as unknown as { isSingle: boolean };
    const Header = cls.isSingle ? Nifti2Header : Nifti2PairHeader;
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

/** A single-file NIfTI-2 image (`.nii`, `.nii.gz`), nibabel's `Nifti2Image`. */
export class Nifti2Image extends Nifti2Pair {
  static override readonly validExts: readonly string[] = ['.nii'];
  static override readonly isSingle: boolean = true;
}
