/**
 * The check machinery of the headers (nibabel's `batteryrunners.py`): a header's battery is
 * an ordered list of small check functions; each fixes what nibabel fixes (level < 40) and
 * records a `HeaderWarning`, or throws a typed error for what nibabel refuses (level ≥ 40).
 * The checks themselves live with their format (analyze-checks.ts, nifti1-checks.ts, …).
 */
import type { HeaderWarning } from '../errors.js';
import type { WrapStruct } from './wrapstruct.js';

/** What a check sees besides the header. */
export interface CheckContext {
  /** True for bytes read from a file, false for `checkFix()` on a header in memory. */
  file: boolean;
  /** Where fixes and findings are recorded. */
  warnings: HeaderWarning[];
}

/** The least a checked header offers: its fields. Formats' checks ask for more. */
export interface CheckedStruct {
  /** The fields (nibabel's `structarr`). */
  readonly structarr: WrapStruct;
}

/**
 * One check of the battery. A subclass's checks may ask for more of the header than its
 * parent's (NIfTI's see its magic and offsets): the method form keeps such checks assignable
 * to the parent's list, as nibabel's `_get_checks` lists mix both.
 */
export type HeaderCheck<H extends CheckedStruct = CheckedStruct> = { check(hdr: H, ctx: CheckContext): void }['check'];

/**
 * Records a fix or finding.
 * @param list where to record
 * @param code stable code, e.g. `'BAD_PIXDIM'`
 * @param field the field concerned
 * @param message nibabel's problem and fix message
 * @param found the value found
 * @param used the value used instead
 */
export function warn(list: HeaderWarning[], code: string, field: string, message: string, found?: unknown, used?: unknown): void {
  list.push({ code, field, message, found, used });
}

/**
 * A subclass's battery: the parent's, with checks inserted after named ones and some replaced
 * (nibabel's `_get_checks` returns `super()._get_checks() + (...)`; here order matters too,
 * since an early check may make a later one's reading meaningless).
 * @param base the parent's list
 * @param edits `after`: insert `add` right after that check (or at the end when absent);
 *   `replace`: put `add` in that check's place
 * @returns the new list
 * @throws {Error} when an anchor is not in the list (a programming error)
 */
export function extendChecks(
  base: readonly HeaderCheck[],
  ...edits: { after?: HeaderCheck; replace?: HeaderCheck; add: readonly HeaderCheck[] }[]
): readonly HeaderCheck[] {
  const out = [...base];
  for (const e of edits) {
    const anchor = e.replace ?? e.after;
    const i = anchor ? out.indexOf(anchor) : -1;
    if (anchor && i < 0) throw new Error('extendChecks: anchor check not in the list');
    if (e.replace) out.splice(i, 1, ...e.add);
    else if (e.after) out.splice(i + 1, 0, ...e.add);
    else out.push(...e.add);
  }
  return out;
}
