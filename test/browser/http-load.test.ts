// load(url) in Chromium with the browser's own fetch: HTTP Range reads from Vite's static
// server give the same image as the file's bytes dropped as a Blob.
import { describe, expect, it } from 'vitest';
import { HttpSource, isProxy, load } from '../../src/index';

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

  it('reads ranges with the global fetch (no "Illegal invocation")', async () => {
    const src = new HttpSource(url('conformance/float32-le-slopeinter-n1-nii-5d.nii'));
    const head = await src.read(0, 4);
    expect(new DataView(head.buffer, head.byteOffset).getInt32(0, true)).toBe(348);
  });
});
