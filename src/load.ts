/**
 * Loading: bytes, Files, Blobs or URLs in, images out (nibabel's loadsave.py `load` and
 * imageclasses.py `all_image_classes`). Only the header is read; the array stays a proxy that
 * reads on demand.
 *
 * Content decides, the name only helps (reliability.md case 60): gzip is recognised by its
 * magic whatever the name says, and the format by the header bytes, trying the classes of
 * `IMAGE_CLASSES` in order. The name decides what bytes cannot: whether a file is a single
 * image or one half of a `.hdr`/`.img` pair (see filename-parser.ts), and which class explains
 * what is wrong with a file that no class claims.
 *
 * In Node a string that is not an http(s)/blob/data URL, or a `file:` URL, is a path, read
 * through a `NodeFileSource` (io/node-paths.ts says what counts as a path); a lone `.hdr` or
 * `.img` path finds its partner and SPM's `.mat` beside it on disk, as nibabel's `load` does.
 * In browsers strings stay URLs, read with HTTP Range requests.
 */
import { GzipSource } from './codecs/gzip-source.js';
import { type HeaderWarning, ImageFileError, throwIfAborted } from './errors.js';
import { type FileGroup, type NamedFile, splitName } from './filename-parser.js';
import { AnalyzeImage } from './formats/analyze.js';
import { MGHImage } from './formats/mghformat.js';
import { Nifti1Image, Nifti1Pair } from './formats/nifti1.js';
import { Nifti2Image, Nifti2Pair } from './formats/nifti2.js';
import { Spm2AnalyzeImage } from './formats/spm2analyze.js';
import { Spm99AnalyzeImage } from './formats/spm99analyze.js';
import type { AnalyzeHeader } from './header/analyze-header.js';
import type { MGHHeader } from './header/mgh-header.js';
import type { ImageClass, ImageSources, ProxyImage } from './image/image-class.js';
import { BlobSource } from './io/blob-source.js';
import { BufferSource } from './io/buffer-source.js';
import { CachedSource } from './io/cached-source.js';
import { HttpSource } from './io/http-source.js';
import { ProgressSource } from './io/progress-source.js';
import { NodeFileSource } from './io/node-file-source.js';
import { type PathEntry, completePair, groupByDirectory, isNodePath, isPathEntry, pathEntry } from './io/node-paths.js';
import type { ByteSource } from './io/types.js';
import { describeBytes, looksGzip } from './sniff.js';
import { bindWorker, poolOf } from './worker/binding.js';
import type { WorkerPool } from './worker/pool.js';
import type { Origin } from './worker/protocol.js';

export { MAX_HEADER_BYTES } from './header/nifti1-file.js';

/**
 * What `load` accepts: a File/Blob, bytes, a URL (HTTP Range reads), any ByteSource, or in
 * Node a file path (a string that is not an http(s)/blob/data URL, or a `file:` URL).
 */
export type LoadInput = Blob | File | ArrayBuffer | Uint8Array | URL | string | ByteSource;

/** Options of `load` and `loadFiles`. */
export interface LoadOptions {
  /** File name, for single-vs-pair detection when the input is not a File or path. */
  name?: string;
  /** Aborts loading (and later reads of this image's data). */
  signal?: AbortSignal;
  /**
   * Progress of reads, for as long as the image is read: a gzip stream's compressed bytes
   * consumed, or the end of the last read of a plain file; `total` is the file's size.
   */
  onProgress?: (p: { loaded: number; total: number }) => void;
  /**
   * Non-fatal findings of the sources, each once, whenever they come (also later reads of the
   * data): a server that ignored an HTTP Range request and sent the whole file
   * (`RANGE_IGNORED`), bytes after the gzip stream (`TRAILING_DATA`). A server's finding made
   * while loading is also on the image's (or header's) `warnings`.
   */
  onWarning?: (w: HeaderWarning) => void;
  /**
   * Decode whole arrays (`getFdata`, `getData`, `asArray`) off the main thread: `true` for a
   * shared pool, or a pool from `createWorkerPool()`. Slices stay on the main thread. Files,
   * Blobs, bytes, URLs and (in Node, where the workers are `worker_threads`) file paths given
   * to `load` go to the worker; a ByteSource passed in does not.
   */
  worker?: boolean | WorkerPool;
}

/** Options of `loadFiles`; `G` is what a group holds: `File`, or also `PathEntry` for paths. */
export interface LoadFilesOptions<G extends NamedFile = File> extends LoadOptions {
  /**
   * Called for each file or pair that cannot be loaded; the drop goes on without it. Without
   * `onError` the first failure rejects the whole call. An abort always rejects.
   */
  onError?: (error: unknown, group: FileGroup<G>) => void;
}

/**
 * The image classes `load` tries, in nibabel's order (`all_image_classes`), each only for
 * files of its arity (single file or `.hdr` + `.img` pair):
 * - NIfTI before Analyze: a NIfTI pair header is also a valid 348-byte Analyze header, and
 *   only the magic tells them apart; the NIfTI sniffs ask for the magic.
 * - NIfTI-1 before NIfTI-2 is harmless: their sniffs need sizeof_hdr 348 and 540.
 * - Of the Analyze family only SPM2 is listed, as in nibabel: its sniff takes every 348-byte
 *   header without a NIfTI magic, so SPM99 and plain Analyze are never reached by a load
 *   (their classes read such files when called directly).
 * - MGH last: its sniff (version 1, big-endian) cannot claim a 348/540 header.
 */
export const IMAGE_CLASSES: readonly ImageClass[] = [Nifti1Pair, Nifti1Image, Nifti2Pair, Nifti2Image, Spm2AnalyzeImage, MGHImage];

/** Any image `load` returns: its dataobj is always an ArrayProxy (nibabel's proxy image). */
export type LoadedImage =
  | ProxyImage<Nifti1Image>
  | ProxyImage<Nifti2Image>
  | ProxyImage<Nifti1Pair>
  | ProxyImage<Nifti2Pair>
  | ProxyImage<Spm2AnalyzeImage>
  | ProxyImage<Spm99AnalyzeImage>
  | ProxyImage<AnalyzeImage>
  | ProxyImage<MGHImage>;

/** Any header `loadHeader` returns. */
export type LoadedHeader = AnalyzeHeader | MGHHeader;

/** ByteSources given to `load` as they are: a worker cannot rebuild them (custom fetch, …). */
const givenSources = new WeakSet<ByteSource>();

/** Where a worker can read the same bytes again, or null when it cannot. */
function originOf(source: ByteSource): Origin | null {
  if (source instanceof BlobSource) return { kind: 'blob', blob: source.blob };
  if (source instanceof BufferSource) return { kind: 'bytes', bytes: source.bytes };
  if (source instanceof HttpSource && !givenSources.has(source)) return { kind: 'url', url: source.url };
  if (source instanceof NodeFileSource) return { kind: 'path', path: source.path, stamp: source.stamp };
  return null;
}

/** A file's bytes with its name. */
interface Opened {
  name: string;
  source: ByteSource;
}

function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).read === 'function' && 'size' in x;
}

function nameOf(input: LoadInput, given?: string): string {
  if (given) return given;
  if (typeof File !== 'undefined' && input instanceof File) return input.name;
  if (input instanceof URL) return decodeURIComponent(input.pathname.split('/').pop() ?? '');
  if (typeof input === 'string') return decodeURIComponent(new URL(input, globalThis.location?.href ?? 'http://x/').pathname.split('/').pop() ?? '');
  return '';
}

function sourceOf(input: LoadInput, opts: LoadOptions = {}): ByteSource {
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) return new BufferSource(input);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new BlobSource(input);
  if (input instanceof URL || typeof input === 'string') return new HttpSource(input, { onWarning: opts.onWarning });
  if (isByteSource(input)) return input;
  throw new TypeError('load() takes a Blob, File, ArrayBuffer, Uint8Array, URL, URL string or ByteSource');
}

/**
 * The bytes to parse: a GzipSource when the content is gzip (whatever the name says), else
 * the file itself behind a block cache for the small reads of headers and slices.
 *
 * The gzip magic is sniffed through that cache, so the three bytes come with block 0 (64 KiB),
 * which the header reads then find cached: a header load is one read of the file — one HTTP
 * request of at most 64 KiB for a URL — not a 3-byte probe and then the block. A gzip stream
 * is read through the same cache: its first 64 KiB chunk is that block, and its later chunks
 * (128 KiB and up) bypass the cache into the stream's staging buffer (`readInto` passes
 * through), so the cache adds neither copies nor held memory to a long decode.
 */
async function decompressed(opened: Opened, opts: LoadOptions): Promise<ByteSource> {
  const source = opened.source instanceof BufferSource ? opened.source : new CachedSource(opened.source);
  const head = await source.read(0, 3, { signal: opts.signal });
  if (looksGzip(head)) return new GzipSource(source, { onProgress: opts.onProgress, onWarning: opts.onWarning });
  return opts.onProgress ? new ProgressSource(source, opts.onProgress) : source;
}

/** What the servers of these files found while loading (`RANGE_IGNORED`), for the image's warnings. */
function serverWarnings(...opened: (Opened | null | undefined)[]): HeaderWarning[] {
  return opened.flatMap((o) => (o?.source instanceof HttpSource ? o.source.warnings : []));
}

/** The bytes every class's sniff may look at. */
const SNIFF_BYTES = Math.max(...IMAGE_CLASSES.map((K) => K.sniffBytes));

/**
 * The class for a header file: the first of its arity whose sniff accepts the first bytes;
 * else the first whose extensions hold the name's (`byName`), so a broken file gets its
 * format's own error; else an `ImageFileError` that says what the bytes look like.
 */
async function classFor(hdr: Opened, source: ByteSource, single: boolean, opts: LoadOptions): Promise<{ K: ImageClass; byName: boolean; head: Uint8Array }> {
  const head = await source.read(0, SNIFF_BYTES, { signal: opts.signal });
  if (head.length === 0) throw new ImageFileError(`Empty file: "${hdr.name}"`, { code: 'TRUNCATED_HEADER' });
  const candidates = IMAGE_CLASSES.filter((K) => K.isSingle === single);
  const sniffed = candidates.find((K) => K.mayContainHeader(head.subarray(0, K.sniffBytes)));
  if (sniffed) return { K: sniffed, byName: false, head };
  const { ext } = splitName(hdr.name);
  const named = candidates.find((K) => K.validExts.includes(ext));
  if (named) return { K: named, byName: true, head };
  throw notAnImage(hdr.name, head, single);
}

function notAnImage(name: string, head: Uint8Array, single: boolean, cause?: unknown): ImageFileError {
  return new ImageFileError(
    `Cannot work out file type of "${name}": it looks like ${describeBytes(head)}, not a ${single ? 'NIfTI or MGH image' : 'NIfTI or Analyze pair'}`,
    { code: single ? 'NOT_NIFTI' : 'NOT_ANALYZE', cause },
  );
}

/**
 * Runs a class's read; when the class was chosen by name and its parser finds the bytes are
 * not its format at all (a `NOT_…` code), the error says what they look like instead (a file
 * named `.nii` that starts like a PNG is "a PNG image", not a broken NIfTI header).
 */
async function asNamed<T>(pick: { byName: boolean; head: Uint8Array }, name: string, single: boolean, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (pick.byName && err instanceof ImageFileError && typeof code === 'string' && code.startsWith('NOT_')) {
      throw notAnImage(name, pick.head, single, err);
    }
    throw err;
  }
}

/** Opens one image from its header file and (for pairs) its image file and `.mat`. */
async function openImage(hdr: Opened, img: Opened | null, opts: LoadOptions, mat?: Opened): Promise<LoadedImage> {
  throwIfAborted(opts.signal);
  const pool = poolOf(opts.worker);
  const header = await decompressed(hdr, opts);
  const single = img === null;
  const pick = await classFor(hdr, header, single, opts);
  const sources: ImageSources = {
    name: hdr.name,
    header,
    image: single ? header : await decompressed(img, opts),
    ...(mat ? { mat: await decompressed(mat, opts) } : {}),
  };
  const raw = (img ?? hdr).source;
  const origin = pool && originOf(raw);
  if (pool && origin) bindWorker(sources.image, { pool, origin, raw, gzip: sources.image instanceof GzipSource ? sources.image : null, onProgress: opts.onProgress });
  const image = (await asNamed(pick, hdr.name, single, () => pick.K.fromSources(sources, { signal: opts.signal }))) as LoadedImage;
  image.warnings.push(...serverWarnings(hdr, img, mat));
  return image;
}

function refuseHalf(name: string): never {
  throw new ImageFileError(`"${name}" is one half of a .hdr/.img pair: pass both files to loadFiles()`, { code: 'MISSING_PAIR_MEMBER' });
}

/**
 * Loads an image: reads and checks the header only; the array stays a proxy.
 * @param input a File/Blob (from a drop or picker), bytes, a URL (read with HTTP Range), or
 *   in Node a file path (read by positioned reads; a `.hdr` or `.img` path finds its partner
 *   and SPM's `.mat` beside it)
 * @param opts `name` when the input has none (`.nii`, `.nii.gz`, `.mgz`); `signal`; `onProgress`;
 *   `worker` (`true` or a `createWorkerPool()` pool) to decode whole arrays off the main thread
 * @returns a `Nifti1Image`, `Nifti2Image` or `MGHImage`; for a pair's path in Node also the
 *   pair classes (elsewhere use `loadFiles` for `.hdr` + `.img`)
 * @throws {ImageFileError} for an empty or unrecognised file, or a `.hdr`/`.img` without its
 *   partner; in Node `FILE_NOT_FOUND` (and `NOT_A_FILE`, `FILE_READ`) naming the path
 * @throws {HeaderDataError} for invalid header values
 * @throws {UnsupportedError} for dtypes or formats nibweb cannot represent; `WORKER_UNAVAILABLE`
 *   for `worker: true` in a runtime with neither a web Worker nor Node's threads
 * @throws {DecompressionError} for a corrupt .gz header region
 * @example
 * const img = await load(file);              // from <input type=file> or a drop
 * img.shape;                                  // [256, 256, 192]
 * const data = await img.getFdata({ dtype: 'float32' });
 * const big = await load(file, { worker: true }); // getFdata decodes in a worker
 * const t1 = await load('sub-01_T1w.nii.gz');  // Node: a path, relative to process.cwd()
 */
export async function load(input: LoadInput, opts: LoadOptions = {}): Promise<LoadedImage> {
  if (isNodePath(input)) return loadPath(await pathEntry(input), opts);
  const name = nameOf(input, opts.name);
  const { ext } = splitName(name);
  if (ext === '.hdr' || ext === '.img') refuseHalf(name);
  if (isByteSource(input)) givenSources.add(input);
  return openImage({ name, source: sourceOf(input, opts) }, null, opts);
}

/**
 * Reads only the header of an image file, with the class `load` would pick (nibabel's
 * `header_class.from_fileobj`): a lone Analyze/NIfTI `.hdr` works without its `.img`.
 * @param input the header file (a single-file image, or a pair's `.hdr`); in Node also a path,
 *   where an `.img` path reads the `.hdr` beside it
 * @param opts `name` when the input has none; `signal`
 * @returns the checked header (`hdr.warnings` lists what was fixed)
 * @throws {ImageFileError} for an `.img` (it holds no header; in Node a path's `.hdr` is
 *   looked for beside it), an empty or unrecognised file, a missing path
 * @throws {HeaderDataError} | {UnsupportedError} for a bad header
 * @example
 * const hdr = await loadHeader(hdrFile);   // an AnalyzeHeader subclass
 * hdr.getDataShape();                       // [91, 109, 91]
 */
export async function loadHeader(input: LoadInput, opts: LoadOptions = {}): Promise<LoadedHeader> {
  const opened = isNodePath(input) ? await openHeaderPath(await pathEntry(input), opts) : { name: nameOf(input, opts.name), source: sourceOf(input, opts) };
  const { name } = opened;
  const { ext } = splitName(name);
  if (ext === '.img') throw new ImageFileError(`"${name}" is the image half of a pair: its header is in the .hdr`, { code: 'MISSING_PAIR_MEMBER' });
  throwIfAborted(opts.signal);
  const header = await decompressed(opened, opts);
  const single = ext !== '.hdr';
  const pick = await classFor(opened, header, single, opts);
  const hdr = (await asNamed(pick, name, single, () => pick.K.headerFromSources({ name, header, image: header }, { signal: opts.signal }))) as LoadedHeader;
  hdr.warnings.push(...serverWarnings(opened));
  return hdr;
}

/**
 * Loads a whole drop: one image per file, and one per `.hdr` + `.img` pair (matched by stem
 * across the whole drop, case-insensitively, `.gz` allowed on either; SPM's `.mat` joins its
 * pair). See `groupFiles`.
 *
 * In Node the list may hold file paths: they group as files do, but only within one
 * directory, and a pair's missing half (and SPM's `.mat`) is looked for beside the half that
 * came, as `load` does for one path; a group's `files` then hold `PathEntry`s.
 * @param files the dropped or picked files; in Node also paths
 * @param opts as `load` (`name` is ignored); `onError` to skip bad groups instead of failing
 * @returns the images in the order their first file came (without the ones `onError` got)
 * @throws {ImageFileError} `MISSING_PAIR_MEMBER` for a `.hdr` without its `.img` or the
 *   reverse, or anything `load` throws — unless `onError` is given
 * @example
 * zone.addEventListener('drop', async (e) => {
 *   e.preventDefault();
 *   const images = await loadFiles(e.dataTransfer!.files, {
 *     onError: (err, group) => console.warn(group.name, err),
 *   });
 * });
 * const [t1, spm] = await loadFiles(['sub-01_T1w.nii.gz', 'spm/mean.hdr']); // Node
 */
export async function loadFiles(files: Iterable<File>, opts?: LoadFilesOptions): Promise<LoadedImage[]>;
export async function loadFiles(files: Iterable<File | string>, opts?: LoadFilesOptions<File | PathEntry>): Promise<LoadedImage[]>;
export async function loadFiles(files: Iterable<File | string>, opts: LoadFilesOptions | LoadFilesOptions<File | PathEntry> = {}): Promise<LoadedImage[]> {
  const { onError: given, name: _name, ...rest } = opts;
  // A group holds Files only when only Files came, so either overload's callback fits it.
  const onError = given as LoadFilesOptions<File | PathEntry>['onError'];
  const entries = await Promise.all([...files].map((f) => (typeof f === 'string' ? pathEntry(f) : f)));
  const out: LoadedImage[] = [];
  for (const group of groupByDirectory(entries)) {
    try {
      out.push(await loadGroup(group, rest));
    } catch (err) {
      if (!onError || (err as { name?: unknown })?.name === 'AbortError') throw err;
      onError(err, group);
    }
  }
  return out;
}

/**
 * One group of `groupByDirectory`: a single file, or a pair with its `.mat`. Its members
 * are all Files or all paths (paths group per directory, Files among themselves).
 */
async function loadGroup(group: FileGroup<File | PathEntry>, opts: LoadOptions): Promise<LoadedImage> {
  if (group.files.every(isPathEntry)) {
    const { hdr, img, mat, files } = group as FileGroup<PathEntry>;
    return hdr || img ? loadPathPair({ hdr, img, mat }, opts) : loadPath(files[0]!, opts);
  }
  const { hdr, img, mat } = group as FileGroup<File>;
  if (!hdr && !img) {
    const f = group.files[0] as File;
    return load(f, { ...opts, name: f.name });
  }
  if (!hdr || !img) {
    const have = (hdr ?? img)!.name;
    const { stem } = splitName(have);
    throw new ImageFileError(`"${have}" needs its partner "${stem}${hdr ? '.img' : '.hdr'}": drop both files of the pair together`, {
      code: 'MISSING_PAIR_MEMBER',
    });
  }
  const opened = (f: File): Opened => ({ name: f.name, source: sourceOf(f, opts) });
  return openImage(opened(hdr), opened(img), opts, mat && opened(mat));
}

/** A file on disk (Node), by handle; `name` decides the format when given. */
async function openPath(e: PathEntry, opts: LoadOptions, name = e.name): Promise<Opened> {
  return { name, source: await NodeFileSource.fromPath(e.path, { signal: opts.signal }) };
}

/** A path (Node): a single-file image, or half a pair, completed from disk as nibabel does. */
async function loadPath(e: PathEntry, opts: LoadOptions): Promise<LoadedImage> {
  const name = opts.name ?? e.name;
  const { ext } = splitName(name);
  if (ext === '.hdr') return loadPathPair({ hdr: e }, opts);
  if (ext === '.img') return loadPathPair({ img: e }, opts);
  return openImage(await openPath(e, opts, name), null, opts);
}

/** A pair on disk (Node): the halves and `.mat` given, the others found beside them. */
async function loadPathPair(given: { hdr?: PathEntry; img?: PathEntry; mat?: PathEntry }, opts: LoadOptions): Promise<LoadedImage> {
  const { hdr, img, mat } = await completePair(given, opts);
  const [h, i, m] = await Promise.all([openPath(hdr, opts), openPath(img, opts), mat && openPath(mat, opts)]);
  return openImage(h, i, opts, m);
}

/** The header file of a path (Node): the path itself, or for an `.img` the `.hdr` beside it. */
async function openHeaderPath(e: PathEntry, opts: LoadOptions): Promise<Opened> {
  const name = opts.name ?? e.name;
  if (splitName(name).ext !== '.img') return openPath(e, opts, name);
  return openPath((await completePair({ img: e }, opts)).hdr, opts);
}
