/**
 * How a drop of files becomes images (nibabel's `filename_parser.py` `types_filenames` and
 * `splitext_addext`, for files that arrive together instead of by path): `.hdr` and `.img`
 * with the same stem form one pair (case-insensitive, `.gz` allowed on either), SPM's `.mat`
 * joins the pair of its stem, every other file is an image on its own. A lone `.hdr` or `.img`
 * stays a group of its own, so the loader can name its missing partner.
 *
 * Pure: names only, no I/O.
 */

/** What grouping needs of a file (a `File` satisfies it). */
export interface NamedFile {
  readonly name: string;
}

/** Files that load as one image. */
export interface FileGroup<F extends NamedFile = File> {
  /** The name to show: the file's, or `"a.hdr + a.img"` for a pair. */
  name: string;
  /** Every file of the group, in the order they came (a pair's `.mat` last). */
  files: F[];
  /** A pair's header file (absent when only the `.img` came). */
  hdr?: F;
  /** A pair's image file (absent when only the `.hdr` came). */
  img?: F;
  /** SPM's `.mat` beside the pair, when it came. */
  mat?: F;
}

/**
 * A file name split nibabel's way (`splitext_addext` with `.gz` as a compression suffix).
 * @param name a file name
 * @returns the stem (original case), the lower-case extension without `.gz` (`'.nii'`,
 *   `'.hdr'`, `''`), and whether it ends in `.gz`
 */
export function splitName(name: string): { stem: string; ext: string; gz: boolean } {
  const gz = /\.gz$/i.test(name);
  const base = gz ? name.slice(0, -3) : name;
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? { stem: base, ext: '', gz } : { stem: base.slice(0, dot), ext: base.slice(dot).toLowerCase(), gz };
}

/**
 * Splits dropped files into images, in the order their first file came.
 * @param files the dropped or picked files
 * @returns one group per image to load
 * @example
 * groupFiles(dataTransfer.files).map((g) => g.name); // ['T1.nii.gz', 'spm.hdr + spm.img']
 */
export function groupFiles<F extends NamedFile>(files: Iterable<F>): FileGroup<F>[] {
  const all = [...files];
  const key = (f: F): string => splitName(f.name).stem.toLowerCase();
  const isHalf = (f: F): boolean => ['.hdr', '.img'].includes(splitName(f.name).ext);
  const halves = new Set(all.filter(isHalf).map(key));
  const groups: FileGroup<F>[] = [];
  const open = new Map<string, FileGroup<F>>();
  const mats = new Map<string, F>();
  for (const f of all) {
    const { ext } = splitName(f.name);
    // SPM's .mat goes with the pair of its stem (the first one, if several came).
    if (ext === '.mat' && halves.has(key(f)) && !mats.has(key(f))) {
      mats.set(key(f), f);
      continue;
    }
    if (!isHalf(f)) {
      groups.push({ name: f.name, files: [f] });
      continue;
    }
    const role = ext === '.hdr' ? 'hdr' : 'img';
    const g = open.get(key(f));
    if (g && !g[role]) {
      // The partner: the pair is complete; a third half with this stem starts a new group.
      g[role] = f;
      g.files.push(f);
      g.name = `${g.hdr!.name} + ${g.img!.name}`;
      open.delete(key(f));
      continue;
    }
    const ng: FileGroup<F> = { name: f.name, files: [f], [role]: f };
    open.set(key(f), ng);
    groups.push(ng);
  }
  for (const g of groups) {
    const half = g.hdr ?? g.img;
    const mat = half && mats.get(key(half));
    if (mat && g.hdr && g.img) {
      g.mat = mat;
      g.files.push(mat);
      mats.delete(key(half));
    }
  }
  // A .mat whose pair never completed is a file of its own (the loader says what it is).
  for (const mat of mats.values()) groups.push({ name: mat.name, files: [mat] });
  return groups;
}
