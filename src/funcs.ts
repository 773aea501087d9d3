/**
 * Image-level helpers (nibabel's `funcs.py`): `asClosestCanonical`, the first call of most
 * nibabel scripts. The array work is the image's `asReoriented` (spatial-image.ts), the
 * orientation math orientations.ts.
 */
import { ImageDataError } from './errors.js';
import type { SpatialImage } from './image/spatial-image.js';
import { ioOrientation } from './orientations.js';

/**
 * The image with its voxel axes reordered and flipped to be closest to RAS+ (nibabel's
 * `as_closest_canonical`): `img.asReoriented(ioOrientation(img.affine))`. A proxy image stays
 * a proxy (nothing is read: reads of the new image are reoriented); an in-memory image gets a
 * view of its array. An image already closest to canonical comes back as the same object.
 * @param img any image with an affine
 * @param opts `enforceDiag`: require the new affine's 3×3 part to be diagonal
 * @returns the reoriented image, of the same class
 * @throws {ImageDataError} `NO_AFFINE` without an affine; `NOT_DIAGONAL` when `enforceDiag`
 *   is set and the affine is oblique (nibabel's `OrientationError`)
 * @example
 * const img = asClosestCanonical(await load(file));
 * aff2axcodes(img.affine!); // ['R', 'A', 'S']
 */
export function asClosestCanonical<I extends SpatialImage>(img: I, opts: { enforceDiag?: boolean } = {}): I {
  if (img.affine === null) {
    throw new ImageDataError('the image has no affine, so no orientation: give the constructor one first', { code: 'NO_AFFINE' });
  }
  const out = img.asReoriented(ioOrientation(img.affine));
  if (opts.enforceDiag && !isDiagonal(out.affine!)) {
    throw new ImageDataError('Transformed affine is not diagonal: the image is oblique; drop enforceDiag to get the closest orientation', {
      code: 'NOT_DIAGONAL',
    });
  }
  return out;
}

/** nibabel's `_aff_is_diag`: the 3×3 part has no off-diagonal entries. */
function isDiagonal(affine: readonly (readonly number[])[]): boolean {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j && affine[i]![j] !== 0) return false;
  return true;
}
