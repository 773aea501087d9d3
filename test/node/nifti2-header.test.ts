// Nifti2Header / Nifti2PairHeader against nibabel 5.0.0 (qforms as nibabel HEAD), and the
// NIfTI-2 specifics: 540-byte layout, int64 dims and vox_offset, EOL bytes, float64 threshold.
import { describe, expect, it } from 'vitest';
import { HeaderDataError, ImageFileError } from '../../src/errors';
import { Nifti1Header, Nifti1PairHeader } from '../../src/header/nifti1-header';
import { EOL_CHECK, NIFTI2_LAYOUT, Nifti2Header, Nifti2PairHeader, niftiHeaderFromBytes } from '../../src/header/nifti2-header';
import { EXPECTED } from '../shared/header-fixtures';
import { dataFileSuites, defaultHeaderTests, writtenHeaderSuites } from '../shared/header-suites';

const isV2 = (cls: string): boolean => cls.startsWith('Nifti2');

describe('NIfTI-2 layout', () => {
  it('has nibabel’s offsets and is 540 bytes', () => {
    expect(NIFTI2_LAYOUT.size).toBe(540);
    const at = (n: string): number => NIFTI2_LAYOUT.field(n).offset;
    expect([at('magic'), at('eol_check'), at('datatype'), at('dim'), at('pixdim'), at('vox_offset')]).toEqual([4, 8, 12, 16, 104, 168]);
    expect([at('descrip'), at('qform_code'), at('quatern_b'), at('srow_x'), at('slice_code'), at('intent_name'), at('dim_info'), at('unused_str')]).toEqual([
      240, 344, 352, 400, 496, 508, 524, 525,
    ]);
  });
});

describe('NIfTI-2 headers nibabel wrote', () => {
  const cases = EXPECTED.generated.filter((c) => isV2(c.class));
  it('covers both classes and both byte orders', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => `${c.class}${c.endianness}`)).size).toBe(4);
  });

  writtenHeaderSuites(cases);
});

describe('defaults', () => {
  defaultHeaderTests(isV2);
  it('sets the EOL bytes and the NIfTI-2 constants', () => {
    const h = new Nifti2Header();
    expect(h.get('eol_check')).toEqual([...EOL_CHECK]);
    expect([Nifti2Header.sizeofHdr, Nifti2Header.singleVoxOffset, h.sizeofHdr, h.get('magic')]).toEqual([540, 544, 540, 'n+2']);
    expect(new Nifti2PairHeader().get('magic')).toBe('ni2');
    expect(new Nifti2Header().toBytes().length).toBe(544);
    expect(new Nifti2PairHeader().toBytes().length).toBe(540);
  });
});

describe("nibabel's NIfTI-2 test data files", () => {
  dataFileSuites(isV2);
});

describe('int64 fields', () => {
  it('reads safe values as numbers and refuses unsafe ones (use getBigInt)', () => {
    const h = new Nifti2Header();
    h.set('slice_start', 2n ** 60n);
    expect(() => h.get('slice_start')).toThrow(expect.objectContaining({ code: 'INT64_UNSAFE' }));
    h.set('slice_start', 123);
    expect(h.get('slice_start')).toBe(123);
    expect(() => h.set('slice_start', 2 ** 60)).toThrow(RangeError);
    h.set('vox_offset', 2n ** 40n);
    expect(h.getDataOffset()).toBe(2 ** 40);
  });

  it('holds shapes beyond int16 that NIfTI-1 cannot', () => {
    const h = new Nifti2Header();
    h.setDataShape([100000, 70000, 3]);
    expect(h.getDataShape()).toEqual([100000, 70000, 3]);
    expect(h.get('dim')).toEqual([3, 100000, 70000, 3, 1, 1, 1, 1]);
    h.setDataDtype('float64');
    expect(h.getDataBytes()).toBe(100000 * 70000 * 3 * 8);
    expect(() => h.setDataShape([2 ** 53 + 2])).toThrow(HeaderDataError);
    const n1 = new Nifti1Header();
    expect(() => n1.setDataShape([100000, 70000, 3])).toThrow(HeaderDataError);
  });

  it('SIZE_OVERFLOW for dims 2^40 × 2^40 (reliability case 41), before anything else uses them', () => {
    const h = new Nifti2Header({ endianness: '<' });
    h.setDataShape([4, 4, 4]);
    h.setDataOffset(544);
    h.set('dim', [2n, 2n ** 40n, 2n ** 40n, 1n, 1n, 1n, 1n, 1n]);
    expect(() => Nifti2Header.fromBytes(h.toBytes())).toThrow(expect.objectContaining({ code: 'SIZE_OVERFLOW' }));
    h.set('dim', [3n, 2n ** 31n, 2n ** 31n, 2n ** 31n, 1n, 1n, 1n, 1n]);
    expect(() => Nifti2Header.fromBytes(h.toBytes())).toThrow(expect.objectContaining({ code: 'SIZE_OVERFLOW' }));
    h.set('dim', [1n, 2n ** 60n, 1n, 1n, 1n, 1n, 1n, 1n]);
    expect(() => Nifti2Header.fromBytes(h.toBytes())).toThrow(expect.objectContaining({ code: 'SIZE_OVERFLOW' }));
  });

  it('quaternion threshold is 3·eps(float64)', () => {
    const h = new Nifti2Header();
    h.set('quatern_b', 1 + 1e-12);
    expect(() => h.getQformQuaternion()).toThrow(expect.objectContaining({ code: 'BAD_QUATERN' }));
    const h1 = new Nifti1Header();
    h1.set('quatern_b', Math.fround(1 + 1e-7));
    expect(h1.getQformQuaternion()[0]).toBe(0);
  });
});

describe('niftiHeaderFromBytes', () => {
  it('dispatches on sizeof_hdr and magic, in both byte orders', () => {
    for (const K of [Nifti1Header, Nifti1PairHeader, Nifti2Header, Nifti2PairHeader]) {
      for (const e of ['<', '>'] as const) {
        const h = new K({ endianness: e });
        h.setDataShape([2, 3, 4]);
        const got = niftiHeaderFromBytes(h.toBytes());
        expect(got.constructor).toBe(K);
        expect(got.endianness).toBe(e);
        expect(got.getDataShape()).toEqual([2, 3, 4]);
      }
    }
  });

  it('refuses too-short and non-NIfTI bytes with ImageFileError codes', () => {
    expect(() => niftiHeaderFromBytes(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'TRUNCATED_HEADER' }));
    expect(() => niftiHeaderFromBytes(new Uint8Array(3))).toThrow(ImageFileError);
    const h = new Nifti2Header();
    h.setDataShape([1]);
    expect(() => niftiHeaderFromBytes(h.toBytes().subarray(0, 539))).toThrow(expect.objectContaining({ code: 'TRUNCATED_HEADER' }));
    expect(() => niftiHeaderFromBytes(new Uint8Array(600))).toThrow(expect.objectContaining({ code: 'NOT_NIFTI' }));
  });

  it('a NIfTI-2 header given to Nifti1Header is a BAD_MAGIC that says what it is', () => {
    const h = new Nifti2Header();
    h.setDataShape([2, 2, 2]);
    const err = (() => {
      try {
        Nifti1Header.fromBytes(h.toBytes());
      } catch (e) {
        return e as HeaderDataError;
      }
      return null;
    })();
    expect(err?.code).toBe('BAD_MAGIC');
    expect(err?.message).toMatch(/NIfTI-2/);
  });

  it('Nifti2Header.fromHeader converts a NIfTI-1 header (reliability H15: low vox_offset fixed, not raised)', () => {
    const h = new Nifti1Header();
    h.setDataDtype('int16');
    h.setDataShape([5, 6, 7]);
    h.setZooms([1, 2, 3]);
    h.setDataOffset(352);
    h.setSform([
      [1, 0, 0, -2],
      [0, 2, 0, -6],
      [0, 0, 3, -9],
      [0, 0, 0, 1],
    ], 'mni');
    const h2 = Nifti2Header.fromHeader(h);
    expect(h2).toBeInstanceOf(Nifti2Header);
    expect([h2.get('sizeof_hdr'), h2.get('magic'), h2.get('eol_check')]).toEqual([540, 'n+2', [13, 10, 26, 10]]);
    expect(h2.getDataOffset()).toBe(544);
    expect(h2.warnings.map((w) => w.code)).toEqual(['VOX_OFFSET_FIXED']);
    expect(h2.getSform({ coded: true })).toEqual([h.getSform(), 4]);
    expect(h2.getZooms()).toEqual([1, 2, 3]);
  });
});
