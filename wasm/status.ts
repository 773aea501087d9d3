// Status codes returned by the kernels (fflate's FlateErrorCode idea).
// Non-negative values are progress states; negative values are errors.
// Mirrored in src/wasm/status.ts; test/node/wasm-status.test.ts checks that the two agree.

/** Finished what was asked. */
export const OK: i32 = 0;
/** The decoder consumed all input given and needs more (not an error unless input is final). */
export const NEED_INPUT: i32 = 1;
/** The output region is full; call again with more room to continue. */
export const OUTPUT_FULL: i32 = 2;
/** A deflate stream ended (BFINAL block done). */
export const STREAM_END: i32 = 3;
/** The kernel stopped after many block headers so the host can check for abort; call again. */
export const YIELD: i32 = 4;
/** Stopped before a block header at or past the stop position the host set (parallel inflate). */
export const BLOCK_STOP: i32 = 5;

export const INVALID_BLOCK_TYPE: i32 = -1;
export const STORED_LEN_MISMATCH: i32 = -2;
export const TOO_MANY_SYMBOLS: i32 = -3;
export const BAD_CODELEN_CODE: i32 = -4;
export const BAD_REPEAT: i32 = -5;
export const MISSING_EOB: i32 = -6;
export const BAD_LITLEN_CODE_SET: i32 = -7;
export const BAD_DIST_CODE_SET: i32 = -8;
export const BAD_LITLEN_SYMBOL: i32 = -9;
export const BAD_DIST_SYMBOL: i32 = -10;
export const DISTANCE_TOO_FAR: i32 = -11;
export const TRUNCATED: i32 = -12;
export const GZIP_BAD_MAGIC: i32 = -13;
export const GZIP_BAD_METHOD: i32 = -14;
export const GZIP_RESERVED_FLAGS: i32 = -15;
export const GZIP_HEADER_CRC: i32 = -16;
export const GZIP_DATA_CRC: i32 = -17;
export const GZIP_LENGTH: i32 = -18;
export const OUTPUT_LIMIT: i32 = -19;
export const BAD_ARGUMENT: i32 = -20;
