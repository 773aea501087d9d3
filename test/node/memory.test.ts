// DESIGN.md's memory rules, in Node.
import { memorySuite } from '../shared/memory';

memorySuite();
