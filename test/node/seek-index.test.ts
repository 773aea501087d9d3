// The seek index seen through images (issue 11): every pass over a .nii.gz — a volume, a
// slice, getFdata — leaves seek points; a later read resumes from the nearest one with one
// compressed read; volume t never inflates what lies after it; the index survives uncache().
// An abort at any point leaves the cache and the index usable (a property test).
// Oracle: the written array itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource, GzipSource, NDArray, Nifti1Image, load } from '../../src/index';
import { RecordingSource } from '../shared/recording-source';

// 48×40×30×12 int16, a pattern plus 6 bits of noise (~2.5× compressible): 1.4 MB per volume, 16.6 MB in all.
const SHAPE = [48, 40, 30, 12];
const N = SHAPE.reduce((a, b) => a * b, 1);
const VOL = 48 * 40 * 30;
const data = new Int16Array(N);
let seed = 7;
for (let i = 0; i < N; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  data[i] = ((i % 48) * 31 + Math.floor(i / VOL) * 1000 + ((seed >>> 26) & 63)) | 0;
}
const gz = (await new Nifti1Image(new NDArray(data, SHAPE), null).toBlob({ gzip: true })) as Blob;
const GZ = new Uint8Array(await gz.arrayBuffer());

const open = async () => {
  const rec = new RecordingSource(new BufferSource(GZ));
  return { rec, img: await load(rec, { name: 'run.nii.gz' }) };
};
const volume = (t: number) => data.subarray(t * VOL, (t + 1) * VOL);

describe('the seek index through the image', () => {
  it('volume t reads no compressed bytes far past its own end', async () => {
    const { rec, img } = await open();
    const t = 5;
    const got = await img.dataobj.get([null, null, null, t]);
    expect(Array.from(got.data as Int16Array)).toEqual(Array.from(volume(t)));
    // Its share of the file, plus at most one read-ahead chunk (1 MiB) and a little slack.
    const share = ((t + 1) / SHAPE[3]!) * GZ.length;
    expect(rec.furthest).toBeLessThan(share * 1.1 + (1 << 20) + 65536);
  });

  it('after one pass, random 2-D slices resume from points: one read each, about a span', async () => {
    const { rec, img } = await open();
    await img.dataobj.get([null, null, null, SHAPE[3]! - 1]);
    const perMiB = GZ.length / (N * 2 / 2 ** 20);
    let s = 3;
    for (let i = 0; i < 20; i++) {
      s = (s * 48271) % 2147483647;
      const k = s % SHAPE[2]!;
      const t = (s >> 8) % SHAPE[3]!;
      const [reads, bytes] = [rec.count, rec.bytesRead];
      const got = await img.dataobj.get([null, null, k, t]);
      const want = volume(t).subarray(k * 48 * 40, (k + 1) * 48 * 40);
      expect(Array.from(got.data as Int16Array), `slice ${k}, ${t}`).toEqual(Array.from(want));
      expect(rec.count - reads).toBeLessThanOrEqual(1);
      expect(rec.bytesRead - bytes).toBeLessThanOrEqual(Math.ceil((1.2 * perMiB) / 65536 + 1) * 65536);
    }
  });

  it('getFdata leaves points too, and they survive uncache()', async () => {
    const { rec, img } = await open();
    const f = await img.getFdata({ dtype: 'float32' });
    expect(f.data[N - 1]).toBe(data[N - 1]);
    img.uncache();
    expect(img.inMemory).toBe(false);
    const [reads, bytes] = [rec.count, rec.bytesRead];
    const got = await img.dataobj.get([null, null, 17, 9]);
    expect(Array.from(got.data as Int16Array)).toEqual(Array.from(volume(9).subarray(17 * 1920, 18 * 1920)));
    expect(rec.count - reads).toBe(1);
    // About one 1 MiB span of the file, in whole 64 KiB blocks of the block cache.
    const perMiB = GZ.length / (N * 2 / 2 ** 20);
    expect(rec.bytesRead - bytes).toBeLessThanOrEqual(Math.ceil((1.2 * perMiB) / 65536 + 1) * 65536);
  });
});

describe('a pass made elsewhere (a decode worker\'s copy of the stream)', () => {
  it('learn(): its seek points, size and warnings serve this source\'s slices', async () => {
    // The worker's side: its own GzipSource over the same bytes, one whole pass.
    const { img: there } = await open();
    await there.getFdata({ dtype: 'float32' });
    const src = there.dataobj.source as GzipSource;
    expect(src).toBeInstanceOf(GzipSource);
    const learnt = src.learnt();
    expect(learnt.points.length).toBe(Math.floor((N * 2 + 352 - 1) / (1 << 20)));
    expect(learnt.points.map((p) => p.out)).toEqual(learnt.points.map((_, i) => (i + 1) << 20));
    expect(learnt.size).toBe(N * 2 + 352);

    // Through structured clone, as the worker's answer comes.
    const { rec, img } = await open();
    const here = img.dataobj.source as GzipSource;
    expect(here.size).toBeUndefined();
    here.learn(structuredClone(learnt));
    expect(here.index.size).toBe(learnt.points.length);
    expect(here.size).toBe(N * 2 + 352);
    const perMiB = GZ.length / (N * 2 / 2 ** 20);
    const [reads, bytes] = [rec.count, rec.bytesRead];
    const got = await img.dataobj.get([null, null, 29, 11]);
    expect(Array.from(got.data as Int16Array)).toEqual(Array.from(volume(11).subarray(29 * 1920, 30 * 1920)));
    expect(rec.count - reads).toBe(1);
    expect(rec.bytesRead - bytes).toBeLessThanOrEqual(Math.ceil((1.2 * perMiB) / 65536 + 1) * 65536);
  });

  it('learn(): a size that disagrees is ignored; warnings are heard once', async () => {
    const warned: string[] = [];
    const tail = new Uint8Array(GZ.length + 5);
    tail.set(GZ);
    tail.set([1, 2, 3, 4, 5], GZ.length);
    const there = new GzipSource(new BufferSource(tail));
    await there.read(N * 2, 1000); // to the end of the stream
    const learnt = there.learnt();
    expect(learnt.warnings.map((w) => w.code)).toEqual(['TRAILING_DATA']);
    const here = new GzipSource(new BufferSource(tail), { onWarning: (w) => warned.push(w.code) });
    here.learn(learnt);
    here.learn(learnt);
    expect(warned).toEqual(['TRAILING_DATA']);
    // Where the size is known here, another size means another stream: nothing is taken.
    const other = new GzipSource(new BufferSource(GZ));
    await other.read(N * 2, 1000); // to the end: the size is known
    const own = other.index.size;
    other.learn({ ...learnt, size: learnt.size! + 1, points: learnt.points.map((p) => ({ ...p, out: p.out * 2 })) });
    expect(other.index.size).toBe(own);
    expect(other.size).toBe(learnt.size);
  });
});

describe('aborts at random points', () => {
  type Op = { kind: 'slice' | 'volume' | 'fdata'; k: number; t: number; abortAfter: number };
  const op = fc.record({
    kind: fc.constantFrom<Op['kind']>('slice', 'volume', 'fdata'),
    k: fc.nat(SHAPE[2]! - 1),
    t: fc.nat(SHAPE[3]! - 1),
    abortAfter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
  });

  it('leave the cache, the seek index and later reads intact', async () => {
    let aborts = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 8 }), async (ops) => {
        const { rec, img } = await open();
        let cached: unknown = null;
        for (const o of ops) {
          const ctl = new AbortController();
          // Abort after the n-th compressed read of this step (0: never).
          const base = rec.count;
          rec.onRead = (n) => {
            if (o.abortAfter > 0 && n - base >= o.abortAfter) ctl.abort();
          };
          const signal = ctl.signal;
          try {
            if (o.kind === 'slice') {
              const got = await img.dataobj.get([null, null, o.k, o.t], { signal });
              expect(Array.from(got.data as Int16Array)).toEqual(Array.from(volume(o.t).subarray(o.k * 1920, (o.k + 1) * 1920)));
            } else if (o.kind === 'volume') {
              const got = await img.dataobj.get([null, null, null, o.t], { signal });
              expect(Array.from(got.data as Int16Array)).toEqual(Array.from(volume(o.t)));
            } else {
              const f = await img.getFdata({ dtype: 'float32', signal });
              if (cached !== null) expect(f).toBe(cached);
              cached = f;
              expect(f.data[o.t * VOL + o.k]).toBe(data[o.t * VOL + o.k]);
            }
          } catch (err) {
            if (!(err instanceof DOMException && err.name === 'AbortError')) throw err;
            expect(signal.aborted).toBe(true);
            aborts++;
          }
          rec.onRead = null;
          // The cache holds what it held: an aborted getFdata neither drops nor half-fills it.
          if (cached !== null) expect(await img.getFdata({ dtype: 'float32' })).toBe(cached);
        }
        // After it all, reads from the index still give the right bytes.
        for (const t of [0, 7, SHAPE[3]! - 1]) {
          const got = await img.dataobj.get([null, null, 3, t]);
          expect(Array.from(got.data as Int16Array)).toEqual(Array.from(volume(t).subarray(3 * 1920, 4 * 1920)));
        }
      }),
      { seed: 20261205, numRuns: 25 },
    );
    expect(aborts, 'operations really aborted mid-way').toBeGreaterThan(10);
  });
});
