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
  scaler: Scaler | null;
  /** Import failures (a module exists but does not load), one line each. */
  problems: string[];
}

type Mod = Record<string, unknown>;

// Literal paths: each key exists only if that file exists when Vite transforms this module.
const modules = import.meta.glob([
  '../../src/index.ts',
  '../../src/codecs/gzip.ts',
  '../../src/wasm/scale.ts',
  '../../src/wasm/memory.ts',
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

/** The subset of src/wasm/memory.ts `WasmArena` used for direct kernel calls. */
interface ArenaLike {
  exports: Record<string, unknown>;
  alloc(bytes: number, alignment?: number): number;
  u8(ptr: number, length: number): Uint8Array;
  view(ctor: Float32ArrayConstructor, ptr: number, count: number): Float32Array;
}
interface ArenaClass {
  create(bytes: number): Promise<ArenaLike | null>;
}

/**
 * The direct kernel path: one fixed-size arena holding input and output, and the module's
 * `scale_i16_f32(src, dst, n, slope, inter, flags)` export (wasm/scale.ts). Used when the
 * host-side wrapper `scaleInArena` has not landed yet; it measures the same kernel.
 */
function kernelScaler(Arena: ArenaClass): Scaler {
  return {
    label: 'WASM kernel scale_i16_f32 via WasmArena (direct)',
    async prepare(input, slope, inter) {
      const n = input.length;
      const arena = await Arena.create(n * 6 + 256);
      if (!arena) throw new Error('WebAssembly is disabled');
      const kernel = arena.exports.scale_i16_f32;
      if (typeof kernel !== 'function') throw new Error('the built module has no scale_i16_f32 (run npm run build:wasm)');
      const src = arena.alloc(n * 2, 64);
      const dst = arena.alloc(n * 4, 64);
      arena.u8(src, n * 2).set(new Uint8Array(input.buffer, input.byteOffset, n * 2));
      // numpy scales int16 in float32 with float32-rounded factors (src/codecs/scaling.ts).
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
  const load = fn<Load>(index, 'load');
  let scaler: Scaler | null = null;
  const memory = await optional('../../src/wasm/memory.ts', problems);
  const Arena = memory?.WasmArena as ArenaClass | undefined;
  if (Arena && typeof Arena.create === 'function') scaler = kernelScaler(Arena);
  return { gunzip, gunzipFrom, load, scaler, problems };
}
