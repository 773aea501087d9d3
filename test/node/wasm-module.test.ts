// The module's exports match the host's hand-written interface (STYLE §5.1), and arenas
// never grow: a view taken early stays valid.
import { readFileSync } from 'node:fs';
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
  });
}
