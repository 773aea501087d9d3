// Byte-array helpers for tests in both environments (Node and Chromium): nothing here
// touches node:* or the DOM.

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte equality, without vitest's slow element-wise diffing of megabyte arrays. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Image-like bytes: smooth regions, noise and runs of zeros (`seed` picks the noise). */
export function imageLikeBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const region = (i >> 14) % 5;
    out[i] = region === 0 ? 0 : region === 1 ? (i >> 6) & 0xff : region === 2 ? x >>> 24 : ((i >> 3) + (x >>> 29)) & 0xff;
  }
  return out;
}

/** The runtime's own gunzip (`DecompressionStream`, in browsers and Node ≥ 18): the peer oracle. */
export async function viaDecompressionStream(gz: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
