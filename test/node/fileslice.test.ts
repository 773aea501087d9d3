/**
 * fileslice planning (src/proxy/fileslice.ts, src/proxy/slicing.ts): slice semantics against
 * CPython, segments and read shapes against nibabel's calc_slicedefs (expected values in
 * test/fixtures/fileslice-cases.json, written by test/fixtures/fileslice_cases.py), errors
 * against numpy's, and property tests against a read-everything oracle written here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexError, IndexTypeError } from '../../src/errors';
import { canonicalSlicers, predictShape } from '../../src/proxy/canonical-slicers';
import { type Order, SKIP_THRESH, calcSlicedefs, planRead, thresholdHeuristic } from '../../src/proxy/fileslice';
import { gather } from '../../src/proxy/gather';
import { type Index, type IndexItem, type Slice, fillSlicer, filledLength, isSlice, slice } from '../../src/proxy/slicing';
import { oracleIndex, pySlicePositions } from '../shared/numpy-oracle';
import fixture from '../fixtures/fileslice-cases.json';

/** '3' | ':' | '1:5:-2' | '...' → an index item (the fixture's Python-like notation). */
function parseItem(tok: string): IndexItem {
  if (tok === '...') return '...';
  if (tok === ':') return null;
  if (tok.includes(':')) {
    const [a, b, c] = tok.split(':').map((p) => (p === '' ? null : Number(p)));
    return slice(a, b ?? null, c ?? null);
  }
  return Number(tok);
}

// ---------------------------------------------------------------------------------------
// The oracle: numpy basic indexing (test/shared/numpy-oracle.ts) on an in-memory "file".

/** Distinct bytes for element `e` (little-endian index plus a salt), itemsize bytes. */
function elementBytes(e: number, itemsize: number, out: Uint8Array, at: number): void {
  for (let b = 0; b < itemsize; b++) out[at + b] = ((e >>> (8 * (b % 4))) + b * 37) & 0xff;
}

/** A "file": `offset` junk bytes, then the array, then a little trailing junk. */
function makeFile(shape: number[], itemsize: number, offset: number): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const file = new Uint8Array(offset + n * itemsize + 7).fill(0xee);
  for (let e = 0; e < n; e++) elementBytes(e, itemsize, file, offset + e * itemsize);
  return file;
}

/** numpy's `arr[index]` as bytes, laid out in the array's own order. */
function oracle(shape: number[], itemsize: number, order: Order, index: Index, file: Uint8Array, offset: number) {
  const { shape: outShape, source } = oracleIndex(shape, order, index);
  const out = new Uint8Array(source.length * itemsize);
  source.forEach((e, o) => out.set(file.subarray(offset + e * itemsize, offset + (e + 1) * itemsize), o * itemsize));
  return { shape: outShape, bytes: out };
}

/** Runs a plan against the in-memory file: concatenate segments, then gather. */
function execute(plan: ReturnType<typeof planRead>, file: Uint8Array, itemsize: number): Uint8Array {
  const buf = new Uint8Array(plan.nbytes);
  let at = 0;
  for (const [off, len] of plan.segments) {
    buf.set(file.subarray(off, off + len), at);
    at += len;
  }
  return plan.gather ? gather(buf, itemsize, plan.gather) : buf;
}

// ---------------------------------------------------------------------------------------

describe('slice()', () => {
  it('follows Python: one argument is the stop', () => {
    const fields = (s: Slice) => [s.start, s.stop, s.step];
    expect(fields(slice(5))).toEqual([null, 5, null]);
    expect(fields(slice(2, 5))).toEqual([2, 5, null]);
    expect(fields(slice(null, null, -1))).toEqual([null, null, -1]);
    expect(fields(slice(undefined, 3))).toEqual([null, 3, null]);
    expect(fields(slice())).toEqual([null, null, null]);
    expect(fields(slice(-0, 1))).toEqual([0, 1, null]);
  });

  it('is frozen and tagged; look-alikes are not slices', () => {
    const s = slice(1, 2, 3);
    expect(Object.isFrozen(s)).toBe(true);
    expect(isSlice(s)).toBe(true);
    expect(isSlice({ start: 1, stop: 2, step: 3 })).toBe(false);
    expect(isSlice(null)).toBe(false);
    expect(() => {
      (s as { start: number }).start = 0;
    }).toThrow(TypeError);
  });

  it('rejects step 0 and non-integer bounds', () => {
    expect(() => slice(0, 5, 0)).toThrow(RangeError);
    expect(() => slice(0, 5, 0)).toThrow(/^slice step cannot be zero; use 1/);
    expect(() => slice(0, 5, 0)).toThrow(expect.objectContaining({ name: 'IndexError', code: 'SLICE_STEP_ZERO' }));
    expect(() => slice(1.5, 3)).toThrow(expect.objectContaining({ name: 'IndexTypeError', code: 'BAD_SLICE_BOUND' }));
    expect(() => (slice as (...a: number[]) => unknown)(1, 2, 3, 4)).toThrow(expect.objectContaining({ code: 'SLICE_ARGS' }));
    expect(() => slice(1.5, 3)).toThrow(TypeError);
    expect(() => slice(0, Number.NaN)).toThrow(TypeError);
    expect(() => slice(0, Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => slice('1' as unknown as number)).toThrow(/integer/);
    expect(() => (slice as (...a: unknown[]) => unknown)(1, 2, 3, 4)).toThrow(/at most 3/);
  });

  it('fillSlicer / filledLength equal CPython list slicing on the fixture grid', () => {
    const rows = fixture.slices as [number, number | null, number | null, number | null, number[]][];
    expect(rows.length).toBeGreaterThan(1000);
    for (const [n, a, b, c, expected] of rows) {
      const f = fillSlicer(slice(a, b, c), n);
      const got: number[] = [];
      for (let x = f.start, k = 0; k < filledLength(f); k++, x += f.step) got.push(x);
      expect(got, `range(${n})[${a}:${b}:${c}]`).toEqual(expected);
      // The oracle used below must agree with Python too.
      expect(pySlicePositions(n, a, b, c)).toEqual(expected);
    }
  });
});

describe('canonicalSlicers / predictShape', () => {
  it('expands the ellipsis, pads, and normalises full slices and negative integers', () => {
    const shape = [4, 5, 6, 7];
    expect(canonicalSlicers([], shape)).toEqual([null, null, null, null]);
    expect(canonicalSlicers(undefined, shape)).toEqual([null, null, null, null]);
    expect(canonicalSlicers(['...', -1], shape)).toEqual([null, null, null, 6]);
    expect(canonicalSlicers([1, '...', 2], shape)).toEqual([1, null, null, 2]);
    expect(canonicalSlicers([slice(0, 4), slice(-5, null), slice(null, 99)], shape)).toEqual([null, null, null, null]);
    const s = slice(1, 3);
    expect(canonicalSlicers([s], shape)).toEqual([s, null, null, null]);
    expect(canonicalSlicers(['...'], shape)).toEqual([null, null, null, null]);
  });

  it('predicts numpy shapes', () => {
    expect(predictShape([slice(null, null, 2), 3], [4, 5])).toEqual([2]);
    expect(predictShape([0, 0, 0, 0], [4, 5, 6, 7])).toEqual([]);
    expect(predictShape(['...', slice(5, 2)], [4, 5, 6])).toEqual([4, 5, 0]);
    expect(predictShape([slice(null, null, -3)], [10])).toEqual([4]);
  });

  const shape = [3, 4, 5];
  // numpy's message first, then what to pass instead; IndexError is a RangeError and
  // IndexTypeError a TypeError, each with a code (errors.ts)
  const errors: [string, unknown, typeof IndexError | typeof IndexTypeError, RegExp, string][] = [
    ['too many', [0, 0, 0, 0], IndexError, /^too many indices for array: array is 3-dimensional, but 4 were indexed; give at most 3 items/, 'TOO_MANY_INDICES'],
    ['two ellipses', ['...', 0, '...'], IndexTypeError, /single ellipsis.*null/, 'TWO_ELLIPSES'],
    ['int too large', [3], IndexError, /^index 3 is out of bounds for axis 0 with size 3; use an integer from -3 to 2/, 'INDEX_OUT_OF_BOUNDS'],
    ['int too small', [0, -5], IndexError, /^index -5 is out of bounds for axis 1 with size 4; use an integer from -4 to 3/, 'INDEX_OUT_OF_BOUNDS'],
    ['int on an empty axis', [0, 0, 0], IndexError, /with size 0; the axis is empty: use null or a slice/, 'INDEX_OUT_OF_BOUNDS'],
    ['float', [1.5], IndexTypeError, /integers only/, 'BAD_INDEX_ITEM'],
    ['NaN', [Number.NaN], IndexTypeError, /valid index items/, 'BAD_INDEX_ITEM'],
    ['string', ['a'], IndexTypeError, /"a" at position 0/, 'BAD_INDEX_ITEM'],
    ['plain object', [{ start: 0, stop: 2, step: 1 }], IndexTypeError, /use slice\(start, stop, step\)/, 'BAD_INDEX_ITEM'],
    ['bigint', [1n], IndexTypeError, /1n/, 'BAD_INDEX_ITEM'],
    ['nested array', [[0, 1]], IndexTypeError, /array/, 'BAD_INDEX_ITEM'],
    ['not an array', 5, IndexTypeError, /must be an array/, 'INDEX_NOT_ARRAY'],
  ];
  it.each(errors)('rejects %s', (name, index, Err, msg, code) => {
    const shp = name === 'int on an empty axis' ? [3, 4, 0] : shape;
    expect(() => canonicalSlicers(index as Index, shp)).toThrow(Err);
    expect(() => canonicalSlicers(index as Index, shp)).toThrow(Err === IndexError ? RangeError : TypeError);
    expect(() => canonicalSlicers(index as Index, shp)).toThrow(msg);
    expect(() => canonicalSlicers(index as Index, shp)).toThrow(expect.objectContaining({ code }));
    expect(() => planRead(index as Index, shp, 2, 0, 'F')).toThrow(Err);
  });

  it('rejects bad orders, shapes, itemsizes and offsets', () => {
    expect(() => planRead([], [2], 2, 0, 'X' as Order)).toThrow(TypeError);
    expect(() => planRead([], [2.5], 2, 0)).toThrow(RangeError);
    expect(() => planRead([], [2], 0, 0)).toThrow(RangeError);
    expect(() => planRead([], [2], 2, -1)).toThrow(RangeError);
  });
});

describe('thresholdHeuristic (nibabel SKIP_THRESH = 256)', () => {
  it.each([
    // [slicer, dimLen, stride, expected]
    [5, 129, 2, 'full'], // gap (129-1)*2 = 256 ≤ 256
    [5, 130, 2, null], // 258 > 256
    [{ start: 0, stop: 10, step: 2 }, 10, 2, 'full'],
    [{ start: 0, stop: 10, step: 2 }, 300, 2, 'contiguous'],
    [{ start: 0, stop: 10, step: 200 }, 3000, 2, null], // step gap 400 > 256
    [{ start: 9, stop: -1, step: -3 }, 300, 1, 'contiguous'],
  ] as const)('%j on len %i stride %i → %s', (s, n, stride, want) => {
    expect(thresholdHeuristic(s, n, stride)).toBe(want);
  });
  it('exports nibabel’s threshold', () => expect(SKIP_THRESH).toBe(256));
});

describe('calcSlicedefs matches nibabel 5.0.0', () => {
  const cases = fixture.nibabel as {
    shape: number[];
    itemsize: number;
    offset: number;
    order: Order;
    index: string[];
    segments: [number, number][];
    readShape: number[];
    outShape: number[];
  }[];
  it('has the fixture', () => expect(cases.length).toBeGreaterThan(80));
  it.each(cases.map((c) => [`${c.order} [${c.shape}]×${c.itemsize} [${c.index.join(', ')}]`, c] as const))(
    '%s',
    (_name, c) => {
      const index = c.index.map(parseItem);
      const defs = calcSlicedefs(index, c.shape, c.itemsize, c.offset, c.order);
      const plan = planRead(index, c.shape, c.itemsize, c.offset, c.order);
      expect(plan.shape).toEqual(c.outShape);
      if (c.outShape.includes(0)) {
        // Empty result: we plan no reads (nibabel sometimes reads a few bytes it discards).
        expect(plan.segments).toEqual([]);
      } else {
        expect(defs.segments).toEqual(c.segments);
        expect(defs.readShape).toEqual(c.readShape);
        expect(plan.segments).toEqual(c.segments);
      }
      const file = makeFile(c.shape, c.itemsize, c.offset);
      const want = oracle(c.shape, c.itemsize, c.order, index, file, c.offset);
      expect(execute(plan, file, c.itemsize)).toEqual(want.bytes);
    },
  );

  it('reproduces the example4d read sizes from reference/nibabel.md', () => {
    const shape = [128, 96, 24, 2];
    const total = (ix: Index) => planRead(ix, shape, 2, 352, 'F').segments;
    expect(total(['...', 0])).toEqual([[352, 589824]]);
    expect(total([null, null, 5, 1]).map((s) => s[1])).toEqual([24576]);
    expect(total([64, null, null, 0])).toEqual([[352, 589824]]);
    expect(total([0, 0, 0, 0])).toEqual([[352, 256]]);
    const many = total([slice(10, 20, 3), slice(5, 50, 10), slice(null, null, -2), null]);
    expect(many.length).toBe(120);
    expect(many.reduce((a, s) => a + s[1], 0)).toBe(30720);
  });
});

describe('planRead', () => {
  it('reads the whole array in one segment', () => {
    const p = planRead(undefined, [4, 5, 6], 4, 352, 'F');
    expect(p).toMatchObject({ segments: [[352, 480]], nbytes: 480, shape: [4, 5, 6], gather: null, whole: true });
    expect(planRead(['...'], [4, 5, 6], 4, 352, 'C').whole).toBe(true);
    expect(planRead([slice(0, 4)], [4, 5, 6], 4, 352, 'C').whole).toBe(true);
    expect(planRead([slice(0, 3)], [4, 5, 6], 4, 352, 'C').whole).toBe(false);
  });

  it('handles a 0-d array and empty selections', () => {
    expect(planRead([], [], 8, 16, 'F')).toMatchObject({ segments: [[16, 8]], shape: [], nbytes: 8 });
    const empty = planRead([slice(3, 1)], [5, 5], 2, 0, 'F');
    expect(empty.shape).toEqual([0, 5]);
    expect(empty.nbytes).toBe(0);
    expect(planRead([], [0, 5], 2, 0, 'F').nbytes).toBe(0);
  });

  it('widens reads when the plain plan needs more than maxSegments', () => {
    // A sagittal slice of a 256×64×40 int16 volume: nibabel reads 64·40 2-byte segments
    // (the x gap, 255·2 bytes, is over the 256-byte threshold).
    const plain = planRead([5, null, null], [256, 64, 40], 2, 352, 'F');
    expect(plain.segments.length).toBe(64 * 40);
    expect(plain.skipThresh).toBe(SKIP_THRESH);
    const capped = planRead([5, null, null], [256, 64, 40], 2, 352, 'F', { maxSegments: 100 });
    expect(capped.segments.length).toBeLessThanOrEqual(100);
    expect(capped.skipThresh).toBeGreaterThan(SKIP_THRESH);
    const file = makeFile([256, 64, 40], 2, 352);
    expect(execute(capped, file, 2)).toEqual(execute(plain, file, 2));
  });

  it('never asks for bytes outside the array, in ascending order', () => {
    const p = planRead([slice(null, null, -1), 3, slice(1, null, 4)], [300, 10, 20], 8, 100, 'F');
    let end = 100;
    for (const [off, len] of p.segments) {
      expect(off).toBeGreaterThanOrEqual(end);
      end = off + len;
    }
    expect(end).toBeLessThanOrEqual(100 + 300 * 10 * 20 * 8);
  });
});

// ---------------------------------------------------------------------------------------

const itemArb = (n: number): fc.Arbitrary<IndexItem> =>
  fc.oneof(
    { weight: 3, arbitrary: n > 0 ? fc.integer({ min: -n, max: n - 1 }) : fc.constant(null) },
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          fc.option(fc.integer({ min: -n - 3, max: n + 3 })),
          fc.option(fc.integer({ min: -n - 3, max: n + 3 })),
          fc.option(fc.integer({ min: -4, max: 4 }).filter((k) => k !== 0)),
        )
        .map(([a, b, c]) => slice(a, b, c)),
    },
  );

const caseArb = fc
  .record({
    shape: fc.array(fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 7 }) }, { weight: 1, arbitrary: fc.constant(0) }), {
      minLength: 1,
      maxLength: 5,
    }),
    itemsize: fc.constantFrom(1, 2, 3, 4, 8, 16),
    order: fc.constantFrom<Order>('F', 'C'),
    offset: fc.integer({ min: 0, max: 40 }),
    skipThresh: fc.constantFrom(0, 8, 64, SKIP_THRESH, 1e9),
    maxSegments: fc.constantFrom(1, 3, 50, 1 << 16),
    ellipsis: fc.option(fc.tuple(fc.nat(), fc.nat())),
    keep: fc.nat(),
  })
  .chain((c) =>
    fc.tuple(...c.shape.map((n) => itemArb(n))).map((items) => {
      let index: IndexItem[] = items;
      if (c.ellipsis) {
        const a = c.ellipsis[0] % (items.length + 1);
        const b = a + (c.ellipsis[1] % (items.length - a + 1));
        index = [...items.slice(0, a), '...', ...items.slice(b)];
      } else {
        index = items.slice(0, c.keep % (items.length + 1));
      }
      return { ...c, index };
    }),
  );

describe('property: planRead + gather equals numpy basic indexing', () => {
  it('on random shapes, indices, orders, item sizes and thresholds', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const plan = planRead(c.index, c.shape, c.itemsize, c.offset, c.order, {
          skipThresh: c.skipThresh,
          maxSegments: c.maxSegments,
        });
        const file = makeFile(c.shape, c.itemsize, c.offset);
        const want = oracle(c.shape, c.itemsize, c.order, c.index, file, c.offset);
        expect(plan.shape).toEqual(want.shape);
        expect(predictShape(c.index, c.shape)).toEqual(want.shape);
        expect(plan.segments.length).toBeLessThanOrEqual(Math.max(c.maxSegments, 1));
        let end = c.offset;
        let sum = 0;
        for (const [off, len] of plan.segments) {
          expect(off).toBeGreaterThanOrEqual(end);
          end = off + len;
          sum += len;
        }
        expect(sum).toBe(plan.nbytes);
        expect(end).toBeLessThanOrEqual(c.offset + c.shape.reduce((a, b) => a * b, 1) * c.itemsize);
        // With no skipping allowed and no segment cap, only needed bytes are read.
        if (c.skipThresh === 0 && c.maxSegments === 1 << 16) {
          expect(plan.nbytes).toBe(want.bytes.length);
        }
        expect(execute(plan, file, c.itemsize)).toEqual(want.bytes);
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });

  it('on unseeded runs too', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const plan = planRead(c.index, c.shape, c.itemsize, c.offset, c.order, { skipThresh: c.skipThresh });
        const file = makeFile(c.shape, c.itemsize, c.offset);
        expect(execute(plan, file, c.itemsize)).toEqual(oracle(c.shape, c.itemsize, c.order, c.index, file, c.offset).bytes);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('gather', () => {
  it('copies unaligned multi-byte items byte by byte', () => {
    const src = new Uint8Array(13).map((_, i) => i);
    // Items of 4 bytes starting at byte 1 of the buffer: an unaligned view.
    const out = gather(src.subarray(1), 4, { counts: [3], strides: [-1], offset: 2 });
    expect([...out]).toEqual([9, 10, 11, 12, 5, 6, 7, 8, 1, 2, 3, 4]);
  });
  it('refuses a placement outside the buffer', () => {
    expect(() => gather(new Uint8Array(8), 2, { counts: [5], strides: [1], offset: 0 })).toThrow(RangeError);
  });
});
