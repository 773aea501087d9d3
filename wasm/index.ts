// The nibweb WebAssembly module: re-exports only. Kernels live one family per file.
// Numbers cross the boundary, nothing else; see src/wasm/exports.ts for the host's view.
export * from './layout';
export * from './inflate';
export * from './inflate-chunk';
export * from './scale';
