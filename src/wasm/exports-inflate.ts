/**
 * Exports of the inflate/CRC-32 kernels (wasm/inflate.ts, wasm/inflate-state.ts, wasm/crc32.ts), as the host sees them.
 * Part of src/wasm/exports.ts. Only src/wasm/inflater.ts calls the inflate ones: it owns the pointers.
 * Addresses are byte offsets into the instance's memory; sizes are bytes.
 */

/** Numbers-only interface of the inflate family. */
export interface InflateExports {
  /** Bytes of one decoder state block (position-independent: it may be copied and resumed). */
  inflate_state_size(): number;
  /** Most input bytes one call hands back unconsumed (input buffers need this much headroom). */
  inflate_max_tail(): number;
  /** Initialises the state block at `s` for a new session, whatever the memory held. */
  inflate_init(s: number): void;
  /** Prepares the state block at `s` for the next deflate stream (a gzip member) of the session. */
  inflate_reset(s: number): void;
  /**
   * Inflates raw deflate from [inPtr, inEnd) into [outPtr, outEnd); matches may reach back to
   * `hist`; `final` = 1 when no input follows. Returns a status of wasm/status.ts.
   */
  inflate_raw(s: number, inPtr: number, inEnd: number, outPtr: number, outEnd: number, hist: number, final: number): number;
  /** Address of the first input byte the last call did not consume. */
  inflate_in(s: number): number;
  /** Address just after the last byte the last call wrote. */
  inflate_out(s: number): number;
  /** Address of the input byte where the last call found an error. */
  inflate_err_pos(s: number): number;
  /** Bits of the byte before `inflate_in` not yet consumed (0-7). */
  inflate_bits_held(s: number): number;
  /** CRC-32 of the current stream's output so far (as an i32: `>>> 0` for the unsigned value). */
  inflate_crc(s: number): number;
  /** CRC-32 of `len` bytes at `ptr`, continuing `crc` (0 to start); an i32 like `inflate_crc`. */
  crc32(crc: number, ptr: number, len: number): number;

  // Chunks of parallel inflate (wasm/inflate-chunk.ts).
  /** Resets the state to read a block header `count` bits (held in `bits`) before the next input byte. */
  inflate_start_bits(s: number, bits: number, count: number): void;
  /** `inflate_raw` stops (BLOCK_STOP) before a block header at or past bit `bit` of address `addr` (0: never). */
  inflate_set_stop(s: number, addr: number, bit: number): void;
  /** 1 + index of the last marker the marker kernel wrote (0: none). */
  inflate_last_marker(s: number): number;
  /** Decodes the rest of the current block into 16-bit symbols (markers for the unknown window). */
  inflate_markers(s: number, inPtr: number, inEnd: number, outPtr: number, outEnd: number, base: number, final: number): number;
  /** Replaces markers of `n` symbols at `src` by bytes of the 32 KiB `window`, writing bytes at `dst`. */
  inflate_resolve(src: number, n: number, dst: number, window: number): number;
  /** First bit in [fromBit, toBit) after `inPtr` where a dynamic or stored block could start, or -1. */
  inflate_find_block(s: number, inPtr: number, inEnd: number, fromBit: number, toBit: number): number;
}

/** Their export names. */
export const INFLATE_EXPORT_NAMES: readonly string[] = [
  'inflate_state_size',
  'inflate_max_tail',
  'inflate_init',
  'inflate_reset',
  'inflate_raw',
  'inflate_in',
  'inflate_out',
  'inflate_err_pos',
  'inflate_bits_held',
  'inflate_crc',
  'crc32',
  'inflate_start_bits',
  'inflate_set_stop',
  'inflate_last_marker',
  'inflate_markers',
  'inflate_resolve',
  'inflate_find_block',
];
