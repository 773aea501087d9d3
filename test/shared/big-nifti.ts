// Files past 4 GiB for the big-file tests (issue 11), cheap to make: a sparse 5 GiB `.nii`
// with a few volumes written (the rest are holes that read as zeros), and a multi-member
// `.nii.gz` whose output passes 4 GiB, built from one compressed member reused for every
// volume. Both are 256×256×160×260 int16 (20 MiB a volume, 5.08 GiB of data); volume 204
// straddles byte 2^32 of the data's file offsets, 205 and later lie wholly past it.
import { open } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { BIG_FILE_BYTES, BIG_SHAPE, BIG_VOXELS, BIG_WRITTEN, MARKER_VOXELS, gzValue, sparseValue, volumeOffset } from './big-nifti-values';
import { makeNifti } from './make-nifti';

export * from './big-nifti-values';

/** Volume `t` of the sparse .nii as it is written. */
export function sparseVolume(t: number): Int16Array {
  const v = new Int16Array(BIG_VOXELS);
  for (let i = 0; i < v.length; i++) v[i] = sparseValue(t, i);
  return v;
}

/**
 * Writes the sparse .nii at `path`: header, the written volumes, and a size set by truncate,
 * so only those volumes take disk space.
 */
export async function writeSparseNifti(path: string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.write(makeNifti(new Int16Array(0), [...BIG_SHAPE]), 0, 352, 0);
    await fh.truncate(BIG_FILE_BYTES);
    for (const t of BIG_WRITTEN) {
      const v = sparseVolume(t);
      await fh.write(new Uint8Array(v.buffer), 0, v.byteLength, volumeOffset(t));
    }
  } finally {
    await fh.close();
  }
}

/**
 * The .nii.gz, as one buffer of about 5.5 MB: a member holding the header, then per volume a
 * small member with its marker and one big member (the same bytes every time) with the rest.
 */
export function makeBigNiftiGz(): Uint8Array {
  const header = gzipSync(makeNifti(new Int16Array(0), [...BIG_SHAPE]));
  const rest = new Int16Array(BIG_VOXELS - MARKER_VOXELS);
  for (let i = 0; i < rest.length; i++) rest[i] = gzValue(0, i + MARKER_VOXELS);
  const body = gzipSync(new Uint8Array(rest.buffer), { level: 9 });
  const markers: Uint8Array[] = [];
  for (let t = 0; t < BIG_SHAPE[3]; t++) {
    const m = new Int16Array(MARKER_VOXELS);
    for (let i = 0; i < MARKER_VOXELS; i++) m[i] = gzValue(t, i);
    markers.push(gzipSync(new Uint8Array(m.buffer)));
  }
  const total = header.length + markers.reduce((a, m) => a + m.length, 0) + BIG_SHAPE[3] * body.length;
  const out = new Uint8Array(total);
  let at = 0;
  out.set(header, at);
  at += header.length;
  for (const m of markers) {
    out.set(m, at);
    at += m.length;
    out.set(body, at);
    at += body.length;
  }
  return out;
}
