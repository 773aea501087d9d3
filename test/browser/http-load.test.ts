// load(url) in Chromium with the browser's own fetch: HTTP Range reads from Vite's static
// server give the same image as the file's bytes dropped as a Blob.
import { describe, expect, it } from 'vitest';
import { HttpSource, isProxy, load } from '../../src/index';
import sampleUrl from '../../public/sample.nii.gz?url';

const urls = import.meta.glob('../fixtures/{conformance,mgh}/*', { query: '?url', import: 'default', eager: true }) as Record<string, string>;

const url = (p: string): string => {
  const u = urls[`../fixtures/${p}`];
  if (!u) throw new Error(`no fixture ${p}`);
  return new URL(u, location.href).href;
};

describe('load(url) over HTTP in the browser', () => {
  for (const p of [
    'conformance/float32-le-slopeinter-n1-nii-5d.nii',
    'conformance/int16-be-noscale-n2-niigz-3d.nii.gz',
    'mgh/float32-4d-mgz.mgz',
  ]) {
    it(p, async () => {
      const bytes = await (await fetch(url(p))).arrayBuffer();
      const want = await load(new File([bytes], p.split('/').pop()!));
      const got = await load(url(p));
      expect(isProxy(got.dataobj)).toBe(true);
      expect(got.shape).toEqual(want.shape);
      expect(got.affine).toEqual(want.affine);
      expect((await got.getFdata()).data).toEqual((await want.getFdata()).data);
    });
  }

  it('a header load of a 270 KB .nii.gz is one request of at most 64 KiB', async () => {
    const u = new URL(sampleUrl, location.href).href;
    performance.clearResourceTimings();
    const img = await load(u);
    expect(img.shape.length).toBeGreaterThanOrEqual(3);
    // Resource timings are queued: wait for the entries of this load to be recorded.
    await new Promise((r) => setTimeout(r, 100));
    const entries = performance.getEntriesByType('resource').filter((e) => e.name === u) as PerformanceResourceTiming[];
    expect(entries.length).toBe(1);
    expect(entries[0].encodedBodySize).toBeGreaterThan(0);
    expect(entries[0].encodedBodySize).toBeLessThanOrEqual(65536);
  });

  it('reads ranges with the global fetch (no "Illegal invocation")', async () => {
    const src = new HttpSource(url('conformance/float32-le-slopeinter-n1-nii-5d.nii'));
    const head = await src.read(0, 4);
    expect(new DataView(head.buffer, head.byteOffset).getInt32(0, true)).toBe(348);
  });
});
