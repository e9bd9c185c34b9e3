// A quick fuzz run over the BTF parser (a few seconds); scripts/fuzz-btf.ts runs the same properties for longer.

import { test } from "node:test";
import fc from "fast-check";
import { fuzzProperties } from "./fuzz.js";

// About 5,000 cases in all: enough to catch regressions quickly, well under the 5-second budget.
const QUICK_CASES = 5000;

for (const p of fuzzProperties()) {
  test(`fuzz: ${p.name} (only BtfError escapes)`, () => {
    fc.assert(p.property, { numRuns: Math.ceil(QUICK_CASES * p.weight) });
  });
}
