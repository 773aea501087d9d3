/**
 * The benchmark's view of nibweb: finds whichever library pieces exist in this checkout
 * (gunzip, load/getFdata, the WASM scaling path) and wraps them behind small, stable
 * signatures, so the harness runs — and says "not available" — while the library is still
 * being written. Used by the Chromium bench page (test/bench/bench-page.ts) and, through
 * Vite's SSR loader, by scripts/bench.mjs under Node, so both sides measure the same code.
 *
 * Optional modules are found with `import.meta.glob`, which yields nothing for a file that
 * does not exist instead of failing the whole page. Nothing here measures time.
 */

/** nibweb's `gunzip(bytes, opts)`: the WASM decoder on its own. */
export type Gunzip = (bytes: Uint8Array, opts?: { maxOutputLength?: number }) => Promise<Uint8Array>;

/** The parts of an `NDArray` the bench reads. */
export interface NDArrayLike {
  data: ArrayLike<number>;
  shape: number[];
  get(...index: number[]): number;
}

/** The parts of a `SpatialImage` the bench uses. */
export interface ImageLike {
  shape: number[];
  dataobj: { get(index: (number | null)[]): Promise<NDArrayLike> };
  getFdata(opts: { dtype: 'float32' }): Promise<NDArrayLike>;
  uncache(): void;
}

/** nibweb's `load(file)`. */
export type Load = (input: Blob) => Promise<ImageLike>;

/** A prepared int16 → float32 scaling job whose input already sits where the kernel reads it. */
export interface ScaleJob {
  /** Scales the whole input once (what the bench times). */
  run(): void;
  /** The float32 result of the last `run`. */
  output(): Float32Array;
}

/** Prepares WASM scaling jobs. */
export interface Scaler {
  /** Which code path this is, for the report. */
  label: string;
  /**
   * Copies `input` into WebAssembly memory (outside any timing) and returns the job.
   * @param input int16 voxels
   * @param slope scl_slope
   * @param inter scl_inter
   */
  prepare(input: Int16Array, slope: number, inter: number): Promise<ScaleJob>;
}

/** What the checkout offers, and why something is missing. */
export interface NibwebPieces {
  gunzip: Gunzip | null;
  gunzipFrom: string;
  load: Load | null;
  loadFrom: string;
  scaler: Scaler | null;
  /** Import failures (a module exists but does not load), one line each. */
  problems: string[];
}

type Mod = Record<string, unknown>;

// Literal paths: each key exists only if that file exists when Vite transforms this module.
const modules = import.meta.glob([
  '../../src/index.ts',
  '../../src/load.ts',
  '../../src/codecs/gzip.ts',
  '../../src/wasm/scale.ts',
  '../../src/wasm/memory.ts',
  '../../src/wasm/load.ts',
]);

async function optional(path: string, problems: string[]): Promise<Mod | null> {
  const loader = modules[path];
  if (!loader) return null;
  try {
    return (await loader()) as Mod;
  } catch (err) {
    problems.push(`${path.replace('../../', '')}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

function fn<T>(mod: Mod | null, name: string): T | null {
  const f = mod?.[name];
  return typeof f === 'function' ? (f as T) : null;
}

/** The subset of src/wasm/memory.ts `WasmArena` the scaling jobs use. */
interface ArenaLike {
  exports: Record<string, unknown>;
  alloc(bytes: number, alignment?: number): number;
  u8(ptr: number, length: number): Uint8Array;
  view(ctor: Float32ArrayConstructor, ptr: number, count: number): Float32Array;
}
interface ArenaClass {
  create(bytes: number): Promise<ArenaLike | null>;
}

/** src/wasm/scale.ts `scaleInArena(arena, src, dst, n, rawDtype, littleEndian, slope, inter, outDtype)`. */
type ScaleInArena = (
  arena: ArenaLike, src: number, dst: number, n: number, rawDtype: 'int16', littleEndian: boolean,
  slope: number, inter: number, outDtype: 'float32',
) => void;

/**
 * Copies the input into a fixed-size arena with a separate output region (the same layout
 * as the JS loop's separate preallocated output), so only the conversion is timed.
 */
async function arenaJob(Arena: ArenaClass, input: Int16Array): Promise<{ arena: ArenaLike; src: number; dst: number }> {
  const n = input.length;
  const arena = await Arena.create(n * 6 + 256);
  if (!arena) throw new Error('WebAssembly is disabled');
  const src = arena.alloc(n * 2, 64);
  const dst = arena.alloc(n * 4, 64);
  arena.u8(src, n * 2).set(new Uint8Array(input.buffer, input.byteOffset, n * 2));
  return { arena, src, dst };
}

/** The library's path: `scaleInArena`, which applies nibabel's rules then calls the kernel. */
function wrapperScaler(Arena: ArenaClass, scaleInArena: ScaleInArena): Scaler {
  return {
    label: 'src/wasm/scale.ts scaleInArena',
    async prepare(input, slope, inter) {
      const { arena, src, dst } = await arenaJob(Arena, input);
      const n = input.length;
      return {
        run: () => scaleInArena(arena, src, dst, n, 'int16', true, slope, inter, 'float32'),
        output: () => arena.view(Float32Array, dst, n),
      };
    },
  };
}

/**
 * The direct kernel path: the module's `scale_i16_f32(src, dst, n, slope, inter, flags)`
 * export (wasm/scale.ts), for a checkout where `scaleInArena` is missing.
 */
function kernelScaler(Arena: ArenaClass): Scaler {
  return {
    label: 'WASM kernel scale_i16_f32 via WasmArena (direct)',
    async prepare(input, slope, inter) {
      const { arena, src, dst } = await arenaJob(Arena, input);
      const n = input.length;
      const kernel = arena.exports.scale_i16_f32;
      if (typeof kernel !== 'function') throw new Error('the built module has no scale_i16_f32 (run npm run build:wasm)');
      // numpy scales int16 in float32 with float32-rounded factors (src/scaling.ts).
      const s = Math.fround(slope);
      const b = Math.fround(inter);
      return {
        run() {
          const status = (kernel as (...a: number[]) => number)(src, dst, n, s, b, 0);
          if (status !== 0) throw new Error(`scale_i16_f32 returned status ${status}`);
        },
        output: () => arena.view(Float32Array, dst, n),
      };
    },
  };
}

/**
 * Finds nibweb's pieces in this checkout.
 * @returns the available functions (null where a piece has not landed) and import problems
 */
export async function getNibweb(): Promise<NibwebPieces> {
  const problems: string[] = [];
  const index = await optional('../../src/index.ts', problems);
  let gunzip = fn<Gunzip>(index, 'gunzip');
  let gunzipFrom = gunzip ? 'src/index.ts gunzip' : 'not available';
  if (!gunzip) {
    const codec = await optional('../../src/codecs/gzip.ts', problems);
    gunzip = fn<Gunzip>(codec, 'gunzip');
    if (gunzip) gunzipFrom = 'src/codecs/gzip.ts gunzip';
  }
  // gunzip silently falls back to node:zlib / DecompressionStream without WebAssembly: say so.
  const wasmLoad = await optional('../../src/wasm/load.ts', problems);
  const getModule = fn<() => Promise<WebAssembly.Module | null>>(wasmLoad, 'getWasmModule');
  if (gunzip && getModule) {
    try {
      if (!(await getModule())) gunzipFrom += ' (WebAssembly off: TS fallback!)';
    } catch (err) {
      gunzipFrom += ` (WebAssembly failed to load: ${err instanceof Error ? err.message : String(err)})`;
    }
  }
  // Before the barrel exports `load`, take it from its module (same code, same numbers).
  let load = fn<Load>(index, 'load');
  let loadFrom = load ? 'src/index.ts load' : 'not available';
  if (!load) {
    load = fn<Load>(await optional('../../src/load.ts', problems), 'load');
    if (load) loadFrom = 'src/load.ts load';
  }
  let scaler: Scaler | null = null;
  const memory = await optional('../../src/wasm/memory.ts', problems);
  const Arena = memory?.WasmArena as ArenaClass | undefined;
  if (Arena && typeof Arena.create === 'function') {
    const scaleInArena = fn<ScaleInArena>(await optional('../../src/wasm/scale.ts', problems), 'scaleInArena');
    scaler = scaleInArena ? wrapperScaler(Arena, scaleInArena) : kernelScaler(Arena);
  }
  return { gunzip, gunzipFrom, load, loadFrom, scaler, problems };
}
