// Long fuzz run of the BTF parser: `node build/scripts/fuzz-btf.js [cases=100000] [seed]`; exits 1 on the first failure.

import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { fuzzProperties, stats } from "../test/btf/fuzz.js";

/**
 * Runs every BTF fuzz property, `cases` cases in all (split by each property's weight), printing
 * each property's time; throws fast-check's report (with the seed and a shrunk counterexample) on failure.
 */
export function fuzzBtf(cases: number, seed?: number): void {
  for (const p of fuzzProperties()) {
    const numRuns = Math.max(1, Math.ceil(cases * p.weight));
    const t0 = performance.now();
    stats.cases = stats.parsed = 0;
    fc.assert(p.property, { numRuns, ...(seed === undefined ? {} : { seed }) });
    const parsed = ((100 * stats.parsed) / Math.max(1, stats.cases)).toFixed(0);
    console.log(`${p.name}: ${numRuns} cases (${parsed}% parsed) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const cases = Number(process.argv[2] ?? 100_000);
  const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  if (!Number.isSafeInteger(cases) || cases <= 0 || (seed !== undefined && !Number.isSafeInteger(seed))) {
    console.error("usage: node build/scripts/fuzz-btf.js [cases] [seed]");
    process.exit(2);
  }
  try {
    fuzzBtf(cases, seed);
    console.log(`fuzz-btf: ${cases} cases, no failure`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
