/**
 * The viewer's error reports (examples/viewer/files.ts), and what the page relies on when it
 * loads a drop group by group with the library's `groupFiles` + `loadFiles`: each group is
 * one image or one failure that `describeError` turns into file, class, code and message.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeError, isAbort, type ErrorReport } from '../../examples/viewer/files';
import { DecompressionError, ImageFileError, groupFiles, loadFiles } from '../../src/index';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'viewer');
/** A fixture as a dropped File, optionally under another name. */
const file = (name: string, as = name) => new File([readFileSync(join(fixtures, name))], as);

describe('describeError', () => {
  it('reports nibweb errors by class and code', () => {
    const r = describeError(new ImageFileError('not a NIfTI file', { code: 'NOT_AN_IMAGE' }), 'bad.nii');
    expect(r).toEqual({ file: 'bad.nii', kind: 'ImageFileError', code: 'NOT_AN_IMAGE', message: 'not a NIfTI file' });
    expect(describeError(new DecompressionError('bad', { code: 'GZIP_TRUNCATED', offset: 3 }), 'x').kind).toBe('DecompressionError');
  });
  it('reports other errors by name and message, with a string code when they have one', () => {
    expect(describeError(new RangeError('too big'), 'x')).toEqual({ file: 'x', kind: 'RangeError', message: 'too big' });
    expect(describeError(Object.assign(new Error('gone'), { code: 'ENOENT' }), 'x')).toEqual({ file: 'x', kind: 'Error', code: 'ENOENT', message: 'gone' });
    expect(describeError(new DOMException('stop', 'AbortError'), 'x')).toEqual({ file: 'x', kind: 'AbortError', message: 'stop' });
    expect(describeError('oops', 'x')).toEqual({ file: 'x', kind: 'Error', message: 'oops' });
  });
  it('recognises aborts', () => {
    expect(isAbort(new DOMException('stop', 'AbortError'))).toBe(true);
    expect(isAbort(new Error('stop'))).toBe(false);
    expect(isAbort(undefined)).toBe(false);
  });
});

describe('a mixed drop, group by group as the page loads it', () => {
  it('gives one image per good group and one report per bad one, naming file, class and code', async () => {
    const drop = [
      file('asym.nii.gz'),
      file('not-an-image.nii'),
      file('pair.img'),
      file('truncated.nii.gz'),
      file('pair.hdr', 'lonely.hdr'),
      file('pair.hdr'),
    ];
    const shown: Record<string, string[] | ErrorReport> = {};
    for (const group of groupFiles(drop)) {
      try {
        // The page: loadFiles on the group's files, then the float32 array for the views.
        const images = await loadFiles(group.files);
        expect(images, group.name).toHaveLength(1);
        await images[0]!.getFdata({ dtype: 'float32' });
        shown[group.name] = images[0]!.shape.map(String);
      } catch (err) {
        shown[group.name] = describeError(err, group.name);
      }
    }
    expect(Object.keys(shown)).toEqual(['asym.nii.gz', 'not-an-image.nii', 'pair.hdr + pair.img', 'truncated.nii.gz', 'lonely.hdr']);
    expect(shown['asym.nii.gz']).toEqual(['36', '40', '30']);
    expect(shown['pair.hdr + pair.img']).toEqual(['24', '20', '12']);
    expect(shown['not-an-image.nii']).toMatchObject({ file: 'not-an-image.nii', kind: 'ImageFileError', code: expect.stringMatching(/^NOT_/) });
    expect(shown['truncated.nii.gz']).toMatchObject({ kind: expect.stringMatching(/^(DecompressionError|ImageDataError)$/), code: expect.any(String) });
    expect(shown['lonely.hdr']).toMatchObject({ kind: 'ImageFileError', code: 'MISSING_PAIR_MEMBER', message: expect.stringContaining('lonely.img') });
  });
});
