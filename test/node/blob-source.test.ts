// BlobSource's sequential stream path (reads ≥ STREAM_MIN_BYTES, and reads continuing them)
// must give the same bytes as slices, whatever mix of sequential, parallel and random reads:
// with the bring-your-own-buffer reader of a byte stream (Node's and Chromium's Blob), and
// with the default reader a platform whose Blob stream is not a byte stream gives.
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BlobSource, STREAM_MIN_BYTES } from '../../src/io/blob-source';
import { equalBytes } from '../shared/bytes';

const N = 6 * 1024 * 1024;
const DATA = new Uint8Array(N);
for (let i = 0; i < N; i++) DATA[i] = Math.imul(i, 2654435761) >>> 24;

/** A Blob whose stream() is a plain (non-byte) stream of the same chunks: no BYOB reader. */
class PlainStreamBlob extends Blob {
  override slice(start?: number, end?: number): Blob {
    return new PlainStreamBlob([super.slice(start, end)]);
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const inner = super.stream().getReader();
    return new ReadableStream({
      async pull(c) {
        const r = await inner.read();
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      cancel: (why) => inner.cancel(why),
    });
  }
}

it('the plain-stream Blob really has no BYOB reader (so the fallback below is what runs)', () => {
  expect(() => new PlainStreamBlob([DATA]).stream().getReader({ mode: 'byob' })).toThrow(TypeError);
  expect(() => new Blob([DATA]).stream().getReader({ mode: 'byob' }).releaseLock()).not.toThrow();
});

for (const [label, blob] of [['byte-stream Blob (BYOB reader)', new Blob([DATA])], ['plain-stream Blob (default reader)', new PlainStreamBlob([DATA])]] as const) {
  describe(label, () => {
    it('sequential bulk reads, with a read-ahead issued before the previous one ends', async () => {
      const src = new BlobSource(blob);
      const C = 1 << 20;
      let next = src.read(0, C);
      for (let p = 0; p < N; p += C) {
        const cur = next;
        next = src.read(p + C, C);
        expect(equalBytes(await cur, DATA.subarray(p, Math.min(N, p + C)))).toBe(true);
      }
      expect((await next).length).toBe(0);
    });

    it('parallel large reads at unrelated offsets (a coronal slice) never cut each other short', async () => {
      const src = new BlobSource(blob);
      const offsets = [0, 3 * 1024 * 1024, 1024 * 1024 + 17, 5 * 1024 * 1024 - 3];
      const got = await Promise.all(offsets.map((o) => src.read(o, STREAM_MIN_BYTES + 5)));
      got.forEach((g, i) => expect(equalBytes(g, DATA.subarray(offsets[i], offsets[i] + STREAM_MIN_BYTES + 5))).toBe(true));
    });

    it('readInto: bulk reads into one reused buffer, and small or random reads copied in', async () => {
      const src = new BlobSource(blob);
      const C = 1 << 20;
      let buf = new Uint8Array(C);
      const first = buf.buffer;
      for (let p = 0; p < N; p += C) {
        const got = await src.readInto(p, buf);
        expect(equalBytes(got, DATA.subarray(p, p + C))).toBe(true);
        buf = new Uint8Array(got.buffer, 0, C);
      }
      // The BYOB path hands the same memory back (transferred); the copy path keeps the buffer.
      expect(buf.buffer.byteLength).toBe(C);
      if (label.startsWith('plain')) expect(buf.buffer).toBe(first);
      expect((await src.readInto(N - 10, new Uint8Array(100))).byteLength).toBe(10);
      expect((await src.readInto(N + 5, new Uint8Array(100))).byteLength).toBe(0);
      const small = await src.readInto(12345, new Uint8Array(777));
      expect(equalBytes(small, DATA.subarray(12345, 12345 + 777))).toBe(true);
    });

    it('any mix of reads equals the slices of the data', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(N + 100), fc.oneof(fc.nat(4096), fc.integer({ min: STREAM_MIN_BYTES, max: 2 * STREAM_MIN_BYTES }))), { minLength: 1, maxLength: 8 }),
          fc.boolean(),
          async (reads, parallel) => {
            const src = new BlobSource(blob);
            // read and readInto, alternately, share one stream.
            const run = (o: number, l: number) => (o % 2 ? src.read(o, l) : src.readInto(o, new Uint8Array(l)));
            const results = parallel
              ? await Promise.all(reads.map(([o, l]) => run(o, l)))
              : await reads.reduce(async (acc, [o, l]) => [...(await acc), await run(o, l)], Promise.resolve([] as Uint8Array[]));
            results.forEach((r, i) => {
              const [o, l] = reads[i];
              expect(equalBytes(r, DATA.subarray(Math.min(o, N), Math.min(o + l, N)))).toBe(true);
            });
          },
        ),
        { numRuns: 60, seed: 7 },
      );
    });
  });
}

// Chromium keeps a pending Blob-stream read alive only through its reader: the browser's reply
// reaches it through a weak handle. A caller awaiting the read holds nothing that leads to the
// reader, so when nothing else does, a GC while the read waits drops the read and every
// continuation awaiting it, and the read never settles. WeakHandleBlob models that platform:
// a byte stream whose pending pulls are delivered only through WeakRefs. With a real gc()
// between deliveries, a read BlobSource did not hold itself would be lost.
describe('a pending stream read held by nothing but the platform (Chromium Blob stream)', () => {
  /** Pending pulls, weakly: what a delivery finds collected is a read lost. */
  const parked: WeakRef<{ deliver(): void }>[] = [];
  let lost = 0;

  /** Delivers every parked pull that is still alive (at most 64 KiB each); counts the lost ones. */
  function deliverParked(): void {
    for (const ref of parked.splice(0)) {
      const pull = ref.deref();
      if (pull) pull.deliver();
      else lost++;
    }
  }

  class WeakHandleBlob extends Blob {
    constructor(private readonly data: Uint8Array<ArrayBuffer>) {
      super([data]);
    }

    override slice(start = 0, end = this.data.length): Blob {
      return new WeakHandleBlob(this.data.subarray(start, end));
    }

    override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
      const data = this.data;
      let pos = 0;
      // The stream holds this strongly (its pull algorithm's `this`); `parked` only weakly.
      const source = {
        type: 'bytes' as const,
        controller: null as ReadableByteStreamController | null,
        wake: null as (() => void) | null,
        pull(c: ReadableByteStreamController): Promise<void> {
          source.controller = c;
          parked.push(new WeakRef(source));
          return new Promise<void>((wake) => {
            source.wake = wake;
          });
        },
        deliver(): void {
          const c = source.controller!;
          const req = c.byobRequest;
          const n = Math.min(64 * 1024, data.length - pos, req?.view?.byteLength ?? Infinity);
          if (n <= 0) {
            c.close();
            req?.respond(0);
          } else if (req?.view) {
            new Uint8Array(req.view.buffer, req.view.byteOffset, n).set(data.subarray(pos, pos + n));
            pos += n;
            req.respond(n);
          } else {
            c.enqueue(data.slice(pos, pos + n));
            pos += n;
          }
          source.wake!();
        },
      };
      return new ReadableStream(source);
    }
  }

  it('readInto: a sequential read whose caller nothing holds still settles across GCs', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const size = 3 * 1024 * 1024 + 77;
    const state = { pos: 0, ok: true, settled: false };
    lost = 0;
    // Nothing outside this IIFE refers to the source, its stream or the awaiting code.
    void (async () => {
      const src = new BlobSource(new WeakHandleBlob(DATA.slice(0, size)));
      let buf = new Uint8Array(1 << 20);
      for (;;) {
        const got = await src.readInto(state.pos, buf);
        state.ok &&= equalBytes(got, DATA.subarray(state.pos, state.pos + got.byteLength));
        state.pos += got.byteLength;
        if (got.byteLength < buf.byteLength) break;
        buf = new Uint8Array(got.buffer);
      }
      state.settled = true;
    })();
    for (let k = 0; k < 500 && !state.settled && lost === 0; k++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
      deliverParked();
    }
    expect(lost, 'pulls collected before their bytes arrived').toBe(0);
    expect(state.settled).toBe(true);
    expect(state.ok).toBe(true);
    expect(state.pos).toBe(size);
  });
});
