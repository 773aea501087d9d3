/**
 * A typed binary struct: a field table over a fixed-size block of bytes, read and written
 * with `DataView` in either byte order (port of nibabel's `wrapstruct.py` `WrapStruct`, which
 * wraps a numpy structured scalar).
 *
 * Contract and invariants:
 * - The struct *is* its bytes: values are decoded on every `get` and encoded on every `set`,
 *   so fields nobody touched (unused strings, NaN payloads, padding) survive a
 *   read → `binaryblock` round trip byte for byte, in the original byte order.
 * - Byte order is a property of the struct (`'<'` or `'>'`), kept from the file, as nibabel
 *   keeps `header.endianness`; `asByteswapped()` converts by reversing each element's bytes,
 *   never by decoding and re-encoding (which could canonicalise a NaN payload).
 * - Field semantics follow numpy: `S` strings lose *trailing* NULs only and are latin-1
 *   (one byte per character, lossless); `f4` stores round to float32; integers written with
 *   a fraction are truncated toward zero; arrays come back as `number[]`.
 * - 64-bit integer fields (NIfTI-2) come back as numbers when they are safe integers; an
 *   unsafe value throws `HeaderDataError` (use `getBigInt` to see it).
 * - Reads never throw a `DataView` `RangeError`: the block always has the layout's size.
 * Unknown field names and out-of-range writes are programmer misuse: `RangeError`/`TypeError`.
 */
import { HeaderDataError } from '../errors.js';
import { type DType, INT_RANGES, NATIVE_LITTLE_ENDIAN, dtypeInfo } from '../dtypes.js';

/** numpy-style element types a struct field may have (`S` = fixed-size byte string). */
export type FieldType = 'i1' | 'u1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'f4' | 'f8' | 'S';

/** Byte order code, numpy style. */
export type Endianness = '<' | '>';

/** The native byte order of this platform. */
export const NATIVE_CODE: Endianness = NATIVE_LITTLE_ENDIAN ? '<' : '>';
/** The other byte order. */
export const SWAPPED_CODE: Endianness = NATIVE_LITTLE_ENDIAN ? '>' : '<';

/** A field as declared: name, type, and element count (arrays) or byte length (`S`). */
export interface FieldDecl {
  name: string;
  type: FieldType;
  /** Number of elements for an array field; omitted for a scalar. For `S`, the byte length. */
  count?: number;
}

/** A field with its resolved offset and sizes. */
export interface FieldInfo {
  readonly name: string;
  readonly type: FieldType;
  /** Byte offset in the block. */
  readonly offset: number;
  /** Bytes per element (the string length for `S`). */
  readonly itemsize: number;
  /** Elements (1 for scalars and strings). */
  readonly count: number;
  /** True for array fields (get returns `number[]`). */
  readonly isArray: boolean;
}

/** A value as `get` returns it and `set` accepts it. */
export type FieldValue = number | number[] | string;

/** The dtype of each numeric field code: its item size and, for integers, its range. */
const FIELD_DTYPE: Readonly<Record<Exclude<FieldType, 'S'>, DType>> = {
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  f4: 'float32',
  f8: 'float64',
};

/** A packed field table (numpy's structured dtype without alignment). */
export class StructLayout {
  /** Total size in bytes. */
  readonly size: number;
  /** Fields in declaration (= byte) order. */
  readonly fields: readonly FieldInfo[];
  private readonly byName: Map<string, FieldInfo>;

  /**
   * Lays fields out back to back from offset 0, as numpy does for `np.dtype(list)`.
   * @param decls the fields in order
   * @throws {RangeError} for a duplicate name or a bad count
   */
  constructor(decls: readonly FieldDecl[]) {
    let offset = 0;
    const fields: FieldInfo[] = [];
    this.byName = new Map();
    for (const d of decls) {
      if (this.byName.has(d.name)) throw new RangeError(`duplicate field ${d.name}`);
      const isString = d.type === 'S';
      const count = isString ? 1 : (d.count ?? 1);
      const itemsize = isString ? (d.count ?? 1) : dtypeInfo(FIELD_DTYPE[d.type as Exclude<FieldType, 'S'>]).itemsize;
      if (!Number.isInteger(count) || count < 1 || !Number.isInteger(itemsize) || itemsize < 1) {
        throw new RangeError(`bad size for field ${d.name}`);
      }
      const info: FieldInfo = {
        name: d.name,
        type: d.type,
        offset,
        itemsize,
        count,
        isArray: !isString && d.count !== undefined,
      };
      fields.push(info);
      this.byName.set(d.name, info);
      offset += itemsize * count;
    }
    this.size = offset;
    this.fields = fields;
  }

  /**
   * Looks up a field.
   * @param name field name
   * @returns its layout
   * @throws {RangeError} for an unknown name
   */
  field(name: string): FieldInfo {
    const f = this.byName.get(name);
    if (!f) throw new RangeError(`no field named "${name}"; fields are ${[...this.byName.keys()].join(', ')}`);
    return f;
  }

  /**
   * True when the layout has a field of that name.
   * @param name field name
   * @returns whether it exists
   */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** @returns the field names in byte order */
  keys(): string[] {
    return this.fields.map((f) => f.name);
  }
}

/**
 * A block of bytes seen through a `StructLayout` in one byte order.
 */
export class WrapStruct {
  /** The field table. */
  readonly layout: StructLayout;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private le: boolean;

  /**
   * Wraps a copy of `bytes` (or a zero block).
   * @param layout the field table
   * @param bytes exactly `layout.size` bytes; zeros when omitted
   * @param endianness byte order of `bytes`; native when omitted
   * @throws {RangeError} when `bytes` is not `layout.size` long (nibabel "Binary block is wrong size")
   */
  constructor(layout: StructLayout, bytes?: Uint8Array, endianness: Endianness = NATIVE_CODE) {
    this.layout = layout;
    if (bytes !== undefined && bytes.length !== layout.size) {
      throw new RangeError(`Binary block is wrong size: ${bytes.length} bytes, need ${layout.size}`);
    }
    this.bytes = bytes ? bytes.slice() : new Uint8Array(layout.size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.le = endianness === '<';
  }

  /** Byte order of the block: `'<'` little-endian, `'>'` big-endian. */
  get endianness(): Endianness {
    return this.le ? '<' : '>';
  }

  /** A copy of the block's bytes, in its own byte order (nibabel `binaryblock`). */
  get binaryblock(): Uint8Array {
    return this.bytes.slice();
  }

  /** @returns the field names in byte order */
  keys(): string[] {
    return this.layout.keys();
  }

  /**
   * Reads a field.
   * @param name field name
   * @returns a number, a `number[]` for arrays, or a string for `S` fields
   * @throws {RangeError} for an unknown name
   * @throws {HeaderDataError} for a 64-bit integer that is not a safe JS integer
   */
  get(name: string): FieldValue {
    const f = this.layout.field(name);
    if (f.type === 'S') return this.getString(name);
    if (!f.isArray) return this.readElement(f, 0);
    const out: number[] = [];
    for (let i = 0; i < f.count; i++) out.push(this.readElement(f, i));
    return out;
  }

  /**
   * Reads a scalar numeric field.
   * @param name field name
   * @returns its value
   * @throws {TypeError} when the field is an array or a string
   * @throws {HeaderDataError} for an unsafe 64-bit integer
   */
  getNumber(name: string): number {
    const f = this.layout.field(name);
    if (f.type === 'S' || f.isArray) throw new TypeError(`field ${name} is not a scalar number`);
    return this.readElement(f, 0);
  }

  /**
   * Reads an array field (a scalar numeric field gives a one-element array).
   * @param name field name
   * @returns the elements
   * @throws {TypeError} for a string field
   * @throws {HeaderDataError} for an unsafe 64-bit integer
   */
  getArray(name: string): number[] {
    const f = this.layout.field(name);
    if (f.type === 'S') throw new TypeError(`field ${name} is a string`);
    const out: number[] = [];
    for (let i = 0; i < f.count; i++) out.push(this.readElement(f, i));
    return out;
  }

  /**
   * Reads element `i` of a numeric field.
   * @param name field name
   * @param i element index
   * @returns its value
   * @throws {RangeError} for an index out of range
   */
  getElement(name: string, i: number): number {
    const f = this.layout.field(name);
    if (f.type === 'S') throw new TypeError(`field ${name} is a string`);
    if (!Number.isInteger(i) || i < 0 || i >= f.count) throw new RangeError(`index ${i} out of range for ${name}`);
    return this.readElement(f, i);
  }

  /**
   * Reads a 64-bit integer field exactly.
   * @param name an `i8` field
   * @returns its elements as bigints (one for a scalar)
   * @throws {TypeError} when the field is not `i8`
   */
  getBigInt(name: string): bigint[] {
    const f = this.layout.field(name);
    if (f.type !== 'i8') throw new TypeError(`field ${name} is not a 64-bit integer`);
    const out: bigint[] = [];
    for (let i = 0; i < f.count; i++) out.push(this.view.getBigInt64(f.offset + 8 * i, this.le));
    return out;
  }

  /**
   * Reads a string field as numpy does for `S` fields: trailing NULs stripped, interior
   * NULs kept, one character per byte (latin-1).
   * @param name an `S` field
   * @returns the string
   * @throws {TypeError} when the field is not a string
   */
  getString(name: string): string {
    const f = this.layout.field(name);
    if (f.type !== 'S') throw new TypeError(`field ${name} is not a string`);
    let end = f.offset + f.itemsize;
    while (end > f.offset && this.bytes[end - 1] === 0) end--;
    // Byte → code point by hand: TextDecoder('latin1') is windows-1252 in the Encoding
    // standard (0x80 → '€'), which would not round-trip.
    let out = '';
    for (let i = f.offset; i < end; i++) out += String.fromCharCode(this.bytes[i]!);
    return out;
  }

  /**
   * The raw bytes of a field, in the struct's byte order.
   * @param name field name
   * @returns a copy of the field's bytes
   */
  getRaw(name: string): Uint8Array {
    const f = this.layout.field(name);
    return this.bytes.slice(f.offset, f.offset + f.itemsize * f.count);
  }

  /**
   * Writes a field. Numbers are stored as numpy would: float32 rounding for `f4`,
   * truncation toward zero for integers; a scalar given for an array field fills every
   * element (numpy broadcasting); strings are latin-1, truncated to the field's size and
   * NUL-padded.
   * @param name field name
   * @param value number, number[] (arrays), bigint (i8) or string (`S`)
   * @throws {RangeError} for an unknown field, a wrong array length, a non-finite or
   *   out-of-range integer, or a character above U+00FF
   * @throws {TypeError} for a value of the wrong kind
   */
  set(name: string, value: FieldValue | bigint | bigint[]): void {
    const f = this.layout.field(name);
    if (f.type === 'S') {
      if (typeof value !== 'string') throw new TypeError(`field ${name} takes a string`);
      this.writeString(f, value);
      return;
    }
    if (typeof value === 'string') throw new TypeError(`field ${name} takes numbers, not a string`);
    if (Array.isArray(value)) {
      if (value.length !== f.count) {
        throw new RangeError(`field ${name} has ${f.count} element(s), got ${value.length}`);
      }
      // Validate everything before writing anything, so a bad element leaves the field intact.
      const enc = value.map((v) => this.checkElement(f, v));
      enc.forEach((v, i) => this.writeElement(f, i, v));
      return;
    }
    const v = this.checkElement(f, value);
    for (let i = 0; i < f.count; i++) this.writeElement(f, i, v);
  }

  /**
   * Writes one element of a numeric field.
   * @param name field name
   * @param i element index
   * @param value the value
   * @throws {RangeError} for a bad index or value
   */
  setElement(name: string, i: number, value: number | bigint): void {
    const f = this.layout.field(name);
    if (f.type === 'S') throw new TypeError(`field ${name} is a string`);
    if (!Number.isInteger(i) || i < 0 || i >= f.count) throw new RangeError(`index ${i} out of range for ${name}`);
    this.writeElement(f, i, this.checkElement(f, value));
  }

  /**
   * Writes a field's raw bytes (in the struct's byte order).
   * @param name field name
   * @param raw exactly the field's size in bytes
   * @throws {RangeError} for the wrong length
   */
  setRaw(name: string, raw: Uint8Array): void {
    const f = this.layout.field(name);
    const n = f.itemsize * f.count;
    if (raw.length !== n) throw new RangeError(`field ${name} is ${n} bytes, got ${raw.length}`);
    this.bytes.set(raw, f.offset);
  }

  /** @returns an independent copy (same bytes, same byte order) */
  copy(): WrapStruct {
    return new WrapStruct(this.layout, this.bytes, this.endianness);
  }

  /**
   * The same bytes read in another byte order (numpy `newbyteorder` on a view): values
   * change, bytes do not. Used to ask "what would this field be if the file were swapped?".
   * @param endianness the byte order to read with; the opposite of the current when omitted
   * @returns a new struct over a copy of the same bytes
   */
  reinterpreted(endianness?: Endianness): WrapStruct {
    return new WrapStruct(this.layout, this.bytes, endianness ?? (this.le ? '>' : '<'));
  }

  /**
   * The same values in another byte order (nibabel `as_byteswapped`).
   * @param endianness target order; the opposite of the current one when omitted
   * @returns a new struct (a plain copy when the order is unchanged)
   */
  asByteswapped(endianness?: Endianness): WrapStruct {
    const target = endianness ?? (this.le ? '>' : '<');
    if (target === this.endianness) return this.copy();
    const out = new Uint8Array(this.bytes);
    for (const f of this.layout.fields) {
      if (f.type === 'S' || f.itemsize === 1) continue;
      for (let i = 0; i < f.count; i++) {
        const start = f.offset + i * f.itemsize;
        out.subarray(start, start + f.itemsize).reverse();
      }
    }
    return new WrapStruct(this.layout, out, target);
  }

  private readElement(f: FieldInfo, i: number): number {
    const o = f.offset + i * f.itemsize;
    const v = this.view;
    switch (f.type) {
      case 'i1':
        return v.getInt8(o);
      case 'u1':
        return v.getUint8(o);
      case 'i2':
        return v.getInt16(o, this.le);
      case 'u2':
        return v.getUint16(o, this.le);
      case 'i4':
        return v.getInt32(o, this.le);
      case 'u4':
        return v.getUint32(o, this.le);
      case 'f4':
        return v.getFloat32(o, this.le);
      case 'f8':
        return v.getFloat64(o, this.le);
      case 'i8': {
        const b = v.getBigInt64(o, this.le);
        if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new HeaderDataError(`${f.name} value ${b} is not exactly representable as a JavaScript number`, {
            code: 'INT64_UNSAFE',
          });
        }
        return Number(b);
      }
      default:
        throw new TypeError(`field ${f.name} is not numeric`);
    }
  }

  private checkElement(f: FieldInfo, value: number | bigint): number | bigint {
    if (f.type === 'i8') {
      if (typeof value === 'bigint') {
        if (value > 0x7fffffffffffffffn || value < -0x8000000000000000n) {
          throw new RangeError(`${value} does not fit in ${f.name} (int64)`);
        }
        return value;
      }
      if (typeof value !== 'number') throw new TypeError(`field ${f.name} takes numbers`);
      if (!Number.isFinite(value)) throw new RangeError(`cannot store ${value} in integer field ${f.name}`);
      const t = Math.trunc(value);
      if (!Number.isSafeInteger(t)) throw new RangeError(`${value} is not a safe integer; pass a bigint for ${f.name}`);
      return BigInt(t);
    }
    if (typeof value === 'bigint') {
      if (f.type === 'f4' || f.type === 'f8') return Number(value);
      value = Number(value);
    }
    if (typeof value !== 'number') throw new TypeError(`field ${f.name} takes numbers`);
    if (f.type === 'f4' || f.type === 'f8') return value;
    if (!Number.isFinite(value)) throw new RangeError(`cannot store ${value} in integer field ${f.name}`);
    const t = Math.trunc(value) || 0;
    const [lo, hi] = INT_RANGES[FIELD_DTYPE[f.type as Exclude<FieldType, 'S'>]]!;
    if (t < lo || t > hi) throw new RangeError(`${value} does not fit in ${f.name} (${f.type}, ${lo}..${hi})`);
    return t;
  }

  private writeElement(f: FieldInfo, i: number, value: number | bigint): void {
    const o = f.offset + i * f.itemsize;
    const v = this.view;
    switch (f.type) {
      case 'i1':
        v.setInt8(o, value as number);
        break;
      case 'u1':
        v.setUint8(o, value as number);
        break;
      case 'i2':
        v.setInt16(o, value as number, this.le);
        break;
      case 'u2':
        v.setUint16(o, value as number, this.le);
        break;
      case 'i4':
        v.setInt32(o, value as number, this.le);
        break;
      case 'u4':
        v.setUint32(o, value as number, this.le);
        break;
      case 'f4':
        v.setFloat32(o, value as number, this.le);
        break;
      case 'f8':
        v.setFloat64(o, value as number, this.le);
        break;
      case 'i8':
        v.setBigInt64(o, value as bigint, this.le);
        break;
      default:
        throw new TypeError(`field ${f.name} is not numeric`);
    }
  }

  private writeString(f: FieldInfo, s: string): void {
    const n = Math.min(s.length, f.itemsize);
    const out = new Uint8Array(f.itemsize);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) {
        throw new RangeError(`field ${f.name} holds latin-1 text; character U+${c.toString(16).padStart(4, '0')} does not fit`);
      }
      out[i] = c;
    }
    this.bytes.set(out, f.offset);
  }
}
