/**
 * The NIfTI-1 header (port of nibabel's `nifti1.py` `Nifti1Header` / `Nifti1PairHeader`).
 * As in nibabel it extends the SPM header (spm99analyze-header.ts → analyze-header.ts):
 * parsing, byte order, field access, dtype, shape, zooms, offsets and the check runner are
 * inherited; this file adds what NIfTI has — the magic, extensions, scl_slope/scl_inter,
 * qform and sform, units, dim_info, intent and slice timing — as methods over functions of
 * the header's fields (nifti1-fields.ts, nifti1-slice-times.ts, nifti1-xforms.ts) and of its
 * file form (nifti1-file.ts).
 *
 * Layout (nifti1-codes.ts): the 348-byte `nifti_1_header` of nifti1.h, then a 4-byte
 * extension flag and the extensions (nifti-extensions.ts). Single files (`n+1`) keep the
 * array at `vox_offset` ≥ 352; pair headers (`ni1`, a `.hdr` beside an `.img`) at
 * `vox_offset` in the `.img`, 0 by default.
 *
 * Contract (besides `AnalyzeHeader`'s):
 * - The checks are nibabel's Analyze battery plus NIfTI's (nifti1-checks.ts), with
 *   reliability.md's file policy (H1–H31); levels ≥ 40 throw a typed error, the rest are fixed
 *   and listed on `hdr.warnings`.
 * - Keyword arguments are an options object (`getQform({ coded: true })` → `[affine | null, code]`).
 */
import type { Matrix, MatrixLike } from '../linalg.js';
import { FLOAT32_EPS, type Quaternion } from '../quaternions.js';
import type { HeaderCheck } from './batteryrunners.js';
import type { CodeLike, FromBytesOptions, HeaderOptions, SpatialHeaderLike } from './analyze-layout.js';
import { NIFTI1_CHECKS } from './nifti1-checks.js';
import { DATATYPE_LABELS, NIFTI1_LAYOUT, NIFTI_FIELD_RECODERS, UNIT_CODES } from './nifti1-codes.js';
import {
  decodeFreesurferShape,
  encodeFreesurferShape,
  readDimInfo,
  readIntent,
  readSlopeInter,
  readXyztUnits,
  writeDimInfo,
  writeIntent,
  writeSlopeInter,
} from './nifti1-fields.js';
import type { NiftiExtension } from './nifti-extensions.js';
import { headerExtentOf, headerFileBytes, readExtensionArea, readMagic } from './nifti1-file.js';
import { readSliceDuration, readSliceTimes, sliceCount, writeSliceDuration, writeSliceTimes } from './nifti1-slice-times.js';
import { bestAffine, codedXform, qformAffine, qformQuaternion, sformAffine, writeQform, writeSform, xformCode } from './nifti1-xforms.js';
import { SpmAnalyzeHeader } from './spm99analyze-header.js';
import type { Recoder } from './recoder.js';
import type { Endianness, StructLayout, WrapStruct } from './wrapstruct.js';

/** Constructor options. */
export interface NiftiHeaderOptions extends HeaderOptions {
  /** Initial extensions. */
  extensions?: Iterable<NiftiExtension>;
  /** Single file or pair header; defaults to the class's `isSingle` (sets the default magic). */
  isSingle?: boolean;
}

/**
 * The NIfTI-1 single-file (`.nii`, magic `n+1`) header. `Nifti1PairHeader` is the `.hdr`
 * variant; `Nifti2Header` extends this class with the 540-byte layout.
 */
export class Nifti1Header extends SpmAnalyzeHeader {
  static override readonly layout: StructLayout = NIFTI1_LAYOUT;
  static override readonly validSizes: readonly number[] = [348, 540];
  static override readonly notFormatCode: string = 'NOT_NIFTI';
  static override readonly formatName: string = 'a NIfTI-1';
  /** Every code nibabel's NIfTI table knows (those without a typed array fail on use). */
  static override readonly dataTypeCodes: ReadonlySet<number> = new Set(DATATYPE_LABELS.codes());
  static override readonly fieldRecoders: Readonly<Record<string, Recoder>> = NIFTI_FIELD_RECODERS;
  static override readonly hasDataIntercept: boolean = true;
  static override readonly float32Slope: boolean = false;
  static override readonly checks: readonly HeaderCheck[] = NIFTI1_CHECKS;
  /** Magic of a single file. */
  static readonly singleMagic: string = 'n+1';
  /** Magic of a header/image pair. */
  static readonly pairMagic: string = 'ni1';
  /** Smallest data offset in a single file (header + 4 extension-flag bytes). */
  static readonly singleVoxOffset: number = 352;
  /** True for the single-file classes. */
  static readonly isSingle: boolean = true;
  /** |w²| below this gives w = 0 (3·eps(float32): the quaternion is stored as float32). */
  static readonly quaternionThreshold: number = 3 * FLOAT32_EPS;
  /** nibabel's FreeSurfer shape encodings in dim (NIfTI-1 only: its dims are int16). */
  static readonly freesurferHacks: boolean = true;

  /** Extensions (nibabel `header.extensions`); a copy shares the extension objects. */
  extensions: NiftiExtension[];
  /** @internal single file (true) or pair header */
  protected single: boolean;

  /**
   * A default header: nibabel's `default_structarr` (dim[0] = 0, dims 1, pixdims 1,
   * float32, slope 1, the class's magic), native byte order unless told otherwise.
   * @param opts byte order, single or pair, and initial extensions
   */
  constructor(opts: NiftiHeaderOptions = {}) {
    super(opts);
    const K = this.klass;
    this.single = opts.isSingle ?? K.isSingle;
    if (this.single !== K.isSingle) this.struct.set('magic', this.single ? K.singleMagic : K.pairMagic);
    this.extensions = opts.extensions ? [...opts.extensions] : [];
  }

  /** @internal the statics of the concrete class */
  override get klass(): typeof Nifti1Header {
    return this.constructor as typeof Nifti1Header;
  }

  /** nibabel's `default_structarr`: the SPM defaults (slope 1) and the class's magic. */
  protected static override defaultStruct(endianness: Endianness): WrapStruct {
    const s = super.defaultStruct(endianness);
    s.set('magic', this.isSingle ? this.singleMagic : this.pairMagic);
    return s;
  }

  /** @internal what the NIfTI checks need (nifti1-checks.ts) */
  get niftiFacts(): { singleMagic: string; pairMagic: string; singleVoxOffset: number; quaternionThreshold: number } {
    const K = this.klass;
    return { singleMagic: K.singleMagic, pairMagic: K.pairMagic, singleVoxOffset: K.singleVoxOffset, quaternionThreshold: K.quaternionThreshold };
  }

  /** True for single-file headers (`n+1`/`n+2`), false for pair headers. */
  get isSingle(): boolean {
    return this.single;
  }

  /** @returns whether the magic is this format's single or pair magic (`n+1`/`ni1`, `n+2`/`ni2`) */
  isNifti(): boolean {
    const m = this.struct.getString('magic');
    return m === this.klass.singleMagic || m === this.klass.pairMagic;
  }

  // ---------------------------------------------------------------- parsing and sniffing

  /** @internal the empty header `fromBytes` fills in: single or pair as asked */
  protected static override blank(opts: FromBytesOptions): Nifti1Header {
    return new this({ isSingle: opts.isSingle ?? this.isSingle });
  }

  /** @internal the extensions: flag byte non-zero → extensions follow (nibabel tests only the first byte) */
  protected override readTail(bytes: Uint8Array): void {
    const vo = this.single ? this.rawVoxOffset() : 0;
    const parsed = readExtensionArea(bytes, this.klass.layout.size, this.single, vo, this.endianness === '<');
    if (parsed === null) return;
    this.extensions = parsed.extensions;
    this.warnings.push(...parsed.warnings);
  }

  /**
   * The magic string where this class keeps it (byte 344 for NIfTI-1, 4 for NIfTI-2),
   * trailing NULs removed; `null` when `bytes` is too short.
   * @param bytes the start of a file
   * @returns e.g. `'n+1'`, or null
   */
  static magicOf(bytes: Uint8Array): string | null {
    return readMagic(this.layout, bytes);
  }

  /**
   * Sniff (nibabel `may_contain_header`, made stricter as the brief asks): enough bytes,
   * `sizeof_hdr` equal to this class's size in either byte order, and this format's magic
   * (single or pair).
   * @param bytes the start of a file
   * @returns whether a header of this format may start here
   */
  static override mayContainHeader(bytes: Uint8Array): boolean {
    if (!super.mayContainHeader(bytes)) return false;
    const m = this.magicOf(bytes);
    return m === this.singleMagic || m === this.pairMagic;
  }

  /**
   * How many bytes the header takes with its extensions: a single file's run to vox_offset
   * (at most `MAX_HEADER_BYTES`), a pair header's to the end of the `.hdr`.
   * @param head the first `sniffBytes` bytes of the header file
   * @param isSingle whether header and data share one file
   * @returns a byte count (possibly past the end of a short file)
   */
  static override headerExtent(head: Uint8Array, isSingle: boolean): number {
    return headerExtentOf(this.layout.size, head, isSingle, (h) => this.fromBytes(h, { checks: false }).rawVoxOffset());
  }

  /** @internal nibabel's `_clean_after_mapping`: the class's own magic; a NIfTI source's extensions */
  protected override afterMapping(from: SpatialHeaderLike): void {
    const K = this.klass;
    this.struct.set('magic', this.single ? K.singleMagic : K.pairMagic);
    if (from instanceof Nifti1Header) this.extensions = [...from.extensions];
  }

  /** @internal nibabel's FreeSurfer large-vector hack: dim[1..3] = (-1, 1, 1), length in glmin */
  override isFreesurferVector(dims: bigint[], i: number): boolean {
    if (!this.klass.freesurferHacks) return false;
    return i === 1 && dims[0]! >= 3n && dims[1] === -1n && dims[2] === 1n && dims[3] === 1n && this.struct.getNumber('glmin') > 0;
  }

  // ---------------------------------------------------------------- shape (FreeSurfer hacks)

  /**
   * The array shape `dim[1..dim[0]]` (trailing 1s kept as dim[0] says; `[0]` when dim[0] is
   * 0), with nibabel's FreeSurfer hacks: dim (-1, 1, 1) takes its length from `glmin`, and
   * (27307, 1, 6) is the ico7 surface (163842, 1, 1).
   * @returns the shape
   * @throws {HeaderDataError} `BAD_DIM0` for dim[0] outside 0..7; `BAD_DIM` for a
   *   FreeSurfer vector with glmin 0
   */
  override getDataShape(): number[] {
    if (!this.klass.freesurferHacks) return super.getDataShape();
    const ndim = this.ndim();
    if (ndim === 0) return [0];
    return decodeFreesurferShape(this.struct, this.struct.getArray('dim').slice(1, ndim + 1));
  }

  /**
   * Sets the shape: dim[0] = ndim, dims set, unused dims 1, pixdim beyond ndim 1 (nibabel),
   * with the FreeSurfer encodings for (163842, 1, 1) and vectors longer than 32767.
   * @param shape up to 7 non-negative integers
   * @throws {HeaderDataError} when the shape does not fit the dim field
   */
  override setDataShape(shape: readonly number[]): void {
    if (!this.klass.freesurferHacks) return super.setDataShape(shape);
    this.setDims(encodeFreesurferShape(this.struct, shape, this.warnings));
  }

  // ---------------------------------------------------------------- units, dim_info, intent

  /**
   * Units of space and time, nibabel's labels (`xyzt_units` 10 → `['mm', 'sec']`).
   * A code nibabel does not know gives `'unknown code N'` instead of nibabel's `KeyError`.
   * @returns `[xyz, t]`
   */
  getXyztUnits(): [string, string] {
    return readXyztUnits(this.struct);
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
    return readDimInfo(this.struct);
  }

  /**
   * Sets `dim_info`.
   * @param freq frequency-encode axis (0..2) or null
   * @param phase phase-encode axis or null
   * @param slice slice axis or null
   * @throws {HeaderDataError} for a value outside null/0/1/2
   */
  setDimInfo(freq: number | null = null, phase: number | null = null, slice: number | null = null): void {
    writeDimInfo(this.struct, freq, phase, slice);
  }

  /**
   * Intent code, its parameters (as many as that code takes) and name.
   * @param opts `codeRepr: 'label'` (default) or `'code'`
   * @returns `[label or code, params, intent_name]`; an unknown code gives
   *   `'unknown code N'` and no params
   */
  getIntent(opts: { codeRepr?: 'label' | 'code' } = {}): [string | number, number[], string] {
    return readIntent(this.struct, opts.codeRepr ?? 'label');
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
    writeIntent(this.struct, code, params, name, opts.allowUnknown ?? false);
  }

  // ---------------------------------------------------------------- slice timing

  /**
   * Time to acquire one slice (`slice_duration`).
   * @returns the duration
   * @throws {HeaderDataError} when dim_info has no slice axis
   */
  getSliceDuration(): number {
    return readSliceDuration(this.struct, this.getDimInfo()[2]);
  }

  /**
   * @param duration time to acquire one slice
   * @throws {HeaderDataError} when dim_info has no slice axis
   */
  setSliceDuration(duration: number): void {
    writeSliceDuration(this.struct, this.getDimInfo()[2], duration);
  }

  /**
   * @returns the number of slices (the shape along the slice axis)
   * @throws {HeaderDataError} when dim_info has no slice axis or it is beyond the shape
   */
  getNSlices(): number {
    return sliceCount(this.getDimInfo()[2], () => this.getDataShape());
  }

  /**
   * Acquisition time of every slice from slice_code, slice_start, slice_end and
   * slice_duration; padding slices outside start..end are null.
   * @returns one time (or null) per slice, in file order
   * @throws {HeaderDataError} for an unknown slice code or inconsistent fields
   */
  getSliceTimes(): (number | null)[] {
    const n = this.getNSlices();
    this.getSliceDuration();
    return readSliceTimes(this.struct, n);
  }

  /**
   * Infers slice_code, slice_start, slice_end and slice_duration from slice times
   * (null for padding slices at either end). When several orders fit (very few slices),
   * the first in code order is used and a `SLICE_ORDER_AMBIGUOUS` warning is added.
   * @param times one time (or null) per slice
   * @throws {HeaderDataError} when the times fit no single duration or known order
   */
  setSliceTimes(times: readonly (number | null)[]): void {
    writeSliceTimes(this.struct, times, this.getNSlices(), this.warnings);
  }

  // ---------------------------------------------------------------- scaling

  /**
   * Scale factor and intercept (float32 fields as float64 numbers).
   * @returns `[null, null]` when slope is 0, NaN or ±inf (no scaling) or the datatype is
   *   RGB24/RGBA32 (spec; reliability.md H25), else `[slope, inter]`
   * @throws {HeaderDataError} `INVALID_INTERCEPT` for a valid slope with a non-finite
   *   intercept (nibabel; `fromBytes` already refuses such a file)
   */
  override getSlopeInter(): [number | null, number | null] {
    return readSlopeInter(this.struct);
  }

  /**
   * Sets scl_slope/scl_inter; null means NaN ("compute on save", nibabel's convention).
   * @param slope the slope, or null
   * @param inter the intercept, or null
   * @throws {HeaderDataError} for slope 0/±inf, inter ±inf, or exactly one of them NaN
   */
  override setSlopeInter(slope: number | null, inter: number | null = null): void {
    writeSlopeInter(this.struct, slope, inter);
  }

  // ---------------------------------------------------------------- affines

  /**
   * The unit quaternion `[w, x, y, z]` from quatern_b/c/d (w ≥ 0; w = 0 when |w²| is below
   * the class threshold, as nibabel HEAD).
   * @returns the quaternion
   * @throws {HeaderDataError} `BAD_QUATERN` when b² + c² + d² is clearly above 1
   */
  getQformQuaternion(): Quaternion {
    return qformQuaternion(this.struct, this.klass.quaternionThreshold);
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
    return codedXform(this.struct, 'qform_code', opts.coded, () => qformAffine(this.struct, this.klass.quaternionThreshold));
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
    this.struct.set('qform_code', xformCode(this.struct, 'qform_code', affine, code));
    if (affine === null) return;
    writeQform(this.struct, affine, opts.stripShears ?? opts.strip_shears ?? true);
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
    return codedXform(this.struct, 'sform_code', opts.coded, () => sformAffine(this.struct));
  }

  /**
   * Sets the sform rows from an affine; the code rule is as for `setQform`.
   * @param affine 4×4 affine, or null to set only the code
   * @param code code or label, or null
   * @throws {TypeError} when the affine is not 4×4
   * @throws {RangeError} for an unknown code
   */
  setSform(affine: MatrixLike | null, code: CodeLike | null = null): void {
    this.struct.set('sform_code', xformCode(this.struct, 'sform_code', affine, code));
    if (affine === null) return;
    writeSform(this.struct, affine);
  }

  /**
   * The affine an image should use (nibabel `get_best_affine`): the sform if sform_code ≠ 0,
   * else the qform if qform_code ≠ 0, else the base affine. reliability.md H30: a chosen
   * transform that is unusable (non-finite, or a qform that cannot be computed) is skipped,
   * so the result is always finite.
   * @returns the 4×4 affine
   */
  override getBestAffine(): Matrix {
    return bestAffine(this.struct, () => this.getSform(), () => this.getQform(), () => this.finiteBaseAffine());
  }

  /**
   * Writes an affine into the header as nibabel's NIfTI images do before saving
   * (`_affine2header`): sform with code 2 ('aligned'), qform with code 0 ('unknown').
   * @param affine a 4×4 affine
   */
  override setFromAffine(affine: readonly (readonly number[])[]): void {
    this.setSform(affine as MatrixLike, 2);
    this.setQform(affine as MatrixLike, 0);
  }

  // ---------------------------------------------------------------- copy and serialisation

  /**
   * An independent copy of the header fields; the extension list is new but holds the same
   * extension objects (nibabel `copy`). Warnings are copied.
   * @returns the copy
   */
  override copy(): this {
    const c = super.copy();
    c.extensions = [...this.extensions];
    return c;
  }

  /** @internal a new header of the same class, single or pair as this one */
  protected override emptyLike(): this {
    return new (this.constructor as new (o?: NiftiHeaderOptions) => this)({ isSingle: this.single });
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
  override toBytes(): Uint8Array {
    const vo = this.single ? this.rawVoxOffset() : 0;
    return headerFileBytes(this.struct.copy(), this.extensions, this.single, vo, this.klass.singleVoxOffset);
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
