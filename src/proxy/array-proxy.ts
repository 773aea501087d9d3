/**
 * ArrayProxy: an array that is still in its file. A port of nibabel's `arrayproxy.py`.
 *
 * The proxy holds a ByteSource and a frozen spec — shape, on-disk dtype and byte order,
 * byte offset, slope, intercept, memory order — copied at construction, so editing a header
 * afterwards never changes what an existing proxy returns (nibabel passes a header copy).
 * Nothing is read until `get`, and then only the bytes the index needs:
 *
 *   index ──fileslice.planRead──▶ segments ──readSegments──▶ bytes ──gather──▶ raw voxels
 *         ──scaling (byte order, slope/inter, nibabel's dtype rules)──▶ a new NDArray
 *
 * Contract (nibabel's, see reference/nibabel.md §(b)):
 * - `get(index)` is `proxy[index]`: scaled, with `np.asarray(proxy)`'s dtype rules — slope 1
 *   and intercept 0 keep the on-disk dtype (in native byte order), otherwise float64
 *   (float32 for SPM99 where it suffices; complex128 for complex data).
 * - `getUnscaled(index)` gives the raw values; `getScaled(index, {dtype})` is
 *   `np.asarray(proxy[index], dtype)` computed nibabel's way (`_get_scaled(dtype)` then the
 *   cast of `__array__`).
 * - Results are new arrays the caller owns, in the file's order: column-major strides for
 *   'F' (NIfTI), row-major for 'C'; a scalar index gives a 0-d array (shape `[]`).
 * - Slope 0, NaN or ±inf in the spec means no scaling (DESIGN.md), as the headers give it.
 *
 * Whole-array reads of large arrays are routed through WebAssembly by
 * `proxy/whole-array.ts`; `get()` itself stays correct for every index.
 */
import { applyScaling, effectiveSlopeInter, scalingPlan, toNativeOrder } from '../scaling.js';
import { type DType, type TypedArray, dtypeInfo, isDType } from '../dtypes.js';
import type { ByteSource } from '../io/types.js';
import { NDArray, cStrides, fortranStrides, shapeSize } from '../ndarray.js';
import { type Order, type PlanOptions, planRead } from './fileslice.js';
import { gather } from './gather.js';
import { type ReadSegmentsOptions, readSegments } from './read-segments.js';
import type { Index } from './slicing.js';
import { type AxisMap, axisMap, composeMaps, mapIndex, orientedShape } from './oriented.js';

/** What a proxy needs to know about its array (nibabel's spec tuple / header values). */
export interface ArrayProxySpec {
  /** Voxels along each axis. */
  shape: readonly number[];
  /** On-disk dtype. */
  dtype: DType;
  /** On-disk byte order. */
  littleEndian: boolean;
  /** Byte offset of the first voxel in the source. */
  offset: number;
  /** Scale factor; `null`/absent means 1 (no scaling); 0, NaN, ±inf also mean no scaling. */
  slope?: number | null;
  /** Intercept; `null`/absent means 0. */
  inter?: number | null;
  /** Memory layout: 'F' (default, NIfTI/Analyze/MGH) or 'C'. */
  order?: Order;
  /** The slope is SPM99's float32 header scalar (scaled ints stay float32 when they fit). */
  spm99?: boolean;
}

/** How a proxy reads: fileslice and read-segments tuning (rarely needed). */
export interface ArrayProxyOptions extends PlanOptions, Omit<ReadSegmentsOptions, 'signal'> {}

/** Options of a proxy read. */
export interface ProxyReadOptions {
  /** Aborts the read; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** An array in a ByteSource, read on demand (nibabel's `ArrayProxy`). */
export class ArrayProxy {
  /** Where the bytes are. */
  readonly #source: ByteSource;
  /** The frozen, resolved spec (accessors below are read-only at run time too). */
  readonly #spec: Readonly<Required<ArrayProxySpec>> & { readonly slope: number; readonly inter: number };
  readonly #opts: ArrayProxyOptions;
  /** A reorientation applied on every read (`withOrientation`), or null. */
  #view: AxisMap | null = null;
  #viewShape: readonly number[] | null = null;

  /**
   * @param source the bytes (a BlobSource, HttpSource, BufferSource, a cached or gzip source)
   * @param spec the array's description; copied and frozen
   * @param opts read tuning (skip threshold, segment cap, gap merging, concurrency)
   * @throws {TypeError} for a spec with missing or mistyped fields
   * @throws {RangeError} for a negative or non-integer shape entry or offset
   * @throws {UnsupportedError} for an unknown dtype
   * @throws {HeaderDataError} code `INVALID_INTERCEPT` for a valid slope with a NaN/±inf intercept
   * @example
   * const proxy = new ArrayProxy(new BlobSource(file), {
   *   shape: [64, 64, 30], dtype: 'int16', littleEndian: true, offset: 352, slope: 2, inter: 0,
   * });
   * const slab = await proxy.get([null, null, 15]); // 64×64 float64
   */
  constructor(source: ByteSource, spec: ArrayProxySpec, opts: ArrayProxyOptions = {}) {
    if (!source || typeof source.read !== 'function') throw new TypeError('ArrayProxy needs a ByteSource');
    if (!spec || typeof spec !== 'object') throw new TypeError('ArrayProxy needs a spec object');
    if (!Array.isArray(spec.shape)) throw new TypeError('spec.shape must be an array of integers');
    for (const d of spec.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid shape [${spec.shape.join(', ')}]`);
    }
    if (!isDType(spec.dtype)) dtypeInfo(String(spec.dtype)); // throws UnsupportedError naming it
    if (typeof spec.littleEndian !== 'boolean') throw new TypeError('spec.littleEndian must be a boolean');
    if (!Number.isSafeInteger(spec.offset) || spec.offset < 0) throw new RangeError(`invalid offset ${spec.offset}`);
    const order = spec.order ?? 'F';
    if (order !== 'F' && order !== 'C') throw new TypeError(`spec.order must be 'F' or 'C', got ${String(order)}`);
    for (const k of ['slope', 'inter'] as const) {
      const v = spec[k];
      if (v !== undefined && v !== null && typeof v !== 'number') throw new TypeError(`spec.${k} must be a number or null`);
    }
    const nbytes = shapeSize(spec.shape) * dtypeInfo(spec.dtype).itemsize;
    if (!Number.isSafeInteger(spec.offset + nbytes)) throw new RangeError(`array of ${nbytes} bytes is too large`);
    const [slope, inter] = effectiveSlopeInter(spec.slope ?? 1, spec.inter ?? 0);
    this.#source = source;
    this.#spec = Object.freeze({
      shape: Object.freeze([...spec.shape]),
      dtype: spec.dtype,
      littleEndian: spec.littleEndian,
      offset: spec.offset,
      // SPM99's slope is a float32 scalar: every read path (get, whole-array) sees the same value.
      slope: spec.spm99 === true && slope !== null ? Math.fround(slope) : (slope ?? 1),
      inter: inter ?? 0,
      order,
      spm99: spec.spm99 === true,
    });
    this.#opts = Object.freeze({ ...opts });
  }

  /** Where the bytes are. */
  get source(): ByteSource {
    return this.#source;
  }

  /** Voxels along each axis (a frozen array), as reads return them (reoriented, if so). */
  get shape(): readonly number[] {
    return this.#viewShape ?? this.#spec.shape;
  }

  /** The array's shape as stored in the file (differs from `shape` after `withOrientation`). */
  get fileShape(): readonly number[] {
    return this.#spec.shape;
  }

  /** The reorientation reads apply (`withOrientation`), as orientation rows; null when none. */
  get orientation(): number[][] | null {
    return this.#view && this.#view.to.map((ax, k) => [ax, this.#view!.flip[k] ? -1 : 1]);
  }

  /**
   * The same bytes seen reoriented (the lazy form of nibabel's `apply_orientation` on
   * `np.asanyarray(proxy)`): nothing is read now; every later read maps its index onto the
   * file's array and returns the reoriented result (flips folded into the read, the axis order
   * a strided view). Reorienting twice composes.
   * @param ornt rows `[axis, ±1]` as from `orntTransform` / `ioOrientation`
   * @returns a new proxy
   * @throws {RangeError} for dropped axes, a non-permutation, or more rows than axes
   * @example
   * const ras = proxy.withOrientation(ioOrientation(affine)); // no I/O
   * const slab = await ras.get([null, null, 10]);             // reads one file slab
   */
  withOrientation(ornt: ReadonlyArray<readonly number[]>): ArrayProxy {
    const m = axisMap(ornt, this.ndim);
    const p = new ArrayProxy(this.#source, this.#spec, this.#opts);
    const view = this.#view ? composeMaps(this.#view, m) : m;
    if (view.to.some((ax, k) => ax !== k) || view.flip.some(Boolean)) {
      p.#view = view;
      p.#viewShape = Object.freeze(orientedShape(this.#spec.shape, view));
    }
    return p;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.#spec.shape.length;
  }

  /** On-disk dtype. */
  get dtype(): DType {
    return this.#spec.dtype;
  }

  /** On-disk byte order. */
  get littleEndian(): boolean {
    return this.#spec.littleEndian;
  }

  /** Byte offset of the first voxel. */
  get offset(): number {
    return this.#spec.offset;
  }

  /** Scale factor (1 when there is none). */
  get slope(): number {
    return this.#spec.slope;
  }

  /** Intercept (0 when there is none). */
  get inter(): number {
    return this.#spec.inter;
  }

  /** Memory layout. */
  get order(): Order {
    return this.#spec.order;
  }

  /** SPM99 float32-slope semantics. */
  get spm99(): boolean {
    return this.#spec.spm99;
  }

  /** Always true: this is a proxy (nibabel's `is_proxy`). */
  get isProxy(): true {
    return true;
  }

  /**
   * `proxy[index]`: reads the voxels `index` selects (only their bytes) and scales them.
   * @param index per-axis items: integer, `null` (whole axis), `slice(…)`, one `'...'`;
   *   omitted or `[]` = the whole array
   * @param opts `signal` to abort
   * @returns a new array: numpy's shape for `arr[index]`, nibabel's scaled dtype
   * @throws {TypeError} | {RangeError} for a bad index (before any read)
   * @throws {ImageDataError} code `DATA_TRUNCATED` when the source is shorter than the spec says
   * @throws {UnsupportedError} for RGB data with scaling
   * @throws `AbortError` when the signal aborts
   * @example
   * const vol0 = await proxy.get(['...', 0]);                   // first volume of a 4D image
   * const flip = await proxy.get([slice(null, null, -1), 10]);  // x reversed, y = 10
   */
  get(index?: Index, opts: ProxyReadOptions = {}): Promise<NDArray> {
    return this.#read(index, { scaled: true }, opts.signal);
  }

  /**
   * The raw on-disk values of `proxy[index]` (nibabel's `get_unscaled`, sliced), in native
   * byte order.
   * @param index as for {@link ArrayProxy.get}
   * @param opts `signal` to abort
   * @returns a new array of the on-disk dtype
   * @throws as {@link ArrayProxy.get}
   */
  getUnscaled(index?: Index, opts: ProxyReadOptions = {}): Promise<NDArray> {
    return this.#read(index, { scaled: false }, opts.signal);
  }

  /**
   * `np.asarray(proxy[index], dtype)` computed nibabel's way (`_get_scaled(dtype)`: the
   * factors are cast to `dtype` when numpy would, so float32 requests scale small integer
   * types in float32 arithmetic; then the final cast).
   * @param index as for {@link ArrayProxy.get}
   * @param opts `dtype`: a float or complex dtype (omitted = as `get`); `signal` to abort
   * @returns a new array of `dtype`
   * @throws {TypeError} when `dtype` is not float32/float64/complex64/complex128 (before any read)
   * @throws as {@link ArrayProxy.get}
   */
  getScaled(index?: Index, opts: ProxyReadOptions & { dtype?: DType } = {}): Promise<NDArray> {
    return this.#read(index, { scaled: true, dtype: opts.dtype }, opts.signal);
  }

  /**
   * A proxy over the same bytes with another shape (nibabel's `ArrayProxy.reshape`); one
   * entry may be -1.
   * @param shape the new shape
   * @returns a new proxy
   * @throws {RangeError} when the sizes differ or more than one -1 is given
   */
  reshape(shape: readonly number[]): ArrayProxy {
    if (this.#view) throw new TypeError('cannot reshape a reoriented proxy: reshape the file-order proxy, then reorient');
    const size = shapeSize(this.shape);
    const unknown = shape.filter((d) => d === -1).length;
    if (unknown > 1) throw new RangeError('can only specify one unknown dimension');
    let full = [...shape];
    if (unknown === 1) {
      const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
      full = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
    }
    if (!full.every((d) => Number.isSafeInteger(d) && d >= 0) || shapeSize(full) !== size) {
      throw new RangeError(`cannot reshape array of size ${size} into shape [${shape.join(', ')}]`);
    }
    return new ArrayProxy(this.#source, { ...this.#spec, shape: full }, this.#opts);
  }

  async #read(index: Index | undefined, how: { scaled: boolean; dtype?: DType }, signal?: AbortSignal): Promise<NDArray> {
    if (!this.#view) return this.#readFile(index, how, signal);
    const { base, perm } = mapIndex(index, this.#spec.shape, this.#view);
    const arr = await this.#readFile(base, how, signal);
    return new NDArray(arr.data, perm.map((i) => arr.shape[i]!), { strides: perm.map((i) => arr.strides[i]!), offset: arr.offset, dtype: arr.dtype });
  }

  /** A read of the file's array (no reorientation). */
  async #readFile(index: Index | undefined, how: { scaled: boolean; dtype?: DType }, signal?: AbortSignal): Promise<NDArray> {
    const info = dtypeInfo(this.dtype);
    // Everything that can fail on arguments fails before any I/O.
    const plan = planRead(index, this.#spec.shape, info.itemsize, this.offset, this.order, this.#opts);
    const slope = this.slope;
    const outDtype = how.scaled
      ? scalingPlan(this.dtype, slope, this.inter, { dtype: how.dtype, spm99: this.spm99 }).outDtype
      : this.dtype;
    const bytes = await readSegments(this.source, plan.segments, { ...this.#opts, signal });
    const compact = plan.gather ? gather(bytes, info.itemsize, plan.gather) : bytes;
    // `compact` is ours (readSegments/gather return owned buffers), so views of it are safe.
    const native = toNativeOrder(compact, this.dtype, this.littleEndian);
    let data: TypedArray = native;
    if (how.scaled && !(outDtype === this.dtype && slope === 1 && this.inter === 0)) {
      data = applyScaling(native, this.dtype, slope, this.inter, outDtype);
    }
    const strides = this.order === 'C' ? cStrides(plan.shape) : fortranStrides(plan.shape);
    return new NDArray(data, plan.shape, { strides, dtype: outDtype });
  }
}

/**
 * nibabel's `is_proxy`: true for an object whose `isProxy` is `true`.
 * @param obj anything
 * @returns whether `obj` declares itself a proxy
 */
export function isProxy(obj: unknown): boolean {
  return typeof obj === 'object' && obj !== null && (obj as { isProxy?: unknown }).isProxy === true;
}
