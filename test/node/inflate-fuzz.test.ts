// Property tests of the WebAssembly gunzip with fast-check, fixed seeds (reliability.md §6,
// case 21 and case 35): round trips against node:zlib at every level, strategy, memLevel and
// window size (raw deflate inside a gzip wrapper we build), under every chunking; and
// arbitrary or mutated streams giving zlib's bytes or one of our errors, never a trap, a
// RangeError/TypeError or a hang. scripts/fuzz-gunzip.mjs runs the same properties longer.
import { constants, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gunzip } from '../../src/codecs/gzip';
import { isNibabelError } from '../../src/errors';
import { BufferSource } from '../../src/io/buffer-source';
import { collect } from '../../src/codecs/gzip-ranges';
import { setWasmSource } from '../../src/wasm/load';
import { clearScratchPool } from '../../src/wasm/memory';
import { gzipMember, structuredData } from './inflate-vectors';

beforeAll(() => {
  setWasmSource(new URL('../../wasm/build/debug.wasm', import.meta.url));
  clearScratchPool();
});

const STRATEGIES = [
  constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED,
];

/** Data with structure: runs, repeats at various distances, and noise. */
const structured = structuredData({ noise: 300, run: 2000, repeat: 3000, period: 40, parts: 30 });

async function decodeChunked(gz: Uint8Array, first: number, chunk: number): Promise<Uint8Array> {
  return (await collect(new BufferSource(gz), 0, Number.POSITIVE_INFINITY, { chunkSize: chunk, firstChunkSize: first }, null))!;
}

describe('round trip against node:zlib', () => {
  it('gzip at every level and strategy, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        structured,
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(...STRATEGIES),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 70_000 }),
        async (data, level, strategy, first, chunk) => {
          const gz = gzipSync(data, { level, strategy });
          expect(Buffer.from(await gunzip(gz)).equals(data)).toBe(true);
          expect(Buffer.from(await decodeChunked(gz, first, chunk)).equals(data)).toBe(true);
        },
      ),
      { seed: 21, numRuns: 300 },
    );
  });

  it('raw deflate with windowBits 9..15 and memLevel 1..9 inside our gzip wrapper', async () => {
    await fc.assert(
      fc.asyncProperty(
        structured,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 9, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        async (data, level, windowBits, memLevel, named) => {
          const raw = deflateRawSync(data, { level, windowBits, memLevel });
          const gz = gzipMember(raw, data, named ? { name: 'x.nii', comment: 'c', hcrc: true } : {});
          expect(Buffer.from(await gunzip(gz)).equals(data)).toBe(true);
        },
      ),
      { seed: 1951, numRuns: 200 },
    );
  });

  it('several members, each with its own level', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(structured, fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 5 }), async (members) => {
        const gz = Buffer.concat(members.map(([d, level]) => gzipSync(d, { level })));
        const want = Buffer.concat(members.map(([d]) => d));
        expect(Buffer.from(await gunzip(gz)).equals(want)).toBe(true);
        expect(Buffer.from(await decodeChunked(gz, 7, 333)).equals(want)).toBe(true);
      }),
      { seed: 32, numRuns: 100 },
    );
  });
});

type Verdict = { ok: Buffer; warned: number | null } | { code: string };

async function ours(gz: Uint8Array): Promise<Verdict> {
  let warned: number | null = null;
  try {
    const out = await gunzip(gz, { onWarning: (w) => (warned = w.found as number) });
    return { ok: Buffer.from(out), warned };
  } catch (err) {
    // Only our error family may escape (no RangeError, TypeError or RuntimeError).
    if (!isNibabelError(err, 'DecompressionError', 'LimitError')) throw err;
    return { code: err.code };
  }
}

function zlib(gz: Uint8Array): Buffer | null {
  try {
    return gunzipSync(gz);
  } catch {
    return null;
  }
}

/** zlib accepts → the same bytes; zlib rejects → we reject, or accept a prefix with a TRAILING_DATA warning. */
async function agreesWithZlib(gz: Uint8Array): Promise<void> {
  const got = await ours(gz);
  const z = zlib(gz);
  if (z) {
    expect('ok' in got ? got.ok.equals(z) : got.code).toBe(true);
    return;
  }
  if ('code' in got) return;
  // Documented divergence (reliability.md §2.3): trailing non-gzip bytes are a warning, and
  // what we returned is exactly what zlib gives for the bytes before them.
  expect(got.warned).not.toBeNull();
  const prefix = zlib(gz.subarray(0, got.warned!));
  expect(prefix && got.ok.equals(prefix)).toBe(true);
}

describe('malformed input', () => {
  const base = fc.tuple(structured, fc.integer({ min: 0, max: 9 })).map(([d, level]) => new Uint8Array(gzipSync(d, { level })));

  it('mutated streams (up to 4 byte edits and a truncation) agree with zlib', async () => {
    await fc.assert(
      fc.asyncProperty(
        base,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat()),
        async (gz, edits, cut) => {
          const m = Uint8Array.from(gz);
          for (const [at, v] of edits) m[at % m.length] = v;
          await agreesWithZlib(cut === null ? m : m.subarray(0, cut % (m.length + 1)));
        },
      ),
      { seed: 42, numRuns: 1500 },
    );
  });

  it('arbitrary bytes after a valid gzip header agree with zlib', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (body) => {
        await agreesWithZlib(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), body]));
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('arbitrary bytes fed in arbitrary chunks give the same verdict as in one piece', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.nat(), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 300 }), async (gz, at, first, chunk) => {
        const m = Uint8Array.from(gz);
        m[at % m.length] ^= 0x10;
        const whole = await ours(m);
        let chunked: Verdict;
        try {
          chunked = { ok: Buffer.from(await decodeChunked(m, first, chunk)), warned: null };
        } catch (err) {
          if (!isNibabelError(err, 'DecompressionError', 'LimitError')) throw err;
          chunked = { code: err.code };
        }
        expect('ok' in chunked ? chunked.ok.toString('base64') : chunked.code).toBe(
          'ok' in whole ? whole.ok.toString('base64') : whole.code,
        );
      }),
      { seed: 35, numRuns: 400 },
    );
  });
});
