/**
 * Abort plumbing shared by the byte sources: settle a pending promise early when a signal
 * aborts (the platform calls behind `Blob.arrayBuffer()` cannot be cancelled, but the caller
 * must not wait for them), and link signals.
 */
import { abortError } from '../errors.js';

/**
 * Resolves or rejects as `p` does, but rejects at once with an `AbortError` when `signal`
 * aborts first. The work behind `p` is not cancelled; its late result is dropped.
 * @param p the pending work
 * @param signal the caller's signal
 * @returns `p`'s value
 * @throws `AbortError` (a `DOMException`) when `signal` aborts before `p` settles
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * An AbortController that also aborts when `parent` does (and a way to stop listening).
 * @param parent the caller's signal, if any
 * @returns the controller and a `dispose` that detaches it from `parent`
 */
export function linkedController(parent: AbortSignal | undefined): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: () => undefined };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => undefined };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}
