// Printing: header.toString() / util.inspect(header) against nibabel's str(header), the number
// formats alone against numpy's str(), and img.toString() against nibabel's str(img)
// (test/fixtures/printing.json, written by generate-printing.py).
//
// Normalisation, the only one: nibabel's class line names the module
// (`<class 'nibabel.nifti1.Nifti1Header'>`), ours the class (`<class 'Nifti1Header'>`).
// Everything else — field names and order, labels, numbers, arrays with numpy's padding and
// line wrapping, byte strings — is compared as exact text. Images print a short summary:
// nibabel's first lines (class, data shape, affine), then our dtype and axcodes lines, and no
// header dump (String(img.header) has it).
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Nifti1Image } from '../../src/formats/nifti1';
import { AnalyzeHeader } from '../../src/header/analyze-header';
import { MGHHeader } from '../../src/header/mgh-header';
import { Nifti1Header, Nifti1PairHeader } from '../../src/header/nifti1-header';
import { Nifti2Header, Nifti2PairHeader } from '../../src/header/nifti2-header';
import { Spm2AnalyzeHeader } from '../../src/header/spm2analyze-header';
import { Spm99AnalyzeHeader } from '../../src/header/spm99analyze-header';
import { load, loadFiles } from '../../src/load';
import { NDArray } from '../../src/ndarray';
import { formatArray, formatBytes, formatScalar, pythonTuple } from '../../src/printing';

type Enc = number | string;
interface HeaderCase { id: string; class: string; bytes: string; str: string }
interface ScalarCase { kind: 'f4' | 'f8'; value: Enc; str: string }
interface ArrayCase { kind: 'f4' | 'f8' | 'int'; values: Enc[]; shape: number[]; str: string }
interface ImageCase { files: string[]; class: string; str: string; dtype: string; axcodes: (string | null)[] }

const FIXTURES = new URL('../fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('printing.json', FIXTURES), 'utf8')) as {
  headers: HeaderCase[];
  numbers: { scalars: ScalarCase[]; arrays: ArrayCase[] };
  images: ImageCase[];
};

function num(v: Enc, kind: string): number | bigint {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof v === 'string') return BigInt(v);
  return kind === 'f4' ? Math.fround(v) : v;
}

const CLASSES = {
  AnalyzeHeader,
  Spm99AnalyzeHeader,
  Spm2AnalyzeHeader,
  Nifti1Header,
  Nifti1PairHeader,
  Nifti2Header,
  Nifti2PairHeader,
} as const;

function parse(c: HeaderCase): { toString(): string } {
  const bytes = new Uint8Array(Buffer.from(c.bytes, 'hex'));
  if (c.class === 'MGHHeader') return MGHHeader.fromBytes(bytes.subarray(0, 90), { footer: bytes.subarray(90), checks: false });
  const klass = CLASSES[c.class as keyof typeof CLASSES];
  return klass.fromBytes(bytes, { checks: false });
}

/** nibabel's text with the module path dropped from the class line. */
const withoutModule = (s: string): string => s.replace(/^(\n?<class ')nibabel\.[\w.]+\.(\w+'>)/, '$1$2');

describe('header.toString() is nibabel str(header)', () => {
  it.each(expected.headers.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const hdr = parse(c);
    expect(hdr.toString()).toBe(withoutModule(c.str));
  });

  it('util.inspect and String() give the same text; the class line names the class', () => {
    const hdr = new Nifti1Header();
    expect(inspect(hdr)).toBe(hdr.toString());
    expect(String(hdr)).toBe(hdr.toString());
    expect(hdr.toString().split('\n')[0]).toBe("<class 'Nifti1Header'> object, endian='<'");
    const mgh = new MGHHeader();
    expect(inspect(mgh)).toBe(mgh.toString());
    expect(mgh.toString().split('\n')[0]).toBe("<class 'MGHHeader'> object, endian='>'");
    // inside another object, Node still uses it
    expect(inspect({ hdr: mgh })).toContain('Pxyz_c       : [0. 0. 0.]');
  });

  it('prints fields edited after parsing, with labels for coded fields', () => {
    const hdr = new Nifti1Header();
    hdr.setDataDtype('int16');
    hdr.set('qform_code', 1);
    hdr.set('descrip', 'hello');
    const lines = hdr.toString().split('\n');
    expect(lines).toContain('datatype        : int16');
    expect(lines).toContain('qform_code      : scanner');
    expect(lines).toContain("descrip         : b'hello'");
    expect(lines).toHaveLength(1 + hdr.keys().length);
  });
});

describe('numbers as numpy prints them', () => {
  it.each(expected.numbers.scalars.map((c) => [c.kind, c.str, c] as const))('scalar %s %s', (_k, _s, c) => {
    expect(formatScalar(num(c.value, c.kind), c.kind)).toBe(c.str);
  });

  it.each(expected.numbers.arrays.map((c) => [c.kind, c.str, c] as const))('array %s %s', (_k, _s, c) => {
    expect(formatArray(c.values.map((v) => num(v, c.kind)), c.kind, c.shape)).toBe(c.str);
  });

  it('bytes and tuples as Python prints them', () => {
    expect(formatBytes('')).toBe("b''");
    expect(formatBytes("it's")).toBe(`b"it's"`);
    expect(formatBytes(`it's "q"`)).toBe(`b'it\\'s "q"'`);
    expect(formatBytes('a\\b\n\r\t\x00\xff')).toBe("b'a\\\\b\\n\\r\\t\\x00\\xff'");
    expect(pythonTuple([2, 3, 4])).toBe('(2, 3, 4)');
    expect(pythonTuple([5])).toBe('(5,)');
    expect(pythonTuple(['R', null, 'S'])).toBe("('R', None, 'S')");
  });
});

describe('img.toString() is the start of nibabel str(img), then dtype and axcodes', () => {
  const read = (f: string): Uint8Array => new Uint8Array(readFileSync(new URL(f, FIXTURES)));
  async function open(files: string[]) {
    if (files.length === 1) return load(read(files[0]!), { name: files[0]!.split('/').pop() });
    const [img] = await loadFiles(files.map((f) => new File([read(f) as BlobPart], f.split('/').pop()!)));
    return img!;
  }

  it.each(expected.images.map((c) => [c.files[0]!, c] as const))('%s', async (_f, c) => {
    const img = await open(c.files);
    const nibabel = withoutModule(c.str).replace(/^\n/, '').split('\nmetadata:\n')[0]!;
    const ours = `${nibabel}\ndata dtype ${c.dtype}\naxcodes ${pythonTuple(c.axcodes)}`;
    expect(img.constructor.name).toBe(c.class);
    expect(img.toString()).toBe(ours);
    expect(inspect(img)).toBe(ours);
    expect(String(img.header)).toBe(withoutModule(c.str.split('\nmetadata:\n')[1]!.replace(/\n$/, '')));
  });

  it('in-memory images, no affine, a degenerate affine', () => {
    const data = new NDArray(new Int16Array(24), [2, 3, 4]);
    const img = new Nifti1Image(data, [[-2, 0, 0, 10], [0, 2, 0, -20], [0, 0, 2.5, 0], [0, 0, 0, 1]]);
    expect(img.toString()).toBe(
      [
        "<class 'Nifti1Image'>",
        'data shape (2, 3, 4)',
        'affine:',
        '[[ -2.    0.    0.   10. ]',
        ' [  0.    2.    0.  -20. ]',
        ' [  0.    0.    2.5   0. ]',
        ' [  0.    0.    0.    1. ]]',
        'data dtype int16',
        "axcodes ('L', 'A', 'S')",
      ].join('\n'),
    );
    const none = new Nifti1Image(data, null);
    expect(none.toString()).toContain('affine:\nNone\ndata dtype int16\naxcodes None');
    // nibabel would refuse this affine at write time; printing must not
    img.affine = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]];
    expect(img.toString()).toContain('axcodes (None, None, None)');
    img.affine = [[Number.NaN, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    expect(img.toString()).toContain('[[nan  0.  0.  0.]');
  });
});
