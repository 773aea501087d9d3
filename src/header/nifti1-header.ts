/**
 * The NIfTI-1 header (port of nibabel's `nifti1.py` `Nifti1Header` / `Nifti1PairHeader`,
 * with the Analyze/SPM parts they inherit from `analyze.py` and `spm99analyze.py`).
 *
 * Layout: the 348-byte `nifti_1_header` of the NIfTI-1 spec (nifti1.h), then a 4-byte
 * extension flag and the extensions (see nifti-extensions.ts). Single files (`n+1`) keep
 * the array at `vox_offset` ≥ 352; pair headers (`ni1`, a `.hdr` beside an `.img`) at
 * `vox_offset` in the `.img`, 0 by default.
 *
 * Contract:
 * - The header is a `WrapStruct` over its own 348 bytes in the file's byte order
 *   (`endianness`, guessed as nibabel's `guessed_endian` does), so `toBytes()` of a parsed
 *   header is byte-identical to what was read, in either byte order, unless a check fixed
 *   a field.
 * - Field access by nibabel's names: `get('descrip')`, `set('dim', [...])`, `keys()`.
 * - Methods are nibabel's in camelCase; tuples are arrays; keyword arguments are an options
 *   object (`getQform({ coded: true })` → `[affine | null, code]`).
 * - `fromBytes` runs nibabel's `check_fix` battery (sizeof_hdr, datatype, bitpix, pixdim,
 *   qfac, magic, vox_offset, qform/sform codes) plus the file policy of reliability.md §4.3
 *   (H1–H31). Problems nibabel raises on (level ≥ 40) throw a typed error with a stable
 *   `code`; problems it fixes are fixed and reported as `HeaderWarning`s on `hdr.warnings`.
 *   Where reliability.md chooses differently from nibabel the code says so at that check.
 * - Parsing never lets a `RangeError`/`TypeError` escape: only the nibweb error family.
 */
import { type DType, dtypeFromNiftiCode, dtypeInfo } from '../dtypes.js';
import { HeaderDataError, type HeaderWarning, ImageFileError, NibwebError } from '../errors.js';
import {
  type Matrix,
  type MatrixLike,
  allclose,
  det3,
  eye,
  isFiniteMatrix,
  nearestOrthogonal3,
  shapeZoomAffine,
} from '../affines.js';
import { FLOAT32_EPS, type Quaternion, fillpositive, mat2quat, quat2mat } from '../quaternions.js';
import { type Endianness, type FieldDecl, type FieldValue, NATIVE_CODE, SWAPPED_CODE, StructLayout, WrapStruct } from './wrapstruct.js';
import { NiftiExtension, extensionsSizeOnDisk, parseExtensions, writeExtensions } from './nifti-extensions.js';
import { type SpatialHeader, resolveDType } from './spatial-header.js';
import { Recoder } from './recoder.js';
import { INTENT_CODES, INTENT_NPARAMS, NIFTI_FIELD_RECODERS as FIELD_RECODERS, SLICE_ORDER_CODES, UNIT_CODES, XFORM_CODES } from './nifti1-codes.js';

export { Recoder, INTENT_CODES, SLICE_ORDER_CODES, UNIT_CODES, XFORM_CODES };

/** The NIfTI-1 fields, in order, with nibabel's names (`nifti1.header_dtd`). */
export const NIFTI1_FIELDS: readonly FieldDecl[] = [
  { name: 'sizeof_hdr', type: 'i4' }, // 0
  { name: 'data_type', type: 'S', count: 10 }, // 4
  { name: 'db_name', type: 'S', count: 18 }, // 14
  { name: 'extents', type: 'i4' }, // 32
  { name: 'session_error', type: 'i2' }, // 36
  { name: 'regular', type: 'S', count: 1 }, // 38
  { name: 'dim_info', type: 'u1' }, // 39
  { name: 'dim', type: 'i2', count: 8 }, // 40
  { name: 'intent_p1', type: 'f4' }, // 56
  { name: 'intent_p2', type: 'f4' }, // 60
  { name: 'intent_p3', type: 'f4' }, // 64
  { name: 'intent_code', type: 'i2' }, // 68
  { name: 'datatype', type: 'i2' }, // 70
  { name: 'bitpix', type: 'i2' }, // 72
  { name: 'slice_start', type: 'i2' }, // 74
  { name: 'pixdim', type: 'f4', count: 8 }, // 76
  { name: 'vox_offset', type: 'f4' }, // 108
  { name: 'scl_slope', type: 'f4' }, // 112
  { name: 'scl_inter', type: 'f4' }, // 116
  { name: 'slice_end', type: 'i2' }, // 120
  { name: 'slice_code', type: 'u1' }, // 122
  { name: 'xyzt_units', type: 'u1' }, // 123
  { name: 'cal_max', type: 'f4' }, // 124
  { name: 'cal_min', type: 'f4' }, // 128
  { name: 'slice_duration', type: 'f4' }, // 132
  { name: 'toffset', type: 'f4' }, // 136
  { name: 'glmax', type: 'i4' }, // 140
  { name: 'glmin', type: 'i4' }, // 144
  { name: 'descrip', type: 'S', count: 80 }, // 148
  { name: 'aux_file', type: 'S', count: 24 }, // 228
  { name: 'qform_code', type: 'i2' }, // 252
  { name: 'sform_code', type: 'i2' }, // 254
  { name: 'quatern_b', type: 'f4' }, // 256
  { name: 'quatern_c', type: 'f4' }, // 260
  { name: 'quatern_d', type: 'f4' }, // 264
  { name: 'qoffset_x', type: 'f4' }, // 268
  { name: 'qoffset_y', type: 'f4' }, // 272
  { name: 'qoffset_z', type: 'f4' }, // 276
  { name: 'srow_x', type: 'f4', count: 4 }, // 280
  { name: 'srow_y', type: 'f4', count: 4 }, // 296
  { name: 'srow_z', type: 'f4', count: 4 }, // 312
  { name: 'intent_name', type: 'S', count: 16 }, // 328
  { name: 'magic', type: 'S', count: 4 }, // 344
];

/** The 348-byte NIfTI-1 layout. */
export const NIFTI1_LAYOUT = new StructLayout(NIFTI1_FIELDS);

/** A code argument: the number, or nibabel's label. */
export type CodeLike = number | string;

/** Options of `fromBytes`. */
export interface FromBytesOptions {
  /** Run the validation battery (default true). With false, only the byte order is guessed. */
  checks?: boolean;
  /** Byte order to use instead of guessing it. */
  endianness?: Endianness;
  /**
   * Single file (extensions end at vox_offset) or pair header (extensions run to the end of
   * the bytes). Defaults to the class's `isSingle`.
   */
  isSingle?: boolean;
}

/** Constructor options. */
export interface HeaderOptions {
  /** Byte order of the new header (native by default, as nibabel). */
  endianness?: Endianness;
  /** Initial extensions. */
  extensions?: Iterable<NiftiExtension>;
  /** Single file or pair header; defaults to the class's `isSingle` (sets the default magic). */
  isSingle?: boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** RGB24 and RGBA32: the NIfTI spec says scl_slope does not apply to them. */
const RGB_CODES = new Set([128, 2304]);

function warn(list: HeaderWarning[], code: string, field: string, message: string, found?: unknown, used?: unknown): void {
  list.push({ code, field, message, found, used });
}

/** numpy's `np.round` (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ascending argsort that is stable, like numpy's default for distinct integers. */
function argsort(a: readonly number[]): number[] {
  return [...a.keys()].sort((i, j) => a[i]! - a[j]! || i - j);
}

/**
 * The NIfTI-1 single-file (`.nii`, magic `n+1`) header. `Nifti1PairHeader` is the `.hdr`
 * variant; `Nifti2Header` extends this class with the 540-byte layout.
 */
export class Nifti1Header implements SpatialHeader {
  /** The binary layout. */
  static readonly layout: StructLayout = NIFTI1_LAYOUT;
  /** Size of the header proper (the `sizeof_hdr` value). */
  static readonly sizeofHdr: number = 348;
  /** Magic of a single file. */
  static readonly singleMagic: string = 'n+1';
  /** Magic of a header/image pair. */
  static readonly pairMagic: string = 'ni1';
  /** Smallest data offset in a single file (header + 4 extension-flag bytes). */
  static readonly singleVoxOffset: number = 352;
  /** Default data offset in a pair's `.img`. */
  static readonly pairVoxOffset: number = 0;
  /** True for the single-file classes. */
  static readonly isSingle: boolean = true;
  /** |w²| below this gives w = 0 (3·eps(float32): the quaternion is stored as float32). */
  static readonly quaternionThreshold: number = 3 * FLOAT32_EPS;

  /** Extensions (nibabel `header.extensions`); a copy shares the extension objects. */
  extensions: NiftiExtension[];
  /** What the checks fixed or found (nibabel logs these; we keep them for the caller). */
  warnings: HeaderWarning[] = [];
  /** @internal the struct over the header bytes */
  protected struct: WrapStruct;
  /** @internal single file (true) or pair header */
  protected single: boolean;

  /**
   * A default header: nibabel's `default_structarr` (dim[0] = 0, dims 1, pixdims 1,
   * float32, slope 1, the class's magic), native byte order unless told otherwise.
   * @param opts byte order and initial extensions
   */
  constructor(opts: HeaderOptions = {}) {
    const K = this.constructor as typeof Nifti1Header;
    this.single = opts.isSingle ?? K.isSingle;
    this.struct = K.defaultStruct(opts.endianness ?? NATIVE_CODE);
    if (this.single !== K.isSingle) this.struct.set('magic', this.single ? K.singleMagic : K.pairMagic);
    this.extensions = opts.extensions ? [...opts.extensions] : [];
  }

  /** @internal the statics of the concrete class */
  protected get klass(): typeof Nifti1Header {
    return this.constructor as typeof Nifti1Header;
  }

  /**
   * nibabel's `default_structarr` for this class.
   * @param endianness byte order
   * @returns the default struct
   */
  protected static defaultStruct(endianness: Endianness): WrapStruct {
    const s = new WrapStruct(this.layout, undefined, endianness);
    s.set('sizeof_hdr', this.sizeofHdr);
    s.set('dim', [0, 1, 1, 1, 1, 1, 1, 1]);
    s.set('pixdim', 1);
    s.set('datatype', 16);
    s.set('bitpix', 32);
    s.set('scl_slope', 1);
    s.set('magic', this.isSingle ? this.singleMagic : this.pairMagic);
    return s;
  }

  /** True for single-file headers (`n+1`/`n+2`), false for pair headers. */
  get isSingle(): boolean {
    return this.single;
  }

  /** Size of the header proper: 348 (NIfTI-1) or 540 (NIfTI-2). */
  get sizeofHdr(): number {
    return this.klass.sizeofHdr;
  }

  /** @returns whether the magic is this format's single or pair magic (`n+1`/`ni1`, `n+2`/`ni2`) */
  isNifti(): boolean {
    const m = this.struct.getString('magic');
    return m === this.klass.singleMagic || m === this.klass.pairMagic;
  }

  /** Byte order of the header and of the array: `'<'` or `'>'`. */
  get endianness(): Endianness {
    return this.struct.endianness;
  }

  /** The header bytes alone (348 or 540), in the header's byte order (nibabel `binaryblock`). */
  get binaryblock(): Uint8Array {
    return this.struct.binaryblock;
  }

  // ---------------------------------------------------------------- parsing and sniffing

  /**
   * Parses a header from bytes: the header, optionally followed by the extension flag and
   * the extensions (up to `vox_offset` for a single file, to the end for a pair header).
   * @param bytes the first bytes of the file (at least 348, or 540 for NIfTI-2)
   * @param opts `checks` (default true) and an optional forced byte order
   * @returns the header; fixes made are listed in `hdr.warnings`
   * @throws {ImageFileError} `TRUNCATED_HEADER` (too few bytes), `NOT_NIFTI` (sizeof_hdr is
   *   neither 348 nor 540 in either byte order)
   * @throws {HeaderDataError} `BAD_MAGIC`, `EOL_CORRUPTED`, `BAD_DIM0`, `BAD_DIM`,
   *   `SIZE_OVERFLOW`, `BAD_VOX_OFFSET`, `INVALID_INTERCEPT`
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE`
   */
  static fromBytes<T extends typeof Nifti1Header>(this: T, bytes: Uint8Array, opts: FromBytesOptions = {}): InstanceType<T> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('fromBytes expects a Uint8Array');
    const size = this.layout.size;
    if (bytes.length < size) {
      throw new ImageFileError(
        bytes.length === 0
          ? 'Empty file: no header bytes'
          : `File too short for a ${this.name}: ${bytes.length} bytes, need ${size}`,
        { code: 'TRUNCATED_HEADER' },
      );
    }
    const head = bytes.subarray(0, size);
    const endianness = opts.endianness ?? this.guessedEndian(head);
    const single = opts.isSingle ?? this.isSingle;
    const hdr = new this({ isSingle: single }) as InstanceType<T>;
    hdr.struct = new WrapStruct(this.layout, head, endianness);
    const checks = opts.checks ?? true;
    if (checks) {
      try {
        hdr.warnings.push(...hdr.runChecks(true));
      } catch (err) {
        throw asFileError(err);
      }
    }
    // Extensions: flag byte non-zero → extensions follow (nibabel tests only the first byte).
    if (bytes.length >= size + 4 && bytes[size] !== 0) {
      let end: number;
      if (!single) end = bytes.length;
      else {
        const vo = hdr.rawVoxOffset();
        end = Number.isFinite(vo) ? Math.floor(vo) : 0;
      }
      const parsed = parseExtensions(bytes, size + 4, end, endianness === '<');
      hdr.extensions = parsed.extensions;
      hdr.warnings.push(...parsed.warnings);
    }
    return hdr;
  }

  /**
   * nibabel's `guessed_endian`: dim[0] in 1..7 read natively → native; dim[0] = 0 → swapped
   * only if the byte-swapped sizeof_hdr is this class's size; anything else → swapped.
   * @param bytes at least the header's bytes
   * @returns the byte order to read the header with
   */
  static guessedEndian(bytes: Uint8Array): Endianness {
    const s = new WrapStruct(this.layout, bytes.subarray(0, this.layout.size), NATIVE_CODE);
    const dim0 = rawDim0(s);
    if (dim0 === 0) {
      return s.reinterpreted(SWAPPED_CODE).getNumber('sizeof_hdr') === this.sizeofHdr ? SWAPPED_CODE : NATIVE_CODE;
    }
    if (dim0 >= 1 && dim0 <= 7) return NATIVE_CODE;
    return SWAPPED_CODE;
  }

  /**
   * The magic string where this class keeps it (byte 344 for NIfTI-1, 4 for NIfTI-2),
   * trailing NULs removed; `null` when `bytes` is too short.
   * @param bytes the start of a file
   * @returns e.g. `'n+1'`, or null
   */
  static magicOf(bytes: Uint8Array): string | null {
    const f = this.layout.field('magic');
    if (bytes.length < f.offset + f.itemsize) return null;
    let end = f.offset + f.itemsize;
    while (end > f.offset && bytes[end - 1] === 0) end--;
    let s = '';
    for (let i = f.offset; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }

  /**
   * Sniff (nibabel `may_contain_header`, made stricter as the brief asks): enough bytes,
   * `sizeof_hdr` equal to this class's size in either byte order, and this format's magic
   * (single or pair).
   * @param bytes the start of a file
   * @returns whether a header of this format may start here
   */
  static mayContainHeader(bytes: Uint8Array): boolean {
    if (!(bytes instanceof Uint8Array) || bytes.length < this.layout.size) return false;
    const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
    if (v.getInt32(0, true) !== this.sizeofHdr && v.getInt32(0, false) !== this.sizeofHdr) return false;
    const m = this.magicOf(bytes);
    return m === this.singleMagic || m === this.pairMagic;
  }

  /**
   * A header of this class from another header (nibabel `from_header`): the same class →
   * a copy; another NIfTI header (or anything with `keys()`/`get()`) → field by field for
   * the fields both know, then the format's own magic/sizeof; then dtype, shape and zooms.
   * @param header the source header, or null for a default header
   * @param opts `checks`: run `checkFix` on the result (default true)
   * @returns a new header of this class
   * @throws {HeaderDataError} when the source dtype or shape does not fit this format
   */
  static fromHeader<T extends typeof Nifti1Header>(
    this: T,
    header?: SpatialHeader | null,
    opts: { checks?: boolean } = {},
  ): InstanceType<T> {
    const checks = opts.checks ?? true;
    if (header instanceof Nifti1Header && header.constructor === this) {
      const c = header.copy() as InstanceType<T>;
      if (checks) c.warnings.push(...c.checkFix());
      return c;
    }
    const obj = new this() as InstanceType<T>;
    if (header == null) return obj;
    const mapping = header as unknown as { keys?: () => string[]; get?: (k: string) => FieldValue };
    if (typeof mapping.keys === 'function' && typeof mapping.get === 'function') {
      // Format identity fields are the target's own (nibabel's _clean_after_mapping).
      const skip = new Set(['sizeof_hdr', 'magic', 'eol_check']);
      for (const key of mapping.keys()) {
        if (skip.has(key) || !obj.struct.layout.has(key)) continue;
        try {
          obj.struct.set(key, mapping.get(key));
        } catch {
          // A value this format cannot hold (nibabel drops those fields too).
        }
      }
    }
    try {
      obj.setDataDtype(header.getDataDtype());
    } catch (err) {
      throw new HeaderDataError(`Input header has datatype ${String(header.getDataDtype())} but ${this.name} does not support it`, {
        code: 'UNSUPPORTED_DATATYPE',
        cause: err,
      });
    }
    obj.setDataShape(header.getDataShape());
    obj.setZooms(header.getZooms());
    if (header instanceof Nifti1Header) obj.extensions = [...header.extensions];
    if (checks) obj.warnings.push(...obj.checkFix());
    return obj;
  }

  // ---------------------------------------------------------------- checks (check_fix)

  /**
   * Runs the validation battery on the current values, fixing what can be fixed (nibabel
   * `check_fix`, plus reliability.md's fixes). A default header (dim[0] = 0) passes; the
   * file-only rule "dim[0] = 0 is an error" applies in `fromBytes`.
   * @returns the warnings for what was fixed or found
   * @throws {ImageFileError} `NOT_NIFTI`
   * @throws {HeaderDataError} `BAD_MAGIC`, `EOL_CORRUPTED`, `BAD_DIM0`, `BAD_DIM`,
   *   `SIZE_OVERFLOW`, `BAD_VOX_OFFSET`
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE`
   */
  checkFix(): HeaderWarning[] {
    return this.runChecks(false);
  }

  /** @internal the battery; `file` adds the rules that only make sense for bytes read from a file */
  protected runChecks(file: boolean): HeaderWarning[] {
    const w: HeaderWarning[] = [];
    const K = this.klass;
    const s = this.struct;
    // H2 / nibabel _chk_sizeof_hdr (level 30: fixed). reliability.md: a value that is neither
    // 348 nor 540 in either byte order means this is not a NIfTI header at all.
    const sz = s.getNumber('sizeof_hdr');
    const szSwapped = s.reinterpreted().getNumber('sizeof_hdr');
    const valid = [348, 540];
    if (!valid.includes(sz) && !valid.includes(szSwapped)) {
      throw new ImageFileError(`sizeof_hdr is ${sz} (${szSwapped} byte-swapped); a NIfTI header has 348 or 540`, {
        code: 'NOT_NIFTI',
      });
    }
    // H11/H12 / nibabel _chk_magic (level 45: raises).
    const magic = s.getString('magic');
    if (magic !== K.singleMagic && magic !== K.pairMagic) {
      const other = K.sizeofHdr === 348 ? 540 : 348;
      const hint = sz === other || szSwapped === other ? ` (sizeof_hdr ${other}: this looks like a NIfTI-${other === 540 ? 2 : 1} header)` : '';
      throw new HeaderDataError(`magic string ${JSON.stringify(magic)} is not valid for ${K.name}${hint}`, { code: 'BAD_MAGIC' });
    }
    if (sz !== K.sizeofHdr) {
      warn(w, 'SIZEOF_HDR_FIXED', 'sizeof_hdr', `sizeof_hdr should be ${K.sizeofHdr}; set sizeof_hdr to ${K.sizeofHdr}`, sz, K.sizeofHdr);
      s.set('sizeof_hdr', K.sizeofHdr);
    }
    // H13 (NIfTI-2 only), before dims: an EOL-mangled file shifts every later field.
    this.checkEol(w);
    // H3/H4: dim[0] must say how many dims there are, in some byte order.
    const dim0 = rawDim0(s);
    if (dim0 < 0 || dim0 > 7 || (file && dim0 === 0)) {
      const swapped = rawDim0(s.reinterpreted());
      throw new HeaderDataError(
        dim0 === 0
          ? 'dim[0] is 0: the header declares no dimensions'
          : `dim[0] is ${dim0} (${swapped} byte-swapped); it must be 1..7 in one byte order`,
        { code: 'BAD_DIM0' },
      );
    }
    // H5/H6/H7 dims.
    const dims = this.rawDims();
    for (let i = 1; i <= dim0; i++) {
      const d = dims[i]!;
      if (d > BigInt(MAX_SAFE)) {
        throw new HeaderDataError(`dim[${i}] = ${d} is larger than 2^53`, { code: 'SIZE_OVERFLOW' });
      }
      if (d <= 0n && !this.isFreesurferVector(dims, i)) {
        throw new HeaderDataError(`dim[${i}] = ${d}: array dimensions must be positive`, { code: 'BAD_DIM' });
      }
    }
    // H6: dims beyond dim[0] are ignored without comment, as nibabel does.
    // H8/H9 / nibabel _chk_datatype (level 40: raises).
    const info = dtypeFromNiftiCode(s.getNumber('datatype'));
    // H10 / nibabel _chk_bitpix (level 10: fixed).
    const bitpix = s.getNumber('bitpix');
    if (bitpix !== info.itemsize * 8) {
      warn(w, 'BITPIX_MISMATCH', 'bitpix', `bitpix ${bitpix} does not match datatype ${info.name}; setting bitpix to ${info.itemsize * 8}`, bitpix, info.itemsize * 8);
      s.set('bitpix', info.itemsize * 8);
    }
    // H7: the array must have a byte size we can represent.
    if (dim0 > 0) this.getDataBytes();
    // H26/H27 / nibabel _chk_pixdims (zero: level 30 → 1; negative: level 35 → abs).
    // reliability.md adds non-finite → 1, which nibabel lets through (a NaN affine follows).
    for (let i = 1; i <= 3; i++) {
      const p = s.getElement('pixdim', i);
      let fixed: number | null = null;
      if (!Number.isFinite(p) || p === 0) fixed = 1;
      else if (p < 0) fixed = -p;
      if (fixed !== null) {
        warn(w, 'BAD_PIXDIM', `pixdim[${i}]`, `pixdim[${i}] = ${p} should be positive and finite; using ${fixed}`, p, fixed);
        s.setElement('pixdim', i, fixed);
      }
    }
    // H28 / nibabel _chk_qfac (level 20). nibabel sets 1; reliability.md (with nifti_clib)
    // keeps the sign, so a file written with qfac −0.5 keeps its left-handed qform.
    const qfac = s.getElement('pixdim', 0);
    if (qfac !== 1 && qfac !== -1) {
      const used = qfac < 0 ? -1 : 1;
      warn(w, 'BAD_QFAC', 'pixdim[0]', `pixdim[0] (qfac) should be 1 (default) or -1; setting qfac to ${used}`, qfac, used);
      s.setElement('pixdim', 0, used);
    }
    // H14–H17 / nibabel _chk_offset.
    this.checkVoxOffset(w, magic === K.singleMagic, file);
    // H31 / nibabel _chk_xform_code (level 30: set to 0).
    for (const field of ['qform_code', 'sform_code']) {
      const c = s.getNumber(field);
      if (!XFORM_CODES.has(c)) {
        warn(w, 'BAD_XFORM_CODE', field, `${field} ${c} not valid; setting to 0`, c, 0);
        s.set(field, 0);
      }
    }
    // H23/H24: scaling. nibabel's get_slope_inter treats a non-finite slope as "no scaling"
    // (we add a warning) and raises for a valid slope with a non-finite intercept;
    // reliability.md lets us pick for H24 and we keep nibabel's error (the team's bad-file
    // manifest expects INVALID_INTERCEPT), rather than guess an intercept of 0 like nifti_clib.
    const slope = s.getNumber('scl_slope');
    const inter = s.getNumber('scl_inter');
    if (!Number.isFinite(slope)) {
      warn(w, 'BAD_SCL_SLOPE', 'scl_slope', `scl_slope is ${slope}; data will not be scaled`, slope, null);
    } else if (file && slope !== 0 && !Number.isFinite(inter) && !RGB_CODES.has(info.code)) {
      throw new HeaderDataError(`Valid slope but invalid intercept ${inter}`, { code: 'INVALID_INTERCEPT' });
    }
    if (RGB_CODES.has(info.code) && Number.isFinite(slope) && slope !== 0 && (slope !== 1 || s.getNumber('scl_inter') !== 0)) {
      warn(w, 'SCL_IGNORED_RGB', 'scl_slope', `scl_slope ${slope} / scl_inter ${s.getNumber('scl_inter')} do not apply to ${info.name} data; not scaling`, [slope, s.getNumber('scl_inter')], null);
    }
    // H29: |(b, c, d)| > 1 beyond the threshold has no unit quaternion; nibabel raises a
    // ValueError when the qform is used. reliability.md (with nifti_clib) normalises it.
    const bcd = [s.getNumber('quatern_b'), s.getNumber('quatern_c'), s.getNumber('quatern_d')];
    if (bcd.every(Number.isFinite)) {
      const n2 = bcd[0]! ** 2 + bcd[1]! ** 2 + bcd[2]! ** 2;
      if (1 - n2 < -K.quaternionThreshold) {
        const n = Math.sqrt(n2);
        const used = bcd.map((v) => v / n);
        warn(w, 'BAD_QUATERN', 'quatern_b', `quaternion (b, c, d) = (${bcd.join(', ')}) has norm ${n} > 1; normalised to a 180° rotation`, bcd, used);
        s.set('quatern_b', used[0]!);
        s.set('quatern_c', used[1]!);
        s.set('quatern_d', used[2]!);
      }
    }
    // H30: a transform in use with non-finite numbers is dropped (its code set to 0), so
    // getBestAffine falls back sform → qform → base affine and is never NaN. nibabel
    // returns the NaN affine silently.
    if (s.getNumber('sform_code') !== 0) {
      const vals = [...s.getArray('srow_x'), ...s.getArray('srow_y'), ...s.getArray('srow_z')];
      if (!vals.every(Number.isFinite)) {
        warn(w, 'BAD_SFORM', 'sform_code', 'srow_x/y/z hold non-finite values; ignoring the sform (sform_code set to 0)', s.getNumber('sform_code'), 0);
        s.set('sform_code', 0);
      }
    }
    if (s.getNumber('qform_code') !== 0) {
      const quat = ['quatern_b', 'quatern_c', 'quatern_d'].map((f) => s.getNumber(f));
      const offs = ['qoffset_x', 'qoffset_y', 'qoffset_z'].map((f) => s.getNumber(f));
      if (!quat.every(Number.isFinite) || !offs.every(Number.isFinite)) {
        const code = quat.every(Number.isFinite) ? 'BAD_QFORM' : 'BAD_QUATERN';
        warn(w, code, 'qform_code', 'quatern/qoffset fields hold non-finite values; ignoring the qform (qform_code set to 0)', s.getNumber('qform_code'), 0);
        s.set('qform_code', 0);
      }
    }
    return w;
  }

  /** @internal NIfTI-2's EOL check; nothing to do for NIfTI-1 */
  protected checkEol(_w: HeaderWarning[]): void {}

  /** @internal vox_offset as stored (a float for NIfTI-1) */
  protected rawVoxOffset(): number {
    return this.struct.getNumber('vox_offset');
  }

  /** @internal H14–H17 */
  protected checkVoxOffset(w: HeaderWarning[], singleMagic: boolean, file: boolean): void {
    const K = this.klass;
    const vo = this.rawVoxOffset();
    // H14: nibabel fails here with untyped errors (int(NaN)) or reads garbage; clib has UB.
    if (!Number.isFinite(vo) || vo < 0 || vo > MAX_SAFE) {
      throw new HeaderDataError(`vox_offset ${vo} is not a valid byte offset`, { code: 'BAD_VOX_OFFSET' });
    }
    // In memory 0 means "not set yet" (toBytes fills it in), as in nibabel.
    if (singleMagic && vo < K.singleVoxOffset && (file || vo !== 0)) {
      // H15: nibabel raises for 1..351 and reads the header as data for 0; the spec says a
      // smaller offset "is equivalent to 352", which reliability.md follows.
      warn(w, 'VOX_OFFSET_FIXED', 'vox_offset', `vox offset ${vo} too low for single file; setting to minimum value of ${K.singleVoxOffset}`, vo, K.singleVoxOffset);
      this.struct.set('vox_offset', K.singleVoxOffset);
      return;
    }
    if (!Number.isInteger(vo)) {
      // H16: both reference readers truncate.
      warn(w, 'VOX_OFFSET_NOT_INTEGER', 'vox_offset', `vox offset ${vo} is not a whole number; using ${Math.floor(vo)}`, vo, Math.floor(vo));
      return;
    }
    // H17: an offset that is not a multiple of 16 only bothers SPM's memory mapping; nibabel
    // logs it (level 30), reliability.md accepts it silently, and so do we.
  }

  /** @internal the dims as bigints (exact for NIfTI-2's int64) */
  protected rawDims(): bigint[] {
    return this.struct.getArray('dim').map((d) => BigInt(d));
  }

  /** @internal nibabel's FreeSurfer large-vector hack: dim[1..3] = (-1, 1, 1), length in glmin */
  protected isFreesurferVector(dims: bigint[], i: number): boolean {
    return i === 1 && dims[0]! >= 3n && dims[1] === -1n && dims[2] === 1n && dims[3] === 1n && this.struct.getNumber('glmin') > 0;
  }

  // ---------------------------------------------------------------- field access

  /**
   * A field by nibabel's name (`hdr['descrip']`).
   * @param name field name, e.g. `'descrip'`, `'dim'`, `'srow_x'`
   * @returns a number, `number[]` for arrays, or a string
   * @throws {RangeError} for an unknown field
   * @throws {HeaderDataError} `INT64_UNSAFE` for a NIfTI-2 integer beyond 2^53
   */
  get(name: string): FieldValue {
    return this.struct.get(name);
  }

  /**
   * Sets a field by nibabel's name (`hdr['descrip'] = 'x'`), with numpy's conversions
   * (float32 rounding, integer truncation, scalar broadcast to arrays, latin-1 strings).
   * @param name field name
   * @param value the new value
   * @throws {RangeError} for an unknown field or a value that does not fit
   * @throws {TypeError} for a value of the wrong kind
   */
  set(name: string, value: FieldValue | bigint | bigint[]): void {
    this.struct.set(name, value);
  }

  /** @returns the field names, in byte order (nibabel `keys()`) */
  keys(): string[] {
    return this.struct.keys();
  }

  /**
   * True when the header has a field of that name.
   * @param name field name
   * @returns whether it exists
   */
  has(name: string): boolean {
    return this.struct.layout.has(name);
  }

  /**
   * The label of a coded field's value (nibabel `get_value_label`), e.g.
   * `getValueLabel('qform_code')` → `'scanner'`.
   * @param field one of datatype, qform_code, sform_code, intent_code, slice_code
   * @returns the label, or `'<unknown code N>'` as nibabel prints it
   * @throws {RangeError} for a field without a code table
   */
  getValueLabel(field: string): string {
    const rec = FIELD_RECODERS[field];
    if (!rec) throw new RangeError(`${field} not a coded field`);
    const code = this.struct.getNumber(field);
    return rec.has(code) ? rec.label(code) : `<unknown code ${code}>`;
  }

  // ---------------------------------------------------------------- dtype, shape, zooms

  /**
   * The on-disk dtype (its byte order is `endianness`).
   * @returns the dtype name
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE` for codes with no typed array
   */
  getDataDtype(): DType {
    return dtypeFromNiftiCode(this.struct.getNumber('datatype')).name;
  }

  /**
   * Sets datatype and bitpix.
   * @param dtype a dtype name or NIfTI code
   * @throws {TypeError} for the unsized `'int'`
   * @throws {UnsupportedError} for an unknown or unsupported dtype
   */
  setDataDtype(dtype: DType | number): void {
    const info = dtypeInfo(resolveDType(dtype));
    this.struct.set('datatype', info.code);
    this.struct.set('bitpix', info.itemsize * 8);
  }

  /** @internal dim[0] clamped to what a shape can be */
  protected ndim(): number {
    const d0 = this.struct.getElement('dim', 0);
    if (d0 < 0 || d0 > 7) throw new HeaderDataError(`dim[0] = ${d0} is not in 0..7`, { code: 'BAD_DIM0' });
    return d0;
  }

  /**
   * The array shape `dim[1..dim[0]]` (trailing 1s kept as dim[0] says; `[0]` when dim[0] is
   * 0), with nibabel's FreeSurfer hacks: dim (-1, 1, 1) takes its length from `glmin`, and
   * (27307, 1, 6) is the ico7 surface (163842, 1, 1).
   * @returns the shape
   * @throws {HeaderDataError} `BAD_DIM0` for dim[0] outside 0..7; `BAD_DIM` for a
   *   FreeSurfer vector with glmin 0
   */
  getDataShape(): number[] {
    const ndim = this.ndim();
    if (ndim === 0) return [0];
    const shape = this.struct.getArray('dim').slice(1, ndim + 1);
    if (shape[0] === -1 && shape[1] === 1 && shape[2] === 1) {
      const len = this.struct.getNumber('glmin');
      if (len === 0) {
        throw new HeaderDataError('-1 in dim[1] but 0 in glmin; inconsistent freesurfer type header?', { code: 'BAD_DIM' });
      }
      return [len, 1, 1, ...shape.slice(3)];
    }
    if (shape[0] === 27307 && shape[1] === 1 && shape[2] === 6) return [163842, 1, 1, ...shape.slice(3)];
    return shape;
  }

  /**
   * Sets the shape: dim[0] = ndim, dims set, unused dims 1, pixdim beyond ndim 1 (nibabel),
   * with the FreeSurfer encodings for (163842, 1, 1) and vectors longer than 32767.
   * @param shape up to 7 non-negative integers
   * @throws {HeaderDataError} when the shape does not fit the dim field
   */
  setDataShape(shape: readonly number[]): void {
    let sh = [...shape];
    if (sh[0] === 163842 && sh[1] === 1 && sh[2] === 1) sh = [27307, 1, 6, ...sh.slice(3)];
    else if (sh.length >= 3 && sh[1] === 1 && sh[2] === 1 && sh[0]! > 32767) {
      if (!Number.isInteger(sh[0]) || sh[0]! > 2147483647) {
        throw new HeaderDataError(`shape[0] ${sh[0]} does not fit in glmax datatype`);
      }
      this.struct.set('glmin', sh[0]!);
      warn(this.warnings, 'FREESURFER_VECTOR', 'dim', 'Using large vector Freesurfer hack; header will not be compatible with SPM or FSL', sh[0], -1);
      sh = [-1, 1, 1, ...sh.slice(3)];
    }
    this.setDims(sh);
  }

  /** @internal Analyze's set_data_shape */
  protected setDims(shape: readonly number[]): void {
    const ndim = shape.length;
    const f = this.struct.layout.field('dim');
    const max = f.type === 'i2' ? 32767 : Number.MAX_SAFE_INTEGER;
    const fits =
      ndim <= 7 &&
      shape.every((d) => Number.isSafeInteger(d) && d <= max && (d >= 0 || (d === -1 && f.type === 'i2')));
    if (!fits) throw new HeaderDataError(`shape (${shape.join(', ')}) does not fit in dim datatype`);
    this.struct.set('dim', [ndim, ...shape, ...new Array<number>(7 - ndim).fill(1)]);
    for (let i = ndim + 1; i < 8; i++) this.struct.setElement('pixdim', i, 1);
  }

  /**
   * Voxel sizes `pixdim[1..ndim]` (no unit conversion; `[1]` when dim[0] is 0).
   * @returns the zooms
   */
  getZooms(): number[] {
    const ndim = this.ndim();
    if (ndim === 0) return [1];
    return this.struct.getArray('pixdim').slice(1, ndim + 1);
  }

  /**
   * Sets `pixdim[1..ndim]`.
   * @param zooms one per dimension, non-negative
   * @throws {HeaderDataError} for the wrong count or a negative zoom
   */
  setZooms(zooms: readonly number[]): void {
    const ndim = this.ndim();
    if (zooms.length !== ndim) throw new HeaderDataError(`Expecting ${ndim} zoom values for ndim ${ndim}`);
    if (zooms.some((z) => z < 0)) throw new HeaderDataError('zooms must be positive');
    zooms.forEach((z, i) => this.struct.setElement('pixdim', i + 1, z));
  }

  /**
   * Bytes the array takes: Π shape × itemsize, exact (BigInt), as a number.
   * @returns the byte count
   * @throws {HeaderDataError} `SIZE_OVERFLOW` beyond 2^53, `BAD_DIM` for a negative size
   * @throws {UnsupportedError} for an unsupported datatype
   */
  getDataBytes(): number {
    const itemsize = dtypeFromNiftiCode(this.struct.getNumber('datatype')).itemsize;
    let n = BigInt(itemsize);
    for (const d of this.getDataShape()) {
      if (d < 0) throw new HeaderDataError(`negative array dimension ${d}`, { code: 'BAD_DIM' });
      n *= BigInt(d);
    }
    if (n > BigInt(MAX_SAFE)) {
      throw new HeaderDataError(`the array would take ${n} bytes, more than 2^53`, { code: 'SIZE_OVERFLOW' });
    }
    return Number(n);
  }

  /**
   * Where the array starts in its file (`int(vox_offset)`).
   * @returns the byte offset
   * @throws {HeaderDataError} `BAD_VOX_OFFSET` for a non-finite or negative value
   */
  getDataOffset(): number {
    const vo = this.rawVoxOffset();
    if (!Number.isFinite(vo) || vo < 0) throw new HeaderDataError(`vox_offset ${vo} is not a valid byte offset`, { code: 'BAD_VOX_OFFSET' });
    return Math.trunc(vo);
  }

  /**
   * @param offset new `vox_offset`
   * @throws {RangeError} when it does not fit the field
   */
  setDataOffset(offset: number): void {
    this.struct.set('vox_offset', offset);
  }

  // ---------------------------------------------------------------- units, dim_info, intent

  /**
   * Units of space and time, nibabel's labels (`xyzt_units` 10 → `['mm', 'sec']`).
   * A code nibabel does not know gives `'unknown code N'` instead of nibabel's `KeyError`.
   * @returns `[xyz, t]`
   */
  getXyztUnits(): [string, string] {
    const v = this.struct.getNumber('xyzt_units');
    const xyz = ((v % 8) + 8) % 8;
    const t = v - xyz;
    const lab = (c: number): string => (UNIT_CODES.has(c) ? UNIT_CODES.label(c) : `unknown code ${c}`);
    return [lab(xyz), lab(t)];
  }

  /**
   * Sets `xyzt_units` from codes or labels (null/undefined = 0, unknown).
   * @param xyz spatial unit, e.g. `'mm'` or 2
   * @param t temporal unit, e.g. `'sec'` or 8
   * @throws {RangeError} for an unknown unit
   */
  setXyztUnits(xyz?: CodeLike | null, t?: CodeLike | null): void {
    this.struct.set('xyzt_units', UNIT_CODES.code(xyz ?? 0) + UNIT_CODES.code(t ?? 0));
  }

  /**
   * Frequency, phase and slice axes from `dim_info` (2 bits each, axis + 1; 0 = unset).
   * @returns `[freq, phase, slice]`, each 0..2 or null
   */
  getDimInfo(): [number | null, number | null, number | null] {
    const info = this.struct.getNumber('dim_info');
    const f = info & 3;
    const p = (info >> 2) & 3;
    const sl = (info >> 4) & 3;
    return [f ? f - 1 : null, p ? p - 1 : null, sl ? sl - 1 : null];
  }

  /**
   * Sets `dim_info`.
   * @param freq frequency-encode axis (0..2) or null
   * @param phase phase-encode axis or null
   * @param slice slice axis or null
   * @throws {HeaderDataError} for a value outside null/0/1/2
   */
  setDimInfo(freq: number | null = null, phase: number | null = null, slice: number | null = null): void {
    for (const v of [freq, phase, slice]) {
      if (v !== null && v !== 0 && v !== 1 && v !== 2) throw new HeaderDataError('Inputs must be in [None, 0, 1, 2]');
    }
    let info = 0;
    if (freq !== null) info |= (freq + 1) & 3;
    if (phase !== null) info |= ((phase + 1) & 3) << 2;
    if (slice !== null) info |= ((slice + 1) & 3) << 4;
    this.struct.set('dim_info', info);
  }

  /**
   * Intent code, its parameters (as many as that code takes) and name.
   * @param opts `codeRepr: 'label'` (default) or `'code'`
   * @returns `[label or code, params, intent_name]`; an unknown code gives
   *   `'unknown code N'` and no params
   */
  getIntent(opts: { codeRepr?: 'label' | 'code' } = {}): [string | number, number[], string] {
    const code = this.struct.getNumber('intent_code');
    const known = INTENT_CODES.has(code);
    const repr = opts.codeRepr ?? 'label';
    let label: string | number;
    if (repr === 'code') label = code;
    else if (repr === 'label') label = known ? INTENT_CODES.label(code) : `unknown code ${code}`;
    else throw new TypeError('repr can be "label" or "code"');
    const n = known ? INTENT_NPARAMS.get(code)! : 0;
    const params: number[] = [];
    for (let i = 1; i <= n; i++) params.push(this.struct.getNumber(`intent_p${i}`));
    return [label, params, this.struct.getString('intent_name')];
  }

  /**
   * Sets intent code, parameters (all or none; unset ones are 0) and name.
   * @param code intent code or label (`'t test'`)
   * @param params `[]` or exactly the code's parameter count
   * @param name intent name (up to 16 latin-1 characters)
   * @param opts `allowUnknown`: accept an unknown *numeric* code
   * @throws {RangeError} for an unknown code (nibabel's `KeyError`)
   * @throws {HeaderDataError} for the wrong number of params
   */
  setIntent(code: CodeLike, params: readonly number[] = [], name = '', opts: { allowUnknown?: boolean } = {}): void {
    const known = INTENT_CODES.has(code);
    if (!known && (!opts.allowUnknown || typeof code === 'string')) {
      throw new RangeError(`Unknown intent code: ${code}`);
    }
    const icode = known ? INTENT_CODES.code(code) : (code as number);
    const n = known ? INTENT_NPARAMS.get(icode)! : 3;
    if (params.length && params.length !== n) {
      throw new HeaderDataError(`Need ${n} params for intent ${code}, or empty`);
    }
    this.struct.set('intent_code', icode);
    this.struct.set('intent_name', name);
    for (let i = 0; i < 3; i++) this.struct.set(`intent_p${i + 1}`, params[i] ?? 0);
  }

  // ---------------------------------------------------------------- slice timing

  private sliceDim(msg: string): number {
    const sd = this.getDimInfo()[2];
    if (sd === null) throw new HeaderDataError(msg);
    return sd;
  }

  /**
   * Time to acquire one slice (`slice_duration`).
   * @returns the duration
   * @throws {HeaderDataError} when dim_info has no slice axis
   */
  getSliceDuration(): number {
    this.sliceDim('Slice dimension must be set for duration to be valid');
    return this.struct.getNumber('slice_duration');
  }

  /**
   * @param duration time to acquire one slice
   * @throws {HeaderDataError} when dim_info has no slice axis
   */
  setSliceDuration(duration: number): void {
    this.sliceDim('Slice dimension must be set for duration to be valid');
    this.struct.set('slice_duration', duration);
  }

  /**
   * @returns the number of slices (the shape along the slice axis)
   * @throws {HeaderDataError} when dim_info has no slice axis or it is beyond the shape
   */
  getNSlices(): number {
    const sd = this.sliceDim('Slice dimension not set in header dim_info');
    const shape = this.getDataShape();
    if (sd >= shape.length) throw new HeaderDataError(`Slice dimension index (${sd}) outside shape tuple (${shape})`);
    return shape[sd]!;
  }

  /**
   * Acquisition time of every slice from slice_code, slice_start, slice_end and
   * slice_duration; padding slices outside start..end are null.
   * @returns one time (or null) per slice, in file order
   * @throws {HeaderDataError} for an unknown slice code or inconsistent fields
   */
  getSliceTimes(): (number | null)[] {
    const n = this.getNSlices();
    const duration = this.getSliceDuration();
    const code = this.struct.getNumber('slice_code');
    const label = SLICE_ORDER_CODES.has(code) ? SLICE_ORDER_CODES.label(code) : `unknown code ${code}`;
    if (label === 'unknown') throw new HeaderDataError('Cannot get slice times when slice code is "unknown"');
    const start = this.struct.getNumber('slice_start');
    let end = this.struct.getNumber('slice_end');
    if (start < 0) throw new HeaderDataError('slice_start should be >= 0');
    if (end === 0) end = n - 1;
    const nTimed = end - start + 1;
    if (nTimed < 1) throw new HeaderDataError('slice_end should be > slice_start');
    const order = sliceTimeOrder(label, nTimed);
    const out: (number | null)[] = [];
    for (let i = 0; i < start; i++) out.push(null);
    for (const o of order) out.push(o * duration);
    for (let i = end + 1; i < n; i++) out.push(null);
    return out;
  }

  /**
   * Infers slice_code, slice_start, slice_end and slice_duration from slice times
   * (null for padding slices at either end). When several orders fit (very few slices),
   * the first in code order is used and a `SLICE_ORDER_AMBIGUOUS` warning is added.
   * @param times one time (or null) per slice
   * @throws {HeaderDataError} when the times fit no single duration or known order
   */
  setSliceTimes(times: readonly (number | null)[]): void {
    const n = this.getNSlices();
    if (times.length !== n) throw new HeaderDataError('Number of slice times does not match number of slices');
    const start = times.findIndex((t) => t !== null);
    if (start < 0) throw new HeaderDataError('Not all slice times can be None');
    let end = n - 1;
    while (times[end] === null) end--;
    const timed = times.slice(start, end + 1);
    if (timed.some((t) => t === null)) throw new HeaderDataError('Cannot have None in middle of slice time vector');
    const tv = timed as number[];
    const sorted = [...tv].sort((a, b) => a - b);
    const tdiffs = sorted.slice(1).map((v, i) => v - sorted[i]!);
    for (let i = 1; i < tdiffs.length; i++) {
      // numpy allclose(diff(tdiffs), 0): |x| ≤ 1e-8.
      if (!(Math.abs(tdiffs[i]! - tdiffs[i - 1]!) <= 1e-8)) {
        throw new HeaderDataError('Slice times not compatible with single slice duration');
      }
    }
    const duration = tdiffs.length ? tdiffs.reduce((a, b) => a + b, 0) / tdiffs.length : NaN;
    const stOrder = tv.map((t) => roundHalfEven(t / duration));
    const matching: string[] = [];
    for (const c of SLICE_ORDER_CODES.codes()) {
      if (c === 0) continue;
      const label = SLICE_ORDER_CODES.label(c);
      const want = sliceTimeOrder(label, tv.length);
      if (want.every((v, i) => v === stOrder[i])) matching.push(label);
    }
    if (matching.length === 0) throw new HeaderDataError(`slice ordering of ${stOrder} fits with no known scheme`);
    if (matching.length > 1) {
      warn(this.warnings, 'SLICE_ORDER_AMBIGUOUS', 'slice_code', `Multiple slice orders satisfy: ${matching.join(', ')}. Choosing the first one`, matching, matching[0]);
    }
    this.struct.set('slice_start', start);
    this.struct.set('slice_end', end);
    this.struct.set('slice_duration', duration);
    this.struct.set('slice_code', SLICE_ORDER_CODES.code(matching[0]!));
  }

  // ---------------------------------------------------------------- scaling

  /**
   * Scale factor and intercept (float32 fields as float64 numbers).
   * @returns `[null, null]` when slope is 0, NaN or ±inf (no scaling) or the datatype is
   *   RGB24/RGBA32 (spec; reliability.md H25), else `[slope, inter]`
   * @throws {HeaderDataError} `INVALID_INTERCEPT` for a valid slope with a non-finite
   *   intercept (nibabel; `fromBytes` already refuses such a file)
   */
  getSlopeInter(): [number | null, number | null] {
    const slope = this.struct.getNumber('scl_slope');
    const inter = this.struct.getNumber('scl_inter');
    if (slope === 0 || !Number.isFinite(slope)) return [null, null];
    // H25: the spec says scaling does not apply to RGB; nibabel returns the factors and then
    // fails in numpy when it tries to multiply the structured array.
    if (RGB_CODES.has(this.struct.getNumber('datatype'))) return [null, null];
    if (!Number.isFinite(inter)) {
      throw new HeaderDataError(`Valid slope but invalid intercept ${inter}`, { code: 'INVALID_INTERCEPT' });
    }
    return [slope, inter];
  }

  /**
   * Sets scl_slope/scl_inter; null means NaN ("compute on save", nibabel's convention).
   * @param slope the slope, or null
   * @param inter the intercept, or null
   * @throws {HeaderDataError} for slope 0/±inf, inter ±inf, or exactly one of them NaN
   */
  setSlopeInter(slope: number | null, inter: number | null = null): void {
    const s = slope ?? NaN;
    const i = inter ?? NaN;
    if (s === 0 || s === Infinity || s === -Infinity) throw new HeaderDataError('Slope cannot be 0 or infinite');
    if (i === Infinity || i === -Infinity) throw new HeaderDataError('Intercept cannot be infinite');
    if (Number.isNaN(s) !== Number.isNaN(i)) throw new HeaderDataError('None or both of slope, inter should be nan');
    this.struct.set('scl_slope', s);
    this.struct.set('scl_inter', i);
  }

  // ---------------------------------------------------------------- affines

  /**
   * The unit quaternion `[w, x, y, z]` from quatern_b/c/d (w ≥ 0; w = 0 when |w²| is below
   * the class threshold, as nibabel HEAD).
   * @returns the quaternion
   * @throws {HeaderDataError} `BAD_QUATERN` when b² + c² + d² is clearly above 1
   */
  getQformQuaternion(): Quaternion {
    const s = this.struct;
    try {
      return fillpositive([s.getNumber('quatern_b'), s.getNumber('quatern_c'), s.getNumber('quatern_d')], this.klass.quaternionThreshold);
    } catch (err) {
      throw new HeaderDataError((err as Error).message, { code: 'BAD_QUATERN', cause: err });
    }
  }

  /** The qform affine (always computed, whatever qform_code says). */
  getQform(): Matrix;
  /** The qform and its code; `[null, 0]` when qform_code is 0. */
  getQform(opts: { coded: true }): [Matrix | null, number];
  /** The qform affine, or `[affine | null, code]` with `coded: true`. */
  getQform(opts: { coded?: boolean }): Matrix | [Matrix | null, number];
  /**
   * The qform: rotation from the quaternion, zooms from pixdim[1..3] with qfac on z,
   * translation from qoffset (nibabel `get_qform`).
   * @param opts `coded: true` returns `[affine | null, qform_code]`
   * @returns the 4×4 affine, or the coded pair
   * @throws {HeaderDataError} for negative pixdims, qfac not ±1 or a bad quaternion
   */
  getQform(opts: { coded?: boolean } = {}): Matrix | [Matrix | null, number] {
    const s = this.struct;
    const code = s.getNumber('qform_code');
    if (code === 0 && opts.coded) return [null, 0];
    const R = quat2mat(this.getQformQuaternion());
    const vox = [s.getElement('pixdim', 1), s.getElement('pixdim', 2), s.getElement('pixdim', 3)];
    if (vox.some((v) => v < 0)) throw new HeaderDataError('pixdims[1,2,3] should be positive', { code: 'BAD_PIXDIM' });
    const qfac = s.getElement('pixdim', 0);
    if (qfac !== 1 && qfac !== -1) throw new HeaderDataError('qfac (pixdim[0]) should be 1 or -1', { code: 'BAD_QFAC' });
    vox[2] = vox[2]! * qfac;
    const out = eye(4);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i]![j] = R[i]![j]! * vox[j]!;
    out[0]![3] = s.getNumber('qoffset_x');
    out[1]![3] = s.getNumber('qoffset_y');
    out[2]![3] = s.getNumber('qoffset_z');
    return opts.coded ? [out, code] : out;
  }

  /**
   * Sets the qform from an affine (nibabel `set_qform`): zooms are the column norms, qfac
   * the sign of the rotation's determinant, the rotation the nearest orthogonal matrix
   * (shears stripped unless `stripShears: false`), then converted to a quaternion.
   * Code rule: null affine → 0; no code given → the existing code, or 2 ('aligned') if 0.
   * @param affine 4×4 affine, or null to set only the code
   * @param code code or label (`'scanner'`), or null for the rule above
   * @param opts `stripShears` (alias `strip_shears`), default true
   * @throws {TypeError} when the affine is not 4×4
   * @throws {RangeError} for an unknown code
   * @throws {HeaderDataError} for shears with `stripShears: false`, or a degenerate affine
   */
  setQform(
    affine: MatrixLike | null,
    code: CodeLike | null = null,
    opts: { stripShears?: boolean; strip_shears?: boolean } = {},
  ): void {
    const s = this.struct;
    const newCode = this.resolveXformCode('qform_code', affine, code);
    s.set('qform_code', newCode);
    if (affine === null) return;
    checkAffine4(affine);
    const strip = opts.stripShears ?? opts.strip_shears ?? true;
    const zooms = [0, 1, 2].map((j) => Math.sqrt(affine[0]![j]! ** 2 + affine[1]![j]! ** 2 + affine[2]![j]! ** 2));
    const R: Matrix = [0, 1, 2].map((i) => [0, 1, 2].map((j) => affine[i]![j]! / zooms[j]!));
    let qfac = 1;
    if (!(det3(R) > 0)) {
      qfac = -1;
      for (let i = 0; i < 3; i++) R[i]![2] = -R[i]![2]!;
    }
    let PR: Matrix;
    try {
      PR = nearestOrthogonal3(R);
    } catch (err) {
      throw new HeaderDataError(`cannot make a qform from this affine: ${(err as Error).message}`, { code: 'BAD_AFFINE', cause: err });
    }
    if (!strip && !allclose(PR, R)) throw new HeaderDataError('Shears in affine and strip_shears is False', { code: 'SHEARS' });
    const q = mat2quat(PR);
    s.set('qoffset_x', affine[0]![3]!);
    s.set('qoffset_y', affine[1]![3]!);
    s.set('qoffset_z', affine[2]![3]!);
    s.setElement('pixdim', 0, qfac);
    for (let j = 0; j < 3; j++) s.setElement('pixdim', j + 1, zooms[j]!);
    s.set('quatern_b', q[1]);
    s.set('quatern_c', q[2]);
    s.set('quatern_d', q[3]);
  }

  /** The sform affine (always, whatever sform_code says). */
  getSform(): Matrix;
  /** The sform and its code; `[null, 0]` when sform_code is 0. */
  getSform(opts: { coded: true }): [Matrix | null, number];
  /** The sform affine, or `[affine | null, code]` with `coded: true`. */
  getSform(opts: { coded?: boolean }): Matrix | [Matrix | null, number];
  /**
   * The sform: rows srow_x/y/z (nibabel `get_sform`).
   * @param opts `coded: true` returns `[affine | null, sform_code]`
   * @returns the 4×4 affine, or the coded pair
   */
  getSform(opts: { coded?: boolean } = {}): Matrix | [Matrix | null, number] {
    const s = this.struct;
    const code = s.getNumber('sform_code');
    if (code === 0 && opts.coded) return [null, 0];
    const out = [s.getArray('srow_x'), s.getArray('srow_y'), s.getArray('srow_z'), [0, 0, 0, 1]];
    return opts.coded ? [out, code] : out;
  }

  /**
   * Sets the sform rows from an affine; the code rule is as for `setQform`.
   * @param affine 4×4 affine, or null to set only the code
   * @param code code or label, or null
   * @throws {TypeError} when the affine is not 4×4
   * @throws {RangeError} for an unknown code
   */
  setSform(affine: MatrixLike | null, code: CodeLike | null = null): void {
    const newCode = this.resolveXformCode('sform_code', affine, code);
    this.struct.set('sform_code', newCode);
    if (affine === null) return;
    checkAffine4(affine);
    this.struct.set('srow_x', affine[0]!.slice(0, 4));
    this.struct.set('srow_y', affine[1]!.slice(0, 4));
    this.struct.set('srow_z', affine[2]!.slice(0, 4));
  }

  private resolveXformCode(field: string, affine: MatrixLike | null, code: CodeLike | null): number {
    if (code !== null && code !== undefined) return XFORM_CODES.code(code);
    if (affine === null) return 0;
    const old = this.struct.getNumber(field);
    return old === 0 ? 2 : old;
  }

  /**
   * The Analyze-style affine from shape and zooms (nibabel `get_base_affine`): x flipped,
   * origin at the volume centre.
   * @returns the 4×4 affine
   */
  getBaseAffine(): Matrix {
    const ndim = this.ndim();
    const dims = this.struct.getArray('dim').slice(1, ndim + 1);
    const zooms = this.struct.getArray('pixdim').slice(1, ndim + 1);
    return shapeZoomAffine(dims, zooms, true);
  }

  /**
   * The affine an image should use (nibabel `get_best_affine`): the sform if sform_code ≠ 0,
   * else the qform if qform_code ≠ 0, else the base affine. reliability.md H30: a chosen
   * transform that is unusable (non-finite, or a qform that cannot be computed) is skipped,
   * so the result is always finite.
   * @returns the 4×4 affine
   */
  getBestAffine(): Matrix {
    const s = this.struct;
    if (s.getNumber('sform_code') !== 0) {
      const a = this.getSform();
      if (isFiniteMatrix(a)) return a;
    }
    if (s.getNumber('qform_code') !== 0) {
      try {
        const a = this.getQform();
        if (isFiniteMatrix(a)) return a;
      } catch (err) {
        if (!(err instanceof NibwebError)) throw err;
      }
    }
    let base: Matrix;
    try {
      base = this.getBaseAffine();
    } catch {
      base = eye(4);
    }
    if (isFiniteMatrix(base)) return base;
    const ndim = Math.min(Math.max(this.struct.getElement('dim', 0), 0), 7);
    const dims = this.struct.getArray('dim').slice(1, ndim + 1).map((d) => (Number.isFinite(d) ? d : 1));
    const zooms = this.struct.getArray('pixdim').slice(1, ndim + 1).map((z) => (Number.isFinite(z) && z !== 0 ? Math.abs(z) : 1));
    return shapeZoomAffine(dims, zooms, true);
  }

  // ---------------------------------------------------------------- copy and serialisation

  /**
   * An independent copy of the header fields; the extension list is new but holds the same
   * extension objects (nibabel `copy`). Warnings are copied.
   * @returns the copy
   */
  copy(): this {
    const c = new (this.constructor as new (o?: HeaderOptions) => this)({ isSingle: this.single });
    c.struct = this.struct.copy();
    c.extensions = [...this.extensions];
    c.warnings = [...this.warnings];
    return c;
  }

  /**
   * The same header in another byte order (nibabel `as_byteswapped`).
   * @param endianness target byte order; the opposite when omitted
   * @returns a new header
   */
  asByteswapped(endianness?: Endianness): this {
    const c = this.copy();
    c.struct = this.struct.asByteswapped(endianness);
    return c;
  }

  /**
   * The bytes nibabel's `write_to` writes: the header, then for a single file the 4-byte
   * extension flag (zeros without extensions) and the extensions, each zero-padded to a
   * multiple of 16; a pair header gets the flag only when it has extensions. A single
   * file's `vox_offset` of 0 is written as 352 (544) + extension bytes; the gap between the
   * end of these bytes and `vox_offset` is the image writer's to fill. The header itself
   * is not modified.
   * @returns the bytes
   * @throws {HeaderDataError} `BAD_VOX_OFFSET` when a single file's non-zero vox_offset is
   *   smaller than header + extensions
   */
  toBytes(): Uint8Array {
    const K = this.klass;
    const s = this.struct.copy();
    const extSize = extensionsSizeOnDisk(this.extensions);
    if (this.single) {
      const vo = this.rawVoxOffset();
      const min = K.singleVoxOffset + extSize;
      if (vo === 0) s.set('vox_offset', min);
      else if (!(vo >= min)) {
        throw new HeaderDataError(`vox offset set to ${vo}, but need at least ${min}`, { code: 'BAD_VOX_OFFSET' });
      }
    }
    const size = K.layout.size;
    const withFlag = this.single || this.extensions.length > 0;
    const out = new Uint8Array(size + (withFlag ? 4 + extSize : 0));
    out.set(s.binaryblock, 0);
    if (this.extensions.length > 0) {
      out[size] = 1;
      writeExtensions(out, size + 4, this.extensions, s.endianness === '<');
    }
    return out;
  }

  /** Number of extensions (nibabel `len(header.extensions)`). */
  getNExtensions(): number {
    return this.extensions.length;
  }
}

/** The `.hdr` + `.img` variant of `Nifti1Header` (magic `ni1`, data offset 0 by default). */
export class Nifti1PairHeader extends Nifti1Header {
  static override readonly isSingle: boolean = false;
}

/** Time order of each slice position for a slice_code label (nibabel `_slice_time_order`). */
function sliceTimeOrder(label: string, n: number): number[] {
  const range = (a: number, b: number, step: number): number[] => {
    const out: number[] = [];
    if (step > 0) for (let i = a; i < b; i += step) out.push(i);
    else for (let i = a; i > b; i += step) out.push(i);
    return out;
  };
  let order: number[];
  switch (label) {
    case 'sequential increasing':
      order = range(0, n, 1);
      break;
    case 'sequential decreasing':
      order = range(n - 1, -1, -1);
      break;
    case 'alternating increasing':
      order = [...range(0, n, 2), ...range(1, n, 2)];
      break;
    case 'alternating decreasing':
      order = [...range(n - 1, -1, -2), ...range(n - 2, -1, -2)];
      break;
    case 'alternating increasing 2':
      order = [...range(1, n, 2), ...range(0, n, 2)];
      break;
    case 'alternating decreasing 2':
      order = [...range(n - 2, -1, -2), ...range(n - 1, -1, -2)];
      break;
    default:
      throw new HeaderDataError(`We do not handle slice ordering "${label}"`);
  }
  return argsort(order);
}

function checkAffine4(affine: MatrixLike): void {
  if (!Array.isArray(affine) || affine.length !== 4 || affine.some((r) => !Array.isArray(r) || r.length !== 4)) {
    throw new TypeError('Need 4x4 affine as input');
  }
}

/** dim[0] read in the struct's order, as a number even for NIfTI-2's int64 (clamped). */
function rawDim0(s: WrapStruct): number {
  const f = s.layout.field('dim');
  if (f.type === 'i8') {
    const b = s.getBigInt('dim')[0]!;
    return b > 1000n ? 1000 : b < -1000n ? -1000 : Number(b);
  }
  return s.getElement('dim', 0);
}

/** Parsing must only ever throw the error family: anything else is wrapped. */
function asFileError(err: unknown): unknown {
  if (err instanceof NibwebError) return err;
  return new HeaderDataError(`invalid header: ${(err as Error)?.message ?? String(err)}`, { code: 'INVALID_HEADER', cause: err });
}
