/**
 * What `load` needs of an image class (nibabel's `FileBasedImage` class attributes —
 * `valid_exts`, `header_class.may_contain_header`, `from_file_map` — seen from the loader).
 *
 * `src/load.ts` keeps one ordered list of classes that satisfy `ImageClass`; for a file (or a
 * `.hdr` + `.img` pair) it tries the classes of that arity in order and the first whose
 * `mayContainHeader` accepts the first bytes builds the image with `fromSources`; a file no
 * sniff claims goes to the first class whose `validExts` hold its extension, so that a broken
 * file gets its format's own error. Adding a format is adding a class to that list: nothing in
 * the loader knows a format.
 *
 * Contract:
 * - `mayContainHeader` is pure and cheap, and sees the first `sniffBytes` bytes of the
 *   (decompressed) header file, or fewer when the file is shorter.
 * - `fromSources` reads the header (only the bytes it needs), validates it, and returns an
 *   image whose `dataobj` is an `ArrayProxy` over `sources.image`: nothing of the array is
 *   read. Errors are the nibweb family only.
 */
import type { ByteSource } from '../io/types.js';
import type { ArrayProxy } from '../proxy/array-proxy.js';
import type { SpatialImage } from './spatial-image.js';

/** The (decompressed) files of one image, as the loader found them. */
export interface ImageSources {
  /** The header file's name (the single file's, for one-file formats); used in messages. */
  name: string;
  /** The header file: the whole file for one-file formats, the `.hdr` for pairs. */
  header: ByteSource;
  /** The file holding the array: the same source as `header` for one-file formats. */
  image: ByteSource;
  /** SPM's `.mat` file beside a pair, when it came with it (raw bytes, never gzipped). */
  mat?: ByteSource;
}

/** The files a header-only read needs: the header file (and for MGH, whose footer follows the data, the same file as `image`). */
export type HeaderSources = Omit<ImageSources, 'image'> & { image?: ByteSource };

/** Options of `fromSources`. */
export interface FromSourcesOptions {
  /** Aborts reading the header. */
  signal?: AbortSignal;
}

/** A loaded image: its dataobj is an ArrayProxy (nibabel's proxy image). */
export type ProxyImage<I extends SpatialImage = SpatialImage> = I & { readonly dataobj: ArrayProxy };

/** An image class as the loader sees it. */
export interface ImageClass<I extends SpatialImage = SpatialImage> {
  /** The class name, e.g. `'Nifti1Image'` (for messages). */
  readonly name: string;
  /** True for one-file formats, false for `.hdr` + `.img` pairs. */
  readonly isSingle: boolean;
  /** File extensions of the class, lower case, without compression suffixes (nibabel `valid_exts`). */
  readonly validExts: readonly string[];
  /** How many leading bytes `mayContainHeader` wants to see. */
  readonly sniffBytes: number;
  /**
   * nibabel's `header_class.may_contain_header`: whether these bytes may start a header of
   * this class.
   * @param head the first bytes of the decompressed header file
   */
  mayContainHeader(head: Uint8Array): boolean;
  /**
   * nibabel's `from_file_map`: parse and check the header, build the proxy image.
   * @throws {ImageFileError} | {HeaderDataError} | {UnsupportedError} | {LimitError} for bad input
   */
  fromSources(sources: ImageSources, opts?: FromSourcesOptions): Promise<ProxyImage<I>>;
  /**
   * nibabel's `header_class.from_fileobj`: the header alone, parsed and checked, without the
   * image file (a lone `.hdr`).
   * @throws as `fromSources`
   */
  headerFromSources(sources: HeaderSources, opts?: FromSourcesOptions): Promise<I['header']>;
}
