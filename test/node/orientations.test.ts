/**
 * src/orientations.ts against nibabel: every expected value comes from
 * test/fixtures/orientations.json, written by test/fixtures/generate-orientations.py with
 * nibabel's orientations module (5.0.0; io_orientation's HEAD rule derived from it, see there).
 */
import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/orientations.json';
import { NDArray } from '../../src/ndarray';
import {
  aff2axcodes,
  applyOrientation,
  axcodes2ornt,
  invOrntAff,
  ioOrientation,
  orntTransform,
  ornt2axcodes,
  type AxisLabels,
  type Ornt,
} from '../../src/orientations';

/** JSON has no NaN: the generator writes dropped rows as null. */
const fromJson = (rows: (number | null)[][]): Ornt => rows.map((r) => [r[0] ?? Number.NaN, r[1] ?? Number.NaN]);

/** Every voxel of `a` in column-major order. */
function flatF(a: NDArray): number[] {
  const out: number[] = [];
  const idx = new Array<number>(a.ndim).fill(0);
  for (let n = 0; n < a.size; n++) {
    out.push(a.get(...idx));
    for (let k = 0; k < a.ndim; k++) {
      if (++idx[k] < a.shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

describe('ioOrientation / aff2axcodes (nibabel io_orientation, aff2axcodes)', () => {
  it('covers the awkward cases', () => {
    const names = fixture.io_orientation.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['zero_column', 'three_in_two_out', 'example4d_sform', 'oblique_rule_differs_0']));
    expect(fixture.io_orientation.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of fixture.io_orientation) {
    it(`${c.name}`, () => {
      const ornt = ioOrientation(c.affine);
      expect(ornt).toEqual(fromJson(c.ornt));
      if (c.axcodes) expect(aff2axcodes(c.affine)).toEqual(c.axcodes);
    });
  }

  it('follows the strongest-first rule where nibabel 5.0 differs', () => {
    const differ = fixture.io_orientation.filter((c) => 'ornt_5_0' in c);
    expect(differ.length).toBeGreaterThan(0);
    for (const c of differ) {
      const ornt = ioOrientation(c.affine);
      expect(ornt).toEqual(fromJson(c.ornt));
      expect(ornt).not.toEqual(fromJson((c as { ornt_5_0: number[][] }).ornt_5_0));
    }
  });

  it('honours custom labels and tol', () => {
    const aff = [[0, 1, 0, 10], [-1, 0, 0, 20], [0, 0, 1, 30], [0, 0, 0, 1]];
    const labels: AxisLabels = [['L', 'R'], ['B', 'F'], ['D', 'U']];
    expect(aff2axcodes(aff, { labels })).toEqual(['B', 'R', 'U']); // nibabel's docstring example
    // A huge tol treats every singular value as zero: every axis is dropped.
    expect(aff2axcodes(aff, { tol: 10 })).toEqual([null, null, null]);
  });

  it('rejects a non-matrix', () => {
    expect(() => ioOrientation([[1, 2], [3]])).toThrow(RangeError);
    expect(() => ioOrientation([[1]])).toThrow(RangeError);
  });
});

describe('axcodes2ornt / ornt2axcodes', () => {
  for (const c of fixture.axcodes2ornt) {
    it(`${c.axcodes.join('')}${c.labels ? ' (custom labels)' : ''}`, () => {
      const labels = (c.labels ?? undefined) as AxisLabels | undefined;
      const ornt = axcodes2ornt(c.axcodes, { labels });
      expect(ornt).toEqual(fromJson(c.ornt));
      expect(ornt2axcodes(ornt, { labels })).toEqual(c.axcodes);
    });
  }

  it('accepts a string of codes', () => {
    expect(axcodes2ornt('LPS')).toEqual([[0, -1], [1, -1], [2, 1]]);
  });

  it('rejects unknown codes, duplicate labels, bad directions', () => {
    expect(() => axcodes2ornt(['R', 'X', 'S'])).toThrow(RangeError);
    expect(() => axcodes2ornt(['R'], { labels: [['L', 'R'], ['R', 'A']] })).toThrow(/duplicate/);
    expect(() => ornt2axcodes([[0, 0]])).toThrow(RangeError);
    expect(() => ornt2axcodes([[0.5, 1]])).toThrow(/non integer/);
  });
});

describe('orntTransform (nibabel ornt_transform)', () => {
  for (const [k, c] of fixture.ornt_transform.entries()) {
    it(`case ${k} (${c.start.length} axes)`, () => {
      expect(orntTransform(c.start, c.end)).toEqual(c.result);
    });
  }

  it('rejects mismatched or incompatible orientations', () => {
    expect(() => orntTransform([[0, 1]], [[0, 1], [1, 1]])).toThrow(/same shape/);
    expect(() => orntTransform([[0, 1], [1, 1]], [[0, 1], [2, 1]])).toThrow(/unable to find/);
  });
});

describe('applyOrientation / invOrntAff (nibabel apply_orientation, inv_ornt_aff)', () => {
  const { base_shape, base_data_f, cases } = fixture.apply_orientation;
  const base = new NDArray(Int16Array.from(base_data_f), base_shape);

  for (const [k, c] of cases.entries()) {
    it(`case ${k}: ${JSON.stringify(c.ornt)}`, () => {
      const out = applyOrientation(base, c.ornt);
      expect(out.shape).toEqual(c.shape);
      expect(out.data).toBe(base.data); // a view, not a copy
      expect(flatF(out)).toEqual(c.data_f);
      expect(invOrntAff(c.ornt, base_shape)).toEqual(c.inv_ornt_aff);
    });
  }

  it('maps voxel coordinates back through invOrntAff', () => {
    // For every case, out[i] must equal base[invOrntAff · i]: the two functions agree.
    for (const c of cases) {
      const out = applyOrientation(base, c.ornt);
      const m = invOrntAff(c.ornt, base_shape);
      const [a, b, d] = out.shape;
      for (const idx of [[0, 0, 0], [1, 2, 3].map((x, k) => Math.min(x, out.shape[k] - 1)), [a - 1, b - 1, d - 1], [a - 1, 0, d - 1]]) {
        const src = m.slice(0, 3).map((row) => row[0] * idx[0] + row[1] * idx[1] + row[2] * idx[2] + row[3]);
        expect(out.get(...idx, 1)).toBe(base.get(...src, 1));
      }
    }
  });

  it('round-trips: applying the inverse transform restores the array', () => {
    const start = axcodes2ornt('PSL');
    const toRas = orntTransform(start, axcodes2ornt('RAS'));
    const back = orntTransform(axcodes2ornt('RAS'), start);
    const there = applyOrientation(base, toRas);
    expect(flatF(applyOrientation(there, back))).toEqual(base_data_f);
  });

  it('rejects dropped axes and too many rows', () => {
    expect(() => applyOrientation(base, [[Number.NaN, Number.NaN], [1, 1], [2, 1]])).toThrow(/drop/);
    expect(() => applyOrientation(base, [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]])).toThrow(/fewer dimensions/);
    expect(() => applyOrientation(base, [[0, 1], [0, 1], [2, 1]])).toThrow(/permutation/);
    expect(() => invOrntAff([[Number.NaN, Number.NaN]], [3])).toThrow(/invert/);
  });
});
