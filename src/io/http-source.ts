/**
 * A ByteSource over a URL, read with HTTP `Range: bytes=a-b` requests through `fetch`
 * (geotiff.js `remote.js`/`client/fetch.js`, zarrita `FetchStore`, RFC 9110 §14).
 *
 * - The size comes from a HEAD request ({@link HttpSource.fromUrl}) or, failing that (a
 *   server that refuses HEAD or hides Content-Length), from the `Content-Range: bytes a-b/N`
 *   of the first ranged response. Until then `size` is `undefined`.
 * - A `206 Partial Content` response must start where asked; a server that caps range
 *   lengths is asked again for the rest.
 * - A `200 OK` means the server ignored Range and is sending the whole file. With
 *   `allowFullFile` (the default) the body is kept and every later read is served from it
 *   (geotiff's `allowFullFile`), and a `RANGE_IGNORED` warning says so, once (on `warnings`
 *   and to `onWarning`, as GzipSource reports its findings; the loader adds it to the image's
 *   or header's `warnings`). Otherwise the body is cancelled and the read fails with an
 *   `UnsupportedError` (feature `http-range`). A full body larger than `maxFullFileBytes`
 *   is refused with a `LimitError` before it is downloaded when Content-Length says so.
 * - `416 Range Not Satisfiable` means the range starts past the end: an empty (short) read.
 * - Other statuses and network failures are `ImageFileError`s (code `HTTP_STATUS` /
 *   `HTTP_FETCH`), with the response or the fetch error as `cause`.
 * - Every request takes the caller's signal; an abort rejects at once with `AbortError`.
 *
 * Wrap it in a `CachedSource` so that many small proxy reads become few block requests.
 */
import { type HeaderWarning, ImageFileError, LimitError, UnsupportedError, abortError, throwIfAborted } from '../errors.js';
import { abortable } from './abortable.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions } from './types.js';

/** Options of {@link HttpSource}. */
export interface HttpSourceOptions {
  /** The `fetch` to use (default: the global one), e.g. one that adds credentials. */
  fetch?: typeof fetch;
  /** Extra request headers (authorisation, …); `Range` is set per read. */
  headers?: Record<string, string>;
  /** Other `RequestInit` fields (credentials, mode, cache, …). */
  init?: Omit<RequestInit, 'headers' | 'signal' | 'method'>;
  /** Accept a server that ignores Range by keeping its whole-file answer (default true). */
  allowFullFile?: boolean;
  /** Largest whole-file body accepted in that case (default 1 GiB). */
  maxFullFileBytes?: number;
  /** The size when already known (skips the HEAD request). */
  size?: number;
  /** Non-fatal findings ('RANGE_IGNORED': the whole file came instead of a range), each once. */
  onWarning?: (w: HeaderWarning) => void;
}

const DEFAULT_MAX_FULL = 1024 * 1024 * 1024;

/** Parses a Content-Range value: `bytes a-b/N`, `bytes a-b/*` or an unsatisfied-range `bytes *\/N`. */
function parseContentRange(h: string | null): { start: number; end: number; total: number | undefined } | null {
  if (!h) return null;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*\/\s*(\d+|\*)\s*$/i.exec(h);
  if (!m) return null;
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (m[1] === undefined) return { start: -1, end: -1, total };
  return { start: Number(m[1]), end: Number(m[2]), total };
}

/** A URL as a ByteSource, with HTTP Range requests. */
export class HttpSource implements ByteSource {
  /** The URL read from. */
  readonly url: string;
  /** Reads are new buffers (whole-file fallback reads are copied out of the kept body). */
  readonly freshReads = true;
  /** Warnings found so far (also passed to `onWarning`). */
  readonly warnings: HeaderWarning[] = [];
  #size: number | undefined;
  #full: Uint8Array | null = null;
  #ranged = false;
  #fullPending: Promise<Uint8Array> | null = null;
  readonly #fetch: typeof fetch;
  readonly #opts: HttpSourceOptions;

  /**
   * Makes a source without any request; `size` stays unknown until a read answers with a
   * `Content-Range` (use {@link HttpSource.fromUrl} to learn it up front).
   * @param url absolute URL (or relative to the page)
   * @param opts fetch, headers, full-file policy, known size
   * @throws {TypeError} when no `fetch` is available
   */
  constructor(url: string | URL, opts: HttpSourceOptions = {}) {
    this.url = String(url);
    const f = opts.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('HttpSource needs fetch (pass opts.fetch)');
    // Called as a plain function: a browser's own fetch throws "Illegal invocation" when
    // its `this` is anything but the global object (here it would be this HttpSource).
    this.#fetch = (input, init) => f(input, init);
    this.#opts = opts;
    this.#size = opts.size;
  }

  /**
   * Makes a source and learns its size with a HEAD request (or, if HEAD does not tell, a
   * one-byte ranged GET).
   * @param url the URL
   * @param opts as for the constructor, plus `signal`
   * @returns the source, with `size` set when the server reveals it
   * @throws {ImageFileError} code `HTTP_STATUS` (404, 403, …) or `HTTP_FETCH` (network)
   * @throws `AbortError` when the signal aborts
   */
  static async fromUrl(url: string | URL, opts: HttpSourceOptions & { signal?: AbortSignal } = {}): Promise<HttpSource> {
    const src = new HttpSource(url, opts);
    if (src.#size !== undefined) return src;
    const res = await src.#request('HEAD', undefined, opts.signal);
    if (res.ok) {
      const len = res.headers.get('content-length');
      // A HEAD of a compressed (Content-Encoding) response gives the encoded length: unusable.
      if (len !== null && /^\d+$/.test(len) && !res.headers.get('content-encoding')) src.#size = Number(len);
    } else if (res.status !== 405 && res.status !== 501) {
      throw httpError(res, src.url);
    }
    if (src.#size === undefined) await src.read(0, 1, { signal: opts.signal });
    return src;
  }

  /** Total bytes when known (from HEAD, a Content-Range, or a whole-file answer). */
  get size(): number | undefined {
    return this.#size;
  }

  /** True once the server was found to ignore Range and its whole body is kept. */
  get holdsFullFile(): boolean {
    return this.#full !== null;
  }

  /** The whole body once the server was found to ignore Range, else null (not a copy: never write to it). */
  get fullFile(): Uint8Array | null {
    return this.#full;
  }

  /** True once the server answered a range request with that range (206), its size known. */
  get servesRanges(): boolean {
    return this.#ranged && this.#size !== undefined;
  }

  /**
   * Reads `[offset, offset + length)` with one ranged GET.
   * @param offset first byte
   * @param length bytes wanted
   * @param opts `signal` to abort
   * @returns a new Uint8Array (shorter only at the end of the resource)
   * @throws {RangeError} for a negative or non-integer range
   * @throws {ImageFileError} code `HTTP_STATUS`, `HTTP_FETCH` or `HTTP_RANGE` (a 206 for the wrong range)
   * @throws {UnsupportedError} feature `http-range` when the server ignores Range and `allowFullFile` is false
   * @throws {LimitError} when a whole-file answer is over `maxFullFileBytes`
   * @throws `AbortError` when the signal aborts
   */
  async read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    const { signal } = opts;
    throwIfAborted(signal);
    checkRange(offset, length);
    if (this.#full) return sliceOf(this.#full, offset, length);
    // Another read found that the server ignores Range and is downloading the whole file.
    if (this.#fullPending) return sliceOf(await abortable(this.#fullPending, signal), offset, length);
    let end = offset + length;
    if (this.#size !== undefined) end = Math.min(end, this.#size);
    if (end <= offset) return new Uint8Array(0);
    const res = await this.#request('GET', `bytes=${offset}-${end - 1}`, signal);
    if (res.status === 206) {
      const cr = parseContentRange(res.headers.get('content-range'));
      if (cr?.total !== undefined) this.#size = cr.total;
      if (!cr || cr.start !== offset || cr.end > end - 1) {
        await res.body?.cancel().catch(() => undefined);
        throw new ImageFileError(
          `${this.url}: asked for bytes ${offset}-${end - 1}, the server answered ${res.headers.get('content-range') ?? 'without Content-Range'}`,
          { code: 'HTTP_RANGE' },
        );
      }
      this.#ranged = true;
      const body = new Uint8Array(await abortable(res.arrayBuffer(), signal));
      if (body.byteLength !== cr.end - cr.start + 1) {
        throw new ImageFileError(
          `${this.url}: a ${cr.end - cr.start + 1}-byte range came with ${body.byteLength} bytes (a Content-Encoding on ranged responses?)`,
          { code: 'HTTP_RANGE' },
        );
      }
      // Some servers cap the length of one range: fetch the rest unless this is the end.
      if (cr.end < end - 1 && body.byteLength > 0 && (cr.total === undefined || cr.end + 1 < cr.total)) {
        const rest = await this.read(cr.end + 1, end - cr.end - 1, { signal });
        const all = new Uint8Array(body.byteLength + rest.byteLength);
        all.set(body);
        all.set(rest, body.byteLength);
        return all;
      }
      return body;
    }
    if (res.status === 416) {
      const cr = parseContentRange(res.headers.get('content-range'));
      if (cr?.total !== undefined) this.#size = cr.total;
      await res.body?.cancel().catch(() => undefined);
      return new Uint8Array(0);
    }
    if (res.status === 200) {
      if (this.#fullPending) {
        // Concurrent reads all got the whole file; keep one download.
        await res.body?.cancel().catch(() => undefined);
        return sliceOf(await abortable(this.#fullPending, signal), offset, length);
      }
      const pending = this.#fromFullBody(res, signal);
      this.#fullPending = pending;
      try {
        return sliceOf(await pending, offset, length);
      } finally {
        this.#fullPending = null;
      }
    }
    await res.body?.cancel().catch(() => undefined);
    throw httpError(res, this.url);
  }

  async #fromFullBody(res: Response, signal?: AbortSignal): Promise<Uint8Array> {
    const max = this.#opts.maxFullFileBytes ?? DEFAULT_MAX_FULL;
    if (this.#opts.allowFullFile === false) {
      await res.body?.cancel().catch(() => undefined);
      throw new UnsupportedError(
        `${this.url}: the server ignores HTTP Range requests (it sent the whole file); ` +
          'pass allowFullFile: true to accept that, or load the file as a Blob',
        { code: 'RANGE_NOT_SUPPORTED', feature: 'http-range' },
      );
    }
    const len = res.headers.get('content-length');
    if (len !== null && /^\d+$/.test(len) && Number(len) > max && !res.headers.get('content-encoding')) {
      await res.body?.cancel().catch(() => undefined);
      throw new LimitError(`${this.url}: the server ignores Range and the whole file is ${len} bytes`, {
        code: 'FULL_FILE_TOO_LARGE',
        limit: max,
        requested: Number(len),
      });
    }
    const body = new Uint8Array(await abortable(res.arrayBuffer(), signal));
    if (body.byteLength > max) {
      throw new LimitError(`${this.url}: the server ignores Range and sent ${body.byteLength} bytes`, {
        code: 'FULL_FILE_TOO_LARGE',
        limit: max,
        requested: body.byteLength,
      });
    }
    this.#full = body;
    this.#size = body.byteLength;
    this.#warn({
      code: 'RANGE_IGNORED',
      field: 'Range',
      message:
        `${this.url}: the server answered a Range request with the whole file (HTTP 200, ${body.byteLength} bytes); ` +
        'it was read once and every read is served from that copy',
      found: 200,
      used: body.byteLength,
    });
    return body;
  }

  #warn(w: HeaderWarning): void {
    if (this.warnings.some((v) => v.code === w.code)) return;
    this.warnings.push(w);
    this.#opts.onWarning?.(w);
  }

  async #request(method: 'GET' | 'HEAD', range: string | undefined, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { ...this.#opts.headers };
    if (range) headers.Range = range;
    try {
      return await abortable(this.#fetch(this.url, { ...this.#opts.init, method, headers, signal }), signal);
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ImageFileError(`${this.url}: ${method} request failed (${(err as Error)?.message ?? err})`, {
        code: 'HTTP_FETCH',
        cause: err,
      });
    }
  }
}

/** A copy of `[offset, offset + length)` of `body`, clipped. */
function sliceOf(body: Uint8Array, offset: number, length: number): Uint8Array {
  return body.slice(Math.min(offset, body.length), Math.min(offset + length, body.length));
}

function httpError(res: Response, url: string): ImageFileError {
  return new ImageFileError(`${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
    code: 'HTTP_STATUS',
    cause: res,
  });
}
