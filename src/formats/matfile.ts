/**
 * MATLAB MAT-file reading (v4 and level 5) and v4 writing, for SPM's `.mat` affine sidecar.
 *
 * Ports what nibabel needs of `scipy.io.loadmat`/`savemat` (`spm99analyze.py`
 * `Spm99AnalyzeImage.from_file_map` reads `mat`/`M` with `loadmat`; `to_file_map` writes both
 * with `savemat(..., format='4')`), following scipy's `_mio4.py`/`_mio5.py` and MathWorks'
 * "MAT-File Format" (level 4: 20-byte matrix headers, `mopt = M·1000 + O·100 + P·10 + T`;
 * level 5: a 128-byte header with the `'IM'`/`'MI'` endian indicator, then tagged data
 * elements, `miMATRIX` and zlib-wrapped `miCOMPRESSED`).
 *
 * Contract: pure (bytes in, values out, no I/O). `readMatFile` returns the real, full,
 * numeric matrices (double, single, the integer classes and logical, all as float64),
 * column-major as MATLAB stores them, with MATLAB's dims (at least two), in file order; it
 * skips — without failing — char, cell, struct, object, sparse and complex variables. Version
 * detection is scipy's: a zero among the first 4 bytes means v4, else the level-5 header's
 * version decides (0x0100 level 5, 0x0200 v7.3/HDF5).
 *
 * Bounded: every element size is checked against the bytes that remain before anything is
 * allocated, so memory is at most a small multiple of the input; a compressed variable is
 * inflated by fflate's streaming `Unzlib` with a cap on its output (`unzlibSync` can neither
 * stop at a cap nor report one) and its Adler-32 trailer is checked (fflate skips that).
 * Malformed input gives `ImageFileError` `BAD_MAT_FILE`, never a `RangeError`/`TypeError`;
 * v7.3, unknown versions and v4 VAX/Cray number formats give `UnsupportedError`
 * `UNSUPPORTED_MAT_VERSION`.
 */
import { Unzlib } from 'fflate';
import { ImageFileError, LimitError, NibwebError, UnsupportedError } from '../errors.js';

/** One numeric MAT-file variable: MATLAB dims and column-major float64 values. */
export interface MatVariable {
  /** MATLAB dims (at least two, e.g. `[4, 4]` or `[4, 4, 3]`). */
  shape: number[];
  /** The values, column-major (first index fastest), converted to float64. */
  data: Float64Array;
}

/** Options of `readMatFile`. */
export interface ReadMatOptions {
  /** Most bytes one `miCOMPRESSED` variable may inflate to (default 64 MiB). */
  maxInflatedBytes?: number;
}

const DEFAULT_MAX_INFLATED = 64 * 1024 * 1024;

function bad(message: string, cause?: unknown): ImageFileError {
  return new ImageFileError(`MAT-file: ${message}`, { code: 'BAD_MAT_FILE', cause });
}

function unsupported(message: string, feature: string): UnsupportedError {
  return new UnsupportedError(`MAT-file: ${message}`, { code: 'UNSUPPORTED_MAT_VERSION', feature });
}

/** Latin-1 text of a name, up to its first NUL (scipy strips NULs). */
function nameOf(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Reads `count` values of a numeric type at `offset` into a new Float64Array. */
function convert(view: DataView, offset: number, count: number, kind: NumKind, le: boolean): Float64Array {
  const out = new Float64Array(count);
  const size = KIND_SIZE[kind];
  for (let i = 0, p = offset; i < count; i++, p += size) {
    switch (kind) {
      case 'f8': out[i] = view.getFloat64(p, le); break;
      case 'f4': out[i] = view.getFloat32(p, le); break;
      case 'i1': out[i] = view.getInt8(p); break;
      case 'u1': out[i] = view.getUint8(p); break;
      case 'i2': out[i] = view.getInt16(p, le); break;
      case 'u2': out[i] = view.getUint16(p, le); break;
      case 'i4': out[i] = view.getInt32(p, le); break;
      case 'u4': out[i] = view.getUint32(p, le); break;
      case 'i8': out[i] = Number(view.getBigInt64(p, le)); break;
      case 'u8': out[i] = Number(view.getBigUint64(p, le)); break;
    }
  }
  return out;
}

type NumKind = 'f8' | 'f4' | 'i1' | 'u1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'u8';
const KIND_SIZE: Record<NumKind, number> = { f8: 8, f4: 4, i1: 1, u1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8 };

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads the numeric variables of a MATLAB v4 or level-5 MAT file.
 * @param bytes the whole file
 * @param opts `maxInflatedBytes`: cap on one compressed variable's inflated size
 * @returns the variables by name, in file order (a later variable of the same name wins)
 * @throws {ImageFileError} `BAD_MAT_FILE` for empty, truncated or malformed input
 * @throws {UnsupportedError} `UNSUPPORTED_MAT_VERSION` for v7.3 (HDF5), an unknown level-5
 *   version, or v4 data in VAX or Cray number formats
 * @throws {LimitError} `OUTPUT_LIMIT` when a compressed variable inflates past the cap
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @example
 * const vars = readMatFile(new Uint8Array(await file.arrayBuffer()));
 * const mat = vars.get('mat'); // { shape: [4, 4], data: Float64Array(16) }, column-major
 */
export function readMatFile(bytes: Uint8Array, opts: ReadMatOptions = {}): Map<string, MatVariable> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('readMatFile: pass the file as a Uint8Array');
  if (bytes.length === 0) throw bad('the file is empty');
  if (bytes.length < 4) throw bad(`${bytes.length} bytes is too short for any MAT file`);
  try {
    if (bytes[0] === 0 || bytes[1] === 0 || bytes[2] === 0 || bytes[3] === 0) return readV4(bytes);
    return readV5(bytes, opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED);
  } catch (err) {
    if (err instanceof NibwebError) throw err;
    // Defence in depth: every bound is checked above, but nothing else may escape.
    throw bad('malformed content', err);
  }
}

// ---------------------------------------------------------------------------------------------
// Level 4
// ---------------------------------------------------------------------------------------------

/** v4 precision digit P → value type. */
const V4_KINDS: NumKind[] = ['f8', 'f4', 'i4', 'i2', 'u2', 'u1'];
const V4_FORMATS = ['IEEE little-endian', 'IEEE big-endian', 'VAX D-float', 'VAX G-float', 'Cray'];

function readV4(bytes: Uint8Array): Map<string, MatVariable> {
  const view = viewOf(bytes);
  // scipy's guess, made once from the first mopt: 0..5000 read little-endian means little-endian
  const first = view.getInt32(0, true);
  const le = first === 0 || (first > 0 && first <= 5000);
  const out = new Map<string, MatVariable>();
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < 20) throw bad(`v4 matrix header cut short at byte ${pos}`);
    const mopt = view.getInt32(pos, le);
    const mrows = view.getInt32(pos + 4, le);
    const ncols = view.getInt32(pos + 8, le);
    const imagf = view.getInt32(pos + 12, le);
    const namlen = view.getInt32(pos + 16, le);
    if (mopt < 0 || mopt > 5000) throw bad(`v4 type ${mopt} at byte ${pos} is not M·1000+O·100+P·10+T`);
    const m = Math.floor(mopt / 1000);
    const o = Math.floor((mopt % 1000) / 100);
    const p = Math.floor((mopt % 100) / 10);
    const t = mopt % 10;
    if (m > 1) throw unsupported(`v4 data in ${V4_FORMATS[m] ?? `format ${m}`} numbers`, `mat:v4-format-${m}`);
    if (o !== 0 || p > 5 || t > 2) throw bad(`v4 type ${mopt} at byte ${pos} is not a known matrix type`);
    if (mrows < 0 || ncols < 0) throw bad(`v4 matrix at byte ${pos} has dims ${mrows}x${ncols}`);
    if (imagf !== 0 && imagf !== 1) throw bad(`v4 matrix at byte ${pos} has imagf ${imagf}`);
    pos += 20;
    if (namlen < 0 || namlen > bytes.length - pos) throw bad(`v4 name length ${namlen} runs past the end`);
    const name = nameOf(bytes.subarray(pos, pos + namlen));
    pos += namlen;
    const kind = V4_KINDS[p]!;
    const count = mrows * ncols; // exact: both < 2^31
    const need = count * KIND_SIZE[kind] * (imagf ? 2 : 1);
    if (need > bytes.length - pos) throw bad(`v4 matrix '${name}' needs ${need} bytes, ${bytes.length - pos} remain`);
    // T 0 is a full numeric matrix; text (1), sparse (2) and complex matrices are skipped
    if (t === 0 && imagf === 0) out.set(name, { shape: [mrows, ncols], data: convert(view, pos, count, kind, le) });
    pos += need;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Level 5
// ---------------------------------------------------------------------------------------------

const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
/** Level-5 data type → value type (miINT8 1 … miUINT64 13; 8, 10, 11 are reserved). */
const MI_KINDS: Record<number, NumKind> = { 1: 'i1', 2: 'u1', 3: 'i2', 4: 'u2', 5: 'i4', 6: 'u4', 7: 'f4', 9: 'f8', 12: 'i8', 13: 'u8' };
/** mxCLASS ids of the numeric classes (double 6 … uint64 15). */
const NUMERIC_CLASS = (c: number) => c >= 6 && c <= 15;
/** mxCLASS ids skipped on purpose: cell, struct, object, char, sparse, function, opaque. */
const SKIPPED_CLASS = new Set([1, 2, 3, 4, 5, 16, 17]);

/** One data element: its type and where its data lie, and where the next element starts. */
interface Element {
  type: number;
  start: number;
  end: number;
  next: number;
}

/** Reads the element tag at `pos` (of `limit`), in the small or the full format. */
function elementAt(view: DataView, pos: number, limit: number, le: boolean, padded: boolean): Element {
  if (limit - pos < 8) throw bad(`data element tag cut short at byte ${pos}`);
  const word = view.getUint32(pos, le);
  if (word >>> 16 !== 0) {
    const nbytes = word >>> 16;
    if (nbytes > 4) throw bad(`small data element at byte ${pos} claims ${nbytes} bytes`);
    return { type: word & 0xffff, start: pos + 4, end: pos + 4 + nbytes, next: pos + 8 };
  }
  const nbytes = view.getUint32(pos + 4, le);
  if (nbytes > limit - pos - 8) throw bad(`data element at byte ${pos} claims ${nbytes} bytes, ${limit - pos - 8} remain`);
  const end = pos + 8 + nbytes;
  return { type: word, start: pos + 8, end, next: padded ? Math.min(limit, end + ((8 - (nbytes % 8)) % 8)) : end };
}

function readV5(bytes: Uint8Array, maxInflated: number): Map<string, MatVariable> {
  if (bytes.length < 128) throw bad(`${bytes.length} bytes is too short for a level-5 header (128)`);
  const ind = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (ind !== 'IM' && ind !== 'MI') throw bad(`endian indicator '${ind}' is neither 'IM' nor 'MI'`);
  const le = ind === 'IM';
  const view = viewOf(bytes);
  const version = view.getUint16(124, le);
  if (version === 0x0200) throw unsupported('MATLAB v7.3 files are HDF5, which nibweb does not read', 'mat:v7.3');
  if (version !== 0x0100) throw unsupported(`unknown level-5 version 0x${version.toString(16)}`, `mat:version-${version}`);
  const out = new Map<string, MatVariable>();
  let pos = 128;
  while (pos < bytes.length) {
    // top-level elements are not padded after their stated size (scipy reads the next at end)
    const el = elementAt(view, pos, bytes.length, le, false);
    if (el.type === MI_MATRIX) {
      addMatrix(out, view, el, le);
    } else if (el.type === MI_COMPRESSED) {
      const inner = inflate(bytes.subarray(el.start, el.end), maxInflated);
      const iview = viewOf(inner);
      const iel = elementAt(iview, 0, inner.length, le, false);
      if (iel.type !== MI_MATRIX) throw bad(`compressed element at byte ${pos} holds type ${iel.type}, not miMATRIX`);
      addMatrix(out, iview, iel, le);
    } else {
      throw bad(`top-level element at byte ${pos} has type ${el.type}, not miMATRIX or miCOMPRESSED`);
    }
    pos = el.next;
  }
  return out;
}

/** Parses one miMATRIX element; adds it to `out` when it is a real full numeric array. */
function addMatrix(out: Map<string, MatVariable>, view: DataView, el: Element, le: boolean): void {
  if (el.end === el.start) return; // an empty miMATRIX: nothing to read
  const flags = elementAt(view, el.start, el.end, le, true);
  if ((flags.type !== 6 && flags.type !== 5) || flags.end - flags.start !== 8) throw bad('array flags sub-element is not two 32-bit words');
  const word = view.getUint32(flags.start, le);
  const cls = word & 0xff;
  const complex = (word & 0x800) !== 0;
  if (!NUMERIC_CLASS(cls)) {
    if (SKIPPED_CLASS.has(cls)) return;
    throw bad(`unknown array class ${cls}`);
  }
  const dimsEl = elementAt(view, flags.next, el.end, le, true);
  const ndims = (dimsEl.end - dimsEl.start) / 4;
  if (dimsEl.type !== 5 || !Number.isInteger(ndims) || ndims < 2) throw bad('dimensions sub-element is not two or more int32s');
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getInt32(dimsEl.start + 4 * i, le);
    if (d < 0) throw bad(`dimension ${i} is ${d}`);
    shape.push(d);
    count *= d; // may pass 2^53 for absurd dims; then it cannot match the data size below
  }
  const nameEl = elementAt(view, dimsEl.next, el.end, le, true);
  if (nameEl.type !== 1 && nameEl.type !== 2 && nameEl.type !== 16) throw bad('array name sub-element is not text');
  const name = nameOf(new Uint8Array(view.buffer, view.byteOffset + nameEl.start, nameEl.end - nameEl.start));
  if (complex) return;
  if (nameEl.next >= el.end) {
    if (count === 0) {
      out.set(name, { shape, data: new Float64Array(0) });
      return;
    }
    throw bad(`array '${name}' has no data sub-element`);
  }
  const realEl = elementAt(view, nameEl.next, el.end, le, true);
  const kind = MI_KINDS[realEl.type];
  if (kind === undefined) throw bad(`array '${name}' stores its values as type ${realEl.type}`);
  const n = (realEl.end - realEl.start) / KIND_SIZE[kind];
  if (n !== count) throw bad(`array '${name}' declares ${shape.join('x')} values but holds ${n}`);
  out.set(name, { shape, data: convert(view, realEl.start, n, kind, le) });
}

/** Adler-32 of `data` (RFC 1950), as an unsigned 32-bit number. */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const stop = Math.min(i + 3800, data.length); // sums stay below 2^53 between reductions
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Inflates one zlib stream (an miCOMPRESSED element), capped, with its Adler-32 checked. */
function inflate(data: Uint8Array, cap: number): Uint8Array {
  if (data.length < 6) throw bad(`compressed element of ${data.length} bytes is too short for zlib`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const z = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > cap) {
      throw new LimitError(`MAT-file: a compressed variable inflates past ${cap} bytes`, {
        code: 'OUTPUT_LIMIT',
        limit: cap,
        requested: total,
      });
    }
    chunks.push(chunk);
  });
  const STEP = 16384; // pushes small enough that one push cannot overshoot the cap by much
  try {
    for (let i = 0; i < data.length; i += STEP) z.push(data.subarray(i, i + STEP), i + STEP >= data.length);
  } catch (err) {
    if (err instanceof LimitError) throw err;
    throw bad('corrupt zlib stream in a compressed element', err);
  }
  const outBytes = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    outBytes.set(c, off);
    off += c.length;
  }
  const want = viewOf(data).getUint32(data.length - 4, false);
  if (adler32(outBytes) !== want) throw bad('Adler-32 check of a compressed element failed');
  return outBytes;
}

// ---------------------------------------------------------------------------------------------
// Writing (level 4)
// ---------------------------------------------------------------------------------------------

/**
 * MATLAB v4 bytes of double matrices, little-endian, as `scipy.io.savemat(f, vars,
 * format='4')` writes them (nibabel's SPM99 `.mat`: `{M, mat}`): per variable a 20-byte header
 * (mopt 0, rows, cols, imagf 0, name length + 1), the name with a NUL, then the values.
 * @param vars variables in insertion order; each 2-D, `data` column-major, length rows·cols
 * @returns the file bytes
 * @throws {RangeError} for a shape that is not 2-D non-negative integers, a data length that
 *   does not match it, or an empty name
 */
export function writeMatV4(vars: Record<string, MatVariable>): Uint8Array {
  const names = Object.keys(vars);
  let size = 0;
  const encoded: Uint8Array[] = [];
  for (const name of names) {
    const { shape, data } = vars[name]!;
    if (name.length === 0) throw new RangeError('writeMatV4: a variable needs a name');
    if (shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) {
      throw new RangeError(`writeMatV4: '${name}' must have a 2-D shape (v4 files hold matrices only)`);
    }
    if (data.length !== shape[0]! * shape[1]!) {
      throw new RangeError(`writeMatV4: '${name}' has ${data.length} values for shape ${shape.join('x')}`);
    }
    const nameBytes = new Uint8Array(name.length + 1);
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c === 0 || c > 255) throw new RangeError(`writeMatV4: '${name}' is not a Latin-1 name`);
      nameBytes[i] = c;
    }
    encoded.push(nameBytes);
    size += 20 + nameBytes.length + 8 * data.length;
  }
  const bytes = new Uint8Array(size);
  const view = viewOf(bytes);
  let pos = 0;
  names.forEach((name, k) => {
    const { shape, data } = vars[name]!;
    const nameBytes = encoded[k]!;
    view.setInt32(pos, 0, true); // mopt 0: little-endian IEEE, double, full matrix
    view.setInt32(pos + 4, shape[0]!, true);
    view.setInt32(pos + 8, shape[1]!, true);
    view.setInt32(pos + 12, 0, true);
    view.setInt32(pos + 16, nameBytes.length, true);
    bytes.set(nameBytes, pos + 20);
    pos += 20 + nameBytes.length;
    for (let i = 0; i < data.length; i++, pos += 8) view.setFloat64(pos, data[i]!, true);
  });
  return bytes;
}
