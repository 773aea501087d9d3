// The image-API contract in Chromium: the same makers as in Node (test/node/image-api.test.ts,
// which registers the suites when imported), with the browser's File, Blob, fetch-free byte
// sources and the release WebAssembly module.
import '../node/image-api.test';
