/**
 * File paths in Node: which strings are paths, and the files that belong together on disk
 * (nibabel's `loadsave.load(filename)` with `filename_parser.types_filenames`). A `.hdr`
 * path finds its `.img` beside it, an `.img` its `.hdr`, and either SPM's `.mat`.
 *
 * - In Node a string is a path unless it is an `http:`, `https:`, `blob:` or `data:` URL;
 *   a `file:` URL (string or `URL`) is a path too. Relative paths resolve against
 *   `process.cwd()`, and a leading `~` is the home directory (nibabel's `expanduser`).
 *   In browsers nothing is a path: strings stay URLs.
 * - Partner names follow `types_filenames`: the same stem, the extension in the case of the
 *   given one (`x.HDR` → `x.IMG`), the same `.gz` suffix (`x.hdr.gz` → `x.img.gz`,
 *   `x.mat.gz`). nibabel looks no further; where that name is not on disk, the other case
 *   and the other compression are tried before the partner counts as missing.
 *
 * Only this module and node-file-source.ts touch Node's modules, imported at run time.
 */
import { ImageFileError, throwIfAborted } from '../errors.js';
import { type FileGroup, type NamedFile, groupFiles, splitName } from '../filename-parser.js';
import { isNode, nodeModules } from './node-file-source.js';

/** A file named by a path: its base name (what format detection and grouping read) and its absolute path. */
export interface PathEntry {
  /** The base name, e.g. `'sub-01_T1w.nii.gz'`. */
  readonly name: string;
  /** The absolute path. */
  readonly path: string;
}

const URL_SCHEME = /^(?:https?|blob|data):/i;

/**
 * True when `input` names a file on disk: in Node, a string that is not an http(s), blob or
 * data URL, or a `file:` URL; never in a browser.
 * @param input what `load` was given
 * @returns whether to read it from the filesystem
 */
export function isNodePath(input: unknown): input is string | URL {
  if (!isNode()) return false;
  if (typeof input === 'string') return !URL_SCHEME.test(input);
  return input instanceof URL && input.protocol === 'file:';
}

/**
 * Resolves a path as nibabel does: `file:` URLs, `~`, and relative to `process.cwd()`.
 * @param input a path or `file:` URL
 * @returns the base name and absolute path
 * @throws {TypeError} outside Node
 */
export async function pathEntry(input: string | URL): Promise<PathEntry> {
  const { path: P, url, os } = await nodeModules();
  let p = input instanceof URL || /^file:/i.test(input) ? url.fileURLToPath(input) : input;
  if (p === '~' || /^~[/\\]/.test(p)) p = os.homedir() + p.slice(1);
  const abs = P.resolve(p);
  return { name: P.basename(abs), path: abs };
}

/** The directory part of an entry's absolute path (with its trailing separator). */
function dirOf(e: PathEntry): string {
  return e.path.slice(0, e.path.length - e.name.length);
}

/**
 * `groupFiles`, but only files of one directory pair up: paths are grouped per directory,
 * anything else (a `File`) among themselves; groups keep the order of their first file.
 * @param files Files and path entries
 * @returns one group per image to load
 */
export function groupByDirectory<F extends NamedFile>(files: readonly F[]): FileGroup<F>[] {
  const dirs = new Map<string, F[]>();
  for (const f of files) {
    const dir = isPathEntry(f) ? dirOf(f) : '';
    const list = dirs.get(dir);
    if (list) list.push(f);
    else dirs.set(dir, [f]);
  }
  const order = new Map(files.map((f, i) => [f, i] as const));
  const first = (g: FileGroup<F>) => Math.min(...g.files.map((f) => order.get(f)!));
  return [...dirs.values()].flatMap((list) => groupFiles(list)).sort((a, b) => first(a) - first(b));
}

/**
 * True for a `PathEntry` (what `loadFiles` makes of a path string).
 * @param f a group member
 * @returns whether it names a file on disk
 */
export function isPathEntry(f: unknown): f is PathEntry {
  return typeof f === 'object' && f !== null && typeof (f as PathEntry).path === 'string' && typeof (f as PathEntry).name === 'string' && !(typeof Blob !== 'undefined' && f instanceof Blob);
}

/**
 * The names to look for beside `of` for the file of extension `want` (see the module comment).
 * @param of a `.hdr` or `.img` (possibly `.gz`) base name
 * @param want `'.hdr'`, `'.img'` or `'.mat'`
 * @returns candidate base names, nibabel's first
 */
export function partnerNames(of: string, want: string): string[] {
  const { stem, ext, gz } = splitName(of);
  const given = of.slice(stem.length, stem.length + ext.length);
  const upper = given === given.toUpperCase() && given !== given.toLowerCase();
  const gzGiven = gz ? of.slice(-3) : '';
  const gzOther = gz ? '' : upper ? '.GZ' : '.gz';
  const cases = upper ? [want.toUpperCase(), want] : [want, want.toUpperCase()];
  const names = [gzGiven, gzOther].flatMap((z) => cases.map((e) => stem + e + z));
  return [...new Set(names)];
}

/**
 * The first of `partnerNames(of.name, want)` that is a file in `of`'s directory.
 * @returns its entry, or `null` when none is there
 */
async function findBeside(of: PathEntry, want: string, signal?: AbortSignal): Promise<PathEntry | null> {
  const { fs } = await nodeModules();
  const dir = dirOf(of);
  for (const name of partnerNames(of.name, want)) {
    throwIfAborted(signal);
    const st = await fs.stat(dir + name).catch(() => null);
    if (st?.isFile()) return { name, path: dir + name };
  }
  return null;
}

/**
 * A `.hdr`/`.img` pair completed from disk: the missing half and, if not given, SPM's `.mat`.
 * @param given the halves (at least one) and `.mat` that came
 * @param opts `signal` to abort
 * @returns both halves, and the `.mat` when there is one
 * @throws {ImageFileError} `MISSING_PAIR_MEMBER` naming the names looked for
 */
export async function completePair(
  given: { hdr?: PathEntry; img?: PathEntry; mat?: PathEntry },
  opts: { signal?: AbortSignal } = {},
): Promise<{ hdr: PathEntry; img: PathEntry; mat?: PathEntry }> {
  let { hdr, img } = given;
  if (!hdr || !img) {
    const have = (hdr ?? img)!;
    const want = hdr ? '.img' : '.hdr';
    const found = await findBeside(have, want, opts.signal);
    if (!found) {
      throw new ImageFileError(
        `"${have.path}" needs its partner: no ${partnerNames(have.name, want).join(', ')} next to it in ${dirOf(have)}`,
        { code: 'MISSING_PAIR_MEMBER' },
      );
    }
    if (hdr) img = found;
    else hdr = found;
  }
  const pair = { hdr: hdr!, img: img! };
  const mat = given.mat ?? (await findBeside(pair.hdr, '.mat', opts.signal));
  return mat ? { ...pair, mat } : pair;
}
