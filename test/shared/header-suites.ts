// The header suites NIfTI-1 and NIfTI-2 share (test/node/nifti1-header.test.ts and
// nifti2-header.test.ts call them with their own classes): headers nibabel wrote from
// recipes, nibabel's default headers, and nibabel's own test data files (values recorded by
// test/fixtures/generate-headers.py; the files themselves are read only where installed).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { niftiHeaderFromBytes } from '../../src/header/nifti2-header';
import { NiftiExtension } from '../../src/header/nifti-extensions';
import {
  EXPECTED,
  type HeaderCase,
  buildFromRecipe,
  compareBytesModuloQuaternion,
  compareHeader,
  expectClose,
  headerClass,
  hex,
  readFixture,
  unhex,
} from './header-fixtures';

/** Where Debian's python3-nibabel keeps its test data. */
const NIBABEL_DATA = '/usr/lib/python3/dist-packages/nibabel/tests/data/';

/**
 * Per recipe header nibabel wrote: parse, write back, find by magic, byte-swap, rebuild.
 * @param cases the generated cases of one NIfTI version
 */
export function writtenHeaderSuites(cases: HeaderCase[]): void {
  for (const c of cases) {
    const r = c.recipe!;
    describe(`${r.id} ${c.class} ${c.endianness} ${r.dtype} [${r.shape}]`, () => {
      const bytes = readFixture(c.file!);
      const K = headerClass(c.class);

      it('parses to nibabel’s values without warnings', () => {
        const hdr = K.fromBytes(bytes);
        expect(hdr).toBeInstanceOf(K);
        expect(hdr.warnings).toEqual([]);
        compareHeader(hdr, c);
      });

      it('writes the same bytes back (toBytes round trip)', () => {
        expect(hex(K.fromBytes(bytes).toBytes())).toBe(hex(bytes));
      });

      it('is found by niftiHeaderFromBytes with the right class', () => {
        const hdr = niftiHeaderFromBytes(bytes);
        expect(hdr.constructor).toBe(K);
        expect(hex(hdr.toBytes())).toBe(hex(bytes));
      });

      it('byte-swaps losslessly', () => {
        const hdr = K.fromBytes(bytes);
        const other = hdr.endianness === '<' ? '>' : '<';
        const sw = hdr.asByteswapped(other);
        expect(sw.endianness).toBe(other);
        const swBytes = sw.toBytes();
        expect(hex(swBytes)).not.toBe(hex(bytes));
        const back = K.fromBytes(swBytes);
        expect(back.endianness).toBe(other);
        for (const k of hdr.keys()) expectClose(back.get(k), hdr.get(k), 0, k);
        expect(hex(back.asByteswapped(hdr.endianness).toBytes())).toBe(hex(bytes));
      });

      it('is rebuilt byte for byte by our setters from the same recipe', () => {
        const ours = buildFromRecipe(r);
        compareBytesModuloQuaternion(ours.toBytes(), bytes, ours);
      });
    });
  }
}

/**
 * nibabel's default header of each class and byte order: its structarr and what it writes.
 * @param ofVersion picks the classes of one NIfTI version
 */
export function defaultHeaderTests(ofVersion: (cls: string) => boolean): void {
  for (const c of EXPECTED.defaults.filter((d) => ofVersion(d.class))) {
    it(`${c.class} ${c.endianness}: nibabel's default_structarr and write_to`, () => {
      const K = headerClass(c.class);
      const hdr = new K({ endianness: c.endianness });
      expect(hex(hdr.binaryblock)).toBe(c.binaryblock_hex);
      expect(hex(hdr.toBytes())).toBe(c.written_hex);
      compareHeader(hdr, c);
      expect(hdr.isSingle).toBe(!c.class.includes('Pair'));
    });
  }
}

/**
 * nibabel's own test data files of one NIfTI version: rebuilt from the recorded values, and
 * (when nibabel is installed) parsed from the original file.
 * @param ofVersion picks the classes of one NIfTI version
 */
export function dataFileSuites(ofVersion: (cls: string) => boolean): void {
  for (const c of EXPECTED.datafiles.filter((d) => ofVersion(d.class))) {
    describe(c.file!, () => {
      it('rebuilt from the recorded field values, serialises to the original header bytes (sha256)', () => {
        const K = headerClass(c.class);
        const hdr = new K({ endianness: c.endianness });
        for (const [k, v] of Object.entries(c.fields)) hdr.set(k, v as number);
        hdr.extensions = c.extensions.map((e) => new NiftiExtension(e.code, unhex(e.content_hex)));
        const out = hdr.toBytes();
        if (c.rewritten_equal) {
          // nibabel writes this header back unchanged, so must we.
          expect(out.length).toBe(c.header_nbytes);
          expect(createHash('sha256').update(out).digest('hex')).toBe(c.header_sha256);
        }
        compareHeader(K.fromBytes(out), c);
      });

      const path = NIBABEL_DATA + c.file;
      it.skipIf(!existsSync(path))('parses the original file like nibabel (when installed)', () => {
        let raw = new Uint8Array(readFileSync(path));
        if (c.gz) raw = new Uint8Array(gunzipSync(raw));
        const head = raw.subarray(0, c.header_nbytes);
        const hdr = niftiHeaderFromBytes(head);
        expect(hdr.constructor.name).toBe(c.class);
        compareHeader(hdr, c);
        const out = hdr.toBytes();
        const n = hdr.sizeofHdr;
        if (c.file === 'row_major.dconn.nii') {
          // Its pixdim[0] (qfac) is 0: nibabel's check_fix sets 1 (level 20), and so do we.
          // Its CIFTI extension carries NUL padding beyond the next multiple of 16, which
          // we strip as nibabel does, so only the header proper is compared.
          expect(hdr.warnings.map((w) => w.code)).toEqual(['BAD_QFAC']);
          const fixed = head.slice(0, n);
          new DataView(fixed.buffer).setFloat64(104, 1, true);
          expect(hex(out.subarray(0, n))).toBe(hex(fixed));
        } else {
          expect(hdr.warnings).toEqual([]);
          if (c.rewritten_equal) expect(hex(out)).toBe(hex(head));
          else expect(hex(out.subarray(0, n))).toBe(hex(head.subarray(0, n)));
        }
      });
    });
  }
}
