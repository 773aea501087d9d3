/**
 * What the consumer apps check, shared by the Vite entry (main.ts) and the webpack one
 * (webpack/main.js), which differ only in how they get the fixture's URL from their bundler.
 * It uses nibweb exactly as an app that installed it would (`from 'nibweb'`, resolved to
 * node_modules/nibweb, unpacked from `npm pack` by run.mjs): it loads a small .nii.gz — so
 * the WebAssembly inflater and scaler must load from the consumer's own build — decodes it
 * again in a worker pool, and prints the shape and one voxel value into `#out`'s data set.
 */
import { createWorkerPool, load } from 'nibweb';

/**
 * Loads the fixture on the main thread and in a one-worker pool, and reports into `#out`.
 * @param {string | URL} fixtureUrl where the bundler put asym.nii.gz
 * @returns {Promise<void>} settles when `#out`'s `data-status` is `ok` or `error`
 */
export async function run(fixtureUrl) {
  // The voxel to print: `?voxel=i,j,k`, else the centre of the bright cube of asym.nii.gz.
  const index = (new URLSearchParams(location.search).get('voxel') ?? '18,20,22').split(',').map(Number);
  const out = /** @type {HTMLElement} */ (document.getElementById('out'));
  try {
    const res = await fetch(fixtureUrl);
    if (!res.ok) throw new Error(`fetching the fixture: HTTP ${res.status}`);
    const img = await load(new Uint8Array(await res.arrayBuffer()), { name: 'asym.nii.gz' });
    const data = await img.getFdata({ dtype: 'float32' });
    const value = data.get(...index);
    out.dataset.shape = img.shape.join(',');
    out.dataset.index = index.join(',');
    out.dataset.value = String(value);
    // The same decode in a worker (minBytes 0: even this small image goes there), so the
    // worker file must be part of the consumer's build too.
    const pool = createWorkerPool({ size: 1, minBytes: 0 });
    const inWorker = await load(new Uint8Array(await (await fetch(fixtureUrl)).arrayBuffer()), { name: 'asym.nii.gz', worker: pool });
    out.dataset.workerValue = String((await inWorker.getFdata({ dtype: 'float32' })).get(...index));
    out.dataset.workers = String(pool.started);
    pool.terminate();
    out.dataset.status = 'ok';
    out.textContent = `shape ${img.shape.join('×')}; value at [${index.join(', ')}] = ${value}`;
  } catch (err) {
    out.dataset.status = 'error';
    out.textContent = `failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    console.error(err);
  }
}
