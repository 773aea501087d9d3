/**
 * The seek index of one gzip stream (zlib's zran.c idea), pure: points from which a decode
 * can resume — the kernel state (position-independent: bit buffer, Huffman tables, CRC;
 * ~12.4 KiB) and the last 32 KiB of output — recorded by every pass over the stream, one per
 * `spacing` output bytes. 1 MiB apart the index is ~4.3 % of the output; past
 * `MAX_INDEX_BYTES` (256 MiB, a ~6 GB stream) the spacing doubles. The index also sizes a
 * resumed decode's first read (`inputFor`). It belongs to a `GzipSource`, so it lives as
 * long as the image's proxy and survives `uncache()`.
 */

/** Initial output spacing of seek points. */
export const SEEK_SPACING = 1 << 20;
/** Most bytes the seek points of one stream may hold before the spacing doubles. */
export const MAX_INDEX_BYTES = 256 << 20;

/** A resumable position in the uncompressed stream (see the file comment). */
export interface SeekPoint {
  /** Uncompressed offset of the next output byte. */
  readonly out: number;
  /** Compressed offset of the next input byte to feed. */
  readonly in: number;
  /** Output bytes of the current member before this point (for ISIZE and the window). */
  readonly memberOut: number;
  /** The kernel state block (null: at the start of the stream). */
  readonly state: Uint8Array | null;
  /** The last min(32 KiB, memberOut) output bytes. */
  readonly window: Uint8Array | null;
}

/** The start of the stream. */
export const START: SeekPoint = { out: 0, in: 0, memberOut: 0, state: null, window: null };

/**
 * The seek points of one gzip stream, shared by every decode of it. The grid holds at most
 * one point per `spacing` of output: a sequential decode records them at the multiples of
 * `spacing` exactly; a parallel inflate's chunks (codecs/parallel-gunzip.ts) take theirs
 * wherever their own output crosses a multiple, so those lie anywhere in their cell. Two
 * "recent" points remember where the last reads stopped, so sequential reads continue
 * instead of restarting from a grid point.
 */
export class SeekIndex {
  /** Output spacing of grid points (a power of two, >= SEEK_SPACING). */
  spacing = SEEK_SPACING;
  /** Bytes the grid may hold before its spacing doubles. */
  readonly maxBytes: number;
  /** Grid cell (floor(out / spacing), ≥ 1) → its point. */
  private readonly grid = new Map<number, SeekPoint>();
  private gridBytes = 0;
  private recent: SeekPoint[] = [];

  /** @param maxBytes bytes the grid may hold before its spacing doubles (default `MAX_INDEX_BYTES`) */
  constructor(maxBytes = MAX_INDEX_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Number of grid points held. */
  get size(): number {
    return this.grid.size;
  }

  /** Bytes held by all points (states and windows). */
  get byteLength(): number {
    let n = this.gridBytes;
    for (const p of this.recent) n += pointBytes(p);
    return n;
  }

  /**
   * The point to resume from for a read at `offset`.
   * @param offset uncompressed offset
   * @returns the point with the largest `out` <= `offset` (the stream start if none)
   */
  nearest(offset: number): SeekPoint {
    let best = START;
    for (let k = Math.floor(offset / this.spacing); k > 0; k--) {
      const p = this.grid.get(k);
      if (p && p.out <= offset) {
        best = p;
        break;
      }
    }
    for (const p of this.recent) if (p.out <= offset && p.out > best.out) best = p;
    return best;
  }
  /**
   * Compressed bytes a decode resuming at `from` needs to reach output offset `to`: from
   * the grid point at or after `to` (linearly between its neighbours), else by the ratio
   * of the furthest point known; with 1/16 + 4 KiB to spare. NaN when nothing is known.
   * @param from the point the decode resumes from
   * @param to the uncompressed offset it must reach
   * @returns a byte count, or NaN
   */
  inputFor(from: SeekPoint, to: number): number {
    let after: SeekPoint | undefined;
    let before: SeekPoint = from;
    let furthest: SeekPoint | undefined;
    for (const p of this.grid.values()) {
      if (!furthest || p.out > furthest.out) furthest = p;
      if (p.out >= to && (!after || p.out < after.out)) after = p;
      if (p.out < to && p.out > before.out) before = p;
    }
    let end: number;
    if (after) {
      const span = after.out - before.out;
      end = span > 0 ? before.in + ((to - before.out) / span) * (after.in - before.in) : after.in;
    } else if (furthest && furthest.out > 0) {
      end = before.in + (to - before.out) * (furthest.in / furthest.out);
    } else {
      return Number.NaN;
    }
    const need = Math.max(0, end - from.in);
    return Math.ceil(need + need / 16) + 4096;
  }

  /**
   * Whether a sequential decode should record a grid point here.
   * @param out uncompressed offset
   * @returns true when `out` is a multiple of `spacing` and its cell holds no point
   */
  wants(out: number): boolean {
    return out > 0 && out % this.spacing === 0 && !this.grid.has(out / this.spacing);
  }

  /**
   * Records a point in its grid cell, unless the cell (or the first, which the stream start
   * serves) holds one already; thins the grid (doubles the spacing, keeping each new cell's
   * first point) when it would hold more than `maxBytes`.
   * @param p the point
   */
  add(p: SeekPoint): void {
    const k = Math.floor(p.out / this.spacing);
    if (k < 1 || this.grid.has(k)) return;
    this.grid.set(k, p);
    this.gridBytes += pointBytes(p);
    while (this.gridBytes > this.maxBytes && this.grid.size > 1) {
      this.spacing *= 2;
      const points = this.gridPoints();
      this.grid.clear();
      this.gridBytes = 0;
      for (const q of points) {
        const j = Math.floor(q.out / this.spacing);
        if (j < 1 || this.grid.has(j)) continue;
        this.grid.set(j, q);
        this.gridBytes += pointBytes(q);
      }
    }
  }

  /**
   * The grid points held, in stream order: what another copy of this index (a decode
   * worker's) hands back with its result, for `add` here.
   * @returns the points (shared, not copied)
   */
  gridPoints(): SeekPoint[] {
    return [...this.grid.values()].sort((a, b) => a.out - b.out);
  }

  /**
   * Remembers where a read stopped (at most two such points, newest first).
   * @param p the point
   */
  addRecent(p: SeekPoint): void {
    this.recent = [p, ...this.recent.filter((q) => q.out !== p.out)].slice(0, 2);
  }
}

function pointBytes(p: SeekPoint): number {
  return (p.state?.byteLength ?? 0) + (p.window?.byteLength ?? 0);
}
