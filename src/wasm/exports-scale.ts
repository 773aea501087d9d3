/**
 * Exports of the dtype conversion / scaling kernels (wasm/scale.ts), as the host sees them.
 * Part of src/wasm/exports.ts.
 */

/** Numbers-only interface of the scaling family. */
export interface ScaleExports {}

/** Their export names. */
export const SCALE_EXPORT_NAMES: readonly string[] = [];
