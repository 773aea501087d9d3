// Staging (src/io/staged-read.ts): one buffer serves every bulk read of a source that can
// fill a given one, and a source's own memory (BufferSource views) is never written to;
// a read made ahead serves only the read it was made for.
import { describe, expect, it } from 'vitest';
import { BlobSource } from '../../src/io/blob-source';
import { BufferSource } from '../../src/io/buffer-source';
import { Staging } from '../../src/io/staged-read';
import type { ByteSource } from '../../src/io/types';
import { equalBytes } from '../shared/bytes';

const N = 3 * 1024 * 1024 + 5;
const DATA = new Uint8Array(N).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
const C = 1 << 20;

it('hands each released result back to the next read of a Blob', async () => {
  const blob = new BlobSource(new Blob([DATA]));
  // Records the buffer each readInto is given, and returns what BlobSource returns.
  const given: ArrayBuffer[] = [];
  const source = {
    size: blob.size,
    read: blob.read.bind(blob),
    readInto(offset: number, view: Uint8Array<ArrayBuffer>) {
      given.push(view.buffer);
      return blob.readInto(offset, view);
    },
  };
  const staging = new Staging(source);
  const results: ArrayBuffer[] = [];
  for (let p = 0; p < N; p += C) {
    const got = await staging.read(p, C);
    expect(equalBytes(got, DATA.subarray(p, p + C))).toBe(true);
    results.push(got.buffer as ArrayBuffer);
    staging.release(got);
  }
  expect(given.length).toBe(4);
  // Every read after the first fills the buffer the one before it returned.
  for (let i = 1; i < given.length; i++) expect(given[i]).toBe(results[i - 1]);
});

it('reads a BufferSource as usual and never hands its memory back as a target', async () => {
  const src = new BufferSource(DATA);
  const staging = new Staging(src);
  const a = await staging.read(0, C);
  expect(a.buffer).toBe(DATA.buffer);
  staging.release(a);
  const b = await staging.read(C, C);
  expect(b.buffer).toBe(DATA.buffer);
  expect(equalBytes(b, DATA.subarray(C, 2 * C))).toBe(true);
  expect(equalBytes(DATA.subarray(0, C), new Uint8Array(C).map((_, i) => (i * 31 + (i >> 10)) & 0xff))).toBe(true);
});

describe('readAhead', () => {
  /** A source that counts its reads and fills the buffer it is given. */
  function counting(): { source: ByteSource; reads: [number, number][] } {
    const inner = new BufferSource(DATA);
    const reads: [number, number][] = [];
    const source: ByteSource = {
      size: N,
      read: (o, l, opts) => inner.read(o, l, opts),
      async readInto(offset, view, opts) {
        reads.push([offset, view.byteLength]);
        const got = await inner.read(offset, view.byteLength, opts);
        view.set(got);
        return view.subarray(0, got.byteLength);
      },
    };
    return { source, reads };
  }

  it('the next read is made at once and serves the read that asks for it; one buffer serves all', async () => {
    const { source, reads } = counting();
    const staging = new Staging(source);
    const buffers = new Set<ArrayBufferLike>();
    for (let p = 0; p < N; p += C) {
      const got = await staging.read(p, Math.min(C, N - p));
      // Made before this read was awaited: the read-ahead of the last round.
      expect(reads.length).toBe(p / C + 1);
      expect(equalBytes(got, DATA.subarray(p, p + C))).toBe(true);
      buffers.add(got.buffer);
      staging.release(got);
      if (p + C < N) staging.readAhead(p + C, Math.min(C, N - p - C));
      expect(reads.length).toBe(p + C < N ? p / C + 2 : p / C + 1);
    }
    expect(buffers.size).toBe(1);
  });

  it('a read elsewhere, of another length, or with another signal, is read afresh; the read made ahead is dropped', async () => {
    const { source, reads } = counting();
    const staging = new Staging(source);
    staging.readAhead(C, C);
    expect(equalBytes(await staging.read(2 * C, C), DATA.subarray(2 * C, 3 * C))).toBe(true);
    staging.readAhead(C, C);
    expect(equalBytes(await staging.read(C, C + 1), DATA.subarray(C, 2 * C + 1))).toBe(true);
    const ctl = new AbortController();
    staging.readAhead(C, C, { signal: ctl.signal });
    expect(equalBytes(await staging.read(C, C), DATA.subarray(C, 2 * C))).toBe(true);
    expect(reads).toEqual([[C, C], [2 * C, C], [C, C], [C, C + 1], [C, C], [C, C]]);
  });

  it('an aborted read made ahead fails only the reader that made it', async () => {
    const blob = new BlobSource(new Blob([DATA]));
    const staging = new Staging(blob);
    const ctl = new AbortController();
    staging.readAhead(C, C, { signal: ctl.signal });
    ctl.abort();
    // The same range without that signal: read again, not the aborted one.
    expect(equalBytes(await staging.read(C, C), DATA.subarray(C, 2 * C))).toBe(true);
    const ctl2 = new AbortController();
    staging.readAhead(0, C, { signal: ctl2.signal });
    ctl2.abort();
    await expect(staging.read(0, C, { signal: ctl2.signal })).rejects.toMatchObject({ name: 'AbortError' });
    staging.dropAhead();
    expect(equalBytes(await staging.read(0, 10), DATA.subarray(0, 10))).toBe(true);
  });
});
