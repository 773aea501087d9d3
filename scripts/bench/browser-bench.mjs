/**
 * The Chromium section of `npm run bench`: Debian's Chromium (test/chromium.ts, never a
 * downloaded browser) driven by Playwright with a fresh user-data dir, the bench page
 * (test/bench/index.html) served by a Vite dev server on 127.0.0.1 with cross-origin
 * isolation (5 µs timers), the volumes handed to the page as disk-backed Files through
 * `page.setInputFiles`.
 *
 * Tables: (a) gunzip — nibweb vs DecompressionStream vs fflate; (b) int16 → float32
 * scaling — WASM vs JS loop; (c) File(.nii.gz) → float32 end to end — nibweb
 * `load` + `getFdata` vs the lean DecompressionStream pipeline; (d) renderer peak RSS of (c),
 * one fresh page per measurement; (e) one 2D slice of the .nii through the proxy vs a raw
 * `file.slice().arrayBuffer()`. Timed cases run round-robin inside one page; each call
 * returns the page's own measurement.
 */
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { roundRobin, median } from './timing.mjs';
import { cell, fmt, problemText, ratio, table } from './report.mjs';
import { peakDelta, rendererPids, resetPeaks } from './proc-mem.mjs';

const PAGE = 'test/bench/index.html';

/** A volume as the bench page wants it (file names, not paths). */
export function volSpec(v) {
  return { name: v.name, gzName: basename(v.gz), niiName: basename(v.nii), mgzName: v.mgz ? basename(v.mgz) : undefined, shape: v.shape, dtype: v.dtype, slope: v.slope, inter: v.inter };
}

/** The Vite dev server that serves the bench page (also used by scripts/profile-bench.mjs). */
export async function startVite(root) {
  const { createServer } = await import('vite');
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'warn',
    clearScreen: false,
    server: {
      host: '127.0.0.1',
      port: 0,
      hmr: false,
      watch: null,
      // Cross-origin isolation gives the page 5 µs timers instead of 100 µs.
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    },
    // Pre-bundle fflate at start-up and discover nothing later: a late discovery reloads the page.
    optimizeDeps: { include: ['fflate'], noDiscovery: true },
    cacheDir: join(root, 'node_modules', '.cache', 'nibweb-bench', 'vite'),
  });
  await server.listen();
  const addr = server.httpServer.address();
  return { server, url: `http://127.0.0.1:${addr.port}/` };
}

/** Opens the bench page with the volumes' files given to its input. */
export async function openBenchPage(context, url, files, vols) {
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
  await page.goto(url + PAGE);
  await page.evaluate(() => window.nibBenchReady);
  await page.setInputFiles('#files', files);
  await page.evaluate((v) => window.nibBench.setVolumes(v), vols);
  return page;
}

/** Runs cases in the page round-robin. */
function pageCases(page, vol, ids) {
  return ids.map((id) => ({
    id,
    run: (iter) => page.evaluate(([c, v, i]) => window.nibBench.run(c, v, i), [id, vol, iter]),
  }));
}

const gcPage = (page) => () => page.evaluate(() => window.nibBench.gcNow());

/**
 * Runs the Chromium tables.
 * @param {string} root repository root
 * @param {Array<object>} volumes from `ensureVolumes`
 * @param {{ warmup: number, runs: number, memReps: number }} opts
 * @param {(s: string) => void} log
 * @returns {Promise<{ markdown: string, json: object, env: object }>}
 */
export async function runBrowserBench(root, volumes, opts, log) {
  const { server, url } = await startVite(root);
  const { chromiumPath, CHROMIUM_ARGS, freshUserDataDir } = await server.ssrLoadModule('/test/chromium.ts');
  const { chromium } = await import('playwright');
  const exe = chromiumPath();
  const userDataDir = freshUserDataDir();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: exe,
    headless: true,
    // gc() for a clean start of every case; no spare renderer, so a new page gets its own process.
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--disable-features=SpareRendererForSitePerProcess'],
  });
  const md = [];
  const json = {};
  const env = { chromium: execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim() };
  const vols = volumes.map(volSpec);
  const allFiles = volumes.flatMap((v) => (v.mgz ? [v.gz, v.nii, v.mgz] : [v.gz, v.nii]));
  try {
    let page = await openBenchPage(context, url, allFiles, vols);
    const info = await page.evaluate(() => window.nibBench.info());
    Object.assign(env, { userAgent: info.userAgent, crossOriginIsolated: info.crossOriginIsolated, timerResolutionMs: info.timerResolutionMs, gcExposed: info.gc });
    json.nibweb = info.nibweb;
    for (const p of info.nibweb.problems) log(`nibweb import problem: ${p}`);
    const run = (v, ids) => roundRobin(pageCases(page, v, ids), { ...opts, between: gcPage(page) });

    // (a) gunzip -------------------------------------------------------------------------
    await page.evaluate(() => window.nibBench.prepare('gunzip'));
    const gRows = [];
    json.gunzip = {};
    for (const v of volumes) {
      const bad = await page.evaluate((n) => window.nibBench.verify('gunzip', n), v.name);
      const ids = ['gunzip:ds', 'gunzip:fflate'];
      const nibOk = info.nibweb.gunzip !== 'not available' && !bad.nibweb;
      if (nibOk) ids.unshift('gunzip:nibweb');
      log(`chromium gunzip ${v.name}: ${ids.join(', ')}`);
      const r = await run(v.name, ids);
      const nibMs = r.get('gunzip:nibweb')?.median;
      gRows.push([
        v.label,
        info.nibweb.gunzip === 'not available' ? 'not available' : problemText(bad.nibweb) || cell(r.get('gunzip:nibweb'), v.niiBytes),
        problemText(bad.ds) || cell(r.get('gunzip:ds'), v.niiBytes),
        problemText(bad.fflate) || cell(r.get('gunzip:fflate'), v.niiBytes),
        ratio(nibMs, r.get('gunzip:ds').median),
        ratio(nibMs, r.get('gunzip:fflate').median),
      ]);
      json.gunzip[v.name] = { verify: bad, ...Object.fromEntries(r) };
    }
    await page.evaluate(() => window.nibBench.release());
    md.push('### Chromium (a): gunzip of .nii.gz already in memory (median ms · MB/s of output)\n');
    md.push(`nibweb: ${info.nibweb.gunzip}. DecompressionStream: one write() of the whole input, chunks copied into a buffer preallocated from ISIZE. Ratios: nibweb time ÷ peer time.\n`);
    md.push(table(['volume', 'nibweb gunzip (WASM)', 'DecompressionStream', 'fflate gunzipSync', '÷ DS', '÷ fflate'], gRows));

    // (b) scaling ------------------------------------------------------------------------
    const notes = await page.evaluate(() => window.nibBench.prepare('scale'));
    const sRows = [];
    json.scale = {};
    for (const v of volumes.filter((x) => x.dtype === 'int16')) {
      const n = v.shape.reduce((a, b) => a * b, 1);
      const bad = await page.evaluate((name) => window.nibBench.verify('scale', name), v.name);
      const wasmOk = info.nibweb.scaler !== 'not available' && !notes[v.name] && !bad.wasm;
      const ids = wasmOk ? ['scale:wasm', 'scale:js'] : ['scale:js'];
      log(`chromium scale ${v.name}: ${ids.join(', ')}`);
      const r = await run(v.name, ids);
      const wasmCell = info.nibweb.scaler === 'not available' ? 'not available'
        : notes[v.name] ? `not available (${notes[v.name].slice(0, 60)})`
        : problemText(bad.wasm) || cell(r.get('scale:wasm'), n, 'Mvox/s');
      sRows.push([v.label, wasmCell, cell(r.get('scale:js'), n, 'Mvox/s'), ratio(r.get('scale:wasm')?.median, r.get('scale:js').median)]);
      json.scale[v.name] = { voxels: n, verify: bad, note: notes[v.name], ...Object.fromEntries(r) };
    }
    await page.evaluate(() => window.nibBench.release());
    md.push('\n### Chromium (b): scaling int16 → float32 (raw × 2.5 − 10), median ms · Mvox/s\n');
    md.push(`nibweb: ${info.nibweb.scaler}; input already in WASM memory, output preallocated. JS: loop into a preallocated Float32Array.\n`);
    md.push(table(['volume', 'nibweb WASM', 'JS loop', '÷ JS'], sRows));

    // (c) end to end -----------------------------------------------------------------------
    const eRows = [];
    json.e2e = {};
    for (const v of volumes) {
      const bad = info.nibweb.load ? await page.evaluate((name) => window.nibBench.verify('e2e', name), v.name) : {};
      const nibOk = info.nibweb.load && !bad.nibweb;
      const ids = nibOk ? ['e2e:nibweb', 'e2e:lean'] : ['e2e:lean'];
      log(`chromium e2e ${v.name}: ${ids.join(', ')}`);
      const r = await run(v.name, ids);
      const out = v.shape.reduce((a, b) => a * b, 1) * 4;
      const nibMs = r.get('e2e:nibweb')?.median;
      const target = Number.isFinite(nibMs) ? (nibMs / r.get('e2e:lean').median <= 0.6 ? 'yes' : 'no') : '–';
      eRows.push([
        v.label,
        !info.nibweb.load ? 'not available' : problemText(bad.nibweb) || cell(r.get('e2e:nibweb'), out),
        cell(r.get('e2e:lean'), out),
        ratio(nibMs, r.get('e2e:lean').median),
        target,
      ]);
      json.e2e[v.name] = { outBytes: out, verify: bad, ...Object.fromEntries(r) };
    }
    // The same T1 voxels as a .mgz: nibweb's MGH load against the lean pipeline with a byte swap.
    for (const v of volumes.filter((x) => x.mgz)) {
      const bad = await page.evaluate((name) => window.nibBench.verify('e2e-mgz', name), v.name);
      const nibOk = info.nibweb.load && !bad.nibweb && !bad.lean;
      const ids = nibOk ? ['e2e:nibweb-mgz', 'e2e:lean-mgz'] : ['e2e:lean-mgz'];
      log(`chromium e2e ${v.name}.mgz: ${ids.join(', ')} (checksum nibweb ${bad.checksumNibweb ?? '–'}, lean ${bad.checksumLean})`);
      const r = await run(v.name, ids);
      const out = v.shape.reduce((a, b) => a * b, 1) * 4;
      const nibMs = r.get('e2e:nibweb-mgz')?.median;
      const leanMs = r.get('e2e:lean-mgz').median;
      eRows.push([
        `${v.label} .mgz`,
        !info.nibweb.load ? 'not available' : problemText(bad.nibweb) || cell(r.get('e2e:nibweb-mgz'), out),
        problemText(bad.lean) || cell(r.get('e2e:lean-mgz'), out),
        ratio(nibMs, leanMs),
        Number.isFinite(nibMs) ? (nibMs / leanMs <= 0.6 ? 'yes' : 'no') : '–',
      ]);
      json.e2e[`${v.name}.mgz`] = { outBytes: out, verify: bad, ...Object.fromEntries(r) };
    }
    md.push('\n### Chromium (c): File(.nii.gz, and the T1 as .mgz) → float32 array, end to end (median ms · MB/s of float32 output)\n');
    md.push(`nibweb (${info.nibweb.loadFrom}): \`(await load(file)).getFdata({ dtype: 'float32' })\`, a fresh load every run` + ', `img.uncache()` after (outside the clock). ' +
      'Lean: File.stream() → DecompressionStream → buffer preallocated from ISIZE → typed view at vox_offset → JS scaling loop into a new Float32Array (float32 with slope 1: the view itself). ' +
      '.mgz row: the same T1 raw int16 voxels as MGH (no scaling, so values differ from the .nii.gz row by scl_slope/inter); lean = the same DecompressionStream steps, then one JS loop byte-swapping the big-endian int16 at offset 284 into a new Float32Array. Checked before timing: nibweb\'s output equals the lean output element-wise (and by checksum), and the lean output equals the .nii\'s raw int16.\n');
    md.push(table(['volume', 'nibweb load + getFdata', 'lean DecompressionStream', 'nibweb ÷ lean', '≤ 0.6×?'], eRows));

    // (e) slices ---------------------------------------------------------------------------
    const slNotes = info.nibweb.load ? await page.evaluate(() => window.nibBench.prepare('slice')) : {};
    const lRows = [];
    json.slice = {};
    for (const v of volumes) {
      const bad = info.nibweb.load && !slNotes[v.name] ? await page.evaluate((name) => window.nibBench.verify('slice', name), v.name) : {};
      const nibOk = info.nibweb.load && !slNotes[v.name] && !bad.nibweb;
      const ids = nibOk ? ['slice:nibweb', 'slice:raw'] : ['slice:raw'];
      log(`chromium slice ${v.name}: ${ids.join(', ')}`);
      const r = await run(v.name, ids);
      const nibMs = r.get('slice:nibweb')?.median;
      const bytes = v.shape[0] * v.shape[1] * (v.dtype === 'int16' ? 2 : 4);
      lRows.push([
        v.label,
        !info.nibweb.load ? 'not available' : slNotes[v.name] ? `load failed (${slNotes[v.name].slice(0, 60)})` : problemText(bad.nibweb) || cell(r.get('slice:nibweb')),
        cell(r.get('slice:raw')),
        `${fmt(bytes / 1024)} KiB`,
        ratio(nibMs, r.get('slice:raw').median),
        Number.isFinite(nibMs) ? (nibMs / r.get('slice:raw').median <= 1.5 ? 'yes' : 'no') : '–',
      ]);
      json.slice[v.name] = { bytes, verify: bad, note: slNotes[v.name], ...Object.fromEntries(r) };
    }
    await page.evaluate(() => window.nibBench.release());
    md.push('\n### Chromium (e): one 2D axial slice of the uncompressed .nii (median ms)\n');
    md.push(`nibweb (${info.nibweb.loadFrom}): ` + '`img.dataobj.get([null, null, k])` (fMRI: `[null, null, k, t]`) on an image loaded once; raw: `file.slice(a, b).arrayBuffer()` of one slice. Every run and case reads a different slice (k steps by 37, t by 13), so the 64 KiB block cache of nibweb never already holds it.\n');
    md.push(table(['volume', 'nibweb proxy slice', 'raw File.slice', 'slice size', 'nibweb ÷ raw', '≤ 1.5×?'], lRows));
    await page.close();
    page = null;

    // (d) peak memory, one fresh page per measurement ---------------------------------------
    const pipelines = info.nibweb.load ? ['mem:nibweb', 'mem:lean'] : ['mem:lean'];
    const mem = new Map();
    for (let rep = 0; rep < opts.memReps; rep++) {
      for (const v of volumes) {
        for (const id of pipelines) {
          const p = await openBenchPage(context, url, [v.gz], vols);
          await p.evaluate(() => window.nibBench.gcNow());
          await sleep(100);
          const base = resetPeaks(rendererPids(userDataDir));
          let entry;
          try {
            const ms = await p.evaluate(([c, n]) => window.nibBench.run(c, n, 0), [id, v.name]);
            entry = { ms, ...peakDelta(base) };
            if (!Number.isFinite(entry.delta)) entry = { error: 'no renderer process of ours found in /proc' };
          } catch (err) {
            entry = { error: err.message };
          }
          await p.close();
          const key = `${v.name}|${id}`;
          if (!mem.has(key)) mem.set(key, []);
          mem.get(key).push(entry);
          log(`chromium memory ${v.name} ${id} #${rep + 1}: ${entry.error ?? `${fmt(entry.delta / 1e6)} MB (pid ${entry.pid}), ${fmt(entry.ms)} ms`}`);
        }
      }
    }
    const mRows = [];
    json.memory = {};
    for (const v of volumes) {
      const out = v.shape.reduce((a, b) => a * b, 1) * 4;
      const denom = out + v.gzBytes;
      for (const id of ['mem:nibweb', 'mem:lean']) {
        const entries = mem.get(`${v.name}|${id}`);
        const name = id === 'mem:nibweb' ? 'nibweb load + getFdata' : 'lean DecompressionStream';
        if (!entries) {
          mRows.push([v.label, name, 'not available', fmt(denom / 1e6), '–', '–', '–']);
          continue;
        }
        const ok = entries.filter((e) => !e.error);
        const peak = median(ok.map((e) => e.delta));
        const perUnit = peak / denom;
        mRows.push([
          v.label,
          name,
          ok.length ? fmt(peak / 1e6) : `failed (${entries[0].error.slice(0, 60)})`,
          fmt(denom / 1e6),
          ok.length ? `${perUnit.toFixed(2)}×` : '–',
          ok.length && id === 'mem:nibweb' ? (perUnit <= 1.25 ? 'yes' : 'no') : '–',
          ok.length ? fmt(median(ok.map((e) => e.ms))) : '–',
        ]);
        json.memory[`${v.name}:${id}`] = { denomBytes: denom, entries };
      }
    }
    md.push(`\n### Chromium (d): renderer peak RSS of (c), one fresh page per measurement (median of ${opts.memReps})\n`);
    md.push('Peak = VmHWM − VmRSS of the renderer, after `echo 5 > /proc/PID/clear_refs` and a forced GC just before the run; the result stays referenced until the peak is read. ' +
      'Denominator: float32 output bytes + compressed file size. Time column: that single run in a fresh page (page faults of first touch included; the WASM module is compiled at page load, before it).\n');
    md.push(table(['volume', 'pipeline', 'peak RSS Δ MB', 'output + .gz MB', 'peak ÷ (output + .gz)', '≤ 1.25?', 'fresh-page run ms'], mRows));
  } finally {
    await context.close();
    await server.close();
  }
  return { markdown: md.join('\n'), json, env };
}
