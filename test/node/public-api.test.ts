// The public API, as a snapshot: adding or removing an export is a deliberate change that
// updates this list (zarrita's public-API test). The error classes are part of it.
import { expect, it } from 'vitest';
import * as api from '../../src/index';

it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'AnalyzeHeader',
      'AnalyzeImage',
      'ArgumentError',
      'ArrayProxy',
      'BlobSource',
      'BufferSource',
      'CachedSource',
      'DTYPES',
      'DecompressionError',
      'GzipSource',
      'HeaderDataError',
      'HttpSource',
      'ImageDataError',
      'ImageFileError',
      'IndexError',
      'IndexTypeError',
      'LimitError',
      'MGHHeader',
      'MGHImage',
      'NDArray',
      'NibwebError',
      'NodeFileSource',
      'Nifti1Header',
      'Nifti1Image',
      'Nifti1Pair',
      'Nifti1PairHeader',
      'Nifti2Header',
      'Nifti2Image',
      'Nifti2Pair',
      'Nifti2PairHeader',
      'NiftiExtension',
      'SpatialImage',
      'Spm2AnalyzeHeader',
      'Spm2AnalyzeImage',
      'Spm99AnalyzeHeader',
      'Spm99AnalyzeImage',
      'SpmAnalyzeHeader',
      'UnsupportedError',
      'WasmError',
      'WorkerPool',
      'aff2axcodes',
      'applyAffine',
      'asArray',
      'astype',
      'axcodes2ornt',
      'cStrides',
      'createWorkerPool',
      'dtypeFromNiftiCode',
      'dtypeInfo',
      'fortranStrides',
      'fromMatvec',
      'gunzip',
      'inv4',
      'ioOrientation',
      'isDType',
      'isNibabelError',
      'isProxy',
      'load',
      'loadFiles',
      'loadHeader',
      'applyOrientation',
      'invOrntAff',
      'ornt2axcodes',
      'asClosestCanonical',
      'groupFiles',
      'splitName',
      'IMAGE_CLASSES',
      'orntTransform',
      'setWasmSource',
      'shapeSize',
      'readMatFile',
      'slice',
      'toMatvec',
      'voxelSizes',
      'writeMatV4',
    ].sort(),
  );
});

it('every error class carries its tag, name and code', () => {
  const classes = [
    api.ImageFileError,
    api.HeaderDataError,
    api.ImageDataError,
    api.DecompressionError,
    api.UnsupportedError,
    api.LimitError,
    api.WasmError,
  ];
  for (const C of classes) {
    const e = new C('x', { code: 'SOME_CODE' });
    expect(e).toBeInstanceOf(api.NibwebError);
    expect(e).toBeInstanceOf(Error);
    expect(e._tag).toBe(C.name);
    expect(e.name).toBe(C.name);
    expect(e.code).toBe('SOME_CODE');
    expect(api.isNibabelError(e)).toBe(true);
    expect(api.isNibabelError(e, e._tag as never)).toBe(true);
  }
  expect(api.isNibabelError(new Error('x'))).toBe(false);
  expect(api.isNibabelError(new api.LimitError('x'), 'ImageFileError')).toBe(false);
});

it('the index errors are coded built-ins, outside the family', () => {
  for (const [C, Base] of [[api.IndexError, RangeError], [api.IndexTypeError, TypeError]] as const) {
    const e = new C('x', { code: 'SOME_CODE', cause: 1 });
    expect(e).toBeInstanceOf(Base);
    expect(e._tag).toBe(C.name);
    expect(e.name).toBe(C.name);
    expect(e.code).toBe('SOME_CODE');
    expect(e.cause).toBe(1);
    expect(api.isNibabelError(e)).toBe(false);
  }
});

it('argument misuse is an ArgumentError with a code and the way out', async () => {
  const img = new api.Nifti1Image(new api.NDArray(Int16Array.from([1, 2, 3, 4]), [2, 2, 1]), null);
  const bad = (p: Promise<unknown>, code: string, text: RegExp) =>
    expect(p).rejects.toSatisfy((e) => e instanceof api.ArgumentError && e instanceof TypeError && (e as api.ArgumentError).code === code && text.test((e as Error).message));
  await bad(img.getFdata({ dtype: 'int16' as 'float32' }), 'FDATA_DTYPE', /pass dtype 'float32' or 'float64'.*getData\(\)/);
  await bad(img.getFdata({ caching: 'always' as 'fill' }), 'BAD_CACHING', /"fill" or "unchanged"/);
  const rgb = new api.NDArray(new Uint8Array(12), [2, 2, 1], { dtype: 'rgb24' });
  await bad(Promise.resolve().then(() => api.astype(rgb, 'float32')), 'RGB_CAST', /RGB voxels only copy/);
  await bad(api.load(new Uint8Array(400), { name: 'x.nii', worker: 'yes' as unknown as boolean }), 'BAD_WORKER_OPTION', /takes true, false or a pool/);
  expect(img.inMemory && (await img.getFdata()).dtype).toBe('float64');
});
