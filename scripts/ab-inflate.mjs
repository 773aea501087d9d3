#!/usr/bin/env node
/**
 * A/B of inflate kernel builds in Chromium (not a test, not the benchmark suite): each given
 * module decodes one benchmark volume's deflate data in one call chain of `inflate_raw`,
 * into output memory touched beforehand, interleaved round robin in one page; it prints the
 * median and minimum per build and checks each result against the gzip trailer (CRC-32 and
 * length). Leaving out the driver, the reads and the page faults of fresh output is what
 * lets a kernel change of a few percent show above this machine's noise; `npm run bench`
 * remains the measure of what a user gets.
 *
 *   cp wasm/build/release.wasm /tmp/before.wasm      # then change wasm/, then
 *   npm run build:wasm
 *   node scripts/ab-inflate.mjs [--volume t1|fmri|mni] [--rounds 15] /tmp/before.wasm wasm/build/release.wasm
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { resolve } from 'node:path';
import { ensureVolumes } from './bench/volumes.mjs';
import { ssrServer } from './bench/nibweb-node.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? dflt : argv.splice(i, 2)[1];
};
const volName = opt('volume', 'fmri');
const rounds = Number(opt('rounds', '15'));
const builds = argv;
if (builds.length === 0) {
  console.error('usage: node scripts/ab-inflate.mjs [--volume t1|fmri|mni] [--rounds 15] a.wasm [b.wasm ...]');
  process.exit(2);
}

/** Runs in the page: one decoder per module, then timed rounds. */
async function pageMain({ names, st, rounds, deflateStart }) {
  const gz = new Uint8Array(await (await fetch('/volume.gz')).arrayBuffer());
  const trailer = new DataView(gz.buffer, gz.length - 8);
  const wantCrc = trailer.getUint32(0, true);
  const isize = trailer.getUint32(4, true);
  const deflate = gz.subarray(deflateStart, gz.length - 8);

  async function decoder(i) {
    const module = await WebAssembly.compile(await (await fetch(`/build/${i}.wasm`)).arrayBuffer());
    const probe = new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }), abort() {} } });
    const s = (probe.exports.heap_base() + 63) & ~63;
    const inAt = s + ((probe.exports.inflate_state_size() + 63) & ~63);
    const outAt = (inAt + deflate.length + 65535) & ~65535;
    const pages = Math.ceil((outAt + isize) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const x = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports;
    new Uint8Array(memory.buffer).set(deflate, inAt);
    new Uint8Array(memory.buffer, outAt, isize).fill(0); // touch every output page once
    return () => {
      x.inflate_init(s);
      x.inflate_reset(s);
      let status;
      let inp = inAt;
      let outp = outAt;
      do {
        status = x.inflate_raw(s, inp, inAt + deflate.length, outp, outAt + isize, outAt, 1);
        inp = x.inflate_in(s);
        outp = x.inflate_out(s);
      } while (status === st.YIELD);
      const out = outp - outAt;
      const crc = x.inflate_crc(s) >>> 0;
      if (status !== st.STREAM_END || out !== isize || crc !== wantCrc) {
        throw new Error(`${names[i]}: status ${status}, ${out} of ${isize} bytes, CRC ${crc} (want ${wantCrc})`);
      }
    };
  }

  const runs = [];
  for (let i = 0; i < names.length; i++) runs.push(await decoder(i));
  for (const run of runs) run(), run(); // warm-up: tier up to the optimizing compiler
  const times = names.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < runs.length; i++) {
      const t0 = performance.now();
      runs[i]();
      times[i].push(performance.now() - t0);
    }
  }
  return { isize, times };
}

const root = process.cwd();
const vol = ensureVolumes(root, console.log).find((v) => v.name === volName);
if (!vol) throw new Error(`no benchmark volume ${volName}`);
const gz = readFileSync(vol.gz);
const files = new Map([['/volume.gz', gz], ...builds.map((b, i) => [`/build/${i}.wasm`, readFileSync(resolve(b))])]);
const server = http.createServer((req, res) => {
  const body = req.url === '/' ? '<!doctype html><title>ab-inflate</title>' : files.get(req.url);
  if (!body) return res.writeHead(404).end();
  const type = req.url === '/' ? 'text/html' : req.url.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
  res.writeHead(200, { 'content-type': type }).end(body);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const vite = await ssrServer(root);
const { chromiumPath, CHROMIUM_ARGS, freshUserDataDir } = await vite.ssrLoadModule('/test/chromium.ts');
const st = await vite.ssrLoadModule('/src/wasm/status.ts');
const { parseGzipHeader } = await vite.ssrLoadModule('/src/codecs/gzip-framing.ts');
const deflateStart = parseGzipHeader(new Uint8Array(gz), 0); // one member, as the bench writes it
const { chromium } = await import('playwright');
const context = await chromium.launchPersistentContext(freshUserDataDir(), {
  executablePath: chromiumPath(),
  headless: true,
  args: CHROMIUM_ARGS,
});
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const { isize, times } = await page.evaluate(pageMain, {
    names: builds,
    st: { YIELD: st.YIELD, STREAM_END: st.STREAM_END },
    rounds,
    deflateStart,
  });
  console.log(`${vol.name}: ${isize} bytes out, ${rounds} rounds each, interleaved (${await page.evaluate(() => navigator.userAgent)})`);
  times.forEach((t, i) => {
    const s = [...t].sort((a, b) => a - b);
    const med = s[s.length >> 1];
    console.log(`${builds[i].padEnd(40)} median ${med.toFixed(1)} ms  min ${s[0].toFixed(1)} ms  ${(isize / med / 1e3).toFixed(0)} MB/s`);
  });
} finally {
  await context.close();
  await vite.close();
  server.close();
}
