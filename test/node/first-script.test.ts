// The first script from a path on disk (load(path); the .hdr finds its .img and .mat).
import { fileURLToPath } from 'node:url';
import { load } from '../../src/index';
import { firstScriptSuite } from '../shared/first-script';

const DIR = fileURLToPath(new URL('../fixtures/first-script/', import.meta.url));

firstScriptSuite((files) => load(DIR + files[0]!));
