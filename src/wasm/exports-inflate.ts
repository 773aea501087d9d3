/**
 * Exports of the inflate/CRC-32 kernels (wasm/inflate.ts, wasm/crc32.ts), as the host sees them.
 * Part of src/wasm/exports.ts.
 */

/** Numbers-only interface of the inflate family. */
export interface InflateExports {}

/** Their export names. */
export const INFLATE_EXPORT_NAMES: readonly string[] = [];
