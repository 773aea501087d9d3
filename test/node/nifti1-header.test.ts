// Nifti1Header / Nifti1PairHeader against nibabel 5.0.0 (qforms as nibabel HEAD): headers
// nibabel wrote from recipes, its defaults, and its own test data files (values only).
import { describe, expect, it } from 'vitest';
import { HeaderDataError, UnsupportedError } from '../../src/errors';
import { Nifti1Header, Nifti1PairHeader } from '../../src/header/nifti1-header';
import { NiftiExtension } from '../../src/header/nifti-extensions';
import { EXPECTED, expectClose, unhex, valueOf } from '../shared/header-fixtures';
import { dataFileSuites, defaultHeaderTests, writtenHeaderSuites } from '../shared/header-suites';

const isV1 = (cls: string): boolean => cls.startsWith('Nifti1');

describe('NIfTI-1 headers nibabel wrote', () => {
  const cases = EXPECTED.generated.filter((c) => isV1(c.class));
  it('covers both classes, both byte orders, all transform kinds', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => `${c.class}${c.endianness}`)).size).toBe(4);
    expect(cases.some((c) => c.extensions.length > 1)).toBe(true);
    expect(cases.some((c) => (c.fields.pixdim as number[])[0] === -1)).toBe(true);
  });

  writtenHeaderSuites(cases);
});

describe('default headers', () => {
  defaultHeaderTests(isV1);
  it('is native-endian by default', () => {
    expect(new Nifti1Header().endianness).toBe('<');
  });
});

describe("nibabel's test data files (values derived by the generator; files not copied)", () => {
  dataFileSuites(isV1);

  it('example4d: HEAD qform (w = 0), sform as best affine, two comment extensions', () => {
    const c = EXPECTED.datafiles.find((d) => d.file === 'example4d.nii.gz')!;
    const q = valueOf(c.qform) as number[][];
    expect(q[0]![0]).toBe(-2);
    expect(q[0]![1]).toBeCloseTo(7.754818083349146e-26, 35);
    expect((valueOf(c.quaternion) as number[])[0]).toBe(0);
    const hdr = new Nifti1Header({ endianness: '<' });
    for (const [k, v] of Object.entries(c.fields)) hdr.set(k, v as number);
    expect(hdr.getQformQuaternion()[0]).toBe(0);
    expectClose(hdr.getQform(), q, 1e-12);
    expectClose(hdr.getBestAffine(), valueOf(c.best_affine), 0);
    expect(c.extensions.map((e) => new NiftiExtension(e.code, unhex(e.content_hex)).text)).toEqual([
      'extcomment1',
      'extlongcomment2',
    ]);
    expect(hdr.get('descrip')).toBe('FSL3.3\x00 v2.25 NIfTI-1 Single file format');
  });
});

describe('field access', () => {
  it('strings: trailing NULs dropped, interior kept, latin-1, truncated to the field', () => {
    const h = new Nifti1Header();
    h.set('descrip', 'a\x00b');
    expect(h.get('descrip')).toBe('a\x00b');
    h.set('intent_name', 'é'.repeat(20));
    expect(h.get('intent_name')).toBe('é'.repeat(16));
    expect(() => h.set('descrip', '€')).toThrow(RangeError);
    // Every byte value round-trips (TextDecoder's 'latin1' is windows-1252 and would not).
    const all = String.fromCharCode(...Array.from({ length: 79 }, (_, i) => 0x60 + i));
    h.set('descrip', all);
    expect(h.get('descrip')).toBe(all);
    expect([...h.binaryblock.subarray(148 + 0x20, 148 + 0x24)]).toEqual([0x80, 0x81, 0x82, 0x83]);
  });

  it('numbers: float32 rounding, integer truncation, broadcast, range checks', () => {
    const h = new Nifti1Header();
    h.set('scl_slope', 0.1);
    expect(h.get('scl_slope')).toBe(Math.fround(0.1));
    h.set('glmax', 7.9);
    expect(h.get('glmax')).toBe(7);
    h.set('pixdim', 3);
    expect(h.get('pixdim')).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(() => h.set('datatype', 40000)).toThrow(RangeError);
    expect(() => h.set('dim', [1, 2])).toThrow(RangeError);
    expect(() => h.set('nope', 1)).toThrow(RangeError);
    expect(() => h.set('descrip', 3)).toThrow(TypeError);
  });

  it('keys() lists nibabel’s 43 NIfTI-1 fields in byte order; values are copies', () => {
    const h = new Nifti1Header();
    expect(h.keys()).toHaveLength(43);
    expect(h.keys()[0]).toBe('sizeof_hdr');
    expect(h.keys().at(-1)).toBe('magic');
    const dim = h.get('dim') as number[];
    dim[1] = 99;
    expect((h.get('dim') as number[])[1]).toBe(1);
  });

  it('getValueLabel', () => {
    const h = new Nifti1Header();
    h.setQform([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 'scanner');
    expect(h.getValueLabel('qform_code')).toBe('scanner');
    expect(h.getValueLabel('datatype')).toBe('float32');
    h.set('sform_code', 42);
    expect(h.getValueLabel('sform_code')).toBe('<unknown code 42>');
  });
});

describe('methods (nibabel docstring behaviour)', () => {
  it('data shape and zooms', () => {
    const h = new Nifti1Header();
    expect(h.getDataShape()).toEqual([0]);
    expect(h.getZooms()).toEqual([1]);
    h.setDataShape([1, 2, 3]);
    expect(h.getDataShape()).toEqual([1, 2, 3]);
    expect(h.getZooms()).toEqual([1, 1, 1]);
    h.setZooms([2, 3, 4]);
    h.setDataShape([5, 6, 7, 1]);
    expect(h.getDataShape()).toEqual([5, 6, 7, 1]);
    expect(h.getZooms()).toEqual([2, 3, 4, 1]);
    expect(() => h.setZooms([1, 2])).toThrow(HeaderDataError);
    expect(() => h.setZooms([1, 2, -3, 1])).toThrow(HeaderDataError);
    expect(() => h.setDataShape([40000, 2])).toThrow(HeaderDataError);
    expect(() => h.setDataShape([1, 1, 1, 1, 1, 1, 1, 1])).toThrow(HeaderDataError);
  });

  it('FreeSurfer hacks: ico7 and long vectors', () => {
    const h = new Nifti1Header();
    h.setDataShape([163842, 1, 1]);
    expect(h.get('dim')).toEqual([3, 27307, 1, 6, 1, 1, 1, 1]);
    expect(h.getDataShape()).toEqual([163842, 1, 1]);
    h.setDataShape([100000, 1, 1, 2]);
    expect(h.get('dim')).toEqual([4, -1, 1, 1, 2, 1, 1, 1]);
    expect(h.get('glmin')).toBe(100000);
    expect(h.getDataShape()).toEqual([100000, 1, 1, 2]);
    expect(h.warnings.map((w) => w.code)).toContain('FREESURFER_VECTOR');
    h.set('glmin', 0);
    expect(() => h.getDataShape()).toThrow(HeaderDataError);
  });

  it('dtype', () => {
    const h = new Nifti1Header();
    h.setDataDtype('uint8');
    expect([h.getDataDtype(), h.get('datatype'), h.get('bitpix')]).toEqual(['uint8', 2, 8]);
    h.setDataDtype(128);
    expect([h.getDataDtype(), h.get('bitpix')]).toEqual(['rgb24', 24]);
    h.setDataDtype('int64');
    expect(h.getDataDtype()).toBe('int64');
    expect(() => h.setDataDtype('int' as never)).toThrow(TypeError);
    expect(() => h.setDataDtype('implausible' as never)).toThrow(UnsupportedError);
    expect(() => h.setDataDtype(1536)).toThrow(UnsupportedError);
  });

  it('getDataBytes is exact and refuses sizes beyond 2^53', () => {
    const h = new Nifti1Header();
    h.setDataDtype('int16');
    h.setDataShape([128, 96, 24, 2]);
    expect(h.getDataBytes()).toBe(1179648);
    h.setDataDtype('complex128');
    h.setDataShape([32767, 32767, 32767, 32767]);
    expect(() => h.getDataBytes()).toThrow(expect.objectContaining({ code: 'SIZE_OVERFLOW' }));
  });

  it('xyzt units', () => {
    const h = new Nifti1Header();
    expect(h.getXyztUnits()).toEqual(['unknown', 'unknown']);
    h.setXyztUnits('mm', 'sec');
    expect(h.get('xyzt_units')).toBe(10);
    h.setXyztUnits(3, 'usec');
    expect(h.getXyztUnits()).toEqual(['micron', 'usec']);
    h.setXyztUnits();
    expect(h.get('xyzt_units')).toBe(0);
    expect(() => h.setXyztUnits('furlong')).toThrow(RangeError);
    h.set('xyzt_units', 5);
    expect(h.getXyztUnits()).toEqual(['unknown code 5', 'unknown']);
  });

  it('dim_info', () => {
    const h = new Nifti1Header();
    h.setDimInfo(1, 2, 0);
    expect(h.getDimInfo()).toEqual([1, 2, 0]);
    h.setDimInfo(1, null, 0);
    expect(h.getDimInfo()).toEqual([1, null, 0]);
    h.setDimInfo();
    expect(h.getDimInfo()).toEqual([null, null, null]);
    expect(() => h.setDimInfo(3)).toThrow(HeaderDataError);
    h.set('dim_info', 57);
    expect(h.getDimInfo()).toEqual([0, 1, 2]);
  });

  it('intent', () => {
    const h = new Nifti1Header();
    h.setIntent('t test', [10], 'some score');
    expect(h.getIntent()).toEqual(['t test', [10], 'some score']);
    expect(h.getIntent({ codeRepr: 'code' })).toEqual([3, [10], 'some score']);
    h.setIntent('f test');
    expect(h.getIntent()).toEqual(['f test', [0, 0], '']);
    h.setIntent('NIFTI_INTENT_TIMESERIES');
    expect(h.getIntent()).toEqual(['time series', [], '']);
    h.setIntent(9999, [], '', { allowUnknown: true });
    expect(h.getIntent()).toEqual(['unknown code 9999', [], '']);
    expect(() => h.setIntent(9999)).toThrow(RangeError);
    expect(() => h.setIntent('f test', [1])).toThrow(HeaderDataError);
  });

  it('slice timing (nibabel docstrings)', () => {
    const h = new Nifti1Header();
    expect(() => h.getSliceDuration()).toThrow(HeaderDataError);
    h.setDimInfo(null, null, 2);
    h.setDataShape([1, 1, 7]);
    h.setSliceDuration(0.1);
    h.set('slice_code', 1);
    expectClose(h.getSliceTimes(), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 1e-7);
    h.setSliceTimes([null, 0.2, 0.4, 0.1, 0.3, 0.0, null]);
    expect(h.getValueLabel('slice_code')).toBe('alternating decreasing');
    expect([h.get('slice_start'), h.get('slice_end')]).toEqual([1, 5]);
    expectClose(h.getSliceTimes(), [null, 0.2, 0.4, 0.1, 0.3, 0, null], 1e-7);
    expect(() => h.setSliceTimes([0, 0.3, 0.1, 0.2, 0.5, 0.6, 0.4])).toThrow(HeaderDataError);
    expect(() => h.setSliceTimes([0, 1, 2])).toThrow(HeaderDataError);
    expect(() => h.setSliceTimes([null, 0, null, 0.1, 0.2, 0.3, null])).toThrow(HeaderDataError);
    h.set('slice_code', 0);
    expect(() => h.getSliceTimes()).toThrow(HeaderDataError);
  });

  it('slope and intercept', () => {
    const h = new Nifti1Header();
    expect(h.getSlopeInter()).toEqual([1, 0]);
    h.set('scl_slope', 0);
    expect(h.getSlopeInter()).toEqual([null, null]);
    h.set('scl_slope', Number.NaN);
    expect(h.getSlopeInter()).toEqual([null, null]);
    h.set('scl_slope', 1);
    h.set('scl_inter', 1);
    expect(h.getSlopeInter()).toEqual([1, 1]);
    h.set('scl_inter', Infinity);
    expect(() => h.getSlopeInter()).toThrow(HeaderDataError);
    h.setSlopeInter(null);
    expect([h.get('scl_slope'), h.get('scl_inter')]).toEqual([Number.NaN, Number.NaN]);
    h.setSlopeInter(2, 10);
    expect(h.getSlopeInter()).toEqual([2, 10]);
    expect(() => h.setSlopeInter(0)).toThrow(HeaderDataError);
    expect(() => h.setSlopeInter(2, Infinity)).toThrow(HeaderDataError);
    expect(() => h.setSlopeInter(2)).toThrow(HeaderDataError);
  });

  it('qform/sform code rules and strip_shears', () => {
    const h = new Nifti1Header();
    const aff = [
      [1, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 3, 0],
      [0, 0, 0, 1],
    ];
    expect(h.getQform({ coded: true })).toEqual([null, 0]);
    h.setQform(aff);
    expect(h.getQform()).toEqual(aff);
    expect(h.get('qform_code')).toBe(2);
    h.setQform(aff, 'talairach');
    h.setQform(aff, null);
    expect(h.get('qform_code')).toBe(3);
    h.setQform(null);
    expect(h.get('qform_code')).toBe(0);
    h.setSform(aff);
    expect(h.getSform({ coded: true })).toEqual([aff, 2]);
    h.setSform(aff, 'NIFTI_XFORM_MNI_152');
    expect(h.get('sform_code')).toBe(4);
    const sheared = [
      [1, 0.5, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    expect(() => h.setQform(sheared, 1, { stripShears: false })).toThrow(HeaderDataError);
    expect(() => h.setQform(sheared, 1, { strip_shears: false })).toThrow(HeaderDataError);
    expect(() => h.setQform([[1, 0, 0]], 1)).toThrow(TypeError);
    h.setQform(sheared, 1);
    expect(h.get('qform_code')).toBe(1);
    // diag(-2, 2, 2) → qfac −1, (b, c, d) = (0, 1, 0), as nibabel.md records.
    h.setQform([
      [-2, 0, 0, 1],
      [0, 2, 0, 2],
      [0, 0, 2, 3],
      [0, 0, 0, 1],
    ]);
    expect([h.get('pixdim') as number[]].map((p) => p[0])[0]).toBe(-1);
    expect([h.get('quatern_b'), h.get('quatern_c'), h.get('quatern_d')]).toEqual([0, 1, 0]);
    expectClose(h.getQform(), [
      [-2, 0, 0, 1],
      [0, 2, 0, 2],
      [0, 0, 2, 3],
      [0, 0, 0, 1],
    ], 0);
  });

  it('getBestAffine: sform, then qform, then the base affine', () => {
    const h = new Nifti1Header();
    h.setDataShape([4, 5, 6]);
    h.setZooms([3, 2, 1]);
    expect(h.getBestAffine()).toEqual([
      [-3, 0, 0, 4.5],
      [0, 2, 0, -4],
      [0, 0, 1, -2.5],
      [0, 0, 0, 1],
    ]);
    const q = [
      [2, 0, 0, 1],
      [0, 2, 0, 1],
      [0, 0, 2, 1],
      [0, 0, 0, 1],
    ];
    h.setQform(q, 1);
    expect(h.getBestAffine()).toEqual(q);
    const s = [
      [1, 0, 0, 7],
      [0, 1, 0, 7],
      [0, 0, 1, 7],
      [0, 0, 0, 1],
    ];
    h.setSform(s, 1);
    expect(h.getBestAffine()).toEqual(s);
    // reliability.md H30 at read time: an unusable sform is skipped.
    h.set('srow_x', [Number.NaN, 0, 0, 0]);
    expect(h.getBestAffine()).toEqual(q);
  });

  it('copy: independent fields, same extension objects in a new list', () => {
    const h = new Nifti1Header();
    h.extensions.push(new NiftiExtension('comment', 'hello'));
    const c = h.copy();
    expect(c).toBeInstanceOf(Nifti1Header);
    c.set('descrip', 'changed');
    expect(h.get('descrip')).toBe('');
    expect(c.extensions).not.toBe(h.extensions);
    expect(c.extensions[0]).toBe(h.extensions[0]);
    const p = new Nifti1PairHeader().copy();
    expect(p).toBeInstanceOf(Nifti1PairHeader);
    expect(p.isSingle).toBe(false);
  });

  it('fromHeader converts between NIfTI classes, keeping fields and extensions', () => {
    const h = new Nifti1Header({ endianness: '>' });
    h.setDataDtype('int16');
    h.setDataShape([3, 4, 5]);
    h.setZooms([1, 2, 3]);
    h.set('descrip', 'kept');
    h.extensions.push(new NiftiExtension(6, 'ext'));
    const p = Nifti1PairHeader.fromHeader(h);
    expect(p).toBeInstanceOf(Nifti1PairHeader);
    expect(p.get('magic')).toBe('ni1');
    expect(p.get('descrip')).toBe('kept');
    expect(p.getDataShape()).toEqual([3, 4, 5]);
    expect(p.extensions[0]!.text).toBe('ext');
    expect(Nifti1Header.fromHeader(null).getDataShape()).toEqual([0]);
    const same = Nifti1Header.fromHeader(h);
    expect(same).not.toBe(h);
    expect(same.endianness).toBe('>');
  });

  it('toBytes: vox_offset 0 becomes 352 + extensions; too small a non-zero offset is refused', () => {
    const h = new Nifti1Header();
    h.extensions.push(new NiftiExtension(6, 'x'.repeat(9)));
    const b = h.toBytes();
    expect(b.length).toBe(352 + 32);
    expect(new DataView(b.buffer).getFloat32(108, true)).toBe(384);
    expect(h.get('vox_offset')).toBe(0);
    expect([...b.subarray(348, 352)]).toEqual([1, 0, 0, 0]);
    h.setDataOffset(360);
    expect(() => h.toBytes()).toThrow(expect.objectContaining({ code: 'BAD_VOX_OFFSET' }));
    const p = new Nifti1PairHeader();
    expect(p.toBytes().length).toBe(348);
    p.extensions.push(new NiftiExtension(6, 'y'));
    expect(p.toBytes().length).toBe(348 + 4 + 16);
  });

  it('sniffing: mayContainHeader and magicOf', () => {
    const b = new Nifti1Header().toBytes();
    expect(Nifti1Header.mayContainHeader(b)).toBe(true);
    expect(Nifti1Header.magicOf(b)).toBe('n+1');
    expect(Nifti1Header.mayContainHeader(b.subarray(0, 300))).toBe(false);
    expect(Nifti1Header.magicOf(b.subarray(0, 300))).toBeNull();
    const be = new Nifti1PairHeader({ endianness: '>' }).toBytes();
    expect(Nifti1Header.mayContainHeader(be)).toBe(true);
    expect(Nifti1Header.magicOf(be)).toBe('ni1');
    const bad = b.slice();
    bad[344] = 0x41;
    expect(Nifti1Header.mayContainHeader(bad)).toBe(false);
    const noSize = b.slice();
    noSize.fill(0, 0, 4);
    expect(Nifti1Header.mayContainHeader(noSize)).toBe(false);
    expect(Nifti1Header.sizeofHdr).toBe(348);
    expect(new Nifti1Header().sizeofHdr).toBe(348);
  });

  it('fromBytes with isSingle: false reads extensions to the end of the bytes', () => {
    const h = new Nifti1PairHeader();
    h.setDataShape([2, 2, 2]);
    h.extensions.push(new NiftiExtension(6, 'pair ext'));
    const b = h.toBytes();
    expect(Nifti1PairHeader.fromBytes(b).extensions.map((e) => e.text)).toEqual(['pair ext']);
    const asSingle = Nifti1Header.fromBytes(b, { isSingle: false });
    expect(asSingle.isSingle).toBe(false);
    expect(asSingle.extensions.map((e) => e.text)).toEqual(['pair ext']);
  });
});
