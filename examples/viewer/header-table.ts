/**
 * The viewer's header table: turns an image's header into labelled rows of text (and 4×4
 * matrices), with no DOM, so that it is unit tested in Node (test/node/viewer-header.test.ts).
 *
 * It reads the header through nibweb's public names (nibabel's, camelCased): `getDataDtype`,
 * `getZooms`, `getXyztUnits`, `getQform({coded})`, `getSform({coded})`, `getIntent`,
 * `get('descrip')`, `extensions`. Every method is optional here, because formats differ (MGH
 * has no qform) and because a table must show what it can rather than fail. The scaling comes
 * from the proxy when there is one: nibabel moves `scl_slope`/`scl_inter` from a loaded
 * header to its array proxy, whose `slope`/`inter` are then the truth.
 */
import { aff2axcodes } from '../../src/orientations.js';

/** What the table reads from a header; all optional. */
export interface HeaderLike {
  getDataDtype?(): string;
  getZooms?(): number[];
  getXyztUnits?(): readonly (string | null | undefined)[];
  getSlopeInter?(): readonly (number | null)[];
  getQform?(opts: { coded: true }): readonly unknown[];
  getSform?(opts: { coded: true }): readonly unknown[];
  getIntent?(): readonly unknown[];
  get?(field: string): unknown;
  extensions?: Iterable<{ code: number | string; content?: Uint8Array | string }> | ArrayLike<{ code: number | string; content?: Uint8Array | string }>;
}

/** What the table reads from an image. */
export interface ImageLike {
  shape: readonly number[];
  affine: number[][] | null;
  header: HeaderLike;
  dataobj?: { slope?: number; inter?: number; isProxy?: boolean } | unknown;
}

/** One row of the table. */
export interface HeaderRow {
  /** Stable key (for tests and `data-key` attributes). */
  key: string;
  /** Human label. */
  label: string;
  /** The value as text. */
  text: string;
  /** A matrix to show under the text (qform, sform, affine). */
  matrix?: number[][];
}

/** NIfTI xform codes (nifti1.h NIFTI_XFORM_*). */
const XFORM_NAMES: Record<number, string> = { 0: 'unknown', 1: 'scanner', 2: 'aligned', 3: 'talairach', 4: 'mni', 5: 'template' };

/**
 * A number for people: integers as they are, others with up to `digits` significant digits
 * and no trailing zeros.
 * @param x the number
 * @param digits significant digits (default 6)
 * @returns the text
 */
export function fmt(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const s = Number(x.toPrecision(digits)).toString();
  return s === '-0' ? '0' : s;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.replace(/\0.*$/s, '');
  if (v instanceof Uint8Array) return new TextDecoder().decode(v).replace(/\0.*$/s, '');
  if (typeof v === 'number') return fmt(v);
  return String(v);
}

function xformRow(key: 'qform' | 'sform', got: readonly unknown[] | undefined): HeaderRow | null {
  if (!got) return null;
  const [matrix, code] = got as [number[][] | null, number];
  const name = XFORM_NAMES[Number(code)] ?? 'invalid';
  return {
    key,
    label: key === 'qform' ? 'qform' : 'sform',
    text: `code ${code} (${name})${matrix ? '' : ' — not used'}`,
    ...(matrix ? { matrix } : {}),
  };
}

/** Bytes of an extension's content, as text if it looks like text. */
function extensionText(content: Uint8Array | string | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return `${content.length} chars: ${preview(content)}`;
  const trimmed = content.subarray(0, Math.min(content.length, 256));
  const printable = trimmed.every((b) => b === 0 || b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable ? `${content.length} B: ${preview(text(trimmed))}` : `${content.length} B (binary)`;
}

function preview(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 60)}…` : one;
}

/**
 * The rows of the header table for an image.
 * @param img the image (`shape`, `affine`, `header`, and `dataobj` for the scaling)
 * @param name the file name, shown first when given
 * @returns rows in display order; rows whose value the header cannot give are left out
 */
export function headerRows(img: ImageLike, name?: string): HeaderRow[] {
  const h = img.header;
  const rows: HeaderRow[] = [];
  const add = (key: string, label: string, value: string | undefined, matrix?: number[][]): void => {
    if (value !== undefined && value !== '') rows.push({ key, label, text: value, ...(matrix ? { matrix } : {}) });
  };
  if (name) add('file', 'File', name);
  add('shape', 'Dimensions', img.shape.join(' × ') + ` (${img.shape.length}-D)`);
  const zooms = safe(() => h.getZooms?.());
  const units = safe(() => h.getXyztUnits?.()) ?? [];
  if (zooms) {
    const space = units[0] && units[0] !== 'unknown' ? ` ${units[0]}` : '';
    const time = units[1] && units[1] !== 'unknown' ? ` ${units[1]}` : '';
    const parts = [zooms.slice(0, 3).map((z) => fmt(z)).join(' × ') + space];
    if (zooms.length > 3) parts.push(zooms.slice(3).map((z) => fmt(z)).join(' × ') + time);
    add('zooms', 'Voxel size', parts.join(', '));
  }
  if (units.length) add('units', 'Units', units.map((u) => u ?? 'unknown').join(', '));
  add('dtype', 'Data type', safe(() => h.getDataDtype?.()));
  add('scaling', 'Scaling', scalingText(img));
  const affine = img.affine;
  if (affine) {
    const codes = safe(() => aff2axcodes(affine));
    add('orientation', 'Orientation', codes ? codes.map((c) => c ?? '?').join('') + ' (voxel axes → RAS+)' : undefined);
  }
  for (const r of [xformRow('qform', safe(() => h.getQform?.({ coded: true }))), xformRow('sform', safe(() => h.getSform?.({ coded: true })))]) {
    if (r) rows.push(r);
  }
  if (affine) add('affine', 'Affine (used)', 'voxel → world, mm', affine);
  add('descrip', 'Description', text(safe(() => h.get?.('descrip'))));
  add('mgh', 'Scan parameters', mghFooterText(h));
  const intent = safe(() => h.getIntent?.());
  if (intent && intent.length > 0 && intent[0] !== 'none') {
    const [kind, params, iname] = intent as [unknown, unknown, unknown];
    const p = Array.isArray(params) && params.length ? ` (${params.map((x) => fmt(Number(x))).join(', ')})` : '';
    add('intent', 'Intent', `${text(kind)}${p}${iname ? ` “${text(iname)}”` : ''}`);
  }
  const exts = safe(() => (h.extensions ? Array.from(h.extensions as ArrayLike<{ code: number | string; content?: Uint8Array | string }>) : undefined));
  if (exts) {
    add(
      'extensions',
      'Extensions',
      exts.length === 0 ? 'none' : exts.map((e) => `code ${e.code}: ${extensionText(e.content)}`).join('; '),
    );
  }
  return rows;
}

/** MGH's footer (nibabel's `MGHHeader` tr, flip_angle, te, ti), or undefined for other formats. */
function mghFooterText(h: HeaderLike): string | undefined {
  const num = (f: string): number | undefined => {
    const v = safe(() => h.get?.(f));
    return typeof v === 'number' ? v : undefined;
  };
  const tr = num('tr');
  const flip = num('flip_angle');
  if (tr === undefined || flip === undefined) return undefined;
  return `TR ${fmt(tr)} ms, flip angle ${fmt(flip)} rad, TE ${fmt(num('te') ?? 0)} ms, TI ${fmt(num('ti') ?? 0)} ms`;
}

/** "none", or "× slope + inter" from the proxy (preferred) or the header. */
function scalingText(img: ImageLike): string | undefined {
  const d = img.dataobj as { slope?: unknown; inter?: unknown } | undefined;
  let slope: number | null | undefined;
  let inter: number | null | undefined;
  if (d && typeof d.slope === 'number') {
    slope = d.slope;
    inter = typeof d.inter === 'number' ? d.inter : 0;
  } else {
    const si = safe(() => img.header.getSlopeInter?.());
    if (!si) return undefined;
    [slope, inter] = si as [number | null, number | null];
  }
  // nibabel: slope 0, NaN or ±inf (or null) means no scaling.
  if (slope === null || slope === undefined || slope === 0 || !Number.isFinite(slope)) return 'none';
  const i = inter !== null && inter !== undefined && Number.isFinite(inter) ? inter : 0;
  if (slope === 1 && i === 0) return 'none (slope 1, intercept 0)';
  return `value × ${fmt(slope)} ${i < 0 ? '−' : '+'} ${fmt(Math.abs(i))}`;
}
