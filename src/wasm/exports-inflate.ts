/**
 * Exports of the inflate/CRC-32 kernels (wasm/inflate.ts, wasm/crc32.ts), as the host sees them.
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
  /** CRC-32 of the current stream's output so far (as an i32: `>>> 0` for the unsigned value). */
  inflate_crc(s: number): number;
  /** CRC-32 of `len` bytes at `ptr`, continuing `crc` (0 to start); an i32 like `inflate_crc`. */
  crc32(crc: number, ptr: number, len: number): number;
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
  'inflate_crc',
  'crc32',
];
