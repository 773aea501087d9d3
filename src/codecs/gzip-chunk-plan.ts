/**
 * One chunk of a parallel gunzip, as the driver (codecs/parallel-gunzip.ts), the worker
 * protocol (worker/protocol.ts) and the decoder (codecs/gzip-chunk.ts) speak of it: what a
 * chunk is asked to decode (`ChunkPlan`), what it answers (`ChunkResult`), and the seek
 * points it takes (`ChunkPoint`). Plain data: all of it crosses to a worker by structured clone.
 */

/** Where one chunk decodes (bit positions count from the start of the source). */
export interface ChunkPlan {
  /** Where decoding starts (`known`), or where the search for a block start begins. */
  from: number;
  /** `from` is a block start: the member's first block, or a previous chunk's stop. */
  known: boolean;
  /** The output before `from` is empty (the member's first block): no markers needed. */
  first: boolean;
  /** The search gives up at this bit (not `known`). */
  searchTo: number;
  /** Stop before the first block header at or past this bit; `Infinity`: to the stream's end. */
  stop: number;
  /** Expected output bytes (sizes the arena; it grows when needed). */
  estimate: number;
  /** The 32 KiB of output before `from`, when already known (a redo): no markers then. */
  window?: Uint8Array;
  /** Take a seek point each time the chunk's output crosses a multiple of this (byte phase only); absent: none. */
  seekSpacing?: number;
}

/**
 * A seek point taken in a chunk's byte phase, to be placed in the member once the chunks
 * before it are joined (src/codecs/parallel-gunzip.ts makes it a `SeekPoint`).
 */
export interface ChunkPoint {
  /** The chunk's output bytes before the point. */
  at: number;
  /** Compressed offset of the next input byte to feed (as `SeekPoint.in`). */
  in: number;
  /** The kernel state, no stop set; its running CRC-32 is still the byte phase's own. */
  state: Uint8Array;
  /** The last min(32 KiB, output so far) bytes before the point. */
  window: Uint8Array;
  /** CRC-32 of the chunk's output before the point (known from `finish` on). */
  crc: number;
}

/** What a decoded chunk reports (its bytes stay in the decoder until `finish`). */
export interface ChunkResult {
  /** The bit where decoding started; null when the search found no block start. */
  start: number | null;
  /** When the block at `start` is a stored one: 2 × its LEN byte + its BFINAL bit, else -1. */
  startStored: number;
  /** The bit of the block header it stopped before, or 8 × the trailer's offset at the stream's end. */
  end: number;
  /** The same for the block at `end`. */
  endStored: number;
  /** The final block ended in this chunk. */
  streamEnd: boolean;
  /** Output bytes. */
  length: number;
  /** Leading symbols still holding markers (0 when the window came in time: `offerWindow`). */
  markers: number;
  /** The last min(length, 32768) symbols: a byte's value, or 256 + window index for a marker. */
  tail: Uint16Array;
}
