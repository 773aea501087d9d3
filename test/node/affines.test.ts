// src/affines.ts, src/linalg.ts and src/quaternions.ts against nibabel.affines /
// nibabel.quaternions on random inputs (values from test/fixtures/generate-headers.py), plus
// docstring examples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendDiag, applyAffine, dotReduce, fromMatvec, obliquity, rescaleAffine, shapeZoomAffine, toMatvec, voxelSizes } from '../../src/affines';
import { allclose, det3, eighSymmetric, eye, inv4, matmul, matmul4, nearestOrthogonal3, transpose } from '../../src/linalg';
import { angleAxis2quat, fillpositive, inverse, mat2quat, mult, nearlyEquivalent, quat2mat, rotateVector } from '../../src/quaternions';
import { EXPECTED, expectClose } from '../shared/header-fixtures';

describe('against nibabel.affines on random oblique affines', () => {
  EXPECTED.affines.forEach((c, i) => {
    it(`case ${i}`, () => {
      expectClose(applyAffine(c.affine, c.points), c.applied, 1e-13);
      expectClose(applyAffine(c.affine, c.points[0]!), c.applied[0], 1e-13);
      expectClose(voxelSizes(c.affine), c.voxel_sizes, 1e-14);
      expectClose(obliquity(c.affine), c.obliquity, 1e-7);
      expectClose(rescaleAffine(c.affine, c.rescale.shape, c.rescale.zooms, c.rescale.new_shape), c.rescale.value, 1e-12);
      expectClose(inv4(c.affine), c.inverse, 1e-12);
      expectClose(appendDiag(c.affine, [9, 10], [99, 100]), c.append_diag, 0);
    });
  });
});

describe('against nibabel.quaternions', () => {
  EXPECTED.affines.forEach((c, i) => {
    it(`case ${i}`, () => {
      const q = mat2quat(c.rotation);
      expect(nearlyEquivalent(q, c.mat2quat, 1e-12, 1e-14)).toBe(true);
      expect(q[0]).toBeGreaterThanOrEqual(0);
      expectClose(quat2mat(c.quat), c.quat2mat, 1e-14);
      expectClose(fillpositive(c.xyz), c.fillpositive, 1e-15);
      expectClose(quat2mat(q), c.rotation, 1e-13);
    });
  });
});

describe('affine helpers', () => {
  const aff = [
    [2, 0, 0, 9],
    [0, 3, 0, 10],
    [0, 0, 4, 11],
    [0, 0, 0, 1],
  ];
  it('toMatvec / fromMatvec (docstring examples)', () => {
    expect(toMatvec(aff)).toEqual([
      [
        [2, 0, 0],
        [0, 3, 0],
        [0, 0, 4],
      ],
      [9, 10, 11],
    ]);
    expect(fromMatvec(...toMatvec(aff))).toEqual(aff);
    expect(fromMatvec([[2, 0, 0], [0, 3, 0], [0, 0, 4]])).toEqual([
      [2, 0, 0, 0],
      [0, 3, 0, 0],
      [0, 0, 4, 0],
      [0, 0, 0, 1],
    ]);
    expect(() => fromMatvec([[1, 0], [0, 1]], [1])).toThrow(RangeError);
  });

  it('applyAffine (docstring example)', () => {
    const a = [
      [0, 2, 0, 10],
      [3, 0, 0, 11],
      [0, 0, 4, 12],
      [0, 0, 0, 1],
    ];
    const pts = [
      [1, 2, 3],
      [2, 3, 4],
      [4, 5, 6],
      [6, 7, 8],
    ];
    expect(applyAffine(a, pts)).toEqual([
      [14, 14, 24],
      [16, 17, 28],
      [20, 23, 36],
      [24, 29, 44],
    ]);
    expect(() => applyAffine(a, [1, 2])).toThrow(RangeError);
  });

  it('appendDiag (docstring example) and errors', () => {
    const a = [
      [0, 1, 2, 0],
      [3, 4, 5, 0],
      [6, 7, 8, 0],
      [0, 0, 0, 1],
    ];
    expect(appendDiag(a, [9, 10], [99, 100])).toEqual([
      [0, 1, 2, 0, 0, 0],
      [3, 4, 5, 0, 0, 0],
      [6, 7, 8, 0, 0, 0],
      [0, 0, 0, 9, 0, 99],
      [0, 0, 0, 0, 10, 100],
      [0, 0, 0, 0, 0, 1],
    ]);
    expect(() => appendDiag(a, [9, 10], [1])).toThrow(RangeError);
  });

  it('matmul, dotReduce, transpose, inverse', () => {
    expect(matmul4(aff, eye(4))).toEqual(aff);
    expect(dotReduce(aff, eye(4), aff)).toEqual(matmul(aff, aff));
    expect(transpose([[1, 2, 3]])).toEqual([[1], [2], [3]]);
    expect(allclose(matmul(inv4(aff), aff), eye(4), 0, 1e-15)).toBe(true);
    expect(() => inv4([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toThrow(RangeError);
    expect(() => matmul([[1, 2]], [[1, 2]])).toThrow(RangeError);
    expect(() => matmul4([[1]], aff)).toThrow(RangeError);
  });

  it('shapeZoomAffine (nibabel docstring: (3,5,7), (3,2,1))', () => {
    expect(shapeZoomAffine([3, 5, 7], [3, 2, 1])).toEqual([
      [-3, 0, 0, 3],
      [0, 2, 0, -4],
      [0, 0, 1, -3],
      [0, 0, 0, 1],
    ]);
    expect(shapeZoomAffine([3, 5, 7], [3, 2, 1], false)).toEqual([
      [3, 0, 0, -3],
      [0, 2, 0, -4],
      [0, 0, 1, -3],
      [0, 0, 0, 1],
    ]);
    expect(shapeZoomAffine([5], [2])).toEqual([
      [-2, 0, 0, 4],
      [0, 1, 0, -0],
      [0, 0, 1, -0],
      [0, 0, 0, 1],
    ]);
    expect(() => shapeZoomAffine([1, 2], [1])).toThrow(RangeError);
  });
});

describe('linear algebra used by setQform', () => {
  const rnd = (r: () => number): number[][] => [0, 1, 2].map(() => [0, 1, 2].map(() => r()));
  it('eighSymmetric: A·v = λ·v with orthonormal vectors', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 16, maxLength: 16 }), (xs) => {
        const a = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i >= j ? xs[i * 4 + j]! : xs[j * 4 + i]!)));
        const { values, vectors } = eighSymmetric(a);
        for (let k = 1; k < 4; k++) expect(values[k]! >= values[k - 1]!).toBe(true);
        const av = matmul(a, vectors);
        const scale = Math.max(1, ...values.map(Math.abs));
        for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) expect(Math.abs(av[i]![k]! - values[k]! * vectors[i]![k]!)).toBeLessThan(1e-11 * scale);
        expect(allclose(matmul(transpose(vectors), vectors), eye(4), 0, 1e-12)).toBe(true);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('nearestOrthogonal3: orthogonal, and the identity on rotations', () => {
    let seed = 1;
    const r = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    for (let n = 0; n < 200; n++) {
      const m = rnd(r).map((row, i) => row.map((v, j) => v + (i === j ? 2 : 0)));
      const p = nearestOrthogonal3(m);
      expect(allclose(matmul(transpose(p), p), eye(3), 0, 1e-13)).toBe(true);
      expect(Math.sign(det3(p))).toBe(Math.sign(det3(m)));
      const q = quat2mat(angleAxis2quat(r() * 6, [r(), r(), r()]));
      expect(allclose(nearestOrthogonal3(q), q, 0, 1e-14)).toBe(true);
    }
    expect(() => nearestOrthogonal3([[1, 0, 0], [0, 0, 0], [0, 0, 0]])).toThrow(RangeError);
    expect(() => nearestOrthogonal3([[NaN, 0, 0], [0, 1, 0], [0, 0, 1]])).toThrow(RangeError);
    // Rank 2: completed to a rotation.
    const p = nearestOrthogonal3([[1, 0, 0], [0, 1, 0], [0, 0, 0]]);
    expect(allclose(p, eye(3), 0, 1e-14)).toBe(true);
  });
});

describe('quaternions', () => {
  it('fillpositive: nibabel HEAD symmetric threshold', () => {
    expect(fillpositive([0, 0, 0])).toEqual([1, 0, 0, 0]);
    expect(fillpositive([1, 0, 0])).toEqual([0, 1, 0, 0]);
    // w² tiny positive below the threshold → 0 (5.0.0 gave √w²).
    expect(fillpositive([0, 0, Math.sqrt(1 - 1e-9)], 3 * 2 ** -23)[0]).toBe(0);
    expect(fillpositive([0, 0, Math.sqrt(1 - 1e-9)])[0]).toBeCloseTo(Math.sqrt(1e-9), 9);
    expect(() => fillpositive([1, 1, 0])).toThrow(/w2 should be positive/);
    expect(() => fillpositive([1, 0])).toThrow(RangeError);
    expect(fillpositive([NaN, 0, 0])[0]).toBeNaN();
  });

  it('quat2mat / mat2quat examples', () => {
    expectClose(quat2mat([1, 0, 0, 0]), eye(3), 0);
    expectClose(quat2mat([0, 1, 0, 0]), [[1, 0, 0], [0, -1, 0], [0, 0, -1]], 0);
    expect(quat2mat([0, 0, 0, 0])).toEqual(eye(3));
    expectClose(mat2quat(eye(3)), [1, 0, 0, 0], 1e-15);
    expectClose(mat2quat([[1, 0, 0], [0, -1, 0], [0, 0, -1]]), [0, 1, 0, 0], 1e-15);
    expectClose(mat2quat([[-1, 0, 0], [0, 1, 0], [0, 0, -1]]), [0, 0, 1, 0], 1e-15);
  });

  it('mult, inverse, rotateVector', () => {
    const q = angleAxis2quat(Math.PI / 2, [0, 0, 1]);
    expectClose(rotateVector([1, 0, 0], q), [0, 1, 0], 1e-15);
    expectClose(mult(q, inverse(q)), [1, 0, 0, 0], 1e-15);
    expect(nearlyEquivalent([1, 0, 0, 0], [-1, 0, 0, 0])).toBe(true);
    expect(nearlyEquivalent([1, 0, 0, 0], [0, 1, 0, 0])).toBe(false);
  });

  it('mat2quat ∘ quat2mat is the identity on rotations (up to sign)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })),
        (q) => {
          const n = Math.hypot(...q);
          fc.pre(n > 1e-3);
          const u = q.map((v) => v / n);
          const back = mat2quat(quat2mat(u));
          expect(nearlyEquivalent(back, u, 1e-9, 1e-12)).toBe(true);
        },
      ),
      { seed: 11, numRuns: 500 },
    );
  });
});
