/**
 * Loading: bytes, Files, Blobs or URLs in, images out (nibabel's loadsave.py `load` and
 * imageclasses.py). Only the header is read; the array stays a proxy that reads on demand.
 *
 * Content decides, the name only helps (reliability.md case 60): gzip is recognised by its
 * magic whatever the name says, and the format by the header bytes. The name decides only
 * what bytes cannot: whether a NIfTI header belongs to a single file or to a `.hdr`/`.img`
 * pair.
 *
 * Format order (nibabel's `all_image_classes` puts pairs first; here the container is known
 * from the files, so the order is only between header kinds):
 *   1. NIfTI-2 — sizeof_hdr 540 in either byte order (checked first: a NIfTI-1 sniff would
 *      misread its bytes 344–347 as a magic);
 *   2. NIfTI-1 — sizeof_hdr 348 in either byte order with magic `n+1`/`ni1`;
 *   3. MGH/MGZ — version 1 big-endian with a known type code and positive dims (its sniff
 *      cannot claim a NIfTI header: bytes 0–3 would have to be 1, not 348 or 540). A file
 *      named `.mgh`/`.mgz` that no sniff claims is still parsed as MGH (nibabel picks the
 *      class by extension), so a broken one gets its own error (`BAD_VERSION`, `BAD_DIM`, …).
 */
import { GzipSource } from './codecs/gzip-source.js';
import { dtypeInfo } from './dtypes.js';
import { HeaderDataError, ImageFileError, LimitError, throwIfAborted } from './errors.js';
import { Nifti1Header, Nifti1PairHeader } from './header/nifti1-header.js';
import { Nifti2Header, Nifti2PairHeader } from './header/nifti2-header.js';
import { BlobSource } from './io/blob-source.js';
import { BufferSource } from './io/buffer-source.js';
import { CachedSource } from './io/cached-source.js';
import { HttpSource } from './io/http-source.js';
import type { ByteSource } from './io/types.js';
import { ArrayProxy } from './proxy/array-proxy.js';
import { Nifti1Image, Nifti1Pair } from './formats/nifti1.js';
import { Nifti2Image, Nifti2Pair } from './formats/nifti2.js';
import { MGHImage } from './formats/mghformat.js';
import { Spm2AnalyzeImage } from './formats/spm2analyze.js';
import type { SpatialImage } from './image/spatial-image.js';
import { describeBytes, looksGzip } from './sniff.js';

/** What `load` accepts: a File/Blob, bytes, a URL (HTTP Range reads), or any ByteSource. */
export type LoadInput = Blob | File | ArrayBuffer | Uint8Array | URL | string | ByteSource;

function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).read === 'function' && 'size' in x;
}

/** Options of `load` and `loadFiles`. */
export interface LoadOptions {
  /** File name, for single-vs-pair detection when the input is not a File. */
  name?: string;
  /** Aborts loading (and later reads of this image's data). */
  signal?: AbortSignal;
  /** Progress of reading compressed data: compressed bytes consumed / total. */
  onProgress?: (p: { loaded: number; total: number }) => void;
}

/** The most header+extension bytes read before the data (a NIfTI vox_offset can be anything). */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** A loaded image: its dataobj is always an ArrayProxy (nibabel's proxy image). */
export type LoadedImage = (SpatialImage | MGHImage | Spm2AnalyzeImage) & { readonly dataobj: ArrayProxy };

type AnyImage = LoadedImage;

/** A file's bytes with its name. */
interface Opened {
  name: string;
  source: ByteSource;
}

function nameOf(input: LoadInput, given?: string): string {
  if (given) return given;
  if (typeof File !== 'undefined' && input instanceof File) return input.name;
  if (input instanceof URL) return decodeURIComponent(input.pathname.split('/').pop() ?? '');
  if (typeof input === 'string') return decodeURIComponent(new URL(input, globalThis.location?.href ?? 'http://x/').pathname.split('/').pop() ?? '');
  return '';
}

function sourceOf(input: LoadInput): ByteSource {
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) return new BufferSource(input);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new BlobSource(input);
  if (input instanceof URL || typeof input === 'string') return new HttpSource(input);
  if (isByteSource(input)) return input;
  throw new TypeError('load() takes a Blob, File, ArrayBuffer, Uint8Array, URL, URL string or ByteSource');
}

/** Lower-case name without a trailing `.gz`. */
function baseExt(name: string): { stem: string; ext: string } {
  const lower = name.toLowerCase().replace(/\.gz$/, '');
  const dot = lower.lastIndexOf('.');
  return dot < 0 ? { stem: lower, ext: '' } : { stem: name.slice(0, dot), ext: lower.slice(dot) };
}

/**
 * The bytes to parse: a GzipSource when the content is gzip (whatever the name says), else
 * the file itself behind a block cache for the small reads of headers and slices. A gzip
 * stream reads its compressed input sequentially in large chunks, so it gets no cache (one
 * would only add copies and hold memory).
 */
async function decompressed(opened: Opened, opts: LoadOptions): Promise<ByteSource> {
  const head = await opened.source.read(0, 3, { signal: opts.signal });
  if (looksGzip(head)) return new GzipSource(opened.source, { onProgress: opts.onProgress });
  return opened.source instanceof BufferSource ? opened.source : new CachedSource(opened.source);
}

function readI32(b: Uint8Array, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, le);
}

/** Which NIfTI header the first bytes hold, or null. */
function headerKind(head: Uint8Array): 'nifti1' | 'nifti2' | null {
  if (head.length < 4) return null;
  const le = readI32(head, true);
  const be = readI32(head, false);
  if (le === 540 || be === 540) return 'nifti2';
  if (le === 348 || be === 348) return 'nifti1';
  return null;
}

/**
 * Opens one image from its header file and (for pairs) its image file.
 * @internal
 */
async function openImage(hdr: Opened, img: Opened | null, opts: LoadOptions, mat?: Opened): Promise<AnyImage> {
  const { signal } = opts;
  throwIfAborted(signal);
  const hdrSource = await decompressed(hdr, opts);
  const head = await hdrSource.read(0, 540, { signal });
  if (head.length === 0) throw new ImageFileError(`Empty file: "${hdr.name}"`, { code: 'TRUNCATED_HEADER' });
  const kind = headerKind(head);
  if (!kind && img === null && (MGHImage.mayContainHeader(head) || /\.mg[hz]$/i.test(hdr.name.replace(/\.gz$/i, '')))) {
    return MGHImage.fromSources({ name: hdr.name, header: hdrSource, image: hdrSource }, { signal });
  }
  if (!kind) {
    throw new ImageFileError(
      `Cannot work out file type of "${hdr.name}": it looks like ${describeBytes(head)}, not a NIfTI image`,
      { code: 'NOT_NIFTI' },
    );
  }
  const Header = kind === 'nifti2' ? Nifti2Header : Nifti1Header;
  const sizeof = Header.sizeofHdr;
  if (head.length < sizeof) {
    throw new ImageFileError(`"${hdr.name}" is ${head.length} bytes long: too short for a ${sizeof}-byte ${kind} header`, {
      code: 'TRUNCATED_HEADER',
    });
  }
  const single = img === null;
  const probe = Header.fromBytes(head.subarray(0, sizeof), { checks: false });
  if (!probe.isNifti() && !single && Spm2AnalyzeImage.mayContainHeader(head)) {
    // A 348-byte pair header without a NIfTI magic: Analyze, read as SPM2 as nibabel does.
    const image = await decompressed(img, opts);
    return Spm2AnalyzeImage.fromSources({ name: hdr.name, header: hdrSource, image, mat: mat?.source }, { signal });
  }
  if (!probe.isNifti()) {
    throw new HeaderDataError(
      `"${hdr.name}" has a ${sizeof}-byte header but no NIfTI magic (${JSON.stringify(probe.get('magic'))}): ${single ? 'not a NIfTI file' : 'neither NIfTI nor Analyze'}`,
      { code: 'BAD_MAGIC' },
    );
  }
  // Extensions live between the header and vox_offset (single) or up to the .hdr's end (pair).
  const rawOffset = probe.getDataOffset();
  const extEnd = single
    ? Number.isFinite(rawOffset) && rawOffset > sizeof ? Math.min(rawOffset, MAX_HEADER_BYTES) : sizeof + 4
    : MAX_HEADER_BYTES;
  const headerBytes = extEnd > head.length ? await hdrSource.read(0, extEnd, { signal }) : head.subarray(0, extEnd);
  const FileHeader = single ? Header : kind === 'nifti2' ? Nifti2PairHeader : Nifti1PairHeader;
  const header = FileHeader.fromBytes(headerBytes, { checks: true, isSingle: single });

  const dataSource = single ? hdrSource : await decompressed(img, opts);
  const [slope, inter] = header.getSlopeInter();
  const shape = header.getDataShape();
  const dtype = header.getDataDtype();
  checkDataSize(shape, dtype, hdr.name);
  const proxy = new ArrayProxy(dataSource, {
    shape,
    dtype,
    littleEndian: header.endianness === '<',
    offset: header.getDataOffset(),
    slope: slope ?? 1,
    inter: inter ?? 0,
    order: 'F',
  });
  const affine = header.getBestAffine();
  const Image = kind === 'nifti2' ? (single ? Nifti2Image : Nifti2Pair) : single ? Nifti1Image : Nifti1Pair;
  const image = new Image(proxy, affine, header) as LoadedImage;
  image.warnings.push(...header.warnings);
  return image;
}

/** Rejects arrays whose byte size passes what JavaScript can index. */
function checkDataSize(shape: number[], dtype: ReturnType<Nifti1Header['getDataDtype']>, name: string): void {
  let bytes = dtypeInfo(dtype).itemsize;
  for (const d of shape) bytes *= d;
  if (!Number.isSafeInteger(bytes)) {
    throw new LimitError(`"${name}" declares ${shape.join('×')} ${dtype} voxels: more bytes than can be addressed`, {
      code: 'SIZE_OVERFLOW',
      limit: Number.MAX_SAFE_INTEGER,
      requested: bytes,
    });
  }
}

/**
 * Loads an image: reads and checks the header only; the array stays a proxy.
 * @param input a File/Blob (from a drop or picker), bytes, or a URL (read with HTTP Range)
 * @param opts `name` when the input has none (`.nii`, `.nii.gz`); `signal`; `onProgress`
 * @returns a `Nifti1Image`, `Nifti2Image` (or pair class for `.hdr` names — use `loadFiles`
 *   to give both files of a pair)
 * @throws {ImageFileError} for an empty or unrecognised file, or a `.hdr`/`.img` without its partner
 * @throws {HeaderDataError} for invalid header values
 * @throws {UnsupportedError} for dtypes or formats nibweb cannot represent
 * @throws {DecompressionError} for a corrupt .gz header region
 * @example
 * const img = await load(file);              // from <input type=file> or a drop
 * img.shape;                                  // [256, 256, 192]
 * const data = await img.getFdata({ dtype: 'float32' });
 */
export async function load(input: LoadInput, opts: LoadOptions = {}): Promise<AnyImage> {
  const name = nameOf(input, opts.name);
  const { ext } = baseExt(name);
  if (ext === '.hdr' || ext === '.img') {
    throw new ImageFileError(
      `"${name}" is one half of a .hdr/.img pair: pass both files to loadFiles()`,
      { code: 'MISSING_PAIR_MEMBER' },
    );
  }
  return openImage({ name, source: sourceOf(input) }, null, opts);
}

/**
 * Loads a whole drop: one image per file, and one per `.hdr` + `.img` pair (matched by name,
 * case-insensitively, `.gz` allowed on either).
 * @param files the dropped or picked files
 * @param opts as `load` (`name` is ignored)
 * @returns the images in the order their first file came
 * @throws {ImageFileError} for a `.hdr` without its `.img` or the reverse, or any file `load` rejects
 * @example
 * zone.addEventListener('drop', async (e) => {
 *   e.preventDefault();
 *   const images = await loadFiles(e.dataTransfer!.files);
 * });
 */
export async function loadFiles(files: Iterable<File>, opts: LoadOptions = {}): Promise<AnyImage[]> {
  const list = [...files];
  const pairs = new Map<string, { hdr?: File; img?: File; mat?: File }>();
  const order: (File | string)[] = [];
  // SPM's .mat goes with the pair of the same stem (nibabel reads it for SPM images).
  const mats = new Map<string, File>();
  for (const f of list) {
    const { stem, ext } = baseExt(f.name);
    if (ext === '.mat') mats.set(stem.toLowerCase(), f);
  }
  for (const f of list) {
    const { stem, ext } = baseExt(f.name);
    if (ext === '.mat' && pairs.has(stem.toLowerCase())) continue;
    if (ext === '.mat' && list.some((g) => g !== f && /^\.(hdr|img)$/.test(baseExt(g.name).ext) && baseExt(g.name).stem.toLowerCase() === stem.toLowerCase())) continue;
    if (ext === '.hdr' || ext === '.img') {
      const key = stem.toLowerCase();
      let p = pairs.get(key);
      if (!p) {
        p = {};
        pairs.set(key, p);
        order.push(key);
      }
      if (ext === '.hdr') p.hdr = f;
      else p.img = f;
    } else {
      order.push(f);
    }
  }
  const out: AnyImage[] = [];
  for (const item of order) {
    if (typeof item !== 'string') {
      out.push(await load(item, { ...opts, name: item.name }));
      continue;
    }
    const p = pairs.get(item)!;
    if (!p.hdr || !p.img) {
      const have = (p.hdr ?? p.img)!.name;
      throw new ImageFileError(
        `"${have}" needs its partner "${item}${p.hdr ? '.img' : '.hdr'}": drop both files of the pair together`,
        { code: 'MISSING_PAIR_MEMBER' },
      );
    }
    const mat = mats.get(item);
    out.push(
      await openImage({ name: p.hdr.name, source: sourceOf(p.hdr) }, { name: p.img.name, source: sourceOf(p.img) }, opts, mat && { name: mat.name, source: sourceOf(mat) }),
    );
  }
  return out;
}
