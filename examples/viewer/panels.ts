/**
 * The viewer's side panels and messages: the progress bar, error boxes, the image list, the
 * header table (rows from header-table.ts) and the state of the volume and window controls;
 * and `select`, which makes an image the one shown and brings every part of the page up to it.
 * The header table is built once per image shown, not on every `select`.
 */
import type { LoadedImage } from '../../src/index.js';
import type { ErrorReport } from './files.js';
import { fmt, headerRows } from './header-table.js';
import { dom, state, type Entry } from './page.js';
import { render } from './views.js';

/** Shows or hides the progress area. */
export function showProgress(on: boolean): void {
  dom.progress.hidden = !on;
}

/**
 * Sets the progress label and bar.
 * @param label what is happening
 * @param fraction how far along (0–1), or `undefined` for an indeterminate bar
 */
export function setProgress(label: string, fraction: number | undefined): void {
  dom.progressLabel.textContent = fraction === undefined ? `${label}…` : `${label}… ${Math.round(fraction * 100)}%`;
  if (fraction === undefined) dom.progressBar.removeAttribute('value');
  else dom.progressBar.value = fraction;
}

/** Adds a dismissable error box for a failure. */
export function showError(e: ErrorReport): void {
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

/** Makes `entry` the image shown, and redraws the list, header, controls and views. */
export function select(entry: Entry): void {
  selectPanels(entry);
  render();
}

/**
 * The panels' part of `select`: makes `entry` the image shown and redraws the list, the
 * header and the controls, but not the views (the caller draws them, in a later task).
 */
export function selectPanels(entry: Entry): void {
  state.active = entry;
  renderList();
  renderHeader();
  syncControls();
}

/** Redraws the image list (status and shape of each, the active one selected). */
export function renderList(): void {
  dom.list.replaceChildren(
    ...state.entries.map((e) => {
      const li = document.createElement('li');
      li.className = e.status;
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(e === state.active));
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

/** The image whose header the table shows (an image belongs to one entry, so its name too). */
let headerOf: LoadedImage | undefined;

function renderHeader(): void {
  const e = state.active;
  if (!e || !e.img) {
    dom.header.replaceChildren();
    headerOf = undefined;
    return;
  }
  // Selecting the image whose header is shown (as when its voxels arrive) keeps the table.
  if (headerOf === e.img) return;
  headerOf = e.img;
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

/** Brings the volume slider and the window fields to the active image. */
export function syncControls(): void {
  const e = state.active;
  const nt = e?.img && e.img.shape.length > 3 ? e.img.shape[3] : 1;
  dom.volumeControl.hidden = !(e?.vol && nt > 1);
  dom.volume.max = String(nt - 1);
  dom.volume.value = String(e?.volumeIndex ?? 0);
  dom.volumeOut.value = `${e?.volumeIndex ?? 0} / ${nt - 1}`;
  dom.winMin.value = e?.window ? fmt(e.window.min) : '';
  dom.winMax.value = e?.window ? fmt(e.window.max) : '';
  dom.winMin.disabled = dom.winMax.disabled = dom.winAuto.disabled = !e?.vol;
}
