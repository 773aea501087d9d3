#!/usr/bin/env node
/**
 * Long fuzz run of nibweb's gunzip against node:zlib (reliability.md §6), with fast-check.
 * The same properties as test/node/inflate-fuzz.test.ts, for as many cases as asked:
 *   - round trip: structured data, every zlib level/strategy/memLevel and windowBits 9..15
 *     (raw deflate in a gzip wrapper built here), multi-member, any chunking → identical;
 *   - mutation: a valid stream with up to 4 byte edits and an optional truncation, and
 *     arbitrary bytes after a gzip header → zlib's bytes when zlib accepts, one of our
 *     errors when it rejects (or, the documented divergence, a TRAILING_DATA warning and
 *     zlib's output for the bytes before it); never a trap, RangeError/TypeError or hang;
 *   - chunk invariance: the same verdict for any input chunking;
 *   - placement: every 16th case also runs with the input flush against the end of memory
 *     and canaries around the output (case 61);
 *   - parallel inflate (src/codecs/parallel-gunzip.ts, in-process) at 1-12 chunks: the same
 *     bytes when the whole stream decodes, an error when it fails (the code may differ: a
 *     chunk can meet the fault by another road), or null for more than one member.
 *
 *   npm run build:wasm && node scripts/fuzz-gunzip.mjs --runs 1000000 [--seed 1] [--build release|debug]
 *
 * Prints throughput and verdict counts; on failure, the seed and path that replay it
 * (`--path <path>` replays; FUZZ_DEBUG=1 prints each failing round-trip case in full).
 * Loads src/ through Vite's SSR module loader (no build step).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { ssrServer } from './bench/nibweb-node.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const RUNS = Number(args.runs ?? 1_000_000);
const SEED = Number(args.seed ?? 1);
const BUILD = args.build ?? 'release';
/** A single decode slower than this counts as a hang. */
const HANG_MS = 10_000;
const root = fileURLToPath(new URL('..', import.meta.url));

const STRATEGIES = [0, 1, 2, 3, 4]; // default, filtered, huffman-only, RLE, fixed

const structured = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.record({ byte: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 1, max: 2000 }) })
        .map(({ byte, n }) => new Uint8Array(n).fill(byte)),
      fc.record({ period: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 3000 }), seed: fc.integer() })
        .map(({ period, n, seed }) => Uint8Array.from({ length: n }, (_, i) => ((i % period) * 37 + seed) & 0xff)),
    ),
    { maxLength: 24 },
  )
  .map((parts) => Buffer.concat(parts));

function gzipWrap(raw, data, named) {
  const head = [0x1f, 0x8b, 8, named ? 8 : 0, 0, 0, 0, 0, 0, 3];
  if (named) head.push(...Buffer.from('fuzz.nii'), 0);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([Buffer.from(head), raw, trailer]);
}

/** A case: the bytes to decode, and how to feed them. */
const caseArb = fc.oneof(
  // Round trip.
  fc.record({
    kind: fc.constant('roundtrip'),
    members: fc.array(
      fc.record({
        data: structured,
        level: fc.integer({ min: 0, max: 9 }),
        strategy: fc.constantFrom(...STRATEGIES),
        windowBits: fc.integer({ min: 9, max: 15 }),
        memLevel: fc.integer({ min: 1, max: 9 }),
        raw: fc.boolean(),
        named: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    first: fc.integer({ min: 1, max: 70_000 }),
    chunk: fc.integer({ min: 1, max: 70_000 }),
  }),
  // Mutation of a valid stream.
  fc.record({
    kind: fc.constant('mutate'),
    data: structured,
    level: fc.integer({ min: 0, max: 9 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat()),
    first: fc.integer({ min: 1, max: 5000 }),
    chunk: fc.integer({ min: 1, max: 70_000 }),
  }),
  // Arbitrary bytes after a gzip header.
  fc.record({
    kind: fc.constant('arbitrary'),
    body: fc.uint8Array({ maxLength: 1000 }),
    first: fc.integer({ min: 1, max: 64 }),
    chunk: fc.integer({ min: 1, max: 4096 }),
  }),
);

function build(c) {
  if (c.kind === 'roundtrip') {
    const parts = [];
    const want = [];
    for (const m of c.members) {
      want.push(m.data);
      if (m.raw) {
        const level = Math.max(1, m.level);
        parts.push(gzipWrap(zlib.deflateRawSync(m.data, { level, strategy: m.strategy, windowBits: m.windowBits, memLevel: m.memLevel }), m.data, m.named));
      } else {
        parts.push(zlib.gzipSync(m.data, { level: m.level, strategy: m.strategy, memLevel: m.memLevel }));
      }
    }
    return { gz: Buffer.concat(parts), want: Buffer.concat(want) };
  }
  if (c.kind === 'mutate') {
    const m = Buffer.from(zlib.gzipSync(c.data, { level: c.level }));
    for (const [at, v] of c.edits) m[at % m.length] = v;
    return { gz: c.cut === null ? m : m.subarray(0, c.cut % (m.length + 1)) };
  }
  return { gz: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.from(c.body)]) };
}

function zlibDecode(gz) {
  try {
    return zlib.gunzipSync(gz);
  } catch {
    return null;
  }
}

async function main() {
  const server = await ssrServer(root);
  const stats = {};
  let n = 0;
  const t0 = performance.now();
  try {
    const { setWasmSource } = await server.ssrLoadModule('/src/wasm/load.ts');
    const { gunzip, gunzipGuarded } = await server.ssrLoadModule('/src/codecs/gzip.ts');
    const { collect } = await server.ssrLoadModule('/src/codecs/gzip-ranges.ts');
    const { BufferSource } = await server.ssrLoadModule('/src/io/buffer-source.ts');
    const { isNibabelError } = await server.ssrLoadModule('/src/errors.ts');
    const { gunzipInChunks } = await server.ssrLoadModule('/src/codecs/parallel-gunzip.ts');
    setWasmSource(new WebAssembly.Module(readFileSync(new URL(`../wasm/build/${BUILD}.wasm`, import.meta.url))));

    const verdict = async (f) => {
      const start = performance.now();
      let warned = null;
      try {
        const out = await f((w) => (warned = w.found));
        return { ok: Buffer.from(out), warned };
      } catch (err) {
        if (!isNibabelError(err, 'DecompressionError', 'LimitError')) throw err;
        return { code: err.code };
      } finally {
        if (performance.now() - start > HANG_MS) throw new Error(`a decode took ${performance.now() - start} ms`);
      }
    };
    const key = (v) => ('code' in v ? v.code : `ok:${v.ok.toString('base64')}`);

    const property = fc.asyncProperty(caseArb, async (c) => {
      const { gz, want } = build(c);
      const whole = await verdict((onWarning) => gunzip(gz, { onWarning }));
      const z = zlibDecode(gz);
      const tag = `${c.kind}:${'code' in whole ? whole.code : 'ok'}/${z ? 'zok' : 'zerr'}`;
      stats[tag] = (stats[tag] ?? 0) + 1;
      if (want && !('ok' in whole && whole.ok.equals(want))) {
        if (process.env.FUZZ_DEBUG) {
          const again = await verdict((onWarning) => gunzip(gz, { onWarning }));
          console.log('FAIL', JSON.stringify({
            c,
            got: 'code' in whole ? whole.code : whole.ok.length,
            want: want.length,
            again: 'code' in again ? again.code : again.ok.length,
            gz: gz.toString('base64'),
          }));
        }
        throw new Error('round trip differs');
      }
      if (z) {
        if (!('ok' in whole) || !whole.ok.equals(z)) throw new Error('zlib accepts, we differ');
      } else if ('ok' in whole) {
        // The documented divergence: trailing non-gzip bytes are a warning.
        const prefix = whole.warned === null ? null : zlibDecode(gz.subarray(0, whole.warned));
        if (!prefix || !prefix.equals(whole.ok)) throw new Error('zlib rejects, we accept without a TRAILING_DATA warning');
      }
      const chunked = await verdict(() => collect(new BufferSource(gz), 0, Number.POSITIVE_INFINITY,
        { chunkSize: c.chunk, firstChunkSize: c.first }, null));
      if (key(chunked) !== key(whole)) throw new Error(`chunking changed the verdict: ${key(chunked).slice(0, 40)} vs ${key(whole).slice(0, 40)}`);
      const k = 1 + (n % 12);
      let par;
      try {
        par = await verdict(async () => {
          const out = await gunzipInChunks(new BufferSource(gz), k);
          if (out === null) throw Object.assign(new Error('not one member'), { parallelNull: true });
          return out;
        });
      } catch (err) {
        if (!err.parallelNull) throw err;
        par = null;
      }
      if (par === null) {
        stats['parallel:null'] = (stats['parallel:null'] ?? 0) + 1;
      } else if ('ok' in whole && !whole.warned) {
        if (!('ok' in par) || !par.ok.equals(whole.ok)) throw new Error(`parallel inflate at ${k} chunks differs: ${'code' in par ? par.code : par.ok.length}`);
      } else if ('code' in whole) {
        if ('ok' in par) throw new Error(`parallel inflate at ${k} chunks accepts what the stream path rejects (${whole.code})`);
        if (par.code !== whole.code) stats['parallel:other-code'] = (stats['parallel:other-code'] ?? 0) + 1;
      }
      if (++n % 16 === 0) {
        const placed = await verdict(async () => {
          const r = await gunzipGuarded(gz, { chunkSize: 4096 });
          if (!r.canariesIntact) throw new Error('output canaries overwritten');
          return r.output;
        });
        if (key(placed) !== key(whole)) throw new Error('end-of-memory placement changed the verdict');
      }
      if (n % 20_000 === 0) {
        const s = (performance.now() - t0) / 1000;
        console.log(`${n} cases, ${(n / s).toFixed(0)}/s`);
      }
    });
    const result = await fc.check(property, { seed: SEED, numRuns: RUNS, ...(args.path ? { path: args.path, endOnFailure: true } : {}) });
    const secs = (performance.now() - t0) / 1000;
    console.log(`\n${result.numRuns} cases in ${secs.toFixed(1)} s: ${(result.numRuns / secs).toFixed(0)} cases/s (seed ${SEED}, ${BUILD} build)`);
    for (const [k, v] of Object.entries(stats).sort()) console.log(`  ${k.padEnd(40)} ${v}`);
    if (result.failed) {
      console.error(fc.defaultReportMessage(result));
      console.error('error:', result.errorInstance?.message ?? result.error);
      process.exitCode = 1;
    } else {
      console.log('no failures');
    }
  } finally {
    await server.close();
  }
}

await main();
