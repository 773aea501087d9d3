/**
 * The viewer's drawing and view interaction: the three orthogonal views of the active image
 * with their crosshair and edge labels, the readout (voxel, RAS mm by `applyAffine`, value),
 * and what moves the cursor (clicks and drags on a view, arrow/Page keys on a focused view).
 * The geometry is slices.ts and the grey levels windowing.ts; this file puts them on canvases.
 *
 * One `render()` costs one layout: the views' boxes are all read before any canvas changes
 * size (reading a box after a canvas's size changed would lay the page out again), and a canvas
 * keeps its bitmap when its size is unchanged. Each draw covers the whole bitmap.
 */
import { applyAffine, type LoadedImage } from '../../src/index.js';
import { fmt } from './header-table.js';
import { dom, showStatus, state, views } from './page.js';
import { extractSlice, screenToVoxel, viewGeometry, voxelToScreen, type Slice, type ViewGeometry } from './slices.js';
import { sliceToRgba, type DisplayWindow } from './windowing.js';

/** Draws the three views and the readout for the active image. */
export function render(): void {
  const e = state.active;
  const vol = e?.vol;
  const img = e?.img;
  const win = e?.window;
  if (!e || !vol || !img || !win) {
    for (const [, v] of views) {
      v.geom = undefined;
      v.slice = undefined;
      v.canvas.width = v.canvas.height = 0;
      for (const cls of ['top', 'bottom', 'left', 'right']) setEdge(v.figure, cls, '');
      (v.figure.querySelector('.slice-no') as HTMLElement).textContent = '';
    }
    renderReadout();
    return;
  }
  const affine = worldAffine(img);
  const zooms = safeZooms(img);
  const radiological = dom.radiological.checked;
  // Every box first, while the layout is still valid: one layout for the three views.
  const boxes = new Map([...views].map(([name, v]) => [name, fitBox(v.canvas)]));
  for (const [name, v] of views) {
    const geom = viewGeometry(affine, vol.shape, zooms, name, { radiological });
    const slice = extractSlice(vol, geom, e.cursor, vol.shape.length > 3 ? e.volumeIndex : 0);
    v.geom = geom;
    v.slice = slice;
    drawView(v.canvas, boxes.get(name) as number, geom, slice, win, e.cursor);
    for (const cls of ['top', 'bottom', 'left', 'right'] as const) setEdge(v.figure, cls, geom.labels[cls]);
    (v.figure.querySelector('.slice-no') as HTMLElement).textContent = `${e.cursor[geom.through] + 1}/${vol.shape[geom.through]}`;
  }
  renderReadout();
}

function setEdge(figure: HTMLElement, cls: string, text: string): void {
  const el = figure.querySelector(`.edge.${cls}`);
  if (el) el.textContent = text;
}

function renderReadout(): void {
  const e = state.active;
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

/** The side of the square area a view's canvas is fitted into, CSS pixels (reads the layout). */
function fitBox(canvas: HTMLCanvasElement): number {
  const wrap = canvas.parentElement as HTMLElement;
  return Math.max(64, Math.min(wrap.clientWidth, wrap.clientHeight || wrap.clientWidth));
}

const scratch = document.createElement('canvas');

function drawView(canvas: HTMLCanvasElement, box: number, geom: ViewGeometry, slice: Slice, win: DisplayWindow, cursor: number[]): void {
  // Fit the slice, at its physical aspect ratio, into the square area of the view.
  const physW = slice.width * geom.horizontal.zoom;
  const physH = slice.height * geom.vertical.zoom;
  const scale = box / Math.max(physW, physH);
  const cssW = Math.max(1, Math.round(physW * scale));
  const cssH = Math.max(1, Math.round(physH * scale));
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  // Setting a size, even the same one, reallocates the bitmap; the drawing below covers it all.
  const width = Math.round(cssW * dpr);
  const height = Math.round(cssH * dpr);
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;

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

/**
 * Makes the views interactive: a click or drag moves the cursor to the voxel under the
 * pointer, arrow keys (±1) and Page keys (±5) move the slice of a focused view, and the views
 * are drawn again when their area changes size. Call once.
 */
export function installViewInput(): void {
  for (const [, v] of views) {
    const moveTo = (ev: PointerEvent) => {
      const e = state.active;
      if (!e?.vol || !v.geom || !v.slice) return;
      const rect = v.canvas.getBoundingClientRect();
      const col = ((ev.clientX - rect.left) / rect.width) * v.slice.width;
      const row = ((ev.clientY - rect.top) / rect.height) * v.slice.height;
      e.cursor = screenToVoxel(v.geom, col, row, e.cursor);
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
      const e = state.active;
      if (!e?.vol || !v.geom) return;
      const step = { ArrowUp: 1, ArrowRight: 1, PageUp: 5, ArrowDown: -1, ArrowLeft: -1, PageDown: -5 }[ev.key];
      if (step === undefined) return;
      ev.preventDefault();
      const axis = v.geom.through;
      const n = e.vol.shape[axis];
      e.cursor[axis] = Math.min(n - 1, Math.max(0, e.cursor[axis] + step));
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
  }).observe(dom.views);
}
