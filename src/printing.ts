/**
 * Text forms of headers and images, as nibabel prints them: numpy's `arrayprint` with its
 * default options (the part a header's fields need) and nibabel's `volumeutils.pretty_mapping`.
 * Pure string functions; the headers (labeled-wrapstruct.ts, mgh-header.ts) and
 * `SpatialImage.toString` decide what to print.
 *
 * What numpy does and this copies (numpy 1.24, `precision=8`, `floatmode='maxprec'`,
 * `linewidth=75`, no `suppress`):
 * - A scalar field is a numpy scalar: integers as `str(int)`; floats in the shortest form that
 *   reads back to the same float32/float64, positional with at least one fractional digit
 *   (`1.0`, `0.1`, `123456790.0`) when `1e-4 ≤ |x| < 1e16` (or 0), else scientific without a
 *   trailing point (`1e-10`, `1.5e+20`); `nan`, `inf`, `-inf`.
 * - An array field is `str(ndarray)`: one format for every element. Integers are right-aligned
 *   to the widest. Floats are positional (shortest digits, at most 8 after the point, trailing
 *   zeros cut to the point: `1.`, `0.5`) unless a non-zero finite |x| is ≥ 1e8 or < 1e-4 or
 *   max/min > 1000, which makes every element scientific with as many mantissa digits as the
 *   longest needs (`1.0000000e+00 1.0000001e+03`). Elements are padded to a common width
 *   around the point; `nan`/`inf` are right-aligned to it. Lines wrap before 75 columns and a
 *   2-D array prints one row a line (`[[-1.  0.  0.]\n [ 0.  0.  1.]…]`).
 * - A byte-string field (`S`) is Python's `bytes` repr: `b''`, `b'n+1'`, `\x..` escapes.
 * - `pretty_mapping`: `name` padded to the longest name, then `  : value`.
 *
 * Digits come from the exact binary value: the shortest round-trip form is found by
 * `toExponential` at increasing precision (float32) or `Number#toExponential()` (float64);
 * cut-offs use `toFixed`/`toExponential`, which round the exact value as Dragon4 does (an
 * exact tie rounds up here, to even in numpy: not seen in header values).
 */

/** How a value is printed: an integer, a float32 or float64 number, or a byte string. */
export type PrintKind = 'int' | 'f4' | 'f8' | 'bytes';

/** The symbol Node's `util.inspect` looks for (registered, so no import of `node:util`). */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

const LINE_WIDTH = 75;
const PRECISION = 8;

interface Digits {
  neg: boolean;
  /** Significant digits, no trailing zeros (`'0'` for zero). */
  digits: string;
  /** Decimal exponent of the first digit: value = d.ddd × 10^exp. */
  exp: number;
}

function parseExponential(s: string): { digits: string; exp: number } {
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)!;
  const digits = (m[1]! + (m[2] ?? '')).replace(/(?<=.)0+$/, '');
  return { digits, exp: Number(m[3]) };
}

/** The shortest digits that read back to `x` as a float32 (`single`) or float64. */
function shortest(x: number, single: boolean): Digits {
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  if (a === 0) return { neg, digits: '0', exp: 0 };
  let s = a.toExponential();
  if (single) {
    for (let p = 0; p <= 8; p++) {
      s = a.toExponential(p);
      if (Math.fround(Number(s)) === a) break;
    }
  }
  return { neg, ...parseExponential(s) };
}

/** Positional parts of `x`: integer part (with its sign) and fraction digits, shortest, at most `maxFrac`. */
function positional(x: number, single: boolean, maxFrac = Number.POSITIVE_INFINITY): { int: string; frac: string } {
  const d = shortest(x, single);
  let int: string;
  let frac: string;
  if (d.exp >= 0) {
    const ds = d.digits.padEnd(d.exp + 1, '0');
    int = ds.slice(0, d.exp + 1);
    frac = ds.slice(d.exp + 1);
  } else {
    int = '0';
    frac = '0'.repeat(-d.exp - 1) + d.digits;
  }
  if (frac.length > maxFrac) {
    const [i, f = ''] = Math.abs(x).toFixed(maxFrac).split('.');
    int = i!;
    frac = f.replace(/0+$/, '');
  }
  return { int: (d.neg ? '-' : '') + int, frac };
}

/**
 * Scientific parts of `x`: mantissa integer digit (with sign), fraction digits, exponent —
 * exactly `fracDigits` fraction digits when given, else the shortest, at most `maxFrac`.
 */
function scientific(
  x: number,
  single: boolean,
  fracDigits?: number,
  maxFrac = Number.POSITIVE_INFINITY,
): { int: string; frac: string; exp: number } {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (fracDigits !== undefined) {
    const { digits, exp } = parseExponential(Math.abs(x).toExponential(fracDigits));
    return { int: sign + digits[0], frac: digits.slice(1).padEnd(fracDigits, '0'), exp };
  }
  const d = shortest(x, single);
  const frac = d.digits.slice(1);
  if (frac.length > maxFrac) {
    const p = parseExponential(Math.abs(x).toExponential(maxFrac));
    return { int: sign + p.digits[0], frac: p.digits.slice(1), exp: p.exp };
  }
  return { int: sign + d.digits[0], frac, exp: d.exp };
}

const expText = (exp: number, width: number): string => (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(width, '0');

/**
 * A number as numpy prints a scalar of that type (`str(np.float32(x))`).
 * @param x the value (a bigint for a 64-bit integer beyond 2^53)
 * @param kind `'int'`, `'f4'` or `'f8'`
 * @returns the text, e.g. `348`, `1.0`, `0.1`, `nan`, `1e-10`
 */
export function formatScalar(x: number | bigint, kind: Exclude<PrintKind, 'bytes'>): string {
  if (typeof x === 'bigint' || kind === 'int') return String(x);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const single = kind === 'f4';
  const a = Math.abs(x);
  if (a === 0 || (a >= 1e-4 && a < 1e16)) {
    const p = positional(x, single);
    return `${p.int}.${p.frac || '0'}`;
  }
  const s = scientific(x, single);
  return `${s.int}${s.frac ? `.${s.frac}` : ''}e${expText(s.exp, 2)}`;
}

/** numpy's `FloatingFormat` for one array: a formatter that gives every element the same layout. */
function floatFormatter(values: readonly number[], single: boolean): (x: number) => string {
  const finite = values.filter(Number.isFinite);
  const nonZero = finite.map(Math.abs).filter((v) => v !== 0);
  let expFormat = false;
  if (nonZero.length > 0) {
    const mx = Math.max(...nonZero);
    const mn = Math.min(...nonZero);
    const ratio = single ? Math.fround(mx / mn) : mx / mn;
    expFormat = mx >= 1e8 || mn < 1e-4 || ratio > 1000;
  }
  let padLeft = 0;
  let padRight = 0;
  let format: (x: number) => string = () => '';
  if (finite.length > 0 && expFormat) {
    const parts = finite.map((x) => scientific(x, single, undefined, PRECISION));
    const precision = Math.max(...parts.map((p) => p.frac.length));
    const expSize = Math.max(2, ...parts.map((p) => String(Math.abs(p.exp)).length));
    padLeft = Math.max(...parts.map((p) => p.int.length));
    padRight = expSize + 2 + precision;
    format = (x) => {
      const s = scientific(x, single, precision);
      return `${s.int.padStart(padLeft)}.${s.frac}e${expText(s.exp, expSize)}`;
    };
  } else if (finite.length > 0) {
    const parts = finite.map((x) => positional(x, single, PRECISION));
    padLeft = Math.max(...parts.map((p) => p.int.length));
    padRight = Math.max(...parts.map((p) => p.frac.length));
    format = (x) => {
      const p = positional(x, single, PRECISION);
      return `${p.int.padStart(padLeft)}.${p.frac.padEnd(padRight)}`;
    };
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === Number.NEGATIVE_INFINITY) ? 1 : 0;
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + negInf - offset);
  }
  return (x) => {
    if (Number.isFinite(x)) return format(x);
    const text = Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
    return text.padStart(padLeft + padRight + 1);
  };
}

/** numpy's `_extendLine`: add a word, wrapping first when the line would pass the width. */
function extendLine(s: string, line: string, word: string, width: number, prefix: string): [string, string] {
  if (line.length + word.length > width && line.length > prefix.length) {
    return [`${s}${line.trimEnd()}\n`, prefix + word];
  }
  return [s, line + word];
}

/**
 * An array as numpy prints it (`str(ndarray)`, default print options).
 * @param values the elements in C order (row by row); bigints for 64-bit integers past 2^53
 * @param kind `'int'`, `'f4'` or `'f8'`
 * @param shape the array's shape; one axis of `values.length` when omitted
 * @returns the text, e.g. `[0 1 1 1 1 1 1 1]`, `[1. 1. 1.]`, `[[-1.  0.  0.]\n [ 0.  0.  1.]…]`
 */
export function formatArray(
  values: readonly (number | bigint)[],
  kind: Exclude<PrintKind, 'bytes'>,
  shape: readonly number[] = [values.length],
): string {
  if (values.length === 0) return '[]';
  let words: string[];
  if (kind === 'int') {
    const texts = values.map(String);
    const width = Math.max(...texts.map((t) => t.length));
    words = texts.map((t) => t.padStart(width));
  } else {
    const nums = values.map(Number);
    const f = floatFormatter(nums, kind === 'f4');
    words = nums.map(f);
  }
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // numpy's _formatArray (legacy=False): a hanging indent per level, one less column per ']'
  const rec = (offset: number, axis: number, hanging: string, width: number): string => {
    const n = shape[axis]!;
    let s = '';
    if (axis === shape.length - 1) {
      let line = hanging;
      for (let i = 0; i < n; i++) {
        [s, line] = extendLine(s, line, words[offset + i]!, width - 1, hanging);
        if (i < n - 1) line += ' ';
      }
      s += line;
    } else {
      const sep = '\n'.repeat(shape.length - axis - 1);
      for (let i = 0; i < n; i++) {
        s += hanging + rec(offset + i * strides[axis]!, axis + 1, `${hanging} `, width - 1) + (i < n - 1 ? sep : '');
      }
    }
    return `[${s.slice(hanging.length)}]`;
  };
  return rec(0, 0, ' ', LINE_WIDTH);
}

/**
 * A byte string as Python's `repr(bytes)` (what nibabel shows for `S` fields).
 * @param s the field's text, one character per byte (latin-1), trailing NULs already cut
 * @returns e.g. `b''`, `b'n+1'`, `b'caf\xe9'`
 */
export function formatBytes(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `b${quote}${out}${quote}`;
}

/**
 * A header field's value as nibabel prints it: a scalar, an array or a byte string.
 * @param value the field's value (`number[]` for arrays, the text for `S` fields)
 * @param kind how to print it
 * @param shape the array's shape when it is not one axis (MGH's `Mdc` is 3×3)
 * @returns the text
 */
export function formatValue(
  value: number | bigint | readonly (number | bigint)[] | string,
  kind: PrintKind,
  shape?: readonly number[],
): string {
  if (typeof value === 'string') return formatBytes(value);
  if (kind === 'bytes') return formatBytes(String(value));
  return Array.isArray(value) ? formatArray(value, kind, shape) : formatScalar(value as number | bigint, kind);
}

/**
 * nibabel's `pretty_mapping`: one `name  : value` line per entry, names padded to the longest.
 * @param entries `[name, text]` pairs in order (a text may span lines)
 * @returns the lines joined by newlines
 */
export function prettyMapping(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  : ${v}`).join('\n');
}

/**
 * A Python tuple's text: `(2, 3, 4)`, `(5,)`, `('R', 'A', 'S')`, `None` for null items.
 * @param items numbers or strings (strings are quoted)
 * @returns the text
 */
export function pythonTuple(items: readonly (number | string | null)[]): string {
  const texts = items.map((v) => (v === null ? 'None' : typeof v === 'string' ? `'${v}'` : String(v)));
  return texts.length === 1 ? `(${texts[0]},)` : `(${texts.join(', ')})`;
}

/** What `imageSummary` prints. */
export interface ImageSummary {
  className: string;
  shape: readonly number[];
  affine: readonly (readonly number[])[] | null;
  dtype: string;
  axcodes: readonly (string | null)[] | null;
}

/**
 * A short image summary: nibabel's `str(img)` up to its header dump (class, `data shape`,
 * `affine:` and the affine as numpy prints a float64 array, or `None`), then `data dtype` and
 * `axcodes` lines.
 * @param img what to print
 * @returns the text
 */
export function imageSummary(img: ImageSummary): string {
  const affine = img.affine === null ? 'None' : formatArray(img.affine.flat(), 'f8', [img.affine.length, img.affine[0]?.length ?? 0]);
  return [
    `<class '${img.className}'>`,
    `data shape ${pythonTuple(img.shape)}`,
    'affine:',
    affine,
    `data dtype ${img.dtype}`,
    `axcodes ${img.axcodes === null ? 'None' : pythonTuple(img.axcodes)}`,
  ].join('\n');
}
