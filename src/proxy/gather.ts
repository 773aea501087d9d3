/**
 * Placing what was read: a plan's read buffer holds more than the index asked for (whole
 * axes, contiguous runs: proxy/fileslice.ts), and a `Gather` says where each wanted element
 * sits in it — nibabel's post-slicing of the read array (`fileslice`'s `post_slicers`),
 * done here on raw bytes of any item size without numpy.
 */
import { type FilledSlice, filledLength } from './slicing.js';

/**
 * What to apply after reading on one *read* axis: `null` keeps the read axis as is, an
 * integer picks one position (dropping the axis), a filled slice selects positions of the
 * read axis (it may step backwards).
 */
export type PostSlicer = number | null | FilledSlice;

/** Read-buffer placement: where each output element sits in the read buffer, in elements. */
export interface Gather {
  /** Output lengths, fastest-changing output axis first. */
  readonly counts: readonly number[];
  /** Element step in the read buffer for each entry of `counts` (may be negative). */
  readonly strides: readonly number[];
  /** Element index in the read buffer of the first output element. */
  readonly offset: number;
}

/** Placement of the post-slicers over a fastest-first read buffer; null for the identity. */
export function makeGather(readShapeFF: readonly number[], postFF: readonly PostSlicer[]): Gather | null {
  if (postFF.every((p) => p === null)) return null;
  const counts: number[] = [];
  const strides: number[] = [];
  let offset = 0;
  let stride = 1;
  postFF.forEach((p, k) => {
    const len = readShapeFF[k];
    if (p === null) {
      counts.push(len);
      strides.push(stride);
    } else if (typeof p === 'number') {
      offset += p * stride;
    } else {
      const n = filledLength(p);
      counts.push(n);
      strides.push(p.step * stride);
      if (n > 0) offset += p.start * stride;
    }
    stride *= len;
  });
  return { counts, strides, offset };
}

/**
 * Applies a {@link Gather} to a read buffer: copies the selected elements, fastest output
 * axis first, into a new compact buffer. Pure; works on raw bytes of any item size.
 * @param src the read buffer (concatenated segments)
 * @param itemsize bytes per element
 * @param g the placement
 * @returns `product(counts) * itemsize` bytes
 * @throws {RangeError} when the placement runs outside `src`
 */
export function gather(src: Uint8Array, itemsize: number, g: Gather): Uint8Array {
  const { counts, strides } = g;
  let n = 1;
  for (const c of counts) n *= c;
  const dst = new Uint8Array(n * itemsize);
  if (n === 0) return dst;
  let lo = g.offset;
  let hi = g.offset;
  counts.forEach((c, k) => {
    const span = (c - 1) * strides[k];
    if (span < 0) lo += span;
    else hi += span;
  });
  if (lo < 0 || (hi + 1) * itemsize > src.length) {
    throw new RangeError(`gather runs outside the read buffer (${src.length} bytes)`);
  }
  const ndim = counts.length;
  if (ndim === 0) {
    dst.set(src.subarray(g.offset * itemsize, (g.offset + 1) * itemsize));
    return dst;
  }
  const c0 = counts[0];
  const s0 = strides[0];
  const pos = new Array<number>(ndim).fill(0);
  let base = g.offset;
  let o = 0;
  // Typed views move one element per step when the buffers allow it (the common sizes).
  const copyRun = runCopier(src, dst, itemsize);
  for (;;) {
    copyRun(base, s0, c0, o);
    o += c0;
    let k = 1;
    for (; k < ndim; k++) {
      base += strides[k];
      if (++pos[k] < counts[k]) break;
      base -= strides[k] * counts[k];
      pos[k] = 0;
    }
    if (k === ndim) break;
  }
  return dst;
}

type RunCopier = (srcElem: number, step: number, count: number, dstElem: number) => void;

function runCopier(src: Uint8Array, dst: Uint8Array, itemsize: number): RunCopier {
  const contiguous: RunCopier = (s, _step, c, d) =>
    dst.set(src.subarray(s * itemsize, (s + c) * itemsize), d * itemsize);
  const view = (Ctor: Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor) => {
    const k = Ctor.BYTES_PER_ELEMENT;
    const a = new Ctor(src.buffer as ArrayBuffer, src.byteOffset, Math.floor(src.byteLength / k));
    const b = new Ctor(dst.buffer as ArrayBuffer, dst.byteOffset, dst.byteLength / k);
    return { a, b };
  };
  let strided: RunCopier;
  const aligned = (k: number) => itemsize === k && src.byteOffset % k === 0;
  if (itemsize === 1 || aligned(2) || aligned(4)) {
    const Ctor = itemsize === 1 ? Uint8Array : itemsize === 2 ? Uint16Array : Uint32Array;
    const { a, b } = view(Ctor);
    strided = (s, step, c, d) => {
      for (let i = 0; i < c; i++, s += step) b[d + i] = a[s];
    };
  } else if (itemsize % 4 === 0 && src.byteOffset % 4 === 0) {
    // 8- and 16-byte items as 32-bit words: no NaN canonicalisation risk, unlike Float64 views.
    const w = itemsize / 4;
    const { a, b } = view(Uint32Array);
    strided = (s, step, c, d) => {
      for (let i = 0; i < c; i++, s += step) {
        for (let j = 0; j < w; j++) b[(d + i) * w + j] = a[s * w + j];
      }
    };
  } else {
    strided = (s, step, c, d) => {
      for (let i = 0; i < c; i++, s += step) {
        const from = s * itemsize;
        const to = (d + i) * itemsize;
        for (let j = 0; j < itemsize; j++) dst[to + j] = src[from + j];
      }
    };
  }
  return (s, step, c, d) => (step === 1 ? contiguous(s, step, c, d) : strided(s, step, c, d));
}
