/**
 * The viewer's header table: turns a loaded image into labelled rows of text (and 4×4
 * matrices), with no DOM, so that it is unit tested in Node (test/node/viewer-header.test.ts).
 *
 * It reads the header through nibweb's public names (nibabel's, camelCased) and branches on
 * the image class where formats differ: every image has `getZooms`/`getDataDtype`; NIfTI
 * images (`Nifti1Pair` and its subclasses) add units, qform/sform, intent and extensions;
 * the Analyze family (NIfTI included) has `descrip`; MGH has its scan-parameter footer. The
 * scaling comes from the array proxy: nibabel moves `scl_slope`/`scl_inter` from a loaded
 * header to the proxy, whose `slope`/`inter` are then the truth. A getter that throws (a bad
 * quaternion, say) leaves its row out rather than failing the table.
 */
import { AnalyzeImage, MGHImage, Nifti1Pair, aff2axcodes, type LoadedImage, type NiftiExtension } from '../../src/index.js';

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

/** A header string field as shown: up to the first NUL. */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.replace(/\0.*$/s, '');
  if (v instanceof Uint8Array) return new TextDecoder().decode(v).replace(/\0.*$/s, '');
  if (typeof v === 'number') return fmt(v);
  return String(v);
}

function xformRow(key: 'qform' | 'sform', got: [number[][] | null, number] | undefined): HeaderRow | null {
  if (!got) return null;
  const [matrix, code] = got;
  const name = XFORM_NAMES[code] ?? 'invalid';
  return {
    key,
    label: key,
    text: `code ${code} (${name})${matrix ? '' : ' — not used'}`,
    ...(matrix ? { matrix } : {}),
  };
}

/** An extension's content, as text if it looks like text. */
function extensionText({ content }: NiftiExtension): string {
  const trimmed = content.subarray(0, Math.min(content.length, 256));
  const printable = trimmed.every((b) => b === 0 || b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable ? `${content.length} B: ${preview(text(trimmed))}` : `${content.length} B (binary)`;
}

function preview(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 60)}…` : one;
}

/**
 * The rows of the header table for a loaded image.
 * @param img the image, as `load`/`loadFiles` give it
 * @param name the file name, shown first when given
 * @returns rows in display order; rows whose value the header cannot give are left out
 */
export function headerRows(img: LoadedImage, name?: string): HeaderRow[] {
  const rows: HeaderRow[] = [];
  const add = (key: string, label: string, value: string | undefined, matrix?: number[][]): void => {
    if (value !== undefined && value !== '') rows.push({ key, label, text: value, ...(matrix ? { matrix } : {}) });
  };
  const nifti = img instanceof Nifti1Pair ? img.header : undefined;
  if (name) add('file', 'File', name);
  add('shape', 'Dimensions', img.shape.join(' × ') + ` (${img.shape.length}-D)`);
  const zooms = safe(() => img.header.getZooms());
  const units = (nifti && safe(() => nifti.getXyztUnits())) ?? [];
  if (zooms) {
    const space = units[0] && units[0] !== 'unknown' ? ` ${units[0]}` : '';
    const time = units[1] && units[1] !== 'unknown' ? ` ${units[1]}` : '';
    const parts = [zooms.slice(0, 3).map((z) => fmt(z)).join(' × ') + space];
    if (zooms.length > 3) parts.push(zooms.slice(3).map((z) => fmt(z)).join(' × ') + time);
    add('zooms', 'Voxel size', parts.join(', '));
  }
  if (units.length) add('units', 'Units', units.join(', '));
  add('dtype', 'Data type', safe(() => img.header.getDataDtype()));
  add('scaling', 'Scaling', scalingText(img.dataobj.slope, img.dataobj.inter));
  const affine = img.affine;
  if (affine) {
    const codes = safe(() => aff2axcodes(affine));
    add('orientation', 'Orientation', codes ? codes.map((c) => c ?? '?').join('') + ' (voxel axes → RAS+)' : undefined);
  }
  if (nifti) {
    for (const r of [xformRow('qform', safe(() => nifti.getQform({ coded: true }))), xformRow('sform', safe(() => nifti.getSform({ coded: true })))]) {
      if (r) rows.push(r);
    }
  }
  if (affine) add('affine', 'Affine (used)', 'voxel → world, mm', affine);
  if (img instanceof AnalyzeImage) add('descrip', 'Description', text(safe(() => img.header.get('descrip'))));
  if (img instanceof MGHImage) add('mgh', 'Scan parameters', mghFooterText(img));
  if (nifti) {
    const intent = safe(() => nifti.getIntent());
    if (intent && intent[0] !== 'none') {
      const [kind, params, iname] = intent;
      const p = params.length ? ` (${params.map((x) => fmt(x)).join(', ')})` : '';
      add('intent', 'Intent', `${text(kind)}${p}${iname ? ` “${text(iname)}”` : ''}`);
    }
    const exts = nifti.extensions;
    add('extensions', 'Extensions', exts.length === 0 ? 'none' : exts.map((e) => `code ${e.code}: ${extensionText(e)}`).join('; '));
  }
  return rows;
}

/** MGH's footer (nibabel's `MGHHeader` tr, flip_angle, te, ti). */
function mghFooterText(img: MGHImage): string | undefined {
  const num = (f: string): number | undefined => {
    const v = safe(() => img.header.get(f));
    return typeof v === 'number' ? v : undefined;
  };
  const tr = num('tr');
  const flip = num('flip_angle');
  if (tr === undefined || flip === undefined) return undefined;
  return `TR ${fmt(tr)} ms, flip angle ${fmt(flip)} rad, TE ${fmt(num('te') ?? 0)} ms, TI ${fmt(num('ti') ?? 0)} ms`;
}

/** "none", or "value × slope + inter", from the proxy's (resolved) factors. */
function scalingText(slope: number, inter: number): string {
  // nibabel: slope 0, NaN or ±inf means no scaling (the proxy resolves these to 1 and 0).
  if (slope === 0 || !Number.isFinite(slope)) return 'none';
  const i = Number.isFinite(inter) ? inter : 0;
  if (slope === 1 && i === 0) return 'none (slope 1, intercept 0)';
  return `value × ${fmt(slope)} ${i < 0 ? '−' : '+'} ${fmt(Math.abs(i))}`;
}
