/**
 * The Analyze 7.5 header (port of nibabel's `analyze.py` `AnalyzeHeader`): the 348-byte
 * Mayo `dbh.h` layout (analyze-layout.ts) and what the Analyze family means by its fields —
 * dtype, shape, zooms, data offset, scaling and affine. Parsing, checks, field access and
 * copying are `LabeledWrapStruct`'s (labeled-wrapstruct.ts). SPM99 and SPM2
 * (spm99analyze-header.ts, spm2analyze-header.ts) and NIfTI-1/2 (nifti1-header.ts,
 * nifti2-header.ts) build on this class, as nibabel's headers do.
 *
 * Contract:
 * - Methods are nibabel's in camelCase; tuples are arrays; keyword arguments an options object.
 * - Each class's data types are its own (`dataTypeCodes`: Analyze has uint8, int16, int32,
 *   float32, complex64, float64 and RGB only); its checks are a list of small functions that
 *   subclasses extend (`checks`, analyze-checks.ts); its scaling (`getSlopeInter`) and
 *   affine (`getBestAffine`) are its own. Plain Analyze has no scaling and the base affine.
 * - The byte order is guessed from dim[0] as nibabel's `guessed_endian` does.
 */
import { type DType, type DTypeInfo, dtypeFromNiftiCode, dtypeInfo } from '../dtypes.js';
import { HeaderDataError, NibwebError, UnsupportedError } from '../errors.js';
import { shapeZoomAffine } from '../affines.js';
import { type Matrix, eye, isFiniteMatrix } from '../linalg.js';
import { ANALYZE_CHECKS, rawDim0 } from './analyze-checks.js';
import type { HeaderCheck as Check } from './batteryrunners.js';
import { LabeledWrapStruct } from './labeled-wrapstruct.js';
import { ANALYZE_DATATYPE_LABELS, ANALYZE_LAYOUT, type SpatialHeaderLike } from './analyze-layout.js';
import type { Recoder } from './recoder.js';
import { type SpatialHeader, dataByteSize, resolveDType } from './spatial-header.js';
import { type Endianness, NATIVE_CODE, SWAPPED_CODE, type StructLayout, WrapStruct } from './wrapstruct.js';

export { ANALYZE_DATATYPE_LABELS, ANALYZE_FIELDS, ANALYZE_LAYOUT, asFileError } from './analyze-layout.js';
export type { CodeLike, FromBytesOptions, HeaderOptions, SpatialHeaderLike } from './analyze-layout.js';

/** The Analyze 7.5 header; the base of the SPM and NIfTI headers. */
export class AnalyzeHeader extends LabeledWrapStruct implements SpatialHeader {
  /** The binary layout. */
  static override readonly layout: StructLayout = ANALYZE_LAYOUT;
  /** Size of the header proper (the `sizeof_hdr` value). */
  static readonly sizeofHdr: number = 348;
  /** `sizeof_hdr` values of this family: anything else is not such a header. */
  static readonly validSizes: readonly number[] = [348];
  /** The error code for bytes that are not this family's header at all. */
  static readonly notFormatCode: string = 'NOT_ANALYZE';
  /** The format as messages name it ("… is not valid for a NIfTI-1 header"). */
  static readonly formatName: string = 'an Analyze';
  /** The datatype codes this class reads and writes (nibabel's `_data_type_codes`). */
  static readonly dataTypeCodes: ReadonlySet<number> = new Set([2, 4, 8, 16, 32, 64, 128]);
  /** Coded fields and their label tables, for `getValueLabel`. */
  static override readonly fieldRecoders: Readonly<Record<string, Recoder>> = { datatype: ANALYZE_DATATYPE_LABELS };
  /** nibabel's `has_data_slope` / `has_data_intercept`: what the writer may use. */
  static readonly hasDataSlope: boolean = false;
  static readonly hasDataIntercept: boolean = false;
  /** The slope is the raw float32 header value, so scaled data stay float32 (SPM99). */
  static readonly float32Slope: boolean = false;
  /** The base affine flips x (radiological storage), as nibabel's `default_x_flip`. */
  static readonly defaultXFlip: boolean = true;
  /** The check battery, in order (nibabel's `_get_checks`). */
  static override readonly checks: readonly Check[] = ANALYZE_CHECKS;

  /** @internal the statics of the concrete class */
  override get klass(): typeof AnalyzeHeader {
    return this.constructor as typeof AnalyzeHeader;
  }

  /**
   * nibabel's `default_structarr` for this class (dim[0] = 0, dims 1, pixdims 1, float32).
   * @param endianness byte order
   * @returns the default struct
   */
  protected static override defaultStruct(endianness: Endianness): WrapStruct {
    const s = super.defaultStruct(endianness);
    s.set('sizeof_hdr', this.sizeofHdr);
    s.set('dim', [0, 1, 1, 1, 1, 1, 1, 1]);
    s.set('pixdim', 1);
    s.set('datatype', 16);
    s.set('bitpix', 32);
    return s;
  }

  /** @internal what the shared checks need to know about the class */
  get checkFacts(): { sizeofHdr: number; validSizes: readonly number[]; notFormatCode: string; formatName: string } {
    const K = this.klass;
    return { sizeofHdr: K.sizeofHdr, validSizes: K.validSizes, notFormatCode: K.notFormatCode, formatName: K.formatName };
  }

  /** Size of the header proper. */
  get sizeofHdr(): number {
    return this.klass.sizeofHdr;
  }

  // ---------------------------------------------------------------- parsing and sniffing

  /**
   * nibabel's `guessed_endian`: dim[0] in 1..7 read natively → native; dim[0] = 0 → swapped
   * only if the byte-swapped sizeof_hdr is this class's size; anything else → swapped.
   * @param bytes at least the header's bytes
   * @returns the byte order to read the header with
   */
  static override guessedEndian(bytes: Uint8Array): Endianness {
    const s = new WrapStruct(this.layout, bytes.subarray(0, this.layout.size), NATIVE_CODE);
    const dim0 = rawDim0(s);
    if (dim0 === 0) {
      return s.reinterpreted(SWAPPED_CODE).getNumber('sizeof_hdr') === this.sizeofHdr ? SWAPPED_CODE : NATIVE_CODE;
    }
    if (dim0 >= 1 && dim0 <= 7) return NATIVE_CODE;
    return SWAPPED_CODE;
  }

  /**
   * nibabel's `may_contain_header`: enough bytes and `sizeof_hdr` equal to this class's size
   * in either byte order.
   * @param bytes the start of a file
   * @returns whether a header of this class may start here
   */
  static mayContainHeader(bytes: Uint8Array): boolean {
    if (!(bytes instanceof Uint8Array) || bytes.length < this.layout.size) return false;
    const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
    return v.getInt32(0, true) === this.sizeofHdr || v.getInt32(0, false) === this.sizeofHdr;
  }

  /**
   * A header of this class from another header (nibabel `from_header`): the same class → a
   * copy; another Analyze-family header → field by field for the fields both know (the
   * format's identity fields are the target's own), then dtype, shape and zooms; any other
   * header → dtype, shape and zooms.
   * @param header the source header, or null for a default header
   * @param opts `checks`: run `checkFix` on the result (default true)
   * @returns a new header of this class
   * @throws {HeaderDataError} `UNSUPPORTED_DATATYPE` when the source dtype does not fit this format
   */
  static fromHeader<T extends typeof AnalyzeHeader>(
    this: T,
    header?: SpatialHeaderLike | null,
    opts: { checks?: boolean } = {},
  ): InstanceType<T> {
    const checks = opts.checks ?? true;
    if (header instanceof AnalyzeHeader && header.constructor === this) {
      const c = header.copy() as InstanceType<T>;
      if (checks) c.warnings.push(...c.checkFix());
      return c;
    }
    const obj = new this() as InstanceType<T>;
    if (header == null) return obj;
    // Any header that is a field mapping (nibabel's `as_analyze_map`): the fields both know,
    // but the format's identity fields are the target's own (`_clean_after_mapping`).
    const mapping = header as Partial<Pick<AnalyzeHeader, 'keys' | 'get'>>;
    if (typeof mapping.keys === 'function' && typeof mapping.get === 'function') {
      const skip = new Set(['sizeof_hdr', 'magic', 'eol_check']);
      for (const key of mapping.keys.call(header)) {
        if (skip.has(key) || !obj.struct.layout.has(key)) continue;
        try {
          obj.struct.set(key, mapping.get.call(header, key));
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
    obj.afterMapping(header);
    if (checks) obj.warnings.push(...obj.checkFix());
    return obj;
  }

  /** @internal nibabel's `_clean_after_mapping`: fix what the mapping may have copied wrongly */
  protected afterMapping(_from: SpatialHeaderLike): void {}

  /** @internal vox_offset as stored */
  rawVoxOffset(): number {
    return this.struct.getNumber('vox_offset');
  }

  /** @internal the dims as bigints (exact for NIfTI-2's int64) */
  rawDims(): bigint[] {
    return this.struct.getArray('dim').map((d) => BigInt(d));
  }

  /** @internal nibabel's FreeSurfer large-vector hack, NIfTI-1 only */
  isFreesurferVector(_dims: bigint[], _i: number): boolean {
    return false;
  }

  /** @internal item size of the on-disk dtype (throws for a code this class lacks) */
  dataItemsize(): number {
    return this.dataTypeInfo().itemsize;
  }

  /** @internal the dtype row of the datatype code, if this class supports it */
  protected dataTypeInfo(): DTypeInfo {
    const code = this.struct.getNumber('datatype');
    const K = this.klass;
    if (!K.dataTypeCodes.has(code)) {
      const info = (() => {
        try {
          return dtypeFromNiftiCode(code);
        } catch {
          return null;
        }
      })();
      throw new UnsupportedError(
        info ? `datatype ${code} (${info.name}) is not an ${K.name} datatype` : `datatype code ${code} is not a known ${K.name} datatype`,
        { code: 'UNSUPPORTED_DATATYPE', feature: `datatype:${info?.name ?? code}` },
      );
    }
    return dtypeFromNiftiCode(code);
  }

  // ---------------------------------------------------------------- dtype, shape, zooms

  /**
   * The on-disk dtype (its byte order is `endianness`).
   * @returns the dtype name
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE` for codes this class does not read
   */
  getDataDtype(): DType {
    return this.dataTypeInfo().name;
  }

  /**
   * Sets datatype and bitpix.
   * @param dtype a dtype name or datatype code
   * @throws {TypeError} for the unsized `'int'`
   * @throws {UnsupportedError} for an unknown dtype
   * @throws {HeaderDataError} `UNSUPPORTED_DATATYPE` for a dtype this class cannot store
   */
  setDataDtype(dtype: DType | number): void {
    const info = dtypeInfo(resolveDType(dtype));
    if (!this.klass.dataTypeCodes.has(info.code)) {
      throw new HeaderDataError(`data dtype "${info.name}" known but not supported by ${this.klass.name}`, { code: 'UNSUPPORTED_DATATYPE' });
    }
    this.struct.set('datatype', info.code);
    this.struct.set('bitpix', info.itemsize * 8);
  }

  /** @internal dim[0], checked */
  protected ndim(): number {
    const d0 = this.struct.getElement('dim', 0);
    if (d0 < 0 || d0 > 7) throw new HeaderDataError(`dim[0] = ${d0} is not in 0..7`, { code: 'BAD_DIM0' });
    return d0;
  }

  /**
   * The array shape `dim[1..dim[0]]` (`[0]` when dim[0] is 0).
   * @returns the shape
   * @throws {HeaderDataError} `BAD_DIM0` for dim[0] outside 0..7
   */
  getDataShape(): number[] {
    const ndim = this.ndim();
    if (ndim === 0) return [0];
    return this.struct.getArray('dim').slice(1, ndim + 1);
  }

  /**
   * Sets the shape: dim[0] = ndim, dims set, unused dims 1, pixdim beyond ndim 1 (nibabel).
   * @param shape up to 7 non-negative integers
   * @throws {HeaderDataError} when the shape does not fit the dim field
   */
  setDataShape(shape: readonly number[]): void {
    this.setDims(shape);
  }

  /** @internal Analyze's set_data_shape */
  protected setDims(shape: readonly number[]): void {
    const ndim = shape.length;
    const f = this.struct.layout.field('dim');
    const max = f.type === 'i2' ? 32767 : Number.MAX_SAFE_INTEGER;
    const fits = ndim <= 7 && shape.every((d) => Number.isSafeInteger(d) && d <= max && (d >= 0 || (d === -1 && f.type === 'i2')));
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
    return dataByteSize(this.getDataShape(), this.dataItemsize());
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

  // ---------------------------------------------------------------- scaling

  /**
   * Scale factor and intercept. Plain Analyze cannot store them.
   * @returns `[null, null]`
   */
  getSlopeInter(): [number | null, number | null] {
    return [null, null];
  }

  /**
   * Plain Analyze cannot store scaling: only "no scaling" (null/NaN/1 and null/NaN/0) is accepted.
   * @param slope null, NaN or 1
   * @param inter null, NaN or 0
   * @throws {HeaderDataError} `CANNOT_SCALE` for anything else (nibabel's `HeaderTypeError`)
   */
  setSlopeInter(slope: number | null, inter: number | null = null): void {
    const okSlope = slope === null || Number.isNaN(slope) || slope === 1;
    const okInter = inter === null || Number.isNaN(inter) || inter === 0;
    if (!(okSlope && okInter)) {
      throw new HeaderDataError('Cannot set slope != 1 or intercept != 0 for Analyze headers', { code: 'CANNOT_SCALE' });
    }
  }

  // ---------------------------------------------------------------- affines

  /**
   * The Analyze affine from shape and zooms (nibabel `get_base_affine`): x flipped, origin
   * at the volume centre.
   * @returns the 4×4 affine
   */
  getBaseAffine(): Matrix {
    const ndim = this.ndim();
    const dims = this.struct.getArray('dim').slice(1, ndim + 1);
    const zooms = this.struct.getArray('pixdim').slice(1, ndim + 1);
    return shapeZoomAffine(dims, zooms, this.klass.defaultXFlip);
  }

  /**
   * The affine an image of this class should use: for plain Analyze the base affine
   * (nibabel's `get_best_affine = get_base_affine`), always finite (reliability.md H30).
   * @returns the 4×4 affine
   */
  getBestAffine(): Matrix {
    return this.finiteBaseAffine();
  }

  /** @internal the base affine, or one from sanitised dims and zooms when that is not finite */
  protected finiteBaseAffine(): Matrix {
    let base: Matrix;
    try {
      base = this.getBaseAffine();
    } catch (err) {
      if (!(err instanceof NibwebError)) throw err;
      base = eye(4);
    }
    if (isFiniteMatrix(base)) return base;
    const ndim = Math.min(Math.max(this.struct.getElement('dim', 0), 0), 7);
    const dims = this.struct.getArray('dim').slice(1, ndim + 1).map((d) => (Number.isFinite(d) ? d : 1));
    const zooms = this.struct.getArray('pixdim').slice(1, ndim + 1).map((z) => (Number.isFinite(z) && z !== 0 ? Math.abs(z) : 1));
    return shapeZoomAffine(dims, zooms, this.klass.defaultXFlip);
  }

  /**
   * Writes what an affine says into the header, as nibabel's image classes do before saving
   * (`_affine2header`): for Analyze, the zooms are the affine's column norms.
   * @param affine a 4×4 affine
   */
  setFromAffine(affine: readonly (readonly number[])[]): void {
    const ndim = this.ndim();
    const z = this.getZooms();
    for (let j = 0; j < Math.min(3, ndim); j++) {
      z[j] = Math.sqrt(affine[0]![j]! ** 2 + affine[1]![j]! ** 2 + affine[2]![j]! ** 2);
    }
    if (ndim > 0) this.setZooms(z);
  }
}
