// A nibabel user's first script, step by step against nibabel's answers
// (test/fixtures/first-script.json, written by generate-first-script.py):
//
//   img = nib.load(path)                 const img = await load(path)  // or a drop
//   can = nib.as_closest_canonical(img)  const can = asClosestCanonical(img)
//   print(can.header)                    console.log(String(can.header))
//   can.dataobj[:, :, k]                 await can.dataobj.get([null, null, k])
//   sub = can.slicer[2:8, :, k:k + 1]    const sub = await can.slicer([slice(2, 8), null, slice(k, k + 1)])
//   sub.get_fdata()                      await sub.getFdata()
//
// Run in Node (paths: test/node/first-script.test.ts) and in Chromium (dropped Files:
// test/browser/first-script.test.ts). The only normalisation is the printed class line, which
// names nibabel's module (see printing.test.ts).
import { describe, expect, it } from 'vitest';
import { type LoadedImage, NDArray, aff2axcodes, asClosestCanonical, isProxy, slice } from '../../src/index';
import expected from '../fixtures/first-script.json';

type Matrix = number[][];
interface Case {
  files: string[];
  class: string;
  shape: number[];
  affine: Matrix;
  axcodes: string[];
  canonical: { same: boolean; class: string; shape: number[]; affine: Matrix; axcodes: string[]; header_str: string };
  k: number;
  axial: { dtype: string; shape: number[]; values: number[] };
  slicer: { shape: number[]; affine: Matrix; fdata: number[] };
}

/** The file names of each case (first: the one a user names; all: the drop). */
export const FIRST_SCRIPT_CASES = (expected.cases as Case[]).map((c) => c.files);

const withoutModule = (s: string): string => s.replace(/^<class 'nibabel\.[\w.]+\.(\w+)'>/, "<class '$1'>");

/** Values in Fortran order (nibabel's `ravel(order='F')`), whatever the array's strides. */
function fortranValues(a: NDArray): number[] {
  const out: number[] = [];
  const idx = new Array<number>(a.shape.length).fill(0);
  const n = a.shape.reduce((p, x) => p * x, 1);
  for (let i = 0; i < n; i++) {
    out.push(a.get(...idx));
    for (let d = 0; d < idx.length; d++) {
      if (++idx[d]! < a.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function closeMatrix(got: ArrayLike<ArrayLike<number>>, want: Matrix, what: string): void {
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      expect(Math.abs(got[r]![c]! - want[r]![c]!), `${what}[${r}][${c}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[r]![c]!)));
    }
  }
}

function closeValues(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i]!)));
  }
}

/**
 * @param open how the platform opens a case: a path in Node, a drop of Files in a browser
 */
export function firstScriptSuite(open: (files: string[]) => Promise<LoadedImage>): void {
  describe("a nibabel user's first script, as nibabel runs it", () => {
    for (const c of expected.cases as Case[]) {
      it(c.files[0]!, async () => {
        // img = nib.load(path): only the header read
        const img = await open(c.files);
        expect(img.constructor.name).toBe(c.class);
        expect(img.shape).toEqual(c.shape);
        closeMatrix(img.affine!, c.affine, 'affine');
        expect(aff2axcodes(img.affine!)).toEqual(c.axcodes);
        expect(isProxy(img.dataobj)).toBe(true);

        // can = nib.as_closest_canonical(img): still a proxy, nothing decoded
        const can = asClosestCanonical(img);
        expect(can === img).toBe(c.canonical.same);
        expect(can.constructor.name).toBe(c.canonical.class);
        expect(can.shape).toEqual(c.canonical.shape);
        closeMatrix(can.affine!, c.canonical.affine, 'canonical affine');
        expect(aff2axcodes(can.affine!)).toEqual(c.canonical.axcodes);
        expect(isProxy(can.dataobj)).toBe(true);
        expect(can.inMemory).toBe(false);

        // print(can.header): the same text, field for field
        expect(String(can.header)).toBe(withoutModule(c.canonical.header_str));

        // can.dataobj[:, :, k]: scaled as nibabel scales, in nibabel's dtype
        const axial = await can.dataobj.get([null, null, c.k]);
        expect(axial.dtype).toBe(c.axial.dtype);
        expect(axial.shape).toEqual(c.axial.shape);
        closeValues(fortranValues(axial), c.axial.values, 'axial');

        // sub = can.slicer[2:8, :, k:k + 1]; sub.get_fdata()
        const sub = await can.slicer([slice(2, 8), null, slice(c.k, c.k + 1)]);
        expect(sub.shape).toEqual(c.slicer.shape);
        closeMatrix(sub.affine!, c.slicer.affine, 'sliced affine');
        const fdata = await sub.getFdata();
        expect(fdata.dtype).toBe('float64');
        closeValues(fortranValues(fdata), c.slicer.fdata, 'sub fdata');
        expect(can.inMemory, 'slicing read only what it needed: the canonical image holds no cache').toBe(false);
      });
    }
  });
}
