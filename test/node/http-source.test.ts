/**
 * HttpSource (src/io/http-source.ts) against a local node:http server: Range reads, size
 * from HEAD or Content-Range, a server that ignores Range (fallback and refusal), HTTP
 * errors, abort.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedSource } from '../../src/io/cached-source';
import { HttpSource } from '../../src/io/http-source';
import { ArrayProxy } from '../../src/proxy/array-proxy';
import { slice } from '../../src/proxy/slicing';

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
    expect(await src.read(100, 50)).toEqual(DATA.subarray(100, 150));
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
