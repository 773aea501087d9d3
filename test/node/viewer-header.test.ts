/**
 * The viewer's header table (examples/viewer/header-table.ts) on hand-made header objects
 * shaped like nibweb's, including headers that lack methods or throw.
 */
import { describe, expect, it } from 'vitest';
import { fmt, headerRows, type ImageLike } from '../../examples/viewer/header-table';

const affine = [
  [-2, 0, 0, 90],
  [0, 2, 0, -126],
  [0, 0, 2, -72],
  [0, 0, 0, 1],
];

const full: ImageLike = {
  shape: [91, 109, 91, 5],
  affine,
  header: {
    getDataDtype: () => 'int16',
    getZooms: () => [2, 2, 2, 2.5],
    getXyztUnits: () => ['mm', 'sec'],
    getSlopeInter: () => [null, null],
    getQform: () => [null, 0],
    getSform: () => [affine, 4],
    getIntent: () => ['time series', [], 'moving ball'],
    get: (f: string) => (f === 'descrip' ? 'hello\0garbage' : undefined),
    extensions: [
      { code: 6, content: new TextEncoder().encode('a comment\0') },
      { code: 4, content: Uint8Array.of(0, 1, 2, 200) },
    ],
  },
  dataobj: { slope: 0.5, inter: -10, isProxy: true },
};

const byKey = (img: ImageLike) => Object.fromEntries(headerRows(img, 'x.nii.gz').map((r) => [r.key, r]));

describe('headerRows', () => {
  it('shows every field of a full NIfTI header', () => {
    const r = byKey(full);
    expect(r.file.text).toBe('x.nii.gz');
    expect(r.shape.text).toBe('91 × 109 × 91 × 5 (4-D)');
    expect(r.zooms.text).toBe('2 × 2 × 2 mm, 2.5 sec');
    expect(r.dtype.text).toBe('int16');
    expect(r.scaling.text).toBe('value × 0.5 − 10');
    expect(r.orientation.text).toMatch(/^LAS/);
    expect(r.qform.text).toBe('code 0 (unknown) — not used');
    expect(r.qform.matrix).toBeUndefined();
    expect(r.sform.text).toBe('code 4 (mni)');
    expect(r.sform.matrix).toEqual(affine);
    expect(r.descrip.text).toBe('hello');
    expect(r.intent.text).toBe('time series “moving ball”');
    expect(r.extensions.text).toBe('code 6: 10 B: a comment; code 4: 4 B (binary)');
  });

  it('falls back to the header scaling, and says "none" for slope 0/NaN/1+0', () => {
    const noProxy = (si: (number | null)[]): ImageLike => ({ ...full, dataobj: undefined, header: { ...full.header, getSlopeInter: () => si } });
    expect(byKey(noProxy([2, 1])).scaling.text).toBe('value × 2 + 1');
    expect(byKey(noProxy([Number.NaN, 0])).scaling.text).toBe('none');
    expect(byKey(noProxy([0, 5])).scaling.text).toBe('none');
    expect(byKey(noProxy([null, null])).scaling.text).toBe('none');
    expect(byKey({ ...full, dataobj: { slope: 1, inter: 0 } }).scaling.text).toBe('none (slope 1, intercept 0)');
  });

  it('leaves out what a header cannot give, and survives methods that throw', () => {
    const sparse: ImageLike = {
      shape: [2, 3, 4],
      affine: null,
      header: {
        getZooms: () => [1, 1, 1],
        getQform: () => {
          throw new Error('no qform in this format');
        },
      },
    };
    const keys = headerRows(sparse).map((r) => r.key);
    expect(keys).toEqual(['shape', 'zooms']);
  });
});

describe('fmt', () => {
  it('keeps integers and trims floats', () => {
    expect(fmt(3)).toBe('3');
    expect(fmt(2.1999990940093994)).toBe('2.2');
    expect(fmt(-1e-20)).toBe('-1e-20');
    expect(fmt(Number.NaN)).toBe('NaN');
  });
});
