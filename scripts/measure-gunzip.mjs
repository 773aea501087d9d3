#!/usr/bin/env node
/**
 * Quick gunzip throughput check (not a test, not the benchmark suite): nibweb's WebAssembly
 * gunzip against node:zlib and fflate on a synthetic T1-like volume, 256×256×192 int16
 * (smooth head-like structure with noise, ~2.3× at gzip level 6, made with node:zlib).
 *
 *   npm run build:wasm && node scripts/measure-gunzip.mjs [--rounds 7] [--noise 25]
 *
 * Loads src/ through Vite's SSR module loader (no build step). Cases run interleaved, round
 * robin; it prints the median wall time and the minimum CPU time (user+system, robust on a
 * busy shared machine) and MB/s of decompressed output (MB = 10^6 bytes).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { gunzipSync as fflateGunzip } from 'fflate';
import { createServer } from 'vite';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const ROUNDS = Number(args.rounds ?? 7);
const NOISE = Number(args.noise ?? 25);
const root = fileURLToPath(new URL('..', import.meta.url));

/** mulberry32 PRNG and Box–Muller normals, seeded: the same volume every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** T1-like head: scalp, skull, folded grey/white matter, ventricles; noise inside and out. */
function t1Volume(noise) {
  const [nx, ny, nz] = [256, 256, 192];
  const v = new Int16Array(nx * ny * nz);
  const u = rng(12345);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const sx = Float64Array.from({ length: nx }, (_, i) => Math.sin(i * 0.21));
  const sy = Float64Array.from({ length: ny }, (_, i) => Math.sin(i * 0.17 + 1));
  const sz = Float64Array.from({ length: nz }, (_, i) => Math.sin(i * 0.13 + 2));
  let p = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, p++) {
        const dx = (x - 128) / 100;
        const dy = (y - 128) / 115;
        const dz = (z - 96) / 85;
        const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
        let val;
        if (r > 1) val = Math.abs(gauss() * 10 + gauss() * 5);
        else if (r > 0.93) val = 300 + 60 * sx[x];
        else if (r > 0.88) val = 60;
        else {
          const fold = sx[x] * sy[y] * sz[z];
          val = fold > 0.1 ? 420 + 30 * sy[y] : 650 + 20 * sz[z];
          if (r < 0.25 && Math.abs(dx) < 0.12) val = 120;
          val += noise * gauss();
        }
        v[p] = Math.round(val);
      }
    }
  }
  return new Uint8Array(v.buffer);
}

function cpuNow() {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

async function main() {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    appType: 'custom',
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { middlewareMode: true, watch: null, hmr: false },
  });
  try {
    const { gunzip } = await server.ssrLoadModule('/src/codecs/gzip.ts');
    const { setWasmSource } = await server.ssrLoadModule('/src/wasm/load.ts');
    const { GzipSource } = await server.ssrLoadModule('/src/codecs/gzip-source.ts');
    const { BufferSource } = await server.ssrLoadModule('/src/io/buffer-source.ts');
    const { WasmArena } = await server.ssrLoadModule('/src/wasm/memory.ts');
    setWasmSource(new WebAssembly.Module(readFileSync(new URL('../wasm/build/release.wasm', import.meta.url))));

    const data = t1Volume(NOISE);
    const gz = zlib.gzipSync(data, { level: 6 });
    console.log(`volume 256×256×192 int16: ${data.length} B, gzip -6 ${gz.length} B, ratio ${(data.length / gz.length).toFixed(2)}`);
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
