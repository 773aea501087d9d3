// The release module loads in Chromium through Vite's URL handling and compileStreaming.
import { expect, it } from 'vitest';
import { WasmArena } from '../../src/wasm/memory';

it('instantiates the release module from its URL', async () => {
  const arena = await WasmArena.create(1 << 16);
  expect(arena).not.toBeNull();
  expect(arena!.base).toBeGreaterThan(0);
});
