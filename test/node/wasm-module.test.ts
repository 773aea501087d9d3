// The module's exports match the host's hand-written interface (STYLE §5.1), arenas never
// grow (a view taken early stays valid), static data fits the page arenas reserve for it,
// and crc32 (both of its methods: slice-by-16 and sparse folding) agrees with zlib.
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EXPORT_NAMES } from '../../src/wasm/exports';
import { WasmArena } from '../../src/wasm/memory';

for (const target of ['debug', 'release']) {
  describe(`${target}.wasm`, () => {
    const bytes = readFileSync(new URL(`../../wasm/build/${target}.wasm`, import.meta.url));
    const module = new WebAssembly.Module(bytes);

    it('exports exactly the names in src/wasm/exports.ts', () => {
      const names = WebAssembly.Module.exports(module).map((e) => e.name).sort();
      expect(names).toEqual([...EXPORT_NAMES].sort());
    });

    it('imports only env.memory (and env.abort in debug)', () => {
      const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
      expect(imports).toContain('env.memory');
      for (const i of imports) expect(['env.memory', 'env.abort']).toContain(i);
    });

    it('gives arenas of fixed size whose views stay valid', () => {
      const arena = WasmArena.createSync(module, 1 << 20);
      const ptr = arena.alloc(1000);
      const v = arena.u8(ptr, 1000);
      v.fill(7);
      expect(() => arena.alloc(2 << 20)).toThrow(/cannot hold/);
      expect(v.length).toBe(1000);
      expect(arena.memory.buffer.byteLength).toBe(arena.byteLength);
    });

    it('keeps static data below 64 KiB (WasmArena.createSync reserves one page for it)', () => {
      const arena = WasmArena.createSync(module, 0);
      expect(arena.exports.heap_base()).toBeLessThanOrEqual(65536 - 64);
    });

    it('crc32 equals zlib for every length class and alignment, continuing any CRC', () => {
      const N = 200_000;
      const arena = WasmArena.createSync(module, N + 64);
      const base = arena.alloc(N + 64, 64);
      const bytes = arena.u8(base, N + 64);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
      // Around the sparse method's limits: its 2400-byte tail, 9600-byte minimum, 32 KiB blocks.
      const lengths = [0, 1, 15, 16, 17, 2399, 2400, 9599, 9600, 9601, 9615, 9616, 32767, 32768, 32769, 65536 + 31, N];
      for (const len of lengths) {
        for (const off of [0, 1, 8, 13, 63]) {
          if (off + len > N + 64) continue;
          for (const start of [0, 0x12345678, 0xffffffff]) {
            const got = arena.exports.crc32(start, base + off, len) >>> 0;
            expect(got, `len ${len} off ${off} start ${start}`).toBe(zlibCrc32(bytes.subarray(off, off + len), start) >>> 0);
          }
        }
      }
    });
  });
}
