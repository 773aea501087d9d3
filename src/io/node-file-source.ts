/**
 * A ByteSource over a file on disk, for Node (and runtimes with Node's `fs`): each read is a
 * positioned `FileHandle.read` of just the requested range, so a header load or a slice reads
 * those bytes and no others (geotiff.js's `fromFile`; nibabel's `ArrayProxy` over a filename).
 *
 * Handle lifetime: open per read burst. The file is opened when a read needs it and closed
 * once no read has been in flight for a turn of the event loop (an unref'd `setTimeout(0)`),
 * so reads issued back to back (the sniff, header and extension reads of a load; the chunks
 * of a gzip stream) share one descriptor, and an image that sits idle holds none. This is
 * nibabel's default (`keep_file_open=False`: the proxy opens the file for each access). The
 * alternative, one handle per source closed by a `FinalizationRegistry`, was rejected: an
 * image's proxy may read at any time for as long as the image lives, so the handle could only
 * close after a garbage collection, and loading a few thousand images in a loop would run
 * out of descriptors (EMFILE) long before one comes; Node also deprecates closing a
 * `FileHandle` on collection (DEP0137). `close()` releases the descriptor at once (after
 * the reads in flight); a later read simply opens the file again.
 *
 * A file that changed on disk (size or modification time) since the source was made fails
 * its next read that has to reopen it with `ImageFileError` `FILE_CHANGED` — as a browser
 * `File` does with `NotReadableError` — instead of mixing old and new bytes.
 *
 * Node's modules are imported at run time only, with a specifier held in a variable and the
 * bundlers' ignore comments (as src/wasm/load.ts and src/codecs/gzip.ts do), so a browser
 * bundle neither resolves nor shims `node:fs`; browsers never construct this class.
 *
 * Errors: a missing path is `ImageFileError` `FILE_NOT_FOUND`, a directory or other non-file
 * `NOT_A_FILE`, any other failure `FILE_READ`; each names the path and has the system error
 * as `cause`. An abort rejects at once with `AbortError`; a positioned read already issued
 * to the OS finishes in the background and its bytes are dropped.
 */
import { ImageFileError, abortError, throwIfAborted } from '../errors.js';
import { abortable } from './abortable.js';
import { checkRange } from './buffer-source.js';
import type { ByteSource, ReadOptions } from './types.js';

type FileHandle = import('node:fs/promises').FileHandle;

/** Node's modules this source and the path helpers (node-paths.ts) use. */
export interface NodeModules {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
  url: typeof import('node:url');
  os: typeof import('node:os');
}

let modules: Promise<NodeModules> | undefined;

/**
 * True where Node's built-in modules can be imported (Node, and runtimes that emulate it).
 * @returns whether `process.versions.node` is set
 */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Node's `fs/promises`, `path`, `url` and `os`, imported once, at run time.
 * @returns the modules
 * @throws {TypeError} outside Node (file paths cannot be read there)
 */
export function nodeModules(): Promise<NodeModules> {
  if (!isNode()) return Promise.reject(new TypeError('file paths can only be read in Node; in a browser pass a File, Blob, bytes or URL'));
  modules ??= (async () => {
    // The specifiers stay out of bundlers' sight: browsers never take this branch.
    const names = ['node:fs/promises', 'node:path', 'node:url', 'node:os'];
    const [fs, path, url, os] = await Promise.all(names.map((n) => import(/* @vite-ignore */ /* webpackIgnore: true */ n)));
    return { fs, path, url, os } as NodeModules;
  })();
  return modules;
}

/** Largest single positioned read (Node refuses one of 2 GiB or more). */
const MAX_READ_BYTES = 1024 * 1024 * 1024;

/** What identifies the file's contents between opens. */
/** What identifies a file's contents between openings: its size and modification time. */
export interface Stamp {
  size: number;
  mtimeMs: number;
}

/** One opening of the file: the handle, the reads using it, and whether it is to close. */
interface Opening {
  handle: Promise<FileHandle>;
  users: number;
  retired: boolean;
  /** Set once the handle is being closed; resolves when it is. */
  closing: Promise<void> | null;
  /** Resolves when the handle is closed (what `close()` waits for). */
  closed: Promise<void>;
  onClosed: () => void;
}

function opening(handle: Promise<FileHandle>): Opening {
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  return { handle, users: 0, retired: false, closing: null, closed, onClosed };
}

/**
 * The system error behind a failed file operation as a domain error naming the path.
 * @param err what `fs` threw
 * @param path the file concerned
 * @returns the error to throw (an `AbortError` or an `ImageFileError` passes through)
 */
function fileError(err: unknown, path: string): unknown {
  if (err instanceof ImageFileError || (err as { name?: unknown })?.name === 'AbortError') return err;
  const code = (err as { code?: unknown })?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new ImageFileError(`No such file: "${path}"`, { code: 'FILE_NOT_FOUND', cause: err });
  if (code === 'EISDIR') return new ImageFileError(`"${path}" is a directory, not an image file`, { code: 'NOT_A_FILE', cause: err });
  const why = typeof code === 'string' ? code : String((err as { message?: unknown })?.message ?? err);
  return new ImageFileError(`Cannot read "${path}": ${why}`, { code: 'FILE_READ', cause: err });
}

/** A file on disk as a ByteSource (see the module comment). */
export class NodeFileSource implements ByteSource {
  /** The file's absolute path. */
  readonly path: string;
  /** The file's size in bytes when the source was made; reads stop there. */
  readonly size: number;
  /** Every `read` is a new buffer the caller owns. */
  readonly freshReads = true;
  readonly #stamp: Stamp;
  #current: Opening | null = null;
  #idle: ReturnType<typeof setTimeout> | null = null;

  /** The file's size and modification time when the source was made. */
  get stamp(): Stamp {
    return { ...this.#stamp };
  }

  private constructor(path: string, stamp: Stamp) {
    this.path = path;
    this.size = stamp.size;
    this.#stamp = stamp;
  }

  /**
   * Opens a file and learns its size (the handle then closes when idle, see the module comment).
   * @param path an absolute path, or one relative to `process.cwd()`, or a `file:` URL
   * @param opts `signal` to abort; `expect`: the `stamp` another source of the same file had
   *   (a decode worker's opening), so a file changed since is `FILE_CHANGED`, not other bytes
   * @returns the source
   * @throws {ImageFileError} `FILE_NOT_FOUND`, `NOT_A_FILE`, `FILE_CHANGED` or `FILE_READ`, naming the path
   * @throws {TypeError} outside Node
   * @throws `AbortError` when the signal aborts
   * @example
   * const src = await NodeFileSource.fromPath('sub-01_T1w.nii.gz');
   * const magic = await src.read(0, 2); // 1f 8b
   */
  static async fromPath(path: string | URL, opts: ReadOptions & { expect?: Stamp } = {}): Promise<NodeFileSource> {
    const { signal } = opts;
    throwIfAborted(signal);
    const { fs, path: P, url } = await nodeModules();
    const abs = P.resolve(path instanceof URL || /^file:/i.test(path) ? url.fileURLToPath(path) : path);
    const opened = openChecked(fs, abs, opts.expect ?? null);
    // An open that finishes after an abort is closed, not leaked.
    opened.then(
      (o) => {
        if (signal?.aborted) o.fh.close().catch(() => undefined);
      },
      () => undefined,
    );
    const { fh, stamp } = await abortable(opened, signal);
    const src = new NodeFileSource(abs, stamp);
    const o = opening(Promise.resolve(fh));
    src.#current = o;
    src.#scheduleIdle(o);
    return src;
  }

  /** True while the file is open (during a read burst, until it goes idle or `close()`). */
  get isOpen(): boolean {
    return this.#current !== null;
  }

  /**
   * Reads `[offset, offset + length)`, clipped at `size`, with positioned reads.
   * @param offset first byte
   * @param length bytes wanted
   * @param opts `signal` to abort
   * @returns a new Uint8Array (shorter than `length` only at the end of the file)
   * @throws {RangeError} for a negative or non-integer range
   * @throws {ImageFileError} `FILE_NOT_FOUND`, `FILE_CHANGED` or `FILE_READ` when the file
   *   vanished, changed or cannot be read since the source was made
   * @throws `AbortError` when the signal aborts
   */
  read(offset: number, length: number, opts: ReadOptions = {}): Promise<Uint8Array> {
    return this.#take(offset, length, null, opts.signal);
  }

  /**
   * Reads `[offset, offset + view.byteLength)` into `view` (see `ByteSource.readInto`); the
   * buffer is never transferred.
   * @param offset first byte
   * @param view where the bytes go
   * @param opts `signal` to abort
   * @returns a view of `view`'s memory (shorter only at the end of the file)
   * @throws as `read`
   */
  readInto(offset: number, view: Uint8Array<ArrayBuffer>, opts: ReadOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
    return this.#take(offset, view.byteLength, view, opts.signal);
  }

  /**
   * Closes the file now (once the reads in flight have finished). The source stays usable:
   * a later read opens the file again.
   * @returns when the descriptor is closed
   */
  close(): Promise<void> {
    this.#clearIdle();
    const o = this.#current;
    if (!o) return Promise.resolve();
    this.#current = null;
    o.retired = true;
    if (o.users === 0) void shut(o);
    return o.closed;
  }

  async #take(offset: number, length: number, into: Uint8Array<ArrayBuffer> | null, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>> {
    throwIfAborted(signal);
    checkRange(offset, length);
    const end = Math.min(offset + length, this.size);
    const out = into ? into.subarray(0, Math.max(0, end - offset)) : new Uint8Array(Math.max(0, end - offset));
    if (out.byteLength === 0) return out;
    return abortable(this.#fill(offset, out, signal), signal);
  }

  /** Fills `out` from `offset` on one opening of the file (fewer bytes if the file shrank). */
  async #fill(offset: number, out: Uint8Array<ArrayBuffer>, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>> {
    const o = this.#acquire();
    try {
      const fh = await o.handle;
      let filled = 0;
      while (filled < out.byteLength) {
        if (signal?.aborted) throw abortError(signal);
        const n = Math.min(out.byteLength - filled, MAX_READ_BYTES);
        const { bytesRead } = await fh.read(out, filled, n, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === out.byteLength ? out : out.subarray(0, filled);
    } catch (err) {
      throw fileError(err, this.path);
    } finally {
      this.#release(o);
    }
  }

  /** The current opening (opened now if there is none), with one more user. */
  #acquire(): Opening {
    this.#clearIdle();
    let o = this.#current;
    if (!o) {
      const fresh = opening(this.#reopen());
      fresh.handle.catch(() => {
        fresh.retired = true;
        if (this.#current === fresh) this.#current = null;
      });
      this.#current = o = fresh;
    }
    o.users++;
    return o;
  }

  #release(o: Opening): void {
    if (--o.users > 0) return;
    if (o.retired) void shut(o);
    else if (o === this.#current) this.#scheduleIdle(o);
  }

  /** Closes `o` after a turn of the event loop without reads (see the module comment). */
  #scheduleIdle(o: Opening): void {
    this.#clearIdle();
    const t = setTimeout(() => {
      this.#idle = null;
      if (this.#current !== o || o.users > 0) return;
      this.#current = null;
      o.retired = true;
      void shut(o);
    }, 0);
    // An idle handle never keeps a Node process alive.
    (t as { unref?: () => void }).unref?.();
    this.#idle = t;
  }

  #clearIdle(): void {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
  }

  async #reopen(): Promise<FileHandle> {
    const { fs } = await nodeModules();
    return (await openChecked(fs, this.path, this.#stamp)).fh;
  }
}

/** Closes an opening's handle once (a failed open has nothing to close). */
function shut(o: Opening): Promise<void> {
  o.closing ??= o.handle
    .then(
      (fh) => fh.close().catch(() => undefined),
      () => undefined,
    )
    .then(o.onClosed);
  return o.closing;
}

/**
 * Opens `path` for reading and checks it is a regular file (and, on a reopen, the same
 * contents as `expect` by size and modification time).
 * @throws {ImageFileError} as `fileError`, or `FILE_CHANGED`
 */
async function openChecked(fs: NodeModules['fs'], path: string, expect: Stamp | null): Promise<{ fh: FileHandle; stamp: Stamp }> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (err) {
    throw fileError(err, path);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ImageFileError(`"${path}" is not a regular file`, { code: 'NOT_A_FILE' });
    const stamp = { size: st.size, mtimeMs: st.mtimeMs };
    if (expect && (stamp.size !== expect.size || stamp.mtimeMs !== expect.mtimeMs)) {
      throw new ImageFileError(`"${path}" changed on disk since it was opened (${expect.size} → ${stamp.size} bytes): load it again`, {
        code: 'FILE_CHANGED',
      });
    }
    return { fh, stamp };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw fileError(err, path);
  }
}
