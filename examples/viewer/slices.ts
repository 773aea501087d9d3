/**
 * The viewer's geometry: which voxels each view shows and where, free of the DOM and of the
 * loader so that it is unit tested in Node (test/node/viewer-slices.test.ts). The display
 * window and grey pixels are in windowing.ts.
 *
 * Display convention: **neurological** by default — the subject's left is on the screen's
 * left, as if looking at the subject from behind/above — and **radiological** (left on the
 * right) on request. Axial views have anterior at the top, coronal and sagittal views superior
 * at the top, and sagittal views anterior on the left. Every edge is labelled (R/L/A/P/S/I),
 * so the convention is always visible.
 *
 * Each screen axis is matched to the voxel axis closest to it in world space with
 * `ioOrientation` (nibabel's io_orientation): the slices are voxel planes, shown flipped and
 * transposed as needed but never resampled. For an oblique image this is the nearest
 * orthogonal orientation (as `as_closest_canonical` would give); the world coordinates shown
 * always go through the full affine.
 *
 * Volumes are column-major (x fastest), as read from a file: `strides = [1, nx, nx·ny, …]`.
 */
import { ioOrientation } from '../../src/index.js';

/** The three orthogonal views. */
export type ViewName = 'axial' | 'coronal' | 'sagittal';

/** All views, in display order. */
export const VIEWS: readonly ViewName[] = ['axial', 'coronal', 'sagittal'];

/** A strided volume: the NDArray fields the viewer needs. */
export interface Volume {
  data: ArrayLike<number>;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** One screen axis mapped to a voxel axis. */
export interface DisplayAxis {
  /** Voxel axis shown along this screen axis. */
  voxelAxis: number;
  /** True when the voxel index decreases as the screen coordinate (column or row) grows. */
  reversed: boolean;
  /** Voxels along it. */
  size: number;
  /** Voxel size along it, mm (for the aspect ratio). */
  zoom: number;
}

/** How one view maps to the volume. */
export interface ViewGeometry {
  view: ViewName;
  /** Screen x (columns, left to right). */
  horizontal: DisplayAxis;
  /** Screen y (rows, top to bottom). */
  vertical: DisplayAxis;
  /** The voxel axis the view cuts through (the cursor's index on it picks the slice). */
  through: number;
  /** Labels of the four edges. */
  labels: { left: string; right: string; top: string; bottom: string };
}

/** A 2-D slice, row 0 at the top. */
export interface Slice {
  width: number;
  height: number;
  /** `width·height` values, row-major from the top-left pixel. */
  values: Float32Array;
}

/** World axis (0 = x R/L, 1 = y A/P, 2 = z S/I) and labels (negative end, positive end). */
const WORLD_LABELS: readonly (readonly [string, string])[] = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
];

/**
 * Screen layout of a view in world terms: which world axis runs along each screen axis, and
 * whether the screen coordinate grows towards that axis's positive end.
 */
function worldLayout(view: ViewName, radiological: boolean): { h: [number, boolean]; v: [number, boolean]; through: number } {
  // Columns grow rightwards: neurological puts R (+x) on the right. Rows grow downwards:
  // A (+y) or S (+z) at the top means rows run towards the negative end.
  const xRight = !radiological;
  switch (view) {
    case 'axial':
      return { h: [0, xRight], v: [1, false], through: 2 };
    case 'coronal':
      return { h: [0, xRight], v: [2, false], through: 1 };
    case 'sagittal':
      // Anterior on the left: columns run towards posterior.
      return { h: [1, false], v: [2, false], through: 0 };
  }
}

/**
 * For each world axis (x, y, z), the voxel axis that runs closest to it and whether that
 * voxel axis points towards the world axis's positive end.
 * @param affine 4×4 voxel → world (RAS+ mm) matrix as rows
 * @returns three `{ voxelAxis, positive }` entries, indexed by world axis
 * @throws {RangeError} when the affine does not give a voxel axis for every world axis
 *   (a degenerate affine)
 */
export function worldToVoxelAxes(affine: readonly (readonly number[])[]): { voxelAxis: number; positive: boolean }[] {
  const ornt = ioOrientation(affine.map((row) => row.slice(0, 4)).slice(0, 4));
  const out: { voxelAxis: number; positive: boolean }[] = [];
  for (let w = 0; w < 3; w++) {
    const k = ornt.findIndex(([ax]) => ax === w);
    if (k < 0) throw new RangeError(`the affine maps no voxel axis to world axis ${'xyz'[w]}`);
    out.push({ voxelAxis: k, positive: ornt[k][1] === 1 });
  }
  return out;
}

/**
 * Where a view's pixels come from in the volume.
 * @param affine 4×4 voxel → world matrix (rows)
 * @param shape volume shape (first three axes used)
 * @param zooms voxel sizes in mm (first three used)
 * @param view which view
 * @param opts `radiological: true` puts the subject's left on the screen's right
 * @returns the view's geometry
 * @throws {RangeError} for a degenerate affine (see `worldToVoxelAxes`)
 */
export function viewGeometry(
  affine: readonly (readonly number[])[],
  shape: readonly number[],
  zooms: readonly number[],
  view: ViewName,
  opts: { radiological?: boolean } = {},
): ViewGeometry {
  const map = worldToVoxelAxes(affine);
  const layout = worldLayout(view, opts.radiological ?? false);
  const axis = ([w, towardsPositive]: [number, boolean]): DisplayAxis => {
    const { voxelAxis, positive } = map[w];
    return {
      voxelAxis,
      reversed: towardsPositive !== positive,
      size: shape[voxelAxis] ?? 1,
      zoom: Math.abs(zooms[voxelAxis] ?? 1) || 1,
    };
  };
  const end = ([w, towardsPositive]: [number, boolean], atStart: boolean): string =>
    // The screen's start (left/top) shows the end the coordinate grows away from.
    WORLD_LABELS[w][towardsPositive === atStart ? 0 : 1];
  return {
    view,
    horizontal: axis(layout.h),
    vertical: axis(layout.v),
    through: map[layout.through].voxelAxis,
    labels: {
      left: end(layout.h, true),
      right: end(layout.h, false),
      top: end(layout.v, true),
      bottom: end(layout.v, false),
    },
  };
}

/** Voxel index along a display axis at screen coordinate `c` (and back: it is an involution). */
function toIndex(axis: DisplayAxis, c: number): number {
  return axis.reversed ? axis.size - 1 - c : c;
}

/**
 * Extracts the slice of `vol` that a view shows through `cursor`.
 * @param vol the volume (3-D, or 4-D with `volumeIndex` picking the 4th axis)
 * @param geom the view's geometry
 * @param cursor voxel index [i, j, k]; only the index on `geom.through` matters
 * @param volumeIndex index along the 4th axis (0 for 3-D)
 * @returns the slice, row 0 at the top
 * @throws {RangeError} when the cursor or volume index is outside the volume
 */
export function extractSlice(vol: Volume, geom: ViewGeometry, cursor: readonly number[], volumeIndex = 0): Slice {
  const { horizontal: h, vertical: v } = geom;
  const pos = cursor[geom.through];
  const nThrough = vol.shape[geom.through] ?? 1;
  if (!(pos >= 0 && pos < nThrough)) throw new RangeError(`cursor ${pos} outside 0..${nThrough - 1}`);
  const nt = vol.shape.length > 3 ? vol.shape[3] : 1;
  if (!(volumeIndex >= 0 && volumeIndex < nt)) throw new RangeError(`volume ${volumeIndex} outside 0..${nt - 1}`);
  const stride = (axis: number): number => vol.strides[axis] ?? 0;
  let base = vol.offset + pos * stride(geom.through) + (vol.shape.length > 3 ? volumeIndex * stride(3) : 0);
  // Walk the slice with signed steps so the inner loop is two additions per pixel.
  let colStep = stride(h.voxelAxis);
  let rowStep = stride(v.voxelAxis);
  if (h.reversed) {
    base += (h.size - 1) * colStep;
    colStep = -colStep;
  }
  if (v.reversed) {
    base += (v.size - 1) * rowStep;
    rowStep = -rowStep;
  }
  const width = h.size;
  const height = v.size;
  const values = new Float32Array(width * height);
  const data = vol.data;
  let p = 0;
  for (let row = 0; row < height; row++) {
    let k = base + row * rowStep;
    for (let col = 0; col < width; col++) {
      values[p++] = data[k];
      k += colStep;
    }
  }
  return { width, height, values };
}

/**
 * The voxel under a screen pixel of a view (the new cursor after a click).
 * @param geom the view's geometry
 * @param col column in slice pixels (may be fractional)
 * @param row row in slice pixels (may be fractional)
 * @param cursor the current cursor; its index on `geom.through` is kept
 * @returns the new voxel index, clamped to the volume
 */
export function screenToVoxel(geom: ViewGeometry, col: number, row: number, cursor: readonly number[]): number[] {
  const clamp = (x: number, n: number): number => Math.min(n - 1, Math.max(0, Math.floor(x)));
  const out = [...cursor];
  out[geom.horizontal.voxelAxis] = toIndex(geom.horizontal, clamp(col, geom.horizontal.size));
  out[geom.vertical.voxelAxis] = toIndex(geom.vertical, clamp(row, geom.vertical.size));
  return out;
}

/**
 * Where the cursor sits on a view, in slice pixels (for the crosshair).
 * @param geom the view's geometry
 * @param cursor voxel index [i, j, k]
 * @returns `[column, row]` of the cursor's pixel
 */
export function voxelToScreen(geom: ViewGeometry, cursor: readonly number[]): [number, number] {
  return [toIndex(geom.horizontal, cursor[geom.horizontal.voxelAxis]), toIndex(geom.vertical, cursor[geom.vertical.voxelAxis])];
}
