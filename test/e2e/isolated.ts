/**
 * The page of test/e2e/isolated.spec.ts, served cross-origin isolated: `pool.gunzip` with
 * `shared: true` at 1–3 workers (the result on a SharedArrayBuffer every worker wrote its
 * chunk into), into a shared `into` buffer (written in place, nothing transferred), and the
 * cases where `into` is ignored; each result checked here against DecompressionStream's
 * bytes, so only verdicts cross into the test process. `arrays()` checks whole arrays of a
 * `shared` pool: decoded into shared WebAssembly memory, cached there, equal to the main
 * thread's decode.
 */
import { gzipSync } from 'fflate';
import { createWorkerPool, load } from '../../src/index.js';
import { imageLikeBytes, viaDecompressionStream } from '../shared/bytes.js';
import { makeNifti, phantomInt16 } from '../shared/make-nifti.js';

/** What the spec can call. */
export interface IsolatedPage {
  isolated: boolean;
  run(): Promise<string[]>;
  arrays(): Promise<string[]>;
}

declare global {
  interface Window {
    isolated: IsolatedPage;
  }
}

function differs(a: Uint8Array, b: Uint8Array): string {
  if (a.byteLength !== b.byteLength) return `${a.byteLength} bytes, expected ${b.byteLength}`;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return `byte ${i} differs`;
  return '';
}

window.isolated = {
  isolated: globalThis.crossOriginIsolated === true,
  async run() {
    const problems: string[] = [];
    const fail = (what: string, why: string): void => {
      if (why) problems.push(`${what}: ${why}`);
    };
    const gz = gzipSync(imageLikeBytes(3_000_000, 5), { level: 6 });
    const want = await viaDecompressionStream(gz);
    const file = new File([gz as BlobPart], 'x.gz');
    const pool = createWorkerPool({ size: 3 });
    try {
      for (const workers of [1, 2, 3]) {
        const at = `shared, ${workers} worker(s)`;
        const got = await pool.gunzip(file, { workers, minChunkBytes: 64 * 1024, shared: true });
        fail(at, got.buffer instanceof SharedArrayBuffer ? '' : `a ${got.buffer.constructor.name}`);
        fail(at, differs(got, want));

        // into the previous shared result: written in place, at its offset; `into` stays usable.
        const room = new Uint8Array(new SharedArrayBuffer(want.byteLength + 300), 100, want.byteLength + 200);
        room.fill(7);
        const again = await pool.gunzip(file, { workers, minChunkBytes: 64 * 1024, shared: true, into: room });
        fail(`${at}, into`, again.buffer === room.buffer ? '' : 'not written into the given buffer');
        fail(`${at}, into`, again.byteOffset === 100 ? '' : `at offset ${again.byteOffset}`);
        fail(`${at}, into`, differs(again, want));
        fail(`${at}, into`, differs(room.subarray(0, want.byteLength), want));
        fail(`${at}, into`, room[want.byteLength] === 7 ? '' : 'wrote past the output');
      }
      // A shared `into` too small, and a plain one: a new shared result; the plain one is not taken.
      const small = new Uint8Array(new SharedArrayBuffer(10));
      const a = await pool.gunzip(file, { workers: 2, minChunkBytes: 64 * 1024, shared: true, into: small });
      fail('small into', a.buffer !== small.buffer && a.buffer instanceof SharedArrayBuffer ? '' : 'used');
      fail('small into', differs(a, want));
      const plain = new Uint8Array(want.byteLength);
      const b = await pool.gunzip(file, { workers: 2, minChunkBytes: 64 * 1024, shared: true, into: plain });
      fail('plain into', b.buffer instanceof SharedArrayBuffer && plain.byteLength === want.byteLength ? '' : 'plain buffer taken or detached');
      fail('plain into', differs(b, want));
    } finally {
      pool.terminate();
    }
    return problems;
  },
  async arrays() {
    // What the pools ask of their workers (`type` of each message), for the parallel case.
    const sent: string[] = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, msg: { type: string }, transfer?: Transferable[]) {
      sent.push(msg.type);
      return Reflect.apply(post, this, [msg, transfer ?? []]) as void;
    } as typeof post;
    const problems: string[] = [];
    const fail = (what: string, why: string): void => {
      if (why) problems.push(`${what}: ${why}`);
    };
    const shape = [64, 64, 36, 12];
    const nii = makeNifti(phantomInt16(shape, 3), shape, { slope: 0.5, inter: -3 });
    const files = [
      new File([nii as BlobPart], 'run.nii'),
      new File([gzipSync(nii, { level: 6 }) as BlobPart], 'run.nii.gz'),
    ];
    // One worker, and two with parallel chunks from 256 KiB (the .nii.gz is ~1 MB).
    const pools = [
      { name: '1 worker', pool: createWorkerPool({ size: 1, shared: true }) },
      { name: '2 workers, parallel', pool: createWorkerPool({ size: 2, shared: true, parallelMinBytes: 256 * 1024 }) },
    ];
    const plainPool = createWorkerPool({ size: 1 });
    try {
      for (const file of files) {
        const want = (await (await load(file)).getFdata({ dtype: 'float32' })).data;
        for (const { name, pool } of pools) {
          const at = `${file.name}, ${name}`;
          fail(at, pool.shared ? '' : 'pool.shared is false on an isolated page');
          const img = await load(file, { worker: pool });
          sent.length = 0;
          const got = await img.getFdata({ dtype: 'float32' });
          fail(at, got.data.buffer instanceof SharedArrayBuffer ? '' : `data on a ${got.data.buffer.constructor.name}`);
          if (file.name.endsWith('.gz') && pool.size > 1) {
            // The chunks are placed by their own workers in the array's memory, not gathered.
            const kinds = [...new Set(sent)].sort().join(' ');
            fail(at, kinds === 'chunk chunk-array chunk-finish chunk-placed chunk-put chunk-window' ? '' : `requests: ${kinds}`);
          }
          fail(at, got.data.length === want.length && got.data.every((v, i) => v === want[i]) ? '' : 'values differ from the main thread');
          // A .nii.gz in the pool of 2 is inflated in two chunks (a .nii is read by one worker).
          if (file.name.endsWith('.gz')) fail(at, pool.started === pool.size ? '' : `${pool.started} of ${pool.size} workers started`);
          fail(`${at}, cached`, (await img.getFdata({ dtype: 'float32' })) === got ? '' : 'a second getFdata decoded again');
          // A copy is a plain array again (what Blob and TextDecoder take).
          const copy = got.data.slice();
          fail(`${at}, copy`, copy.buffer instanceof ArrayBuffer && new Blob([copy]).size === copy.byteLength ? '' : 'slice() is not plain');
          img.uncache();
          const again = await img.getFdata({ dtype: 'float32' });
          fail(`${at}, after uncache`, again !== got && again.data.buffer !== got.data.buffer ? '' : 'the old memory was reused');
          fail(`${at}, after uncache`, again.data.every((v, i) => v === want[i]) ? '' : 'values differ');
          // An abort mid-decode: an AbortError, the cache untouched, the pool still decodes.
          img.uncache();
          const ctl = new AbortController();
          const aborted = img.getFdata({ dtype: 'float32', signal: ctl.signal });
          setTimeout(() => ctl.abort(), 2);
          const outcome = await aborted.then(() => 'finished', (e: Error) => e.name);
          fail(`${at}, abort`, outcome === 'AbortError' || outcome === 'finished' ? '' : `rejected with ${outcome}`);
          fail(`${at}, abort`, outcome === 'finished' || !img.inMemory ? '' : 'an aborted read left a cache');
          // Aborts at random points of the placed decode (before, during and after the chunks):
          // each rejects or finishes, and the pool still decodes (a request left waiting would
          // block the worker for good).
          let seed = 20261206;
          for (let i = 0; i < 12; i++) {
            img.uncache();
            seed = (seed * 48271) % 2147483647;
            const c = new AbortController();
            const p = img.getFdata({ dtype: 'float32', signal: c.signal });
            setTimeout(() => c.abort(), seed % 40);
            const end = await p.then(() => 'finished', (e: Error) => e.name);
            fail(`${at}, random abort ${i}`, end === 'AbortError' || end === 'finished' ? '' : `rejected with ${end}`);
          }
          img.uncache();
          const after = await img.getFdata({ dtype: 'float32' });
          fail(`${at}, after abort`, after.data.buffer instanceof SharedArrayBuffer && after.data.every((v, i) => v === want[i]) ? '' : 'wrong or not shared');
          // getFdata's default, float64: the same values, wider.
          const f64 = await img.getFdata();
          fail(`${at}, float64`, f64.data.buffer instanceof SharedArrayBuffer && f64.data.every((v, i) => Math.fround(v as number) === want[i]) ? '' : 'float64 differs or is not shared');
        }
        // A pool without `shared`, on the same isolated page: plain ArrayBuffers as before.
        const plain = await (await load(file, { worker: plainPool })).getFdata({ dtype: 'float32' });
        fail(`${file.name}, plain pool`, plain.data.buffer instanceof ArrayBuffer ? '' : 'shared without being asked');
        fail(`${file.name}, plain pool`, plain.data.every((v, i) => v === want[i]) ? '' : 'values differ');
      }
    } finally {
      for (const { pool } of pools) pool.terminate();
      plainPool.terminate();
      Worker.prototype.postMessage = post;
    }
    return problems;
  },
};
