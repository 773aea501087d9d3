/**
 * The viewer's header table (examples/viewer/header-table.ts) on real loaded images, one per
 * format family the page branches on: NIfTI single and pair, SPM Analyze with its .mat, MGH.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fmt, headerRows } from '../../examples/viewer/header-table';
import { NDArray, Nifti1Image, NiftiExtension, load, loadFiles, type LoadedImage } from '../../src/index';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const file = (dir: string, name: string) => new File([readFileSync(join(fixtures, dir, name))], name);
const expected = JSON.parse(readFileSync(join(fixtures, 'viewer', 'expected.json'), 'utf8'));

async function one(dir: string, ...names: string[]): Promise<LoadedImage> {
  const images = await loadFiles(names.map((n) => file(dir, n)));
  expect(images).toHaveLength(1);
  return images[0]!;
}

const byKey = (img: LoadedImage, name?: string) => Object.fromEntries(headerRows(img, name).map((r) => [r.key, r]));

describe('headerRows', () => {
  it('shows every NIfTI field of a scaled 4-D .nii.gz', async () => {
    const e = expected.fourd;
    const r = byKey(await one('viewer', 'fourd.nii.gz'), 'fourd.nii.gz');
    expect(Object.keys(r)).toEqual(['file', 'shape', 'zooms', 'units', 'dtype', 'scaling', 'orientation', 'qform', 'sform', 'affine', 'descrip', 'intent', 'extensions']);
    expect(r.file.text).toBe('fourd.nii.gz');
    expect(r.shape.text).toBe('32 × 32 × 16 × 5 (4-D)');
    expect(r.zooms.text).toBe('3 × 3 × 4 mm, 2 sec');
    expect(r.units.text).toBe('mm, sec');
    expect(r.dtype.text).toBe('int16');
    expect(r.scaling.text).toBe('value × 0.5 + 10');
    expect(r.orientation.text).toBe('RAS (voxel axes → RAS+)');
    expect(r.qform.text).toBe('code 0 (unknown) — not used');
    expect(r.qform.matrix).toBeUndefined();
    expect(r.sform.text).toBe('code 2 (aligned)');
    expect(r.sform.matrix).toEqual(e.affine);
    expect(r.affine.matrix).toEqual(e.affine);
    expect(r.descrip.text).toBe(e.descrip);
    expect(r.intent.text).toBe('time series “moving ball”');
    expect(r.extensions.text).toBe('none');
  });

  it('shows both xforms, and "none" for unscaled data', async () => {
    const r = byKey(await one('viewer', 'asym.nii.gz'));
    expect(r.file).toBeUndefined();
    expect(r.orientation.text).toMatch(/^PSL/);
    expect(r.qform.text).toBe('code 1 (scanner)');
    expect(r.sform.text).toBe('code 2 (aligned)');
    expect(r.zooms.text).toBe('2 × 2.5 × 3 mm');
    expect(r.scaling.text).toBe('none (slope 1, intercept 0)');
    expect(r.intent).toBeUndefined();
  });

  it('reads a NIfTI pair like a single file', async () => {
    const r = byKey(await one('viewer', 'pair.img', 'pair.hdr'));
    expect(r.dtype.text).toBe('int16');
    expect(r.descrip.text).toBe('nibweb pair fixture');
    expect(r.qform.text).toBe('code 1 (scanner)');
    expect(r.sform.text).toBe('code 0 (unknown) — not used');
  });

  it('shows extensions as text or as a byte count', async () => {
    const img = new Nifti1Image(new NDArray(new Int16Array(8), [2, 2, 2]), [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    img.header.extensions.push(new NiftiExtension('comment', 'a comment'), new NiftiExtension(4, Uint8Array.of(0, 1, 2, 200)));
    const r = byKey(await load(await img.toBytes(), { name: 'ext.nii' }));
    expect(r.extensions.text).toBe('code 6: 9 B: a comment; code 4: 4 B (binary)');
  });

  it('SPM Analyze: no NIfTI rows, the affine from the .mat', async () => {
    const dir = 'analyze';
    const want = JSON.parse(readFileSync(join(fixtures, dir, 'manifest.json'), 'utf8')).find((x: { id: string }) => x.id === 'mat-v4-mat').as
      .Spm2AnalyzeImage;
    const r = byKey(await one(dir, 'mat-v4-mat.mat', 'mat-v4-mat.img', 'mat-v4-mat.hdr'));
    expect(Object.keys(r)).toEqual(['shape', 'zooms', 'dtype', 'scaling', 'orientation', 'affine']);
    expect(r.affine.matrix).toEqual(want.affine);
  });

  it('MGH: the scan parameters, no NIfTI or Analyze rows', async () => {
    const mgh = JSON.parse(readFileSync(join(fixtures, 'mgh', 'manifest.json'), 'utf8'));
    const e = mgh.read.find((x: { id: string }) => x.id === 'float32-3d-mgz');
    const r = byKey(await one('mgh', 'float32-3d-mgz.mgz'));
    expect(Object.keys(r)).toEqual(['shape', 'zooms', 'dtype', 'scaling', 'orientation', 'affine', 'mgh']);
    expect(r.dtype.text).toBe('float32');
    expect(r.mgh.text).toBe(`TR ${e.fields.tr} ms, flip angle ${e.fields.flip_angle} rad, TE ${e.fields.te} ms, TI ${e.fields.ti} ms`);
  });
});

describe('fmt', () => {
  it('keeps integers and trims floats', () => {
    expect(fmt(3)).toBe('3');
    expect(fmt(2.1999990940093994)).toBe('2.2');
    expect(fmt(-1e-20)).toBe('-1e-20');
    expect(fmt(Number.NaN)).toBe('NaN');
  });
});
