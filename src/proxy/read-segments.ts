/**
 * The only I/O step of a proxy read: a ByteSource plus the byte segments planned by
 * `fileslice.planRead` → one buffer holding the segments back to back. Port of the reading
 * half of nibabel's `fileslice.read_segments` (one read for one segment, else a read per
 * segment into one buffer), adapted to sources where a read is a request, not a seek:
 *
 * - Segments closer than `maxGap` bytes are fetched by one read and the gap is dropped
 *   (geotiff.js / zarrita `withRangeCoalescing` do the same with 32 KiB). The default,
 *   {@link COALESCE_GAP} = 128 KiB, comes from a measurement in Chromium 156 on this machine:
 *   one `Blob.slice().arrayBuffer()` costs ≈ 0.4–0.5 ms whatever its size up to ~64 KiB,
 *   and Blob bandwidth is ≈ 450 MB/s, so skipping fewer than ~200 KB never pays; over
 *   HTTP the break-even gap (round trip × bandwidth) is larger still.
 * - A merged read never spans more than `maxReadBytes` (16 MiB), which bounds memory.
 * - Reads run `concurrency` at a time (6: a browser's per-host HTTP/1.1 connection limit;
 *   Blob reads gain nothing from more), and the first failure aborts the others.
 * - The result is always a buffer the caller owns and may write to.
 * - A source that ends early gives `ImageDataError` code `DATA_TRUNCATED`, "Expected N
 *   bytes, got M bytes…", as nibabel's `array_from_file` says it.
 */
import { ImageDataError, LimitError, throwIfAborted } from '../errors.js';
import { abortable, linkedController } from '../io/abortable.js';
import type { ByteSource } from '../io/types.js';
import type { Segment } from './fileslice.js';

/** Default largest gap (bytes) read and discarded to merge two segments into one read. */
export const COALESCE_GAP = 128 * 1024;

/** Default cap on the span of one merged read. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/** Default number of reads in flight. */
export const READ_CONCURRENCY = 6;

/** Options of {@link readSegments}. */
export interface ReadSegmentsOptions {
  /** Aborts all reads; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Largest gap in bytes to read through when merging neighbours (default {@link COALESCE_GAP}; 0 = only touching segments). */
  maxGap?: number;
  /** Largest span of one merged read (default {@link MAX_READ_BYTES}); a single longer segment is still one read. */
  maxReadBytes?: number;
  /** Reads in flight at once (default {@link READ_CONCURRENCY}). */
  concurrency?: number;
}

interface Group {
  start: number;
  end: number;
  /** indices into the segment list */
  members: number[];
}

/**
 * Reads `segments` from `source` into one new buffer, in the order given.
 * @param source the byte source
 * @param segments `[offset, length]` byte ranges (zero-length ones are skipped)
 * @param opts signal, gap merging, concurrency
 * @returns a new buffer of `Σ length` bytes that the caller owns
 * @throws {ImageDataError} code `DATA_TRUNCATED` when the source ends before a segment does
 * @throws {RangeError} for a negative or non-integer segment
 * @throws {LimitError} code `ALLOCATION_FAILED` when the result buffer cannot be allocated
 * @throws `AbortError` when `opts.signal` aborts
 * @example
 * const plan = planRead([slice(0, 10), 5], shape, 2, 352, 'F');
 * const bytes = await readSegments(new BlobSource(file), plan.segments, { signal });
 */
export async function readSegments(
  source: ByteSource,
  segments: readonly Segment[],
  opts: ReadSegmentsOptions = {},
): Promise<Uint8Array> {
  const { signal } = opts;
  throwIfAborted(signal);
  const maxGap = Math.max(0, opts.maxGap ?? COALESCE_GAP);
  const maxReadBytes = Math.max(1, opts.maxReadBytes ?? MAX_READ_BYTES);
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? READ_CONCURRENCY));

  const dest: number[] = [];
  let total = 0;
  for (const [off, len] of segments) {
    if (!Number.isSafeInteger(off) || off < 0 || !Number.isSafeInteger(len) || len < 0) {
      throw new RangeError(`invalid segment [${off}, ${len}]`);
    }
    dest.push(total);
    total += len;
  }
  if (!Number.isSafeInteger(total)) throw new RangeError(`segments total ${total} bytes`);
  if (total === 0) return new Uint8Array(0);

  // A known size lets us fail before reading anything.
  const size = source.size;
  if (size !== undefined) {
    const got = bytesBefore(segments, size);
    if (got < total) throw truncated(total, got);
  }

  const groups = groupSegments(segments, maxGap, maxReadBytes);

  if (groups.length === 1 && groups[0].members.length === 1) {
    const [off, len] = segments[groups[0].members[0]];
    const bytes = await abortable(source.read(off, len, { signal }), signal);
    if (bytes.byteLength < len) throw truncated(total, bytesBefore(segments, off + bytes.byteLength));
    if (source.freshReads && bytes.byteLength === len) return bytes;
    return bytes.slice(0, len);
  }

  const out = allocate(total);
  const { controller, dispose } = linkedController(signal);
  const inner = controller.signal;
  let next = 0;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < groups.length) {
      const g = groups[next++];
      const want = g.end - g.start;
      const bytes = await abortable(source.read(g.start, want, { signal: inner }), inner);
      if (bytes.byteLength < want) throw truncated(total, bytesBefore(segments, g.start + bytes.byteLength));
      for (const m of g.members) {
        const [off, len] = segments[m];
        if (len > 0) out.set(bytes.subarray(off - g.start, off - g.start + len), dest[m]);
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, groups.length) }, () =>
        worker().catch((err: unknown) => {
          if (failure === null) {
            failure = err;
            controller.abort(err);
          }
        }),
      ),
    );
  } finally {
    dispose();
  }
  // The caller's abort wins over the secondary errors it caused.
  throwIfAborted(signal);
  if (failure !== null) throw failure;
  return out;
}

/** A new buffer, or a LimitError when the platform cannot allocate that much. */
function allocate(n: number): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (err) {
    throw new LimitError(`cannot allocate ${n} bytes for the read`, { code: 'ALLOCATION_FAILED', requested: n, cause: err });
  }
}

/** Bytes of `segments` that lie before `end` (what a source ending at `end` can give). */
function bytesBefore(segments: readonly Segment[], end: number): number {
  let got = 0;
  for (const [off, len] of segments) got += Math.max(0, Math.min(off + len, end) - off);
  return got;
}

/**
 * nibabel's short-read error (`array_from_file`): the file holds less than the header says.
 * @param expected bytes the array needs
 * @param got bytes there are (clamped at 0)
 * @param cause the underlying error, if any
 * @returns an `ImageDataError` with code `DATA_TRUNCATED`
 */
export function truncated(expected: number, got: number, cause?: unknown): ImageDataError {
  return new ImageDataError(
    `Expected ${expected} bytes, got ${Math.max(0, got)} bytes from the file; could the file be damaged?`,
    { code: 'DATA_TRUNCATED', cause },
  );
}

/**
 * Merges runs of segments into reads: a segment joins the current read when it starts at or
 * after the read's end, within `maxGap`, and the read stays within `maxReadBytes`.
 * @param segments the segments, in buffer order
 * @param maxGap largest gap to read through
 * @param maxReadBytes largest merged span
 * @returns the reads, each with the segments it serves
 */
export function groupSegments(segments: readonly Segment[], maxGap: number, maxReadBytes: number): Group[] {
  const groups: Group[] = [];
  let cur: Group | null = null;
  segments.forEach(([off, len], i) => {
    if (len === 0) return;
    if (cur && off >= cur.end && off - cur.end <= maxGap && off + len - cur.start <= maxReadBytes) {
      cur.end = off + len;
      cur.members.push(i);
      return;
    }
    cur = { start: off, end: off + len, members: [i] };
    groups.push(cur);
  });
  return groups;
}
