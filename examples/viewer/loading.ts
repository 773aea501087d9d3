/**
 * The viewer's loading: a drop or a pick → `groupFiles` (one group per file or .hdr+.img
 * pair, with SPM's .mat) → `loadFiles` for each group in turn → the header at once →
 * `getFdata({ dtype: 'float32' })`, decoded in a decode worker (`worker: true`) → the display
 * window → the views. Each group loads on its own, with its own list entry and progress, so
 * one bad file shows its error and the rest still load. Also the bundled sample, fetched and
 * loaded as if dropped, and per-volume reading of big 4-D images.
 *
 * Main-thread budget (issue 11: no task over 50 ms from the choice of the benchmark fMRI run,
 * 64×64×36×300 int16 .nii.gz, until its views show). The decode runs in the worker; the page's
 * own steps each get a task:
 * - the header table, after the loader's task that read and parsed the header;
 * - when the array arrives, the task that delivered it ends first; the window's sample is then
 *   gathered in pieces and its percentiles taken (`autoWindowAsync`);
 * - the views are drawn, then the panels updated (the header table, already shown, is kept).
 * Progress is shown a few times a second, not on every report (each change is a layout and
 * paint of the page). No step copies or converts the array: it arrives as float32 and the
 * views read it where it is.
 *
 * A 4-D image whose float32 copy would pass `wholeMax` bytes (512 MiB; `?wholeMax=N` in the
 * page URL overrides it) is read one volume at a time through
 * `img.dataobj.getScaled([null, null, null, t], { dtype: 'float32' })` (the values
 * `getFdata` gives, one volume's bytes read), so that a long fMRI run shows its first volume
 * at once and never needs the whole series in memory; the last few volumes are kept.
 */
import { groupFiles, loadFiles, type FileGroup, type LoadedImage, type NDArray } from '../../src/index.js';
import { describeError, isAbort } from './files.js';
import { state, showStatus, type Entry, type Volume } from './page.js';
import { renderList, select, selectPanels, setProgress, showError, showProgress } from './panels.js';
import { render } from './views.js';
import { autoWindowAsync } from './windowing.js';
import { yieldToMain } from './yield.js';

let nextId = 1;
/** Aborts what is loading and queued; replaced after each Cancel. */
let controller = new AbortController();
/** Drops load one after another, in the order they came. */
let queue: Promise<void> = Promise.resolve();
/** Groups loading or waiting. */
let pending = 0;
/** Above this many bytes of float32, 4-D images are read one volume at a time. */
const wholeMax = Number(new URLSearchParams(location.search).get('wholeMax') ?? 512 * 2 ** 20);
const FRAMES_KEPT = 4;
/** Least time (ms) between two progress updates on screen. */
const PROGRESS_INTERVAL = 200;

/**
 * Loads a drop: each group in turn, each shown as soon as its header is read. Drops made
 * while another is loading wait their turn (a second drop must not cancel the first);
 * Cancel aborts everything loading or waiting.
 * @param files the files dropped or picked
 * @returns a promise that settles when this drop (and those before it) are done
 */
export function loadDrop(files: File[]): Promise<void> {
  const groups = groupFiles(files);
  if (groups.length === 0) return queue;
  const signal = controller.signal;
  pending += groups.length;
  showProgress(true);
  const run = async (): Promise<void> => {
    for (const [n, group] of groups.entries()) {
      const prefix = groups.length > 1 ? `(${n + 1}/${groups.length}) ` : '';
      try {
        if (!signal.aborted) await loadGroup(group, signal, prefix);
      } finally {
        pending--;
      }
    }
    if (pending === 0) showProgress(false);
  };
  queue = queue.then(run, run);
  return queue;
}

/** Aborts every load running or waiting (the Cancel button). */
export function cancelLoads(): void {
  controller.abort();
  controller = new AbortController();
}

async function loadGroup(group: FileGroup, signal: AbortSignal, prefix: string): Promise<void> {
  const { name } = group;
  const entry: Entry = { id: nextId++, name, status: 'loading', cursor: [0, 0, 0], volumeIndex: 0 };
  state.entries.push(entry);
  renderList();
  // The loader reports compressed bytes consumed, while reading the header and again while
  // decoding the voxels (gzip sources keep the callback): on a big file, dozens of times a
  // second. Each change of the label is a layout and paint of the page on the main thread,
  // so it is shown at most every PROGRESS_INTERVAL ms.
  let phase = 'Reading';
  let shownAt = Number.NEGATIVE_INFINITY;
  const onProgress = ({ loaded, total }: { loaded: number; total: number }): void => {
    const now = performance.now();
    if (now - shownAt < PROGRESS_INTERVAL) return;
    shownAt = now;
    setProgress(`${prefix}${phase} ${name}`, total > 0 ? loaded / total : undefined);
  };
  try {
    setProgress(`${prefix}${phase} ${name}`, undefined);
    // One group is one image: loadFiles either gives it or throws what is wrong with it.
    // `worker`: the whole-volume decode (gunzip, scaling) runs in a decode worker, so the page
    // stays responsive while a large file decodes.
    const [img] = await loadFiles(group.files, { signal, onProgress, worker: typeof Worker === 'function' });
    entry.img = img;
    // The header table in a task after the loader's own (reading and parsing the header).
    await yieldToMain();
    select(entry); // header first, while the voxels decode
    phase = 'Decoding';
    setProgress(`${prefix}${phase} ${name}`, undefined);
    shownAt = Number.NEGATIVE_INFINITY;
    const voxels = img.shape.reduce((a, b) => a * b, 1);
    let vol: Volume;
    if (img.shape.length > 3 && img.shape[3] > 1 && voxels * 4 > wholeMax) {
      entry.frames = new Map();
      vol = await readFrame(entry.frames, img, 0, signal);
    } else {
      vol = float32(await img.getFdata({ dtype: 'float32', signal }));
    }
    // From here on the work is the page's, on the main thread: let the task that delivered
    // the array end, take the window in pieces, then draw the views and update the panels,
    // each in a task of its own.
    await yieldToMain();
    const win = await autoWindowAsync(vol.data, { signal });
    await yieldToMain();
    signal.throwIfAborted();
    entry.vol = vol;
    entry.window = win;
    entry.cursor = img.shape.slice(0, 3).map((n) => Math.floor((n - 1) / 2));
    while (entry.cursor.length < 3) entry.cursor.push(0);
    entry.status = 'ready';
    if (state.active === entry || state.active === undefined) {
      // The views (and readout) first, then the panels: the list says ready once the views
      // are drawn. Another image picked in between stays shown.
      state.active = entry;
      render();
      await yieldToMain();
      if (state.active === entry) selectPanels(entry);
      else renderList();
    } else {
      renderList();
    }
  } catch (err) {
    if (isAbort(err)) {
      state.entries.splice(state.entries.indexOf(entry), 1);
      if (state.active === entry) state.active = undefined;
      renderList();
      render();
      showStatus(`Loading of ${name} cancelled.`);
      return;
    }
    entry.status = 'failed';
    entry.error = describeError(err, name);
    entry.vol = undefined;
    showError(entry.error);
    if (state.active === entry) select(entry);
    else renderList();
    console.error(err);
  }
}

function isFloat32(arr: NDArray): arr is Volume {
  return arr.data instanceof Float32Array;
}

/**
 * The float32 array `getFdata`/`getScaled` return for `dtype: 'float32'`, typed as such.
 * @throws {TypeError} if the library ever gave another element type (a bug, not bad input)
 */
function float32(arr: NDArray): Volume {
  if (isFloat32(arr)) return arr;
  throw new TypeError(`expected float32 data, got ${arr.dtype}`);
}

/**
 * Per-volume mode: volume `t` of `img` as float32, read through the proxy; `frames` keeps the
 * last few read, most recent last.
 * @param frames the volumes read so far (updated)
 * @param img the image
 * @param t index along the 4th axis
 * @param signal aborts the read
 * @returns the volume
 * @throws whatever the read throws (an `AbortError` when `signal` is aborted)
 */
export async function readFrame(frames: Map<number, Volume>, img: LoadedImage, t: number, signal?: AbortSignal): Promise<Volume> {
  const have = frames.get(t);
  if (have) {
    frames.delete(t);
    frames.set(t, have);
    return have;
  }
  const index = img.shape.map((_, ax) => (ax < 3 ? null : ax === 3 ? t : 0));
  const vol = float32(await img.dataobj.getScaled(index, { dtype: 'float32', signal }));
  frames.set(t, vol);
  for (const old of frames.keys()) {
    if (frames.size <= FRAMES_KEPT) break;
    frames.delete(old);
  }
  return vol;
}

/** Fetches the bundled sample and loads it as if it had been dropped. */
export async function loadSample(): Promise<void> {
  const url = new URL('../sample.nii.gz', document.baseURI);
  try {
    setProgress('Fetching sample.nii.gz', undefined);
    showProgress(true);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${url.pathname}`);
    const blob = await res.blob();
    await loadDrop([new File([blob], 'sample.nii.gz')]);
  } catch (err) {
    if (pending === 0) showProgress(false);
    showError(describeError(err, 'sample.nii.gz'));
  }
}
