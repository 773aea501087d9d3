// Memory layout facts the host needs. The module has no allocator: it imports its memory
// and never grows it; the host (src/wasm/memory.ts) lays out every region after
// __heap_base and passes pointers in.

/** First byte the host may use (after static data), in bytes. */
export function heap_base(): usize {
  return __heap_base;
}
