/**
 * Writing images: the bytes of a single-file NIfTI image (nibabel's `to_bytes` /
 * `to_file_map`, analyze.py and nifti1.py, with arraywriters.py's scaling choice).
 *
 * What is written: `asArray(img.dataobj)` (scaled floats for proxies), the header updated
 * from the image (shape, and vox_offset = 352/544 + extensions), then the voxels in
 * Fortran order in the header's dtype and byte order. The image's own header is not
 * changed (nibabel restores its consumables after writing).
 *
 * Scaling when the data do not fit the header's dtype: if the user set slope/intercept on
 * the header they are written as given, with the data cast; otherwise an integer target
 * gets factors mapping the data's finite [min, max] onto the type's range, computed in
 * float32 (nibabel's SlopeInterArrayWriter), NaN written as the value that maps back to 0.
 * Floats and integers that fit are cast with slope 1, intercept 0.
 */
import { gzipSync } from 'fflate';
import { type DType, INT_RANGES, type TypedArray, dtypeInfo } from '../dtypes.js';
import type { Nifti1Header } from '../header/nifti1-header.js';
import { type SpatialImage, asArray } from '../image/spatial-image.js';
import { NDArray, astype } from '../ndarray.js';


/** Finite min and max of a real array (null when there is no finite value). */
function finiteRange(data: TypedArray, lanes: number): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i += lanes) {
    const v = Number(data[i]);
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The array column-major from offset 0, as the file stores it (a copy only when needed). */
function fortran(arr: NDArray): NDArray {
  if (arr.isFortranContiguous && arr.offset === 0 && arr.data.length === arr.size * arr.lanes) return arr;
  return astype(arr, arr.dtype, { order: 'F' });
}

/** Scales column-major float/overflowing data into an integer dtype: [slope, inter, scaled copy]. */
function scaleToInt(src: NDArray, out: DType, [omin, omax]: readonly [number, number]): [number, number, NDArray] {
  const range = finiteRange(src.data, src.lanes) ?? [0, 0];
  const [mn, mx] = range;
  let slope: number;
  let inter: number;
  if (mn === mx) {
    slope = 1;
    inter = Math.fround(mn);
  } else {
    slope = Math.fround((mx - mn) / (omax - omin));
    inter = Math.fround(mn - omin * slope);
  }
  const info = dtypeInfo(out);
  const dst = new info.ctor(src.size) as TypedArray;
  const zero = Math.min(omax, Math.max(omin, Math.round(-inter / slope)));
  for (let i = 0; i < src.size; i++) {
    const v = Number(src.data[i * src.lanes]);
    const q = Number.isNaN(v) ? zero : Math.round((v - inter) / slope);
    (dst as unknown as number[])[i] = Math.min(omax, Math.max(omin, q));
  }
  return [slope, inter, new NDArray(dst, src.shape, { dtype: out })];
}

/** Whether every finite value of an integer array lies in [lo, hi]. */
function fits(arr: NDArray, lo: number, hi: number): boolean {
  const r = finiteRange(arr.data, arr.lanes);
  return r === null || (r[0] >= lo && r[1] <= hi);
}

/** Writes column-major `f` into `dest` in its dtype and the given byte order. */
function writeData(dest: Uint8Array, f: NDArray, littleEndian: boolean): void {
  const info = dtypeInfo(f.dtype);
  const bytes = new Uint8Array(f.data.buffer, f.data.byteOffset, f.size * info.itemsize);
  dest.set(bytes);
  const width = info.itemsize / info.lanes;
  if (!littleEndian && width > 1) {
    for (let i = 0; i < dest.length; i += width) dest.subarray(i, i + width).reverse();
  }
}

/**
 * The bytes of a single-file NIfTI image, as nibabel's `img.to_bytes()`.
 * @param img a Nifti1Image or Nifti2Image
 * @returns header, extensions and data
 * @throws {TypeError} for a pair image (nibabel: multi-file images have no single byte form)
 * @throws {ImageDataError} | {DecompressionError} when a proxy's data cannot be read
 */
export async function imageToBytes(img: SpatialImage<Nifti1Header>): Promise<Uint8Array> {
  const hdr = img.header.copy();
  if (!hdr.isSingle) {
    throw new TypeError('(de)serialization is undefined for multi-file images: use a Nifti1Image / Nifti2Image');
  }
  hdr.setDataShape(img.shape);
  // Column-major once, up front: ranges and casts below then see exactly the voxels.
  let arr = fortran(await asArray(img.dataobj));
  const out = hdr.getDataDtype();
  const [userSlope, userInter] = [hdr.get('scl_slope') as number, hdr.get('scl_inter') as number];
  const explicit = Number.isFinite(userSlope) && userSlope !== 0;
  if (explicit) {
    hdr.setSlopeInter(userSlope, Number.isFinite(userInter) ? userInter : 0);
    if (arr.dtype !== out) arr = astype(arr, out);
  } else {
    // 64-bit integer targets are cast, never scaled: their typed arrays hold BigInts.
    const range = dtypeInfo(out).itemsize <= 4 ? INT_RANGES[out] : undefined;
    let slope = 1;
    let inter = 0;
    if (arr.dtype !== out) {
      const kind = dtypeInfo(arr.dtype).kind;
      if (range && (kind === 'f' || kind === 'c' || !fits(arr, range[0], range[1]))) {
        [slope, inter, arr] = scaleToInt(arr, out, range);
      } else {
        arr = astype(arr, out);
      }
    }
    hdr.setSlopeInter(slope, inter);
  }
  hdr.setDataOffset(0);
  const head = hdr.toBytes();
  const info = dtypeInfo(out);
  const result = new Uint8Array(head.length + arr.size * info.itemsize);
  result.set(head, 0);
  writeData(result.subarray(head.length), arr, hdr.endianness === '<');
  return result;
}

/**
 * A downloadable file of the image: `.nii`, or `.nii.gz` when the name says so (gzip
 * level 1, mtime 0, no name — deterministic, as nibabel writes it).
 * @param img a single-file NIfTI image
 * @param name file name deciding compression (default `image.nii`)
 * @returns a Blob of type `application/octet-stream`
 */
export async function imageToBlob(img: SpatialImage<Nifti1Header>, name = 'image.nii'): Promise<Blob> {
  const bytes = await imageToBytes(img);
  const body = /\.gz$/i.test(name) ? gzipSync(bytes, { level: 1, mtime: 0 }) : bytes;
  return new Blob([body as BlobPart], { type: 'application/octet-stream' });
}
