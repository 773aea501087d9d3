/**
 * Decoding a whole array into a WebAssembly memory of its own (DESIGN.md, "Memory").
 *
 * The arena is sized from the header before any byte is read, and never grows. The raw
 * (on-disk) bytes are written into the *upper* part of the output region by a `fill`
 * callback (a gzip inflater writing straight into memory, or a chunked file copy); then one
 * kernel converts, byte-swaps and scales in place front to back, so widening (int16 →
 * float32) never overwrites unread input and no full-size intermediate exists.
 *
 *   [fill overhead][pad][ output region: out[0..n) ........ | raw bytes (upper part) ]
 *                        ^region                           ^raw = region + rawOffset
 * The fill may also overwrite `lead` bytes before `raw` (output before the wanted range).
 */
import { type DType, type TypedArray, dtypeInfo } from '../dtypes.js';
import { LimitError } from '../errors.js';
import { WasmArena, canCreateArena } from './memory.js';
import { rawOffsetFor, scaleInArena, swapInArena } from './scale.js';

/** Writes the raw bytes of the array into arena memory. */
export interface ArenaFill {
  /** Bytes the fill allocates from the arena itself (released when it returns). */
  overhead: number;
  /** Bytes before the destination the fill may overwrite. */
  lead: number;
  /**
   * Writes exactly `length` raw bytes to `dest` (a view into the arena, valid for its lifetime).
   * `arena`/`dest` are passed together so a gzip inflater can decode in that same instance.
   */
  fill(arena: WasmArena, dest: ArenaRegion): Promise<void>;
  /**
   * Optional: raw bytes already decoded in an arena of their own (`ptr`), with the memory
   * from `low` to their end free for the output. When the layout fits, the conversion runs
   * there and `fill` is not called.
   */
  preset?(): { arena: WasmArena; ptr: number; low: number } | null;
}

/** A region of arena memory handed to a fill: an opaque pointer and its byte view. */
export interface ArenaRegion {
  /** Opaque: pass it back to src/wasm functions only. */
  readonly ptr: number;
  /** The region's bytes. */
  readonly bytes: Uint8Array;
}

/** What to decode. */
export interface ArraySpec {
  /** Voxels. */
  n: number;
  /** On-disk dtype. */
  rawDtype: DType;
  /** On-disk byte order. */
  littleEndian: boolean;
  /** Effective scaling (1 and 0 when none). */
  slope: number;
  inter: number;
  /** Result dtype: the raw dtype (byte-swapped only) or float32/float64. */
  outDtype: DType;
}

/**
 * Where `decodeToArena` gets its arena: by default a new one per array (it is handed out and
 * must never be reused). A decode worker, which copies every result out before the next job,
 * installs one that reuses its arena, so its pages are touched once, not per decode.
 */
export type ArenaProvider = (bytes: number) => Promise<WasmArena | null>;

let provider: ArenaProvider | null = null;

/** @internal worker/decode-worker.ts reuses one arena per worker. */
export function setArenaProvider(p: ArenaProvider | null): void {
  provider = p;
}

/** The dtypes the WASM kernels convert. */
const KERNEL_DTYPES = new Set<DType>([
  'uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64',
]);

/** True when `decodeToArena` can do this conversion in WebAssembly. */
export function canDecodeInWasm(spec: ArraySpec): boolean {
  if (!KERNEL_DTYPES.has(spec.rawDtype)) return false;
  if (spec.outDtype === spec.rawDtype) return spec.slope === 1 && spec.inter === 0;
  return spec.outDtype === 'float32' || spec.outDtype === 'float64';
}

/**
 * Decodes an array into a new arena of exactly the size it needs.
 * @param spec what to decode (see `canDecodeInWasm`)
 * @param source writes the raw bytes
 * @returns the typed array (a view of the arena's memory, never detached) and the arena;
 *   `null` when WebAssembly is disabled, or no new memory can be had (too many live
 *   memories, or the platform refused one): the caller then takes its TypeScript path
 * @throws {LimitError} when the array cannot fit in one WebAssembly memory
 */
export async function decodeToArena(
  spec: ArraySpec,
  source: ArenaFill,
): Promise<{ data: TypedArray; arena: WasmArena } | null> {
  const raw = dtypeInfo(spec.rawDtype);
  const out = dtypeInfo(spec.outDtype);
  const rawBytes = spec.n * raw.itemsize;
  const same = spec.outDtype === spec.rawDtype;
  const rawOffset = same ? 0 : rawOffsetFor(spec.n, spec.rawDtype, spec.outDtype);
  const regionBytes = Math.max(spec.n * out.itemsize, rawOffset + rawBytes);
  const pad = Math.max(0, source.lead - rawOffset);
  const held = source.preset?.();
  if (held) {
    // Converted in place where the bytes already are: the output ends where the raw bytes end.
    const region = held.ptr - rawOffset;
    if (region >= held.low && region % out.itemsize === 0) {
      return { data: convert(held.arena, spec, region, held.ptr), arena: held.arena };
    }
  }
  if (!canCreateArena()) return null;
  let arena: WasmArena | null;
  try {
    const bytes = source.overhead + pad + regionBytes + 256;
    arena = await (provider ? provider(bytes) : WasmArena.create(bytes));
  } catch (err) {
    if (err instanceof LimitError && err.code === 'OUT_OF_MEMORY') return null;
    throw err;
  }
  if (!arena) return null;
  const region = arena.alloc(pad + regionBytes, 64) + pad;
  const rawPtr = region + rawOffset;
  await source.fill(arena, { ptr: rawPtr, bytes: arena.u8(rawPtr, rawBytes) });
  return { data: convert(arena, spec, region, rawPtr), arena };
}

/** Swaps or scales the raw bytes at `rawPtr` into the output at `region` (in place, front to back). */
function convert(arena: WasmArena, spec: ArraySpec, region: number, rawPtr: number): TypedArray {
  const raw = dtypeInfo(spec.rawDtype);
  const out = dtypeInfo(spec.outDtype);
  if (spec.outDtype === spec.rawDtype) {
    if (!spec.littleEndian && raw.itemsize > 1) swapInArena(arena, rawPtr, spec.n, spec.rawDtype);
    return arena.view(raw.ctor, rawPtr, spec.n * raw.lanes);
  }
  scaleInArena(arena, rawPtr, region, spec.n, spec.rawDtype, spec.littleEndian, spec.slope, spec.inter,
    spec.outDtype as 'float32' | 'float64');
  return arena.view(out.ctor, region, spec.n * out.lanes);
}
