/**
 * The FreeSurfer MGH header (`.mgh`, and `.mgz` once gunzipped): a port of nibabel's
 * `freesurfer/mghformat.py` `MGHHeader`. Format: FreeSurfer's MghFormat page
 * (https://surfer.nmr.mgh.harvard.edu/fswiki/FsTutorial/MghFormat).
 *
 * Layout and type codes (mgh-layout.ts, always big-endian): 90 bytes of header fields
 * (version, dims, type, dof, goodRASFlag, delta, Mdc, Pxyz_c), zero-padded to 284, where the
 * data start; after the data an optional 20-byte footer (tr, flip_angle, te, ti, fov). A
 * missing or short footer reads as zeros.
 *
 * Contract (nibabel's, with typed errors where nibabel's are untyped):
 * - The struct holds header + footer (110 bytes, nibabel's `binaryblock`); `get`/`set` take
 *   nibabel's field names for both; `Mdc` comes back 3×3 as stored.
 * - `goodRASFlag` 0 means "no geometry": on construction the geometry fields are replaced by
 *   nibabel's defaults (delta 1, Mdc [[-1,0,0],[0,0,1],[0,-1,0]], Pxyz_c 0, flag 1), with a
 *   `GOOD_RAS_FLAG_0` warning. Geometry fields that are not finite, or that give an affine
 *   past float32's range, get the same fix (`NONFINITE_GEOMETRY`) so the best affine is always
 *   finite — nibabel would return a NaN or infinite affine.
 * - Shape: the 4th dim (frames) is dropped when it is 1; zooms are delta, plus TR for 4-D.
 * - Dtypes (type codes): 0 uint8, 1 int32, 3 float32, 4 int16, 10 uint16 (nibabel HEAD's).
 * - Affine: M = Mdcᵀ·diag(delta); translation = Pxyz_c − M·(dims/2) — the centre is dims/2,
 *   not (dims − 1)/2. Every entry is a float32 value, as nibabel's affine is a float32 array.
 * - No scaling: `getSlopeInter()` is `[null, null]`.
 */
import { type DType, dtypeInfo } from '../dtypes.js';
import { HeaderDataError, type HeaderWarning, ImageFileError } from '../errors.js';
import { fromMatvec, shapeZoomAffine, voxelSizes } from '../affines.js';
import { type Matrix, type MatrixLike, inv4, isFiniteMatrix } from '../linalg.js';
import { INSPECT, formatValue, prettyMapping } from '../printing.js';
import {
  MGH_DATA_OFFSET,
  MGH_FOOTER_SIZE,
  MGH_HEADER_SIZE,
  MGH_LAYOUT as LAYOUT,
  MGH_TYPES,
  mghDtype,
  mghTypeCode,
} from './mgh-layout.js';
import { type SpatialHeader, dataByteSize } from './spatial-header.js';
import { type StructLayout, WrapStruct } from './wrapstruct.js';

const DEFAULT_MDC = [-1, 0, 0, 0, 0, 1, 0, -1, 0];
const GEOMETRY = ['delta', 'Mdc', 'Pxyz_c'] as const;
const INT32_MAX = 2147483647;

/** A value as `MGHHeader.get` returns it (`Mdc` is 3×3). */
export type MGHFieldValue = number | number[] | number[][];

/** Options of `MGHHeader.fromBytes`. */
export interface MGHFromBytesOptions {
  /** The bytes after the data (up to 20 are used; fewer are zero-padded, with a warning). */
  footer?: Uint8Array;
  /** Run the validity checks (default true). With false, any 90 bytes parse. */
  checks?: boolean;
}

/** nibabel's `MGHHeader` (see the file comment). */
export class MGHHeader implements SpatialHeader {
  /** How many leading bytes `mayContainHeader` wants (the header fields proper). */
  static readonly sniffBytes: number = MGH_HEADER_SIZE;
  /** The field table: header then footer fields. */
  static readonly layout: StructLayout = LAYOUT;
  /** Always big-endian. */
  readonly endianness = '>' as const;
  /** What was fixed or found while reading (nibabel fixes these silently). */
  warnings: HeaderWarning[] = [];
  private struct: WrapStruct;

  /**
   * A default header (nibabel's `default_structarr`): version 1, dims 1, float32, the
   * default geometry (delta 1, Mdc [[-1,0,0],[0,0,1],[0,-1,0]], Pxyz_c 0), footer zeros.
   */
  constructor() {
    this.struct = new WrapStruct(LAYOUT, undefined, '>');
    this.struct.set('version', 1);
    this.struct.set('dims', 1);
    this.struct.set('type', 3);
    this.setDefaultGeometry();
  }

  /** nibabel `_set_affine_default`. */
  private setDefaultGeometry(): void {
    this.struct.set('goodRASFlag', 1);
    this.struct.set('delta', 1);
    this.struct.set('Mdc', DEFAULT_MDC);
    this.struct.set('Pxyz_c', 0);
  }

  /** What nibabel's `__init__` does to any block: no geometry → defaults (plus our finiteness fix). */
  private fixGeometry(): void {
    const flag = this.struct.getNumber('goodRASFlag');
    // Finite fields can still give an affine past float32's range (nibabel: ±inf).
    const finite = GEOMETRY.every((f) => this.struct.getArray(f).every(Number.isFinite)) && isFiniteMatrix(this.getAffine());
    if (flag !== 0 && finite) return;
    const [code, message] = flag === 0
      ? ['GOOD_RAS_FLAG_0', 'goodRASFlag is 0 (no geometry): default delta, Mdc and Pxyz_c used']
      : ['NONFINITE_GEOMETRY', 'delta, Mdc or Pxyz_c (or the affine they give) is not finite: default geometry used'];
    this.warnings.push({ code, field: flag === 0 ? 'goodRASFlag' : 'Mdc', message, found: flag, used: 1 });
    this.setDefaultGeometry();
  }

  /**
   * Parses the header fields (the first 90 bytes) and an optional footer.
   * @param bytes the start of the file: at least 90 bytes (more are ignored)
   * @param opts `footer`: the bytes right after the data; `checks` (default true)
   * @returns the header; fixes made are in `warnings`
   * @throws {ImageFileError} `TRUNCATED_HEADER` for fewer than 90 bytes
   * @throws {HeaderDataError} `BAD_VERSION` (version ≠ 1), `BAD_DIM` (a dim ≤ 0),
   *   `SIZE_OVERFLOW` (data bytes past 2^53)
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE` (feature `dtype:mgh-<code>`) for an unknown type code
   */
  static fromBytes(bytes: Uint8Array, opts: MGHFromBytesOptions = {}): MGHHeader {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('fromBytes expects a Uint8Array');
    if (bytes.length < MGH_HEADER_SIZE) {
      throw new ImageFileError(
        bytes.length === 0 ? 'Empty file: no MGH header bytes' : `File too short for an MGH header: ${bytes.length} bytes, need ${MGH_HEADER_SIZE}`,
        { code: 'TRUNCATED_HEADER' },
      );
    }
    const block = new Uint8Array(LAYOUT.size);
    block.set(bytes.subarray(0, MGH_HEADER_SIZE));
    const footer = opts.footer;
    if (footer !== undefined) {
      if (!(footer instanceof Uint8Array)) throw new TypeError('opts.footer must be a Uint8Array');
      block.set(footer.subarray(0, MGH_FOOTER_SIZE), MGH_HEADER_SIZE);
    }
    const hdr = new this();
    hdr.struct = new WrapStruct(LAYOUT, block, '>');
    if (opts.checks ?? true) hdr.check();
    if (footer !== undefined && footer.length < MGH_FOOTER_SIZE) {
      hdr.warnings.push({
        code: 'FOOTER_MISSING',
        field: 'tr',
        message: `the file ends ${footer.length} byte(s) into the 20-byte footer after the data: missing footer fields read as 0`,
        found: footer.length,
        used: MGH_FOOTER_SIZE,
      });
    }
    hdr.fixGeometry();
    return hdr;
  }

  /** The file-level checks: version, dims, type, size (nibabel `chk_version` + `from_fileobj`). */
  private check(): void {
    const version = this.struct.getNumber('version');
    if (version !== 1) {
      throw new HeaderDataError(`Unknown MGH format version ${version} (must be 1)`, { code: 'BAD_VERSION' });
    }
    const dims = this.struct.getArray('dims');
    if (dims.some((d) => d <= 0)) {
      throw new HeaderDataError(`Dimensions of the data should be positive, got (${dims.join(', ')})`, { code: 'BAD_DIM' });
    }
    this.getDataDtype();
    this.getDataBytes();
  }

  /**
   * Sniff: version 1 (big-endian), four positive dims and a known type code. NIfTI and
   * Analyze files (sizeof_hdr 348/540 where the version is) and text never pass.
   * @param head the first bytes of the (decompressed) file; 24 are enough
   * @returns whether an MGH header may start here
   */
  static mayContainHeader(head: Uint8Array): boolean {
    if (!(head instanceof Uint8Array) || head.length < 24) return false;
    const v = new DataView(head.buffer, head.byteOffset, 24);
    if (v.getInt32(0, false) !== 1) return false;
    for (let i = 0; i < 4; i++) if (v.getInt32(4 + 4 * i, false) <= 0) return false;
    return MGH_TYPES.has(v.getInt32(20, false));
  }

  /**
   * nibabel's `from_header`: an MGH header is copied (and checked); any other header, or
   * none, gives a fresh default header — nibabel takes nothing from a foreign header.
   * @param header the source header, or null/undefined
   * @param opts `checks` on a copied MGH header (default true)
   * @returns a new MGH header
   * @throws {HeaderDataError} `BAD_VERSION` when a copied header's version is not 1
   */
  static fromHeader(header?: SpatialHeader | MGHHeader | null, opts: { checks?: boolean } = {}): MGHHeader {
    if (!(header instanceof MGHHeader)) return new this();
    const c = header.copy();
    if (opts.checks ?? true) {
      const version = c.struct.getNumber('version');
      if (version !== 1) throw new HeaderDataError(`Unknown MGH format version ${version} (must be 1)`, { code: 'BAD_VERSION' });
    }
    return c;
  }

  /** Header + footer bytes (110), nibabel's `binaryblock`. */
  get binaryblock(): Uint8Array {
    return this.struct.binaryblock;
  }

  /** @returns the field names: header fields, then footer fields (nibabel `keys()`) */
  keys(): string[] {
    return this.struct.keys();
  }

  /**
   * @param name a field name
   * @returns whether the header has that field
   */
  has(name: string): boolean {
    return LAYOUT.has(name);
  }

  /**
   * A field by nibabel's name (`hdr['delta']`); `Mdc` comes back as 3 rows of 3.
   * @param name e.g. `'dims'`, `'Mdc'`, `'tr'`
   * @returns the value
   * @throws {RangeError} for an unknown field
   */
  get(name: string): MGHFieldValue {
    const v = this.struct.get(name) as number | number[];
    if (name !== 'Mdc') return v;
    const m = v as number[];
    return [m.slice(0, 3), m.slice(3, 6), m.slice(6, 9)];
  }

  /**
   * Sets a field (numpy's conversions: float32 rounding, integer truncation, a scalar fills
   * an array field). `Mdc` takes 3×3 or 9 numbers.
   * @param name field name
   * @param value the value
   * @throws {RangeError} for an unknown field or a value that does not fit
   * @throws {TypeError} for a value of the wrong kind
   */
  set(name: string, value: MGHFieldValue): void {
    const flat = Array.isArray(value) && value.some(Array.isArray) ? (value as number[][]).flat() : value;
    this.struct.set(name, flat as number | number[]);
  }

  /**
   * The on-disk dtype from the type code.
   * @returns the dtype name
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE`, feature `dtype:mgh-<code>`, for an unknown code
   */
  getDataDtype(): DType {
    return mghDtype(this.struct.getNumber('type'));
  }

  /**
   * Sets the type code.
   * @param dtype a dtype name or an MGH type code (0, 1, 3, 4, 10) — not a NIfTI code
   * @throws {HeaderDataError} `UNSUPPORTED_DATATYPE` for other dtypes (float64, int8, …)
   */
  setDataDtype(dtype: DType | number): void {
    this.struct.set('type', mghTypeCode(dtype));
  }

  /** @returns the shape: dims, without the frame count when it is 1 */
  getDataShape(): number[] {
    const dims = this.struct.getArray('dims');
    return dims[3] === 1 ? dims.slice(0, 3) : dims;
  }

  /**
   * Sets dims (padded with 1 to four) and, as nibabel does, resets delta to 1.
   * @param shape up to 4 non-negative integers below 2^31
   * @throws {HeaderDataError} `BAD_SHAPE` for more than 4 axes or sizes that do not fit
   */
  setDataShape(shape: readonly number[]): void {
    if (shape.length > 4) {
      throw new HeaderDataError(`Shape may be at most 4 dimensional, got (${shape.join(', ')})`, { code: 'BAD_SHAPE' });
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0 && d <= INT32_MAX)) {
      throw new HeaderDataError(`shape (${shape.join(', ')}) does not fit MGH dims (int32)`, { code: 'BAD_SHAPE' });
    }
    this.struct.set('dims', [...shape, ...new Array<number>(4 - shape.length).fill(1)]);
    this.struct.set('delta', 1);
  }

  /** @returns delta (three voxel sizes), and TR as a fourth zoom for 4-D data */
  getZooms(): number[] {
    const delta = this.struct.getArray('delta');
    return this.struct.getElement('dims', 3) > 1 ? [...delta, this.struct.getNumber('tr')] : delta;
  }

  /**
   * Sets delta and, with a fourth value, TR.
   * @param zooms 3 positive voxel sizes (1 value fills all three), optionally a TR ≥ 0
   * @throws {HeaderDataError} `BAD_ZOOMS` for more values than axes, non-positive or
   *   non-finite voxel sizes, or a negative TR
   */
  setZooms(zooms: readonly number[]): void {
    const ndim = this.getDataShape().length;
    const bad = (msg: string): never => {
      throw new HeaderDataError(msg, { code: 'BAD_ZOOMS' });
    };
    if (zooms.length > ndim) bad(`Expecting ${ndim} zoom values, got ${zooms.length}`);
    if (zooms.length === 2 || zooms.length === 0) bad(`Expecting 3 spatial zooms, got ${zooms.length}`);
    const spatial = zooms.slice(0, 3);
    if (!spatial.every((z) => z > 0 && Number.isFinite(z))) bad(`Spatial (first three) zooms must be positive; got (${spatial.join(', ')})`);
    if (zooms.length === 4 && !(zooms[3]! >= 0)) bad(`TR must be non-negative; got ${zooms[3]}`);
    this.struct.set('delta', spatial.length === 1 ? spatial[0]! : spatial);
    if (zooms.length === 4) this.struct.set('tr', zooms[3]!);
  }

  /** @returns 284: where the data start */
  getDataOffset(): number {
    return MGH_DATA_OFFSET;
  }

  /**
   * Bytes of the data: itemsize × all four dims, computed exactly (nibabel `get_data_size`).
   * @returns the byte count
   * @throws {HeaderDataError} `SIZE_OVERFLOW` past 2^53; `BAD_DIM` for a negative dim
   * @throws {UnsupportedError} for an unknown type code
   */
  getDataBytes(): number {
    return dataByteSize(this.struct.getArray('dims'), dtypeInfo(this.getDataDtype()).itemsize);
  }

  /**
   * @returns where the footer starts: right after the data
   * @throws as `getDataBytes`
   */
  getFooterOffset(): number {
    return MGH_DATA_OFFSET + this.getDataBytes();
  }

  /** @returns `[null, null]`: MGH has no scaling */
  getSlopeInter(): [number | null, number | null] {
    return [null, null];
  }

  /**
   * The voxel → RAS affine (nibabel `get_affine`): Mdcᵀ·diag(delta), centred on dims/2.
   * @returns a 4×4 affine
   */
  getAffine(): Matrix {
    const mdc = this.struct.getArray('Mdc');
    const delta = this.struct.getArray('delta');
    const dims = this.struct.getArray('dims');
    const pc = this.struct.getArray('Pxyz_c');
    // numpy: float32 Mdc.T * float32 delta stays float32; the dot with int dims is float64.
    const m = [0, 1, 2].map((i) => [0, 1, 2].map((j) => Math.fround(mdc[3 * j + i]! * delta[j]!)));
    // from_matvec builds the affine in the matrix's dtype: the translation is float32 too.
    const t = [0, 1, 2].map((i) => Math.fround(pc[i]! - (m[i]![0]! * dims[0]! + m[i]![1]! * dims[1]! + m[i]![2]! * dims[2]!) / 2));
    return fromMatvec(m, t);
  }

  /** @returns the affine images use: `getAffine()` (nibabel `get_best_affine`) */
  getBestAffine(): Matrix {
    return this.getAffine();
  }

  /** @returns the affine: `getAffine()` (nibabel `get_vox2ras`) */
  getVox2ras(): Matrix {
    return this.getAffine();
  }

  /**
   * FreeSurfer's tkregister vox2ras ("Torig"), in float32 values as nibabel returns it.
   * @returns a 4×4 affine
   */
  getVox2rasTkr(): Matrix {
    const ds = this.struct.getArray('delta');
    const dims = this.struct.getArray('dims');
    const ns = [0, 1, 2].map((i) => Math.fround((dims[i]! * ds[i]!) / 2));
    const f = Math.fround;
    return [
      [-f(ds[0]!), 0, 0, ns[0]!],
      [0, 0, f(ds[2]!), -ns[2]!],
      [0, -f(ds[1]!), 0, ns[1]!],
      [0, 0, 0, 1],
    ];
  }

  /**
   * The inverse of `getAffine()` (nibabel `get_ras2vox`).
   * @returns a 4×4 affine
   * @throws {HeaderDataError} `SINGULAR_AFFINE` when the affine has no inverse (zero delta or Mdc)
   */
  getRas2vox(): Matrix {
    try {
      return inv4(this.getAffine());
    } catch (err) {
      throw new HeaderDataError('the MGH affine is singular: no ras2vox', { code: 'SINGULAR_AFFINE', cause: err });
    }
  }

  /**
   * The centre-origin affine from shape and zooms (nibabel's `SpatialHeader.get_base_affine`).
   * @returns a 4×4 affine
   */
  getBaseAffine(): Matrix {
    return shapeZoomAffine(this.getDataShape().slice(0, 3), this.getZooms().slice(0, 3), true);
  }

  /**
   * Stores an affine in delta, Mdc and Pxyz_c (nibabel's `MGHImage._affine2header`): delta =
   * column norms, Mdc = the normalised columns (stored transposed), Pxyz_c = affine·(shape/2).
   * @param affine a 4×4 voxel → world affine
   * @param shape the spatial shape the centre refers to (default: the header's)
   * @throws {HeaderDataError} `BAD_AFFINE` for a non-finite affine or a zero-length column
   */
  setAffine(affine: MatrixLike, shape?: readonly number[]): void {
    if (affine.length !== 4 || affine.some((r) => r.length !== 4) || !isFiniteMatrix(affine)) {
      throw new HeaderDataError('an MGH affine must be a finite 4×4 matrix', { code: 'BAD_AFFINE' });
    }
    const vox = voxelSizes(affine);
    if (!vox.every((v) => v > 0)) {
      throw new HeaderDataError(`affine has a zero-length column (voxel sizes ${vox.join(', ')}): no direction cosines`, {
        code: 'BAD_AFFINE',
      });
    }
    const sh = (shape ?? this.getDataShape()).slice(0, 3);
    while (sh.length < 3) sh.push(1);
    const mdc: number[] = [];
    for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) mdc.push(affine[i]![j]! / vox[j]!);
    const centre = [0, 1, 2].map((i) => affine[i]![0]! * (sh[0]! / 2) + affine[i]![1]! * (sh[1]! / 2) + affine[i]![2]! * (sh[2]! / 2) + affine[i]![3]!);
    this.struct.set('delta', vox);
    this.struct.set('Mdc', mdc);
    this.struct.set('Pxyz_c', centre);
  }

  /**
   * An independent copy (nibabel `copy`, which rebuilds from the bytes: a goodRASFlag of 0
   * set since gets the default geometry again). Warnings are copied.
   * @returns the copy
   */
  copy(): this {
    const c = new (this.constructor as new () => this)();
    c.struct = this.struct.copy();
    c.warnings = [...this.warnings];
    c.fixGeometry();
    return c;
  }

  /** @returns the 284 bytes before the data: the 90 header bytes, then zeros (nibabel `writehdr_to`) */
  toBytes(): Uint8Array {
    const out = new Uint8Array(MGH_DATA_OFFSET);
    out.set(this.struct.binaryblock.subarray(0, MGH_HEADER_SIZE));
    return out;
  }

  /** @returns the 20 footer bytes written after the data (nibabel `writeftr_to`) */
  footerBytes(): Uint8Array {
    return this.struct.binaryblock.slice(MGH_HEADER_SIZE, MGH_HEADER_SIZE + MGH_FOOTER_SIZE);
  }

  /**
   * Every field, as nibabel's `str(header)` (`LabeledWrapStruct.__str__`; MGH has no coded
   * fields): `<class 'MGHHeader'> object, endian='>'`, then `name  : value` lines, header
   * fields then footer fields, numbers as numpy prints them (`Mdc` as a 3×3 array).
   * @returns the text
   */
  toString(): string {
    const entries = LAYOUT.fields.map((f) => {
      const kind = f.type === 'f4' ? 'f4' : 'int';
      const values = this.struct.getArray(f.name);
      return [f.name, formatValue(f.isArray ? values : values[0]!, kind, f.name === 'Mdc' ? [3, 3] : undefined)] as const;
    });
    return `<class '${this.constructor.name}'> object, endian='${this.endianness}'\n${prettyMapping(entries)}`;
  }

  /** @returns `toString()`, for Node's `util.inspect` and `console.log` */
  [INSPECT](): string {
    return this.toString();
  }
}

