/**
 * NIfTI-2 images: `Nifti2Pair` (`.hdr` + `.img`, magic `ni2`) and `Nifti2Image` (`.nii`,
 * magic `n+2`) — nibabel's nifti2.py. As in nibabel, everything but the header class is
 * NIfTI-1's: `Nifti2Pair` extends `Nifti1Pair` and `Nifti2Image` extends `Nifti1Image`.
 */
import type { AnalyzeHeader } from '../header/analyze-header.js';
import { Nifti2Header, Nifti2PairHeader } from '../header/nifti2-header.js';
import { Nifti1Image, Nifti1Pair } from './nifti1.js';

/** A NIfTI-2 pair: header in `.hdr`, data in `.img` (nibabel's `Nifti2Pair`). */
export class Nifti2Pair extends Nifti1Pair {
  static override readonly headerClass: typeof AnalyzeHeader = Nifti2PairHeader;
}

/** A single-file NIfTI-2 image (`.nii`, `.nii.gz`), nibabel's `Nifti2Image`. */
export class Nifti2Image extends Nifti1Image {
  static override readonly headerClass: typeof AnalyzeHeader = Nifti2Header;
}
