// DESIGN.md's memory rules, in Chromium (where the ~125-memories-per-page cap lives).
import { memorySuite } from '../shared/memory';

memorySuite();
