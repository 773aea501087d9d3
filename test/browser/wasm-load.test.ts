// The release module loads in Chromium through Vite's URL handling and compileStreaming, and
// works: the exports the host expects, an arena over a fixed-size memory of its own that the
// instance really uses, a kernel computing the known CRC-32 check value in that memory, and a
// tiny known gzip inflated through the module (not the TypeScript fallback).
import { afterAll, expect, it, vi } from 'vitest';
import { isNibabelError } from '../../src/errors';
import { EXPORT_NAMES } from '../../src/wasm/exports';
import { gunzipWasm } from '../../src/codecs/gzip';
import { getWasmModule, setWasmSource } from '../../src/wasm/load';
import { WasmArena, clearScratchPool } from '../../src/wasm/memory';

const PAGE = 65536;

/** gzip -9 (mtime 0) of 'nibweb: nibabel for the web\n' × 3, made with Python's gzip module. */
const GZ = new Uint8Array([
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0xcb, 0x4c, 0x2a, 0x4f, 0x4d, 0xb2, 0x52, 0xc8, 0xcb,
  0x4c, 0x4a, 0x4c, 0x4a, 0xcd, 0x51, 0x48, 0xcb, 0x2f, 0x52, 0x28, 0xc9, 0x48, 0x55, 0x00, 0x0a, 0x72, 0xe5, 0x91, 0x29,
  0x07, 0x00, 0xf9, 0x5f, 0x82, 0xb8, 0x54, 0x00, 0x00, 0x00,
]);
const TEXT = 'nibweb: nibabel for the web\n'.repeat(3);

afterAll(() => {
  vi.restoreAllMocks();
  setWasmSource(undefined);
  clearScratchPool();
});

it('compiles the release module from its URL with compileStreaming, with exactly the host’s exports', async () => {
  setWasmSource(undefined); // a fresh compile from the default URL
  const streaming = vi.spyOn(WebAssembly, 'compileStreaming');
  const module = await getWasmModule();
  expect(module).toBeInstanceOf(WebAssembly.Module);
  expect(streaming).toHaveBeenCalledTimes(1);
  const res = await (streaming.mock.calls[0]![0] as Response | Promise<Response>);
  expect(res.url).toMatch(/\/wasm\/build\/release\.wasm(\?|$)/);
  expect(res.headers.get('content-type')).toMatch(/^application\/wasm/);
  const exports = WebAssembly.Module.exports(module!).map((e) => e.name).sort();
  expect(exports).toEqual([...EXPORT_NAMES].sort());
  // It imports its memory (the host sizes every instance's) and nothing but env.abort besides.
  const imports = WebAssembly.Module.imports(module!).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
  expect(imports).toContain('env.memory:memory');
  expect(imports.every((i) => i === 'env.memory:memory' || i === 'env.abort:function')).toBe(true);
});

it('an arena is an instance over a fixed-size WebAssembly.Memory of its own, which the kernels use', async () => {
  const arena = await WasmArena.create(1 << 16);
  expect(arena).not.toBeNull();
  const a = arena!;
  expect(a.memory).toBeInstanceOf(WebAssembly.Memory);
  // 64 KiB asked for, plus one page for the module's static data.
  expect(a.memory.buffer.byteLength).toBe(2 * PAGE);
  expect(a.byteLength).toBe(2 * PAGE);
  expect(a.exports.memory, 'the instance runs on the memory the host gave it').toBe(a.memory);
  expect(() => a.memory.grow(1), 'initial === maximum: it can never grow (views never detach)').toThrow(RangeError);
  expect(a.base % 64).toBe(0);
  expect(a.base).toBeGreaterThanOrEqual(a.exports.heap_base());
  expect(a.base).toBeLessThan(PAGE);
  expect(a.free).toBeGreaterThanOrEqual(1 << 16);
  // CRC-32 of "123456789" is the standard check value 0xCBF43926, computed in arena memory.
  const ptr = a.alloc(9);
  a.u8(ptr, 9).set(new TextEncoder().encode('123456789'));
  expect(a.exports.crc32(0, ptr, 9) >>> 0).toBe(0xcbf43926);
  // Another arena is another memory: writing one does not touch the other.
  const b = (await WasmArena.create(1 << 16))!;
  expect(b.memory).not.toBe(a.memory);
  b.u8(b.alloc(9), 9).fill(0);
  expect(a.exports.crc32(0, ptr, 9) >>> 0).toBe(0xcbf43926);
});

it('a tiny known gzip inflates to the right bytes through the module, and a bad CRC is a DecompressionError', async () => {
  const out = await gunzipWasm(GZ);
  expect(out, 'null would mean the module is not in use').not.toBeNull();
  expect(new TextDecoder().decode(out!)).toBe(TEXT);
  // The platform agrees (the second reference in browsers).
  const ds = new Uint8Array(await new Response(new Blob([GZ]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  expect(Array.from(out!)).toEqual(Array.from(ds));
  const bad = GZ.slice();
  bad[bad.length - 8] ^= 0xff; // the stored CRC-32
  const err = await gunzipWasm(bad).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isNibabelError(err, 'DecompressionError')).toBe(true);
  expect((err as { code: string }).code).toBe('GZIP_DATA_CRC');
});
