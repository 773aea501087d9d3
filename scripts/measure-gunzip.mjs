#!/usr/bin/env node
/**
 * Quick gunzip throughput check (not a test, not the benchmark suite): nibweb's WebAssembly
 * gunzip against node:zlib and fflate on one benchmark volume (default the T1-like 256×256×192 int16,
 * ~2.3× at gzip level 6; scripts/bench/volumes.mjs makes and caches it).
 *
 *   npm run build:wasm && node scripts/measure-gunzip.mjs [--rounds 7] [--volume t1|fmri|mni]
 *
 * Loads src/ through Vite's SSR module loader (no build step). Cases run interleaved, round
 * robin; it prints the median wall time and the minimum CPU time (user+system, robust on a
 * busy shared machine) and MB/s of decompressed output (MB = 10^6 bytes).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { gunzipSync as fflateGunzip } from 'fflate';
import { ensureVolumes } from './bench/volumes.mjs';
import { ssrServer } from './bench/nibweb-node.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const ROUNDS = Number(args.rounds ?? 7);
const root = fileURLToPath(new URL('..', import.meta.url));

function cpuNow() {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

async function main() {
  const server = await ssrServer(root);
  try {
    const { gunzip } = await server.ssrLoadModule('/src/codecs/gzip.ts');
    const { setWasmSource } = await server.ssrLoadModule('/src/wasm/load.ts');
    const { GzipSource } = await server.ssrLoadModule('/src/codecs/gzip-source.ts');
    const { BufferSource } = await server.ssrLoadModule('/src/io/buffer-source.ts');
    const { WasmArena } = await server.ssrLoadModule('/src/wasm/memory.ts');
    setWasmSource(new WebAssembly.Module(readFileSync(new URL('../wasm/build/release.wasm', import.meta.url))));

    const vol = ensureVolumes(root, console.log).find((v) => v.name === (args.volume ?? 't1'));
    if (!vol) throw new Error(`no benchmark volume ${args.volume}`);
    const data = readFileSync(vol.nii);
    const gz = readFileSync(vol.gz);
    console.log(`volume ${vol.name} ${vol.shape.join('×')} ${vol.dtype}: ${data.length} B, gzip -6 ${gz.length} B, ratio ${(data.length / gz.length).toFixed(2)}`);
    const check = await gunzip(gz);
    if (Buffer.compare(Buffer.from(check), Buffer.from(data)) !== 0) throw new Error('nibweb gunzip output differs');

    const cases = {
      'nibweb gunzip': () => gunzip(gz),
      'nibweb readIntoArena': async () => {
        const src = new GzipSource(new BufferSource(gz));
        const needs = src.arenaNeeds(0);
        const arena = await WasmArena.create(needs.overhead + data.length + 1024);
        const ptr = arena.alloc(data.length, 64);
        await src.readIntoArena(0, data.length, arena, ptr);
      },
      'zlib gunzipSync': () => zlib.gunzipSync(gz),
      'zlib gunzipSync(ISIZE)': () => zlib.gunzipSync(gz, { chunkSize: data.length }),
      'fflate gunzipSync': () => fflateGunzip(gz),
    };
    const wall = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, Infinity]));
    for (let r = 0; r < ROUNDS + 2; r++) {
      for (const [name, f] of Object.entries(cases)) {
        const t0 = performance.now();
        const c0 = cpuNow();
        await f();
        const dt = performance.now() - t0;
        const dc = cpuNow() - c0;
        if (r < 2) continue; // warm-up (tier-up to optimized code)
        wall[name].push(dt);
        cpu[name] = Math.min(cpu[name], Math.min(dc, dt));
      }
    }
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const mbs = (ms) => (data.length / ms / 1000).toFixed(0);
    const ref = cpu['fflate gunzipSync'];
    console.log('case'.padEnd(24), 'median ms', '  MB/s', '| min cpu ms', '  MB/s', '  × fflate');
    for (const name of Object.keys(cases)) {
      const m = med(wall[name]);
      console.log(name.padEnd(24), m.toFixed(1).padStart(9), mbs(m).padStart(6), '|', cpu[name].toFixed(1).padStart(10),
        mbs(cpu[name]).padStart(6), (ref / cpu[name]).toFixed(2).padStart(9));
    }
  } finally {
    await server.close();
  }
}

await main();
