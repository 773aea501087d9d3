/**
 * Finds the Chromium that browser tests drive: `CHROMIUM_PATH`, else Playwright's own
 * browser if one was installed, else Debian's. Fails with a message saying how to get one.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';

/** Path of the Chromium executable to use. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright has no browser of its own here.
  }
  // The real binary, not Debian's wrapper script (which prints a harmless warning).
  for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(p)) return p;
  }
  throw new Error(
    'No Chromium found for the browser tests. Install one (Debian: `apt-get install -y chromium`) ' +
      'or point CHROMIUM_PATH at a Chromium/Chrome executable.',
  );
}

/** Flags for a headless Chromium on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh, empty user-data directory. */
export function freshUserDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'nibweb-chromium-'));
}
