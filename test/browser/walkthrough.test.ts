// nibabel's "Images and memory" walkthrough, in Chromium.
import sampleUrl from '../../public/sample.nii.gz?url';
import { walkthroughSuite } from '../shared/walkthrough';

walkthroughSuite(async () => new Uint8Array(await (await fetch(sampleUrl)).arrayBuffer()), 'sample.nii.gz');
