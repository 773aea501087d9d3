/**
 * Status codes of the WebAssembly kernels, mirrored from wasm/status.ts (fflate's
 * `FlateErrorCode` idea), and their mapping to the error family: every negative code
 * becomes a `DecompressionError` (or `LimitError`/`WasmError`) with a stable string `code`
 * and the compressed byte `offset` of the fault. The messages follow zlib's, so a user who
 * knows `gzip -t` recognises them. test/node/wasm-status.test.ts checks that this file and
 * wasm/status.ts agree.
 */
import { DecompressionError, LimitError, WasmError } from '../errors.js';

/** Finished what was asked. */
export const OK = 0;
/** All input given was consumed; more is needed (TRUNCATED when the input was final). */
export const NEED_INPUT = 1;
/** The output window is full; call again with more room. */
export const OUTPUT_FULL = 2;
/** The deflate stream ended; the gzip trailer follows. */
export const STREAM_END = 3;
/** Stopped after many block headers so the host can check for abort; call again. */
export const YIELD = 4;
/** Stopped before a block header at or past the stop position the host set (parallel inflate). */
export const BLOCK_STOP = 5;

export const INVALID_BLOCK_TYPE = -1;
export const STORED_LEN_MISMATCH = -2;
export const TOO_MANY_SYMBOLS = -3;
export const BAD_CODELEN_CODE = -4;
export const BAD_REPEAT = -5;
export const MISSING_EOB = -6;
export const BAD_LITLEN_CODE_SET = -7;
export const BAD_DIST_CODE_SET = -8;
export const BAD_LITLEN_SYMBOL = -9;
export const BAD_DIST_SYMBOL = -10;
export const DISTANCE_TOO_FAR = -11;
export const TRUNCATED = -12;
export const GZIP_BAD_MAGIC = -13;
export const GZIP_BAD_METHOD = -14;
export const GZIP_RESERVED_FLAGS = -15;
export const GZIP_HEADER_CRC = -16;
export const GZIP_DATA_CRC = -17;
export const GZIP_LENGTH = -18;
export const OUTPUT_LIMIT = -19;
export const BAD_ARGUMENT = -20;

/** Every status by name, as in wasm/status.ts (for the mirror test and for diagnostics). */
export const STATUS: Readonly<Record<string, number>> = {
  OK, NEED_INPUT, OUTPUT_FULL, STREAM_END, YIELD, BLOCK_STOP,
  INVALID_BLOCK_TYPE, STORED_LEN_MISMATCH, TOO_MANY_SYMBOLS, BAD_CODELEN_CODE, BAD_REPEAT,
  MISSING_EOB, BAD_LITLEN_CODE_SET, BAD_DIST_CODE_SET, BAD_LITLEN_SYMBOL, BAD_DIST_SYMBOL,
  DISTANCE_TOO_FAR, TRUNCATED, GZIP_BAD_MAGIC, GZIP_BAD_METHOD, GZIP_RESERVED_FLAGS,
  GZIP_HEADER_CRC, GZIP_DATA_CRC, GZIP_LENGTH, OUTPUT_LIMIT, BAD_ARGUMENT,
};

/** The stable string codes a `DecompressionError` from gunzip can carry. */
export type DecompressionCode =
  | 'INVALID_BLOCK_TYPE' | 'STORED_LEN_MISMATCH' | 'TOO_MANY_SYMBOLS' | 'BAD_CODELEN_CODE'
  | 'BAD_REPEAT' | 'MISSING_EOB' | 'BAD_LITLEN_CODE_SET' | 'BAD_DIST_CODE_SET'
  | 'BAD_LITLEN_SYMBOL' | 'BAD_DIST_SYMBOL' | 'DISTANCE_TOO_FAR' | 'TRUNCATED'
  | 'GZIP_BAD_MAGIC' | 'GZIP_BAD_METHOD' | 'GZIP_RESERVED_FLAGS' | 'GZIP_HEADER_CRC'
  | 'GZIP_DATA_CRC' | 'GZIP_LENGTH'
  /** Only from the fallback without WebAssembly, when the platform gives no reason. */
  | 'INVALID_DATA';

/** zlib's wording for each failure (inflate.c / inffast.c `strm->msg`). */
const MESSAGES: Readonly<Record<DecompressionCode, string>> = {
  INVALID_BLOCK_TYPE: 'invalid block type',
  STORED_LEN_MISMATCH: 'invalid stored block lengths',
  TOO_MANY_SYMBOLS: 'too many length or distance symbols',
  BAD_CODELEN_CODE: 'invalid code lengths set',
  BAD_REPEAT: 'invalid bit length repeat',
  MISSING_EOB: 'invalid code -- missing end-of-block',
  BAD_LITLEN_CODE_SET: 'invalid literal/lengths set',
  BAD_DIST_CODE_SET: 'invalid distances set',
  BAD_LITLEN_SYMBOL: 'invalid literal/length code',
  BAD_DIST_SYMBOL: 'invalid distance code',
  DISTANCE_TOO_FAR: 'invalid distance too far back',
  TRUNCATED: 'unexpected end of file',
  GZIP_BAD_MAGIC: 'incorrect header check (not gzip data)',
  GZIP_BAD_METHOD: 'unknown compression method',
  GZIP_RESERVED_FLAGS: 'unknown header flags set',
  GZIP_HEADER_CRC: 'header crc mismatch',
  GZIP_DATA_CRC: 'incorrect data check (CRC-32 mismatch)',
  GZIP_LENGTH: 'incorrect length check (ISIZE mismatch)',
  INVALID_DATA: 'invalid compressed data',
};

/** The name of a status value, e.g. `'TRUNCATED'` for -12 (`'STATUS_<n>'` if unknown). */
export function statusName(status: number): string {
  for (const [name, value] of Object.entries(STATUS)) if (value === status) return name;
  return `STATUS_${status}`;
}

/**
 * A `DecompressionError` for a corrupt stream.
 * @param code the stable code
 * @param offset compressed byte offset of the fault (-1 when unknown)
 * @param detail optional extra words for the message
 * @returns the error (not thrown)
 */
export function decompressionError(code: DecompressionCode, offset: number, detail?: string): DecompressionError {
  const where = offset >= 0 ? ` at compressed byte ${offset}` : '';
  return new DecompressionError(`gzip: ${MESSAGES[code]}${where}${detail ? ` (${detail})` : ''}`, { code, offset });
}

/**
 * The error for a kernel's negative status.
 * @param status a negative status from wasm/status.ts
 * @param offset compressed byte offset where the kernel stopped (-1 when unknown)
 * @param limit for OUTPUT_LIMIT: the cap in bytes
 * @returns a `DecompressionError` (stream faults), `LimitError` (OUTPUT_LIMIT) or `WasmError`
 *   (BAD_ARGUMENT or an unknown code: a host bug, not bad input)
 */
export function statusError(status: number, offset: number, limit = Number.NaN): Error {
  if (status === OUTPUT_LIMIT) return outputLimitError(limit);
  const name = statusName(status);
  if (status < 0 && name in STATUS && name in MESSAGES) return decompressionError(name as DecompressionCode, offset);
  return new WasmError(`inflate kernel returned ${name} (${status})`, { code: 'BAD_ARGUMENT' });
}

/**
 * The `LimitError` for output that would pass `maxOutputLength`.
 * @param limit the cap in bytes
 * @returns the error (not thrown)
 */
export function outputLimitError(limit: number): LimitError {
  return new LimitError(`gzip: the decompressed data is larger than maxOutputLength (${limit} bytes)`, {
    code: 'OUTPUT_LIMIT',
    limit,
    requested: limit + 1,
  });
}
