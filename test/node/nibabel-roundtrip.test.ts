// Round trip through nibweb, judged by nibabel: every good fixture nibabel wrote is read by
// nibweb's public API, written back with nibweb's writer, and both files are read by nibabel
// 5.0.0, which must find the same class, on-disk dtype and byte order, shape, affine, data
// (within nibabel's own save tolerance) and header fields. test/fixtures/roundtrip-check.py is
// nibabel's side and says exactly what is compared and why.
//
// - Fixtures: all of conformance/ (NIfTI-1/2 .nii, .nii.gz and pairs), every readable pair of
//   analyze/ (Analyze 7.5 / SPM99 / SPM2, SPM's .mat included; not the bad pairs, nor
//   mat-neither, which nibabel refuses), and mgh/'s read set (.mgh, .mgz) but uint16, a type
//   nibabel 5.0.0 cannot read. So every class × dtype × byte order the fixtures hold is here.
// - Reading: `load(bytes, { name })` for single files, `loadFiles(files)` for pairs (with the
//   .mat when there is one). A non-NIfTI pair loads as Spm2AnalyzeImage, as in nibabel, so the
//   pairs written by AnalyzeImage or Spm99AnalyzeImage are also read as that class
//   (`fromSources`) and written by it; nibabel then reads both files as that class too.
// - Writing: `toBytes()` (one Uint8Array for single-file classes, `{ hdr, img }` for pairs),
//   and for one .nii.gz, one .mgz and one .hdr.gz/.img.gz pair `toBlob({ gzip: true })`.
// - One python process checks every job (nibabel's start-up costs about a second) and prints
//   one JSON line per job; each job is its own test, named by its fixture.
// - A write nibweb refuses passes only where nibabel cannot save the original either (an SPM99
//   RGB pair with a scale factor) and the error is a typed nibweb error. Where nibabel's own
//   save of the original fails the checks itself (SPM2 headers with an intercept, which
//   nibabel reads but does not write), ours must read exactly as nibabel's save does.
// - NIBWEB_ROUNDTRIP_KEEP=1 keeps the written files and jobs.json in the temporary directory,
//   to rerun `/usr/bin/python3 test/fixtures/roundtrip-check.py <dir>/jobs.json` by hand.
//
// Needs Debian's python3-nibabel (and python3-scipy for the .mat files) under /usr/bin/python3;
// .ci/run installs them. Without them the suite fails: it never skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalyzeImage,
  BufferSource,
  Spm99AnalyzeImage,
  isNibabelError,
  load,
  loadFiles,
  type PairBlobs,
  type PairBytes,
  type WriteOptions,
} from '../../src/index.js';
import analyzeManifest from '../fixtures/analyze/manifest.json';
import conformanceManifest from '../fixtures/conformance/manifest.json';
import mghManifest from '../fixtures/mgh/manifest.json';

const PYTHON = '/usr/bin/python3';
const CHECK = fileURLToPath(new URL('../fixtures/roundtrip-check.py', import.meta.url));
const fixture = (dir: string, f: string): string => fileURLToPath(new URL(`../fixtures/${dir}/${f}`, import.meta.url));

/** Classes whose files are a `.hdr` + `.img` pair (their `toBytes()` gives `{ hdr, img }`). */
const PAIR_CLASSES = new Set(['Nifti1Pair', 'Nifti2Pair', 'AnalyzeImage', 'Spm99AnalyzeImage', 'Spm2AnalyzeImage']);
/** Analyze classes read explicitly (`nibabel.load` and `loadFiles` give Spm2AnalyzeImage). */
const READ_AS = { AnalyzeImage, Spm99AnalyzeImage } as const;

interface Job {
  /** Test name: fixture set, fixture id, and how it is read or written when not the default. */
  id: string;
  /** Absolute paths: the single file, or `[hdr, img]` / `[hdr, img, mat]`. */
  files: string[];
  /** `'load'`: `load`/`loadFiles`; else the Analyze class read with `fromSources`. */
  readAs: 'load' | keyof typeof READ_AS;
  /** Write with `toBlob({ gzip: true })` instead of `toBytes()`. */
  gzip: boolean;
}

/** One line of roundtrip-check.py's output. */
interface Result {
  id: string;
  ok: boolean;
  /** What differs; `['nibweb wrote nothing']` for a job whose write failed. */
  mismatches: string[];
  orig: { class: string; dtype: string; endianness: string } | null;
  /** True when ours differs from the original only as nibabel's own save does. */
  same_as_nibabel_save: boolean;
  /** `'ok'`, the mismatches of nibabel's own save of the original, or `'could not save: …'`. */
  nibabel_resave: string | string[] | null;
}

/**
 * What the test needs of every image class: its writer, with the signatures the test targets
 * (the loaded-image union has no common one; a class whose `toBlob` still takes a file name
 * instead of `WriteOptions` fails the gzip check at run time).
 */
interface Writable {
  toBytes(): Promise<Uint8Array | PairBytes>;
  toBlob(opts: WriteOptions): Promise<Blob | PairBlobs>;
}

function analyzeJobs(): Job[] {
  type Entry = { id: string; group: string; files: string[]; writer?: string; nib_load_class?: string | null; as?: Record<string, { outcome: { outcome: string } }> };
  const jobs: Job[] = [];
  for (const e of analyzeManifest as Entry[]) {
    // 'bad' pairs and refused writes have no image; nibabel refuses mat-neither (no mat or M).
    if (e.group === 'bad' || e.files.length === 0 || !e.nib_load_class) continue;
    const files = e.files.map((f) => fixture('analyze', f));
    jobs.push({ id: `analyze/${e.id}`, files, readAs: 'load', gzip: false });
    if (e.writer && e.writer in READ_AS && e.as?.[e.writer]?.outcome.outcome === 'ok') {
      jobs.push({ id: `analyze/${e.id} as ${e.writer}`, files, readAs: e.writer as keyof typeof READ_AS, gzip: false });
    }
  }
  jobs.push({ id: 'analyze/spm2-int16-le-3d to .hdr.gz/.img.gz', files: ['spm2-int16-le-3d.hdr', 'spm2-int16-le-3d.img'].map((f) => fixture('analyze', f)), readAs: 'load', gzip: true });
  return jobs;
}

function conformanceJobs(): Job[] {
  const jobs: Job[] = conformanceManifest.map((e) => ({
    id: `conformance/${e.id}`,
    files: e.files.map((f) => fixture('conformance', f)),
    readAs: 'load',
    gzip: false,
  }));
  jobs.push({ id: 'conformance/int16-le-slopeinter-n1-nii-4d to .nii.gz', files: [fixture('conformance', 'int16-le-slopeinter-n1-nii-4d.nii')], readAs: 'load', gzip: true });
  return jobs;
}

function mghJobs(): Job[] {
  // uint16 (type 10) is a type nibabel 5.0.0 cannot read, so it cannot judge that file.
  const jobs: Job[] = mghManifest.read
    .filter((e) => e.dtype !== 'uint16')
    .map((e) => ({ id: `mgh/${e.id}`, files: e.files.map((f) => fixture('mgh', f)), readAs: 'load', gzip: false }));
  jobs.push({ id: 'mgh/int16-4d-mgh to .mgz', files: [fixture('mgh', 'int16-4d-mgh.mgh')], readAs: 'load', gzip: true });
  return jobs;
}

const JOBS: Job[] = [...analyzeJobs(), ...conformanceJobs(), ...mghJobs()];

const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const plain = (path: string): Uint8Array => (path.endsWith('.gz') ? new Uint8Array(gunzipSync(readFileSync(path))) : bytesOf(path));
const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;

/** Reads a job's fixture with nibweb: the image and the name of its class. */
async function readImage(job: Job): Promise<{ image: Writable; cls: string }> {
  if (job.readAs !== 'load') {
    const [hdr, img, mat] = job.files as [string, string, string?];
    const image = await READ_AS[job.readAs].fromSources({
      name: basename(hdr),
      header: new BufferSource(plain(hdr)),
      image: new BufferSource(plain(img)),
      ...(mat ? { mat: new BufferSource(plain(mat)) } : {}),
    });
    return { image: image as unknown as Writable, cls: image.constructor.name };
  }
  if (job.files.length === 1) {
    const path = job.files[0]!;
    const image = await load(bytesOf(path), { name: basename(path) });
    return { image: image as unknown as Writable, cls: image.constructor.name };
  }
  const images = await loadFiles(job.files.map((f) => new File([bytesOf(f) as BlobPart], basename(f))));
  if (images.length !== 1) throw new Error(`loadFiles gave ${images.length} images for ${job.files.map((f) => basename(f)).join(' + ')}`);
  return { image: images[0] as unknown as Writable, cls: images[0]!.constructor.name };
}

/** Reads a job's fixture, writes it back into `dir`, and returns the job for nibabel. */
async function writeBack(job: Job, n: number, dir: string): Promise<{ id: string; cls: string | null; as_class: string | null; original: string[]; written: string[] }> {
  const { image, cls } = await readImage(job);
  const pair = PAIR_CLASSES.has(cls);
  const stem = join(dir, `${n}-${basename(job.files[0]!).replace(/\.(nii|hdr|img|mgh|mgz)(\.gz)?$/, '')}`);
  const gz = job.gzip ? '.gz' : '';
  const single = cls === 'MGHImage' ? (job.gzip ? '.mgz' : '.mgh') : `.nii${gz}`;
  let written: string[];
  const out = job.gzip ? await image.toBlob({ gzip: true }) : await image.toBytes();
  const bytes = async (x: Uint8Array | Blob): Promise<Uint8Array> => (x instanceof Blob ? new Uint8Array(await x.arrayBuffer()) : x);
  if (out instanceof Uint8Array || out instanceof Blob) {
    if (pair) throw new Error(`${cls}.${job.gzip ? 'toBlob' : 'toBytes'}() gave one file; a pair image must give { hdr, img }`);
    written = [`${stem}${single}`];
    writeFileSync(written[0]!, await bytes(out));
  } else {
    if (!pair) throw new Error(`${cls} is a single-file class, but its writer gave { hdr, img }`);
    written = [`${stem}.hdr${gz}`, `${stem}.img${gz}`];
    writeFileSync(written[0]!, await bytes(out.hdr));
    writeFileSync(written[1]!, await bytes(out.img));
    // SPM's .mat, should the writer give one (nibabel writes it for SPM99/SPM2 images).
    const mat = (out as { mat?: Uint8Array | Blob }).mat;
    if (mat) {
      written.push(`${stem}.mat${gz}`);
      writeFileSync(written[2]!, await bytes(mat));
    }
  }
  if (job.gzip) {
    for (const w of written) if (!isGzip(readFileSync(w))) throw new Error(`${cls}.toBlob({ gzip: true }) wrote ${basename(w)} without gzip`);
  }
  return { id: job.id, cls, as_class: job.readAs === 'load' ? null : job.readAs, original: job.files, written };
}

describe('nibweb writes what nibabel wrote: nibabel reads both files alike', () => {
  const results = new Map<string, Result>();
  const writeErrors = new Map<string, unknown>();
  let pythonError: unknown = null;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nibweb-roundtrip-'));
    const list = [];
    for (const [n, job] of JOBS.entries()) {
      try {
        list.push(await writeBack(job, n, dir));
      } catch (err) {
        writeErrors.set(job.id, err);
        // nibabel is still asked whether it can save the original itself (see the test).
        list.push({ id: job.id, cls: null, as_class: job.readAs === 'load' ? null : job.readAs, original: job.files, written: [] });
      }
    }
    const jobsFile = join(dir, 'jobs.json');
    writeFileSync(jobsFile, JSON.stringify(list));
    let stdout = '';
    try {
      stdout = execFileSync(PYTHON, [CHECK, jobsFile], {
        encoding: 'utf8',
        timeout: 240_000,
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      // No python, or no nibabel (the script exits 2): every test below fails with this.
      pythonError = err;
    }
    for (const line of stdout.split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as Result;
      results.set(r.id, r);
    }
  }, 300_000);

  afterAll(() => {
    if (dir && !process.env.NIBWEB_ROUNDTRIP_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('/usr/bin/python3 runs roundtrip-check.py with nibabel (Debian: python3-nibabel)', () => {
    if (pythonError) throw pythonError;
  });

  it.each(JOBS.map((j) => j.id))('%s', (id) => {
    if (pythonError) throw pythonError;
    const r = results.get(id);
    expect(r, 'roundtrip-check.py gave no line for this job').toBeDefined();
    if (writeErrors.has(id)) {
      // Refusing to write is right only where nibabel cannot save the image either (RGB with
      // scale factors: numpy cannot scale a struct), and only with a typed nibweb error.
      const err = writeErrors.get(id);
      const nibabelRefuses = typeof r!.nibabel_resave === 'string' && r!.nibabel_resave.startsWith('could not save');
      if (!nibabelRefuses || !isNibabelError(err)) throw err;
      return;
    }
    // On failure the message shows whether nibabel's own save of the original passes.
    expect(r!.mismatches, `nibabel's own save of the original: ${JSON.stringify(r!.nibabel_resave)}`).toEqual([]);
    expect(r!.ok).toBe(true);
  });
});
