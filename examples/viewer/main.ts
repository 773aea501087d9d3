/**
 * nibweb viewer: the page. Drop or pick files → `groupFiles` (one group per file or
 * .hdr+.img pair, with SPM's .mat) → `loadFiles` for each group → header table at once →
 * `getFdata({ dtype: 'float32' })` (decoded in a worker: `worker: true`) → three orthogonal views with a crosshair, a readout
 * (voxel, RAS mm by `applyAffine`, value), a 4th-dimension slider and window controls. On
 * start it loads the bundled sample.
 *
 * Everything comes from the library's public entry (src/index.ts). The geometry, windowing,
 * header rows and error reports live in pure modules (slices.ts, windowing.ts, header-table.ts,
 * files.ts) tested in Node; this file only wires them to the DOM. Each group loads on its own,
 * with its own list entry and progress, so one bad file shows its error and the rest still load.
 *
 * A 4-D image whose float32 copy would pass `wholeMax` bytes (512 MiB; `?wholeMax=N` in the
 * page URL overrides it) is read one volume at a time through
 * `img.dataobj.getScaled([null, null, null, t], { dtype: 'float32' })` (the values
 * `getFdata` gives, one volume's bytes read), so that a long fMRI run shows its first volume
 * at once and never needs the whole series in memory; the last few volumes are kept.
 */
import { applyAffine, groupFiles, loadFiles, type FileGroup, type LoadedImage, type NDArray } from '../../src/index.js';
import { ACCEPTED_EXTENSIONS, describeError, isAbort, type ErrorReport } from './files.js';
import { fmt, headerRows } from './header-table.js';
import { VIEWS, extractSlice, screenToVoxel, viewGeometry, voxelToScreen, type Slice, type ViewGeometry, type ViewName } from './slices.js';
import { autoWindow, sliceToRgba, type DisplayWindow } from './windowing.js';

/** A float32 array as the library returns it: what the views are drawn from. */
type Volume = NDArray<Float32Array>;

/** One entry of the image list. */
interface Entry {
  id: number;
  name: string;
  status: 'loading' | 'ready' | 'failed';
  img?: LoadedImage;
  /** What is shown: the whole array, or (per-volume mode) the current 3-D volume. */
  vol?: Volume;
  /** Per-volume mode: volumes read so far (a few, most recent last). */
  frames?: Map<number, Volume>;
  cursor: number[];
  volumeIndex: number;
  window?: DisplayWindow;
  error?: ErrorReport;
}

const $ = <T extends Element>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
};

const dom = {
  drop: $<HTMLElement>('#drop'),
  input: $<HTMLInputElement>('#file-input'),
  progress: $<HTMLElement>('#progress'),
  progressBar: $<HTMLProgressElement>('#progress-bar'),
  progressLabel: $<HTMLElement>('#progress-label'),
  cancel: $<HTMLButtonElement>('#cancel'),
  errors: $<HTMLElement>('#errors'),
  list: $<HTMLUListElement>('#image-list'),
  header: $<HTMLTableSectionElement>('#header-table tbody'),
  voxel: $<HTMLElement>('#readout-voxel'),
  world: $<HTMLElement>('#readout-world'),
  value: $<HTMLElement>('#readout-value'),
  volumeControl: $<HTMLElement>('#volume-control'),
  volume: $<HTMLInputElement>('#volume'),
  volumeOut: $<HTMLOutputElement>('#volume-out'),
  winMin: $<HTMLInputElement>('#win-min'),
  winMax: $<HTMLInputElement>('#win-max'),
  winAuto: $<HTMLButtonElement>('#win-auto'),
  radiological: $<HTMLInputElement>('#radiological'),
  status: $<HTMLElement>('#status'),
};

const views = new Map<ViewName, { figure: HTMLElement; canvas: HTMLCanvasElement; geom?: ViewGeometry; slice?: Slice }>();
for (const name of VIEWS) {
  const figure = $<HTMLElement>(`.view[data-view="${name}"]`);
  views.set(name, { figure, canvas: figure.querySelector('canvas') as HTMLCanvasElement });
}

const entries: Entry[] = [];
let active: Entry | undefined;
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

dom.input.accept = ACCEPTED_EXTENSIONS.join(',');

// ---- loading ----

/**
 * Loads a drop: each group in turn, each shown as soon as its header is read. Drops made
 * while another is loading wait their turn (a second drop must not cancel the first);
 * Cancel aborts everything loading or waiting.
 */
function loadDrop(files: File[]): Promise<void> {
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

async function loadGroup(group: FileGroup, signal: AbortSignal, prefix: string): Promise<void> {
  const { name } = group;
  const entry: Entry = { id: nextId++, name, status: 'loading', cursor: [0, 0, 0], volumeIndex: 0 };
  entries.push(entry);
  renderList();
  // The loader reports compressed bytes consumed, while reading the header and again while
  // decoding the voxels (gzip sources keep the callback).
  let phase = 'Reading';
  const onProgress = ({ loaded, total }: { loaded: number; total: number }): void => {
    setProgress(`${prefix}${phase} ${name}`, total > 0 ? loaded / total : undefined);
  };
  try {
    setProgress(`${prefix}${phase} ${name}`, undefined);
    // One group is one image: loadFiles either gives it or throws what is wrong with it.
    // `worker`: the whole-volume decode (gunzip, scaling) runs in a decode worker, so the page
    // stays responsive while a large file decodes.
    const [img] = await loadFiles(group.files, { signal, onProgress, worker: typeof Worker === 'function' });
    entry.img = img;
    select(entry); // header first, while the voxels decode
    phase = 'Decoding';
    setProgress(`${prefix}${phase} ${name}`, undefined);
    const voxels = img.shape.reduce((a, b) => a * b, 1);
    let vol: Volume;
    if (img.shape.length > 3 && img.shape[3] > 1 && voxels * 4 > wholeMax) {
      entry.frames = new Map();
      vol = await readFrame(entry.frames, img, 0, signal);
    } else {
      vol = float32(await img.getFdata({ dtype: 'float32', signal }));
    }
    entry.vol = vol;
    entry.window = autoWindow(vol.data);
    entry.cursor = img.shape.slice(0, 3).map((n) => Math.floor((n - 1) / 2));
    while (entry.cursor.length < 3) entry.cursor.push(0);
    entry.status = 'ready';
    if (active === entry || active === undefined) select(entry);
    else renderList();
  } catch (err) {
    if (isAbort(err)) {
      entries.splice(entries.indexOf(entry), 1);
      if (active === entry) active = undefined;
      renderList();
      render();
      showStatus(`Loading of ${name} cancelled.`);
      return;
    }
    entry.status = 'failed';
    entry.error = describeError(err, name);
    entry.vol = undefined;
    showError(entry.error);
    if (active === entry) select(entry);
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
 */
async function readFrame(frames: Map<number, Volume>, img: LoadedImage, t: number, signal?: AbortSignal): Promise<Volume> {
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
async function loadSample(): Promise<void> {
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

// ---- progress, errors, status ----

function showProgress(on: boolean): void {
  dom.progress.hidden = !on;
}

function setProgress(label: string, fraction: number | undefined): void {
  dom.progressLabel.textContent = fraction === undefined ? `${label}…` : `${label}… ${Math.round(fraction * 100)}%`;
  if (fraction === undefined) dom.progressBar.removeAttribute('value');
  else dom.progressBar.value = fraction;
}

function showError(e: ErrorReport): void {
  const box = document.createElement('div');
  box.className = 'error';
  box.dataset.file = e.file;
  if (e.code) box.dataset.code = e.code;
  const file = document.createElement('span');
  file.className = 'file';
  file.textContent = e.file;
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.setAttribute('aria-label', `Dismiss the error about ${e.file}`);
  close.addEventListener('click', () => box.remove());
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = e.code ? `${e.kind} · ${e.code}` : e.kind;
  const message = document.createElement('span');
  message.className = 'message';
  message.textContent = e.message;
  box.append(file, close, kind, message);
  dom.errors.append(box);
}

function showStatus(text: string): void {
  dom.status.textContent = text;
}

// ---- list and header ----

function select(entry: Entry): void {
  active = entry;
  renderList();
  renderHeader();
  syncControls();
  render();
}

function renderList(): void {
  dom.list.replaceChildren(
    ...entries.map((e) => {
      const li = document.createElement('li');
      li.className = e.status;
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(e === active));
      b.dataset.id = String(e.id);
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = e.name;
      name.title = e.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = e.status === 'loading' ? 'loading…' : e.status === 'failed' ? 'failed' : e.img ? e.img.shape.join('×') : '';
      b.append(name, meta);
      b.addEventListener('click', () => select(e));
      li.append(b);
      return li;
    }),
  );
}

function renderHeader(): void {
  const e = active;
  if (!e || !e.img) {
    dom.header.replaceChildren();
    return;
  }
  const rows = headerRows(e.img, e.name);
  dom.header.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.key = r.key;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = r.label;
      const td = document.createElement('td');
      td.textContent = r.text;
      if (r.matrix) {
        const m = document.createElement('table');
        m.className = 'matrix';
        m.setAttribute('aria-label', `${r.label} matrix`);
        for (const row of r.matrix) {
          const mr = m.insertRow();
          for (const x of row) mr.insertCell().textContent = fmt(x, 5);
        }
        td.append(m);
      }
      tr.append(th, td);
      return tr;
    }),
  );
}

// ---- controls ----

function syncControls(): void {
  const e = active;
  const nt = e?.img && e.img.shape.length > 3 ? e.img.shape[3] : 1;
  dom.volumeControl.hidden = !(e?.vol && nt > 1);
  dom.volume.max = String(nt - 1);
  dom.volume.value = String(e?.volumeIndex ?? 0);
  dom.volumeOut.value = `${e?.volumeIndex ?? 0} / ${nt - 1}`;
  dom.winMin.value = e?.window ? fmt(e.window.min) : '';
  dom.winMax.value = e?.window ? fmt(e.window.max) : '';
  dom.winMin.disabled = dom.winMax.disabled = dom.winAuto.disabled = !e?.vol;
}

dom.volume.addEventListener('input', () => {
  const e = active;
  if (!e?.vol) return;
  const t = Number(dom.volume.value);
  e.volumeIndex = t;
  dom.volumeOut.value = `${t} / ${dom.volume.max}`;
  if (!e.frames || !e.img) {
    render();
    return;
  }
  showStatus(`Reading volume ${t}…`);
  readFrame(e.frames, e.img, t).then(
    (vol) => {
      // Only the latest request wins when the slider moves faster than volumes are read.
      if (e.volumeIndex !== t) return;
      e.vol = vol;
      if (active === e) render();
    },
    (err) => showError(describeError(err, `${e.name}, volume ${t}`)),
  );
});

function readWindow(): void {
  if (!active?.window) return;
  const min = Number.parseFloat(dom.winMin.value);
  const max = Number.parseFloat(dom.winMax.value);
  if (Number.isFinite(min) && Number.isFinite(max) && max > min) {
    active.window = { min, max };
    render();
  }
}
dom.winMin.addEventListener('input', readWindow);
dom.winMax.addEventListener('input', readWindow);
dom.winAuto.addEventListener('click', () => {
  if (!active?.vol) return;
  active.window = autoWindow(active.vol.data);
  syncControls();
  render();
});
dom.radiological.addEventListener('change', render);

// ---- views ----

/** Draws the three views and the readout for the active image. */
function render(): void {
  const e = active;
  const ok = !!(e?.vol && e.img && e.window);
  for (const [name, v] of views) {
    const label = (cls: string, text: string) => {
      const el = v.figure.querySelector(`.edge.${cls}`);
      if (el) el.textContent = text;
    };
    if (!ok || !e?.vol || !e.img || !e.window) {
      v.geom = undefined;
      v.slice = undefined;
      v.canvas.width = v.canvas.height = 0;
      for (const cls of ['top', 'bottom', 'left', 'right']) label(cls, '');
      (v.figure.querySelector('.slice-no') as HTMLElement).textContent = '';
      continue;
    }
    const affine = worldAffine(e.img);
    const zooms = safeZooms(e.img);
    const geom = viewGeometry(affine, e.vol.shape, zooms, name, { radiological: dom.radiological.checked });
    const slice = extractSlice(e.vol, geom, e.cursor, e.vol.shape.length > 3 ? e.volumeIndex : 0);
    v.geom = geom;
    v.slice = slice;
    drawView(v.canvas, geom, slice, e.window, e.cursor);
    label('top', geom.labels.top);
    label('bottom', geom.labels.bottom);
    label('left', geom.labels.left);
    label('right', geom.labels.right);
    (v.figure.querySelector('.slice-no') as HTMLElement).textContent = `${e.cursor[geom.through] + 1}/${e.vol.shape[geom.through]}`;
  }
  renderReadout();
}

function renderReadout(): void {
  const e = active;
  if (!e?.vol || !e.img) {
    dom.voxel.textContent = dom.world.textContent = dom.value.textContent = '–';
    if (e?.status === 'loading') showStatus(`Loading ${e.name}…`);
    else if (e?.status === 'failed') showStatus(`${e.name} could not be shown: ${e.error?.message ?? ''}`);
    return;
  }
  const shown = e.img.shape.length > 3 ? [...e.cursor, e.volumeIndex] : e.cursor;
  dom.voxel.textContent = `[${shown.join(', ')}]`;
  const w = applyAffine(worldAffine(e.img), e.cursor);
  dom.world.textContent = w.map((x) => x.toFixed(1)).join(', ');
  // One index per axis of what is shown: in per-volume mode that is the current 3-D volume.
  const idx = e.vol.shape.map((_, ax) => (ax < 3 ? e.cursor[ax] : ax === 3 ? e.volumeIndex : 0));
  dom.value.textContent = fmt(e.vol.get(...idx));
  showStatus('');
}

/** Voxel → RAS+ mm: the image's affine (a loaded image always has one; the header's best otherwise). */
function worldAffine(img: LoadedImage): number[][] {
  return img.affine ?? img.header.getBestAffine();
}

function safeZooms(img: LoadedImage): number[] {
  try {
    return img.header.getZooms();
  } catch {
    return [1, 1, 1];
  }
}

const scratch = document.createElement('canvas');

function drawView(canvas: HTMLCanvasElement, geom: ViewGeometry, slice: Slice, win: DisplayWindow, cursor: number[]): void {
  // Fit the slice, at its physical aspect ratio, into the square area of the view.
  const wrap = canvas.parentElement as HTMLElement;
  const box = Math.max(64, Math.min(wrap.clientWidth, wrap.clientHeight || wrap.clientWidth));
  const physW = slice.width * geom.horizontal.zoom;
  const physH = slice.height * geom.vertical.zoom;
  const scale = box / Math.max(physW, physH);
  const cssW = Math.max(1, Math.round(physW * scale));
  const cssH = Math.max(1, Math.round(physH * scale));
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);

  scratch.width = slice.width;
  scratch.height = slice.height;
  const sctx = scratch.getContext('2d') as CanvasRenderingContext2D;
  const imageData = sctx.createImageData(slice.width, slice.height);
  sliceToRgba(slice, win, imageData.data);
  sctx.putImageData(imageData, 0, 0);

  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  const [c, r] = voxelToScreen(geom, cursor);
  const x = ((c + 0.5) / slice.width) * canvas.width;
  const y = ((r + 0.5) / slice.height) * canvas.height;
  ctx.strokeStyle = 'rgba(80, 200, 255, 0.85)';
  ctx.lineWidth = Math.max(1, dpr);
  ctx.beginPath();
  ctx.moveTo(Math.round(x) + 0.5, 0);
  ctx.lineTo(Math.round(x) + 0.5, canvas.height);
  ctx.moveTo(0, Math.round(y) + 0.5);
  ctx.lineTo(canvas.width, Math.round(y) + 0.5);
  ctx.stroke();
}

for (const [, v] of views) {
  const moveTo = (ev: PointerEvent) => {
    if (!active?.vol || !v.geom || !v.slice) return;
    const rect = v.canvas.getBoundingClientRect();
    const col = ((ev.clientX - rect.left) / rect.width) * v.slice.width;
    const row = ((ev.clientY - rect.top) / rect.height) * v.slice.height;
    active.cursor = screenToVoxel(v.geom, col, row, active.cursor);
    render();
  };
  v.canvas.addEventListener('pointerdown', (ev) => {
    v.canvas.setPointerCapture(ev.pointerId);
    moveTo(ev);
  });
  v.canvas.addEventListener('pointermove', (ev) => {
    if (ev.buttons & 1) moveTo(ev);
  });
  v.canvas.addEventListener('keydown', (ev) => {
    if (!active?.vol || !v.geom) return;
    const step = { ArrowUp: 1, ArrowRight: 1, PageUp: 5, ArrowDown: -1, ArrowLeft: -1, PageDown: -5 }[ev.key];
    if (step === undefined) return;
    ev.preventDefault();
    const axis = v.geom.through;
    const n = active.vol.shape[axis];
    active.cursor[axis] = Math.min(n - 1, Math.max(0, active.cursor[axis] + step));
    render();
  });
}

let resizeQueued = false;
new ResizeObserver(() => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    render();
  });
}).observe($('.views'));

// ---- drop zone and picker ----

dom.drop.addEventListener('click', () => dom.input.click());
dom.drop.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    dom.input.click();
  }
});
dom.input.addEventListener('change', () => {
  const files = [...(dom.input.files ?? [])];
  dom.input.value = '';
  void loadDrop(files);
});
// Accept drops anywhere on the page; never let the browser navigate to a dropped file.
for (const type of ['dragenter', 'dragover'] as const) {
  document.addEventListener(type, (ev) => {
    ev.preventDefault();
    dom.drop.classList.add('over');
  });
}
document.addEventListener('dragleave', (ev) => {
  if (ev.relatedTarget === null) dom.drop.classList.remove('over');
});
document.addEventListener('drop', (ev) => {
  ev.preventDefault();
  dom.drop.classList.remove('over');
  const files = [...(ev.dataTransfer?.files ?? [])];
  if (files.length === 0) showStatus('Nothing to load in that drop (folders are not read; drop the files).');
  void loadDrop(files);
});
dom.cancel.addEventListener('click', () => {
  controller.abort();
  controller = new AbortController();
});

void loadSample();
