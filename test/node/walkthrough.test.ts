// nibabel's "Images and memory" walkthrough, in Node.
import { readFile } from 'node:fs/promises';
import { walkthroughSuite } from '../shared/walkthrough';

walkthroughSuite(async () => new Uint8Array(await readFile(new URL('../../public/sample.nii.gz', import.meta.url))), 'sample.nii.gz');
