// MAT-file reader and v4 writer (src/formats/matfile.ts) against scipy.io: every fixture of
// test/fixtures/matfile (written by generate-matfile.py, expected values from scipy's
// loadmat), the v4 writer byte for byte against savemat(format='4'), the skip rules, every
// bad case's error code, and a fast-check fuzz asserting that only nibweb errors escape.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageFileError, LimitError, NibwebError, UnsupportedError } from '../../src/errors';
import { type MatVariable, readMatFile, writeMatV4 } from '../../src/formats/matfile';
import manifest from '../fixtures/matfile/manifest.json';

type Encoded = number | string;
interface Entry {
  id: string;
  file: string;
  format: string;
  byte_order: string;
  compressed: boolean;
  expect: { ok?: boolean; error?: string; code?: string };
  variables: { name: string; shape: number[]; class: string; data: Encoded[] }[];
  skipped: { name: string; kind: string }[];
  spm_pair?: Record<string, { shape: number[]; data: Encoded[] }>;
}
const entries = manifest as unknown as Entry[];

function read(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/matfile/${file}`, import.meta.url)));
}

function num(v: Encoded): number {
  if (typeof v === 'number') return v;
  return { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, '-inf': Number.NEGATIVE_INFINITY }[v] ?? Number.NaN;
}

/** Same value, -0 and NaN included. */
function sameValues(got: Float64Array, want: Encoded[]): boolean {
  return got.length === want.length && want.every((w, i) => Object.is(got[i], num(w)));
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const ERRORS = { ImageFileError, UnsupportedError, LimitError } as const;

describe('fixtures: readMatFile agrees with scipy.io.loadmat', () => {
  const good = entries.filter((e) => e.expect.ok);
  it.each(good.map((e) => [e.id, e] as const))('%s', (_id, e) => {
    const vars = readMatFile(read(e.file));
    expect([...vars.keys()]).toEqual(e.variables.map((v) => v.name));
    for (const v of e.variables) {
      const got = vars.get(v.name)!;
      expect(got.shape, v.name).toEqual(v.shape);
      expect(got.data).toBeInstanceOf(Float64Array);
      if (!sameValues(got.data, v.data)) expect.fail(`${e.id}/${v.name}: got ${[...got.data]}, want ${v.data}`);
    }
    for (const s of e.skipped) expect(vars.has(s.name), `${s.name} (${s.kind}) is skipped`).toBe(false);
  });

  it('covers both byte orders, v4 and v5, compressed, a 3-D stack and every skip kind', () => {
    const ok = entries.filter((e) => e.expect.ok);
    expect(new Set(ok.map((e) => `${e.format}/${e.byte_order}`))).toEqual(new Set(['v4/little', 'v4/big', 'v5/little', 'v5/big']));
    expect(ok.some((e) => e.compressed)).toBe(true);
    expect(ok.some((e) => e.variables.some((v) => v.shape.length === 3))).toBe(true);
    const kinds = new Set(ok.flatMap((e) => e.skipped.map((s) => s.kind)));
    for (const k of ['ndarray:U', 'ndarray:c', 'ndarray:O', 'ndarray:V', 'csc_matrix', 'coo_matrix']) expect(kinds).toContain(k);
  });
});

describe('bad and unsupported files: the documented error and code', () => {
  const badOnes = entries.filter((e) => !e.expect.ok);
  it.each(badOnes.map((e) => [e.id, e] as const))('%s', (_id, e) => {
    const err = errorOf(() => readMatFile(read(e.file)));
    expect(err).toBeInstanceOf(ERRORS[e.expect.error as keyof typeof ERRORS]);
    expect((err as NibwebError).code).toBe(e.expect.code);
  });

  it('a compressed variable past maxInflatedBytes is a LimitError, not an allocation', () => {
    const err = errorOf(() => readMatFile(read('v5-le-compressed.mat'), { maxInflatedBytes: 16 }));
    expect(err).toBeInstanceOf(LimitError);
    expect((err as LimitError).code).toBe('OUTPUT_LIMIT');
  });

  it('a non-Uint8Array argument is a TypeError (misuse, not content)', () => {
    expect(() => readMatFile('x' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('short inputs of every length below a v4 header are BAD_MAT_FILE', () => {
    const v4 = read('v4-spm-M-mat.mat');
    for (let n = 0; n < 20; n++) {
      const err = errorOf(() => readMatFile(v4.subarray(0, n)));
      expect((err as NibwebError).code, `length ${n}`).toBe('BAD_MAT_FILE');
    }
  });

  it('every cut of a level-5 file fails with BAD_MAT_FILE or returns a prefix of its variables', () => {
    for (const file of ['v5-le-mixed.mat', 'v5-le-compressed.mat', 'v5-be-elements.mat']) {
      const whole = read(file);
      const all = [...readMatFile(whole).keys()];
      for (let n = 0; n < whole.length; n++) {
        let vars: Map<string, MatVariable>;
        try {
          vars = readMatFile(whole.subarray(0, n));
        } catch (err) {
          expect(err).toBeInstanceOf(ImageFileError);
          continue;
        }
        // only element boundaries can give a clean read
        expect([...vars.keys()]).toEqual(all.slice(0, vars.size));
      }
    }
  });
});

describe('writeMatV4: the bytes of savemat(format=4)', () => {
  const spm = entries.find((e) => e.id === 'v4-spm-M-mat')!;

  it("nibabel's SPM99 {M, mat} pair, byte for byte", () => {
    const vars: Record<string, MatVariable> = {};
    for (const [k, v] of Object.entries(spm.spm_pair!)) vars[k] = { shape: v.shape, data: Float64Array.from(v.data, num) };
    expect(Buffer.from(writeMatV4(vars)).equals(Buffer.from(read(spm.file)))).toBe(true);
  });

  it('round-trips through readMatFile (NaN, -0, inf, empty and non-square matrices)', () => {
    const vars: Record<string, MatVariable> = {
      a: { shape: [2, 3], data: Float64Array.of(1, -0, Number.NaN, Number.POSITIVE_INFINITY, 5e-324, -1e308) },
      empty: { shape: [0, 4], data: new Float64Array(0) },
      longer_name: { shape: [1, 1], data: Float64Array.of(Math.PI) },
    };
    const back = readMatFile(writeMatV4(vars));
    expect([...back.keys()]).toEqual(Object.keys(vars));
    for (const [k, v] of Object.entries(vars)) {
      expect(back.get(k)!.shape).toEqual(v.shape);
      expect([...back.get(k)!.data].every((x, i) => Object.is(x, v.data[i]))).toBe(true);
    }
  });

  it('misuse is a RangeError', () => {
    const d = new Float64Array(4);
    expect(() => writeMatV4({ m: { shape: [2, 2, 1], data: d } })).toThrow(RangeError);
    expect(() => writeMatV4({ m: { shape: [3, 2], data: d } })).toThrow(RangeError);
    expect(() => writeMatV4({ '': { shape: [2, 2], data: d } })).toThrow(RangeError);
    expect(() => writeMatV4({ 'π€': { shape: [2, 2], data: d } })).toThrow(RangeError);
  });
});

describe('fuzz: readMatFile throws only nibweb errors (fast-check, fixed seeds)', () => {
  const seeds = entries.filter((e) => e.expect.ok).map((e) => read(e.file));
  let parsed = 0;

  function exercise(bytes: Uint8Array): void {
    let vars: Map<string, MatVariable>;
    try {
      vars = readMatFile(bytes, { maxInflatedBytes: 1 << 20 });
    } catch (err) {
      if (!(err instanceof NibwebError)) throw err;
      return;
    }
    parsed++;
    for (const v of vars.values()) {
      expect(v.shape.length).toBeGreaterThanOrEqual(2);
      expect(v.data.length).toBe(v.shape.reduce((a, b) => a * b, 1));
    }
  }

  it('arbitrary bytes, behind each kind of header', () => {
    const v5le = seeds[3]!.subarray(0, 128);
    const v5be = seeds[6]!.subarray(0, 128);
    fc.assert(
      fc.property(fc.constantFrom('none', 'v5le', 'v5be'), fc.uint8Array({ minLength: 0, maxLength: 400 }), (head, body) => {
        const prefix = head === 'v5le' ? v5le : head === 'v5be' ? v5be : new Uint8Array(0);
        const b = new Uint8Array(prefix.length + body.length);
        b.set(prefix);
        b.set(body, prefix.length);
        exercise(b);
      }),
      { seed: 20240917, numRuns: 3000 },
    );
  });

  it('mutated valid files (byte edits, 32-bit overwrites, truncation)', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat(2200), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({
        kind: fc.constant('word' as const),
        at: fc.nat(550).map((i) => i * 4),
        value: fc.constantFrom(0, 1, 2, 4, 5, 6, 8, 9, 14, 15, 16, 1000, 2000, 4052, 5001, 0x7fffffff, -1, -0x80000000, 0x00040005, 0x00080006),
      }),
    );
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(edit, { maxLength: 5 }), fc.option(fc.nat(2200)), fc.boolean(), (si, edits, cut, le) => {
        const b = seeds[si]!.slice();
        const v = new DataView(b.buffer);
        for (const e of edits) {
          if (e.kind === 'byte') {
            if (e.at < b.length) b[e.at] = e.value;
          } else if (e.at + 4 <= b.length) v.setInt32(e.at, e.value, le);
        }
        exercise(cut === null ? b : b.subarray(0, cut));
      }),
      { seed: 777001, numRuns: 5000 },
    );
    // meaningful only if many mutants still parse into variables
    expect(parsed).toBeGreaterThan(1000);
  });
});

describe("SPM sidecars of test/fixtures/analyze: the affine nibabel derives, and nibabel's own .mat bytes", () => {
  interface AnalyzeEntry {
    id: string;
    group: string;
    files: string[];
    mat?: { keys: string[]; format: string };
    as?: Record<string, { outcome: { outcome: string }; affine?: (number | string)[][] }>;
  }
  const analyze: AnalyzeEntry[] = JSON.parse(readFileSync(new URL('../fixtures/analyze/manifest.json', import.meta.url), 'utf8'));
  const readA = (f: string) => new Uint8Array(readFileSync(new URL(`../fixtures/analyze/${f}`, import.meta.url)));

  /** Row-major 4×4 from column-major data (the first 4×4 of a stack). */
  function rows(v: MatVariable): number[][] {
    return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => v.data[r + 4 * c]!));
  }
  function mul(a: number[][], b: number[][]): number[][] {
    return a.map((row) => b[0]!.map((_, c) => row.reduce((s, x, k) => s + x * b[k]![c]!, 0)));
  }
  const to111 = [
    [1, 0, 0, 1],
    [0, 1, 0, 1],
    [0, 0, 1, 1],
    [0, 0, 0, 1],
  ];
  const flipX = [
    [-1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];

  const withMat = analyze.filter((e) => e.files.some((f) => f.endsWith('.mat')));
  it.each(withMat.map((e) => [e.id, e] as const))('%s', (_id, e) => {
    const bytes = readA(e.files.find((f) => f.endsWith('.mat'))!);
    if (bytes.length === 0) {
      // nibabel skips an empty sidecar before loadmat; for readMatFile it is a bad file
      expect(() => readMatFile(bytes)).toThrow(ImageFileError);
      return;
    }
    const vars = readMatFile(bytes);
    if (e.mat) expect([...vars.keys()].sort()).toEqual(e.mat.keys);
    const spm = e.as!.Spm99AnalyzeImage!;
    if (spm.outcome.outcome === 'error') {
      // nibabel raises when the sidecar has neither key
      expect(vars.has('mat') || vars.has('M')).toBe(false);
      return;
    }
    // nibabel: "mat" (first of a stack) wins, else flip · M; then shifted for 1-based voxels
    const base = vars.has('mat') ? rows(vars.get('mat')!) : mul(flipX, rows(vars.get('M')!));
    const got = mul(base, to111);
    const want = spm.affine!.map((row) => row.map(Number));
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(got[r]![c]).toBeCloseTo(want[r]![c]!, 10);
    // what nibabel's SPM99/SPM2 writer saved comes back byte for byte from writeMatV4
    if (e.group === 'write') {
      const again = writeMatV4({ M: vars.get('M')!, mat: vars.get('mat')! });
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
