/**
 * WebAssembly memories that never grow, and the byte/count budget for the ones holding
 * decoded arrays (DESIGN.md, "Memory: the one hard problem").
 *
 * `memory.grow()` detaches every view of the old buffer, so nibweb never grows a memory:
 * each `WasmArena` is one instance of the module over a memory whose size is fixed at
 * creation (`initial === maximum`), with a bump allocator on the host side. A view into an
 * arena stays valid for as long as someone holds it; dropping the arena lets the GC return
 * the memory.
 *
 * Large decoded arrays get an arena of their own sized from the header before decoding
 * (`WasmArena.create`). Chromium refuses new memories past ~125 live ones per page, so the
 * arenas *we* keep alive for caches are bounded by `ArrayCache` (bytes and count, least
 * recently used out first). Scratch work (decoder state, input chunks, slices that are
 * copied out) uses a small pool of reusable arenas (`withScratchArena`).
 */
import { LimitError } from '../errors.js';
import type { TypedArray, TypedArrayConstructor } from '../dtypes.js';
import type { WasmExports } from './exports.js';
import { getWasmModule, instantiate } from './load.js';

const PAGE = 65536;

/**
 * Live arenas, counted through finalization. Chromium reserves address space for every
 * WebAssembly memory and refuses new ones past ~125 live per page, reclaiming dropped ones
 * only through slow forced GCs; so past `MAX_LIVE_ARENAS` callers take a path that needs no
 * new memory (see `canCreateArena`).
 */
let liveArenas = 0;
const arenaRegistry =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<null>(() => liveArenas--) : null;

/** Dedicated memories nibweb allows itself at once (well below Chromium's ~125). */
export const MAX_LIVE_ARENAS = 96;

/** Arenas created and not yet collected. */
export function liveArenaCount(): number {
  return liveArenas;
}

/** True while one more dedicated memory can be created without nearing the platform's cap. */
export function canCreateArena(): boolean {
  return liveArenas < MAX_LIVE_ARENAS;
}
/** wasm32 addresses 4 GiB at most. */
export const MAX_MEMORY_BYTES = 65536 * PAGE;

/**
 * The size guard of decoded data: throws, before anything is allocated, when `bytes` do not
 * fit in one WebAssembly memory (4 GiB, less a page for the module's static data). Every
 * arena is checked here (`WasmArena.createSync`), and so is every whole-array read
 * (`getFdata`, `getData`, `asArray`: src/proxy/whole-array.ts), whatever path it would take,
 * with a code and a message of its own that say what to read instead.
 * @param bytes usable bytes wanted
 * @param opts `code` (default `WASM_MEMORY_LIMIT`), `what` the bytes are (default "N bytes"),
 *   `hint` what to do instead (ends the message)
 * @throws {LimitError} with that code; `limit` and `requested` in bytes
 */
export function checkMemoryBytes(bytes: number, opts: { code?: string; what?: string; hint?: string } = {}): void {
  const total = Math.ceil(bytes / PAGE) * PAGE + PAGE;
  if (bytes >= 0 && total <= MAX_MEMORY_BYTES) return;
  const what = opts.what ?? `${bytes} bytes`;
  throw new LimitError(`${what} do not fit in one WebAssembly memory (4 GiB at most)${opts.hint ? `: ${opts.hint}` : ''}`, {
    code: opts.code ?? 'WASM_MEMORY_LIMIT',
    limit: MAX_MEMORY_BYTES - PAGE,
    requested: bytes,
  });
}

/** One module instance over a memory of fixed size, with a host-side bump allocator. */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly exports: WasmExports;
  /** First usable byte (after the module's static data). */
  readonly base: number;
  /** Total bytes of the memory. */
  readonly byteLength: number;
  private top: number;

  private constructor(memory: WebAssembly.Memory, exports: WasmExports) {
    this.memory = memory;
    this.exports = exports;
    this.byteLength = memory.buffer.byteLength;
    this.base = align(exports.heap_base(), 64);
    this.top = this.base;
  }

  /**
   * Creates an arena with at least `bytes` usable bytes after static data.
   * @param bytes usable bytes wanted
   * @returns the arena, or `null` when WebAssembly is disabled (`setWasmSource(false)`)
   * @throws {LimitError} when the size passes 4 GiB or the platform refuses the memory
   */
  static async create(bytes: number): Promise<WasmArena | null> {
    const module = await getWasmModule();
    if (!module) return null;
    return WasmArena.createSync(module, bytes);
  }

  /**
   * As `create`, with the module already compiled.
   * @param shared a shared memory (its buffer a SharedArrayBuffer, which can be posted to
   *   other threads without a copy); `module` must then be the shared build
   *   (`getSharedWasmModule`)
   */
  static createSync(module: WebAssembly.Module, bytes: number, shared = false): WasmArena {
    // Static data sits below 64 KiB in this module; one spare page covers it and alignment.
    checkMemoryBytes(bytes);
    const total = Math.ceil(bytes / PAGE) * PAGE + PAGE;
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: total / PAGE, maximum: total / PAGE, shared });
    } catch (cause) {
      throw new LimitError(`the platform refused a WebAssembly memory of ${total} bytes`, {
        code: 'OUT_OF_MEMORY',
        limit: Number.NaN,
        requested: total,
        cause,
      });
    }
    const arena = new WasmArena(memory, instantiate(module, memory));
    if (arenaRegistry) {
      liveArenas++;
      arenaRegistry.register(memory, null);
    }
    return arena;
  }

  /** Bytes still free for `alloc`. */
  get free(): number {
    return this.byteLength - this.top;
  }

  /**
   * Reserves `bytes` and returns their pointer (host-side bump allocation; nothing in the
   * module allocates).
   * @throws {LimitError} when the arena is too small (a sizing bug, not a user error)
   */
  alloc(bytes: number, alignment = 16): number {
    const ptr = align(this.top, alignment);
    if (ptr + bytes > this.byteLength) {
      throw new LimitError(`arena of ${this.byteLength} bytes cannot hold ${bytes} more`, {
        code: 'ARENA_FULL',
        limit: this.byteLength - ptr,
        requested: bytes,
      });
    }
    this.top = ptr + bytes;
    return ptr;
  }

  /** Frees everything allocated after `mark` (a value of `mark()`). */
  release(mark: number): void {
    this.top = Math.max(this.base, Math.min(mark, this.top));
  }

  /** The current allocation top, to pass to `release` later. */
  mark(): number {
    return this.top;
  }

  /** A byte view of `[ptr, ptr + length)`. Valid for the arena's lifetime. */
  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  /** A typed view of `count` elements at `ptr`. Valid for the arena's lifetime. */
  view<T extends TypedArray>(ctor: TypedArrayConstructor, ptr: number, count: number): T {
    return new ctor(this.memory.buffer, ptr, count) as T;
  }
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

// ---------------------------------------------------------------------------------------
// A kept arena: one memory reused from job to job by a long-lived decoder (a worker).

/**
 * One arena kept and handed out again while it is large enough, so its pages are first
 * touched once and not per job (fresh memory costs up to ~3 ms per MB on some machines); a
 * larger request replaces it. What the last user left in it is lost when it is handed out.
 */
export class KeptArena {
  #arena: WasmArena | null = null;

  /**
   * @param bytes usable bytes wanted
   * @param fresh a new arena even when the kept one is large enough (to copy from the old)
   * @returns the arena, or `null` when WebAssembly is disabled
   */
  async get(bytes: number, fresh = false): Promise<WasmArena | null> {
    const kept = this.#arena;
    if (kept && !fresh && kept.byteLength - kept.base >= bytes) {
      kept.release(kept.base);
      return kept;
    }
    if (!fresh) this.#arena = null; // the GC may take the smaller one before the larger is made
    const made = await WasmArena.create(bytes);
    this.#arena = made;
    return made;
  }

  /** Lets the kept arena go (an idle worker). */
  drop(): void {
    this.#arena = null;
  }
}

// ---------------------------------------------------------------------------------------
// Scratch pool: a few reusable arenas for decoder state, input chunks and small results.

/** Size of one pooled scratch arena (decoder state, a 1 MiB input chunk, 2 MiB of output). */
export const SCRATCH_BYTES = 4 * 1024 * 1024;
const POOL_MAX = 4;
const pool: WasmArena[] = [];

/**
 * Runs `fn` with a scratch arena of at least `bytes` usable bytes (taken from a small pool,
 * or made for the occasion when larger than the pool's size). Everything `fn` allocated is
 * released afterwards, so `fn` must copy out what it keeps.
 * @returns what `fn` returns, or `null` when WebAssembly is disabled
 */
export async function withScratchArena<R>(
  fn: (arena: WasmArena) => R | Promise<R>,
  bytes = SCRATCH_BYTES,
): Promise<R | null> {
  const module = await getWasmModule();
  if (!module) return null;
  const pooled = bytes <= SCRATCH_BYTES;
  const arena = (pooled && pool.pop()) || WasmArena.createSync(module, Math.max(bytes, pooled ? SCRATCH_BYTES : bytes));
  const mark = arena.mark();
  let poisoned = false;
  try {
    return await fn(arena);
  } catch (err) {
    // A trap may leave kernel state half-written: never reuse that instance.
    poisoned = err instanceof WebAssembly.RuntimeError || (err as { _tag?: string })?._tag === 'WasmError';
    throw err;
  } finally {
    arena.release(mark);
    if (pooled && !poisoned && pool.length < POOL_MAX) pool.push(arena);
  }
}

/** Drops pooled scratch arenas (e.g. after `setWasmSource`). */
export function clearScratchPool(): void {
  pool.length = 0;
}

// ---------------------------------------------------------------------------------------
// The decoded-array budget.

/** Something holding a decoded array in an arena of its own. */
export interface CachedArena {
  /** Bytes held. */
  readonly byteLength: number;
  /** Called when the budget evicts this entry: the owner must drop its reference. */
  evict(): void;
}

/**
 * A byte- and count-bounded LRU of the arenas nibweb keeps alive for image caches. Arrays
 * already handed to users stay valid after eviction (the user's view keeps its memory);
 * eviction only makes the image forget its cache, as `uncache()` does.
 */
export class ArrayCache {
  maxBytes: number;
  maxCount: number;
  private readonly entries = new Set<CachedArena>();
  private bytes = 0;

  constructor(maxBytes: number, maxCount: number) {
    this.maxBytes = maxBytes;
    this.maxCount = maxCount;
  }

  /** Total bytes currently held. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Number of entries currently held. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds `entry` (most recently used), evicting the oldest past the budget. */
  add(entry: CachedArena): void {
    this.delete(entry);
    this.entries.add(entry);
    this.bytes += entry.byteLength;
    for (const old of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxCount) break;
      if (old === entry) continue;
      this.delete(old);
      old.evict();
    }
  }

  /** Marks `entry` as just used. */
  touch(entry: CachedArena): void {
    if (this.entries.delete(entry)) this.entries.add(entry);
  }

  /** Removes `entry` without calling its `evict`. */
  delete(entry: CachedArena): void {
    if (this.entries.delete(entry)) this.bytes -= entry.byteLength;
  }
}

/** The process-wide budget for cached decoded arrays (2 GiB, 48 memories by default). */
export const arrayCache = new ArrayCache(2 * 1024 ** 3, 48);
