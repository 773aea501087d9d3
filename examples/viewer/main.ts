/**
 * nibweb viewer: the page's entry. Drop or pick files and each image shows its header at
 * once, then three orthogonal views with a crosshair, a readout (voxel, RAS mm, value), a
 * 4th-dimension slider and window controls. On start it loads the bundled sample.
 *
 * This file wires the page's inputs to the modules that do the work:
 * - loading.ts: drops, picks and the sample → `loadFiles` (decoded in a worker) → the list;
 * - panels.ts: progress, errors, the image list, the header table, the controls' state;
 * - views.ts: the three views and the readout, and clicks and keys on the views;
 * - page.ts: the elements and the state they share.
 * Everything comes from the library's public entry (src/index.ts). The geometry, windowing,
 * header rows and error reports live in pure modules (slices.ts, windowing.ts,
 * header-table.ts, files.ts) tested in Node.
 */
import { ACCEPTED_EXTENSIONS, describeError } from './files.js';
import { cancelLoads, loadDrop, loadSample, readFrame } from './loading.js';
import { dom, showStatus, state } from './page.js';
import { showError, syncControls } from './panels.js';
import { installViewInput, render } from './views.js';
import { autoWindowAsync } from './windowing.js';

dom.input.accept = ACCEPTED_EXTENSIONS.join(',');

// ---- controls ----

dom.volume.addEventListener('input', () => {
  const e = state.active;
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
      if (state.active === e) render();
    },
    (err) => showError(describeError(err, `${e.name}, volume ${t}`)),
  );
});

function readWindow(): void {
  const e = state.active;
  if (!e?.window) return;
  const min = Number.parseFloat(dom.winMin.value);
  const max = Number.parseFloat(dom.winMax.value);
  if (Number.isFinite(min) && Number.isFinite(max) && max > min) {
    e.window = { min, max };
    render();
  }
}
dom.winMin.addEventListener('input', readWindow);
dom.winMax.addEventListener('input', readWindow);
dom.winAuto.addEventListener('click', () => {
  const e = state.active;
  if (!e?.vol) return;
  // The window of the volume shown at the click, taken in pieces as at load.
  void autoWindowAsync(e.vol.data).then((win) => {
    e.window = win;
    if (state.active !== e) return;
    syncControls();
    render();
  });
});
dom.radiological.addEventListener('change', render);

installViewInput();

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
dom.cancel.addEventListener('click', cancelLoads);

void loadSample();
