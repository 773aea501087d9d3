// Workers in Node (issue 11): `worker` runs on node:worker_threads (worker/spawn.ts). The
// built library's threads are tested end to end in test/e2e/dist.spec.ts; here, under the
// test runner, the worker script is TypeScript that a thread cannot import: the pool must
// turn unusable and reads fall back to this thread with the same result. And the error
// records that carry a worker's failures back rebuild the same classes and fields.
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DecompressionError,
  HeaderDataError,
  ImageDataError,
  ImageFileError,
  IndexError,
  IndexTypeError,
  LimitError,
  UnsupportedError,
  WasmError,
  createWorkerPool,
  load,
} from '../../src/index';
import { coresHere } from '../../src/worker/spawn';
import { fromWire, toWire } from '../../src/worker/protocol';
import { type NodeWorkerCtor, nodeWorkerClass } from '../../src/worker/spawn';
import { makeNifti, phantomInt16 } from '../shared/make-nifti';

describe('worker option in Node', () => {
  const shape = [64, 64, 40]; // 320 KiB of int16: above the pool's 256 KiB threshold
  const bytes = makeNifti(phantomInt16(shape), shape);

  it('a worker_threads pool whose script cannot load: unusable, and reads fall back here', async () => {
    const want = await (await load(bytes, { name: 'a.nii' })).getFdata();
    const pool = createWorkerPool({ size: 1 });
    expect(pool.usable).toBe(true);
    const img = await load(bytes, { name: 'a.nii', worker: pool });
    const got = await img.getFdata();
    expect(got.data).toEqual(want.data);
    expect(pool.usable).toBe(false);
    const again = await load(bytes, { name: 'a.nii', worker: true });
    expect((await again.getFdata()).shape).toEqual(shape);
    pool.terminate();
  });

  it('the default pool has cores − 1 workers (1 to 4), from os.availableParallelism() where there is no navigator', () => {
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? availableParallelism();
    expect(coresHere()).toBe(cores);
    const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    try {
      // As on Node 20, which has no navigator.
      Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
      expect(coresHere()).toBe(availableParallelism());
      expect(createWorkerPool().size).toBe(Math.max(1, Math.min(4, availableParallelism() - 1)));
      Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: 8 }, configurable: true });
      expect(createWorkerPool().size).toBe(4);
    } finally {
      if (nav) Object.defineProperty(globalThis, 'navigator', nav);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });

  it('worker: false and absent read here; anything else is a BAD_WORKER_OPTION', async () => {
    const img = await load(bytes, { name: 'a.nii', worker: false });
    expect((await img.getFdata()).shape).toEqual(shape);
    await expect(load(bytes, { name: 'a.nii', worker: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'BAD_WORKER_OPTION' });
  });
});

describe('a Node thread dressed as a web Worker (worker/spawn.ts)', () => {
  class FakeThread extends EventEmitter {
    static last: FakeThread;
    refs: string[] = [];
    sent: unknown[] = [];
    constructor(readonly code: string, readonly opts: { workerData: { url: string } }) {
      super();
      FakeThread.last = this;
    }
    postMessage(msg: unknown): void {
      this.sent.push(msg);
    }
    ref(): void {
      this.refs.push('ref');
    }
    unref(): void {
      this.refs.push('unref');
    }
    async terminate(): Promise<number> {
      this.emit('exit', 1);
      return 1;
    }
  }
  const Dressed = nodeWorkerClass(FakeThread as unknown as NodeWorkerCtor);

  it('messages both ways; idle (unref) once listened to; a thread that exits on its own is one error', () => {
    const w = new Dressed(new URL('file:///x/decode-worker.js'), { type: 'module' });
    expect(FakeThread.last.opts.workerData.url).toBe('file:///x/decode-worker.js');
    const got: unknown[] = [];
    const errors: string[] = [];
    w.addEventListener('message', (e) => got.push(e.data));
    w.addEventListener('error', (e) => errors.push(e.message));
    expect(FakeThread.last.refs.at(-1)).toBe('unref');
    w.postMessage({ type: 'cancel', id: 1 });
    FakeThread.last.emit('message', { type: 'ok', id: 1 });
    expect(FakeThread.last.sent).toEqual([{ type: 'cancel', id: 1 }]);
    expect(got).toEqual([{ type: 'ok', id: 1 }]);
    FakeThread.last.emit('error', new Error('boom'));
    FakeThread.last.emit('exit', 1);
    expect(errors).toEqual(['boom']);
    w.postMessage({ type: 'cancel', id: 2 }); // ended: dropped
    expect(FakeThread.last.sent).toHaveLength(1);

    const v = new Dressed(new URL('file:///x/decode-worker.js'), { type: 'module' });
    const vErrors: string[] = [];
    v.addEventListener('error', (e) => vErrors.push(e.message));
    FakeThread.last.emit('exit', 7);
    expect(vErrors).toEqual(['decode thread exited (code 7)']);

    const t = new Dressed(new URL('file:///x/decode-worker.js'), { type: 'module' });
    const tErrors: string[] = [];
    t.addEventListener('error', (e) => tErrors.push(e.message));
    t.terminate(); // its own exit is no error
    expect(tErrors).toEqual([]);
  });
});

describe('worker error records', () => {
  const cases: Error[] = [
    new ImageFileError('not an image', { code: 'NOT_NIFTI' }),
    new HeaderDataError('bad dim', { code: 'BAD_DIM0' }),
    new ImageDataError('short', { code: 'DATA_TRUNCATED', cause: new RangeError('inner') }),
    new DecompressionError('crc', { code: 'GZIP_DATA_CRC', offset: 1234 }),
    new UnsupportedError('f128', { code: 'DTYPE', feature: 'dtype:float128' }),
    new LimitError('big', { code: 'OUTPUT_LIMIT', limit: 10, requested: 20 }),
    new WasmError('trap', { code: 'WASM_TRAP' }),
    new IndexError('oob', { code: 'INDEX_OUT_OF_BOUNDS' }),
    new IndexTypeError('kind', { code: 'BAD_INDEX_ITEM' }),
    new ArgumentError('arg', { code: 'FDATA_DTYPE' }),
    new TypeError('plain type'),
    new RangeError('plain range'),
  ];

  it.each(cases.map((e) => [e.name, e] as const))('%s keeps its class, code and fields', (_name, err) => {
    // through structured clone, as postMessage sends it
    const back = fromWire(structuredClone(toWire(err)));
    expect(back.constructor).toBe(err.constructor);
    expect(back.message).toBe(err.message);
    for (const k of ['code', 'offset', 'feature', 'limit', 'requested'] as const) {
      expect((back as unknown as Record<string, unknown>)[k]).toEqual((err as unknown as Record<string, unknown>)[k]);
    }
    if (err.cause) expect((back.cause as Error).constructor).toBe((err.cause as Error).constructor);
  });

  it('an AbortError comes back as a DOMException named AbortError', () => {
    const back = fromWire(structuredClone(toWire(new DOMException('stop', 'AbortError'))));
    expect(back).toBeInstanceOf(DOMException);
    expect(back.name).toBe('AbortError');
  });
});
