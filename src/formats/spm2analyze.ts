/**
 * SPM2 Analyze images (port of nibabel's `spm2analyze.py` `Spm2AnalyzeImage`): SPM99's, with
 * the `Spm2AnalyzeHeader` (intercept in `funused2`, the gl/cal scaling fallback). Any
 * `.hdr` + `.img` pair without a NIfTI magic loads as this class, as in nibabel.
 */
import type { AnalyzeHeader } from '../header/analyze-header.js';
import { Spm2AnalyzeHeader } from '../header/spm2analyze-header.js';
import { Spm99AnalyzeImage } from './spm99analyze.js';

/** An SPM2 Analyze image (nibabel's `Spm2AnalyzeImage`). */
export class Spm2AnalyzeImage extends Spm99AnalyzeImage<Spm2AnalyzeHeader> {
  static override readonly headerClass: typeof AnalyzeHeader = Spm2AnalyzeHeader;
}
