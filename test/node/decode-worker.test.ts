// worker/decode-worker.ts run in this thread, its messages delivered by hand (in the pool, a
// worker's global `postMessage` and `message` events carry them): a `chunk-array` that places
// the chunks in shared memory (`place`, then `chunk-placed`), and a queued request cancelled
// before it starts, which must end at once with an AbortError instead of starting later and
// waiting for a main thread that gave up on it.
import { beforeAll, describe, expect, it } from 'vitest';
import { memberFrame } from '../../src/codecs/parallel-gunzip';
import { BufferSource } from '../../src/io/buffer-source';
import { getSharedWasmModule, getWasmModule } from '../../src/wasm/load';
import type { FromWorker, JobSpec, ToWorker } from '../../src/worker/protocol';
import { makeNifti, phantomInt16 } from '../shared/make-nifti';
import { gzipSync } from 'fflate';

const sent: FromWorker[] = [];
let deliver: (msg: ToWorker) => void = () => {};

/** The worker's answer to request `id` (not its progress or `place` messages). */
async function answerTo(id: number): Promise<FromWorker> {
  for (;;) {
    const m = sent.find((x) => x.id === id && x.type !== 'progress' && x.type !== 'place');
    if (m) return m;
    await new Promise((r) => setTimeout(r, 2));
  }
}

const shape = [64, 64, 36, 20];
const nii = makeNifti(phantomInt16(shape, 5), shape, { slope: 2, inter: 1 });
const gz = gzipSync(nii, { level: 6 });
const spec: JobSpec = { shape, dtype: 'int16', littleEndian: true, offset: 352, slope: 2, inter: 1, order: 'F', spm99: false };
let nextId = 1;

/** Decodes the whole stream as one chunk and resolves it: the worker then holds all of `nii`. */
async function holdWholeStream(): Promise<void> {
  const frame = (await memberFrame(new BufferSource(gz)))!;
  const id = nextId++;
  deliver({
    type: 'chunk', id, origin: { kind: 'bytes', bytes: gz },
    plan: { from: frame.start * 8, known: true, first: true, searchTo: gz.byteLength * 8, stop: Number.POSITIVE_INFINITY, estimate: nii.byteLength + 65536 },
  });
  expect((await answerTo(id)).type).toBe('chunk-done');
  const fin = nextId++;
  deliver({ type: 'chunk-finish', id: fin, window: null });
  expect((await answerTo(fin)).type).toBe('chunk-finished');
}

beforeAll(async () => {
  const g = globalThis as unknown as Record<string, unknown>;
  g.postMessage = (m: FromWorker) => sent.push(m);
  g.addEventListener = (type: string, fn: (e: { data: ToWorker }) => void) => {
    if (type === 'message') deliver = (data) => fn({ data });
  };
  await import('../../src/worker/decode-worker');
  deliver({ type: 'init', module: await getWasmModule(), sharedModule: await getSharedWasmModule() });
});

describe('decode worker, in this thread', () => {
  it('chunk-array asks for the raw bytes with `place`, answers after `chunk-placed`, in shared memory', async () => {
    await holdWholeStream();
    const id = nextId++;
    deliver({ type: 'chunk-array', id, total: nii.byteLength, spec, dtype: 'float32' });
    let place: Extract<FromWorker, { type: 'place' }> | undefined;
    while (!(place = sent.find((m): m is Extract<FromWorker, { type: 'place' }> => m.type === 'place' && m.id === id))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(place.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([place.from, place.length]).toEqual([352, nii.byteLength - 352]);
    // The worker held all of the stream: its own copy filled the bytes already.
    expect(Buffer.from(place.buffer, place.byteOffset, place.length).equals(nii.subarray(352))).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.some((m) => m.id === id && m.type === 'done')).toBe(false); // waits for chunk-placed
    deliver({ type: 'chunk-placed', id });
    const done = await answerTo(id);
    expect(done.type).toBe('done');
    const d = done as Extract<FromWorker, { type: 'done' }>;
    expect(d.buffer).toBeInstanceOf(SharedArrayBuffer);
    const got = new Float32Array(d.buffer, d.offset, d.length);
    const raw = new Int16Array(nii.buffer, 352, d.length);
    expect(got.every((v, i) => v === raw[i]! * 2 + 1)).toBe(true);
  });

  it('a chunk-placed with an error ends the chunk-array with that error', async () => {
    const id = nextId++;
    deliver({ type: 'chunk-array', id, total: nii.byteLength, spec, dtype: 'float32' });
    while (!sent.some((m) => m.type === 'place' && m.id === id)) await new Promise((r) => setTimeout(r, 2));
    deliver({ type: 'chunk-placed', id, error: { name: 'DecompressionError', message: 'a chunk failed', code: 'GZIP_DATA_CRC' } });
    expect(await answerTo(id)).toMatchObject({ type: 'error', error: { name: 'DecompressionError', code: 'GZIP_DATA_CRC' } });
  });

  it('a request cancelled while it waits in the queue ends at once with an AbortError, never asking to be placed', async () => {
    const frame = (await memberFrame(new BufferSource(gz)))!;
    const busy = nextId++;
    deliver({
      type: 'chunk', id: busy, origin: { kind: 'bytes', bytes: gz },
      plan: { from: frame.start * 8, known: true, first: true, searchTo: gz.byteLength * 8, stop: Number.POSITIVE_INFINITY, estimate: nii.byteLength + 65536 },
    });
    const queued = nextId++;
    deliver({ type: 'chunk-array', id: queued, total: nii.byteLength, spec, dtype: 'float32' });
    deliver({ type: 'cancel', id: queued });
    expect((await answerTo(busy)).type).toBe('chunk-done');
    expect(await answerTo(queued)).toMatchObject({ type: 'error', error: { name: 'AbortError' } });
    expect(sent.some((m) => m.type === 'place' && m.id === queued)).toBe(false);
  });
});
