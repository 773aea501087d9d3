/**
 * SpatialImage: an array (in memory or a proxy), an affine to RAS+ world space, and a
 * header — nibabel's `DataobjImage`/`SpatialImage` (dataobj_images.py, spatialimages.py),
 * with the caching rules of nibabel's "Images and memory" copied exactly:
 *
 * - in-memory image: `img.dataobj === data`; `await img.getData() === data`;
 * - proxy image: `isProxy(img.dataobj)`; `await img.getFdata()` twice gives the same object;
 *   `uncache()` drops it and the next call reads again; another `dtype` replaces the cache;
 *   `caching: 'unchanged'` never fills the cache but returns a matching one;
 * - `inMemory` is true iff the dataobj is an array or a cache is set.
 *
 * Decoded arrays of proxy images live in WebAssembly memories that never grow (see
 * src/wasm/memory.ts); their count and bytes are bounded by the shared `arrayCache`, whose
 * eviction makes an image forget its cache exactly as `uncache()` does.
 */
import { type DType, type TypedArray, dtypeInfo, dtypeOfTypedArray, isFloat } from '../dtypes.js';
import { ArgumentError, type HeaderWarning, ImageDataError, UnsupportedError } from '../errors.js';
import type { SpatialHeader } from '../header/spatial-header.js';
import { NDArray, astype } from '../ndarray.js';
import { ArrayProxy, isProxy } from '../proxy/array-proxy.js';
import type { Index } from '../proxy/slicing.js';
import { readWhole } from '../proxy/whole-array.js';
import { sliceData, slicedAffine } from './slicer.js';
import { arrayCache, type CachedArena } from '../wasm/memory.js';
import { aff2axcodes, applyOrientation, invOrntAff } from '../orientations.js';
import { INSPECT, imageSummary } from '../printing.js';

/** What an image holds: an array in memory or a proxy to one in a file. */
export type DataObj = NDArray | ArrayProxy;


/** Options of `getFdata`. */
export interface GetFdataOptions {
  /** Floating-point dtype of the result (default `'float64'`). */
  dtype?: 'float64' | 'float32';
  /** `'fill'` (default) stores the result in the cache; `'unchanged'` leaves the cache as it is. */
  caching?: 'fill' | 'unchanged';
  /** Aborts the read. */
  signal?: AbortSignal;
}

/** Options of reads that take only a signal. */
export interface SignalOptions {
  signal?: AbortSignal;
}

/**
 * The converted copy of an in-memory array (nibabel: `np.asanyarray(arr, dtype)`), or the
 * array itself when it already has that dtype.
 */
function asDtype(arr: NDArray, dtype: DType): NDArray {
  return arr.dtype === dtype ? arr : astype(arr, dtype);
}

/** Base class of every image: dataobj + affine + header, with nibabel's cache rules. */
export class SpatialImage<H extends SpatialHeader = SpatialHeader> {
  /** The array or array proxy (nibabel's `img.dataobj`). */
  readonly dataobj: DataObj;
  /** 4×4 voxel → RAS+ mm transform (rows), or `null` when none was given. */
  affine: number[][] | null;
  /** The image's own header (a copy of any header passed in). */
  readonly header: H;
  /** Fix-ups made while loading (nibabel's check_fix reports below error level). */
  readonly warnings: HeaderWarning[] = [];

  private fdataCache: NDArray | null = null;
  private dataCache: NDArray | null = null;
  private readonly cacheEntries = new Map<'fdata' | 'data', CachedArena>();

  /**
   * @param dataobj the array or proxy
   * @param affine 4×4 affine (copied), or null
   * @param header the header (already a copy owned by this image)
   * @throws {RangeError} when the affine is not 4×4
   */
  protected constructor(dataobj: DataObj, affine: readonly (readonly number[])[] | null, header: H) {
    this.dataobj = dataobj;
    this.affine = affine === null ? null : copyAffine(affine);
    this.header = header;
  }

  /** Voxels along each axis (from the dataobj). */
  get shape(): number[] {
    return [...this.dataobj.shape];
  }

  /** Number of axes. */
  get ndim(): number {
    return this.dataobj.shape.length;
  }

  /** True when the dataobj is an array, or a decoded array is cached. */
  get inMemory(): boolean {
    return !isProxy(this.dataobj) || this.fdataCache !== null || this.dataCache !== null;
  }

  /**
   * The image data as floating point, cached (nibabel's `get_fdata`).
   * @param opts `dtype` float64 (default) or float32; `caching` 'fill' (default) or 'unchanged'
   * @returns the array: the same object on repeated calls while cached
   * @throws {TypeError} for a non-float dtype or an unknown caching value
   * @throws {UnsupportedError} `RGB_TO_FLOAT` for RGB/RGBA voxels (read them with `getData()`)
   * @throws {ImageDataError} when the file holds less data than the header says
   * @throws {DecompressionError} for a corrupt .gz
   * @example
   * const img = await load(file);
   * const data = await img.getFdata({ dtype: 'float32' }); // decoded once, cached
   * data === (await img.getFdata({ dtype: 'float32' }));   // true
   */
  async getFdata(opts: GetFdataOptions = {}): Promise<NDArray> {
    const dtype = opts.dtype ?? 'float64';
    const caching = opts.caching ?? 'fill';
    if (caching !== 'fill' && caching !== 'unchanged') {
      throw new ArgumentError(`caching value should be "fill" or "unchanged", got ${JSON.stringify(caching)}`, {
        code: 'BAD_CACHING',
      });
    }
    if (!isFloat(dtype as DType)) {
      throw new ArgumentError(
        `${String(dtype)} should be floating point type: pass dtype 'float32' or 'float64' ` +
          "(complex data stay complex), or read the stored dtype with `await img.getData()`",
        { code: 'FDATA_DTYPE' },
      );
    }
    if (dtypeInfo(this.dataobj.dtype).kind === 'V') {
      // numpy has no cast from the RGB struct to float (nibabel raises a TypeError): the file's
      // content, not the call, decides, so it is a typed error a viewer can branch on.
      throw new UnsupportedError(
        `Cannot make floating point data from ${this.dataobj.dtype} voxels: read the colour values with ` +
          '`await img.getData()` or `await img.dataobj.get(index)` (one uint8 lane per channel) instead',
        { code: 'RGB_TO_FLOAT', feature: `getFdata:${this.dataobj.dtype}` },
      );
    }
    if (this.fdataCache && this.fdataCache.dtype === dtype) {
      this.touch('fdata');
      return this.fdataCache;
    }
    let data: NDArray;
    let entry: CachedArena | undefined;
    if (this.dataobj instanceof NDArray) {
      data = asDtype(this.dataobj, dtype);
    } else {
      const whole = await readWhole(this.dataobj, dtype, { signal: opts.signal });
      data = whole.array;
      entry = whole.budgetBytes > 0 ? { byteLength: whole.budgetBytes, evict: () => this.forget('fdata', data) } : undefined;
    }
    if (caching === 'fill') this.store('fdata', data, entry);
    return data;
  }

  /**
   * The array with nibabel's `np.asarray(dataobj)` dtype rules, cached: for an in-memory
   * image the very array given; for a proxy the scaled array (the on-disk dtype when there is
   * no scaling, else float64 — float32 for SPM99).
   * @throws {ImageDataError} | {DecompressionError} as `getFdata`
   */
  async getData(opts: SignalOptions = {}): Promise<NDArray> {
    if (this.dataobj instanceof NDArray) return this.dataobj;
    if (this.dataCache) {
      this.touch('data');
      return this.dataCache;
    }
    const whole = await readWhole(this.dataobj, undefined, { signal: opts.signal });
    const data = whole.array;
    const entry = whole.budgetBytes > 0 ? { byteLength: whole.budgetBytes, evict: () => this.forget('data', data) } : undefined;
    this.store('data', data, entry);
    return data;
  }

  /** Drops the cached arrays (never the dataobj). Arrays already handed out stay valid. */
  uncache(): void {
    this.forget('fdata', this.fdataCache);
    this.forget('data', this.dataCache);
  }

  /**
   * The image with its array reoriented (nibabel's `as_reoriented`): the data flipped and
   * transposed by `ornt` — a view of an in-memory array, and for a proxy image a proxy that
   * reads reoriented (nothing is read now) — and the affine moved to match
   * (`affine · invOrntAff(ornt, shape)`). The identity transform gives this very image.
   * @param ornt rows `[axis, ±1]` for the spatial axes, e.g. `ioOrientation(img.affine)`
   * @returns a new image of the same class (its header a copy, updated as on construction)
   * @throws {ImageDataError} `NO_AFFINE` for an image without an affine
   * @throws {RangeError} for a transform that drops or repeats axes
   */
  asReoriented(ornt: ReadonlyArray<readonly number[]>): this {
    if (ornt.every(([ax, flip], k) => ax === k && flip === 1) && ornt.length === Math.min(3, this.ndim)) return this;
    if (this.affine === null) {
      throw new ImageDataError('the image has no affine to reorient by: give the constructor one first', { code: 'NO_AFFINE' });
    }
    const data = this.dataobj instanceof NDArray ? applyOrientation(this.dataobj, ornt) : applyOrientation(this.dataobj, ornt);
    const aff = invOrntAff(ornt, this.shape);
    const affine = this.affine.map((row) => [0, 1, 2, 3].map((j) => row.reduce((acc, v, k) => acc + v * aff[k]![j]!, 0)));
    const Ctor = this.constructor as new (d: DataObj, a: number[][] | null, h: H) => this;
    return new Ctor(data, affine, this.header);
  }

  /**
   * A new image of the same class with part of the array and the matching affine
   * (nibabel's `img.slicer[...]`).
   * @param index numbers (not on the three spatial axes), `null`, `slice()`, one `'...'`
   * @param opts `signal` to abort a proxy read
   * @returns the sliced image: a view for in-memory data, the read part for a proxy
   * @throws {IndexError} (a `RangeError`) `SPATIAL_INTEGER_INDEX` for an integer on a spatial
   *   axis, `EMPTY_SLICE` for an empty result (nibabel's IndexError); `INDEX_OUT_OF_BOUNDS`,
   *   `TOO_MANY_INDICES` and `IndexTypeError` as `ArrayProxy.get`
   * @example
   * const crop = await img.slicer([slice(32, -32), slice(32, -32), null]);
   * const everyOther = await img.slicer([slice(null, null, 2), slice(null, null, 2), slice(null, null, 2)]);
   */
  async slicer(index: Index, opts: SignalOptions = {}): Promise<this> {
    const data = await sliceData(this.dataobj, index, opts);
    const affine = this.affine === null ? null : slicedAffine(this.affine, index, this.shape);
    const Ctor = this.constructor as new (d: DataObj, a: number[][] | null, h: H) => this;
    return new Ctor(data, affine, this.header);
  }

  /**
   * A short summary, as nibabel's `str(img)` begins (class, `data shape`, `affine:`), then
   * `data dtype` (the header's, nibabel's `get_data_dtype()`) and `axcodes` (`aff2axcodes`);
   * the header has its own `toString()`. Never reads data, never throws.
   * @returns e.g. `<class 'Nifti1Image'>\ndata shape (64, 64, 30)\naffine:\n[[…]]\ndata dtype int16\naxcodes ('R', 'A', 'S')`
   */
  toString(): string {
    let dtype: string = this.dataobj.dtype;
    let axcodes: (string | null)[] | null = null;
    try {
      dtype = this.header.getDataDtype();
    } catch {} // an unknown on-disk code: the dataobj's dtype stands in
    try {
      if (this.affine !== null) axcodes = aff2axcodes(this.affine);
    } catch {} // a degenerate affine has no axis codes: printed as None
    return imageSummary({ className: this.constructor.name, shape: this.shape, affine: this.affine, dtype, axcodes });
  }

  /** @returns `toString()`, for Node's `util.inspect` and `console.log` */
  [INSPECT](): string {
    return this.toString();
  }

  /** nibabel forbids `img[...]`: there is no indexing on images. */
  get(): never {
    throw new TypeError(
      'Cannot slice image objects; consider using `await img.slicer([...])` to generate a sliced image ' +
        '(see documentation for caveats) or slicing image array data with `img.dataobj.get(...)` ' +
        'or `(await img.getFdata())`.',
    );
  }

  private store(kind: 'fdata' | 'data', data: NDArray, entry?: CachedArena): void {
    this.forget(kind, kind === 'fdata' ? this.fdataCache : this.dataCache);
    if (kind === 'fdata') this.fdataCache = data;
    else this.dataCache = data;
    if (entry) {
      this.cacheEntries.set(kind, entry);
      arrayCache.add(entry);
    }
  }

  private touch(kind: 'fdata' | 'data'): void {
    const entry = this.cacheEntries.get(kind);
    if (entry) arrayCache.touch(entry);
  }

  /** Clears one cache if it still holds `data` (an eviction may race a newer fill). */
  private forget(kind: 'fdata' | 'data', data: NDArray | null): void {
    const current = kind === 'fdata' ? this.fdataCache : this.dataCache;
    if (current === null || current !== data) return;
    if (kind === 'fdata') this.fdataCache = null;
    else this.dataCache = null;
    const entry = this.cacheEntries.get(kind);
    if (entry) {
      arrayCache.delete(entry);
      this.cacheEntries.delete(kind);
    }
  }
}

/** A float64 copy of a 4×4 affine. @throws {RangeError} when not 4×4 or not finite numbers */
export function copyAffine(affine: readonly (readonly number[])[]): number[][] {
  if (affine.length !== 4 || affine.some((row) => row.length !== 4)) {
    throw new RangeError('Affine should be shape 4,4');
  }
  return affine.map((row) => row.map(Number));
}

/**
 * What image constructors take as data: an NDArray or ArrayProxy as it is, a typed array
 * with its shape as a column-major NDArray (nibabel takes any array-like).
 * @param data the array, proxy or typed array
 * @param shape the shape, required for a typed array
 * @param className for the message
 * @returns the dataobj
 * @throws {TypeError} for a typed array without a shape
 */
export function toDataObj(data: DataObj | TypedArray, shape: readonly number[] | undefined, className = 'Nifti1Image'): DataObj {
  if (data instanceof NDArray || data instanceof ArrayProxy) return data;
  if (!shape) throw new TypeError(`a typed array needs a shape: new ${className}(data, affine, header, { shape })`);
  return new NDArray(data, shape, { dtype: dtypeOfTypedArray(data) });
}

/**
 * `np.asarray(obj)`: an array stays itself; a proxy is read whole (scaled, with nibabel's
 * dtype rules), without caching.
 * @param obj an NDArray or ArrayProxy
 * @param opts `dtype` to convert to; `signal` to abort
 * @returns the array
 * @example
 * const arr = await asArray(img.dataobj);  // int16 when unscaled, float64 when scaled
 */
export async function asArray(obj: DataObj, opts: { dtype?: DType; signal?: AbortSignal } = {}): Promise<NDArray> {
  if (obj instanceof NDArray) return opts.dtype ? asDtype(obj, opts.dtype) : obj;
  if (!isProxy(obj)) throw new TypeError('asArray expects an NDArray or an ArrayProxy');
  return (await readWhole(obj, opts.dtype, { signal: opts.signal })).array;
}
