/**
 * The Chromium side of `npm run bench` (scripts/bench.mjs drives it through Playwright).
 *
 * The volumes arrive as real disk-backed `File`s through `<input type=file>`; the page keeps
 * whatever a section needs in memory (`prepare`), and `run(case, volume, iter)` performs one
 * repetition of one case and returns the milliseconds it measured itself, so the driver can
 * interleave cases round-robin. Peers are the platform's `DecompressionStream` and fflate;
 * nibweb's pieces come from nibweb-adapter.ts and are "not available" until they land.
 *
 * Nothing here asserts: `verify` compares outputs once so a wrong result is reported
 * instead of a fast number.
 */
import { gunzipSync } from 'fflate';
import { getNibweb, type ImageLike, type NibwebPieces, type ScaleJob } from './nibweb-adapter';

/** One benchmark volume as the driver describes it. */
export interface VolumeSpec {
  name: string;
  /** File names as given to the input. */
  gzName: string;
  niiName: string;
  /** The same int16 data as a .mgz (T1 only). */
  mgzName?: string;
  shape: number[];
  dtype: 'int16' | 'float32';
  slope: number;
  inter: number;
}

/** What the page reports about itself. */
export interface PageInfo {
  userAgent: string;
  crossOriginIsolated: boolean;
  timerResolutionMs: number;
  gc: boolean;
  nibweb: { gunzip: string; load: boolean; loadFrom: string; scaler: string; problems: string[] };
}

/** The API the driver calls through `page.evaluate`. */
export interface NibBench {
  info(): Promise<PageInfo>;
  setVolumes(vols: VolumeSpec[]): void;
  prepare(section: 'gunzip' | 'scale' | 'e2e' | 'slice'): Promise<Record<string, string>>;
  verify(section: 'gunzip' | 'e2e' | 'e2e-mgz' | 'slice' | 'scale', vol: string): Promise<Record<string, string>>;
  run(id: string, vol: string, iter: number): Promise<number>;
  release(): void;
  gcNow(): void;
}

declare global {
  interface Window {
    nibBench: NibBench;
    nibBenchReady: Promise<void>;
    gc?: () => void;
  }
}

const status = document.getElementById('status')!;
const input = document.getElementById('files') as HTMLInputElement;
let nib: NibwebPieces;
let vols = new Map<string, VolumeSpec>();

// Per-volume state that a section prepares.
const gzBytes = new Map<string, Uint8Array>();
const scaleIn = new Map<string, Int16Array>();
const scaleOut = new Map<string, Float32Array>();
const scaleJobs = new Map<string, ScaleJob>();
const scaleProblems = new Map<string, string>();
const niiImages = new Map<string, ImageLike>();
/** Keeps the result of a memory run alive until the driver has read the peak. */
const held: { result: unknown } = { result: null };

function file(name: string): File {
  for (const f of input.files ?? []) if (f.name === name) return f;
  throw new Error(`no file ${name} given to the page`);
}

function spec(name: string): VolumeSpec {
  const v = vols.get(name);
  if (!v) throw new Error(`unknown volume ${name}`);
  return v;
}

const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** ISIZE: the gzip trailer's uncompressed length mod 2^32 (RFC 1952 §2.3.1). */
function isizeOf(trailer: Uint8Array): number {
  const n = trailer.length;
  return (trailer[n - 4] | (trailer[n - 3] << 8) | (trailer[n - 2] << 16) | (trailer[n - 1] << 24)) >>> 0;
}

/**
 * The fastest DecompressionStream use measured in perf-baseline.md: the whole input in one
 * `write()` (not awaited before reading, or backpressure would deadlock), output chunks copied
 * into one buffer preallocated from ISIZE.
 */
async function dsGunzip(gz: Uint8Array, out: Uint8Array): Promise<number> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const written = writer.write(gz as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const reader = ds.readable.getReader();
  let off = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, off);
    off += value.length;
  }
  await written;
  return off;
}

/** The JS twin: one pass into a preallocated Float32Array. */
function scaleJs(src: Int16Array | Float32Array, out: Float32Array, slope: number, inter: number): void {
  for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + inter;
}

/**
 * The lean peer pipeline of perf-baseline.md: File.stream() → DecompressionStream → buffer
 * preallocated from ISIZE → typed view at vox_offset (no copy) → one JS scaling pass into a
 * new Float32Array (or the view itself for float32 data with slope 1, inter 0). Parses just
 * the NIfTI-1 fields it needs (little-endian files only, as the bench writes).
 */
async function leanLoad(f: File): Promise<Float32Array> {
  const isize = isizeOf(new Uint8Array(await f.slice(f.size - 4).arrayBuffer()));
  const buf = new Uint8Array(isize);
  const ds = f.stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = ds.getReader();
  let off = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf.set(value, off);
    off += value.length;
  }
  const dv = new DataView(buf.buffer);
  const ndim = dv.getInt16(40, true);
  let n = 1;
  for (let i = 0; i < ndim; i++) n *= dv.getInt16(42 + 2 * i, true);
  const datatype = dv.getInt16(70, true);
  const voxOffset = dv.getFloat32(108, true);
  let slope = dv.getFloat32(112, true);
  let inter = dv.getFloat32(116, true);
  if (!Number.isFinite(slope) || slope === 0) [slope, inter] = [1, 0];
  if (datatype === 16) {
    const raw = new Float32Array(buf.buffer, voxOffset, n);
    if (slope === 1 && inter === 0) return raw;
    const out = new Float32Array(n);
    scaleJs(raw, out, slope, inter);
    return out;
  }
  if (datatype !== 4) throw new Error(`lean path handles int16/float32 only, not datatype ${datatype}`);
  const raw = new Int16Array(buf.buffer, voxOffset, n);
  const out = new Float32Array(n);
  scaleJs(raw, out, slope, inter);
  return out;
}

/**
 * The lean pipeline for a `.mgz` (the bench writes int16 only): as `leanLoad` — File.stream()
 * → DecompressionStream → buffer preallocated from ISIZE — then dims and type from the
 * big-endian header and one JS pass that byte-swaps the big-endian int16 at offset 284 into
 * a new Float32Array (MGH has no scaling).
 */
async function leanLoadMgh(f: File): Promise<Float32Array> {
  const isize = isizeOf(new Uint8Array(await f.slice(f.size - 4).arrayBuffer()));
  const buf = new Uint8Array(isize);
  const ds = f.stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = ds.getReader();
  let off = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf.set(value, off);
    off += value.length;
  }
  const dv = new DataView(buf.buffer);
  let n = 1;
  for (let i = 0; i < 4; i++) n *= dv.getInt32(4 + 4 * i, false);
  const type = dv.getInt32(20, false);
  if (type !== 4) throw new Error(`lean MGH path handles int16 (type 4) only, not type ${type}`);
  const out = new Float32Array(n);
  for (let i = 0, p = 284; i < n; i++, p += 2) out[i] = ((buf[p] << 24) >> 16) | buf[p + 1];
  return out;
}

/** A position-weighted float64 sum, shown next to the element-wise comparison. */
function checksum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * ((i % 65521) + 1);
  return s;
}

/** The nibweb pipeline timed in e2e/mem: fresh load, float32 getFdata. */
async function nibLoad(f: File): Promise<{ img: ImageLike; data: ArrayLike<number> }> {
  if (!nib.load) throw new Error('not available: load');
  const img = await nib.load(f);
  const arr = await img.getFdata({ dtype: 'float32' });
  return { img, data: arr.data };
}

/** Where slice `k` (of volume `t` for 4D data) lies in the .nii, and the proxy index for it. */
function sliceGeometry(v: VolumeSpec, k: number, t: number): { index: (number | null)[]; offset: number; bytes: number } {
  const item = v.dtype === 'int16' ? 2 : 4;
  const plane = v.shape[0] * v.shape[1];
  const index: (number | null)[] = [null, null, k];
  let offset = 352 + k * plane * item;
  if (v.shape.length === 4) {
    // One 2D slice of one volume (a 3D index would read a whole x-y-t block).
    index.push(t);
    offset += t * prod(v.shape.slice(0, 3)) * item;
  }
  return { index, offset, bytes: plane * item };
}

/**
 * A different slice for every run and for each of the two cases, far enough apart that no
 * read hits bytes an earlier one brought into nibweb's 64 KiB block cache: k steps by 37
 * slices; for 4D data, where 37 ≡ 1 (mod 36) would give neighbouring 8 KiB slices, the
 * volume steps by 13 too.
 */
function sliceAt(v: VolumeSpec, iter: number, which: 0 | 1): { index: (number | null)[]; offset: number; bytes: number } {
  const nz = v.shape[2];
  const k = (iter * 37 + 11 + which * (nz >> 1)) % nz;
  const nt = v.shape[3] ?? 1;
  const t = (iter * 13 + (nt >> 1) + which * (nt >> 2)) % nt;
  return sliceGeometry(v, k, t);
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): string {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return `element ${i}: ${a[i]} vs ${b[i]}`;
  }
  return '';
}

const api: NibBench = {
  async info() {
    let res = Infinity;
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      let b = performance.now();
      while (b === a) b = performance.now();
      res = Math.min(res, b - a);
    }
    return {
      userAgent: navigator.userAgent,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      timerResolutionMs: res,
      gc: typeof window.gc === 'function',
      nibweb: {
        gunzip: nib.gunzipFrom,
        load: nib.load !== null,
        loadFrom: nib.loadFrom,
        scaler: nib.scaler?.label ?? 'not available',
        problems: nib.problems,
      },
    };
  },

  setVolumes(list) {
    vols = new Map(list.map((v) => [v.name, v]));
  },

  async prepare(section) {
    const notes: Record<string, string> = {};
    for (const v of vols.values()) {
      if (section === 'gunzip') {
        gzBytes.set(v.name, new Uint8Array(await file(v.gzName).arrayBuffer()));
      } else if (section === 'scale' && v.dtype === 'int16') {
        const gz = new Uint8Array(await file(v.gzName).arrayBuffer());
        const nii = new Uint8Array(isizeOf(gz));
        await dsGunzip(gz, nii);
        const n = prod(v.shape);
        const raw = new Int16Array(nii.buffer, 352, n).slice();
        scaleIn.set(v.name, raw);
        scaleOut.set(v.name, new Float32Array(n));
        scaleProblems.delete(v.name);
        if (nib.scaler) {
          try {
            scaleJobs.set(v.name, await nib.scaler.prepare(raw, v.slope, v.inter));
          } catch (err) {
            scaleProblems.set(v.name, String(err));
            notes[v.name] = String(err);
          }
        }
      } else if (section === 'slice' && nib.load) {
        try {
          niiImages.set(v.name, await nib.load(file(v.niiName)));
        } catch (err) {
          notes[v.name] = String(err);
        }
      }
    }
    return notes;
  },

  async verify(section, name) {
    const v = spec(name);
    const out: Record<string, string> = {};
    if (section === 'gunzip') {
      const gz = gzBytes.get(name)!;
      const ref = new Uint8Array(isizeOf(gz));
      const got = await dsGunzip(gz, ref);
      out.ds = got === ref.length ? '' : `DecompressionStream gave ${got} of ${ref.length} bytes`;
      out.fflate = firstMismatch(gunzipSync(gz), ref);
      if (nib.gunzip) {
        try {
          out.nibweb = firstMismatch(await nib.gunzip(gz), ref);
        } catch (err) {
          out.nibweb = `threw ${String(err)}`;
        }
      }
    } else if (section === 'scale') {
      const raw = scaleIn.get(name);
      const job = scaleJobs.get(name);
      if (raw && job) {
        const ref = new Float32Array(raw.length);
        scaleJs(raw, ref, v.slope, v.inter);
        job.run();
        out.wasm = firstMismatch(job.output(), ref);
      }
    } else if (section === 'e2e') {
      const f = file(v.gzName);
      const ref = await leanLoad(f);
      if (nib.load) {
        try {
          const { img, data } = await nibLoad(f);
          out.nibweb = firstMismatch(data, ref);
          img.uncache();
        } catch (err) {
          out.nibweb = `threw ${String(err)}`;
        }
      }
    } else if (section === 'e2e-mgz') {
      if (!v.mgzName) throw new Error(`volume ${name} has no .mgz`);
      const ref = await leanLoadMgh(file(v.mgzName));
      out.checksumLean = String(checksum(ref));
      // The lean MGH output must be the NIfTI row's raw int16 voxels, read straight from the .nii.
      const nii = new Int16Array(await file(v.niiName).slice(352, 352 + prod(v.shape) * 2).arrayBuffer());
      out.lean = firstMismatch(ref, nii);
      if (nib.load) {
        try {
          const { img, data } = await nibLoad(file(v.mgzName));
          out.checksumNibweb = String(checksum(data));
          out.nibweb = firstMismatch(data, ref) || (out.checksumNibweb === out.checksumLean ? '' : `checksum ${out.checksumNibweb} vs ${out.checksumLean}`);
          img.uncache();
        } catch (err) {
          out.nibweb = `threw ${String(err)}`;
        }
      }
    } else if (section === 'slice') {
      const img = niiImages.get(name);
      if (img) {
        try {
          const { index, offset, bytes } = sliceAt(v, 0, 0);
          const buf = await file(v.niiName).slice(offset, offset + bytes).arrayBuffer();
          const raw = v.dtype === 'int16' ? new Int16Array(buf) : new Float32Array(buf);
          const ref = new Float64Array(raw.length);
          // nibabel scales int16 with NIfTI slope/inter in float64 (src/scaling.ts).
          for (let i = 0; i < raw.length; i++) ref[i] = v.slope === 1 && v.inter === 0 ? raw[i] : raw[i] * v.slope + v.inter;
          const arr = await img.dataobj.get(index);
          const [nx, ny] = v.shape;
          let bad = arr.shape.join('x') === `${nx}x${ny}` ? '' : `shape ${arr.shape.join('x')}`;
          for (let j = 0; j < ny && !bad; j++) {
            for (let i = 0; i < nx && !bad; i++) {
              const a = arr.get(i, j);
              const b = ref[i + j * nx];
              if (a !== b && Math.abs(a - b) > 1e-6 * Math.abs(b)) bad = `(${i},${j}): ${a} vs ${b}`;
            }
          }
          out.nibweb = bad;
        } catch (err) {
          out.nibweb = `threw ${String(err)}`;
        }
      }
    }
    return out;
  },

  async run(id, name, iter) {
    const v = spec(name);
    switch (id) {
      case 'gunzip:nibweb': {
        if (!nib.gunzip) throw new Error('not available');
        const gz = gzBytes.get(name)!;
        const t0 = performance.now();
        await nib.gunzip(gz);
        return performance.now() - t0;
      }
      case 'gunzip:ds': {
        const gz = gzBytes.get(name)!;
        const t0 = performance.now();
        await dsGunzip(gz, new Uint8Array(isizeOf(gz)));
        return performance.now() - t0;
      }
      case 'gunzip:fflate': {
        const gz = gzBytes.get(name)!;
        const t0 = performance.now();
        gunzipSync(gz);
        return performance.now() - t0;
      }
      case 'scale:js': {
        const raw = scaleIn.get(name)!;
        const out = scaleOut.get(name)!;
        const t0 = performance.now();
        scaleJs(raw, out, v.slope, v.inter);
        return performance.now() - t0;
      }
      case 'scale:wasm': {
        const job = scaleJobs.get(name);
        if (!job) throw new Error(scaleProblems.get(name) ?? 'not available');
        const t0 = performance.now();
        job.run();
        return performance.now() - t0;
      }
      case 'e2e:nibweb':
      case 'mem:nibweb': {
        const f = file(v.gzName);
        const t0 = performance.now();
        const { img, data } = await nibLoad(f);
        const ms = performance.now() - t0;
        if (id === 'mem:nibweb') held.result = data;
        else img.uncache();
        return ms;
      }
      case 'e2e:lean':
      case 'mem:lean': {
        const f = file(v.gzName);
        const t0 = performance.now();
        const data = await leanLoad(f);
        const ms = performance.now() - t0;
        if (id === 'mem:lean') held.result = data;
        return ms;
      }
      case 'e2e:nibweb-mgz': {
        const f = file(v.mgzName!);
        const t0 = performance.now();
        const { img } = await nibLoad(f);
        const ms = performance.now() - t0;
        img.uncache();
        return ms;
      }
      case 'e2e:lean-mgz': {
        const f = file(v.mgzName!);
        const t0 = performance.now();
        await leanLoadMgh(f);
        return performance.now() - t0;
      }
      case 'slice:nibweb': {
        const img = niiImages.get(name);
        if (!img) throw new Error('not available');
        const { index } = sliceAt(v, iter, 0);
        const t0 = performance.now();
        await img.dataobj.get(index);
        return performance.now() - t0;
      }
      case 'slice:raw': {
        const f = file(v.niiName);
        const { offset, bytes } = sliceAt(v, iter, 1);
        const t0 = performance.now();
        const buf = await f.slice(offset, offset + bytes).arrayBuffer();
        if (v.dtype === 'int16') new Int16Array(buf);
        else new Float32Array(buf);
        return performance.now() - t0;
      }
      default:
        throw new Error(`unknown case ${id}`);
    }
  },

  release() {
    gzBytes.clear();
    scaleIn.clear();
    scaleOut.clear();
    scaleJobs.clear();
    niiImages.clear();
    held.result = null;
    api.gcNow();
  },

  gcNow() {
    window.gc?.();
  },
};

window.nibBench = api;
window.nibBenchReady = getNibweb().then((pieces) => {
  nib = pieces;
  status.textContent = `ready; gunzip: ${pieces.gunzipFrom}; load: ${pieces.loadFrom}`;
});
