/**
 * NIfTI header extensions (port of nibabel's `nifti1.py` `NiftiExtension` /
 * `Nifti1Extensions`, with the 5.3+ access API: `code`, `content`, `text`, `json()`).
 *
 * On disk (NIfTI-1 spec, nifti1.h "extension" section): after the 348/540-byte header come
 * 4 bytes whose first byte says whether extensions follow; each extension is an int32
 * `esize` (total size including this 8-byte head, a positive multiple of 16), an int32
 * `ecode`, then `esize − 8` bytes of content, in the header's byte order. In a single file
 * extensions run up to `vox_offset`; in a `.hdr` up to the end of the file.
 *
 * Reading policy (reliability.md H20/H21, deliberately stricter than nibabel, which only
 * warns on a size that is not a multiple of 16 and throws untyped errors on 0/negative
 * sizes): the first extension whose `esize` is < 16, not a multiple of 16, or runs past the
 * end of the extension area stops parsing; it and everything after it are dropped with one
 * warning, so the loop always advances by ≥ 16 bytes and always terminates. An area that is
 * all zeros from some point on is padding and ends the list silently. At most
 * `MAX_EXTENSIONS` are read. Content loses its trailing NULs, as in nibabel; writing pads
 * with zeros to the next multiple of 16, so a nibabel-written extension round-trips exactly.
 */
import type { HeaderWarning } from '../errors.js';

/** Extension codes and nibabel's labels (`extension_codes`, nibabel HEAD). */
export const EXTENSION_CODES: Readonly<Record<number, string>> = {
  0: 'ignore',
  2: 'dicom',
  4: 'afni',
  6: 'comment',
  8: 'xcede',
  10: 'jimdiminfo',
  12: 'workflow_fwds',
  14: 'freesurfer',
  16: 'pypickle',
  18: 'mind_ident',
  20: 'b_value',
  22: 'spherical_direction',
  24: 'dt_component',
  26: 'shc_degreeorder',
  28: 'voxbo',
  30: 'caret',
  32: 'cifti',
  34: 'variable_frame_timing',
  36: 'unassigned',
  38: 'eval',
  40: 'matlab',
  42: 'quantiphyse',
  44: 'mrs',
};

/** Most extensions read from one header; a cap against crafted files (16 bytes each). */
export const MAX_EXTENSIONS = 65536;

/**
 * The numeric code of an extension given by code or nibabel label.
 * @param code a number, or a label such as `'comment'`
 * @returns the code
 * @throws {RangeError} for an unknown label or a non-integer code
 */
export function extensionCode(code: number | string): number {
  if (typeof code === 'number') {
    if (!Number.isInteger(code) || code < -2147483648 || code > 2147483647) {
      throw new RangeError(`extension code ${code} is not an int32`);
    }
    return code;
  }
  for (const [k, v] of Object.entries(EXTENSION_CODES)) if (v === code) return Number(k);
  throw new RangeError(`unknown extension code label "${code}"`);
}

const UTF8 = new TextEncoder();

/** One header extension: a code and its content bytes. */
export class NiftiExtension {
  /** The extension code (`ecode`). */
  readonly code: number;
  /** The content as stored, without the trailing NUL padding. */
  readonly content: Uint8Array;
  /** Encoding used by `text`; nibabel's default is UTF-8. */
  encoding = 'utf-8';

  /**
   * @param code numeric code or nibabel label (`'comment'`)
   * @param content bytes (kept as given), or text encoded as UTF-8
   * @throws {RangeError} for an unknown label
   */
  constructor(code: number | string, content: Uint8Array | string = new Uint8Array(0)) {
    this.code = extensionCode(code);
    this.content = typeof content === 'string' ? UTF8.encode(content) : content;
  }

  /** nibabel's label for the code, or the code as a string when unknown. */
  get label(): string {
    return EXTENSION_CODES[this.code] ?? String(this.code);
  }

  /** The content decoded as text (`encoding`, UTF-8 by default). */
  get text(): string {
    return new TextDecoder(this.encoding).decode(this.content);
  }

  /**
   * The content parsed as JSON (nibabel `json()`).
   * @returns the parsed value
   * @throws {SyntaxError} when the content is not JSON
   */
  json(): unknown {
    return JSON.parse(this.text);
  }

  /** @returns bytes this extension takes on disk: content + 8, rounded up to 16 */
  getSizeondisk(): number {
    return Math.floor((this.content.length + 23) / 16) * 16;
  }

  /**
   * Same code and same content bytes (nibabel `__eq__`).
   * @param other another extension
   * @returns whether they are equal
   */
  equals(other: NiftiExtension): boolean {
    if (this.code !== other.code || this.content.length !== other.content.length) return false;
    for (let i = 0; i < this.content.length; i++) if (this.content[i] !== other.content[i]) return false;
    return true;
  }
}

/**
 * Total size on disk of a list of extensions (nibabel `Nifti1Extensions.get_sizeondisk`).
 * @param exts extensions
 * @returns bytes, excluding the 4-byte flag
 */
export function extensionsSizeOnDisk(exts: readonly NiftiExtension[]): number {
  let n = 0;
  for (const e of exts) n += e.getSizeondisk();
  return n;
}

/** What `parseExtensions` found. */
export interface ParsedExtensions {
  extensions: NiftiExtension[];
  warnings: HeaderWarning[];
}

/**
 * Reads extensions from `bytes[start, end)`, never throwing (see the module comment for
 * the policy).
 * @param bytes the bytes holding header and extensions
 * @param start offset of the first extension (just after the 4-byte flag)
 * @param end where the extension area ends: `vox_offset` for a single file, the file
 *   length for a `.hdr`. May exceed `bytes.length` when the caller passed fewer bytes;
 *   an extension running past the bytes given is then dropped with `EXTENSIONS_TRUNCATED`.
 * @param littleEndian byte order of the header
 * @returns the extensions and any warnings
 */
export function parseExtensions(bytes: Uint8Array, start: number, end: number, littleEndian: boolean): ParsedExtensions {
  const extensions: NiftiExtension[] = [];
  const warnings: HeaderWarning[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const limit = Math.min(end, bytes.length);
  let pos = start;
  // nibabel reads while at least 16 bytes of the area remain (a smaller tail cannot hold one).
  while (end - pos >= 16) {
    if (limit - pos < 8) {
      warnings.push({
        code: 'EXTENSIONS_TRUNCATED',
        field: 'extensions',
        message: `extension area ends at byte ${end} but only ${bytes.length} bytes were given; extensions from byte ${pos} dropped`,
        found: bytes.length,
        used: pos,
      });
      break;
    }
    if (extensions.length >= MAX_EXTENSIONS) {
      warnings.push({
        code: 'TOO_MANY_EXTENSIONS',
        field: 'extensions',
        message: `more than ${MAX_EXTENSIONS} extensions; the rest are dropped`,
        found: extensions.length,
        used: MAX_EXTENSIONS,
      });
      break;
    }
    // A writer that leaves a gap before vox_offset fills it with zeros: that is padding,
    // not a broken extension (nibabel itself cannot re-read such a file of its own).
    if (isZero(bytes, pos, limit)) break;
    const esize = view.getInt32(pos, littleEndian);
    const ecode = view.getInt32(pos + 4, littleEndian);
    let problem: string | null = null;
    if (esize < 16) problem = `size ${esize} is below the minimum of 16`;
    else if (esize % 16 !== 0) problem = `size ${esize} is not a multiple of 16`;
    else if (esize > end - pos) problem = `size ${esize} runs past the end of the extension area (${end - pos} bytes left)`;
    if (problem !== null) {
      warnings.push({
        code: 'BAD_EXTENSION',
        field: 'extensions',
        message: `extension ${extensions.length} at byte ${pos} (code ${ecode}): ${problem}; it and any later extensions are ignored`,
        found: esize,
        used: null,
      });
      break;
    }
    if (pos + esize > limit) {
      warnings.push({
        code: 'EXTENSIONS_TRUNCATED',
        field: 'extensions',
        message: `extension ${extensions.length} at byte ${pos} ends at ${pos + esize} but only ${bytes.length} bytes were given; dropped`,
        found: bytes.length,
        used: pos,
      });
      break;
    }
    let stop = pos + esize;
    while (stop > pos + 8 && bytes[stop - 1] === 0) stop--;
    extensions.push(new NiftiExtension(ecode, bytes.slice(pos + 8, stop)));
    pos += esize;
  }
  return { extensions, warnings };
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The bytes nibabel's `write_to` writes for a NIfTI header: the header block, then the 4-byte
 * extension flag (1 with extensions, else zeros) and the extensions, each zero-padded to its
 * size on disk. A pair header without extensions is the block alone.
 * @param block the header fields' bytes
 * @param exts extensions
 * @param single whether the header is a single file's (`.nii`: the flag is always written)
 * @param littleEndian byte order of the header
 * @returns the bytes
 */
export function headerWithExtensions(block: Uint8Array, exts: readonly NiftiExtension[], single: boolean, littleEndian: boolean): Uint8Array {
  const withFlag = single || exts.length > 0;
  const out = new Uint8Array(block.length + (withFlag ? 4 + extensionsSizeOnDisk(exts) : 0));
  out.set(block, 0);
  if (exts.length === 0) return out;
  out[block.length] = 1;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let pos = block.length + 4;
  for (const e of exts) {
    const size = e.getSizeondisk();
    view.setInt32(pos, size, littleEndian);
    view.setInt32(pos + 4, e.code, littleEndian);
    out.set(e.content, pos + 8);
    pos += size;
  }
  return out;
}
