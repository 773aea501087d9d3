/**
 * webpack entry of the consumer bundling test page (webpack/index.html, built by run.mjs's
 * buildWebpack with webpack's Node API): the fixture comes through webpack 5's
 * `new URL(…, import.meta.url)` asset handling; what the page checks is app.js, shared with
 * the Vite entry (main.ts).
 */
import { run } from '../app.js';

run(new URL('../../fixtures/viewer/asym.nii.gz', import.meta.url));
