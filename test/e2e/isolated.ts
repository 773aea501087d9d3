/**
 * The page of test/e2e/isolated.spec.ts, served cross-origin isolated: `pool.gunzip` with
 * `shared: true` at 1–3 workers (the result on a SharedArrayBuffer every worker wrote its
 * chunk into), into a shared `into` buffer (written in place, nothing transferred), and the
 * cases where `into` is ignored; each result checked here against DecompressionStream's
 * bytes, so only verdicts cross into the test process.
 */
import { gzipSync } from 'fflate';
import { createWorkerPool } from '../../src/index.js';
import { imageLikeBytes, viaDecompressionStream } from '../shared/bytes.js';

/** What the spec can call. */
export interface IsolatedPage {
  isolated: boolean;
  run(): Promise<string[]>;
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
};
