/**
 * The host's view of the WebAssembly module's exports, written by hand (STYLE §5.1).
 * Numbers only: pointers are byte offsets into the instance's memory (`usize` → number).
 * Each kernel family keeps its part in its own file; test/node/wasm-module.test.ts checks
 * `WebAssembly.Module.exports` against `EXPORT_NAMES`.
 */
import { INFLATE_EXPORT_NAMES, type InflateExports } from './exports-inflate.js';
import { SCALE_EXPORT_NAMES, type ScaleExports } from './exports-scale.js';

/** Every export of wasm/index.ts. */
export interface WasmExports extends InflateExports, ScaleExports {
  /** The imported memory, re-exported. */
  memory: WebAssembly.Memory;
  /** First byte after static data: the host lays out its regions from here. */
  heap_base(): number;
}

/** The export names the module must have, in any order. */
export const EXPORT_NAMES: readonly string[] = [
  'memory',
  'heap_base',
  ...INFLATE_EXPORT_NAMES,
  ...SCALE_EXPORT_NAMES,
];
