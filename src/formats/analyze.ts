/**
 * Analyze 7.5 images (port of nibabel's `analyze.py` `AnalyzeImage`): a `.hdr` + `.img`
 * pair, the header class `AnalyzeHeader` (src/header/analyze-header.ts). SPM99 and SPM2
 * (spm99analyze.ts, spm2analyze.ts) differ only in their header class and SPM99's `.mat`.
 *
 * - Reading (`fromSources`, what the loader calls): the header's own bytes are parsed and
 *   checked, and the array becomes an `ArrayProxy` over the `.img` at `vox_offset` with the
 *   header's scaling (none for Analyze; SPM's slope, as float32 for SPM99). The affine is the
 *   header's best affine. Nothing of the array is read.
 * - Construction (nibabel's `AnalyzeImage.__init__` and `update_header`): the header is copied
 *   (`fromHeader`), the consumables reset (`vox_offset` 0, slope/intercept "unset"), the
 *   shape taken from the data, the dtype from the data when no header is given, and an
 *   affine that differs from the header's best one written into it (`setFromAffine`).
 * - Writing (`toBytes`, `toBlob`, nibabel's `to_file_map`): the header updated from the image
 *   (`updateHeader`), then the voxels in F order in the header's dtype and byte order, scaled
 *   by nibabel's writer for the header class (array-writer.ts: none for Analyze — data that
 *   need scaling are refused —, slope for SPM, slope and intercept for NIfTI) unless the
 *   header already holds factors. Pair classes give `{ hdr, img }` (SPM adds `mat`), single-file
 *   classes (`Nifti1Image`) one Uint8Array: the type parameter `B` says which. The image's own
 *   header keeps its consumables (offset, factors), as nibabel restores them.
 */
import type { DType, TypedArray } from '../dtypes.js';
import { allclose } from '../linalg.js';
import { AnalyzeHeader, type SpatialHeaderLike } from '../header/analyze-header.js';
import type { FromSourcesOptions, HeaderSources, ImageSources, ProxyImage } from '../image/image-class.js';
import { type DataObj, SpatialImage, asArray, toDataObj } from '../image/spatial-image.js';
import { ArrayProxy } from '../proxy/array-proxy.js';
import { arrayBytes, makeArrayWriter, scalingKindFor } from './array-writer.js';
import { type ToBytesOptions, type WriteOptions, fileBlob } from './write-options.js';

export { toDataObj };

/** Options of the Analyze-family constructors. */
export interface AnalyzeImageOptions {
  /** Shape, when `dataobj` is a plain typed array. */
  shape?: readonly number[];
  /** On-disk dtype to use when saving (nibabel's `dtype=` argument). */
  dtype?: DType;
}

/** The files of a pair: header and image, and SPM's `.mat` when the class writes one. */
export interface PairBytes {
  hdr: Uint8Array;
  img: Uint8Array;
  mat?: Uint8Array;
}

/** The files of a pair, as Blobs. */
export interface PairBlobs {
  hdr: Blob;
  img: Blob;
  mat?: Blob;
}

/** What `toBytes` gives: one file's bytes for single-file classes, the files of a pair otherwise. */
export type FileBytes = Uint8Array | PairBytes;

/** What `toBlob` gives for a class whose `toBytes` gives `B`. */
export type BlobsOf<B extends FileBytes> = B extends Uint8Array ? Blob : PairBlobs;

/**
 * Reads and checks a header of class `H` from the start of `source`.
 * @internal shared by the Analyze family's `fromSources`
 */
export async function readHeader<H extends typeof AnalyzeHeader>(
  H: H,
  source: ImageSources['header'],
  isSingle: boolean,
  signal?: AbortSignal,
): Promise<InstanceType<H>> {
  const head = await source.read(0, H.sniffBytes, { signal });
  const extent = H.headerExtent(head, isSingle);
  const bytes = extent > head.length ? await source.read(0, extent, { signal }) : head.subarray(0, extent);
  return H.fromBytes(bytes, { checks: true, isSingle }) as InstanceType<H>;
}

/**
 * The array proxy a header describes (nibabel's `ArrayProxy(fileobj, header)`).
 * @internal shared by the Analyze family's `fromSources`
 */
export function proxyFor(header: AnalyzeHeader, source: ImageSources['image']): ArrayProxy {
  const [slope, inter] = header.getSlopeInter();
  return new ArrayProxy(source, {
    shape: header.getDataShape(),
    dtype: header.getDataDtype(),
    littleEndian: header.endianness === '<',
    offset: header.getDataOffset(),
    slope: slope ?? 1,
    inter: inter ?? 0,
    order: 'F',
    spm99: header.klass.float32Slope,
  });
}

/**
 * A plain Analyze 7.5 image (nibabel's `AnalyzeImage`); the base of the SPM and NIfTI image
 * classes, which differ in header class, file rules and what `toBytes` gives (`B`).
 */
export class AnalyzeImage<H extends AnalyzeHeader = AnalyzeHeader, B extends FileBytes = PairBytes> extends SpatialImage<H> {
  /** The header class (nibabel's `header_class`). */
  static readonly headerClass: typeof AnalyzeHeader = AnalyzeHeader;
  /** File extensions of the class. */
  static readonly validExts: readonly string[] = ['.img', '.hdr'];
  /** Header and data in two files. */
  static readonly isSingle: boolean = false;

  /** Bytes the sniff needs. */
  static get sniffBytes(): number {
    return this.headerClass.sniffBytes;
  }

  /**
   * The header class's sniff (nibabel's `header_class.may_contain_header`).
   * @param head the first bytes of the header file
   * @returns whether this class may read it
   */
  static mayContainHeader(head: Uint8Array): boolean {
    return this.headerClass.mayContainHeader(head);
  }

  /**
   * Parses and checks the header, and builds the proxy image (nibabel's `from_file_map`).
   * @param sources header and image files (and SPM's `.mat`)
   * @param opts `signal` to abort
   * @returns the image; nothing of the array is read
   * @throws {ImageFileError} | {HeaderDataError} | {UnsupportedError} for a bad header
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static async fromSources<T extends typeof AnalyzeImage<any, any>>(this: T, sources: ImageSources, opts: FromSourcesOptions = {}): Promise<ProxyImage<InstanceType<T>>> {
    const header = await readHeader(this.headerClass, sources.header, this.isSingle, opts.signal);
    const proxy = proxyFor(header, sources.image);
    const sidecar = await this.sidecarAffine(sources, header, opts);
    const img = new this(proxy, header.getBestAffine(), header) as ProxyImage<InstanceType<T>>;
    // nibabel sets the .mat affine after construction: the header (zooms, origin) keeps its own.
    if (sidecar) img.affine = sidecar;
    img.warnings.push(...header.warnings);
    return img;
  }

  /**
   * The header alone, parsed and checked (nibabel's `header_class.from_fileobj`).
   * @param sources the header file
   * @param opts `signal`
   * @returns the header
   * @throws as `fromSources`
   */
  static async headerFromSources<T extends typeof AnalyzeImage>(this: T, sources: HeaderSources, opts: FromSourcesOptions = {}): Promise<AnalyzeHeader> {
    return readHeader(this.headerClass, sources.header, this.isSingle, opts.signal);
  }

  /** @internal an affine from files beside the pair (SPM's `.mat`); none for Analyze */
  protected static async sidecarAffine(_sources: ImageSources, _header: AnalyzeHeader, _opts: FromSourcesOptions): Promise<number[][] | null> {
    return null;
  }

  /**
   * @param dataobj an NDArray, an ArrayProxy, or a typed array with `opts.shape`
   * @param affine 4×4 voxel → world affine, or null
   * @param header a header to copy (any Analyze-family header, or any header with dtype,
   *   shape and zooms), or null for defaults
   * @param opts `shape` for a typed array; `dtype` for saving
   * @throws {HeaderDataError} when the data's dtype or shape does not fit the format
   * @throws {RangeError} when the affine is not 4×4
   */
  constructor(
    dataobj: DataObj | TypedArray,
    affine: readonly (readonly number[])[] | null,
    header?: SpatialHeaderLike | null,
    opts: AnalyzeImageOptions = {},
  ) {
    const K = new.target as unknown as { name: string; headerClass: typeof AnalyzeHeader; checkData(obj: DataObj, header: unknown, opts: AnalyzeImageOptions): void };
    const obj = toDataObj(dataobj, opts.shape, K.name);
    K.checkData(obj, header, opts);
    const hdr = header ? K.headerClass.fromHeader(header) : new K.headerClass();
    if (opts.dtype) hdr.setDataDtype(opts.dtype);
    else if (!header) hdr.setDataDtype(obj.dtype);
    // Consumables: nibabel resets these on every construction (analyze.py).
    hdr.setDataOffset(0);
    hdr.setSlopeInter(null, null);
    super(obj, affine, hdr as H);
    this.updateHeader();
  }

  /** @internal data this class refuses before any header work (NIfTI: 64-bit integers without a dtype) */
  protected static checkData(_obj: DataObj, _header: unknown, _opts: AnalyzeImageOptions): void {}

  /**
   * Harmonises the header with the data and the affine (nibabel's `update_header`): the
   * shape follows the data; an affine not close to the header's best affine is written into
   * it (`setFromAffine`: zooms for Analyze and SPM — whose affine goes to the `.mat` —,
   * sform/qform for NIfTI).
   * Called on construction and before every write.
   */
  updateHeader(): void {
    const hdr = this.header;
    const shape = this.shape;
    const cur = hdr.getDataShape();
    if (cur.length !== shape.length || cur.some((d, i) => d !== shape[i])) hdr.setDataShape(shape);
    if (this.affine !== null && !allclose(this.affine, hdr.getBestAffine())) hdr.setFromAffine(this.affine);
  }

  /**
   * The header as written and the array's bytes (nibabel's `to_file_map` up to the file
   * layout): factors chosen by the class's writer unless the header holds some, offset 0
   * (the header's own rule places the data).
   * @internal
   */
  protected async encode(opts: ToBytesOptions): Promise<{ header: H; data: Uint8Array }> {
    const data = await asArray(this.dataobj, { signal: opts.signal });
    this.updateHeader();
    const hdr = this.header.copy();
    const K = hdr.klass;
    const out: DType = hdr.getDataDtype();
    // nibabel: factors already in the header are written as given, with a plain cast.
    const slope = K.hasDataSlope ? (hdr.get('scl_slope') as number) : Number.NaN;
    const inter = K.hasDataIntercept ? (hdr.get('scl_inter') as number) : Number.NaN;
    const scaleMe = Number.isNaN(slope) && Number.isNaN(inter);
    const w = makeArrayWriter(data, out, scaleMe ? scalingKindFor(K.hasDataSlope, K.hasDataIntercept) : 'cast');
    if (scaleMe && K.hasDataSlope) hdr.setSlopeInter(w.slope, K.hasDataIntercept ? w.inter : null);
    hdr.setDataOffset(0);
    const bytes = arrayBytes(w.array, hdr.endianness === '<');
    opts.onProgress?.({ loaded: bytes.length, total: bytes.length });
    return { header: hdr, data: bytes };
  }

  /** @internal the files from the written header and data: a pair for this class */
  protected fileBytes(header: H, data: Uint8Array): B {
    return { hdr: header.toBytes(), img: data } as PairBytes as B;
  }

  /**
   * The image's files as nibabel writes them (`to_file_map` / `to_bytes`).
   * @param opts `signal` to abort reading a proxy's data; `onProgress`
   * @returns `{ hdr, img }` for pairs (SPM adds `mat`); one Uint8Array for single files
   * @throws {ImageDataError} `SCALING_NEEDED` when Analyze data would need scaling, or the
   *   array writer's other codes; the read errors of a proxy
   */
  async toBytes(opts: ToBytesOptions = {}): Promise<B> {
    const { header, data } = await this.encode(opts);
    return this.fileBytes(header, data);
  }

  /**
   * The image as downloadable files, gzipped when asked (`gzip: true`, or a name ending `.gz`;
   * every file of a pair, SPM's `.mat` included, as nibabel writes `.hdr.gz`, `.img.gz`, `.mat.gz`).
   * @param opts `gzip`, `level`, `name`, `signal`, `onProgress`; a string is taken as `name`
   * @returns one Blob for single files, `{ hdr, img }` (and `mat`) Blobs for pairs
   * @throws as `toBytes`; {RangeError} for a gzip level outside 0–9
   * @example
   * const blob = await img.toBlob({ gzip: true });     // a Nifti1Image → .nii.gz bytes
   * const { hdr, img: data } = await pair.toBlob();    // an AnalyzeImage → .hdr and .img
   */
  async toBlob(opts: WriteOptions | string = {}): Promise<BlobsOf<B>> {
    const o: WriteOptions = typeof opts === 'string' ? { name: opts } : opts;
    const bytes: FileBytes = await this.toBytes(o);
    if (bytes instanceof Uint8Array) return fileBlob(bytes, o) as BlobsOf<B>;
    const blobs: PairBlobs = { hdr: fileBlob(bytes.hdr, o), img: fileBlob(bytes.img, o) };
    if (bytes.mat) blobs.mat = fileBlob(bytes.mat, o);
    return blobs as BlobsOf<B>;
  }
}
