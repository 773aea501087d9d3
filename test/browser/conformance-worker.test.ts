// The conformance suites again, with every whole-array read decoded in a worker (issue 11):
// a pool with `minBytes: 0` sends even these small fixtures there, so every dtype, byte order,
// scaling, pair and bad file goes through the worker and its error records.
import { afterAll, expect, it } from 'vitest';
import { createWorkerPool } from '../../src/index';
import { badInputSuite, conformanceSuite } from '../shared/conformance';

const urls = import.meta.glob('../fixtures/{conformance,bad}/*', { query: '?url', import: 'default', eager: true }) as Record<string, string>;

const read = async (p: string): Promise<Uint8Array> => {
  const url = urls[`../fixtures/${p}`];
  if (!url) throw new Error(`no fixture ${p}`);
  const res = await fetch(url);
  return new Uint8Array(await res.arrayBuffer());
};

const pool = createWorkerPool({ size: 1, minBytes: 0 });
afterAll(() => pool.terminate());

conformanceSuite(read, { worker: pool });
badInputSuite(read, { worker: pool });

it('the suites above really decoded in the worker', () => {
  expect(pool.started).toBe(1);
  expect(pool.usable).toBe(true);
});
