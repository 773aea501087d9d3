/**
 * A minimal FreeSurfer MGH writer for the benchmark's `.mgz` row: the T1 volume's int16 data
 * (the cached `.nii`, so the voxels are exactly the NIfTI row's raw values) as a `.mgz`.
 *
 * Layout as nibabel's `freesurfer/mghformat.py` writes it: a 284-byte big-endian header block
 * (version 1, dims w,h,d,1, type 4 = int16, dof 0, goodRASFlag 1, delta 1,1,1, Mdc identity,
 * Pxyz_c 0, zero padding to 284), the data big-endian in F order (x fastest — the NIfTI order
 * too), then the 20-byte footer (TR, flip angle, TE, TI, FoV; float32, zero here). Gzip level
 * 6 with mtime 0 (node:zlib writes mtime 0). No scaling: an MGH int16 image's data are the raw
 * values. Not a general writer: the library has its own (MGHImage.toBytes).
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { VOX_OFFSET } from './nifti-writer.mjs';

/** Header block size: the data start here. */
export const MGH_DATA_OFFSET = 284;
/** TR, flip angle, TE, TI, FoV as big-endian float32. */
export const MGH_FOOTER_SIZE = 20;
/** Bump when the output below changes, so a cached .mgz is rebuilt. */
export const MGZ_VERSION = 1;

/**
 * MGH bytes of a 3D int16 volume.
 * @param {number[]} shape [w, h, d]
 * @param {Uint8Array} le little-endian int16 voxels, x fastest
 * @returns {Uint8Array}
 * @throws {RangeError} when the shape is not 3D or does not match the data
 */
export function mghBytes(shape, le) {
  if (shape.length !== 3) throw new RangeError('the bench writes 3D MGH only');
  const n = shape[0] * shape[1] * shape[2];
  if (le.byteLength !== n * 2) throw new RangeError(`${le.byteLength} data bytes for ${n} int16 voxels`);
  const out = new Uint8Array(MGH_DATA_OFFSET + n * 2 + MGH_FOOTER_SIZE);
  const v = new DataView(out.buffer);
  v.setInt32(0, 1); // version
  for (let i = 0; i < 3; i++) v.setInt32(4 + 4 * i, shape[i]);
  v.setInt32(16, 1); // frames
  v.setInt32(20, 4); // type: MRI_SHORT (int16)
  v.setInt32(24, 0); // dof
  v.setInt16(28, 1); // goodRASFlag
  for (let i = 0; i < 3; i++) v.setFloat32(30 + 4 * i, 1); // delta
  for (let i = 0; i < 3; i++) v.setFloat32(42 + 4 * (3 * i + i), 1); // Mdc = identity
  // Pxyz_c (78..89) and the rest of the block stay 0.
  const body = out.subarray(MGH_DATA_OFFSET, MGH_DATA_OFFSET + n * 2);
  for (let p = 0; p < n * 2; p += 2) {
    body[p] = le[p + 1];
    body[p + 1] = le[p];
  }
  // Footer: zeros (TR, flip angle, TE, TI, FoV).
  return out;
}

/**
 * Makes sure `vol`'s `.mgz` exists next to its cached `.nii` (built from it when missing or
 * stale) and returns the path and size.
 * @param {{ name: string, shape: number[], dtype: string, nii: string }} vol from `ensureVolumes`
 * @param {(s: string) => void} log
 * @returns {{ mgz: string, mgzBytes: number }}
 */
export function ensureMgz(vol, log) {
  if (vol.dtype !== 'int16') throw new RangeError('the .mgz row is int16 only');
  const mgz = vol.nii.replace(/\.nii$/, `.m${MGZ_VERSION}.mgz`);
  const meta = `${mgz}.json`;
  const niiStat = statSync(vol.nii);
  if (existsSync(mgz) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    if (m.mgzBytes === statSync(mgz).size && m.niiMtimeMs === niiStat.mtimeMs) return { mgz, mgzBytes: m.mgzBytes };
  }
  const nii = readFileSync(vol.nii);
  const data = new Uint8Array(nii.buffer, nii.byteOffset + VOX_OFFSET, nii.byteLength - VOX_OFFSET);
  const gz = gzipSync(mghBytes(vol.shape, data), { level: 6 });
  writeFileSync(`${mgz}.tmp`, gz);
  renameSync(`${mgz}.tmp`, mgz);
  writeFileSync(meta, JSON.stringify({ mgzBytes: gz.byteLength, niiMtimeMs: niiStat.mtimeMs }));
  log(`generated ${vol.name}.mgz (gzip ${(gz.byteLength / 1e6).toFixed(1)} MB)`);
  return { mgz, mgzBytes: gz.byteLength };
}
