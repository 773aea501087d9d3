/** Types of run.mjs, the consumer bundling test runner (see there). */
export declare const here: string;
export declare const root: string;
/** Builds dist/ and wasm/build/ when missing or older than the sources. */
export declare function ensureBuilt(log?: (msg: string) => void): void;
/** `npm pack` the repository; returns the tarball path and the paths it holds. */
export declare function pack(): { tarball: string; files: string[] };
/** Extracts the tarball into test/consumer/node_modules/nibweb; returns that directory. */
export declare function install(tarball: string): string;
/** `vite build` the consumer; returns the built files relative to test/consumer/dist. */
export declare function build(): string[];
/** webpack 5 (Node API) builds test/consumer/webpack into test/consumer/dist-webpack; returns its files and warnings. */
export declare function buildWebpack(): Promise<{ files: string[]; warnings: string[] }>;
/** Steps 1–3 at once, with Vite (the default) or webpack. */
export declare function prepare(log?: (msg: string) => void, bundler?: 'vite' | 'webpack'): Promise<{ packed: string[]; installed: string; built: string[] }>;
/** Serves a consumer build (test/consumer/`outDir`, default `dist`) with `vite preview` on 127.0.0.1:`port`. */
export declare function preview(port: number, outDir?: 'dist' | 'dist-webpack'): Promise<{ url: string; close: () => Promise<void> }>;
/** The installed package.json. */
export declare function installedManifest(): { name: string; version: string; [k: string]: unknown };
/** Node built-ins a built bundle imports: what breaks a browser bundle, and the allowed run-time `import()`s. */
export declare function nodeImports(code: string): {
  problems: string[];
  dynamic: { specifier: string; ignored: boolean }[];
  opaque: { expression: string; ignored: boolean }[];
};
