/**
 * The Node section of `npm run bench`: gunzip (nibweb's WASM `gunzip` vs node:zlib
 * `gunzipSync`, default and with chunkSize = ISIZE, vs fflate `gunzipSync`) and int16 →
 * float32 scaling (nibweb's WASM path vs a plain JS loop into a preallocated Float32Array),
 * all in this one process, interleaved round-robin, medians after warm-ups
 * (perf-baseline.md's method). Outputs are checked once against the .nii bytes (gunzip) or
 * the JS loop (scaling) before anything is timed, so a wrong result is reported, not timed.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync as zlibGunzip } from 'node:zlib';
import { gunzipSync as fflateGunzip } from 'fflate';
import { roundRobin } from './timing.mjs';
import { cell, problemText, ratio, table } from './report.mjs';

/** A forced full GC between cases (outside the clock), so one case's garbage is not the next one's pause. */
function makeGc() {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

function u8(buf) {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function isize(gz) {
  return gz.readUInt32LE(gz.length - 4);
}

function firstMismatch(a, b) {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return '';
}

/** The JS twin: one pass into a preallocated Float32Array. */
function scaleJs(src, out, slope, inter) {
  for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + inter;
}

const now = () => performance.now();

/**
 * Runs the Node gunzip and scaling tables.
 * @param {Array<object>} volumes from `ensureVolumes`
 * @param {{ warmup: number, runs: number }} opts
 * @param {import('../../test/bench/nibweb-adapter.ts').NibwebPieces} nib
 * @param {(s: string) => void} log
 * @returns {Promise<{ markdown: string, json: object }>}
 */
export async function runNodeBench(volumes, opts, nib, log) {
  const gc = makeGc();
  const md = [];
  const json = { gunzip: {}, scale: {} };

  // Gunzip ---------------------------------------------------------------------------------
  const gunzipRows = [];
  for (const vol of volumes) {
    const gz = readFileSync(vol.gz);
    const gzU8 = u8(Buffer.from(gz)); // a plain, unshared copy for the JS/WASM decoders
    const size = isize(gz);
    const problems = {};
    {
      const ref = readFileSync(vol.nii);
      problems.fflate = firstMismatch(fflateGunzip(gzU8), ref);
      problems.zlib = firstMismatch(zlibGunzip(gz), ref);
      if (nib.gunzip) {
        try {
          problems.nibweb = firstMismatch(await nib.gunzip(gzU8), ref);
        } catch (err) {
          problems.nibweb = `threw ${err.name}: ${err.message}`;
        }
      }
    }
    const cases = [
      { id: 'zlib', run: () => { const t = now(); zlibGunzip(gz); return now() - t; } },
      { id: 'zlibIsize', run: () => { const t = now(); zlibGunzip(gz, { chunkSize: Math.max(64, size) }); return now() - t; } },
      { id: 'fflate', run: () => { const t = now(); fflateGunzip(gzU8); return now() - t; } },
    ];
    if (nib.gunzip && !problems.nibweb) {
      cases.unshift({ id: 'nibweb', run: async () => { const t = now(); await nib.gunzip(gzU8); return now() - t; } });
    }
    log(`node gunzip ${vol.name}: ${cases.map((c) => c.id).join(', ')}`);
    const r = await roundRobin(cases, { ...opts, between: gc });
    const nibCell = !nib.gunzip ? 'not available' : problemText(problems.nibweb) || cell(r.get('nibweb'), size);
    const nibMs = r.get('nibweb')?.median;
    gunzipRows.push([
      vol.label,
      nibCell,
      cell(r.get('zlib'), size),
      cell(r.get('zlibIsize'), size),
      cell(r.get('fflate'), size),
      ratio(nibMs, r.get('zlib').median),
      ratio(nibMs, r.get('zlibIsize').median),
      ratio(nibMs, r.get('fflate').median),
    ]);
    json.gunzip[vol.name] = { bytesOut: size, problems, ...Object.fromEntries(r) };
  }
  md.push('### Node: gunzip of .nii.gz (median ms · MB/s of output)\n');
  md.push(`nibweb: ${nib.gunzipFrom}. Ratios are nibweb time ÷ peer time (< 1: nibweb faster).\n`);
  md.push(table(
    ['volume', 'nibweb gunzip (WASM)', 'zlib gunzipSync', 'zlib gunzipSync chunkSize=ISIZE', 'fflate gunzipSync', '÷ zlib', '÷ zlib ISIZE', '÷ fflate'],
    gunzipRows,
  ));

  // Scaling ----------------------------------------------------------------------------------
  const scaleRows = [];
  for (const vol of volumes.filter((v) => v.dtype === 'int16')) {
    const nii = readFileSync(vol.nii);
    const n = vol.shape.reduce((a, b) => a * b, 1);
    const raw = new Int16Array(n);
    u8(Buffer.from(raw.buffer)).set(nii.subarray(352, 352 + 2 * n));
    const out = new Float32Array(n);
    const ref = new Float32Array(n);
    scaleJs(raw, ref, vol.slope, vol.inter);
    let job = null;
    let problem = nib.scaler ? '' : 'not available';
    if (nib.scaler) {
      try {
        job = await nib.scaler.prepare(raw, vol.slope, vol.inter);
        job.run();
        const bad = firstMismatch(job.output(), ref);
        if (bad) { problem = problemText(bad); job = null; }
      } catch (err) {
        problem = problemText(`threw ${err.message}`);
        job = null;
      }
    }
    const cases = [{ id: 'js', run: () => { const t = now(); scaleJs(raw, out, vol.slope, vol.inter); return now() - t; } }];
    if (job) cases.unshift({ id: 'wasm', run: () => { const t = now(); job.run(); return now() - t; } });
    log(`node scale ${vol.name}: ${cases.map((c) => c.id).join(', ')}`);
    const r = await roundRobin(cases, { ...opts, between: gc });
    scaleRows.push([
      vol.label,
      problem || cell(r.get('wasm'), n, 'Mvox/s'),
      cell(r.get('js'), n, 'Mvox/s'),
      ratio(r.get('wasm')?.median, r.get('js').median),
    ]);
    json.scale[vol.name] = { voxels: n, problem, ...Object.fromEntries(r) };
    job = null;
  }
  md.push('\n### Node: scaling int16 → float32 (raw × 2.5 − 10), median ms · Mvox/s\n');
  md.push(`nibweb: ${nib.scaler?.label ?? 'not available'}; input already in WASM memory, output preallocated; JS loop into a preallocated Float32Array.\n`);
  md.push(table(['volume', 'nibweb WASM', 'JS loop', '÷ JS'], scaleRows));
  return { markdown: md.join('\n'), json };
}
