/**
 * Where a NIfTI header sits in its file (the file side of nibabel's `Nifti1Header`:
 * `may_contain_header`'s magic, `from_fileobj`'s extension area, `write_to`'s vox_offset
 * rule): the magic that tells a single file (`n+1`/`n+2`) from a pair header
 * (`ni1`/`ni2`), the extension area after the header (to `vox_offset` in a single file, to
 * the end of a `.hdr`), how many bytes precede the array, and the bytes written for header
 * and extensions. Pure functions over bytes and header fields; the class's methods that use
 * them, and the per-class constants (magics, `singleVoxOffset`), are nifti1-header.ts's.
 */
import { HeaderDataError } from '../errors.js';
import {
  type NiftiExtension,
  type ParsedExtensions,
  extensionsSizeOnDisk,
  headerWithExtensions,
  parseExtensions,
} from './nifti-extensions.js';
import type { StructLayout, WrapStruct } from './wrapstruct.js';

/** The most header + extension bytes read before a NIfTI array (a vox_offset can be anything). */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * The magic string where `layout` keeps it (byte 344 for NIfTI-1, 4 for NIfTI-2), trailing
 * NULs removed.
 * @param layout the header's field table
 * @param bytes the start of a file
 * @returns e.g. `'n+1'`, or null when `bytes` is too short
 */
export function readMagic(layout: StructLayout, bytes: Uint8Array): string | null {
  const f = layout.field('magic');
  if (bytes.length < f.offset + f.itemsize) return null;
  let end = f.offset + f.itemsize;
  while (end > f.offset && bytes[end - 1] === 0) end--;
  let s = '';
  for (let i = f.offset; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * The extensions after a header: none unless the first byte of the 4-byte flag is non-zero
 * (nibabel tests only that byte); the area runs to vox_offset in a single file and to the
 * end of the bytes in a pair header.
 * @param bytes the header and what follows it
 * @param size the header's size (348 or 540)
 * @param single whether header and data share one file
 * @param voxOffset vox_offset as stored (read for a single file only)
 * @param littleEndian byte order of the header
 * @returns the extensions and any warnings, or null when the flag says there are none
 */
export function readExtensionArea(bytes: Uint8Array, size: number, single: boolean, voxOffset: number, littleEndian: boolean): ParsedExtensions | null {
  if (bytes.length < size + 4 || bytes[size] === 0) return null;
  let end: number;
  if (!single) end = bytes.length;
  else end = Number.isFinite(voxOffset) ? Math.floor(voxOffset) : 0;
  return parseExtensions(bytes, size + 4, end, littleEndian);
}

/**
 * How many bytes a header takes with its extensions: a single file's run to vox_offset (at
 * most `MAX_HEADER_BYTES`; header and flag when vox_offset is unusable), a pair header's to
 * the end of the `.hdr` (`MAX_HEADER_BYTES`).
 * @param size the header's size (348 or 540)
 * @param head the first bytes of the header file
 * @param isSingle whether header and data share one file
 * @param voxOffsetOf vox_offset as stored in a header's `size` bytes
 * @returns a byte count (possibly past the end of a short file)
 */
export function headerExtentOf(size: number, head: Uint8Array, isSingle: boolean, voxOffsetOf: (header: Uint8Array) => number): number {
  if (!isSingle) return MAX_HEADER_BYTES;
  if (head.length < size) return size;
  const vo = voxOffsetOf(head.subarray(0, size));
  return Number.isFinite(vo) && vo > size ? Math.min(vo, MAX_HEADER_BYTES) : size + 4;
}

/**
 * The bytes nibabel's `write_to` writes: the header, then for a single file the extension
 * flag and the extensions (nifti-extensions.ts `headerWithExtensions`), with a single file's
 * `vox_offset` of 0 written as `singleVoxOffset` + extension bytes.
 * @param s a copy of the header's fields (its vox_offset may be set)
 * @param exts extensions
 * @param single whether header and data share one file
 * @param voxOffset vox_offset as stored
 * @param singleVoxOffset the smallest data offset of a single file (352 or 544)
 * @returns the bytes
 * @throws {HeaderDataError} `BAD_VOX_OFFSET` when a single file's non-zero vox_offset is
 *   smaller than header + extensions
 */
export function headerFileBytes(s: WrapStruct, exts: readonly NiftiExtension[], single: boolean, voxOffset: number, singleVoxOffset: number): Uint8Array {
  if (single) {
    const min = singleVoxOffset + extensionsSizeOnDisk(exts);
    if (voxOffset === 0) s.set('vox_offset', min);
    else if (!(voxOffset >= min)) {
      throw new HeaderDataError(`vox offset set to ${voxOffset}, but need at least ${min}`, { code: 'BAD_VOX_OFFSET' });
    }
  }
  return headerWithExtensions(s.binaryblock, exts, single, s.endianness === '<');
}
