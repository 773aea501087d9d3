/**
 * The single lazy compilation of nibweb's WebAssembly module. Environment detection lives
 * here and nowhere else (fflate's seam): under Node the .wasm is read with `fs`, elsewhere
 * it is fetched with `WebAssembly.compileStreaming`.
 *
 * The module imports its memory and never grows it (it has no allocator), so every
 * instance is created by src/wasm/memory.ts with a memory of the size it needs.
 *
 * A second build of the same source (`shared.wasm`, asconfig's `shared` target) imports a
 * *shared* memory: a decode worker on a cross-origin isolated page decodes into one, and the
 * main thread keeps the result where it was decoded (worker/decode-worker.ts). A module's
 * memory import is either shared or not, so the two cannot be one file.
 */
import { WasmError } from '../errors.js';
import { EXPORT_NAMES, type WasmExports } from './exports.js';

/** Where to get the module from, or `false` for the plain-TypeScript fallback. */
export type WasmSource = URL | string | Response | BufferSource | WebAssembly.Module | false;

const defaultUrl = (): URL => new URL('../../wasm/build/release.wasm?no-inline', import.meta.url);

const defaultSharedUrl = (): URL => new URL('../../wasm/build/shared.wasm?no-inline', import.meta.url);

let override: WasmSource | undefined;
let modulePromise: Promise<WebAssembly.Module | null> | undefined;
let sharedPromise: Promise<WebAssembly.Module | null> | undefined;

/**
 * Chooses where the module comes from. Call before the first decode; a later call resets
 * the compiled module (instances already handed out keep working).
 * @param source a URL, a fetched `Response`, the bytes, a compiled module, or `false` to
 *   force the TypeScript fallback (for pages whose CSP forbids WebAssembly)
 */
export function setWasmSource(source: WasmSource | undefined): void {
  override = source;
  modulePromise = undefined;
  sharedPromise = undefined;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function readFileUrl(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  // Kept out of bundlers' sight: browsers never take this branch.
  const fsName = 'node:fs/promises';
  const urlName = 'node:url';
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
  const nodeUrl = (await import(/* @vite-ignore */ /* webpackIgnore: true */ urlName)) as typeof import('node:url');
  const bytes = await fs.readFile(nodeUrl.fileURLToPath(url));
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

function isDataOrBlobUrl(u: URL): boolean {
  return u.protocol === 'data:' || u.protocol === 'blob:';
}

async function compileFrom(source: Exclude<WasmSource, false>): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return WebAssembly.compile(await source.arrayBuffer());
  }
  if (source instanceof URL || typeof source === 'string') {
    const url = source instanceof URL ? source : new URL(source, globalThis.location?.href);
    if (url.protocol === 'file:' && isNode()) return WebAssembly.compile(await readFileUrl(url));
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetching ${url.href} gave HTTP ${res.status}`);
    if (!isDataOrBlobUrl(url) && typeof WebAssembly.compileStreaming === 'function' &&
        res.headers.get('content-type')?.startsWith('application/wasm')) {
      return WebAssembly.compileStreaming(res);
    }
    return WebAssembly.compile(await res.arrayBuffer());
  }
  return WebAssembly.compile(source as BufferSource);
}

/**
 * The compiled module, or `null` when WebAssembly is disabled or cannot run here
 * (then callers use the TypeScript fallback).
 * @throws {WasmError} when the module was found but could not be compiled
 */
export function getWasmModule(): Promise<WebAssembly.Module | null> {
  if (!modulePromise) {
    const source = override ?? defaultUrl();
    modulePromise = source === false || typeof WebAssembly === 'undefined'
      ? Promise.resolve(null)
      : compileFrom(source).catch((cause: unknown) => {
          modulePromise = undefined;
          throw new WasmError(`could not load nibweb's WebAssembly module: ${String(cause)}`, {
            code: 'WASM_LOAD',
            cause,
          });
        });
  }
  return modulePromise;
}

/**
 * The shared-memory build, compiled once: `null` when WebAssembly is disabled
 * (`setWasmSource(false)`), when this platform has no shared memory, or when the module
 * cannot be had (a bundler that dropped it, a failed fetch). Callers then use unshared
 * memory; nothing depends on this build being there.
 */
export function getSharedWasmModule(): Promise<WebAssembly.Module | null> {
  sharedPromise ??= override === false || typeof WebAssembly === 'undefined' || typeof SharedArrayBuffer !== 'function'
    ? Promise.resolve(null)
    : compileFrom(defaultSharedUrl()).catch(() => null);
  return sharedPromise;
}

/** Host imports of every instance: the memory, and `abort` for the debug build's assertions. */
function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new WasmError(`WebAssembly assertion failed at ${line}:${col}`, { code: 'WASM_ABORT' });
      },
    },
  };
}

/**
 * Instantiates `module` over `memory` (synchronous: 10–35 µs for this small module).
 * @returns the typed exports
 */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmExports {
  const instance = new WebAssembly.Instance(module, imports(memory));
  return instance.exports as unknown as WasmExports;
}

/** Checks that a module has exactly the exports the host expects. */
export function checkExports(exports: object): string[] {
  const have = new Set(Object.keys(exports));
  return EXPORT_NAMES.filter((n) => !have.has(n));
}
