// One image-API contract for every image class (nibabel's `ValidateAPI` in
// nibabel/tests/test_image_api.py: `MakeImageAPI`, `DataInterfaceMixin`, `HeaderShapeMixin`,
// `AffineMixin`, `SerializeMixin`, `DtypeOverrideMixin`). A format adds a maker — a few lines
// saying how to build an example and what to expect — never a copy of these tests.
//
// For each class, each stored dtype and each byte order of the maker, the suite checks:
// - construction: header copied (not shared) and of the class's header class, affine copied,
//   shape/ndim, on-disk dtype (from the header, from the data, from `dtype`), no `img[...]`;
// - in-memory semantics: `dataobj` is the array, `inMemory`, `getData()`, the getFdata cache
//   (identity, `caching: 'unchanged'`, `uncache`, another dtype), bad arguments;
// - the header: its shape follows the data; the affine goes into it (NIfTI/MGH: the best
//   affine; every class: the zooms) on construction and, changed later, on write;
// - bytes: `toBytes()` gives a pair iff the class is a pair class; the class's own reader
//   (`fromSources`, nibabel's `from_file_map`) gives the class, `load`/`loadFiles` give the
//   class nibabel's load order gives; both are proxies with the same data, dtype, byte order
//   and affine; `dataobj.get` and `img.slicer` equal slicing the array (an oracle written
//   here); a second write is byte-identical (nibabel's `validate_to_from_bytes`);
// - proxy semantics (nibabel's `_check_proxy_interface`, step by step), on the small example
//   and on one large enough for the WebAssembly decode path, plain and gzipped;
// - `toBlob`: the plain files are `toBytes`, `{ gzip: true }` gives gzip members that load;
// - the loader's statics: `isSingle`, `validExts`, `sniffBytes`, `mayContainHeader`, the
//   class in `IMAGE_CLASSES`, `headerFromSources` and `loadHeader`;
// - across classes (`imageApiSuites`): every class's sniff on every class's written header,
//   against nibabel 5.0.0's `may_contain_header` relation.
import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  type ByteSource,
  type DType,
  IMAGE_CLASSES,
  type Index,
  type IndexItem,
  NDArray,
  type PairBlobs,
  type PairBytes,
  type SpatialImage,
  type ToBytesOptions,
  type WriteOptions,
  asArray,
  cStrides,
  dtypeInfo,
  isProxy,
  load,
  loadFiles,
  loadHeader,
  slice,
} from '../../src/index';
import { canCreateArena } from '../../src/wasm/memory';

/** A byte order. */
export type Endian = '<' | '>';
/** A 4×4 matrix as rows. */
export type Matrix = number[][];
/** The header of an image (any format). */
export type Header = SpatialImage['header'];
/** What an image's header file is: the four on-disk header formats. */
export type Format = 'analyze' | 'nifti1' | 'nifti2' | 'mgh';
/** What `toBytes` gives, or `toBlob`. */
export type Written = Uint8Array | PairBytes | Blob | PairBlobs;

/** An image of any class, with the writers every class has. */
export type Img = SpatialImage & {
  toBytes(opts?: ToBytesOptions): Promise<Uint8Array | PairBytes>;
  toBlob(opts?: WriteOptions): Promise<Blob | PairBlobs>;
};

/** The files of one image, as a reader gets them (nibweb's `ImageSources`). */
export interface Sources {
  name: string;
  header: ByteSource;
  image: ByteSource;
  mat?: ByteSource;
}

/** An image class as the suite uses it: the constructor and the loader's statics (`ImageClass`). */
export interface ImageKlass {
  new (data: NDArray, affine: Matrix | null, header?: Header | null, opts?: { dtype?: DType }): Img;
  readonly name: string;
  readonly headerClass: abstract new (...args: never[]) => unknown;
  readonly isSingle: boolean;
  readonly validExts: readonly string[];
  readonly sniffBytes: number;
  mayContainHeader(head: Uint8Array): boolean;
  fromSources(sources: Sources): Promise<Img>;
  headerFromSources(sources: Omit<Sources, 'image'> & { image?: ByteSource }): Promise<Header>;
}

/** How to make examples of one class, and what to expect of them. */
export interface ImageMaker {
  /** The class under test. */
  klass: ImageKlass;
  /** The class `load`/`loadFiles` give for its files (nibabel's load order). */
  loadsAs: ImageKlass;
  /** The format of its header file, and the formats its sniff accepts (nibabel's `may_contain_header`). */
  format: Format;
  sniffs: readonly Format[];
  /** A pair class (`.hdr` + `.img`)? */
  pair: boolean;
  /** Stored dtypes to exercise (two at least). */
  dtypes: readonly DType[];
  /** Byte orders the format writes. */
  endians: readonly Endian[];
  /** A fresh header of the class, with the dtype set, in that byte order. */
  header(dtype: DType, endian: Endian): Header;
  /** `'affine'`: the header's best affine is the image's affine; `'zooms'`: the header keeps only the zooms. */
  headerAffine: 'affine' | 'zooms';
  /** `'affine'`: the files give the affine back; `'zooms'`: the files give the base affine of shape and zooms (Analyze). */
  filesAffine: 'affine' | 'zooms';
  /** Whether 1-D and 2-D data keep their shape (MGH pads them to 3 axes). */
  lowDims: boolean;
  /** Whether the constructor takes `{ dtype }` (nibabel's `DtypeOverrideMixin`). */
  dtypeOverride: boolean;
  /** `toBytes()`/`toBlob()` output → named files for `loadFiles` (`gz`: the gzipped blobs of `toBlob`). */
  files(out: Written, gz: boolean): File[];
}

/** A maker's `files` for a single-file class: `image<ext>`, `.gz` added for gzip. */
export function singleFile(ext: string): ImageMaker['files'] {
  return (out, gz) => {
    if (!(out instanceof Uint8Array || out instanceof Blob)) throw new Error('a single-file class wrote a pair');
    return [new File([out as BlobPart], `image${ext}${gz ? '.gz' : ''}`)];
  };
}

/** A maker's `files` for a pair class: `image.hdr`, `image.img` and SPM's `image.mat`, `.gz` added for gzip. */
export function pairFiles(): ImageMaker['files'] {
  return (out, gz) => {
    if (out instanceof Uint8Array || out instanceof Blob) throw new Error('a pair class wrote one file');
    const z = gz ? '.gz' : '';
    const files = [new File([out.hdr as BlobPart], `image.hdr${z}`), new File([out.img as BlobPart], `image.img${z}`)];
    if (out.mat) files.push(new File([out.mat as BlobPart], `image.mat${z}`));
    return files;
  };
}

// ------------------------------------------------------------------------------ examples

const SHAPES: readonly (readonly number[])[] = [
  [5, 4, 3],
  [3, 4, 2, 2],
];
/** nibabel's 1-D and 2-D example shapes, for the classes that keep them. */
const LOW_SHAPES: readonly (readonly number[])[] = [[6], [5, 4]];
/** Just large enough (256 KiB of raw bytes) for the WebAssembly decode path (`WASM_MIN_BYTES`). */
const largeShape = (dtype: DType): number[] => [64, 64, 64 / dtypeInfo(dtype).itemsize];

const R30 = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
/** Oblique (30° about z), zooms 2, 3, 4, and a translation: float32 cannot hold it exactly. */
const AFFINE: Matrix = [
  [2 * R30[0]!, -3 * R30[1]!, 0, -12.5],
  [2 * R30[1]!, 3 * R30[0]!, 0, 20.25],
  [0, 0, 4, -7],
  [0, 0, 0, 1],
];
/** Another affine, for "a changed affine reaches the header and the files". */
const AFFINE_B: Matrix = [
  [-1.5, 0, 0, 30],
  [0, 2.5, 0, -18],
  [0, 0, 1.25, 4.5],
  [0, 0, 0, 1],
];

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const colNorms = (a: Matrix): number[] => [0, 1, 2].map((j) => Math.hypot(a[0]![j]!, a[1]![j]!, a[2]![j]!));

/** Column-major values of a stored dtype that need no scaling (nibabel makes `arange` in that dtype). */
export function exampleValues(dtype: DType, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'uint8': out[i] = (i * 37 + 5) % 256; break;
      case 'int8': out[i] = ((i * 37) % 256) - 128; break;
      case 'int16': out[i] = ((i * 997) % 4001) - 2000; break;
      case 'uint16': out[i] = (i * 997 + 11) % 65536; break;
      case 'int32': out[i] = ((i * 99991) % 2000001) - 1000000; break;
      case 'uint32': out[i] = (i * 99991 + 7) % 4000000; break;
      case 'float32': out[i] = Math.fround((i - n / 2) * 0.37); break;
      case 'float64': out[i] = (i - n / 2) * 0.1 + 1e-12 * i; break;
      default: throw new Error(`no example values for ${dtype}`);
    }
  }
  return out;
}

/** An F-ordered in-memory array of `dtype`. */
function exampleArray(dtype: DType, shape: readonly number[]): NDArray {
  const Ctor = dtypeInfo(dtype).ctor as unknown as new (v: number[]) => NDArray['data'];
  return new NDArray(new Ctor(exampleValues(dtype, prod(shape))), shape, { dtype });
}

/** The base affine of nibabel's `shape_zoom_affine` (x flipped, origin at the centre). */
function baseAffine(shape: readonly number[], zooms: readonly number[]): Matrix {
  const s = [0, 1, 2].map((i) => shape[i] ?? 1);
  const z = [-(zooms[0] ?? 1), zooms[1] ?? 1, zooms[2] ?? 1];
  return [
    [z[0]!, 0, 0, -((s[0]! - 1) / 2) * z[0]!],
    [0, z[1]!, 0, -((s[1]! - 1) / 2) * z[1]!],
    [0, 0, z[2]!, -((s[2]! - 1) / 2) * z[2]!],
    [0, 0, 0, 1],
  ];
}

// ------------------------------------------------------------------------------ comparison

/** Every value of `arr` in column-major order (lane 0), as numbers. */
function valuesF(arr: NDArray): number[] {
  if (arr.lanes === 1 && arr.offset === 0 && arr.isFortranContiguous) return Array.from(arr.data.subarray(0, arr.size), Number);
  const out = new Array<number>(arr.size);
  const idx = new Array<number>(arr.ndim).fill(0);
  for (let i = 0; i < arr.size; i++) {
    out[i] = Number(arr.data[arr.elementIndex(idx)]);
    for (let d = 0; d < idx.length; d++) {
      if (++idx[d]! < arr.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** `got` has this shape and these column-major values (exactly). */
function expectValues(got: NDArray, shape: readonly number[], want: readonly number[], what: string): void {
  expect(got.shape, `${what}: shape`).toEqual([...shape]);
  const g = valuesF(got);
  const bad = g.findIndex((v, i) => !Object.is(v, want[i]) && !(v === want[i]));
  if (bad >= 0) expect.fail(`${what}: element ${bad} (column-major) is ${g[bad]}, want ${want[bad]}`);
}

function expectAllEqual(got: NDArray, value: number, what: string): void {
  const g = valuesF(got);
  const bad = g.findIndex((v) => v !== value);
  if (bad >= 0) expect.fail(`${what}: element ${bad} is ${g[bad]}, want ${value} everywhere`);
}

function expectMatrix(got: Matrix | null, want: Matrix, tol: number, what: string): void {
  expect(got, what).not.toBeNull();
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const d = Math.abs(got![i]![j]! - want[i]![j]!);
      if (!(d <= tol * Math.max(1, Math.abs(want[i]![j]!)))) {
        expect.fail(`${what}: [${i}][${j}] is ${got![i]![j]}, want ${want[i]![j]} (±${tol})`);
      }
    }
  }
}

function expectClose(got: readonly number[], want: readonly number[], tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    if (!(Math.abs(g - want[i]!) <= tol * Math.max(1, Math.abs(want[i]!)))) expect.fail(`${what}: [${i}] is ${g}, want ${want[i]}`);
  });
}

async function bytesOf(b: Blob): Promise<Uint8Array> {
  return new Uint8Array(await b.arrayBuffer());
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// ------------------------------------------------------------------------------ the slicing oracle

/** An index in a form both the oracle and `ArrayProxy.get` read: `[start, stop, step]` is a slice. */
type Spec = (number | null | '...' | [number | null, number | null, number | null])[];

const toIndex = (spec: Spec): Index => spec.map((e): IndexItem => (Array.isArray(e) ? slice(e[0], e[1], e[2]) : e));

/** Python's `slice.indices(n)` → the positions selected. */
function positions(s: [number | null, number | null, number | null], n: number): number[] {
  const step = s[2] ?? 1;
  const [lo, hi] = step > 0 ? [0, n] : [-1, n - 1];
  const clip = (v: number | null, dflt: number): number => (v === null ? dflt : v < 0 ? Math.max(v + n, lo) : Math.min(v, hi));
  const start = clip(s[0], step > 0 ? lo : hi);
  const stop = clip(s[1], step > 0 ? hi : lo);
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** numpy basic indexing of column-major `values` of `shape`: the result's shape and values. */
function oracle(values: readonly number[], shape: readonly number[], spec: Spec): { shape: number[]; values: number[] } {
  const e = spec.indexOf('...');
  const items = e < 0
    ? [...spec, ...new Array<null>(shape.length - spec.length).fill(null)]
    : [...spec.slice(0, e), ...new Array<null>(shape.length - spec.length + 1).fill(null), ...spec.slice(e + 1)];
  const axes = items.map((it, d) => {
    const n = shape[d]!;
    if (typeof it === 'number') return { keep: false, pos: [it < 0 ? it + n : it] };
    return { keep: true, pos: it === null ? positions([null, null, null], n) : positions(it as [number, number, number], n) };
  });
  const outShape = axes.filter((a) => a.keep).map((a) => a.pos.length);
  const strides = shape.map((_, d) => prod(shape.slice(0, d)));
  const out: number[] = [];
  const idx = new Array<number>(axes.length).fill(0);
  const total = prod(axes.map((a) => a.pos.length));
  for (let i = 0; i < total; i++) {
    out.push(values[axes.reduce((k, a, d) => k + a.pos[idx[d]!]! * strides[d]!, 0)]!);
    for (let d = 0; d < idx.length; d++) {
      if (++idx[d]! < axes[d]!.pos.length) break;
      idx[d] = 0;
    }
  }
  return { shape: outShape, values: out };
}

/** `affine @ T` with each spatial slice's step on the diagonal and start in column 4 (nibabel's slicer). */
function slicedAffine(affine: Matrix, shape: readonly number[], spec: Spec): Matrix {
  const t: number[][] = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
  for (let d = 0; d < 3; d++) {
    const it = spec[d];
    if (!Array.isArray(it)) continue;
    const p = positions(it, shape[d]!);
    t[d]![d] = it[2] ?? 1;
    t[d]![3] = p[0]!;
  }
  return affine.map((row) => [0, 1, 2, 3].map((j) => row.reduce((acc, v, k) => acc + v * t[k]![j]!, 0)));
}

/** Indexes for `dataobj.get` (any item) and for `img.slicer` (no integer on the spatial axes). */
const GETS: Record<number, Spec[]> = {
  1: [[], [[1, 5, 2]], [-2], [[null, null, -1]]],
  2: [[], [[4, 0, -1], 2], ['...', [1, 3, null]], [-1, -1]],
  3: [[], [[1, 4, null], null, [null, null, -1]], [2, [null, null, 2], -1], [[4, 0, -2], 1, null], ['...', 0]],
  4: [[], [null, [1, null, 2], 0, 1], ['...', -1], [[null, null, -1], 2, [0, 1, null], null]],
};
const SLICERS: Record<number, Spec[]> = {
  1: [[[1, 5, 2]], [[null, null, -1]]],
  2: [[[4, 0, -1], [1, 3, null]], [null, [null, null, 2]]],
  3: [[[1, 4, null], null, [null, null, -1]], [[null, null, 2], [1, 3, null], [0, 1, null]]],
  4: [[[0, 2, null], null, null, 1], [[null, null, -1], [1, 3, null]]],
};

// ------------------------------------------------------------------------------ reading the written files

/** The files' bytes as a reader's sources (plain files only). */
async function sourcesOf(files: File[]): Promise<Sources> {
  const by = (ext: string): File | undefined => files.find((f) => f.name.toLowerCase().endsWith(ext));
  const head = files.find((f) => !/\.(img|mat)$/i.test(f.name))!;
  const img = by('.img') ?? head;
  const mat = by('.mat');
  const src = async (f: File): Promise<BufferSource> => new BufferSource(await bytesOf(f));
  const header = await src(head);
  return { name: head.name, header, image: img === head ? header : await src(img), ...(mat ? { mat: await src(mat) } : {}) };
}

/** The header file among the files. */
const headerFile = (files: File[]): File => files.find((f) => !/\.(img|mat)(\.gz)?$/i.test(f.name))!;

// ------------------------------------------------------------------------------ the suite

interface Example {
  img: Img;
  data: NDArray;
  values: number[];
  header: Header;
  affine: Matrix;
}

/**
 * The image-API contract for one class, for each of its dtypes and byte orders.
 * @param maker the class and what to expect of it
 */
export function imageApiSuite(maker: ImageMaker): void {
  const K = maker.klass;

  describe(`${K.name}: image API`, () => {
    it('the maker is usable: two dtypes at least, a byte order', () => {
      expect(maker.dtypes.length).toBeGreaterThanOrEqual(2);
      expect(maker.endians.length).toBeGreaterThanOrEqual(1);
    });

    for (const endian of maker.endians) {
      for (const dtype of maker.dtypes) {
        for (const shape of [...(maker.lowDims ? LOW_SHAPES : []), ...SHAPES]) {
          describe(`${dtype} ${endian} [${shape}]`, () => {
            suiteFor(maker, dtype, endian, shape);
          });
        }
      }
    }

    describe('proxy semantics on an array large enough for the WebAssembly path', () => {
      for (const gz of [false, true]) {
        it(`${gz ? 'gzipped' : 'plain'} files: nibabel's _check_proxy_interface`, async () => {
          const dtype = maker.dtypes[0]!;
          const endian = maker.endians[maker.endians.length - 1]!;
          const shape = largeShape(dtype);
          const data = exampleArray(dtype, shape);
          const img = new K(data, AFFINE, maker.header(dtype, endian));
          const out = gz ? await img.toBlob({ gzip: true }) : await img.toBytes();
          const files = maker.files(out as Written, gz);
          await checkProxyInterface(() => readLoaded(files), valuesF(data), shape);
          // The path this test is for: the array is decoded into a WebAssembly memory of its
          // own (page-sized, larger than the array), not a plain ArrayBuffer — unless nibweb's
          // cap on live memories is reached (they are counted until the GC collects them), when
          // the TypeScript path is the designed fallback.
          const again = await readLoaded(files);
          const wasm = canCreateArena();
          const f = await again.getFdata();
          if (wasm) {
            expect(f.data.buffer.byteLength % 65536).toBe(0);
            expect(f.data.buffer.byteLength).toBeGreaterThan(f.data.byteLength);
          }
        });
      }
    });

    it('the loader statics: isSingle, validExts, sniffBytes, the registry', async () => {
      expect(K.isSingle).toBe(!maker.pair);
      expect(maker.loadsAs.isSingle).toBe(!maker.pair);
      expect(IMAGE_CLASSES).toContain(maker.loadsAs);
      const names = maker.files(await new K(exampleArray(maker.dtypes[0]!, [2, 2, 2]), AFFINE).toBytes(), false).map((f) => f.name);
      for (const n of names.filter((x) => !x.endsWith('.mat'))) {
        expect(K.validExts, n).toContain(n.slice(n.lastIndexOf('.')).toLowerCase());
      }
      for (const e of K.validExts) expect(e).toMatch(/^\.[a-z0-9]+$/);
      if (maker.pair) expect([...K.validExts].sort()).toEqual(['.hdr', '.img']);
      expect(Number.isInteger(K.sniffBytes) && K.sniffBytes > 0).toBe(true);
    });
  });
}

/** Reads files with `loadFiles` and checks exactly one image came. */
async function readLoaded(files: File[]): Promise<Img> {
  const imgs = await loadFiles(files);
  expect(imgs.length, 'loadFiles gives one image').toBe(1);
  return imgs[0]! as Img;
}

function suiteFor(maker: ImageMaker, dtype: DType, endian: Endian, shape: readonly number[]): void {
  const K = maker.klass;
  const ndim = shape.length;

  /** nibabel's imaker: a fresh example each time. */
  const make = (affine: Matrix = AFFINE): Example => {
    const data = exampleArray(dtype, shape);
    const header = maker.header(dtype, endian);
    const given = affine.map((r) => [...r]);
    return { img: new K(data, given, header), data, values: valuesF(data), header, affine: given };
  };

  /** What the files give back for an image whose affine was `affine`. */
  const filesAffine = (affine: Matrix): Matrix =>
    maker.filesAffine === 'affine' ? affine : baseAffine(shape, colNorms(affine).slice(0, ndim).map(Math.fround));
  /** The zooms an affine gives the spatial axes of this shape. */
  const zoomsOf = (affine: Matrix): number[] => colNorms(affine).slice(0, Math.min(3, ndim));
  const spatialZooms = (h: Header): number[] => h.getZooms().slice(0, Math.min(3, ndim));

  const write = async (img: Img): Promise<File[]> => maker.files((await img.toBytes()) as Written, false);

  // ---------------------------------------------------------------- construction

  it('construction: the class, shape and ndim of the data, dataobj is the array', () => {
    const { img, data } = make();
    expect(img.constructor).toBe(K);
    expect(img.shape).toEqual([...shape]);
    expect(img.ndim).toBe(ndim);
    expect(img.dataobj).toBe(data);
    expect(isProxy(img.dataobj)).toBe(false);
    expect(img.inMemory).toBe(true);
    expect(() => (img as unknown as { get(): unknown }).get()).toThrow(TypeError);
    expect(() => (img as unknown as { get(): unknown }).get()).toThrow(/slicer/);
    for (const prop of ['shape', 'ndim', 'inMemory']) {
      expect(() => {
        (img as unknown as Record<string, unknown>)[prop] = 1;
      }, `${prop} is read-only`).toThrow(TypeError);
    }
  });

  it('construction: the header is a copy of the one given, of the class header class', () => {
    const { img, header } = make();
    expect(img.header).not.toBe(header);
    expect(img.header.constructor).toBe(K.headerClass);
    expect(img.header.endianness).toBe(endian);
    const before = header.getDataShape();
    img.header.setDataShape([shape[0]! + 3, ...shape.slice(1)]);
    expect(header.getDataShape(), 'editing the image header leaves the given one alone').toEqual(before);
    header.setDataShape([shape[0]! + 1, ...shape.slice(1)]);
    expect(img.header.getDataShape(), 'editing the given header leaves the image header alone').toEqual([shape[0]! + 3, ...shape.slice(1)]);
    // nibabel's HeaderShapeMixin: the image's header is the object it keeps.
    const hdr = img.header;
    hdr.setDataShape([shape[0]! + 1, ...shape.slice(1)]);
    expect(img.header).toBe(hdr);
    expect(img.header.getDataShape()).toEqual([shape[0]! + 1, ...shape.slice(1)]);
  });

  it('construction: the affine is copied', () => {
    const { img, affine } = make();
    expect(img.affine).not.toBe(affine);
    expectMatrix(img.affine, AFFINE, 0, 'affine');
    affine[0]![3] = 999;
    affine[1] = [7, 7, 7, 7];
    expectMatrix(img.affine, AFFINE, 0, 'affine after editing the given one');
  });

  it('construction: the stored dtype, from the header, from the data, from `dtype`', async () => {
    const { img, data } = make();
    expect(img.header.getDataDtype()).toBe(dtype);
    const bare = new K(data, AFFINE);
    expect(bare.header.getDataDtype(), 'no header: the data dtype').toBe(dtype);
    expect(bare.header.constructor).toBe(K.headerClass);
    // nibabel's GetSetDtypeMixin: set_data_dtype(float32) survives a round trip.
    img.header.setDataDtype('float32');
    expect(img.header.getDataDtype()).toBe('float32');
    const rt = await readLoaded(await write(img));
    expect(rt.header.getDataDtype()).toBe('float32');
    expectValues(await rt.getFdata(), shape, make().values.map(Math.fround), 'float32 round trip');
    if (maker.dtypeOverride) {
      // nibabel's DtypeOverrideMixin: the constructor's dtype wins over the header's.
      const other: DType = dtype === 'float32' ? 'int16' : 'float32';
      const over = new K(data, AFFINE, maker.header(dtype, endian), { dtype: other });
      expect(over.header.getDataDtype()).toBe(other);
      expect((await readLoaded(await write(over))).header.getDataDtype()).toBe(other);
    }
  });

  // ---------------------------------------------------------------- in-memory data

  it('in memory: getData() is the array; getFdata follows nibabel’s array-image rules', async () => {
    const { img, data } = make();
    expect(await img.getData()).toBe(data);
    const isF64 = dtype === 'float64';
    for (const caching of [undefined, 'fill', 'unchanged'] as const) {
      // nibabel's _check_array_caching, one fresh image per caching mode.
      const { img: im, data: d, values } = make();
      const get = (): Promise<NDArray> => im.getFdata(caching ? { caching } : {});
      const got = await get();
      expect(got.dtype).toBe('float64');
      expectValues(got, shape, values, `getFdata(${caching})`);
      expect(got === d, `getFdata(${caching}) is the dataobj iff it is float64`).toBe(isF64);
      got.data.fill(42 as never);
      const changed = valuesF(await get()).every((v) => v === 42);
      expect(changed, `caching ${caching}: the result is kept`).toBe(isF64 || caching !== 'unchanged');
      im.uncache();
      expect(im.inMemory).toBe(true);
      const after = valuesF(await get()).every((v) => v === 42);
      expect(after, 'uncache forgets a converted copy, never the dataobj').toBe(isF64);
    }
    // get_fdata(dtype=...) returns the dataobj only for its own float dtype.
    for (const f of ['float32', 'float64'] as const) {
      const e = make();
      expect((await e.img.getFdata({ dtype: f })) === e.data, `getFdata(${f}) on ${dtype}`).toBe(dtype === f);
    }
  });

  it('in memory: the cache is one array per dtype; another dtype replaces it', async () => {
    if (dtype === 'float64') return; // the dataobj itself, never a cache (previous test)
    const { img, values } = make();
    const a = await img.getFdata();
    expect(await img.getFdata()).toBe(a);
    expect(await img.getFdata({ caching: 'unchanged' })).toBe(a);
    const b = await img.getFdata({ dtype: 'float32', caching: 'unchanged' });
    expect(b.dtype).toBe('float32');
    expect(b).not.toBe(a);
    expect(await img.getFdata()).toBe(a);
    const c = await img.getFdata({ dtype: 'float32' });
    expectValues(c, shape, values.map(Math.fround), 'float32');
    expect(await img.getFdata({ dtype: 'float32' })).toBe(dtype === 'float32' ? img.dataobj : c);
    const d = await img.getFdata();
    if (dtype !== 'float32') expect(d, 'the float64 cache was replaced by the float32 one').not.toBe(a);
    expect(img.inMemory).toBe(true);
  });

  it('getFdata refuses a non-float dtype and an unknown caching value (TypeError)', async () => {
    const { img } = make();
    await expect(img.getFdata({ dtype: 'int16' as 'float64' })).rejects.toThrow(TypeError);
    await expect(img.getFdata({ caching: 'something' as 'fill' })).rejects.toThrow(TypeError);
  });

  // ---------------------------------------------------------------- header and affine

  it('the header shape follows the data, whatever shape the given header had', () => {
    const header = maker.header(dtype, endian);
    const other = shape.map((d) => d + 4);
    header.setDataShape(other);
    const img = new K(exampleArray(dtype, shape), AFFINE, header);
    expect(img.header.getDataShape()).toEqual([...shape]);
    expect(header.getDataShape(), 'the given header keeps its shape').toEqual(other);
  });

  it('the affine goes into the header on construction', () => {
    const { img } = make();
    expectClose(spatialZooms(img.header), zoomsOf(AFFINE), 1e-6, 'zooms = column norms');
    if (maker.headerAffine === 'affine') expectMatrix(img.header.getBestAffine(), AFFINE, 1e-5, 'header best affine');
  });

  it('a changed affine reaches the header (updateHeader) and the files', async () => {
    const { img } = make();
    img.affine = AFFINE_B.map((r) => [...r]);
    const update = (img as unknown as { updateHeader?: () => void }).updateHeader;
    if (update) {
      update.call(img);
      expectClose(spatialZooms(img.header), zoomsOf(AFFINE_B), 1e-6, 'zooms after updateHeader');
      if (maker.headerAffine === 'affine') expectMatrix(img.header.getBestAffine(), AFFINE_B, 1e-5, 'best affine after updateHeader');
    }
    const rt = await readLoaded(await write(img));
    expectMatrix(rt.affine, filesAffine(AFFINE_B), 1e-5, 'affine read back');
    expectClose(spatialZooms(rt.header), zoomsOf(AFFINE_B), 1e-6, 'zooms read back');
  });

  // ---------------------------------------------------------------- bytes

  it('toBytes gives one file or a pair as the class says', async () => {
    const out = await make().img.toBytes();
    expect(out instanceof Uint8Array).toBe(K.isSingle);
    expect(maker.pair).toBe(!(out instanceof Uint8Array));
  });

  for (const via of ['class', 'load'] as const) {
    it(`round trip through bytes (${via === 'class' ? `${K.name}.fromSources` : 'loadFiles/load'}): class, proxy, data, dtype, affine`, async () => {
      const { img, values } = make();
      const files = await write(img);
      const rts: Img[] = [];
      if (via === 'class') {
        rts.push(await K.fromSources(await sourcesOf(files)));
      } else {
        rts.push(await readLoaded(files));
        if (!maker.pair) rts.push((await load(await bytesOf(files[0]!), { name: files[0]!.name })) as Img);
      }
      const want = via === 'class' ? K : maker.loadsAs;
      for (const rt of rts) {
        expect(rt.constructor).toBe(want);
        expect(isProxy(rt.dataobj)).toBe(true);
        expect(rt.inMemory).toBe(false);
        expect(rt.shape).toEqual([...shape]);
        expect(rt.ndim).toBe(ndim);
        expect(rt.header.getDataDtype()).toBe(dtype);
        expect(rt.header.getDataShape()).toEqual([...shape]);
        expect(rt.header.endianness).toBe(endian);
        expectMatrix(rt.affine, filesAffine(AFFINE), 1e-5, 'affine');
        expectValues(await asArray(rt.dataobj), shape, values, 'asArray(dataobj)');
        expectValues(await rt.getFdata(), shape, values, 'getFdata');
      }
    });
  }

  it('data in C order (numpy’s default) or a strided view write the same voxels', async () => {
    const { values, data } = make();
    // The same logical array laid out in C order.
    const n = values.length;
    const Ctor = data.data.constructor as new (n: number) => NDArray['data'];
    const c = new Ctor(n);
    const cs = cStrides(shape);
    const idx = new Array<number>(ndim).fill(0);
    for (let i = 0; i < n; i++) {
      (c as unknown as number[])[idx.reduce((k, v, d) => k + v * cs[d]!, 0)] = values[i]!;
      for (let d = 0; d < ndim; d++) {
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
      }
    }
    const inC = new NDArray(c, shape, { strides: cs, dtype });
    expectValues(inC, shape, values, 'the C-order input');
    const imC = new K(inC, AFFINE, maker.header(dtype, endian));
    expectValues(await imC.getFdata(), shape, values, 'getFdata of C-order data');
    const rt = await readLoaded(await write(imC));
    expectValues(await rt.getFdata(), shape, values, 'C-order data read back');
    // A reversed view of the first axis (negative stride, offset): what is seen is written.
    const rev = new NDArray(data.data, shape, { strides: data.strides.map((st, d) => (d === 0 ? -st : st)), offset: shape[0]! - 1, dtype });
    const want = oracle(values, shape, [[null, null, -1]]);
    const imRev = new K(rev, AFFINE, maker.header(dtype, endian));
    expectValues(await imRev.getFdata({ dtype: 'float32' }), want.shape, want.values.map(Math.fround), 'getFdata of a reversed view');
    const rt2 = await readLoaded(await write(imRev));
    expectValues(await rt2.getFdata(), want.shape, want.values, 'reversed view read back');
  });

  it('a proxy image: dataobj.get(index) equals slicing the array', async () => {
    const { values } = make();
    const rt = await readLoaded(await write(make().img));
    for (const spec of GETS[ndim]!) {
      const want = oracle(values, shape, spec);
      expectValues(await (rt.dataobj as { get(i: Index): Promise<NDArray> }).get(toIndex(spec)), want.shape, want.values, `get ${JSON.stringify(spec)}`);
    }
    expect(rt.inMemory, 'slicing the dataobj caches nothing').toBe(false);
  });

  it('img.slicer equals slicing the array (in memory and proxy), with the affine moved', async () => {
    const { img, values } = make();
    const rt = await readLoaded(await write(make().img));
    for (const spec of SLICERS[ndim]!) {
      const want = oracle(values, shape, spec);
      for (const [what, im, aff] of [['in memory', img, AFFINE], ['proxy', rt, filesAffine(AFFINE)]] as const) {
        const s = await im.slicer(toIndex(spec));
        expect(s.constructor, what).toBe(im.constructor);
        expectValues(await s.getFdata(), want.shape, want.values, `${what} slicer ${JSON.stringify(spec)}`);
        expectMatrix(s.affine, slicedAffine(aff, shape, spec), 1e-5, `${what} slicer affine ${JSON.stringify(spec)}`);
      }
    }
    await expect(img.slicer(toIndex([0, null, null])), 'no integer on a spatial axis').rejects.toThrow(RangeError);
  });

  it('a second write of what was read is byte-identical (nibabel validate_to_from_bytes)', async () => {
    const first = await write(make().img);
    const a = await K.fromSources(await sourcesOf(first));
    const second = await write(a);
    const b = await K.fromSources(await sourcesOf(second));
    const third = await write(b);
    expect(third.map((f) => f.name)).toEqual(second.map((f) => f.name));
    for (let i = 0; i < second.length; i++) {
      expect(hex(await bytesOf(third[i]!)), third[i]!.name).toBe(hex(await bytesOf(second[i]!)));
    }
    // The header and the voxels do not drift even once (only SPM's float64 .mat may).
    for (let i = 0; i < first.length; i++) {
      if (first[i]!.name.endsWith('.mat')) continue;
      expect(hex(await bytesOf(second[i]!)), `${first[i]!.name}, first rewrite`).toBe(hex(await bytesOf(first[i]!)));
    }
  });

  it('an image made from a loaded proxy and its header stays a proxy (nibabel prox_imaker)', async () => {
    const { values } = make();
    const rt = await readLoaded(await write(make().img));
    const again = new K(rt.dataobj as unknown as NDArray, AFFINE, rt.header);
    expect(again.dataobj).toBe(rt.dataobj);
    expect(again.inMemory).toBe(false);
    expect(again.header).not.toBe(rt.header);
    expectValues(await again.getFdata(), shape, values, 'getFdata');
  });

  it('proxy semantics after loading (nibabel _check_proxy_interface)', async () => {
    const files = await write(make().img);
    await checkProxyInterface(() => readLoaded(files), make().values, shape);
  });

  it('an aborted signal rejects writing a proxy image with an AbortError', async () => {
    const rt = await readLoaded(await write(make().img));
    const ac = new AbortController();
    ac.abort();
    await expect(rt.toBytes({ signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    let last: { loaded: number; total: number } | null = null;
    await rt.toBytes({ onProgress: (p) => (last = p) });
    expect(last, 'onProgress reports the end').not.toBeNull();
    expect(last!.loaded).toBe(last!.total);
  });

  // ---------------------------------------------------------------- blobs

  it('toBlob(): the toBytes files; toBlob({ gzip: true }): gzip members that load', async () => {
    const { img, values } = make();
    const plain = maker.files((await img.toBlob()) as Written, false);
    const bytes = await write(img);
    for (let i = 0; i < bytes.length; i++) expect(hex(await bytesOf(plain[i]!)), plain[i]!.name).toBe(hex(await bytesOf(bytes[i]!)));
    const gz = maker.files((await img.toBlob({ gzip: true })) as Written, true);
    expect(gz.length).toBe(bytes.length);
    for (const f of gz) expect([...(await bytesOf(f)).subarray(0, 3)], `${f.name} gzip magic`).toEqual([0x1f, 0x8b, 0x08]);
    // A name ending in .gz asks for gzip too (nibabel's to_filename suffix rule); levels are 0–9.
    const byName = maker.files((await img.toBlob({ name: `${bytes[0]!.name}.gz` })) as Written, true);
    for (const f of byName) expect([...(await bytesOf(f)).subarray(0, 2)], `${f.name} gzip magic (by name)`).toEqual([0x1f, 0x8b]);
    await expect(img.toBlob({ gzip: true, level: 10 })).rejects.toThrow(RangeError);
    const rt = await readLoaded(gz);
    expect(rt.constructor).toBe(maker.loadsAs);
    expectMatrix(rt.affine, filesAffine(AFFINE), 1e-5, 'affine');
    expectValues(await rt.getFdata(), shape, values, 'getFdata of the gzipped files');
  });

  // ---------------------------------------------------------------- the loader's statics

  it('mayContainHeader: true on its own written header; headerFromSources and loadHeader', async () => {
    const files = await write(make().img);
    const hfile = headerFile(files);
    const head = await bytesOf(hfile);
    expect(head.length).toBeGreaterThanOrEqual(K.sniffBytes);
    expect(K.mayContainHeader(head.subarray(0, K.sniffBytes))).toBe(true);
    expect(maker.loadsAs.mayContainHeader(head.subarray(0, maker.loadsAs.sniffBytes))).toBe(true);
    const h = await K.headerFromSources(await sourcesOf(files));
    expect(h.constructor).toBe(K.headerClass);
    expect(h.getDataShape()).toEqual([...shape]);
    expect(h.getDataDtype()).toBe(dtype);
    const lh = await loadHeader(hfile);
    expect(lh.constructor).toBe(maker.loadsAs.headerClass);
    expect(lh.getDataShape()).toEqual([...shape]);
    expect(lh.getDataDtype()).toBe(dtype);
    expect(lh.endianness).toBe(endian);
  });
}

/** nibabel's `_check_proxy_interface`, step by step, on fresh images from `read`. */
async function checkProxyInterface(read: () => Promise<SpatialImage>, values: number[], shape: readonly number[]): Promise<void> {
  let img = await read();
  expect(isProxy(img.dataobj)).toBe(true);
  expect(img.dataobj).not.toBeInstanceOf(NDArray);
  const proxyData = await asArray(img.dataobj);
  expectValues(proxyData, shape, values, 'asArray(dataobj)');
  expect(img.inMemory, 'not cached yet').toBe(false);
  let data = await img.getFdata({ caching: 'unchanged' });
  expect(img.inMemory, "caching: 'unchanged' fills nothing").toBe(false);
  expect(await img.getFdata({ caching: 'unchanged' }), "caching: 'unchanged' twice reads twice").not.toBe(data);
  data = await img.getFdata();
  expect(img.inMemory, 'getFdata() fills the cache').toBe(true);
  expect(data).not.toBe(proxyData);
  expectValues(data, shape, values, 'getFdata');
  expect(await img.getFdata({ caching: 'unchanged' }), "'unchanged' returns the cache").toBe(data);
  expect(await img.getFdata({ caching: 'fill' }), "'fill' returns the cache").toBe(data);
  expect(await img.getFdata(), 'getFdata twice: the same object').toBe(data);
  data.data.fill(42 as never);
  expectValues(await asArray(img.dataobj), shape, values, 'the proxy does not see the cache');
  expectAllEqual(await img.getFdata(), 42, 'getFdata gives the (edited) cache');
  img.uncache();
  expect(img.inMemory, 'uncache empties the cache').toBe(false);
  const fresh = await img.getFdata();
  expect(fresh, 'after uncache: a new read').not.toBe(data);
  expectValues(fresh, shape, values, 'getFdata after uncache');
  expectAllEqual(data, 42, 'an array handed out stays as it was');

  img = await read();
  expect(img.inMemory).toBe(false);
  data = await img.getFdata({ caching: 'fill' });
  expect(img.inMemory).toBe(true);
  expect(await img.getFdata()).toBe(data);
  img.uncache();
  const f64 = await img.getFdata();
  expect(f64.dtype).toBe('float64');
  f64.data.fill(42 as never);
  expectAllEqual(await img.getFdata(), 42, 'float64 cache');
  let f32 = await img.getFdata({ caching: 'unchanged', dtype: 'float32' });
  expect(f32.dtype).toBe('float32');
  expectValues(f32, shape, values.map(Math.fround), "float32 with 'unchanged': a fresh read");
  expectAllEqual(await img.getFdata(), 42, "the float64 cache stays after an 'unchanged' float32 read");
  f32.data.fill(43 as never);
  f32 = await img.getFdata({ caching: 'unchanged', dtype: 'float32' });
  expectValues(f32, shape, values.map(Math.fround), "float32 'unchanged' again: not cached");
  f32 = await img.getFdata({ caching: 'fill', dtype: 'float32' });
  expectValues(f32, shape, values.map(Math.fround), 'float32 fill');
  f32.data.fill(43 as never);
  expectAllEqual(await img.getFdata({ dtype: 'float32' }), 43, 'the float32 cache');
  const back = await img.getFdata();
  expectValues(back, shape, values, 'the float64 cache was replaced: a new read');
  await expect(img.getFdata({ caching: 'something' as 'fill' })).rejects.toThrow(TypeError);
  await expect(img.getFdata({ dtype: 'int16' as 'float64' })).rejects.toThrow(TypeError);
}

/**
 * Every maker's suite, and the sniff of every class on every class's written header, against
 * nibabel 5.0.0's `header_class.may_contain_header` (MGH: nibabel has none; nibweb's own sniff
 * must claim only MGH).
 * @param makers one per class
 */
export function imageApiSuites(makers: readonly ImageMaker[]): void {
  for (const m of makers) imageApiSuite(m);
  describe('mayContainHeader across classes: each written header against each class’s sniff', () => {
    it.each(makers.map((m) => [m.klass.name, m] as const))('%s headers', async (_n, writer) => {
      for (const endian of writer.endians) {
        const img = new writer.klass(exampleArray(writer.dtypes[0]!, [5, 4, 3]), AFFINE, writer.header(writer.dtypes[0]!, endian));
        const head = await bytesOf(headerFile(writer.files((await img.toBytes()) as Written, false)));
        for (const reader of makers) {
          const R = reader.klass;
          expect(R.mayContainHeader(head.subarray(0, R.sniffBytes)), `${R.name}.mayContainHeader(${writer.klass.name} ${endian} header)`).toBe(
            reader.sniffs.includes(writer.format),
          );
        }
      }
    });
  });
}
