/**
 * The page of test/e2e/big-file.spec.ts: loads the File chosen in `#file` with nibweb and
 * answers the spec's questions about it as plain data (`window.bigFile`), checking volumes
 * here against the pattern so 20 MiB arrays never cross into the test process.
 */
import { type LoadedImage, isNibabelError, load } from '../../src/index.js';
import { BIG_VOXELS, sparseValue } from '../shared/big-nifti-values.js';

/** What the spec can call. */
export interface BigFilePage {
  open(): Promise<{ name: string; size: number; shape: number[]; ms: number }>;
  volume(t: number, written: boolean): Promise<{ shape: number[]; mismatch: string | null; ms: number }>;
  voxel(x: number, y: number, z: number, t: number): Promise<{ got: number; want: number }>;
  wholeRead(): Promise<{ name: string; code: string; message: string; ms: number; inMemory: boolean } | null>;
}

declare global {
  interface Window {
    bigFile: BigFilePage;
  }
}

let img: LoadedImage | null = null;
const image = (): LoadedImage => {
  if (!img) throw new Error('open() first');
  return img;
};

window.bigFile = {
  async open() {
    const file = (document.getElementById('file') as HTMLInputElement).files![0];
    const t0 = performance.now();
    img = await load(file);
    return { name: file.name, size: file.size, shape: img.shape, ms: performance.now() - t0 };
  },
  async volume(t, written) {
    const t0 = performance.now();
    const vol = await image().dataobj.get([null, null, null, t]);
    const ms = performance.now() - t0;
    const data = vol.data as Int16Array;
    let mismatch: string | null = data.length === BIG_VOXELS ? null : `${data.length} voxels`;
    for (let i = 0; i < data.length && mismatch === null; i++) {
      const want = written ? sparseValue(t, i) : 0;
      if (data[i] !== want) mismatch = `voxel ${i}: ${data[i]} != ${want}`;
    }
    return { shape: vol.shape, mismatch, ms };
  },
  async voxel(x, y, z, t) {
    const v = await image().dataobj.get([x, y, z, t]);
    return { got: v.get() as number, want: sparseValue(t, x + 256 * (y + 256 * z)) };
  },
  async wholeRead() {
    const t0 = performance.now();
    try {
      await image().getFdata();
      return null;
    } catch (err) {
      if (!isNibabelError(err)) throw err;
      return { name: err.name, code: err.code, message: err.message, ms: performance.now() - t0, inMemory: image().inMemory };
    }
  },
};
document.body.dataset.ready = '1';
