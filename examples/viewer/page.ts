/**
 * The viewer page's shared parts: its elements, looked up once, the state every module of the
 * page reads (the image list and which image is shown), and the status line. It imports
 * nothing from the other page modules (loading.ts, panels.ts, views.ts, main.ts), which all
 * import it.
 */
import type { LoadedImage, NDArray } from '../../src/index.js';
import type { ErrorReport } from './files.js';
import { VIEWS, type Slice, type ViewGeometry, type ViewName } from './slices.js';
import type { DisplayWindow } from './windowing.js';

/** A float32 array as the library returns it: what the views are drawn from. */
export type Volume = NDArray<Float32Array>;

/** One entry of the image list. */
export interface Entry {
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

/** The page's state. */
export const state: {
  /** The image list, in the order the images came. */
  entries: Entry[];
  /** The image shown (its header, views and controls). */
  active: Entry | undefined;
} = { entries: [], active: undefined };

/**
 * The element `sel` selects.
 * @throws {Error} when the page has none (index.html and this file disagree)
 */
function $<T extends Element>(sel: string): T {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
}

/** The page's elements (examples/viewer/index.html). */
export const dom = {
  drop: $<HTMLElement>('#drop'),
  input: $<HTMLInputElement>('#file-input'),
  progress: $<HTMLElement>('#progress'),
  progressBar: $<HTMLProgressElement>('#progress-bar'),
  progressLabel: $<HTMLElement>('#progress-label'),
  cancel: $<HTMLButtonElement>('#cancel'),
  errors: $<HTMLElement>('#errors'),
  list: $<HTMLUListElement>('#image-list'),
  header: $<HTMLTableSectionElement>('#header-table tbody'),
  views: $<HTMLElement>('.views'),
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

/** One view's elements, and what it shows now (for clicks and keys). */
export interface ViewElements {
  figure: HTMLElement;
  canvas: HTMLCanvasElement;
  geom?: ViewGeometry;
  slice?: Slice;
}

/** The three views, in display order. */
export const views = new Map<ViewName, ViewElements>();
for (const name of VIEWS) {
  const figure = $<HTMLElement>(`.view[data-view="${name}"]`);
  views.set(name, { figure, canvas: figure.querySelector('canvas') as HTMLCanvasElement });
}

/** Sets the status line under the views. */
export function showStatus(text: string): void {
  dom.status.textContent = text;
}
