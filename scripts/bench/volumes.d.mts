// Types of volumes.mjs for the TypeScript callers (test/e2e/worker-longtask.spec.ts).

/** One benchmark volume as `VOLUMES` lists it. */
export interface Volume {
  name: string;
  label: string;
  shape: number[];
  dtype: string;
  slope: number;
  inter: number;
  zooms: number[];
}

export const GENERATOR_VERSION: number;
export const VOLUMES: Volume[];

/** Builds the volumes once into node_modules/.cache/nibweb-bench/ and returns their paths. */
export function ensureVolumes(
  repoRoot: string,
  log: (message: string) => void,
): (Volume & { nii: string; gz: string; niiBytes: number; gzBytes: number })[];
