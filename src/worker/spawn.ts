/**
 * Starting a decode worker in the runtime at hand: a web `Worker` (browsers, Deno, Bun), or
 * in Node a `node:worker_threads` Worker dressed as one. The worker script is the same
 * (worker/decode-worker.ts, which speaks through its global `postMessage` and `message`
 * events): in Node a small bootstrap gives the thread those globals over its `parentPort`
 * before importing the script, so the protocol, transfers and the compiled module that
 * crosses with `init` are the same in both.
 *
 * `worker_threads` is imported at run time with its name out of bundlers' sight, as
 * src/io/node-file-source.ts imports `fs`: browsers never take that branch. The cores the
 * runtime offers (`coresHere`) size the default pool.
 */
import { isNode } from '../io/node-file-source.js';

/** Cores of this machine: `navigator.hardwareConcurrency`, else (Node 20, which has no `navigator`) `os.availableParallelism()`. */
export function coresHere(): number {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
  };
  // getBuiltinModule (Node ≥ 20.16) reaches `os` synchronously, with no import for a bundler to see.
  return g.navigator?.hardwareConcurrency ?? g.process?.getBuiltinModule?.('node:os')?.availableParallelism?.() ?? 2;
}

/** What the pool needs of a worker (the part of the web `Worker` it uses). */
export interface DecodeWorker {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
  addEventListener(type: 'error', fn: (e: ErrorEvent) => void): void;
  terminate(): void;
  /** Node threads only: the worker keeps the process alive (it has work) … */
  ref?(): void;
  /** … or not (it is idle). */
  unref?(): void;
}

/** A constructor with the web `Worker`'s signature. */
export type DecodeWorkerClass = new (url: URL, opts: { type: 'module' }) => DecodeWorker;

/**
 * The bootstrap a Node thread runs first: web globals over `parentPort`, then the script.
 * Only dynamic `import()`, so it runs whether the thread takes it for CommonJS (as `eval`
 * workers do) or for a module (a parent started with `--input-type=module`, which threads
 * inherit). Messages sent before the script listens wait in the port.
 */
const NODE_BOOTSTRAP = `
import(/* @vite-ignore */ /* webpackIgnore: true */ ['node', 'worker_threads'].join(':')).then(({ parentPort, workerData }) => {
  globalThis.postMessage = (msg, transfer) => parentPort.postMessage(msg, transfer);
  globalThis.addEventListener = (type, fn) => {
    if (type === 'message') parentPort.on('message', (data) => fn({ data }));
  };
  return import(/* @vite-ignore */ /* webpackIgnore: true */ workerData.url);
});
`;

type NodeWorker = {
  postMessage(msg: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', fn: (data: unknown) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'exit', fn: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
};
export type NodeWorkerCtor = new (code: string, opts: { eval: true; workerData: { url: string } }) => NodeWorker;

/** A Node thread behind the web `Worker` interface. @internal exported for tests */
export function nodeWorkerClass(Ctor: NodeWorkerCtor): DecodeWorkerClass {
  return class NodeDecodeWorker implements DecodeWorker {
    readonly #w: NodeWorker;
    #ended = false;
    #onError: ((e: { message: string; preventDefault(): void }) => void)[] = [];

    constructor(url: URL) {
      this.#w = new Ctor(NODE_BOOTSTRAP, { eval: true, workerData: { url: url.href } });
      this.#w.on('error', (err) => this.#fail(err.message));
      // A thread can end on its own (process.exit in it, out of memory), which a web Worker
      // never does: its requests would wait forever, so that is an error too.
      this.#w.on('exit', (code) => {
        if (!this.#ended) this.#fail(`decode thread exited (code ${code})`);
        this.#ended = true;
      });
    }

    #fail(message: string): void {
      if (this.#ended) return;
      this.#ended = true;
      for (const fn of this.#onError) fn({ message, preventDefault() {} });
    }

    postMessage(msg: unknown, transfer?: Transferable[]): void {
      if (!this.#ended) this.#w.postMessage(msg, transfer);
    }

    addEventListener(type: 'message' | 'error', fn: (e: never) => void): void {
      if (type === 'message') this.#w.on('message', (data) => (fn as (e: { data: unknown }) => void)({ data }));
      else this.#onError.push(fn as (e: { message: string; preventDefault(): void }) => void);
      // Idle until the pool gives it work (`ref`): an idle pool does not keep a script's
      // process alive. A listener refs the thread again, so this comes after it.
      this.#w.unref();
    }

    terminate(): void {
      this.#ended = true;
      void this.#w.terminate();
    }

    ref(): void {
      this.#w.ref();
    }

    unref(): void {
      this.#w.unref();
    }
  };
}

let nodeClass: Promise<DecodeWorkerClass> | undefined;

/**
 * The worker class of this runtime.
 * @returns the web `Worker`, or in Node the `worker_threads` adapter; null where neither exists
 */
export function decodeWorkerClass(): Promise<DecodeWorkerClass> | null {
  if (typeof Worker === 'function') return Promise.resolve(Worker as unknown as DecodeWorkerClass);
  if (!isNode()) return null;
  nodeClass ??= (async () => {
    const name = ['node', 'worker_threads'].join(':');
    const wt = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { Worker: NodeWorkerCtor };
    return nodeWorkerClass(wt.Worker);
  })();
  return nodeClass;
}

/** True where decode workers can run: a web `Worker`, or Node's threads. */
export function workersAvailable(): boolean {
  return typeof Worker === 'function' || isNode();
}
