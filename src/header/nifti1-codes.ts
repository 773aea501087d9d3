/**
 * The NIfTI-1 layout and code tables (nibabel's `nifti1.py` module level: `header_dtd`,
 * `xform_codes`, `unit_codes`, `slice_order_codes`, `intent_codes`, and the datatype labels
 * of `data_type_codes`, which extend Analyze's). Shared by the NIfTI-1 and NIfTI-2 headers;
 * pure data.
 */
import { ANALYZE_DATATYPE_ROWS } from './analyze-layout.js';
import { Recoder } from './recoder.js';
import { type FieldDecl, StructLayout } from './wrapstruct.js';

/** The NIfTI-1 fields, in order, with nibabel's names (`nifti1.header_dtd`). */
export const NIFTI1_FIELDS: readonly FieldDecl[] = [
  { name: 'sizeof_hdr', type: 'i4' }, // 0
  { name: 'data_type', type: 'S', count: 10 }, // 4
  { name: 'db_name', type: 'S', count: 18 }, // 14
  { name: 'extents', type: 'i4' }, // 32
  { name: 'session_error', type: 'i2' }, // 36
  { name: 'regular', type: 'S', count: 1 }, // 38
  { name: 'dim_info', type: 'u1' }, // 39
  { name: 'dim', type: 'i2', count: 8 }, // 40
  { name: 'intent_p1', type: 'f4' }, // 56
  { name: 'intent_p2', type: 'f4' }, // 60
  { name: 'intent_p3', type: 'f4' }, // 64
  { name: 'intent_code', type: 'i2' }, // 68
  { name: 'datatype', type: 'i2' }, // 70
  { name: 'bitpix', type: 'i2' }, // 72
  { name: 'slice_start', type: 'i2' }, // 74
  { name: 'pixdim', type: 'f4', count: 8 }, // 76
  { name: 'vox_offset', type: 'f4' }, // 108
  { name: 'scl_slope', type: 'f4' }, // 112
  { name: 'scl_inter', type: 'f4' }, // 116
  { name: 'slice_end', type: 'i2' }, // 120
  { name: 'slice_code', type: 'u1' }, // 122
  { name: 'xyzt_units', type: 'u1' }, // 123
  { name: 'cal_max', type: 'f4' }, // 124
  { name: 'cal_min', type: 'f4' }, // 128
  { name: 'slice_duration', type: 'f4' }, // 132
  { name: 'toffset', type: 'f4' }, // 136
  { name: 'glmax', type: 'i4' }, // 140
  { name: 'glmin', type: 'i4' }, // 144
  { name: 'descrip', type: 'S', count: 80 }, // 148
  { name: 'aux_file', type: 'S', count: 24 }, // 228
  { name: 'qform_code', type: 'i2' }, // 252
  { name: 'sform_code', type: 'i2' }, // 254
  { name: 'quatern_b', type: 'f4' }, // 256
  { name: 'quatern_c', type: 'f4' }, // 260
  { name: 'quatern_d', type: 'f4' }, // 264
  { name: 'qoffset_x', type: 'f4' }, // 268
  { name: 'qoffset_y', type: 'f4' }, // 272
  { name: 'qoffset_z', type: 'f4' }, // 276
  { name: 'srow_x', type: 'f4', count: 4 }, // 280
  { name: 'srow_y', type: 'f4', count: 4 }, // 296
  { name: 'srow_z', type: 'f4', count: 4 }, // 312
  { name: 'intent_name', type: 'S', count: 16 }, // 328
  { name: 'magic', type: 'S', count: 4 }, // 344
];

/** The 348-byte NIfTI-1 layout. */
export const NIFTI1_LAYOUT = new StructLayout(NIFTI1_FIELDS);

/** qform/sform codes (`xform_codes`); 5 is NIfTI-2's `TEMPLATE_OTHER`, which nibabel accepts. */
export const XFORM_CODES = new Recoder([
  [0, 'unknown', 'NIFTI_XFORM_UNKNOWN'],
  [1, 'scanner', 'NIFTI_XFORM_SCANNER_ANAT'],
  [2, 'aligned', 'NIFTI_XFORM_ALIGNED_ANAT'],
  [3, 'talairach', 'NIFTI_XFORM_TALAIRACH'],
  [4, 'mni', 'NIFTI_XFORM_MNI_152'],
  [5, 'template', 'NIFTI_XFORM_TEMPLATE_OTHER'],
]);

/** Unit codes of `xyzt_units` (`unit_codes`). */
export const UNIT_CODES = new Recoder([
  [0, 'unknown'],
  [1, 'meter'],
  [2, 'mm'],
  [3, 'micron'],
  [8, 'sec'],
  [16, 'msec'],
  [24, 'usec'],
  [32, 'hz'],
  [40, 'ppm'],
  [48, 'rads'],
]);

/** Slice acquisition orders of `slice_code` (`slice_order_codes`). */
export const SLICE_ORDER_CODES = new Recoder([
  [0, 'unknown'],
  [1, 'sequential increasing', 'seq inc'],
  [2, 'sequential decreasing', 'seq dec'],
  [3, 'alternating increasing', 'alt inc'],
  [4, 'alternating decreasing', 'alt dec'],
  [5, 'alternating increasing 2', 'alt inc 2'],
  [6, 'alternating decreasing 2', 'alt dec 2'],
]);

// [code, number of parameters, label, niistring(s)] — nibabel's `intent_codes`, including the
// CIFTI-2 codes that `import nibabel` registers.
const INTENT_ROWS: readonly (readonly [number, number, string, ...string[]])[] = [
  [0, 0, 'none', 'NIFTI_INTENT_NONE'],
  [2, 1, 'correlation', 'NIFTI_INTENT_CORREL'],
  [3, 1, 't test', 'NIFTI_INTENT_TTEST'],
  [4, 2, 'f test', 'NIFTI_INTENT_FTEST'],
  [5, 0, 'z score', 'NIFTI_INTENT_ZSCORE'],
  [6, 1, 'chi2', 'NIFTI_INTENT_CHISQ'],
  [7, 2, 'beta', 'NIFTI_INTENT_BETA'],
  [8, 2, 'binomial', 'NIFTI_INTENT_BINOM'],
  [9, 2, 'gamma', 'NIFTI_INTENT_GAMMA'],
  [10, 1, 'poisson', 'NIFTI_INTENT_POISSON'],
  [11, 2, 'normal', 'NIFTI_INTENT_NORMAL'],
  [12, 3, 'non central f test', 'NIFTI_INTENT_FTEST_NONC'],
  [13, 2, 'non central chi2', 'NIFTI_INTENT_CHISQ_NONC'],
  [14, 2, 'logistic', 'NIFTI_INTENT_LOGISTIC'],
  [15, 2, 'laplace', 'NIFTI_INTENT_LAPLACE'],
  [16, 2, 'uniform', 'NIFTI_INTENT_UNIFORM'],
  [17, 2, 'non central t test', 'NIFTI_INTENT_TTEST_NONC'],
  [18, 2, 'weibull', 'NIFTI_INTENT_WEIBULL'],
  [19, 1, 'chi', 'NIFTI_INTENT_CHI'],
  [20, 2, 'inverse gaussian', 'NIFTI_INTENT_INVGAUSS'],
  [21, 2, 'extreme value 1', 'NIFTI_INTENT_EXTVAL'],
  [22, 0, 'p value', 'NIFTI_INTENT_PVAL'],
  [23, 0, 'log p value', 'NIFTI_INTENT_LOGPVAL'],
  [24, 0, 'log10 p value', 'NIFTI_INTENT_LOG10PVAL'],
  [1001, 0, 'estimate', 'NIFTI_INTENT_ESTIMATE'],
  [1002, 0, 'label', 'NIFTI_INTENT_LABEL'],
  [1003, 0, 'neuroname', 'NIFTI_INTENT_NEURONAME'],
  [1004, 2, 'general matrix', 'NIFTI_INTENT_GENMATRIX'],
  [1005, 1, 'symmetric matrix', 'NIFTI_INTENT_SYMMATRIX'],
  [1006, 0, 'displacement vector', 'NIFTI_INTENT_DISPVECT'],
  [1007, 0, 'vector', 'NIFTI_INTENT_VECTOR'],
  [1008, 0, 'pointset', 'NIFTI_INTENT_POINTSET'],
  [1009, 0, 'triangle', 'NIFTI_INTENT_TRIANGLE'],
  [1010, 0, 'quaternion', 'NIFTI_INTENT_QUATERNION'],
  [1011, 0, 'dimensionless', 'NIFTI_INTENT_DIMLESS'],
  [2001, 0, 'time series', 'NIFTI_INTENT_TIME_SERIES', 'NIFTI_INTENT_TIMESERIES'],
  [2002, 0, 'node index', 'NIFTI_INTENT_NODE_INDEX'],
  [2003, 0, 'rgb vector', 'NIFTI_INTENT_RGB_VECTOR'],
  [2004, 0, 'rgba vector', 'NIFTI_INTENT_RGBA_VECTOR'],
  [2005, 0, 'shape', 'NIFTI_INTENT_SHAPE'],
  [2006, 0, 'fnirt disp field', 'FSL_FNIRT_DISPLACEMENT_FIELD'],
  [2007, 0, 'fnirt cubic spline coef', 'FSL_CUBIC_SPLINE_COEFFICIENTS'],
  [2008, 0, 'fnirt dct coef', 'FSL_DCT_COEFFICIENTS'],
  [2009, 0, 'fnirt quad spline coef', 'FSL_QUADRATIC_SPLINE_COEFFICIENTS'],
  // The trailing space is nibabel's.
  [2016, 0, 'topup cubic spline coef ', 'FSL_TOPUP_CUBIC_SPLINE_COEFFICIENTS'],
  [2017, 0, 'topup quad spline coef', 'FSL_TOPUP_QUADRATIC_SPLINE_COEFFICIENTS'],
  [2018, 0, 'topup field', 'FSL_TOPUP_FIELD'],
  [3000, 0, 'ConnUnknown', 'NIFTI_INTENT_CONNECTIVITY_UNKNOWN'],
  [3001, 0, 'ConnDense', 'NIFTI_INTENT_CONNECTIVITY_DENSE'],
  [3002, 0, 'ConnDenseSeries', 'NIFTI_INTENT_CONNECTIVITY_DENSE_SERIES'],
  [3003, 0, 'ConnParcels', 'NIFTI_INTENT_CONNECTIVITY_PARCELLATED'],
  [3004, 0, 'ConnParcelSries', 'NIFTI_INTENT_CONNECTIVITY_PARCELLATED_SERIES'],
  [3006, 0, 'ConnDenseScalar', 'NIFTI_INTENT_CONNECTIVITY_DENSE_SCALARS'],
  [3007, 0, 'ConnDenseLabel', 'NIFTI_INTENT_CONNECTIVITY_DENSE_LABELS'],
  [3008, 0, 'ConnParcelScalr', 'NIFTI_INTENT_CONNECTIVITY_PARCELLATED_SCALAR'],
  [3009, 0, 'ConnParcelDense', 'NIFTI_INTENT_CONNECTIVITY_PARCELLATED_DENSE'],
  [3010, 0, 'ConnDenseParcel', 'NIFTI_INTENT_CONNECTIVITY_DENSE_PARCELLATED'],
  [3011, 0, 'ConnPPSr', 'NIFTI_INTENT_CONNECTIVITY_PARCELLATED_PARCELLATED_SERIES'],
  [3012, 0, 'ConnPPSc', 'NIFTI_INTENT_CONNECTIVITY_PARCELLATED_PARCELLATED_SCALAR'],
];

/** Intent codes and labels (`intent_codes`). */
export const INTENT_CODES = new Recoder(INTENT_ROWS.map(([c, , l, ...a]) => [c, l, ...a] as const));
/** How many intent parameters each intent code takes. */
export const INTENT_NPARAMS = new Map<number, number>(INTENT_ROWS.map(([c, n]) => [c, n]));

/** nibabel's datatype labels (`data_type_codes` label column) for `getValueLabel('datatype')`. */
export const DATATYPE_LABELS = new Recoder([
  ...ANALYZE_DATATYPE_ROWS,
  [256, 'int8'],
  [512, 'uint16'],
  [768, 'uint32'],
  [1024, 'int64'],
  [1280, 'uint64'],
  [1536, 'float128'],
  [1792, 'complex128'],
  [2048, 'complex256'],
  [2304, 'RGBA'],
]);

/** The coded NIfTI fields and their tables, for `getValueLabel`. */
export const NIFTI_FIELD_RECODERS: Record<string, Recoder> = {
  datatype: DATATYPE_LABELS,
  qform_code: XFORM_CODES,
  sform_code: XFORM_CODES,
  intent_code: INTENT_CODES,
  slice_code: SLICE_ORDER_CODES,
};

