/**
 * NIfTI-2 images: `Nifti2Image` (`.nii`, magic `n+2`) and `Nifti2Pair` (`.hdr` + `.img`,
 * magic `ni2`) — nibabel's nifti2.py. As in nibabel, everything but the header class is
 * NIfTI-1's (`Nifti2Pair` extends `Nifti1Pair`).
 */
import type { Nifti1Header } from '../header/nifti1-header.js';
import { Nifti2Header, Nifti2PairHeader } from '../header/nifti2-header.js';
import { Nifti1Pair } from './nifti1.js';

/** A NIfTI-2 pair: header in `.hdr`, data in `.img` (nibabel's `Nifti2Pair`). */
export class Nifti2Pair extends Nifti1Pair {
  static override readonly headerClass: typeof Nifti1Header = Nifti2PairHeader;
}

/** A single-file NIfTI-2 image (`.nii`, `.nii.gz`), nibabel's `Nifti2Image`. */
export class Nifti2Image extends Nifti2Pair {
  static override readonly headerClass: typeof Nifti1Header = Nifti2Header;
  static override readonly validExts: readonly string[] = ['.nii'];
  static override readonly isSingle: boolean = true;
}
