// worker/placed-source.ts: a shared pool's whole array decoded with the parallel-gunzip chunks
// placed in its shared WebAssembly memory. Here the "other chunks" are written by the test's
// `place` (in the pool, by their own workers through `chunk-put`); the result must equal the
// ordinary decode of the same bytes, and every way the placement cannot happen must say so
// with `NOT_PLACED` (the pool then gathers the chunks instead).
import { afterEach, describe, expect, it } from 'vitest';
import { WasmError } from '../../src/errors';
import { BufferSource } from '../../src/io/buffer-source';
import { ArrayProxy } from '../../src/proxy/array-proxy';
import { readWhole } from '../../src/proxy/whole-array';
import { setArenaProvider } from '../../src/wasm/array-decode';
import { getSharedWasmModule } from '../../src/wasm/load';
import { WasmArena } from '../../src/wasm/memory';
import { type Placement, PlacedSource } from '../../src/worker/placed-source';
import { makeNifti, phantomInt16 } from '../shared/make-nifti';

const shape = [64, 64, 36, 3];
const spec = (littleEndian: boolean, slope: number, inter: number) => ({
  shape, dtype: 'int16' as const, littleEndian, offset: 352, slope, inter, order: 'F' as const, spm99: false,
});

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);

/** A PlacedSource over `stream`: the first `own` bytes held here, the rest written by `place` (which records what it was asked). */
function placed(stream: Uint8Array, own: number, asked: Placement[]): PlacedSource {
  return new PlacedSource(stream.byteLength, stream.slice(0, own), async (at) => {
    asked.push(at);
    await new Promise((r) => setTimeout(r, 1)); // as the other workers do, later
    const from = Math.max(at.from, own);
    new Uint8Array(at.buffer, at.byteOffset + from - at.from, at.from + at.length - from).set(stream.subarray(from, at.from + at.length));
  });
}

describe('PlacedSource', () => {
  afterEach(() => setArenaProvider(null));

  it('the array decoded in shared memory with the other chunks placed equals the ordinary decode (both byte orders, scaled or not)', async () => {
    const module = await getSharedWasmModule();
    expect(module).not.toBeNull();
    setArenaProvider(async (bytes) => WasmArena.createSync(module!, bytes, true));
    for (const littleEndian of [true, false]) {
      for (const [slope, inter] of [[1, 0], [0.5, -3]] as const) {
        const stream = makeNifti(phantomInt16(shape, 3), shape); // read with either byte order: the spec says which
        for (const [dtype, own] of [['float32', 200_000], [undefined, 352], ['float64', stream.byteLength]] as const) {
          const at = `${littleEndian ? 'LE' : 'BE'}, slope ${slope}, ${dtype ?? 'default'}, first chunk ${own} bytes`;
          const want = await readWhole(new ArrayProxy(new BufferSource(stream), spec(littleEndian, slope, inter)), dtype);
          const asked: Placement[] = [];
          const got = await readWhole(new ArrayProxy(placed(stream, own, asked), spec(littleEndian, slope, inter)), dtype);
          expect(got.array.data.buffer, at).toBeInstanceOf(SharedArrayBuffer);
          expect(got.array.dtype, at).toBe(want.array.dtype);
          expect(got.array.data.length, at).toBe(want.array.data.length);
          expect(bytesOf(got.array.data).equals(bytesOf(want.array.data)), at).toBe(true);
          // Asked once, for exactly the array's raw bytes.
          expect(asked.map((p) => [p.from, p.length]), at).toEqual([[352, stream.byteLength - 352]]);
        }
      }
    }
  });

  it('a memory that is not shared, a stream that ends early, and any plain read are NOT_PLACED', async () => {
    const stream = makeNifti(phantomInt16(shape, 3), shape);
    setArenaProvider(async (bytes) => WasmArena.create(bytes)); // not shared
    const notPlaced = { name: 'WasmError', code: 'NOT_PLACED' };
    await expect(readWhole(new ArrayProxy(placed(stream, 1000, []), spec(true, 1, 0)), 'float32')).rejects.toMatchObject(notPlaced);
    setArenaProvider(null);
    const src = placed(stream, 1000, []);
    await expect(src.read()).rejects.toBeInstanceOf(WasmError);
    await expect(src.read()).rejects.toMatchObject(notPlaced);
    const module = (await getSharedWasmModule())!;
    const arena = WasmArena.createSync(module, 1 << 20, true);
    const short = new PlacedSource(1000, stream.slice(0, 500), async () => {});
    await expect(short.regionReader.readIntoRegion(500, { arena, ptr: arena.alloc(1000, 64), length: 1000 })).rejects.toMatchObject(notPlaced);
  });

  it('an abort while the chunks are placed rejects with an AbortError', async () => {
    const module = (await getSharedWasmModule())!;
    const arena = WasmArena.createSync(module, 1 << 20, true);
    const ctl = new AbortController();
    const src = new PlacedSource(4096, new Uint8Array(1024), (_at, signal) => new Promise((_, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    }));
    const reading = src.regionReader.readIntoRegion(0, { arena, ptr: arena.alloc(4096, 64), length: 4096 }, { signal: ctl.signal });
    ctl.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });
});
