/**
 * Vite entry of the consumer bundling test page (index.html): the fixture comes through
 * Vite's `?url` import; what the page checks is app.js, shared with the webpack entry.
 */
import fixtureUrl from '../fixtures/viewer/asym.nii.gz?url';
import { run } from './app.js';

await run(fixtureUrl);
