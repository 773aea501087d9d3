/**
 * HttpSource (src/io/http-source.ts) against a local node:http server: Range reads, size
 * from HEAD or Content-Range, a server that ignores Range (fallback and refusal), HTTP
 * errors, abort; and load(url)/loadHeader(url) counted in requests and bytes.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedSource } from '../../src/io/cached-source';
import { HttpSource } from '../../src/io/http-source';
import { ArrayProxy } from '../../src/proxy/array-proxy';
import { slice } from '../../src/proxy/slicing';
import { MGHImage, NDArray, Nifti1Pair, fortranStrides, load, loadHeader } from '../../src/index';
import { makeNifti, makeNiftiGz, phantomInt16 } from '../shared/make-nifti';

const DATA = new Uint8Array(5000).map((_, i) => (i * 13 + 7) & 0xff);
const log: { method: string; path: string; range: string | undefined }[] = [];
let server: Server;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  log.push({ method: req.method ?? '', path: url.pathname, range: req.headers.range });
  const mode = url.pathname.slice(1);
  if (mode === 'missing') {
    res.writeHead(404).end();
    return;
  }
  if (mode === 'slow') {
    setTimeout(() => res.writeHead(200).end(Buffer.from(DATA)), 2000);
    return;
  }
  if (req.method === 'HEAD') {
    if (mode === 'nohead') {
      res.writeHead(405).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': DATA.length, 'Accept-Ranges': 'bytes' }).end();
    return;
  }
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (mode === 'norange' || !m) {
    res.writeHead(200, { 'Content-Length': DATA.length }).end(Buffer.from(DATA));
    return;
  }
  const start = Number(m[1]);
  const end = Math.min(Number(m[2]), DATA.length - 1);
  if (start >= DATA.length) {
    res.writeHead(416, { 'Content-Range': `bytes */${DATA.length}` }).end();
    return;
  }
  const body = DATA.subarray(start, end + 1);
  if (mode === 'capped' && end - start + 1 > 1000) {
    const capEnd = start + 999;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${capEnd}/${DATA.length}` }).end(Buffer.from(DATA.subarray(start, capEnd + 1)));
    return;
  }
  if (mode === 'wrongrange') {
    res.writeHead(206, { 'Content-Range': `bytes ${start + 1}-${end + 1}/${DATA.length}` }).end(Buffer.from(body));
    return;
  }
  res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${DATA.length}`, 'Content-Length': body.length }).end(Buffer.from(body));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('HttpSource', () => {
  it('learns the size with HEAD and reads ranges', async () => {
    log.length = 0;
    const src = await HttpSource.fromUrl(`${base}/file`);
    expect(src.size).toBe(5000);
    expect(src.freshReads).toBe(true);
    expect(src.servesRanges).toBe(false); // a HEAD's size says nothing of Range
    expect(await src.read(100, 50)).toEqual(DATA.subarray(100, 150));
    expect(src.servesRanges).toBe(true);
    expect(src.fullFile).toBeNull();
    expect(await src.read(4990, 50)).toEqual(DATA.subarray(4990, 5000));
    expect((await src.read(6000, 5)).length).toBe(0);
    expect(log.map((l) => [l.method, l.range])).toEqual([
      ['HEAD', undefined],
      ['GET', 'bytes=100-149'],
      ['GET', 'bytes=4990-4999'],
    ]);
  });

  it('learns the size from Content-Range when HEAD is refused', async () => {
    const src = await HttpSource.fromUrl(`${base}/nohead`);
    expect(src.size).toBe(5000);
    const lazy = new HttpSource(`${base}/file`);
    expect(lazy.size).toBeUndefined();
    await lazy.read(0, 4);
    expect(lazy.size).toBe(5000);
  });

  it('asks again for the rest when a server caps range lengths', async () => {
    log.length = 0;
    const src = new HttpSource(`${base}/capped`);
    expect(await src.read(100, 2500)).toEqual(DATA.subarray(100, 2600));
    expect(log.map((l) => l.range)).toEqual(['bytes=100-2599', 'bytes=1100-2599', 'bytes=2100-2599']);
  });

  it('an unknown size past the end gives a short read (416)', async () => {
    const lazy = new HttpSource(`${base}/file`);
    expect((await lazy.read(7000, 10)).length).toBe(0);
    expect(lazy.size).toBe(5000);
  });

  it('falls back to the whole body once when the server ignores Range', async () => {
    log.length = 0;
    const src = new HttpSource(`${base}/norange`);
    const [a, b] = await Promise.all([src.read(10, 5), src.read(4000, 3)]);
    expect(a).toEqual(DATA.subarray(10, 15));
    expect(b).toEqual(DATA.subarray(4000, 4003));
    expect(src.holdsFullFile).toBe(true);
    expect(src.fullFile).toEqual(DATA);
    expect(src.servesRanges).toBe(false);
    expect(src.size).toBe(5000);
    expect(await src.read(20, 5)).toEqual(DATA.subarray(20, 25));
    expect(log.length).toBeLessThanOrEqual(2);
  });

  it('refuses a server that ignores Range when asked to', async () => {
    const src = new HttpSource(`${base}/norange`, { allowFullFile: false });
    await expect(src.read(0, 10)).rejects.toMatchObject({ name: 'UnsupportedError', feature: 'http-range' });
    const capped = new HttpSource(`${base}/norange`, { maxFullFileBytes: 1000 });
    await expect(capped.read(0, 10)).rejects.toMatchObject({ name: 'LimitError', limit: 1000, requested: 5000 });
  });

  it('reports HTTP errors and wrong ranges as ImageFileError', async () => {
    await expect(HttpSource.fromUrl(`${base}/missing`)).rejects.toMatchObject({ name: 'ImageFileError', code: 'HTTP_STATUS' });
    await expect(new HttpSource(`${base}/missing`).read(0, 4)).rejects.toThrow(/HTTP 404/);
    await expect(new HttpSource(`${base}/wrongrange`).read(0, 4)).rejects.toMatchObject({ code: 'HTTP_RANGE' });
    await expect(new HttpSource('http://127.0.0.1:1/x').read(0, 4)).rejects.toMatchObject({ code: 'HTTP_FETCH' });
  });

  it('aborts a pending request at once', async () => {
    const src = new HttpSource(`${base}/slow`);
    const ac = new AbortController();
    const t0 = Date.now();
    const p = src.read(0, 10, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('serves an ArrayProxy through a block cache', async () => {
    log.length = 0;
    const src = new CachedSource(await HttpSource.fromUrl(`${base}/file`), { blockSize: 1024 });
    const proxy = new ArrayProxy(src, { shape: [20, 10, 12], dtype: 'uint8', littleEndian: true, offset: 100 });
    const a = await proxy.get([slice(null, null, 3), 4, slice(1, null, 5)]);
    const want: number[] = [];
    for (const z of [1, 6, 11]) for (const x of [0, 3, 6, 9, 12, 15, 18]) want.push(DATA[100 + x + 20 * 4 + 200 * z]);
    expect([...(a.data as Uint8Array)]).toEqual(want);
    expect(log.filter((l) => l.method === 'GET').length).toBeLessThanOrEqual(3);
  });
});

// load(url) and loadHeader(url) over HTTP (issue 11): what a header load and a slice cost in
// requests and bytes, and servers that ignore Range or answer 200 to one.
describe('load(url)', () => {
  const shape = [128, 128, 64];
  const vol = phantomInt16(shape);
  const files = new Map<string, Uint8Array>();
  const sent: { path: string; range: string | undefined; status: number; bytes: number }[] = [];
  /** Paths whose next range request a "first200" server answers with the whole file. */
  const fresh = new Set<string>();
  let srv: Server;
  let url = '';

  function serve(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const mode = u.searchParams.get('mode') ?? '';
    const body = files.get(u.pathname.slice(1));
    const send = (status: number, headers: Record<string, string | number>, bytes: Uint8Array) => {
      sent.push({ path: u.pathname, range: req.headers.range, status, bytes: req.method === 'HEAD' ? 0 : bytes.length });
      res.writeHead(status, { 'Content-Length': bytes.length, ...headers });
      if (req.method === 'HEAD') res.end();
      else res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    };
    if (!body) {
      send(404, {}, new Uint8Array(0));
      return;
    }
    if (mode === 'slow') {
      setTimeout(() => send(200, {}, body), 3000);
      return;
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const first200 = mode === 'first200' && !fresh.has(u.pathname);
    if (first200) fresh.add(u.pathname);
    if (!m || mode === 'norange' || first200) {
      send(200, {}, body);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), body.length - 1);
    if (start >= body.length) {
      send(416, { 'Content-Range': `bytes */${body.length}` }, new Uint8Array(0));
      return;
    }
    send(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}` }, body.subarray(start, end + 1));
  }

  const total = () => ({ requests: sent.length, bytes: sent.reduce((a, s) => a + s.bytes, 0) });

  beforeAll(async () => {
    files.set('big.nii', makeNifti(vol, shape));
    files.set('big.nii.gz', makeNiftiGz(vol, shape));
    const mgh = new MGHImage(new NDArray(vol, shape, { strides: fortranStrides(shape) }), [
      [-1, 0, 0, 64],
      [0, 0, 1, -32],
      [0, -1, 0, 64],
      [0, 0, 0, 1],
    ]);
    files.set('big.mgz', new Uint8Array(await (await mgh.toBlob({ gzip: true })).arrayBuffer()));
    files.set('big.mgh', await mgh.toBytes());
    const pair = await new Nifti1Pair(new NDArray(vol, shape, { strides: fortranStrides(shape) }), null).toBlob();
    files.set('big.hdr', new Uint8Array(await pair.hdr.arrayBuffer()));
    files.set('big.img', new Uint8Array(await pair.img.arrayBuffer()));
    srv = createServer(serve);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });

  it('a header load of a .nii takes one request of 64 KiB; a slice then reads about that slice', async () => {
    sent.length = 0;
    const img = await load(`${url}/big.nii`);
    expect(img.shape).toEqual(shape);
    const head = total();
    expect(head.requests).toBeLessThanOrEqual(2);
    expect(head.bytes).toBeLessThanOrEqual(65536);
    expect(img.warnings).toEqual([]);
    sent.length = 0;
    expect((await loadHeader(`${url}/big.nii`)).getDataShape()).toEqual(shape);
    expect(total()).toEqual({ requests: 1, bytes: 65536 });
    sent.length = 0;
    const k = 40;
    const sl = await img.dataobj.get([null, null, k]);
    expect(sl.get(3, 5)).toBe(vol[k * 128 * 128 + 5 * 128 + 3]);
    const slab = total();
    // One 32 KiB axial slice: its blocks, in one request.
    expect(slab.requests).toBe(1);
    expect(slab.bytes).toBeLessThanOrEqual(2 * 65536);
    sent.length = 0;
    const sag = await img.dataobj.get([7, null, null]);
    expect(sag.get(5, 9)).toBe(vol[9 * 128 * 128 + 5 * 128 + 7]);
    // A sagittal slice touches every row: the file's blocks, never more than the file.
    expect(total().bytes).toBeLessThanOrEqual(files.get('big.nii')!.length);
    console.log(`remote .nii (${files.get('big.nii')!.length} bytes): header ${head.requests} request(s), ${head.bytes} bytes; axial slice ${slab.requests} request(s), ${slab.bytes} bytes`);
  });

  it('a header load of a .nii.gz takes one request of 64 KiB and inflates only the header', async () => {
    sent.length = 0;
    const img = await load(`${url}/big.nii.gz`);
    expect(img.shape).toEqual(shape);
    const head = total();
    expect(head.requests).toBeLessThanOrEqual(2);
    expect(head.bytes).toBeLessThanOrEqual(65536);
    expect(files.get('big.nii.gz')!.length).toBeGreaterThan(4 * 65536);
    sent.length = 0;
    const hdr = await loadHeader(`${url}/big.nii.gz`);
    expect(hdr.getDataShape()).toEqual(shape);
    expect(total().requests).toBeLessThanOrEqual(2);
    expect(total().bytes).toBeLessThanOrEqual(65536);
    sent.length = 0;
    const sl = await img.dataobj.get([null, null, 10]);
    expect(sl.get(3, 5)).toBe(vol[10 * 128 * 128 + 5 * 128 + 3]);
    const slab = total();
    // Slice 10 of 64 lies in the first sixth of the stream: the stream up to it, not the file.
    expect(slab.bytes).toBeLessThan(files.get('big.nii.gz')!.length / 2);
    console.log(`remote .nii.gz (${files.get('big.nii.gz')!.length} bytes): header ${head.requests} request(s), ${head.bytes} bytes; slice 10 ${slab.requests} request(s), ${slab.bytes} bytes`);
  });

  it('loadHeader of a lone .hdr takes one request', async () => {
    sent.length = 0;
    const hdr = await loadHeader(`${url}/big.hdr`);
    expect(hdr.getDataShape()).toEqual(shape);
    expect(total().requests).toBeLessThanOrEqual(2);
    expect(total().bytes).toBeLessThanOrEqual(65536);
  });

  it('a .mgh load reads the header block and the block of the footer after the data', async () => {
    sent.length = 0;
    const img = await load(`${url}/big.mgh`);
    expect(img.shape).toEqual(shape);
    expect(total().requests).toBe(2);
    expect(total().bytes).toBeLessThanOrEqual(2 * 65536);
    console.log(`remote .mgh: load ${total().requests} request(s), ${total().bytes} bytes`);
  });

  it('a .mgz load reads the stream once: the footer lies after the data (as nibabel reads it)', async () => {
    const size = files.get('big.mgz')!.length;
    sent.length = 0;
    const img = await load(`${url}/big.mgz`);
    expect(img.shape).toEqual(shape);
    const head = total();
    expect(head.bytes).toBeLessThanOrEqual(size + 65536);
    sent.length = 0;
    // The decoded data were kept for the first whole read.
    expect((await img.getFdata({ dtype: 'float32' })).data[54321]).toBe(vol[54321]);
    expect(total().requests).toBe(0);
    console.log(`remote .mgz (${size} bytes): load ${head.requests} request(s), ${head.bytes} bytes`);
  });

  for (const mode of ['norange', 'first200']) {
    it(`a server that ${mode === 'norange' ? 'ignores Range' : 'answers 200 to a range request'}: one full read, with a RANGE_IGNORED warning`, async () => {
      for (const name of ['big.nii', 'big.nii.gz']) {
        sent.length = 0;
        const seen: string[] = [];
        const img = await load(`${url}/${name}?mode=${mode}`, { onWarning: (w) => seen.push(w.code) });
        expect(img.shape).toEqual(shape);
        expect(img.warnings.map((w) => w.code)).toEqual(['RANGE_IGNORED']);
        expect(img.warnings[0].message).toMatch(/whole file/);
        expect(seen).toEqual(['RANGE_IGNORED']);
        const sl = await img.dataobj.get([null, null, 33]);
        expect(sl.get(100, 17)).toBe(vol[33 * 128 * 128 + 17 * 128 + 100]);
        const all = await img.getFdata({ dtype: 'float32' });
        expect(all.data[12345]).toBe(vol[12345]);
        expect(total()).toEqual({ requests: 1, bytes: files.get(name)!.length });
        expect(seen).toEqual(['RANGE_IGNORED']);
      }
      sent.length = 0;
      const hdr = await loadHeader(`${url}/big.hdr?mode=${mode}`);
      expect(hdr.warnings.map((w) => w.code)).toContain('RANGE_IGNORED');
      expect(total().requests).toBe(1);
    });
  }

  it('aborts a load from a slow server at once, and a later load works', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = load(`${url}/big.nii?mode=slow`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - t0).toBeLessThan(1000);
    const pre = AbortSignal.abort();
    await expect(load(`${url}/big.nii`, { signal: pre })).rejects.toMatchObject({ name: 'AbortError' });
    const img = await load(`${url}/big.nii`);
    const slow = new AbortController();
    const q = img.dataobj.get([null, null, 5], { signal: slow.signal });
    slow.abort();
    await expect(q).rejects.toMatchObject({ name: 'AbortError' });
    expect((await img.dataobj.get([null, null, 5])).get(1, 2)).toBe(vol[5 * 128 * 128 + 2 * 128 + 1]);
  });
});
