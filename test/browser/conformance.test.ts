// Every nibabel-generated fixture through the public API, in Chromium (fixtures served by
// Vite as the bytes they are: see rawGzip() in vite.config.ts).
import { badInputSuite, conformanceSuite } from '../shared/conformance';

const urls = import.meta.glob('../fixtures/{conformance,bad}/*', { query: '?url', import: 'default', eager: true }) as Record<string, string>;

const read = async (p: string): Promise<Uint8Array> => {
  const url = urls[`../fixtures/${p}`];
  if (!url) throw new Error(`no fixture ${p}`);
  const res = await fetch(url);
  return new Uint8Array(await res.arrayBuffer());
};

conformanceSuite(read);
badInputSuite(read);
