/**
 * Giving the main thread back: the viewer's long steps are cut into pieces with `await
 * yieldToMain()` between them, so that input and drawing can run in between and no single
 * task grows long (issue 11: no main-thread task over 50 ms while a big file loads).
 */

/** The part of `scheduler` used here (`scheduler.yield`: Chromium 129 and later). */
type Yielder = { yield?: () => Promise<void> };

/**
 * Resolves in a later task: through `scheduler.yield()` where the browser has it (the rest of
 * the work then goes ahead of other queued tasks), else a zero-delay `setTimeout`.
 * @returns a promise that settles after the current task has ended
 */
export function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Yielder }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
