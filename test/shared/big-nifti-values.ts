// What the big-file test images hold (issue 11), without Node's modules, so a browser page can
// check what it reads: a 256×256×160×260 int16 4-D array (20 MiB a volume, 5.08 GiB of data);
// volume 204 straddles byte 2^32 of the file, 205 and later lie wholly past it.
// test/shared/big-nifti.ts writes the files.

/** The 4-D shape. */
export const BIG_SHAPE = [256, 256, 160, 260] as const;
/** Voxels in one volume. */
export const BIG_VOXELS = 256 * 256 * 160;
/** Bytes of one int16 volume. */
export const BIG_VOLUME_BYTES = BIG_VOXELS * 2;
/** Bytes of the whole file: the 352-byte header, then the data. */
export const BIG_FILE_BYTES = 352 + BIG_SHAPE[3] * BIG_VOLUME_BYTES;
/** Volumes of the sparse .nii that hold the pattern (the others are zeros). */
export const BIG_WRITTEN = [0, 1, 204, 205, 259] as const;

/** File offset where volume `t` starts. */
export function volumeOffset(t: number): number {
  return 352 + t * BIG_VOLUME_BYTES;
}

/** Voxels at the start of each volume that name it (the .nii.gz marker). */
export const MARKER_VOXELS = 64;

/** The value the sparse .nii holds at voxel `i` of a written volume `t`. */
export function sparseValue(t: number, i: number): number {
  return ((i * 7 + t * 131) % 20011) - 10000;
}

/** The value the .nii.gz holds at voxel `i` of volume `t`: a marker naming `t`, then a pattern. */
export function gzValue(t: number, i: number): number {
  return i < MARKER_VOXELS ? t * 100 + i : ((i * 7) % 2003) - 1000;
}

