/**
 * Says what a file looks like from its first bytes, so that "not an image" errors can tell
 * the user what they dropped instead (a PNG, a DICOM file, a text file …).
 * Pure: no I/O. A format nibweb reads is recognised by its header class's own sniff.
 */
import { MGHHeader } from './header/mgh-header.js';

/** True for the gzip magic with the deflate method (RFC 1952: 1f 8b 08). */
export function looksGzip(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

function ascii(b: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < Math.min(b.length, start + len); i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * A short human description of what `head` (a file's first bytes, ≥ 132 if available) is.
 * @returns e.g. `'a PNG image'`, `'a DICOM file'`, `'text'`, `'binary data of an unknown kind'`
 */
export function describeBytes(head: Uint8Array): string {
  if (head.length === 0) return 'an empty file';
  if (looksGzip(head)) return 'gzip-compressed data';
  const magic4 = ascii(head, 0, 4);
  if (head[0] === 0x89 && magic4.slice(1) === 'PNG') return 'a PNG image';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'a JPEG image';
  if (magic4 === '%PDF') return 'a PDF document';
  if (magic4 === 'PK\u0003\u0004') return 'a ZIP archive';
  if (ascii(head, 0, 3) === 'BZh') return 'bzip2-compressed data (not supported; decompress it first)';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return 'zstd-compressed data (not supported; decompress it first)';
  }
  if (MGHHeader.mayContainHeader(head)) return 'a FreeSurfer MGH/MGZ volume';
  if (ascii(head, 128, 4) === 'DICM') return 'a DICOM file (convert it to NIfTI first, e.g. with dcm2niix)';
  if (magic4 === 'GIF8') return 'a GIF image';
  if (ascii(head, 0, 5) === '<?xml' || ascii(head, 0, 1) === '{') return 'a text document (XML/JSON)';
  const n = Math.min(head.length, 512);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127)) printable++;
  }
  if (printable === n) return 'a text file';
  return 'binary data of an unknown kind';
}
