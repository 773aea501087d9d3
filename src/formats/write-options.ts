/**
 * What every image class's `toBlob` takes, and the one place file bytes become a Blob
 * (nibabel's `to_filename` suffix rules, `openers.py`: `.gz` → gzip at compresslevel 1,
 * mtime 0, no file name, so output is deterministic; `.mgz` is gzip too).
 */
import { gzipSync } from 'fflate';
import { throwIfAborted } from '../errors.js';

/** Options of `toBlob` (all image classes). */
export interface WriteOptions {
  /** gzip the output; default: from `name` (`.gz` or `.mgz`), else false. */
  gzip?: boolean;
  /** gzip level 0–9 (default 1, nibabel's). */
  level?: number;
  /** File name the blob is for; decides `gzip` when that is not given. */
  name?: string;
  /** Aborts reading a proxy image's data. */
  signal?: AbortSignal;
  /** Progress of reading a proxy image's data: bytes of output made / total. */
  onProgress?: (p: { loaded: number; total: number }) => void;
}

/** Options of `toBytes`. */
export type ToBytesOptions = Pick<WriteOptions, 'signal' | 'onProgress'>;

/**
 * Whether a name or the options ask for gzip.
 * @param opts the write options
 * @returns true for `gzip: true`, or no `gzip` and a name ending `.gz`/`.mgz`
 */
export function wantsGzip(opts: WriteOptions = {}): boolean {
  if (opts.gzip !== undefined) return opts.gzip;
  return /\.(gz|mgz)$/i.test(opts.name ?? '');
}

/**
 * File bytes as a Blob, gzipped when asked (deterministic: mtime 0, no name).
 * @param bytes the uncompressed file content
 * @param opts `gzip`/`name` and `level`
 * @returns an `application/octet-stream` Blob
 * @throws {RangeError} for a level outside 0–9
 * @throws `AbortError` when `opts.signal` is aborted
 */
export function fileBlob(bytes: Uint8Array, opts: WriteOptions = {}): Blob {
  throwIfAborted(opts.signal);
  const level = opts.level ?? 1;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level must be 0..9, got ${level}`);
  const body = wantsGzip(opts) ? gzipSync(bytes, { level: level as 0, mtime: 0 }) : bytes;
  return new Blob([body as BlobPart], { type: 'application/octet-stream' });
}
