// The nibweb WebAssembly module: re-exports only. Kernels live one family per file.
// Numbers cross the boundary, nothing else; see src/wasm/exports.ts for the host's view.
export * from './layout';
// The inflate state block's layout facts and accessors, then the kernels.
export {
  inflate_state_size, inflate_max_tail, inflate_init, inflate_reset, inflate_in, inflate_out, inflate_err_pos,
  inflate_bits_held, inflate_crc,
} from './inflate-state';
export * from './inflate';
export * from './inflate-chunk';
export * from './scale';
