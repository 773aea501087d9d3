/**
 * SPM99 Analyze images (port of nibabel's `spm99analyze.py` `Spm99AnalyzeImage`): Analyze
 * pairs whose header (`Spm99AnalyzeHeader`) carries a scale factor and a voxel origin, plus
 * SPM's optional `.mat` file beside the pair, which holds the voxel → world affine and wins
 * over the header's when it is dropped with the pair (nibabel reads it too):
 * - key `mat` (flips included; a stack of several uses the first, with a `MAT_STACK`
 *   warning), else key `M` (no x flip: nibabel applies diag(−1, 1, 1, 1));
 * - then shifted for MATLAB's 1-based voxel indices (`mat · [I | 1]`);
 * - an empty `.mat` is ignored; one with neither key is an `ImageFileError` (`BAD_MAT_FILE`),
 *   as nibabel refuses it too.
 *
 * Writing adds the `.mat` as nibabel's `to_file_map` does, whenever the image has an affine:
 * MATLAB v4 with `M` (x flip undone) and `mat`, both moved back to 1-based indices.
 */
import { ImageFileError } from '../errors.js';
import type { AnalyzeHeader } from '../header/analyze-header.js';
import { type PairBytes } from './analyze.js';
import { Spm99AnalyzeHeader } from '../header/spm99analyze-header.js';
import type { FromSourcesOptions, ImageSources } from '../image/image-class.js';
import { AnalyzeImage } from './analyze.js';
import { readMatFile, writeMatV4 } from './matfile.js';

/** Row-major 4×4 from a column-major MATLAB matrix whose first two dims are 4×4. */
function matrix4(data: Float64Array, slab = 0): number[][] {
  const base = slab * 16;
  return [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => data[base + j * 4 + i]!));
}

function matmul(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((acc, v, k) => acc + v * b[k]![j]!, 0)));
}

/** Column-major values of a row-major 4×4, as MATLAB stores it. */
function columnMajor(m: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(16);
  for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) out[j * 4 + i] = m[i]![j]!;
  return out;
}

/** MATLAB's 1-based voxel origin: voxel (1, 1, 1) is our (0, 0, 0). */
const TO_111 = [
  [1, 0, 0, 1],
  [0, 1, 0, 1],
  [0, 0, 1, 1],
  [0, 0, 0, 1],
];
const FROM_111 = [
  [1, 0, 0, -1],
  [0, 1, 0, -1],
  [0, 0, 1, -1],
  [0, 0, 0, 1],
];

/** An SPM99 Analyze image (nibabel's `Spm99AnalyzeImage`). */
export class Spm99AnalyzeImage<H extends Spm99AnalyzeHeader = Spm99AnalyzeHeader> extends AnalyzeImage<H> {
  static override readonly headerClass: typeof AnalyzeHeader = Spm99AnalyzeHeader;

  /** @internal SPM's `.mat` beside the pair (see the file comment) */
  protected static override async sidecarAffine(sources: ImageSources, header: AnalyzeHeader, opts: FromSourcesOptions): Promise<number[][] | null> {
    if (!sources.mat) return null;
    const size = sources.mat.size;
    const bytes = await sources.mat.read(0, size ?? Number.MAX_SAFE_INTEGER, { signal: opts.signal });
    if (bytes.length === 0) return null;
    const vars = readMatFile(bytes);
    let aff: number[][];
    const mat = vars.get('mat');
    const M = vars.get('M');
    const is4x4 = (v: { shape: number[] }): boolean => v.shape[0] === 4 && v.shape[1] === 4;
    if (mat && is4x4(mat)) {
      if (mat.shape.length > 2 && mat.shape.slice(2).reduce((a, b) => a * b, 1) > 1) {
        header.warnings.push({ code: 'MAT_STACK', field: 'mat', message: 'More than one affine in "mat" matrix, using first', found: mat.shape, used: [4, 4] });
      }
      aff = matrix4(mat.data);
    } else if (M && is4x4(M)) {
      aff = matrix4(M.data);
      if (header.klass.defaultXFlip) aff[0] = aff[0]!.map((v) => -v);
    } else {
      throw new ImageFileError(`"${sources.name}": the .mat file beside it has no 4×4 "mat" or "M" matrix`, { code: 'BAD_MAT_FILE' });
    }
    return matmul(aff, TO_111);
  }

  /** @internal the pair, and the `.mat` nibabel writes beside it when there is an affine */
  protected override fileBytes(header: H, data: Uint8Array): PairBytes {
    const files = super.fileBytes(header, data);
    if (this.affine === null) return files;
    const mat = matmul(this.affine, FROM_111);
    const M = header.klass.defaultXFlip ? [mat[0]!.map((v) => -v), mat[1]!, mat[2]!, mat[3]!] : mat;
    files.mat = writeMatV4({ M: { shape: [4, 4], data: columnMajor(M) }, mat: { shape: [4, 4], data: columnMajor(mat) } });
    return files;
  }
}
