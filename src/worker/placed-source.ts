/**
 * The decompressed stream of a parallel gunzip as the whole-array decode of a *shared* pool
 * reads it (worker/parallel-gunzip.ts): the array's raw bytes are never read, they are
 * *placed*. When the decode has sized its shared WebAssembly memory and asks for the raw
 * bytes (`readIntoRegion`), this worker copies in the part its own chunk holds while every
 * other worker copies its chunk straight into the same memory (`place`: asked of the main
 * thread, which sends each its `chunk-put`). No chunk is copied out, transferred or copied a
 * second time, and the raw bytes' fresh pages are touched by all the workers at once.
 *
 * Only that path reads it: a decode that would read its bytes otherwise (its memory is not
 * shared, or the array is not converted in WebAssembly) fails with `NOT_PLACED`, and the
 * caller gathers the chunks instead.
 */
import { WasmError, throwIfAborted } from '../errors.js';
import type { ArenaRegion, ByteSource, ReadOptions, RegionReader } from '../io/types.js';

/** Where the other chunks go: stream bytes `[from, from + length)` to `buffer` at `byteOffset`. */
export interface Placement {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  from: number;
  length: number;
}

function notPlaced(why: string): WasmError {
  return new WasmError(`the chunks cannot be placed in the array's memory: ${why}`, { code: 'NOT_PLACED' });
}

/** See the file comment. */
export class PlacedSource implements ByteSource {
  readonly regionReader: RegionReader;

  /**
   * @param size the stream's decompressed size
   * @param own the first chunk's bytes (stream bytes `[0, own.byteLength)`), held here
   * @param place has the other chunks written into `at`; resolves once all of them are
   */
  constructor(
    readonly size: number,
    own: Uint8Array,
    place: (at: Placement, signal?: AbortSignal) => Promise<void>,
  ) {
    this.regionReader = {
      regionNeeds: () => ({ overhead: 0, lead: 0 }),
      async readIntoRegion(offset: number, region: ArenaRegion, opts: ReadOptions = {}): Promise<number> {
        throwIfAborted(opts.signal);
        const bytes = region.arena.u8(region.ptr, region.length);
        const buffer = bytes.buffer;
        if (typeof SharedArrayBuffer !== 'function' || !(buffer instanceof SharedArrayBuffer)) throw notPlaced('it is not shared');
        const length = bytes.byteLength;
        if (offset + length > size) throw notPlaced(`the stream ends at ${size}, before the array does`);
        const placing = place({ buffer, byteOffset: bytes.byteOffset, from: offset, length }, opts.signal);
        // This chunk's part meanwhile.
        const end = Math.min(own.byteLength, offset + length);
        if (end > offset) bytes.set(own.subarray(offset, end), 0);
        await placing;
        return length;
      },
    };
  }

  /** @throws {WasmError} `NOT_PLACED`: these bytes are only placed, never read */
  read(): Promise<Uint8Array> {
    return Promise.reject(notPlaced('the decode reads them instead of converting them in WebAssembly'));
  }
}
