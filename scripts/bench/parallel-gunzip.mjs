/**
 * Parallel gunzip in Chromium (issue 11): the fMRI .nii.gz (64×64×36×300 int16, 50 MB) through
 * `pool.gunzip` with 1, 2, … workers up to the cores present (the scaling curve): into a new
 * buffer, into the previous result (`into`: no fresh pages), with `shared: true` (the
 * page is cross-origin isolated), with both (every worker writes in place), and from the
 * compressed bytes already in shared memory (the decode without File reads); and
 * `getFdata({ dtype: 'float32' })` with a pool of 1 and of 2 (and pools with `shared: true`,
 * whose arrays stay in shared WebAssembly memory), against DecompressionStream on
 * the main thread; then the slowest and the median of 50 random 2-D slices read after such a
 * `getFdata` and `uncache()` (from the seek points the pass left; the main thread's pass, no
 * pass at all, and the file's bytes in memory instead of the File, for comparison). Debian's Chromium (test/chromium.ts) with a fresh user-data dir; the page
 * is test/bench/parallel.html on the bench's Vite server; cases round-robin (timing.mjs).
 *
 *   node scripts/bench/parallel-gunzip.mjs [--runs=N] [--warmup=N] [--volume=fmri|t1|mni] [--only=into,fdata]
 *
 * `--only` keeps the cases whose id starts with one of the given kinds (and skips the slice
 * table), for a quicker A/B of one change.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVite } from './browser-bench.mjs';
import { fmt, ratio, table } from './report.mjs';
import { roundRobin } from './timing.mjs';
import { ensureVolumes } from './volumes.mjs';

/**
 * Runs the table.
 * @param {string} root repository root
 * @param {{ gz: string, gzBytes: number, niiBytes: number, label?: string, name: string }} vol
 * @param {{ runs: number, warmup: number, only?: string[] }} opts
 * @returns {Promise<{ markdown: string, json: object }>}
 */
export async function runParallelGunzip(root, vol, opts) {
  const { server, url } = await startVite(root);
  const { chromiumPath, CHROMIUM_ARGS, freshUserDataDir } = await server.ssrLoadModule('/test/chromium.ts');
  const { chromium } = await import('playwright');
  const context = await chromium.launchPersistentContext(freshUserDataDir(), {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
  });
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    await page.goto(url + 'test/bench/parallel.html');
    await page.waitForFunction(() => window.nibParallel?.ready);
    await page.setInputFiles('#files', vol.gz);
    const cores = await page.evaluate(() => window.nibParallel.cores);
    const counts = Array.from({ length: Math.max(2, cores) }, (_, i) => i + 1);
    const problems = {};
    for (const n of counts) problems[n] = await page.evaluate((k) => window.nibParallel.check(k, false), n);
    for (const n of counts) problems[`s${n}`] = await page.evaluate((k) => window.nibParallel.check(k, true), n);
    // Each kind of pool.gunzip call: its case id prefix, its row label, and a check's verdict key.
    const kinds = [
      ['gunzip', 'pool.gunzip', ''],
      ['into', 'pool.gunzip into the last result', null],
      ['shared', 'pool.gunzip shared: true', 's'],
      ['sharedinto', 'pool.gunzip shared: true into the last result', null],
      ['memory', 'pool.gunzip of bytes in shared memory, in place', null],
      ['bytes', 'pool.gunzip of bytes in memory, into the last result', null],
    ];
    const ids = ['ds', ...kinds.flatMap(([kind]) => counts.map((n) => `${kind}:${n}`)), 'fdata:1', 'fdata:2', 'fdatashared:1', 'fdatashared:2']
      .filter((id) => !opts.only || opts.only.includes(id.split(':')[0]));
    const cases = ids.map((id) => ({ id, run: () => page.evaluate((c) => window.nibParallel.run(c), id) }));
    const r = await roundRobin(cases, { ...opts, between: () => page.evaluate(() => window.nibParallel.gc()) });
    const med = (id) => r.get(id)?.median;
    const rows = kinds.flatMap(([kind, label, check]) => counts.map((n) => {
      const ms = med(`${kind}:${n}`);
      const wrong = check === null ? '' : problems[`${check}${n}`];
      return [
        `${label}, ${n} worker${n > 1 ? 's' : ''}`,
        wrong ? `wrong: ${wrong}` : fmt(ms),
        fmt(vol.niiBytes / 1e6 / (ms / 1000)),
        n === 1 ? '1.00×' : `${(med(`${kind}:1`) / ms).toFixed(2)}×`,
        ratio(ms, med('ds')),
      ];
    }));
    rows.push(['DecompressionStream (main thread)', fmt(med('ds')), fmt(vol.niiBytes / 1e6 / (med('ds') / 1000)), '', '1.00']);
    rows.push(['getFdata float32, pool of 1', fmt(med('fdata:1')), '', '1.00×', '']);
    rows.push(['getFdata float32, pool of 2', fmt(med('fdata:2')), '', `${(med('fdata:1') / med('fdata:2')).toFixed(2)}×`, '']);
    rows.push(['getFdata float32, shared pool of 1 (kept in shared memory)', fmt(med('fdatashared:1')), '', Number.isFinite(med('fdata:1')) ? `${(med('fdata:1') / med('fdatashared:1')).toFixed(2)}× the plain pool` : '', '']);
    rows.push(['getFdata float32, shared pool of 2', fmt(med('fdatashared:2')), '', `${(med('fdatashared:1') / med('fdatashared:2')).toFixed(2)}×`, '']);
    // Slices after a pass: where the seek points come from (one run each; the median and the worst of 50).
    const sliceRows = [];
    for (const [n, label] of opts.only ? [] : [[-1, 'no pass before'], [0, 'after getFdata on the main thread'], [1, 'after getFdata in a pool of 1'], [2, 'after getFdata in a pool of 2'], [-2, 'the file\'s bytes in memory, after getFdata on the main thread']]) {
      const t = (await page.evaluate((k) => window.nibParallel.slices(k), n)).sort((a, b) => a - b);
      sliceRows.push([`50 random slices, ${label}`, fmt(t[24]), fmt(t[49])]);
    }
    const errors = [...r.entries()].filter(([, v]) => v.error).map(([k, v]) => `${k}: ${v.error}`);
    const markdown = [
      `### Parallel gunzip, Chromium (${vol.name}: ${fmt(vol.gzBytes / 1e6)} MB → ${fmt(vol.niiBytes / 1e6)} MB; ${cores} cores; median of ${opts.runs} after ${opts.warmup} warm-up)`,
      '',
      table(['case', 'ms', 'MB/s', 'speed-up vs 1 worker', '÷ DecompressionStream'], rows.filter((row) => row[1] !== '–')),
      ...(sliceRows.length ? ['', table(['2-D slices [:, :, k, t] after uncache()', 'median ms', 'slowest ms'], sliceRows)] : []),
      ...(errors.length ? ['', `errors: ${errors.join('; ')}`] : []),
    ].join('\n');
    return { markdown, json: Object.fromEntries([...r.entries()].map(([k, v]) => [k, v.samples])) };
  } finally {
    await context.close();
    await server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const vol = ensureVolumes(root, (m) => process.stderr.write(`${m}\n`)).find((v) => v.name === arg('volume', 'fmri'));
  const only = arg('only', '');
  const r = await runParallelGunzip(root, vol, { runs: Number(arg('runs', 7)), warmup: Number(arg('warmup', 2)), only: only ? only.split(',') : undefined });
  process.stdout.write(`${r.markdown}\n`);
}
