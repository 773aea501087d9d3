// DEFLATE (RFC 1951) inflate kernel: see src/wasm/gunzip.ts for its driver.
export {};
