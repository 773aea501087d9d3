/**
 * The viewer's file handling without the DOM: how a drop is split into images, and how a
 * failure is told to a person. Unit tested in Node (test/node/viewer-files.test.ts).
 *
 * A drop is grouped before loading so that one bad file does not take the others down with
 * it: `.hdr` and `.img` files with the same stem form one Analyze/NIfTI pair (nibabel's
 * `filename_parser.types_filenames` pairing, case-insensitive, `.gz` allowed on either), every
 * other file is an image on its own; SPM's `.mat` joins the pair of its stem. A lone `.hdr` or `.img` stays its own group, so the
 * loader can report the missing partner.
 */
import { isNibabelError } from '../../src/errors.js';

/** What the viewer needs of a File (a `File` satisfies it). */
export interface NamedFile {
  name: string;
}

/** Files that load as one image, and the name to show for it. */
export interface FileGroup<F extends NamedFile> {
  name: string;
  files: F[];
}

/** Extensions the file picker offers (the loader decides by content, not by these). */
export const ACCEPTED_EXTENSIONS = ['.nii', '.nii.gz', '.hdr', '.img', '.hdr.gz', '.img.gz', '.mat', '.mgz', '.mgh', '.gz'];

function pairPart(name: string): { stem: string; kind: 'hdr' | 'img' } | null {
  const m = /^(.*)\.(hdr|img)(\.gz)?$/i.exec(name);
  return m ? { stem: m[1].toLowerCase(), kind: m[2].toLowerCase() as 'hdr' | 'img' } : null;
}

/**
 * Splits dropped files into images: `.hdr`+`.img` pairs by stem, everything else alone,
 * in the order the files came.
 * @param files the dropped or picked files
 * @returns one group per image to load
 */
export function groupFiles<F extends NamedFile>(files: Iterable<F>): FileGroup<F>[] {
  const groups: FileGroup<F>[] = [];
  const pairs = new Map<string, FileGroup<F>>();
  const all = [...files];
  // SPM's .mat goes with the .hdr/.img pair of the same stem (the loader reads it for the affine).
  const matOf = new Map<string, F>();
  for (const f of all) {
    const m = /^(.*)\.mat$/i.exec(f.name);
    if (m && all.some((g) => pairPart(g.name)?.stem === m[1]!.toLowerCase())) matOf.set(m[1]!.toLowerCase(), f);
  }
  for (const f of all) {
    if ([...matOf.values()].includes(f)) continue;
    const part = pairPart(f.name);
    if (part) {
      const g = pairs.get(part.stem);
      // Pair a header with an image, not two headers.
      if (g && g.files.every((other) => pairPart(other.name)?.kind !== part.kind)) {
        g.files.push(f);
        const hdr = g.files.find((x) => pairPart(x.name)?.kind === 'hdr') ?? g.files[0];
        const img = g.files.find((x) => pairPart(x.name)?.kind === 'img') ?? g.files[0];
        g.name = `${hdr.name} + ${img.name}`;
        const mat = matOf.get(part.stem);
        if (mat) g.files.push(mat);
        pairs.delete(part.stem);
        continue;
      }
      const ng = { name: f.name, files: [f] };
      pairs.set(part.stem, ng);
      groups.push(ng);
      continue;
    }
    groups.push({ name: f.name, files: [f] });
  }
  return groups;
}

/** A failure as the page shows it. */
export interface ErrorReport {
  /** Which file(s). */
  file: string;
  /** The error class, e.g. `ImageFileError`. */
  kind: string;
  /** The stable code, e.g. `NOT_AN_IMAGE`, when the error has one. */
  code?: string;
  /** What is wrong. */
  message: string;
}

/**
 * Describes a failure for the page: nibweb errors by class, code and message; anything else
 * by its name and message.
 * @param err what was caught
 * @param file the file name(s) concerned
 * @returns the report
 */
export function describeError(err: unknown, file: string): ErrorReport {
  if (isNibabelError(err)) {
    return { file, kind: err.name, code: err.code, message: err.message };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { file, kind: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message };
  }
  return { file, kind: 'Error', message: String(err) };
}

/** True for the `AbortError` a cancelled load rejects with. */
export function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
