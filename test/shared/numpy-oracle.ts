/**
 * A read-everything oracle for tests: numpy basic indexing on an array stored contiguously
 * in 'F' or 'C' order, written from the Python language reference and numpy's indexing
 * rules, independently of src/proxy/fileslice.ts.
 */
import { type Index, type IndexItem, isSlice } from '../../src/proxy/slicing';

/** Python `list(range(n))[start:stop:step]`, straight from the language reference's definition. */
export function pySlicePositions(n: number, start: number | null, stop: number | null, step: number | null): number[] {
  const k = step ?? 1;
  // "If i or j is negative, the index is relative to the end"; then clamp to the valid range.
  const norm = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const out: number[] = [];
  if (k > 0) {
    const i = start === null ? 0 : norm(start, 0, n);
    const j = stop === null ? n : norm(stop, 0, n);
    for (let x = i; x < j; x += k) out.push(x);
  } else {
    const i = start === null ? n - 1 : norm(start, -1, n - 1);
    const j = stop === null ? -1 : norm(stop, -1, n - 1);
    for (let x = i; x > j; x += k) out.push(x);
  }
  return out;
}

/** Per-axis selections of `index` on `shape`: positions, and whether the axis is kept. */
export function oracleSelect(index: Index, shape: readonly number[]): { pos: number[]; keep: boolean }[] {
  const nReal = index.filter((x) => x !== '...').length;
  const items: IndexItem[] = [];
  for (const it of index) {
    if (it === '...') for (let k = 0; k < shape.length - nReal; k++) items.push(null);
    else items.push(it);
  }
  while (items.length < shape.length) items.push(null);
  return items.map((it, axis) => {
    const n = shape[axis];
    if (typeof it === 'number') return { pos: [it < 0 ? it + n : it], keep: false };
    if (it === null) return { pos: pySlicePositions(n, null, null, null), keep: true };
    if (isSlice(it)) return { pos: pySlicePositions(n, it.start, it.stop, it.step), keep: true };
    throw new Error('oracle: bad item');
  });
}

/**
 * `arr[index]` for an array of `shape` stored in `order`: the result shape, and for each
 * result element — visited in the result's own memory order (column-major for 'F',
 * row-major for 'C') — the memory index of the source element it comes from.
 */
export function oracleIndex(
  shape: readonly number[],
  order: 'F' | 'C',
  index: Index,
): { shape: number[]; source: number[] } {
  const sel = oracleSelect(index, shape);
  const memStride: number[] = new Array(shape.length);
  let s = 1;
  const axesFastFirst = order === 'F' ? shape.map((_, i) => i) : shape.map((_, i) => shape.length - 1 - i);
  for (const a of axesFastFirst) {
    memStride[a] = s;
    s *= shape[a];
  }
  const kept = sel.map((x, a) => ({ ...x, a })).filter((x) => x.keep);
  const outShape = kept.map((k) => k.pos.length);
  const fixedBase = sel.reduce((acc, x, a) => (x.keep ? acc : acc + x.pos[0] * memStride[a]), 0);
  const nOut = outShape.reduce((a, b) => a * b, 1);
  const source: number[] = [];
  const outFastFirst = order === 'F' ? kept.map((_, i) => i) : kept.map((_, i) => kept.length - 1 - i);
  const idx = new Array<number>(kept.length).fill(0);
  for (let o = 0; o < nOut; o++) {
    let e = fixedBase;
    kept.forEach((k, i) => {
      e += k.pos[idx[i]] * memStride[k.a];
    });
    source.push(e);
    for (const i of outFastFirst) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return { shape: outShape, source };
}
