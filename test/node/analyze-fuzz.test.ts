// Header fuzzing for the Analyze family (AnalyzeHeader, Spm99AnalyzeHeader, Spm2AnalyzeHeader)
// with fast-check and fixed seeds, as header-checks.test.ts does for NIfTI and mgh.test.ts for
// MGH. Properties:
// - parsing arbitrary or mutated 348-byte headers (and reading everything a parsed header
//   offers) only ever throws the nibweb error family, with a specific `code` — never a
//   RangeError/TypeError, not even one wrapped by the parser's safety net (`INVALID_HEADER`);
// - a header that parses writes back byte-identically (`toBytes`), except in the bytes of the
//   fields its warnings name (the checks' fixes); without checks, exactly; and what it writes
//   parses again to the same bytes with nothing left to fix;
// - `loadFiles` of a pair with a mutated header (and a whole, short or missing-tail image
//   file) gives an image or a nibweb error with a code; a loaded image's affine is finite and
//   its reads fail only in the family;
// - every case ends within a bounded time.
// Seeds are nibabel-written pairs from test/fixtures/analyze (both byte orders, every dtype kind).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnalyzeHeader,
  type NDArray,
  Spm2AnalyzeHeader,
  Spm99AnalyzeHeader,
  asArray,
  dtypeInfo,
  isNibabelError,
  loadFiles,
} from '../../src/index';

type K = typeof AnalyzeHeader;
const CLASSES: readonly K[] = [AnalyzeHeader, Spm99AnalyzeHeader, Spm2AnalyzeHeader];

const dir = new URL('../fixtures/analyze/', import.meta.url);
const fixture = (f: string): Uint8Array => new Uint8Array(readFileSync(new URL(f, dir)));
const STEMS = [
  'ana-int16-le-3d',
  'ana-float32-be-4d',
  'ana-rgb24-le-3d',
  'spm99-slope-0.1-be',
  'spm99-complex64-le-3d',
  'spm2-slope-inter-le',
  'spm2-uint8-be-4d',
  'spm2-glcal-slope0',
  'origin-set-be',
  'origin-out-of-range',
];
const SEEDS = STEMS.map((s) => ({ stem: s, hdr: fixture(`${s}.hdr`), img: fixture(`${s}.img`) }));

/** Codes seen, per source, for the summary at the end. */
const seen = new Map<string, number>();
const count = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);

/** Only the family, with a specific code, and no built-in error behind the safety net. */
function expectFamily(err: unknown, where: string): string {
  if (!isNibabelError(err)) throw new Error(`${where}: ${String(err)} escaped (not a nibweb error)`, { cause: err });
  if (typeof err.code !== 'string' || err.code === '' || err.code === 'ERROR') {
    throw new Error(`${where}: ${err._tag} without a code: ${err.message}`, { cause: err });
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof RangeError || cause instanceof TypeError) {
    throw new Error(`${where}: ${err._tag}:${err.code} wraps a ${cause.name}: ${cause.message}`, { cause: err });
  }
  return `${err._tag}:${err.code}`;
}

/** A synchronous step that must finish quickly (a hang or blow-up shows as a failure). */
function timed<T>(what: string, fn: () => T, ms = 1000): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const dt = performance.now() - t0;
    if (dt > ms) throw new Error(`${what} took ${dt.toFixed(0)} ms (bound ${ms} ms)`);
  }
}

/** An async step with a deadline. */
async function deadline<T>(what: string, p: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Byte ranges of the fields a warning names (`'pixdim[2]'` → that element only). */
function warnedRanges(Klass: K, fields: string[]): [number, number][] {
  return fields.map((name) => {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(name);
    if (!m) throw new Error(`warning names an unknown field "${name}"`);
    const f = Klass.layout.field(m[1]!);
    return m[2] === undefined ? [f.offset, f.offset + f.itemsize * f.count] : [f.offset + Number(m[2]) * f.itemsize, f.offset + (Number(m[2]) + 1) * f.itemsize];
  });
}

function firstDiff(a: Uint8Array, b: Uint8Array, allowed: [number, number][]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i] && !allowed.some(([lo, hi]) => i >= lo && i < hi)) return i;
  }
  return -1;
}

/** The fields the battery may fix in place (the others are only reported). */
const FIXES = new Set(['SIZEOF_HDR_FIXED', 'BITPIX_MISMATCH', 'BAD_PIXDIM']);

let parsed = 0;
let rewritten = 0;

/** Parses with every class, checks the round trip, then reads everything the header offers. */
function exercise(bytes: Uint8Array): void {
  for (const Klass of CLASSES) {
    timed(`${Klass.name}.mayContainHeader`, () => Klass.mayContainHeader(bytes));
    for (const checks of [true, false]) {
      let h: AnalyzeHeader;
      try {
        h = timed(`${Klass.name}.fromBytes`, () => Klass.fromBytes(bytes, { checks }));
      } catch (err) {
        count(expectFamily(err, `${Klass.name}.fromBytes(checks: ${checks})`));
        continue;
      }
      parsed++;
      const out = h.toBytes();
      expect(out.length).toBe(348);
      const allowed = checks ? warnedRanges(Klass, h.warnings.map((w) => w.field)) : [];
      const at = firstDiff(out, bytes.subarray(0, 348), allowed);
      if (at >= 0) {
        expect.fail(
          `${Klass.name} (checks: ${checks}) wrote byte ${at} as ${out[at]}, read ${bytes[at]}; warnings: ${h.warnings.map((w) => `${w.code}@${w.field}`).join(', ') || 'none'}`,
        );
      }
      if (checks) {
        // What it wrote is a fixed point: parsed again, nothing more to fix, the same bytes.
        const again = Klass.fromBytes(out);
        expect(again.warnings.filter((w) => FIXES.has(w.code)), `${Klass.name}: fixes left after a rewrite`).toEqual([]);
        expect(again.toBytes()).toEqual(out);
        rewritten++;
        for (const w of h.warnings) count(`warning:${w.code}`);
      }
      const getters: [string, () => unknown][] = [
        ['getDataShape', () => h.getDataShape()],
        ['getDataDtype', () => h.getDataDtype()],
        ['getZooms', () => h.getZooms()],
        ['getDataOffset', () => h.getDataOffset()],
        ['getDataBytes', () => h.getDataBytes()],
        ['getSlopeInter', () => h.getSlopeInter()],
        ['getBaseAffine', () => h.getBaseAffine()],
        ['getOriginAffine', () => (h as Spm99AnalyzeHeader).getOriginAffine?.()],
        ['keys/get', () => h.keys().map((k) => h.get(k))],
        ['getValueLabel', () => h.getValueLabel('datatype')],
        ['copy', () => h.copy().toBytes()],
        ['asByteswapped', () => h.asByteswapped().toBytes()],
        ['checkFix', () => h.copy().checkFix()],
      ];
      for (const [name, get] of getters) {
        try {
          timed(`${Klass.name}.${name}`, get);
        } catch (err) {
          count(expectFamily(err, `${Klass.name}.${name} (checks: ${checks})`));
        }
      }
      const best = h.getBestAffine();
      if (checks) expect(best.flat().every(Number.isFinite), `${Klass.name}.getBestAffine is finite`).toBe(true);
    }
  }
}

/** Interesting values for a field of a type. */
const INTS: Record<string, number[]> = {
  i2: [0, -1, 1, 2, 3, 4, 7, 8, 16, 32, 64, 128, 255, 256, 348, 512, 2048, 32767, -32768],
  i4: [0, -1, 1, 348, 349, 352, 540, 0x7fffffff, -0x80000000, 0x15c0000],
  f4: [0, -0, Number.NaN, Infinity, -Infinity, 1e-45, 1e38, 3.4e38, -1, 0.5, 1, 2.5, 352, 352.5, -352, 2 ** 53],
};

/** A mutated seed header: byte edits, field overwrites in either byte order, truncation or extension. */
const mutatedHeader = fc
  .tuple(
    fc.nat(SEEDS.length - 1),
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('byte' as const), at: fc.nat(347), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({
          kind: fc.constant('field' as const),
          field: fc.constantFrom(...Spm2AnalyzeHeader.layout.fields.filter((f) => f.type !== 'S')),
          element: fc.nat(7),
          pick: fc.nat(),
          le: fc.boolean(),
        }),
      ),
      { maxLength: 6 },
    ),
    fc.option(fc.oneof(fc.nat(400), fc.constant(348))),
  )
  .map(([si, edits, cut]) => {
    const seed = SEEDS[si]!;
    const b = new Uint8Array(Math.max(348, cut ?? 348));
    b.set(seed.hdr.subarray(0, 348));
    const v = new DataView(b.buffer);
    for (const e of edits) {
      if (e.kind === 'byte') {
        b[e.at] = e.value;
        continue;
      }
      const f = e.field;
      const at = f.offset + (e.element % f.count) * f.itemsize;
      const values = INTS[f.type]!;
      const x = values[e.pick % values.length]!;
      if (f.type === 'i2') v.setInt16(at, x, e.le);
      else if (f.type === 'i4') v.setInt32(at, x, e.le);
      else v.setFloat32(at, x, e.le);
    }
    return { stem: seed.stem, hdr: cut === null ? b : b.subarray(0, cut), img: seed.img };
  });

describe('Analyze-family headers: fromBytes throws only the family, and writes back what it read', () => {
  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), (b) => exercise(b)), { seed: 20260701, numRuns: 2000 });
  });

  it('arbitrary 348-byte headers with a plausible sizeof_hdr and dim[0]', () => {
    const header = fc.tuple(fc.uint8Array({ minLength: 348, maxLength: 348 }), fc.boolean(), fc.integer({ min: 0, max: 8 })).map(([b, le, d0]) => {
      const v = new DataView(b.buffer);
      v.setInt32(0, 348, le);
      v.setInt16(40, d0, le);
      return b;
    });
    const before = parsed;
    fc.assert(fc.property(header, (b) => exercise(b)), { seed: 4711, numRuns: 3000 });
    expect(parsed - before, 'many random headers get past fromBytes').toBeGreaterThan(3000);
  });

  it('mutated nibabel-written headers (byte edits, field overwrites in either byte order, truncation)', () => {
    const before = parsed;
    const rwBefore = rewritten;
    fc.assert(fc.property(mutatedHeader, (m) => exercise(m.hdr)), { seed: 348, numRuns: 5000 });
    // The round-trip property is only meaningful if most mutants parse, with checks too.
    expect(parsed - before).toBeGreaterThan(15000);
    expect(rewritten - rwBefore).toBeGreaterThan(5000);
  });

  it('the seeds themselves parse without warnings and write back exactly (all three classes)', () => {
    for (const s of SEEDS) {
      for (const Klass of CLASSES) {
        const h = Klass.fromBytes(s.hdr);
        if (s.stem !== 'origin-out-of-range') expect(h.warnings, `${Klass.name} ${s.stem}`).toEqual([]);
        expect(h.toBytes(), `${Klass.name} ${s.stem}`).toEqual(s.hdr.subarray(0, 348));
      }
    }
  });
});

describe('loadFiles of a pair with a mutated header: an image or a nibweb error, in bounded time', () => {
  /** Loads, then reads what a user would read; only the family may escape. */
  async function openAndRead(hdr: Uint8Array, img: Uint8Array): Promise<string> {
    let images;
    try {
      images = await deadline('loadFiles', loadFiles([new File([hdr as BlobPart], 'fz.hdr'), new File([img as BlobPart], 'fz.img')]));
    } catch (err) {
      return expectFamily(err, 'loadFiles');
    }
    expect(images.length).toBe(1);
    const im = images[0]!;
    expect(im.affine!.flat().every(Number.isFinite), 'a loaded image has a finite affine').toBe(true);
    expect(im.header.getBestAffine().flat().every(Number.isFinite)).toBe(true);
    const n = im.shape.reduce((a, d) => a * d, 1);
    const reads: [string, () => Promise<unknown>][] = [['get one voxel', () => (im.dataobj as unknown as { get(i: number[]): Promise<NDArray> }).get(im.shape.map(() => 0))]];
    if (n <= 1 << 18) {
      reads.push(['asArray', () => asArray(im.dataobj)]);
      if (dtypeInfo(im.header.getDataDtype()).kind !== 'V') reads.push(['getFdata', () => im.getFdata()]);
    }
    let outcome = 'ok';
    for (const [what, read] of reads) {
      try {
        await deadline(what, read());
      } catch (err) {
        outcome = `read:${expectFamily(err, what)}`;
      }
    }
    return outcome;
  }

  it('mutated headers with their whole image file, a short one, or one with extra bytes', async () => {
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(mutatedHeader, fc.oneof(fc.constant(-1), fc.nat(4096)), async (m, cut) => {
        const img = cut < 0 ? m.img : cut < m.img.length ? m.img.subarray(0, cut) : new Uint8Array([...m.img, ...new Uint8Array(cut % 64)]);
        const outcome = await openAndRead(m.hdr, img);
        count(`loadFiles:${outcome}`);
        if (outcome === 'ok' || outcome.startsWith('read:')) loaded++;
      }),
      { seed: 2026, numRuns: 800 },
    );
    expect(loaded, 'many mutants load, so the reads are exercised').toBeGreaterThan(300);
  });

  it('summary of outcomes (for the record)', () => {
    const lines = [...seen.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v}\t${k}`);
    console.log(`Analyze fuzz outcomes:\n${lines.join('\n')}`);
    expect(seen.size).toBeGreaterThan(0);
  });
});
