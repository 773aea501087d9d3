/**
 * Deterministic synthetic benchmark volumes (no external data), written as `.nii` and
 * `.nii.gz` (node:zlib, level 6) under node_modules/.cache/nibweb-bench/.
 *
 * Three volumes modelled on the ones perf-baseline.md measured peers on:
 * - `t1`:   256×256×192 int16, scl_slope 2.5 / scl_inter −10: a head phantom (scalp, skull,
 *           CSF, folded cortex, white matter, ventricles), smooth bias field and texture,
 *           Gaussian noise in the head and Rician-like noise outside; gzip ≈ 2.3×.
 * - `fmri`: 64×64×36×300 int16, slope 2.5 / inter −10: an EPI-like head whose voxels drift
 *           and fluctuate over time, with thermal noise; gzip ≈ 1.8×.
 * - `mni`:  182×218×182 float32, slope 1 / inter 0: a smooth template-like brain in a field
 *           of exact zeros (most of the volume); gzip ≈ 4×.
 *
 * Everything comes from a seeded PRNG, so the bytes are identical on every machine; the
 * cache is keyed by GENERATOR_VERSION. Anatomy uses separable per-axis tables (sines,
 * bias) so generation takes seconds, not minutes.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { niftiHeader, VOX_OFFSET } from './nifti-writer.mjs';

/** Bump when the generator's output changes, so cached files are rebuilt. */
export const GENERATOR_VERSION = 1;

/** The benchmark volumes: name, shape, dtype, scaling, voxel sizes. */
export const VOLUMES = [
  { name: 't1', label: 'T1 256×256×192 i16', shape: [256, 256, 192], dtype: 'int16', slope: 2.5, inter: -10, zooms: [1, 1, 1] },
  { name: 'fmri', label: 'fMRI 64×64×36×300 i16', shape: [64, 64, 36, 300], dtype: 'int16', slope: 2.5, inter: -10, zooms: [3, 3, 3, 2] },
  { name: 'mni', label: 'MNI 182×218×182 f32', shape: [182, 218, 182], dtype: 'float32', slope: 1, inter: 0, zooms: [1, 1, 1] },
];

/** mulberry32: a small, fast, seeded 32-bit PRNG returning floats in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller, two per pair of uniforms). */
function gaussian(seed) {
  const u = rng(seed);
  let spare = 0;
  let has = false;
  return () => {
    if (has) {
      has = false;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    has = true;
    return r * Math.cos(th);
  };
}

/** `n` samples of `f(t)` for t = normalised coordinate in [−1, 1] across an axis. */
function axisTable(n, centre, radius, f) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f((i - centre) / radius, i);
  return out;
}

/** Tuning knobs, exported so a tuning run can adjust them; defaults give the target ratios. */
export const TUNING = {
  t1: { noise: 9, background: 10 },
  fmri: { noise: 30, background: 24 },
  mni: { noise: 1.5, halo: 1.06 },
};

/**
 * T1-like head phantom, int16 raw values (physical value = raw × 2.5 − 10).
 * @param {number[]} shape [nx, ny, nz]
 * @returns {Int16Array} voxels, x fastest
 */
function makeT1(shape) {
  const [nx, ny, nz] = shape;
  const { noise, background } = TUNING.t1;
  const g = gaussian(0x7431);
  const out = new Int16Array(nx * ny * nz);
  const cx = nx / 2, cy = ny / 2 + 6, cz = nz / 2 - 4;
  const rx = 80, ry = 104, rz = 88;
  const ux = axisTable(nx, cx, rx, (t) => t * t);
  const uy = axisTable(ny, cy, ry, (t) => t * t);
  const uz = axisTable(nz, cz, rz, (t) => t * t);
  // Cortical folding: the grey/white boundary moves with a product of per-axis sines.
  const fx = axisTable(nx, cx, rx, (t) => Math.sin(7.3 * Math.PI * t));
  const fy = axisTable(ny, cy, ry, (t) => Math.sin(9.1 * Math.PI * t + 0.4));
  const fz = axisTable(nz, cz, rz, (t) => Math.cos(6.2 * Math.PI * t));
  // Smooth receive-coil bias and a finer tissue texture.
  const bx = axisTable(nx, cx, rx, (t) => 1 + 0.08 * t);
  const by = axisTable(ny, cy, ry, (t) => 1 - 0.06 * t * t);
  const bz = axisTable(nz, cz, rz, (t) => 1 + 0.05 * Math.sin(1.3 * t));
  const tx = axisTable(nx, cx, rx, (t) => Math.sin(23 * t));
  const ty = axisTable(ny, cy, ry, (t) => Math.sin(29 * t + 1));
  const tz = axisTable(nz, cz, rz, (t) => Math.sin(19 * t + 2));
  // Lateral ventricles: two small ellipsoids either side of the midline.
  const vx = axisTable(nx, cx, 1, (t) => t);
  const vy = axisTable(ny, cy + 4, 22, (t) => t * t);
  const vz = axisTable(nz, cz + 10, 14, (t) => t * t);
  let p = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const ryz = uy[j] + uz[k];
      const fyz = fy[j] * fz[k];
      const byz = by[j] * bz[k];
      const vyz = vy[j] + vz[k];
      for (let i = 0; i < nx; i++, p++) {
        const r2 = ux[i] + ryz;
        let v;
        if (r2 > 1) {
          // Magnitude images have Rician (here |Gaussian|) noise in the air.
          v = Math.abs(g() * background);
        } else {
          const r = Math.sqrt(r2);
          let tissue;
          if (r > 0.93) tissue = 380; // scalp fat
          else if (r > 0.87) tissue = 45; // skull
          else if (r > 0.83) tissue = 95; // CSF
          else {
            const wmEdge = 0.66 + 0.07 * fx[i] * fyz;
            tissue = r > wmEdge ? 240 : 330;
            const dx = Math.abs(vx[i]) - 9;
            if ((dx * dx) / 36 + vyz < 1) tissue = 85; // ventricles
            tissue += 8 * tx[i] * ty[j] * tz[k];
          }
          v = tissue * bx[i] * byz + g() * noise;
        }
        out[p] = Math.round(v);
      }
    }
  }
  return out;
}

/**
 * fMRI-like EPI time series, int16 raw values.
 * @param {number[]} shape [nx, ny, nz, nt]
 * @returns {Int16Array}
 */
function makeFmri(shape) {
  const [nx, ny, nz, nt] = shape;
  const { noise, background } = TUNING.fmri;
  const g = gaussian(0xf311);
  const nvox = nx * ny * nz;
  const base = new Float64Array(nvox);
  const inside = new Uint8Array(nvox);
  const drift = new Float64Array(nvox);
  const cx = nx / 2, cy = ny / 2 + 1, cz = nz / 2;
  const ux = axisTable(nx, cx, 26, (t) => t * t);
  const uy = axisTable(ny, cy, 30, (t) => t * t);
  const uz = axisTable(nz, cz, 16, (t) => t * t);
  const fx = axisTable(nx, cx, 26, (t) => Math.sin(5.1 * Math.PI * t));
  const fy = axisTable(ny, cy, 30, (t) => Math.sin(6.3 * Math.PI * t));
  const u = rng(0xd41f);
  let p = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        const r2 = ux[i] + uy[j] + uz[k];
        if (r2 > 1) continue;
        const r = Math.sqrt(r2);
        let tissue = r > 0.9 ? 420 : r > 0.62 + 0.08 * fx[i] * fy[j] ? 640 : 560;
        if (Math.abs(i - cx) < 5 && uy[j] + uz[k] < 0.05) tissue = 900; // ventricles: bright in T2*
        base[p] = tissue * (1 - 0.15 * uz[k]);
        inside[p] = 1;
        drift[p] = (u() - 0.5) * 0.1;
      }
    }
  }
  const out = new Int16Array(nvox * nt);
  let q = 0;
  for (let t = 0; t < nt; t++) {
    // Slow global drift plus a respiratory-like oscillation.
    const tt = t / nt;
    const global = 1 + 0.01 * Math.sin(2 * Math.PI * t / 7.5);
    for (let v = 0; v < nvox; v++, q++) {
      out[q] = inside[v]
        ? Math.round(base[v] * global * (1 + drift[v] * tt) + g() * noise)
        : Math.round(Math.abs(g() * background));
    }
  }
  return out;
}

/**
 * MNI-template-like float32 brain: smooth tissue intensities inside a brain mask, exact
 * zeros outside (as in a skull-stripped template).
 * @param {number[]} shape [nx, ny, nz]
 * @returns {Float32Array}
 */
function makeMni(shape) {
  const [nx, ny, nz] = shape;
  const { noise, halo } = TUNING.mni;
  const g = gaussian(0x3a11);
  const out = new Float32Array(nx * ny * nz);
  const cx = nx / 2, cy = ny / 2 - 8, cz = nz / 2 + 4;
  const rx = 68, ry = 86, rz = 70;
  const ux = axisTable(nx, cx, rx, (t) => t * t);
  const uy = axisTable(ny, cy, ry, (t) => t * t);
  const uz = axisTable(nz, cz, rz, (t) => t * t);
  const fx = axisTable(nx, cx, rx, (t) => Math.sin(6.7 * Math.PI * t));
  const fy = axisTable(ny, cy, ry, (t) => Math.sin(8.3 * Math.PI * t + 0.7));
  const fz = axisTable(nz, cz, rz, (t) => Math.cos(5.9 * Math.PI * t));
  const h2 = halo * halo;
  let p = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        const r2 = ux[i] + uy[j] + uz[k];
        if (r2 > h2) continue;
        const r = Math.sqrt(r2);
        let v;
        if (r > 1) v = 12 * (halo - r) / (halo - 1); // fading partial-volume rim
        else {
          const edge = 0.7 + 0.08 * fx[i] * fy[j] * fz[k];
          const s = Math.min(1, Math.max(0, (edge - r) * 25)); // smooth GM→WM transition
          v = 62 + 38 * s + 6 * Math.cos(7 * r);
        }
        out[p] = v + g() * noise;
      }
    }
  }
  return out;
}

const MAKERS = { t1: makeT1, fmri: makeFmri, mni: makeMni };

/** Where the volumes are cached. */
export function cacheDir(repoRoot) {
  return join(repoRoot, 'node_modules', '.cache', 'nibweb-bench');
}

/**
 * Builds one volume's `.nii` bytes and its gzip (level 6), without touching the disk.
 * @param {typeof VOLUMES[number]} vol
 * @returns {{ nii: Uint8Array, gz: Uint8Array }}
 */
export function buildVolume(vol) {
  const data = MAKERS[vol.name](vol.shape);
  const hdr = niftiHeader({ ...vol, descrip: `nibweb bench ${vol.name} v${GENERATOR_VERSION}`, sformCode: vol.name === 'mni' ? 4 : 1 });
  const nii = new Uint8Array(VOX_OFFSET + data.byteLength);
  nii.set(hdr, 0);
  nii.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), VOX_OFFSET);
  return { nii, gz: gzipSync(nii, { level: 6 }) };
}

/**
 * Makes sure every volume exists on disk (generating what is missing or stale) and
 * describes them.
 * @param {string} repoRoot
 * @param {(msg: string) => void} log progress lines
 * @returns {Array<typeof VOLUMES[number] & { nii: string, gz: string, niiBytes: number, gzBytes: number }>}
 * @throws {Error} when the cache directory cannot be written
 */
export function ensureVolumes(repoRoot, log) {
  const dir = cacheDir(repoRoot);
  mkdirSync(dir, { recursive: true });
  return VOLUMES.map((vol) => {
    const nii = join(dir, `${vol.name}-v${GENERATOR_VERSION}.nii`);
    const gz = `${nii}.gz`;
    const meta = join(dir, `${vol.name}-v${GENERATOR_VERSION}.json`);
    let ok = existsSync(nii) && existsSync(gz) && existsSync(meta);
    if (ok) {
      const m = JSON.parse(readFileSync(meta, 'utf8'));
      ok = m.niiBytes === statSync(nii).size && m.gzBytes === statSync(gz).size;
    }
    if (!ok) {
      const t0 = performance.now();
      const built = buildVolume(vol);
      // Write then rename, so an interrupted run never leaves a half file that looks valid.
      writeFileSync(`${nii}.tmp`, built.nii);
      writeFileSync(`${gz}.tmp`, built.gz);
      renameSync(`${nii}.tmp`, nii);
      renameSync(`${gz}.tmp`, gz);
      writeFileSync(meta, JSON.stringify({ niiBytes: built.nii.byteLength, gzBytes: built.gz.byteLength }));
      log(`generated ${vol.name} (${(built.nii.byteLength / 1e6).toFixed(1)} MB, gzip ${(built.nii.byteLength / built.gz.byteLength).toFixed(2)}×) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return { ...vol, nii, gz, niiBytes: statSync(nii).size, gzBytes: statSync(gz).size };
  });
}
