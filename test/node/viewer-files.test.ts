/**
 * The viewer's drop grouping and error reports (examples/viewer/files.ts).
 */
import { describe, expect, it } from 'vitest';
import { describeError, groupFiles, isAbort } from '../../examples/viewer/files';
import { DecompressionError, ImageFileError } from '../../src/errors';

const f = (name: string) => ({ name });
const names = (files: { name: string }[]) => groupFiles(files).map((g) => [g.name, g.files.map((x) => x.name)]);

describe('groupFiles', () => {
  it('pairs .hdr with .img by stem, in any order and case, keeping the drop order', () => {
    expect(names([f('a.nii.gz'), f('b.img'), f('c.nii'), f('B.HDR')])).toEqual([
      ['a.nii.gz', ['a.nii.gz']],
      ['B.HDR + b.img', ['b.img', 'B.HDR']],
      ['c.nii', ['c.nii']],
    ]);
  });
  it("puts SPM's .mat with the pair of its stem, and leaves an unmatched .mat alone", () => {
    expect(names([f('s.mat'), f('s.img'), f('other.mat'), f('s.hdr')])).toEqual([
      ['s.hdr + s.img', ['s.img', 's.hdr', 's.mat']],
      ['other.mat', ['other.mat']],
    ]);
  });

  it('handles gzipped pair members and several pairs', () => {
    expect(names([f('x.hdr.gz'), f('y.hdr'), f('x.img.gz'), f('y.img')])).toEqual([
      ['x.hdr.gz + x.img.gz', ['x.hdr.gz', 'x.img.gz']],
      ['y.hdr + y.img', ['y.hdr', 'y.img']],
    ]);
  });
  it('leaves a lone or doubled member on its own so the loader can say what is missing', () => {
    expect(names([f('lone.hdr'), f('two.img'), f('two.img')])).toEqual([
      ['lone.hdr', ['lone.hdr']],
      ['two.img', ['two.img']],
      ['two.img', ['two.img']],
    ]);
  });
  it('gives nothing for nothing', () => {
    expect(groupFiles([])).toEqual([]);
  });
});

describe('describeError', () => {
  it('reports nibweb errors by class and code', () => {
    const r = describeError(new ImageFileError('not a NIfTI file', { code: 'NOT_AN_IMAGE' }), 'bad.nii');
    expect(r).toEqual({ file: 'bad.nii', kind: 'ImageFileError', code: 'NOT_AN_IMAGE', message: 'not a NIfTI file' });
    expect(describeError(new DecompressionError('bad', { code: 'GZIP_TRUNCATED', offset: 3 }), 'x').kind).toBe('DecompressionError');
  });
  it('reports other errors by name and message', () => {
    expect(describeError(new RangeError('too big'), 'x')).toEqual({ file: 'x', kind: 'RangeError', message: 'too big' });
    expect(describeError('oops', 'x')).toEqual({ file: 'x', kind: 'Error', message: 'oops' });
  });
  it('recognises aborts', () => {
    expect(isAbort(new DOMException('stop', 'AbortError'))).toBe(true);
    expect(isAbort(new Error('stop'))).toBe(false);
  });
});
