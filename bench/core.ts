// Core costs: name lookups, parsing, flag formatting, and the cold import time of the package.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mapFlags, mapTypes, progTypes } from "bpftypes";
import { median, nsPerCall, printTable, timeProcesses } from "./measure.js";

/** Prints ns per call of the name helpers and the import cost of `bpftypes` over an empty Node. */
export async function benchCore(): Promise<void> {
  console.log("\n## Core: names and flags (ns per call, median of 7 rounds)");
  let i = 0;
  const rows: [string, number][] = [
    ["mapTypes.name(known)", nsPerCall(() => mapTypes.name(i++ & 31))],
    ["mapTypes.name(unknown)", nsPerCall(() => mapTypes.name(1000 + (i++ & 31)))],
    ["mapTypes.shortName(known)", nsPerCall(() => mapTypes.shortName(i++ & 31))],
    ["progTypes.parse(short name)", nsPerCall(() => progTypes.parse((i++ & 1) === 0 ? "xdp" : "sched_cls"))],
    ["mapTypes.parse(kernel name)", nsPerCall(() => mapTypes.parse("BPF_MAP_TYPE_LPM_TRIE"))],
    ["mapFlags.format(3 flags + unknown)", nsPerCall(() => mapFlags.format(0x80000481 ^ (i++ & 2)))],
    ["mapFlags.parse(3 names)", nsPerCall(() => mapFlags.parse("BPF_F_NO_PREALLOC|rdonly_prog|mmapable"))],
  ];
  printTable(["operation", "ns/call"], rows.map(([name, ns]) => [name, ns.toFixed(1)]));

  // Imports are made by name from a directory whose node_modules holds this package (a link to it)
  // and an empty package, as a program that installed both would make them.
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "bpftypes-bench-"));
  try {
    mkdirSync(join(dir, "node_modules", "empty-package"), { recursive: true });
    symlinkSync(root, join(dir, "node_modules", "bpftypes"), "dir");
    writeFileSync(join(dir, "node_modules", "empty-package", "package.json"), JSON.stringify({ name: "empty-package", type: "module", exports: "./index.js" }));
    writeFileSync(join(dir, "node_modules", "empty-package", "index.js"), "export default 0;\n");
    writeFileSync(join(dir, "empty.js"), "export default 0;\n");
    benchImport(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchImport(dir: string): void {
  const runs = 31;
  console.log(`\n## Cold import of bpftypes (whole process, median of ${runs} runs, alternating; by name, from an installed copy)`);
  const importing = (specifier: string): string[] => ["node", "--input-type=module", "-e", `await import(${JSON.stringify(specifier)})`];
  const [empty, emptyPackage, core] = timeProcesses([["node", "-e", "0"], importing("empty-package"), importing("bpftypes")], runs, dir);
  // Each import run is paired with the empty run just before it, so that the machine's drift over
  // the whole series cancels out of the difference.
  const paired = (timed: typeof core): number => median(timed!.runsMs.map((ms, run) => ms - empty!.runsMs[run]!));
  printTable(
    ["process", "ms"],
    [
      ["node -e 0", empty!.ms.toFixed(1)],
      ["node -e 'import(\"empty-package\")'", emptyPackage!.ms.toFixed(1)],
      ["node -e 'import(\"bpftypes\")'", core!.ms.toFixed(1)],
      ["an empty package's import cost (median of the paired differences)", paired(emptyPackage).toFixed(1)],
      ["bpftypes' import cost (median of the paired differences)", paired(core).toFixed(1)],
    ],
  );

  // Timed inside the process, the same first import splits into what Node costs for any module
  // (its ES module loader, then finding a package by name) and what compiling and running this one adds.
  console.log("\n## The first import, timed inside a fresh process (median of 15, alternating)");
  const imports = [
    ["an empty module file (Node's ES module loader)", join(dir, "empty.js")],
    ["an empty package, by name (loader + package lookup)", "empty-package"],
    ["bpftypes, by name", "bpftypes"],
    ["bpftypes/codec (imports bpftypes too)", "bpftypes/codec"],
    ["bpftypes/btf", "bpftypes/btf"],
  ] as const;
  const samples = imports.map((): number[] => []);
  for (let run = 0; run < 15; run++) {
    imports.forEach(([, specifier], i) => samples[i]!.push(importMs(dir, specifier)));
  }
  const medians = samples.map(median);
  printTable(
    ["import", "ms"],
    [...imports.map(([label], i) => [label, medians[i]!.toFixed(1)]), ["bpftypes' own share (over the empty package)", (medians[2]! - medians[1]!).toFixed(1)]],
  );
}

/** Imports `specifier` first thing in a fresh Node started in `dir`, and returns how long the import took, in ms. */
function importMs(dir: string, specifier: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const ran = spawnSync("node", ["--input-type=module", "-e", code], { cwd: dir, encoding: "utf8" });
  const ms = Number(ran.stdout.trim());
  if (ran.status !== 0 || !Number.isFinite(ms)) throw new Error(`benchmark import failed (${ran.status}): ${specifier}\n${ran.stderr}`);
  return ms;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchCore();
