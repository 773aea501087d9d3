// Every nibabel-generated fixture through the public API, in Node.
import { readFile } from 'node:fs/promises';
import { badInputSuite, conformanceSuite } from '../shared/conformance';

const read = async (p: string): Promise<Uint8Array> =>
  new Uint8Array(await readFile(new URL(`../fixtures/${p}`, import.meta.url)));

conformanceSuite(read);
badInputSuite(read);
