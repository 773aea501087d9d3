// Staging (src/io/staged-read.ts): one buffer serves every bulk read of a source that can
// fill a given one, and a source's own memory (BufferSource views) is never written to.
import { expect, it } from 'vitest';
import { BlobSource } from '../../src/io/blob-source';
import { BufferSource } from '../../src/io/buffer-source';
import { Staging } from '../../src/io/staged-read';
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
