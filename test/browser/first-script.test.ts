// The first script from a drop: the files as Files, through loadFiles (a .hdr/.img/.mat drop
// is one image), in Chromium.
import { loadFiles } from '../../src/index';
import { firstScriptSuite } from '../shared/first-script';

const urls = import.meta.glob('../fixtures/first-script/*', { query: '?url', import: 'default', eager: true }) as Record<string, string>;

async function drop(names: string[]): Promise<File[]> {
  return Promise.all(
    names.map(async (name) => {
      const url = urls[`../fixtures/first-script/${name}`];
      if (!url) throw new Error(`no fixture ${name}`);
      return new File([await (await fetch(url)).arrayBuffer()], name);
    }),
  );
}

firstScriptSuite(async (names) => {
  const images = await loadFiles(await drop(names));
  if (images.length !== 1) throw new Error(`a drop of ${names.join(', ')} gave ${images.length} images`);
  return images[0]!;
});
