/**
 * FreeSurfer MGH / MGZ images: `MGHImage`, a port of nibabel's `freesurfer/mghformat.py`
 * `MGHImage`. The header is src/header/mgh-header.ts; this file connects header, proxy and
 * image, reads a file (`fromSources`, what the loader calls) and writes one (`toBytes`,
 * `toBlob`).
 *
 * Reading: the 90 header bytes, then the 20-byte footer right after the data (at
 * `284 + data bytes`; a file that ends before or inside it gives zeros and a
 * `FOOTER_MISSING` warning, as nibabel reads it); the array stays an `ArrayProxy`
 * (big-endian, offset 284, column-major, no scaling). A `.mgz` reaches `fromSources` already
 * wrapped by the loader in a `GzipSource`: gzip cannot seek, so reading its footer inflates
 * the whole stream once (as nibabel's seek does). The decoded data are kept in the source
 * (`GzipSource.hold`, up to 256 MiB) for the first read, so `getFdata` does not inflate them
 * a second time; later slice reads start at the seek points recorded on the way.
 *
 * Construction (nibabel `SpatialImage.__init__` + `update_header`): the header is made with
 * `MGHHeader.fromHeader` (an MGH header is copied; any other header is ignored, as nibabel
 * does); with no header the dtype comes from the data (float64, int8, int64, … are a
 * `HeaderDataError`, nibabel's `MGHError`); data with fewer than 3 axes get trailing axes of
 * 1; more than 4 axes is an error; when the data shape differs from the header's, dims are
 * set (and delta reset to 1, as nibabel does); an affine not close to the header's is
 * written into delta, Mdc and Pxyz_c.
 *
 * Writing (nibabel `to_file_map`): the 284-byte header block, the data in the header dtype,
 * big-endian, column-major — cast without scaling as nibabel's `array_to_file` does (rint,
 * clip to the type's range, NaN → 0 for float → int) — then the 20-byte footer. Tags are not
 * written. The image's own header is not changed.
 */
import { type DType, type TypedArray } from '../dtypes.js';
import { GzipSource } from '../codecs/gzip-source.js';
import { HeaderDataError, ImageFileError, LimitError } from '../errors.js';
import { WasmArena, canCreateArena } from '../wasm/memory.js';
import { MGHHeader } from '../header/mgh-header.js';
import { MGH_DATA_OFFSET, MGH_FOOTER_SIZE, MGH_HEADER_SIZE } from '../header/mgh-layout.js';
import type { SpatialHeader } from '../header/spatial-header.js';
import type { FromSourcesOptions, HeaderSources, ImageSources, ProxyImage } from '../image/image-class.js';
import { type DataObj, SpatialImage, asArray, toDataObj } from '../image/spatial-image.js';
import { NDArray } from '../ndarray.js';
import { ArrayProxy } from '../proxy/array-proxy.js';
import { allclose, type MatrixLike } from '../linalg.js';
import { arrayBytes, makeArrayWriter } from './array-writer.js';
import { type ToBytesOptions, type WriteOptions, fileBlob } from './write-options.js';

/** Most decoded `.mgz` data bytes kept from the load for the first read (see GzipSource.hold). */
const HOLD_LIMIT = 256 * 1024 * 1024;
/** From this size, the kept data go into an arena laid out for the whole-array decode. */
const ARENA_HOLD_MIN = 256 * 1024;

/**
 * Decodes a `.mgz`'s data (which its load must pass to reach the footer) into a WebAssembly
 * arena of their own, at the top of a region large enough for any float output (8 bytes a
 * voxel), and keeps them there (`GzipSource.holdRegion`): the first `getFdata` converts them
 * in place instead of copying them in, and the memory below them is only touched then.
 * @returns the footer bytes (up to 20), or null when no arena can be had or the data are
 *   short (the caller then reads as for a small file)
 */
async function holdInArena(source: GzipSource, dataBytes: number, probe: MGHHeader, signal?: AbortSignal): Promise<Uint8Array | null> {
  const n = probe.getDataShape().reduce((a, b) => a * b, 1);
  const regionBytes = Math.max(8 * n, dataBytes);
  const tail = MGH_FOOTER_SIZE + TAIL_SLACK;
  const needs = source.regionNeeds(MGH_DATA_OFFSET);
  if (!canCreateArena()) return null;
  let arena: WasmArena | null;
  try {
    arena = await WasmArena.create(needs.overhead + needs.lead + regionBytes + tail + 256);
  } catch (err) {
    if (err instanceof LimitError) return null;
    throw err;
  }
  if (!arena) return null;
  const low = arena.alloc(needs.lead + regionBytes + tail, 64) + needs.lead;
  const ptr = low + regionBytes - dataBytes;
  // One decode to the end of the stream (every CRC checked): the data, then the footer
  // after them, which is copied out; a stream that ends early leaves the data short.
  const got = await source.readIntoRegion(MGH_DATA_OFFSET, { arena, ptr, length: dataBytes + tail }, { signal, partial: true });
  if (got < dataBytes) return null;
  const footer = arena.u8(ptr + dataBytes, Math.min(got - dataBytes, MGH_FOOTER_SIZE)).slice();
  source.holdRegion(MGH_DATA_OFFSET, { arena, ptr, low }, dataBytes);
  return footer;
}
/** Bytes read past the footer, so a stream with short tags is read (and verified) to its end. */
const TAIL_SLACK = 64 * 1024;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** nibabel's `reshape_dataobj(dataobj, shape + (1,) * (3 - ndim))` for data with < 3 axes. */
function atLeast3d(obj: DataObj): DataObj {
  if (obj.shape.length >= 3) return obj;
  const shape = [...obj.shape];
  while (shape.length < 3) shape.push(1);
  if (obj instanceof ArrayProxy) return obj.reshape(shape);
  const strides = [...obj.strides];
  while (strides.length < 3) strides.push(obj.size);
  return new NDArray(obj.data, shape, { strides, offset: obj.offset, dtype: obj.dtype });
}

/**
 * nibabel's `update_header` for MGH, on `hdr` in place: dims follow the data; an affine not
 * close to the header's goes into the geometry fields.
 */
function updateHeader(hdr: MGHHeader, shape: readonly number[], affine: MatrixLike | null): void {
  if (!sameShape(hdr.getDataShape(), shape)) hdr.setDataShape(shape);
  if (affine !== null && !allclose(affine, hdr.getBestAffine())) hdr.setAffine(affine, shape.slice(0, 3));
}

/** A FreeSurfer MGH image (`.mgh`, gzipped `.mgz`), nibabel's `MGHImage`. */
export class MGHImage extends SpatialImage<MGHHeader> {
  /** The header class (nibabel `header_class`). */
  static readonly headerClass: typeof MGHHeader = MGHHeader;
  /** File extensions (the loader unwraps gzip, so `.mgz` is listed as itself). */
  static readonly validExts: readonly string[] = ['.mgh', '.mgz'];
  /** One file holds header and data. */
  static readonly isSingle: boolean = true;
  /** Leading bytes `mayContainHeader` looks at. */
  static readonly sniffBytes: number = MGHHeader.sniffBytes;

  /**
   * @param dataobj an NDArray, an ArrayProxy, or a typed array with `opts.shape`
   * @param affine 4×4 voxel → world affine, or null
   * @param header an MGH header to copy; any other header is ignored (nibabel `from_header`)
   * @param opts `shape` for a typed array
   * @throws {HeaderDataError} `UNSUPPORTED_DATATYPE` for data MGH cannot store and no header,
   *   `BAD_SHAPE` for more than 4 axes, `BAD_AFFINE` for an affine with a zero column,
   *   `BAD_VERSION` for a header whose version is not 1
   * @throws {RangeError} when the affine is not 4×4
   */
  constructor(
    dataobj: DataObj | TypedArray,
    affine: MatrixLike | null,
    header?: MGHHeader | SpatialHeader | null,
    opts: { shape?: readonly number[] } = {},
  ) {
    const obj = atLeast3d(toDataObj(dataobj, opts.shape, 'MGHImage'));
    if (obj.shape.length > 4) {
      throw new HeaderDataError(`Shape may be at most 4 dimensional, got (${obj.shape.join(', ')})`, { code: 'BAD_SHAPE' });
    }
    const hdr = MGHHeader.fromHeader(header);
    if (header == null) hdr.setDataDtype(obj.dtype);
    if (affine !== null && (affine.length !== 4 || affine.some((r) => r.length !== 4))) {
      throw new RangeError('Affine should be shape 4,4');
    }
    updateHeader(hdr, obj.shape, affine);
    super(obj, affine, hdr);
  }

  /**
   * nibabel's `may_contain_header`: version 1, positive dims, a known type code.
   * @param head the first bytes of the decompressed file
   * @returns whether an MGH header may start here
   */
  static mayContainHeader(head: Uint8Array): boolean {
    return MGHHeader.mayContainHeader(head);
  }

  /**
   * The header with its footer, parsed and checked (nibabel's `MGHHeader.from_fileobj`).
   * @param sources `header` (and `image`, the same file): the decompressed file
   * @param opts `signal`
   * @returns the header
   * @throws as `fromSources`
   */
  static async headerFromSources(sources: HeaderSources, opts: FromSourcesOptions = {}): Promise<MGHHeader> {
    const { signal } = opts;
    const head = await sources.header.read(0, MGH_DATA_OFFSET, { signal });
    if (head.length < MGH_HEADER_SIZE) {
      throw new ImageFileError(
        head.length === 0 ? `Empty file: "${sources.name}"` : `"${sources.name}" is ${head.length} bytes long: too short for the 90-byte MGH header`,
        { code: 'TRUNCATED_HEADER' },
      );
    }
    const probe = MGHHeader.fromBytes(head);
    const source = sources.image ?? sources.header;
    const at = probe.getFooterOffset();
    const size = source.size;
    let footer: Uint8Array;
    const dataBytes = at - MGH_DATA_OFFSET;
    const held = source instanceof GzipSource && size === undefined && dataBytes <= HOLD_LIMIT && dataBytes >= ARENA_HOLD_MIN
      ? await holdInArena(source, dataBytes, probe, signal)
      : null;
    if (held) {
      footer = held;
    } else if (source instanceof GzipSource && size === undefined && dataBytes <= HOLD_LIMIT) {
      // A .mgz: reaching the footer inflates the data anyway; keep them for the first read.
      const span = await source.read(MGH_DATA_OFFSET, at - MGH_DATA_OFFSET + MGH_FOOTER_SIZE + TAIL_SLACK, { signal });
      footer = span.subarray(at - MGH_DATA_OFFSET, at - MGH_DATA_OFFSET + MGH_FOOTER_SIZE);
      if (span.byteLength >= at - MGH_DATA_OFFSET) source.hold(MGH_DATA_OFFSET, span.subarray(0, at - MGH_DATA_OFFSET));
    } else {
      footer = size !== undefined && at >= size ? new Uint8Array(0) : await source.read(at, MGH_FOOTER_SIZE, { signal });
    }
    return MGHHeader.fromBytes(head, { footer });
  }

  /**
   * nibabel's `from_file_map`: reads the header and the footer, and returns an image whose
   * data stay in the file. For a `.mgz` pass the `GzipSource` (the footer read inflates the
   * whole stream once).
   * @param sources `header` (= `image`): the decompressed file
   * @param opts `signal`
   * @returns the image; `img.warnings` lists fixes (`GOOD_RAS_FLAG_0`, `FOOTER_MISSING`, …)
   * @throws {ImageFileError} `TRUNCATED_HEADER` for a file shorter than the 90 header bytes
   * @throws {HeaderDataError} `BAD_VERSION`, `BAD_DIM`, `SIZE_OVERFLOW`
   * @throws {UnsupportedError} `UNSUPPORTED_DATATYPE` for an unknown type code
   * @throws {DecompressionError} for a corrupt or truncated `.mgz`
   * @example
   * const img = await MGHImage.fromSources({ name: 'T1.mgz', header: gz, image: gz });
   * const slab = await img.dataobj.get([null, null, 128]);
   */
  static async fromSources(sources: ImageSources, opts: FromSourcesOptions = {}): Promise<ProxyImage<MGHImage>> {
    const hdr = await MGHImage.headerFromSources(sources, opts);
    const source = sources.image;
    const proxy = new ArrayProxy(source, {
      shape: hdr.getDataShape(),
      dtype: hdr.getDataDtype(),
      littleEndian: false,
      offset: MGH_DATA_OFFSET,
      slope: null,
      inter: null,
      order: 'F',
    });
    const img = new MGHImage(proxy, hdr.getBestAffine(), hdr) as ProxyImage<MGHImage>;
    img.warnings.push(...hdr.warnings);
    return img;
  }

  /**
   * The file's bytes, as nibabel's `to_bytes()`: 284-byte header block, data (big-endian,
   * column-major, cast to the header dtype without scaling), 20-byte footer.
   * @param opts `signal` to abort reading a proxy's data; `onProgress` once the data are read
   * @returns the uncompressed `.mgh` bytes
   * @throws {HeaderDataError} `SHAPE_MISMATCH` when the data have a trailing axis of 1 (4-D
   *   with one frame: nibabel refuses to write it too); `BAD_AFFINE` for an unusable affine
   * @throws {ImageDataError} for data that cannot be cast (rgb, complex into integers) or a
   *   proxy whose file is shorter than its header says
   * @throws {DecompressionError} for a corrupt `.mgz` behind a proxy
   */
  async toBytes(opts: ToBytesOptions = {}): Promise<Uint8Array> {
    const hdr = this.header.copy();
    const shape = this.shape;
    updateHeader(hdr, shape, this.affine);
    if (!sameShape(hdr.getDataShape(), shape)) {
      throw new HeaderDataError(`Data should be shape (${hdr.getDataShape().join(', ')}), got (${shape.join(', ')})`, {
        code: 'SHAPE_MISMATCH',
      });
    }
    const dtype: DType = hdr.getDataDtype();
    const data = await asArray(this.dataobj, { signal: opts.signal });
    const body = arrayBytes(makeArrayWriter(data, dtype, 'cast').array, false);
    opts.onProgress?.({ loaded: body.length, total: body.length });
    const out = new Uint8Array(MGH_DATA_OFFSET + body.length + MGH_FOOTER_SIZE);
    out.set(hdr.toBytes(), 0);
    out.set(body, MGH_DATA_OFFSET);
    out.set(hdr.footerBytes(), MGH_DATA_OFFSET + body.length);
    return out;
  }

  /**
   * The image as a downloadable file: `.mgh`, or gzipped (`.mgz`) when `gzip` is true or
   * `name` ends in `.mgz` (gzip level 1, mtime 0: deterministic).
   * @param opts `gzip`, `level`, `name`, `signal`, `onProgress`
   * @returns an `application/octet-stream` Blob
   * @throws as `toBytes`; {RangeError} for a gzip level outside 0–9
   */
  async toBlob(opts: WriteOptions = {}): Promise<Blob> {
    return fileBlob(await this.toBytes(opts), opts);
  }
}
