// Dtype conversion, byte swap and scl_slope/scl_inter scaling kernels.
export {};
