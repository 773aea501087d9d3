/**
 * The viewer's file handling without the DOM: which files the picker offers, and how a
 * failure is told to a person. Unit tested in Node (test/node/viewer-files.test.ts).
 *
 * How a drop splits into images (`.hdr` + `.img` pairs, SPM's `.mat`, lone pair halves) is
 * the library's `groupFiles`; the page loads each group on its own so that one bad file shows
 * its error here and the others still load.
 */
import { isNibabelError } from '../../src/index.js';

/** Extensions the file picker offers (the loader decides by content, not by these). */
export const ACCEPTED_EXTENSIONS = ['.nii', '.nii.gz', '.hdr', '.img', '.hdr.gz', '.img.gz', '.mat', '.mgz', '.mgh', '.gz'];

/** A failure as the page shows it. */
export interface ErrorReport {
  /** Which file(s). */
  file: string;
  /** The error class, e.g. `ImageFileError`. */
  kind: string;
  /** The stable code, e.g. `NOT_NIFTI`, when the error has one. */
  code?: string;
  /** What is wrong. */
  message: string;
}

/**
 * Describes a failure for the page: nibweb errors by class, code and message; anything else
 * by its name and message (and its code when it has a string one).
 * @param err what was caught
 * @param file the file name(s) concerned
 * @returns the report
 */
export function describeError(err: unknown, file: string): ErrorReport {
  if (isNibabelError(err)) {
    return { file, kind: err.name, code: err.code, message: err.message };
  }
  if (err instanceof Error) {
    const code = 'code' in err ? err.code : undefined;
    return { file, kind: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message };
  }
  return { file, kind: 'Error', message: String(err) };
}

/** True for the `AbortError` a cancelled load rejects with. */
export function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
