/**
 * Parallel inflate of one gzip member (rapidgzip's approach, Knespel & Brunst, HPDC 2023):
 * the compressed data is cut into K ranges, one per runner (a decode worker, or an in-process
 * decoder); each runner decodes its range from the first block start it finds
 * (src/codecs/gzip-chunk.ts), with markers for the 32 KiB before it it cannot know; then the
 * chunks are joined here:
 *
 * 1. Join: chunk c must start exactly where chunk c − 1 stopped (the first block header at
 *    or past chunk c's range start). A chunk whose search found a false start, or none, is
 *    decoded again from that stop. The first chunk starts at the member's first block, so by
 *    induction every joined chunk starts at a true block start.
 * 2. Windows: the last 32 KiB of chunk c, resolved with chunk c's own window, is chunk
 *    c + 1's window (a 32 KiB pass per chunk, in order). It is offered to chunk c + 1 as soon
 *    as chunk c is joined: a chunk still decoding with markers then resolves what it has and
 *    goes on in bytes (image data with zero backgrounds keeps markers alive for long).
 * 3. Finish: each runner resolves its markers with its window and computes its CRC-32 (in
 *    parallel); the CRCs combine (`crc32Combine`) into the member's, checked against the
 *    trailer with the total length. With `seekSpacing`, the seek points the chunks took are
 *    placed in the member's output and given the member's CRC up to them, so a later read
 *    can resume there as from a sequential pass's points.
 *
 * Only a single-member stream is taken: when another member follows, the caller decodes it
 * sequentially instead (`null`), so the one sequential path keeps the multi-member rules. A
 * chunk that reaches the stream's end leaves the chunks after it empty (length 0).
 */
import { DecompressionError, type HeaderWarning, throwIfAborted } from '../errors.js';
import type { ByteSource } from '../io/types.js';
import { WINDOW, setStateCrc } from '../wasm/inflater.js';
import type { ChunkPlan, ChunkPoint, ChunkResult } from './gzip-chunk-plan.js';
import { ChunkDecoder, keptArenas } from './gzip-chunk.js';
import type { SeekPoint } from './seek-index.js';
import { checkTrailer, crc32Combine, parseGzipHeader, scanAfterMember, trailingDataWarning } from './gzip-framing.js';

/** The most output per compressed byte the chunk estimates assume (deflate allows 1032). */
const MAX_RATIO = 16;
/** Bytes read to parse the member header (a longer header is left to the sequential path). */
const HEADER_READ = 65536;

/** Decodes chunks somewhere (a worker, or here) and keeps each one's output until it is taken. */
export interface ChunkRunner {
  /** Decodes a chunk (replacing any chunk it held). */
  decode(plan: ChunkPlan, signal?: AbortSignal): Promise<ChunkResult>;
  /** Resolves the held chunk's markers with `window`; its CRC-32 and the seek points it took. */
  finish(window: Uint8Array | null, signal?: AbortSignal): Promise<{ crc: number; points?: ChunkPoint[] }>;
  /** Optional: the window before the chunk being decoded, for the start it belongs to (`ChunkDecoder.offerWindow`). */
  offerWindow?(window: Uint8Array, start: number, stored: number): void;
}

/** A joined member: each runner's chunk length, in order. */
export interface ParallelMember {
  /** Output bytes of each runner's chunk (0 for a runner past the stream's end: nothing to take). */
  lengths: number[];
  /** The member's output length. */
  total: number;
  /** Its CRC-32 (checked against the trailer). */
  crc: number;
  /** Chunks decoded again from the previous chunk's stop (their search found a false start or none). */
  redone: number;
  /** Seek points in the member's output (with `seekSpacing`), in order: for the stream's `SeekIndex`. */
  points: SeekPoint[];
}

/** Options of {@link inflateParallel}. */
export interface ParallelOptions {
  signal?: AbortSignal;
  /** Take seek points about this far apart in the output (`SEEK_SPACING`), for a `SeekIndex`; absent: none. */
  seekSpacing?: number;
  onWarning?: (w: HeaderWarning) => void;
}

/**
 * Where a single member's deflate data starts and what its trailer says its size is.
 * @returns null when the header cannot be parsed from its first 64 KiB (left to the sequential path)
 */
export async function memberFrame(source: ByteSource, signal?: AbortSignal): Promise<{ start: number; isize: number } | null> {
  const size = source.size;
  if (size === undefined || size < 20) return null; // 10-byte header, 2-byte empty block, trailer
  const head = await source.read(0, Math.min(size, HEADER_READ), { signal });
  let start: number;
  try {
    start = parseGzipHeader(head, 0);
  } catch {
    return null;
  }
  const t = await source.read(size - 4, 4, { signal });
  const isize = new DataView(t.buffer, t.byteOffset, 4).getUint32(0, true);
  return { start, isize };
}

/**
 * Inflates the single gzip member in `source` with one chunk per runner.
 * @returns the joined member, or null when the stream is not one member (decode it sequentially)
 * @throws {DecompressionError} for corrupt data (with the offset where a chunk failed, or
 *   the trailer's CRC/length)
 * @throws `AbortError` when `signal` aborts
 */
export async function inflateParallel(source: ByteSource, runners: readonly ChunkRunner[], opts: ParallelOptions = {}): Promise<ParallelMember | null> {
  const { signal } = opts;
  const size = source.size;
  const frame = await memberFrame(source, signal);
  if (size === undefined || !frame) return null;
  const k = runners.length;
  const span = Math.max(0, size - 8 - frame.start);
  // ISIZE sizes the chunks' arenas. It may lie (a truncated file ends in other bytes; past
  // 4 GiB it wraps), so the ratio is held to 1–16×: a chunk that outgrows it moves to a
  // larger arena.
  const ratio = Math.min(MAX_RATIO, Math.max(1, frame.isize / Math.max(1, span)));
  const bound = (c: number): number => frame.start + Math.floor((c * span) / k);
  const plans: ChunkPlan[] = runners.map((_, c) => {
    const from = bound(c) * 8;
    const stop = c === k - 1 ? Number.POSITIVE_INFINITY : bound(c + 1) * 8;
    const bytes = (bound(c + 1) - bound(c)) || 1;
    return {
      from,
      known: c === 0,
      first: c === 0,
      searchTo: Number.isFinite(stop) ? stop : size * 8,
      stop,
      estimate: Math.ceil(bytes * ratio * 1.25) + 65536,
      seekSpacing: opts.seekSpacing,
    };
  });
  // Each chunk decodes under a signal of its own: the chunks past the stream's end (another
  // member follows, or the final block started before their ranges) stop as soon as that is
  // known, and all of them when the caller aborts or the join fails.
  const ctls = runners.map(() => new AbortController());
  const stop = (from: number): void => {
    for (let c = from; c < k; c++) ctls[c]!.abort();
  };
  const onAbort = (): void => stop(0);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const pending = runners.map((r, c) => r.decode(plans[c]!, ctls[c]!.signal));
    for (const p of pending) p.catch(() => {}); // those past the stream's end are never awaited

    // 1. Join, in order, and 2. chain the windows. A chunk that reaches the stream's end leaves
    // nothing for the chunks after it (the final block started before their ranges). Each
    // window is offered to the next chunk at once: if it is still decoding with markers, it
    // resolves them and goes on in bytes.
    const results: ChunkResult[] = [];
    const windows: (Uint8Array | null)[] = [null];
    let used = k;
    let redone = 0;
    for (let c = 0; c < k; c++) {
      throwIfAborted(signal);
      let r = await pending[c]!;
      const prev = results[c - 1];
      if (prev && !joins(prev, r)) {
        const redo: ChunkPlan = { ...plans[c]!, from: prev.end, known: true, first: false, searchTo: prev.end, window: windows[c] ?? undefined };
        r = await runners[c]!.decode(redo, ctls[c]!.signal);
        redone++;
      }
      results.push(r);
      if (r.streamEnd) {
        used = c + 1;
        break;
      }
      const w = nextWindow(windows[c]!, r);
      windows.push(w);
      runners[c + 1]?.offerWindow?.(w, r.end, r.endStored);
    }
    stop(used); // past the stream's end: their work is not needed
    const last = results[used - 1]!;
    if (!last.streamEnd) {
      throw new DecompressionError('gzip: parallel inflate did not reach the end of the stream', { code: 'TRUNCATED', offset: size });
    }

    // 3. Finish in parallel; combine the CRCs.
    const done = await Promise.all(runners.slice(0, used).map((r, c) => r.finish(windows[c]!, signal)));
    let crc = 0;
    let total = 0;
    const points: SeekPoint[] = [];
    for (let c = 0; c < used; c++) {
      const len = results[c]!.length;
      // A chunk's points: at its place in the member, with the member's CRC up to them.
      for (const p of done[c]!.points ?? []) {
        const out = total + p.at;
        setStateCrc(p.state, crc32Combine(crc, p.crc, p.at));
        points.push({ out, in: p.in, memberOut: out, state: p.state, window: p.window });
      }
      crc = c === 0 ? done[c]!.crc : crc32Combine(crc, done[c]!.crc, len);
      total += len;
    }
    const at = last.end / 8;
    const trailer = await source.read(at, 8, { signal });
    if (trailer.byteLength < 8) throw new DecompressionError('gzip: unexpected end of file (trailer)', { code: 'TRUNCATED', offset: size });
    checkTrailer(trailer, at, crc, total);
    if (at + 8 < size) {
      const after = await source.read(at + 8, Math.min(size - at - 8, 4096), { signal });
      const seen = scanAfterMember(after, at + 8 + after.byteLength >= size);
      if (seen.kind === 'member') return null;
      if (seen.kind === 'garbage') opts.onWarning?.(trailingDataWarning(at + 8 + seen.skip));
    }
    return { lengths: results.map((r, c) => (c < used ? r.length : 0)), total, crc, redone, points };

  } catch (err) {
    stop(0);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Whether chunk `cur` starts where `prev` stopped (the same bit, or the same stored block). */
function joins(prev: ChunkResult, cur: ChunkResult): boolean {
  if (cur.start === null) return false;
  return cur.start === prev.end || (cur.startStored >= 0 && cur.startStored === prev.endStored);
}

/**
 * The 32 KiB before the chunk after `r`: `r`'s last symbols resolved with `r`'s own window
 * (`window`, null for the stream's start), after what is left of `window` when `r` is short.
 */
export function nextWindow(window: Uint8Array | null, r: ChunkResult): Uint8Array {
  const tail = r.tail;
  const resolved = new Uint8Array(tail.length);
  const w = window ?? new Uint8Array(0);
  const pad = WINDOW - w.byteLength; // a stream's first 32 KiB: earlier bytes do not exist
  for (let i = 0; i < tail.length; i++) {
    const v = tail[i]!;
    resolved[i] = v < 256 ? v : (w[v - 256 - pad] ?? 0);
  }
  if (tail.length >= WINDOW) return resolved;
  const keep = Math.min(w.byteLength, WINDOW - tail.length);
  const out = new Uint8Array(keep + tail.length);
  out.set(w.subarray(w.byteLength - keep), 0);
  out.set(resolved, keep);
  return out;
}

/** A runner that decodes in this thread, into arenas of its own (tests, Node). */
export class LocalChunkRunner implements ChunkRunner {
  private readonly decoder = new ChunkDecoder(keptArenas());
  private readonly source: ByteSource;
  private last: Uint8Array = new Uint8Array(0);

  constructor(source: ByteSource) {
    this.source = source;
  }

  decode(plan: ChunkPlan, signal?: AbortSignal): Promise<ChunkResult> {
    return this.decoder.decode(this.source, plan, signal);
  }

  offerWindow(window: Uint8Array, start: number, stored: number): void {
    this.decoder.offerWindow(window, start, stored);
  }

  async finish(window: Uint8Array | null): Promise<{ crc: number; points: ChunkPoint[] }> {
    const { bytes, crc, points } = this.decoder.finish(window);
    this.last = bytes;
    return { crc, points };
  }

  /** The finished chunk's bytes (a view into its arena). */
  get bytes(): Uint8Array {
    return this.last;
  }
}

/**
 * Inflates a single-member gzip stream in `k` chunks in this thread (the parallel algorithm
 * without the parallelism: tests check it against zlib at any chunking).
 * @returns the output, or null when the stream is not a single member
 */
export async function gunzipInChunks(source: ByteSource, k: number, opts: ParallelOptions = {}): Promise<Uint8Array | null> {
  const runners = Array.from({ length: k }, () => new LocalChunkRunner(source));
  const member = await inflateParallel(source, runners, opts);
  if (!member) return null;
  const out = new Uint8Array(member.total);
  let pos = 0;
  runners.forEach((r, c) => {
    if (member.lengths[c] === 0) return;
    out.set(r.bytes, pos);
    pos += r.bytes.byteLength;
  });
  return out;
}
