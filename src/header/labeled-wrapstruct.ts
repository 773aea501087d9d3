/**
 * The header as a labelled binary struct (nibabel's `wrapstruct.py` `WrapStruct` and
 * `LabeledWrapStruct`): what every fixed-layout header does whatever its format — parse from
 * bytes in a guessed byte order, run its check battery, give fields by nibabel's names with
 * code labels, copy, byte-swap and write itself. The Analyze family (analyze-header.ts and
 * its subclasses) adds the image meaning of the fields.
 *
 * Contract:
 * - The header is a `WrapStruct` (wrapstruct.ts) over its own bytes in the file's byte
 *   order, so `toBytes()` of a parsed header is byte-identical to what was read, in either
 *   byte order, unless a check fixed a field.
 * - A subclass gives its `layout`, `defaultStruct`, `guessedEndian`, `checks` (a list of
 *   small functions, batteryrunners.ts) and `fieldRecoders` (coded fields and their labels).
 * - `fromBytes` runs the battery: what nibabel raises on (level ≥ 40) throws a typed error
 *   with a stable `code`; what it fixes is fixed and reported on `hdr.warnings`. Parsing never
 *   lets a `RangeError`/`TypeError` escape: only the nibweb error family.
 * - `toString()` (and Node's `util.inspect`) prints every field as nibabel's `str(header)`
 *   does (`LabeledWrapStruct.__str__`): a class line, then `name  : value` in byte order, coded
 *   fields by label (printing.ts has numpy's number formats). It never throws.
 */
import { type HeaderWarning, ImageFileError } from '../errors.js';
import { INSPECT, type PrintKind, formatValue, prettyMapping } from '../printing.js';
import { type FromBytesOptions, type HeaderOptions, asFileError } from './analyze-layout.js';
import type { CheckContext, HeaderCheck } from './batteryrunners.js';
import type { Recoder } from './recoder.js';
import { type Endianness, type FieldValue, NATIVE_CODE, type StructLayout, WrapStruct } from './wrapstruct.js';

/** nibabel's `LabeledWrapStruct`: a binary header with named, checked, labelled fields. */
export class LabeledWrapStruct {
  /** The binary layout (each format sets its own). */
  static readonly layout: StructLayout;
  /** The check battery, in order (nibabel's `_get_checks`). */
  static readonly checks: readonly HeaderCheck[] = [];
  /** Coded fields and their label tables, for `getValueLabel`. */
  static readonly fieldRecoders: Readonly<Record<string, Recoder>> = {};

  /** What the checks fixed or found (nibabel logs these; we keep them for the caller). */
  warnings: HeaderWarning[] = [];
  /** @internal the struct over the header bytes */
  protected struct: WrapStruct;

  /**
   * A default header: the class's `defaultStruct` (nibabel's `default_structarr`), native
   * byte order unless told otherwise.
   * @param opts byte order
   */
  constructor(opts: HeaderOptions = {}) {
    this.struct = this.klass.defaultStruct(opts.endianness ?? NATIVE_CODE);
  }

  /** @internal the statics of the concrete class */
  get klass(): typeof LabeledWrapStruct {
    return this.constructor as typeof LabeledWrapStruct;
  }

  /**
   * nibabel's `default_structarr`: all zeros, in the given byte order.
   * @param endianness byte order
   * @returns the default struct
   */
  protected static defaultStruct(endianness: Endianness): WrapStruct {
    return new WrapStruct(this.layout, undefined, endianness);
  }

  /** The fields (nibabel's `structarr`); edit through `set` so checks and caches see it. */
  get structarr(): WrapStruct {
    return this.struct;
  }

  /** Byte order of the header and of the array: `'<'` or `'>'`. */
  get endianness(): Endianness {
    return this.struct.endianness;
  }

  /** The header bytes alone, in the header's byte order (nibabel `binaryblock`). */
  get binaryblock(): Uint8Array {
    return this.struct.binaryblock;
  }

  // ---------------------------------------------------------------- parsing

  /**
   * Parses a header from bytes (the header, and for NIfTI what follows it up to the data).
   * @param bytes the first bytes of the file (at least the header's size)
   * @param opts `checks` (default true), a forced byte order, NIfTI's `isSingle`
   * @returns the header; fixes made are listed in `hdr.warnings`
   * @throws {ImageFileError} `TRUNCATED_HEADER`, or the class's not-this-format code
   * @throws {HeaderDataError} for values the battery refuses (`BAD_DIM0`, `BAD_DIM`, …)
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE`
   */
  static fromBytes<T extends typeof LabeledWrapStruct>(this: T, bytes: Uint8Array, opts: FromBytesOptions = {}): InstanceType<T> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('fromBytes expects a Uint8Array');
    const size = this.layout.size;
    if (bytes.length < size) {
      throw new ImageFileError(
        bytes.length === 0 ? 'Empty file: no header bytes' : `File too short for a ${this.name}: ${bytes.length} bytes, need ${size}`,
        { code: 'TRUNCATED_HEADER' },
      );
    }
    const head = bytes.subarray(0, size);
    const hdr = this.blank(opts) as InstanceType<T>;
    hdr.struct = new WrapStruct(this.layout, head, opts.endianness ?? this.guessedEndian(head));
    if (opts.checks ?? true) {
      try {
        hdr.warnings.push(...hdr.runChecks(true));
      } catch (err) {
        throw asFileError(err);
      }
    }
    hdr.readTail(bytes, opts);
    return hdr;
  }

  /** @internal the empty header `fromBytes` fills in */
  protected static blank(_opts: FromBytesOptions): LabeledWrapStruct {
    return new this();
  }

  /** @internal what follows the header proper (NIfTI's extensions); nothing by default */
  protected readTail(_bytes: Uint8Array, _opts: FromBytesOptions): void {}

  /**
   * nibabel's `guessed_endian`; the base guesses native, formats read their own sign.
   * @param _bytes at least the header's bytes
   * @returns the byte order to read the header with
   */
  static guessedEndian(_bytes: Uint8Array): Endianness {
    return NATIVE_CODE;
  }

  /** Bytes `mayContainHeader` needs. */
  static get sniffBytes(): number {
    return this.layout.size;
  }

  /**
   * How many leading bytes of its file this header takes (what `fromBytes` should be given),
   * from the first `sniffBytes` of them: by default the header alone.
   * @param _head the first bytes of the header file
   * @param _isSingle whether header and data share one file
   * @returns a byte count
   */
  static headerExtent(_head: Uint8Array, _isSingle: boolean): number {
    return this.layout.size;
  }

  // ---------------------------------------------------------------- checks (check_fix)

  /**
   * Runs the validation battery on the current values, fixing what can be fixed (nibabel
   * `check_fix`, plus reliability.md's fixes). A default header passes.
   * @returns the warnings for what was fixed or found
   * @throws {ImageFileError} | {HeaderDataError} | {UnsupportedError} as `fromBytes`
   */
  checkFix(): HeaderWarning[] {
    return this.runChecks(false);
  }

  /** @internal the battery; `file` adds the rules that only make sense for bytes read from a file */
  protected runChecks(file: boolean): HeaderWarning[] {
    const ctx: CheckContext = { file, warnings: [] };
    for (const check of this.klass.checks) check(this, ctx);
    return ctx.warnings;
  }

  // ---------------------------------------------------------------- field access

  /**
   * A field by nibabel's name (`hdr['descrip']`).
   * @param name field name, e.g. `'descrip'`, `'dim'`
   * @returns a number, `number[]` for arrays, or a string
   * @throws {RangeError} for an unknown field
   * @throws {HeaderDataError} `INT64_UNSAFE` for a NIfTI-2 integer beyond 2^53
   */
  get(name: string): FieldValue {
    return this.struct.get(name);
  }

  /**
   * Sets a field by nibabel's name, with numpy's conversions (float32 rounding, integer
   * truncation, scalar broadcast to arrays, latin-1 strings).
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
   * @param name field name
   * @returns whether the header has a field of that name
   */
  has(name: string): boolean {
    return this.struct.layout.has(name);
  }

  /**
   * The label of a coded field's value (nibabel `get_value_label`).
   * @param field a coded field of this class (`datatype`; NIfTI adds xform, intent, slice codes)
   * @returns the label, or `'<unknown code N>'` as nibabel prints it
   * @throws {RangeError} for a field without a code table
   */
  getValueLabel(field: string): string {
    const rec = this.klass.fieldRecoders[field];
    if (!rec) throw new RangeError(`${field} not a coded field`);
    const code = this.struct.getNumber(field);
    return rec.has(code) ? rec.label(code) : `<unknown code ${code}>`;
  }

  // ---------------------------------------------------------------- printing

  /**
   * Every field, as nibabel's `str(header)` (`LabeledWrapStruct.__str__`): the class and byte
   * order, then one `name  : value` line per field in byte order, coded fields by label
   * (`datatype        : int16`, `qform_code      : scanner`), numbers and arrays as numpy
   * prints them, strings as Python bytes (`b'n+1'`). The class line names the nibweb class
   * (`<class 'Nifti1Header'>`, where nibabel has `<class 'nibabel.nifti1.Nifti1Header'>`).
   * @returns the text
   * @example
   * console.log(String(img.header)); // or console.log(img.header) in Node
   */
  toString(): string {
    const entries = this.keys().map((name) => [name, this.fieldText(name)] as const);
    return `<class '${this.constructor.name}'> object, endian='${this.endianness}'\n${prettyMapping(entries)}`;
  }

  /** @returns `toString()`, for Node's `util.inspect` and `console.log` */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal one field's text: its label when coded (nibabel's `_getter`), else its value */
  protected fieldText(name: string): string {
    if (this.klass.fieldRecoders[name]) return this.getValueLabel(name);
    const f = this.struct.layout.field(name);
    if (f.type === 'S') return formatValue(this.struct.getString(name), 'bytes');
    const kind: PrintKind = f.type === 'f4' || f.type === 'f8' ? f.type : 'int';
    // a 64-bit integer beyond 2^53 cannot be a number; print it exactly all the same
    const value =
      f.type === 'i8'
        ? this.struct.getBigInt(name).map((b) => (Number.isSafeInteger(Number(b)) ? Number(b) : b))
        : this.struct.getArray(name);
    return formatValue(f.isArray ? value : value[0]!, kind);
  }

  // ---------------------------------------------------------------- copy and serialisation

  /**
   * An independent copy (nibabel `copy`); warnings are copied.
   * @returns the copy
   */
  copy(): this {
    const c = this.emptyLike();
    c.struct = this.struct.copy();
    c.warnings = [...this.warnings];
    return c;
  }


  /** @internal a new header of the same class and kind, to be filled by `copy` */
  protected emptyLike(): this {
    return new (this.constructor as new () => this)();
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
   * The bytes nibabel's `write_to` writes: the header itself (the header is not modified).
   * @returns the bytes
   */
  toBytes(): Uint8Array {
    return this.struct.binaryblock.slice();
  }
}
