/**
 * The nibweb error family (zarrita's errors.ts pattern, nibabel's vocabulary).
 *
 * Every failure caused by the *content* of a file is one of these classes, each with a
 * literal `_tag`, a stable string `code` and the original error as `cause`. Programmer
 * misuse (a bad index, a wrong argument type) throws the built-in `TypeError`/`RangeError`
 * instead; for indices these are the coded subclasses `IndexError` (a `RangeError`) and
 * `IndexTypeError` (a `TypeError`), which are outside the family on purpose: `instanceof
 * RangeError`/`TypeError` keeps holding, and `isNibabelError(err)` stays "the file is at
 * fault". Aborts are the platform's `DOMException` named `AbortError`.
 *
 * Tests assert `code`, not message text. `isNibabelError(err, ...tags)` is the one guard for
 * the family; the index errors are checked with `instanceof` or their `code`.
 */

/** Options common to every error in the family. */
export interface NibwebErrorOptions {
  /** A stable machine-readable code, e.g. `'GZIP_DATA_CRC'` or `'BAD_DIM0'`. */
  code?: string;
  /** The underlying error, always forwarded. */
  cause?: unknown;
}

/** Base class of the family; not thrown directly. */
export abstract class NibwebError extends Error {
  abstract readonly _tag: string;
  /** Stable code: what went wrong, for programs. */
  readonly code: string;
  constructor(message: string, options: NibwebErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'ERROR';
  }
}

/** Thrown when a file is not an image we can read: unrecognised, empty, or a missing pair member. */
export class ImageFileError extends NibwebError {
  readonly _tag = 'ImageFileError' as const;
  override readonly name = 'ImageFileError';
}

/** Thrown when header values are invalid (nibabel's `HeaderDataError`, problem level ≥ 40). */
export class HeaderDataError extends NibwebError {
  readonly _tag = 'HeaderDataError' as const;
  override readonly name = 'HeaderDataError';
}

/** Thrown when the array data disagrees with the header, e.g. the file is shorter than it claims. */
export class ImageDataError extends NibwebError {
  readonly _tag = 'ImageDataError' as const;
  override readonly name = 'ImageDataError';
}

/** Thrown for a corrupt or truncated gzip/DEFLATE stream; `offset` is the compressed byte offset. */
export class DecompressionError extends NibwebError {
  readonly _tag = 'DecompressionError' as const;
  override readonly name = 'DecompressionError';
  /** Byte offset in the compressed input where the problem was found (-1 if unknown). */
  readonly offset: number;
  constructor(message: string, options: NibwebErrorOptions & { offset?: number } = {}) {
    super(message, options);
    this.offset = options.offset ?? -1;
  }
}

/** Thrown for a feature nibweb does not support (a dtype such as float128, a format variant). */
export class UnsupportedError extends NibwebError {
  readonly _tag = 'UnsupportedError' as const;
  override readonly name = 'UnsupportedError';
  /** What is unsupported, e.g. `'dtype:float128'`. */
  readonly feature: string;
  constructor(message: string, options: NibwebErrorOptions & { feature?: string } = {}) {
    super(message, options);
    this.feature = options.feature ?? 'unknown';
  }
}

/** Thrown when a request would pass a size cap (`maxOutputLength`, memory budget, WASM limits). */
export class LimitError extends NibwebError {
  readonly _tag = 'LimitError' as const;
  override readonly name = 'LimitError';
  /** The cap that would have been passed, in bytes. */
  readonly limit: number;
  /** What was asked for, in bytes (may be an estimate). */
  readonly requested: number;
  constructor(
    message: string,
    options: NibwebErrorOptions & { limit?: number; requested?: number } = {},
  ) {
    super(message, options);
    this.limit = options.limit ?? Number.NaN;
    this.requested = options.requested ?? Number.NaN;
  }
}

/** Thrown when the WebAssembly module traps or aborts; the instance is discarded and recreated. */
export class WasmError extends NibwebError {
  readonly _tag = 'WasmError' as const;
  override readonly name = 'WasmError';
}

/**
 * Thrown for an index that does not fit the array (numpy's and nibabel's `IndexError`): an
 * integer out of bounds (`INDEX_OUT_OF_BOUNDS`), more items than axes (`TOO_MANY_INDICES`), a
 * zero slice step (`SLICE_STEP_ZERO`), and for `img.slicer` an integer on a spatial axis
 * (`SPATIAL_INTEGER_INDEX`) or an empty result (`EMPTY_SLICE`). The message says what to
 * pass instead. A `RangeError`, so code written against the built-in keeps working.
 */
export class IndexError extends RangeError {
  readonly _tag = 'IndexError' as const;
  override readonly name = 'IndexError';
  /** Stable code: what was wrong with the index. */
  readonly code: string;
  constructor(message: string, options: NibwebErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'INDEX';
  }
}

/**
 * Thrown for an index, or a `slice()` bound, of the wrong kind: not an array
 * (`INDEX_NOT_ARRAY`), an item that is not an integer, `null`, a `slice()` or `'...'`
 * (`BAD_INDEX_ITEM`), a second `'...'` (`TWO_ELLIPSES`), a slice bound that is not an integer
 * (`BAD_SLICE_BOUND`), too many `slice()` arguments (`SLICE_ARGS`). The message says what to
 * pass instead. A `TypeError`, so code written against the built-in keeps working.
 */
export class IndexTypeError extends TypeError {
  readonly _tag = 'IndexTypeError' as const;
  override readonly name = 'IndexTypeError';
  /** Stable code: what was wrong with the index. */
  readonly code: string;
  constructor(message: string, options: NibwebErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'INDEX';
  }
}

/**
 * Thrown for an argument of the wrong kind for what is asked (nibabel's `ValueError`s on
 * arguments): `getFdata` with a dtype that is not floating point (`FDATA_DTYPE`) or an unknown
 * `caching` value (`BAD_CACHING`), `astype` between RGB and another dtype (`RGB_CAST`), a
 * `worker` option that is not true, false or a pool (`BAD_WORKER_OPTION`). The
 * message says what to pass instead. A `TypeError`, outside the family like `IndexTypeError`.
 */
export class ArgumentError extends TypeError {
  readonly _tag = 'ArgumentError' as const;
  override readonly name = 'ArgumentError';
  /** Stable code: what was wrong with the argument. */
  readonly code: string;
  constructor(message: string, options: NibwebErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'ARGUMENT';
  }
}

/** Every class of the family, by tag. */
export type NibwebErrorTag =
  | 'ImageFileError'
  | 'HeaderDataError'
  | 'ImageDataError'
  | 'DecompressionError'
  | 'UnsupportedError'
  | 'LimitError'
  | 'WasmError';

/**
 * True when `err` belongs to the nibweb family (and, if tags are given, has one of them).
 * @param err anything caught
 * @param tags optional tags to match
 * @returns whether `err` is such an error
 */
export function isNibabelError(err: unknown, ...tags: NibwebErrorTag[]): err is NibwebError {
  if (!(err instanceof NibwebError)) return false;
  return tags.length === 0 || tags.includes(err._tag as NibwebErrorTag);
}

/** The `DOMException` every abortable call rejects with. */
export function abortError(signal?: AbortSignal): DOMException {
  const reason = signal?.reason;
  if (reason instanceof DOMException && reason.name === 'AbortError') return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}

/** Throws an `AbortError` if `signal` is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/** A structured fix-up notice (nibabel's check_fix report at a level below error). */
export interface HeaderWarning {
  /** Stable code, e.g. `'VOX_OFFSET_FIXED'`. */
  code: string;
  /** The header field concerned. */
  field: string;
  /** Human-readable description of the problem and the fix. */
  message: string;
  /** The value found. */
  found?: unknown;
  /** The value used instead. */
  used?: unknown;
}
