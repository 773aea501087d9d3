/**
 * The host's view of the WebAssembly module's exports, written by hand (STYLE §5.1).
 * Numbers only: pointers are byte offsets into the instance's memory (`usize` → number).
 * test/node/wasm-exports.test.ts snapshots `Object.keys(instance.exports)` against `EXPORT_NAMES`.
 */

/** Every export of wasm/index.ts. Kernel families add their functions here. */
export interface WasmExports {
  /** The imported memory, re-exported. */
  memory: WebAssembly.Memory;
  /** First byte after static data: the host lays out its regions from here. */
  heap_base(): number;
}

/** The export names the module must have, in any order. */
export const EXPORT_NAMES: readonly (keyof WasmExports)[] = ['memory', 'heap_base'];
