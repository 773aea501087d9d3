#!/usr/bin/env node
/**
 * CPU profile of one case of the Chromium benchmark (not a test, not the benchmark suite):
 * where the time of, say, a File(.nii.gz) → float32 load goes, by function.
 *
 *   node scripts/profile-bench.mjs <case> <volume> [section]
 *   node scripts/profile-bench.mjs e2e:nibweb t1
 *   node scripts/profile-bench.mjs gunzip:nibweb fmri gunzip   # sections that need `prepare`
 *
 * Cases and sections are those of test/bench/bench-page.ts. The case runs five times
 * (printed), then once under the V8 sampler at 50 µs; the profile is written to
 * `node_modules/.cache/nibweb-bench/last.cpuprofile` (open it in Chrome DevTools) and the
 * top self times are printed with two callers each. WebAssembly functions show as
 * `wasm-function[i]` unless the module keeps its names: build one with
 * `npx asc wasm/index.ts --target release --debug` to see them (then rebuild).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureVolumes, cacheDir } from './bench/volumes.mjs';
import { openBenchPage, startVite, volSpec } from './bench/browser-bench.mjs';

const [caseId, volName, section] = process.argv.slice(2);
if (!caseId || !volName) {
  console.error('usage: node scripts/profile-bench.mjs <case> <volume> [section]');
  process.exit(2);
}
const root = process.cwd();
const { server, url } = await startVite(root);
const { chromiumPath, CHROMIUM_ARGS, freshUserDataDir } = await server.ssrLoadModule('/test/chromium.ts');
const { chromium } = await import('playwright');
const context = await chromium.launchPersistentContext(freshUserDataDir(), {
  executablePath: chromiumPath(),
  headless: true,
  args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
});
try {
  const volumes = ensureVolumes(root, () => {});
  const page = await openBenchPage(context, url, volumes.flatMap((v) => [v.gz, v.nii]), volumes.map(volSpec));
  if (section) await page.evaluate((s) => window.nibBench.prepare(s), section);
  const run = (i) => page.evaluate(([c, v, k]) => window.nibBench.run(c, v, k), [caseId, volName, i]);
  const times = [];
  for (let i = 0; i < 5; i++) {
    await page.evaluate(() => window.nibBench.gcNow());
    times.push(await run(i));
  }
  console.log(`runs: ${times.map((t) => t.toFixed(1)).join(' ')} ms`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await page.evaluate(() => window.nibBench.gcNow());
  await cdp.send('Profiler.start');
  const ms = await run(9);
  const { profile } = await cdp.send('Profiler.stop');
  const out = join(cacheDir(root), 'last.cpuprofile');
  writeFileSync(out, JSON.stringify(profile));
  console.log(`profiled run: ${ms.toFixed(1)} ms (profile: ${out}; includes the page.evaluate around it)`);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const chain = [];
    for (let q = id, d = 0; q !== undefined && d < 3; q = parent.get(q), d++) chain.push(label(byId.get(q)));
    const key = chain.join(' ← ');
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${v.toFixed(1).padStart(8)} ms  ${k}`);
} finally {
  await context.close();
  await server.close();
}
