// The image-API contract (test/shared/image-api.ts) for every image class, in Node: one maker
// per class. Adding a format adds a maker here, not tests.
import {
  AnalyzeHeader,
  AnalyzeImage,
  type DType,
  MGHHeader,
  MGHImage,
  Nifti1Header,
  Nifti1Image,
  Nifti1Pair,
  Nifti1PairHeader,
  Nifti2Header,
  Nifti2Image,
  Nifti2Pair,
  Nifti2PairHeader,
  Spm2AnalyzeHeader,
  Spm2AnalyzeImage,
  Spm99AnalyzeHeader,
  Spm99AnalyzeImage,
} from '../../src/index';
import { type Endian, type ImageKlass, type ImageMaker, imageApiSuites, pairFiles, singleFile } from '../shared/image-api';

type H = typeof AnalyzeHeader;

/** An Analyze-family header of class `K`: the dtype set, byte-swapped to '>' when asked. */
const analyzeHeader = (K: H) => (dtype: DType, endian: Endian) => {
  const h = new K();
  h.setDataDtype(dtype);
  return endian === '>' ? h.asByteswapped('>') : h;
};

const k = (c: unknown): ImageKlass => c as ImageKlass;
const BOTH: Endian[] = ['<', '>'];

/** The Analyze family's common expectations: pairs, both byte orders, 1-D and 2-D data, `dtype=` in the constructor. */
const analyzeFamily = { pair: true, endians: BOTH, lowDims: true, dtypeOverride: true, files: pairFiles() } as const;

const MAKERS: ImageMaker[] = [
  {
    // nibabel's load order reads every non-NIfTI pair as SPM2; an Analyze file keeps only zooms.
    ...analyzeFamily, klass: k(AnalyzeImage), loadsAs: k(Spm2AnalyzeImage), format: 'analyze', sniffs: ['analyze', 'nifti1'],
    dtypes: ['uint8', 'int16', 'float64'], header: analyzeHeader(AnalyzeHeader), headerAffine: 'zooms', filesAffine: 'zooms',
  },
  {
    // The affine travels in SPM's .mat.
    ...analyzeFamily, klass: k(Spm99AnalyzeImage), loadsAs: k(Spm2AnalyzeImage), format: 'analyze', sniffs: ['analyze', 'nifti1'],
    dtypes: ['int16', 'int32', 'float32'], header: analyzeHeader(Spm99AnalyzeHeader), headerAffine: 'zooms', filesAffine: 'affine',
  },
  {
    ...analyzeFamily, klass: k(Spm2AnalyzeImage), loadsAs: k(Spm2AnalyzeImage), format: 'analyze', sniffs: ['analyze'],
    dtypes: ['uint8', 'float32', 'float64'], header: analyzeHeader(Spm2AnalyzeHeader), headerAffine: 'zooms', filesAffine: 'affine',
  },
  {
    ...analyzeFamily, klass: k(Nifti1Pair), loadsAs: k(Nifti1Pair), format: 'nifti1', sniffs: ['nifti1'],
    dtypes: ['int8', 'uint16', 'float64'], header: analyzeHeader(Nifti1PairHeader), headerAffine: 'affine', filesAffine: 'affine',
  },
  {
    ...analyzeFamily, klass: k(Nifti1Image), loadsAs: k(Nifti1Image), format: 'nifti1', sniffs: ['nifti1'], pair: false,
    dtypes: ['uint8', 'int16', 'uint32', 'float32'], header: analyzeHeader(Nifti1Header), headerAffine: 'affine', filesAffine: 'affine',
    files: singleFile('.nii'),
  },
  {
    ...analyzeFamily, klass: k(Nifti2Pair), loadsAs: k(Nifti2Pair), format: 'nifti2', sniffs: ['nifti2'],
    dtypes: ['int16', 'float32'], header: analyzeHeader(Nifti2PairHeader), headerAffine: 'affine', filesAffine: 'affine',
  },
  {
    ...analyzeFamily, klass: k(Nifti2Image), loadsAs: k(Nifti2Image), format: 'nifti2', sniffs: ['nifti2'], pair: false,
    dtypes: ['int32', 'float64'], header: analyzeHeader(Nifti2Header), headerAffine: 'affine', filesAffine: 'affine',
    files: singleFile('.nii'),
  },
  {
    // Always big-endian; the header holds the whole affine (delta, Mdc, Pxyz_c).
    klass: k(MGHImage), loadsAs: k(MGHImage), format: 'mgh', sniffs: ['mgh'], pair: false, endians: ['>'], lowDims: false, dtypeOverride: false,
    dtypes: ['uint8', 'int16', 'float32'], headerAffine: 'affine', filesAffine: 'affine', files: singleFile('.mgh'),
    header: (dtype) => {
      const h = new MGHHeader();
      h.setDataDtype(dtype);
      return h;
    },
  },
];

imageApiSuites(MAKERS);
