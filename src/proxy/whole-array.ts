/**
 * The one path for reading a proxy's whole array: `asArray(proxy)`, `img.getFdata()` and
 * `img.getData()` all come here (nibabel's `ArrayProxy._get_scaled(slicer=())` with
 * `array_from_file`).
 *
 * Large arrays of numeric dtypes are decoded into a WebAssembly memory of their own, sized
 * from the header before reading: a `.nii.gz` is inflated straight into it, an uncompressed
 * file is copied in by bounded chunks, then one kernel swaps/scales in place (see
 * src/wasm/array-decode.ts). Small arrays, complex/RGB data, or a page where WebAssembly
 * cannot run take the TypeScript path of `ArrayProxy.getScaled`.
 */
import { axisMap, viewOf } from './oriented.js';
import { scaledDtype } from '../scaling.js';
import { type DType, dtypeInfo } from '../dtypes.js';
import { throwIfAborted } from '../errors.js';
import { Staging } from '../io/staged-read.js';
import type { ByteSource, RegionReader } from '../io/types.js';
import { NDArray, cStrides, fortranStrides, shapeSize } from '../ndarray.js';
import { type ArenaFill, canDecodeInWasm, decodeToArena } from '../wasm/array-decode.js';
import { type WasmArena, checkMemoryBytes } from '../wasm/memory.js';
import type { ArrayProxy } from './array-proxy.js';
import { truncated } from './read-segments.js';

/** Arrays below this many raw bytes are decoded in TypeScript and live in ordinary memory. */
export const WASM_MIN_BYTES = 256 * 1024;

/** Chunk size for copying an uncompressed file into WebAssembly memory (bounds peak memory). */
export const COPY_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A source without a decoding capability is copied in by bounded chunks. Through a block
 * cache these long reads bypass the blocks (caching every block of a volume would double it).
 */
function plainFill(source: ByteSource, offset: number, length: number, signal?: AbortSignal): ArenaFill {
  return {
    overhead: 0,
    lead: 0,
    async fill(_arena, dest) {
      const staging = new Staging(source);
      for (let pos = 0; pos < length; pos += COPY_CHUNK_BYTES) {
        throwIfAborted(signal);
        const want = Math.min(COPY_CHUNK_BYTES, length - pos);
        const chunk = await staging.read(offset + pos, want, { signal });
        if (chunk.byteLength !== want) throw truncated(length, pos + chunk.byteLength);
        dest.bytes.set(chunk, pos);
        staging.release(chunk);
      }
    },
  };
}

/** A decoding source (a gzip stream) decodes straight into the array's memory. */
function regionFill(source: ByteSource, reader: RegionReader, offset: number, length: number, signal?: AbortSignal): ArenaFill {
  const needs = reader.regionNeeds(offset);
  return {
    overhead: needs.overhead,
    lead: needs.lead,
    preset: () => reader.takeHeld?.(offset, length) ?? null,
    async fill(arena, dest) {
      try {
        await reader.readIntoRegion(offset, { arena, ptr: dest.ptr, length }, { signal, verify: true });
      } catch (err) {
        // A stream that ends before the array does is a short file, in nibabel's terms.
        if ((err as { code?: string }).code === 'TRUNCATED' && source.size !== undefined && source.size < offset + length) {
          throw truncated(length, source.size - offset, err);
        }
        throw err;
      }
    },
  };
}

/**
 * Runs a whole read somewhere else (a decode worker), or answers `null` to read here. Set by
 * worker/pool.ts when a pool is created, so this module never imports the worker code.
 */
export type WholeDelegate = (proxy: ArrayProxy, dtype: DType | undefined, rawBytes: number, signal?: AbortSignal) => Promise<NDArray | null>;

let delegate: WholeDelegate | null = null;

/** @internal worker/pool.ts registers the worker path. */
export function setWholeDelegate(d: WholeDelegate | null): void {
  delegate = d;
}

/**
 * Rejects, before anything is allocated, an array the source cannot hold: an uncompressed
 * file shorter than offset + size (reliability.md case 40), or a gzip stream too short to
 * expand to it even at DEFLATE's maximal ratio (case 38).
 * @throws {ImageDataError} `DATA_TRUNCATED`
 */
export function checkPlausible(source: ByteSource, offset: number, rawBytes: number): void {
  const known = source.size;
  if (known !== undefined) {
    if (offset + rawBytes > known) throw truncated(rawBytes, known - offset);
    return;
  }
  const bound = source.maxSize;
  if (bound !== undefined && offset + rawBytes > bound) throw truncated(rawBytes, bound - offset);
}

/**
 * Rejects, at once and before anything is read or allocated, a whole array that cannot be held:
 * one past 4 GiB (as raw bytes or as the result) does not fit in a WebAssembly memory, nor in
 * what nibweb hands out on its other paths. The proxy and any cache stay as they were; the
 * message says how to read the data in parts instead.
 * @param proxy the array proxy
 * @param target the result dtype
 * @throws {LimitError} `ARRAY_TOO_LARGE`
 */
export function checkWholeSize(proxy: ArrayProxy, target: DType): void {
  const n = shapeSize(proxy.fileShape);
  const outBytes = n * dtypeInfo(target).itemsize;
  const bytes = Math.max(outBytes, n * dtypeInfo(proxy.dtype).itemsize);
  const shape = proxy.shape;
  const nd = shape.length;
  const last = Math.max(nd - 1, 0);
  const lead = 'null, '.repeat(Math.min(last, 3));
  const part = nd >= 4
    ? `one volume at a time with \`await img.dataobj.get([${lead}t])\``
    : `one slice at a time with \`await img.dataobj.get([${lead}k])\``;
  checkMemoryBytes(bytes, {
    code: 'ARRAY_TOO_LARGE',
    what: `the whole array (${shape.join(' × ')} ${proxy.dtype} as ${target}: ${outBytes} bytes)`,
    hint: `read ${part}, or a smaller image with \`await img.slicer([${lead}slice(a, b)])\``,
  });
}

/**
 * Reads the whole array of `proxy`, scaled.
 * @param proxy the array proxy
 * @param dtype result dtype; default: nibabel's `np.asarray(proxy)` dtype
 * @param opts `signal` to abort
 * @returns the array; the arena holding it when it lives in WebAssembly memory; the bytes a
 *   cache of it counts against `arrayCache` (0: an ordinary small array, not budgeted)
 * @throws {ImageDataError} when the file is shorter than the header says
 * @throws {DecompressionError} for a corrupt .gz
 * @throws {LimitError} `ARRAY_TOO_LARGE` past 4 GiB (see `checkWholeSize`)
 */
export async function readWhole(
  proxy: ArrayProxy,
  dtype: DType | undefined,
  opts: { signal?: AbortSignal } = {},
): Promise<{ array: NDArray; arena: WasmArena | null; budgetBytes: number }> {
  throwIfAborted(opts.signal);
  const target = dtype ?? scaledDtype(proxy.dtype, proxy.slope, proxy.inter, { spm99: proxy.spm99 });
  const n = shapeSize(proxy.fileShape);
  const rawBytes = n * dtypeInfo(proxy.dtype).itemsize;
  const spec = {
    n,
    rawDtype: proxy.dtype,
    littleEndian: proxy.littleEndian,
    slope: proxy.slope,
    inter: proxy.inter,
    outDtype: target,
  };
  checkPlausible(proxy.source, proxy.offset, rawBytes);
  checkWholeSize(proxy, target);
  const wasm = rawBytes >= WASM_MIN_BYTES && canDecodeInWasm(spec);
  // Data a .mgz load already decoded into an arena are converted here, in place: a worker
  // would inflate the file again.
  const heldHere = wasm && (proxy.source.regionReader?.holds?.(proxy.offset, rawBytes) ?? false);
  if (delegate && !heldHere) {
    // Decoded in a worker: a transferred ArrayBuffer (or a shared pool's shared memory),
    // counted against the cache budget.
    const away = await delegate(proxy, dtype, rawBytes, opts.signal);
    if (away) return { array: away, arena: null, budgetBytes: away.data.byteLength };
  }
  if (wasm) {
    const source = proxy.source;
    const reader = source.regionReader;
    const fill = reader
      ? regionFill(source, reader, proxy.offset, rawBytes, opts.signal)
      : plainFill(source, proxy.offset, rawBytes, opts.signal);
    const decoded = await decodeToArena(spec, fill);
    if (decoded) {
      const shape = proxy.fileShape;
      const strides = proxy.order === 'C' ? cStrides(shape) : fortranStrides(shape);
      const stored = new NDArray(decoded.data, shape, { strides, dtype: target });
      // A reoriented proxy: the same memory, seen reoriented (a strided view, no copy).
      const ornt = proxy.orientation;
      const array = ornt ? viewOf(stored, axisMap(ornt, shape.length)) : stored;
      return { array, arena: decoded.arena, budgetBytes: decoded.arena.byteLength };
    }
  }
  // proxy[()] when no dtype was asked for (nibabel's np.asarray(proxy)), else the cast.
  const array = dtype === undefined
    ? await proxy.get([], { signal: opts.signal })
    : await proxy.getScaled([], { dtype: target, signal: opts.signal });
  return { array, arena: null, budgetBytes: 0 };
}
