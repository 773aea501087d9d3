// Reference tests of the parallel-inflate kernels (wasm/inflate-chunk.ts) on their own,
// debug build: `inflate_resolve` against a TypeScript resolve, in place as the chunk decoder
// lays it out; `inflate_find_block` at every block start of zlib streams (found by decoding
// from the start with a stop position), where it must find the dynamic and stored ones.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkDecoder, keptArenas } from '../../src/codecs/gzip-chunk';
import { memberFrame } from '../../src/codecs/parallel-gunzip';
import { BufferSource } from '../../src/io/buffer-source';
import { RawInflater } from '../../src/wasm/inflater';
import { setWasmSource } from '../../src/wasm/load';
import { WasmArena } from '../../src/wasm/memory';
import { structuredData } from './inflate-vectors';
import fc from 'fast-check';

beforeAll(() => setWasmSource(new URL('../../wasm/build/debug.wasm', import.meta.url)));

describe('inflate_resolve', () => {
  it('replaces markers by window bytes and passes literals, in place with the output above its 16-bit input', async () => {
    const arena = (await WasmArena.create(1 << 20))!;
    const inf = new RawInflater(arena, 4096);
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 4099]) {
      const win = Uint8Array.from({ length: 32768 }, () => rnd(256));
      const syms = Uint16Array.from({ length: n }, () => (rnd(3) === 0 ? 256 + rnd(32768) : rnd(256)));
      const want = Uint8Array.from(syms, (v) => (v < 256 ? v : win[v - 256]!));
      const w = arena.alloc(32768, 64);
      const src = arena.alloc(2 * n + 64, 64);
      arena.u8(w, 32768).set(win);
      arena.view<Uint16Array>(Uint16Array, src, n).set(syms);
      const dst = src + n; // the tightest overlap the chunk layout allows (dst >= src + n)
      inf.resolve(src, n, dst, w);
      expect(Buffer.from(arena.u8(dst, n)).equals(Buffer.from(want)), `n=${n}`).toBe(true);
    }
  });
});

describe('inflate_find_block', () => {
  /** Every block start of a single-member stream: decoding from the first with stops past each. */
  async function blockStarts(gz: Uint8Array): Promise<number[]> {
    const src = new BufferSource(gz);
    const frame = (await memberFrame(src))!;
    const dec = new ChunkDecoder(keptArenas());
    const starts = [frame.start * 8];
    for (;;) {
      const stop = starts[starts.length - 1]! + 1;
      const r = await dec.decode(src, { from: frame.start * 8, known: true, first: true, searchTo: stop, stop, estimate: 1 << 20 });
      if (r.streamEnd) return starts;
      starts.push(r.end);
    }
  }

  /** BTYPE of the header at bit `p`. */
  const btype = (gz: Uint8Array, p: number): number => ((gz[p >> 3]! | (gz[(p >> 3) + 1]! << 8)) >> ((p & 7) + 1)) & 3;

  it('finds each dynamic and stored block start of zlib streams where it lies, at every level', async () => {
    const arena = (await WasmArena.create(4 << 20))!;
    let found = 0;
    await fc.assert(
      fc.asyncProperty(
        structuredData({ noise: 3000, run: 5000, repeat: 8000, period: 300, parts: 40 }),
        fc.integer({ min: 20_000, max: 200_000 }),
        fc.integer({ min: 0, max: 9 }),
        async (structured, noisy, level) => {
          // Low-entropy noise after the structured part: many literals, so several blocks.
          let x = noisy;
          const noise = Uint8Array.from({ length: noisy }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 28));
          const data = Buffer.concat([structured, noise]);
          const gz = new Uint8Array(gzipSync(data, { level }));
          const mark = arena.mark();
          try {
            const inf = new RawInflater(arena, gz.byteLength + 16);
            inf.feed(gz);
            for (const b of await blockStarts(gz)) {
              if (btype(gz, b) === 1) continue; // fixed-code blocks are not searched for
              if (btype(gz, b) === 2) {
                expect(inf.findBlock(b, b + 1)).toBe(b);
              } else {
                // Stored: a final one (a 1, then zero padding) also reads as a non-final one a bit
                // later, and the finder takes that reading (the join then sees the BFINAL differ).
                const final = (gz[b >> 3]! >> (b & 7)) & 1;
                expect(inf.findBlock(b, b + 2)).toBe(final ? b + 1 : b);
              }
              found++;
            }
          } finally {
            arena.release(mark);
          }
        },
      ),
      { seed: 909, numRuns: 60 },
    );
    expect(found).toBeGreaterThan(3 * 60); // several blocks a stream
  }, 60_000);
});
