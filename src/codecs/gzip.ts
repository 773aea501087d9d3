/**
 * gunzip: the public front-end of the gzip decoder (RFC 1952 / RFC 1951), nibabel's
 * `gzip.open(...).read()` (nibabel/openers.py) for bytes already in memory.
 *
 * The WebAssembly decoder (gzip-stream.ts over src/wasm/inflater.ts and wasm/inflate.ts) is the normal path: all
 * members decoded, every member's CRC-32 and ISIZE verified, zero padding accepted, other
 * trailing bytes reported through `onWarning` (code 'TRAILING_DATA') and ignored, output
 * capped by `maxOutputLength`, every fault a `DecompressionError` with a stable `code` and
 * the compressed byte `offset`.
 *
 * Without WebAssembly (`setWasmSource(false)`, e.g. a CSP without `wasm-unsafe-eval`) the
 * fallback keeps the same policy and codes, with three documented differences: error offsets
 * are -1 where the platform does not report them, a failure the platform does not explain
 * has the code 'INVALID_DATA', and it is slower.
 * - Node: each member's header is parsed here (magic, method, reserved flags, FHCRC), its
 *   deflate data inflated by node:zlib (`inflateRawSync`, which reports where the stream
 *   ended), and its trailer (CRC-32 via `zlib.crc32`, ISIZE) checked here.
 * - Browsers: the header is parsed here, the member decoded by `DecompressionStream('gzip')`
 *   (which checks CRC-32 and ISIZE itself), output counted and cancelled at the cap, and
 *   anything emitted before an error discarded. That stream rejects data after a member
 *   ("junk"), so after a first member the end of its compressed bytes is found as the next
 *   place holding its trailer (CRC-32 + length of the output just decoded) and confirmed by
 *   decoding exactly that range with `DecompressionStream('deflate-raw')`.
 */
import { type HeaderWarning, LimitError, WasmError, throwIfAborted } from '../errors.js';
import { type DecompressionCode, decompressionError, outputLimitError } from '../wasm/status.js';
import { checkTrailer, crc32, parseGzipHeader, scanAfterMember, trailingDataWarning } from './gzip-framing.js';
import { BufferSource } from '../io/buffer-source.js';
import { getWasmModule } from '../wasm/load.js';
import { MAX_MEMORY_BYTES, WasmArena, canCreateArena } from '../wasm/memory.js';
import { ALIGN } from '../wasm/inflater.js';
import { collect } from './gzip-ranges.js';
import { CHUNK_BYTES, GzipStream } from './gzip-stream.js';

/** Options of `gunzip`. */
export interface GunzipOptions {
  /** Most output bytes accepted; more is a `LimitError` with code 'OUTPUT_LIMIT'. Default: no cap. */
  maxOutputLength?: number;
  /** Aborts the decode (rejects with an `AbortError` `DOMException`). */
  signal?: AbortSignal;
  /** Receives non-fatal findings: 'TRAILING_DATA' when non-gzip bytes follow the last member. */
  onWarning?: (w: HeaderWarning) => void;
}

/**
 * Decompresses gzip data: all members, with CRC-32 and length checked.
 * @param bytes the .gz bytes
 * @param opts `maxOutputLength`, `signal`, `onWarning`
 * @returns the decompressed bytes (large results are a view of a WebAssembly memory that
 *   never grows, so the view never detaches)
 * @throws {DecompressionError} corrupt or truncated data (`code`, `offset`)
 * @throws {LimitError} output past `maxOutputLength` ('OUTPUT_LIMIT') or past 4 GiB
 * @throws {WasmError} if the WebAssembly module traps (a bug, never bad input)
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @example
 * const nii = await gunzip(new Uint8Array(await file.arrayBuffer()), { maxOutputLength: 2 ** 30 });
 */
export async function gunzip(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('gunzip: expected the compressed bytes as a Uint8Array');
  throwIfAborted(opts.signal);
  let out: Uint8Array | null;
  try {
    out = await gunzipWasm(bytes, opts);
  } catch (err) {
    throw asTrap(err);
  }
  return out ?? gunzipFallback(bytes, opts);
}

// ---------------------------------------------------------------------------------------
// The WebAssembly path.

/** Outputs up to this size are decoded in a pooled scratch arena and copied out. */
const SMALL_OUTPUT = 1 << 20;
/** A gzip member is at least 18 bytes; DEFLATE expands at most ~1032:1 (libdeflate's bound). */
const MAX_RATIO = 1032;
/** Largest output region one memory can hold next to the driver's overhead. */
const MAX_OUTPUT_REGION = MAX_MEMORY_BYTES - 2 * 65536 - GzipStream.overhead();

/**
 * First guess of the output size: ISIZE of the last member when it is plausible for a
 * single member, else a multiple of the input, always within 1032× the input and the cap.
 * @param bytes the whole .gz
 * @param cap `maxOutputLength`
 * @returns bytes to reserve first (growth doubles it if the stream holds more)
 */
export function estimateOutput(bytes: Uint8Array, cap: number): number {
  const n = bytes.byteLength;
  const bound = Math.min(cap, n * MAX_RATIO, MAX_OUTPUT_REGION);
  let guess = 4 * n;
  if (n >= 18) {
    const isize = new DataView(bytes.buffer, bytes.byteOffset + n - 4, 4).getUint32(0, true);
    // A single member's output is at least its stored payload (~n - 18); less means more
    // members (ISIZE is the last one's) or a size past 4 GiB.
    if (isize >= (n - 18) * 0.99) guess = isize;
  }
  return Math.max(0, Math.min(guess, bound));
}

/**
 * Decodes a whole gzip buffer (all members, CRC and length checked) in WebAssembly.
 * Large outputs are written straight into a memory of their own and returned as a view of
 * it (never detached: that memory never grows); small ones are decoded in pooled scratch
 * space and copied out.
 * @param bytes the .gz bytes
 * @param opts cap, abort, warnings
 * @returns the data, or `null` when WebAssembly is disabled
 * @throws {DecompressionError} corrupt or truncated data
 * @throws {LimitError} past `maxOutputLength`, or past 4 GiB (one memory)
 */
export async function gunzipWasm(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array | null> {
  const module = await getWasmModule();
  if (!module) return null;
  const cap = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
  const source = new BufferSource(bytes);
  let est = estimateOutput(bytes, cap);
  if (est <= SMALL_OUTPUT || !canCreateArena()) {
    return collect(source, 0, Number.POSITIVE_INFINITY, { ...opts, maxOutputLength: cap }, null, Math.max(est, 64));
  }
  let arena = WasmArena.createSync(module, GzipStream.overhead() + est + 4 * ALIGN);
  let base = arena.alloc(est, ALIGN);
  const inf = new GzipStream(arena, source, { ...opts, maxOutputLength: cap });
  inf.attach(base, est);
  for (;;) {
    const r = await inf.pump();
    if (r === 'end') break;
    // The guess was short (several members, or ISIZE lied): move to a memory twice as large.
    const next = Math.min(Math.max(est * 2, est + (1 << 20)), cap, MAX_OUTPUT_REGION);
    if (next <= est) {
      throw new LimitError('gzip: the decompressed data does not fit in one WebAssembly memory (4 GiB); read it through GzipSource', {
        code: 'WASM_MEMORY_LIMIT',
        limit: MAX_OUTPUT_REGION,
        requested: est + 1,
      });
    }
    const bigger = WasmArena.createSync(module, GzipStream.overhead() + next + 4 * ALIGN);
    base = bigger.alloc(next, ALIGN);
    inf.moveTo(bigger, base, next);
    arena = bigger;
    est = next;
  }
  const n = inf.totalOut;
  // An over-large guess would pin a mostly empty memory: copy out instead.
  if (n < est / 2 && est - n > SMALL_OUTPUT) return arena.u8(base, n).slice();
  return arena.u8(base, n);
}

/**
 * Test mode for reliability.md case 61: decodes `bytes` with the input flush against the
 * end of a memory of its own (so any read past the input traps) and the output between two
 * 64-byte canaries, which are checked afterwards.
 * @param bytes the .gz
 * @param opts output cap (default 1032× the input, at most 256 MiB) and read size
 * @returns the output and whether both canaries are intact; `null` without WebAssembly
 * @throws {DecompressionError} as `gunzipWasm`; a trap would surface as a `WebAssembly.RuntimeError`
 */
export async function gunzipGuarded(
  bytes: Uint8Array,
  opts: { maxOutputLength?: number; chunkSize?: number } = {},
): Promise<{ output: Uint8Array; canariesIntact: boolean } | null> {
  const module = await getWasmModule();
  if (!module) return null;
  const cap = opts.maxOutputLength ?? Math.min(bytes.byteLength * MAX_RATIO + 1024, 1 << 28);
  const chunk = opts.chunkSize ?? CHUNK_BYTES;
  const CANARY = 64;
  const arena = WasmArena.createSync(module, GzipStream.overhead(chunk) + cap + 2 * CANARY + 8 * ALIGN);
  const guard = arena.alloc(cap + 2 * CANARY, ALIGN);
  const mem = () => new Uint8Array(arena.memory.buffer);
  mem().fill(0xa5, guard, guard + CANARY);
  mem().fill(0x5a, guard + CANARY + cap, guard + 2 * CANARY + cap);
  const inf = new GzipStream(arena, new BufferSource(bytes), { maxOutputLength: cap, chunkSize: chunk, inputAtEnd: true });
  inf.attach(guard + CANARY, cap);
  const r = await inf.pump();
  if (r !== 'end') throw outputLimitError(cap);
  const m = mem();
  const intact = m.subarray(guard, guard + CANARY).every((v) => v === 0xa5) &&
    m.subarray(guard + CANARY + cap, guard + 2 * CANARY + cap).every((v) => v === 0x5a);
  return { output: m.slice(guard + CANARY, guard + CANARY + inf.totalOut), canariesIntact: intact };
}

/** A WebAssembly trap becomes a `WasmError` (the caller's scratch arena is already discarded). */
export function asTrap(err: unknown): unknown {
  if (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError) {
    return new WasmError(`the gzip decoder trapped: ${err.message}`, { code: 'WASM_TRAP', cause: err });
  }
  return err;
}

// ---------------------------------------------------------------------------------------
// Fallback without WebAssembly.

/**
 * Decompresses without WebAssembly (see the file comment for what it checks).
 * @param bytes the .gz bytes
 * @param opts as for `gunzip`
 * @returns the decompressed bytes
 * @throws as `gunzip`
 */
export async function gunzipFallback(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const zlib = await nodeZlib();
  const cap = opts.maxOutputLength ?? Number.POSITIVE_INFINITY;
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  do {
    throwIfAborted(opts.signal);
    const start = parseGzipHeader(bytes, pos);
    const member = zlib
      ? inflateMemberNode(zlib, bytes, start, cap - total, cap)
      : await inflateMemberStream(bytes, pos, start, cap - total, cap, opts.signal);
    parts.push(member.data);
    total += member.data.byteLength;
    pos = member.end;
    pos = afterMember(bytes, pos, opts.onWarning);
  } while (pos < bytes.byteLength);
  return parts.length === 1 ? parts[0]! : concat(parts, total);
}

/** Position of the next member, or `bytes.byteLength` at the end (gzip-framing.ts policy). */
function afterMember(bytes: Uint8Array, pos: number, onWarning?: (w: HeaderWarning) => void): number {
  if (pos >= bytes.byteLength) return bytes.byteLength;
  const a = scanAfterMember(bytes.subarray(pos), true);
  if (a.kind === 'member') return pos + a.skip;
  if (a.kind === 'garbage') onWarning?.(trailingDataWarning(pos + a.skip));
  return bytes.byteLength;
}

type NodeZlib = typeof import('node:zlib');

let zlibPromise: Promise<NodeZlib | null> | undefined;

/** node:zlib under Node (kept out of bundlers' sight, as src/wasm/load.ts does); null elsewhere. */
function nodeZlib(): Promise<NodeZlib | null> {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof p?.versions?.node !== 'string') return Promise.resolve(null);
  zlibPromise ??= import(/* @vite-ignore */ /* webpackIgnore: true */ ['node', 'zlib'].join(':'))
    .then((m: NodeZlib & { default?: NodeZlib }) => (m.default ?? m) as NodeZlib)
    .catch(() => null);
  return zlibPromise;
}

/** zlib's messages (inflate.c) to our codes. */
const ZLIB_MESSAGES: ReadonlyArray<[string, DecompressionCode]> = [
  ['invalid block type', 'INVALID_BLOCK_TYPE'],
  ['invalid stored block lengths', 'STORED_LEN_MISMATCH'],
  ['too many length or distance symbols', 'TOO_MANY_SYMBOLS'],
  ['invalid code lengths set', 'BAD_CODELEN_CODE'],
  ['invalid bit length repeat', 'BAD_REPEAT'],
  ['missing end-of-block', 'MISSING_EOB'],
  ['invalid literal/lengths set', 'BAD_LITLEN_CODE_SET'],
  ['invalid distances set', 'BAD_DIST_CODE_SET'],
  ['invalid literal/length code', 'BAD_LITLEN_SYMBOL'],
  ['invalid distance code', 'BAD_DIST_SYMBOL'],
  ['invalid distance too far back', 'DISTANCE_TOO_FAR'],
  ['unexpected end of file', 'TRUNCATED'],
  ['truncated', 'TRUNCATED'],
  ['incorrect header check', 'GZIP_BAD_MAGIC'],
  ['unknown compression method', 'GZIP_BAD_METHOD'],
  ['unknown header flags set', 'GZIP_RESERVED_FLAGS'],
  ['header crc mismatch', 'GZIP_HEADER_CRC'],
  ['incorrect data check', 'GZIP_DATA_CRC'],
  ['incorrect length check', 'GZIP_LENGTH'],
];

/**
 * The code for a zlib (or zlib-backed platform) error message.
 * @returns the code, or `undefined` when the message names none of zlib's failures
 */
export function codeFromZlibMessage(message: string): DecompressionCode | undefined {
  const m = message.toLowerCase();
  for (const [text, code] of ZLIB_MESSAGES) if (m.includes(text)) return code;
  return undefined;
}

function inflateMemberNode(
  zlib: NodeZlib,
  bytes: Uint8Array,
  start: number,
  room: number,
  cap: number,
): { data: Uint8Array; end: number } {
  let res: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    const opts = { info: true as const, ...(Number.isFinite(room) ? { maxOutputLength: Math.max(1, room) } : {}) };
    res = zlib.inflateRawSync(bytes.subarray(start), opts) as unknown as typeof res;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw outputLimitError(cap);
    const code = codeFromZlibMessage(e.message ?? '') ?? 'INVALID_DATA';
    throw Object.assign(decompressionError(code, -1), { cause: err });
  }
  const data = new Uint8Array(res.buffer.buffer, res.buffer.byteOffset, res.buffer.byteLength);
  if (data.byteLength > room) throw outputLimitError(cap);
  const end = start + res.engine.bytesWritten;
  if (end + 8 > bytes.byteLength) throw decompressionError('TRUNCATED', bytes.byteLength);
  checkTrailer(bytes.subarray(end, end + 8), end, zlib.crc32(data) >>> 0, data.byteLength);
  return { data, end: end + 8 };
}

/** Runs `bytes` through a DecompressionStream, counting output; rejects past `room`. */
async function streamDecode(
  format: 'gzip' | 'deflate-raw',
  bytes: Uint8Array,
  room: number,
  cap: number,
  signal?: AbortSignal,
): Promise<{ chunks: Uint8Array[]; total: number; error: unknown }> {
  const ds = new DecompressionStream(format);
  const writer = ds.writable.getWriter();
  // Errors surface on the readable side; the write promise is not awaited on its own.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > room) {
        await reader.cancel().catch(() => {});
        throw outputLimitError(cap);
      }
      chunks.push(value);
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'OUTPUT_LIMIT' || (error as { name?: string }).name === 'AbortError') {
      throw error;
    }
    return { chunks, total, error };
  }
  return { chunks, total, error: undefined };
}

/** The chunks, in order, in one new array of `total` bytes. */
function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

async function inflateMemberStream(
  bytes: Uint8Array,
  memberStart: number,
  deflateStart: number,
  room: number,
  cap: number,
  signal?: AbortSignal,
): Promise<{ data: Uint8Array; end: number }> {
  if (typeof DecompressionStream !== 'function') {
    throw new WasmError('gunzip: neither WebAssembly nor DecompressionStream is available here', { code: 'NO_DECODER' });
  }
  const rest = bytes.subarray(memberStart);
  const r = await streamDecode('gzip', rest, room, cap, signal);
  if (!r.error) return { data: concat(r.chunks, r.total), end: bytes.byteLength };
  const message = String((r.error as { message?: string })?.message ?? r.error);
  if (!/junk|trailing|extra/i.test(message)) {
    // Output emitted before the error is discarded.
    const code = codeFromZlibMessage(message) ?? 'INVALID_DATA';
    throw Object.assign(decompressionError(code, -1, message), { cause: r.error });
  }
  // The member decoded and verified, and more bytes follow: find where it ends.
  const data = concat(r.chunks, r.total);
  const trailer = new Uint8Array(8);
  const dv = new DataView(trailer.buffer);
  dv.setUint32(0, crc32(data), true);
  dv.setUint32(4, data.byteLength % 2 ** 32, true);
  for (let at = indexOfBytes(bytes, trailer, deflateStart); at >= 0; at = indexOfBytes(bytes, trailer, at + 1)) {
    const check = await streamDecode('deflate-raw', bytes.subarray(deflateStart, at), room, cap, signal);
    if (!check.error && check.total === data.byteLength) return { data, end: at + 8 };
  }
  throw decompressionError('TRUNCATED', -1, 'could not locate the end of a gzip member');
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  for (let i = hay.indexOf(needle[0]!, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(needle[0]!, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
