// Core costs: name lookups, parsing, flag formatting, and the cold import time of the package.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

  console.log("\n## Cold import of bpftypes (whole process, median of 15 runs, alternating; the bundle the package exports)");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const [empty, core] = timeProcesses(
    [
      ["node", "-e", "0"],
      ["node", "--input-type=module", "-e", `await import(${JSON.stringify(root + "dist/bpftypes.js")})`],
    ],
    15,
  );
  printTable(
    ["process", "ms"],
    [
      ["node -e 0", empty!.ms.toFixed(1)],
      ["node -e 'import(\"bpftypes\")'", core!.ms.toFixed(1)],
      ["import cost", (core!.ms - empty!.ms).toFixed(1)],
    ],
  );

  // Timed inside the process, the same first import splits into what Node's ES module loader costs
  // for any module and what compiling and running this one adds.
  console.log("\n## The first import, timed inside a fresh process (median of 15, alternating)");
  const firstImport = (specifier: string): string[] => ["node", "--input-type=module", "-e", `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`];
  const samples = { empty: [] as number[], core: [] as number[] };
  // An empty module file, so that both imports resolve and read a file.
  const dir = mkdtempSync(join(tmpdir(), "bpftypes-bench-"));
  try {
    const emptyModule = join(dir, "empty.js");
    writeFileSync(emptyModule, "export default 0;\n");
    for (let run = 0; run < 15; run++) {
      samples.empty.push(importMs(firstImport(emptyModule)));
      samples.core.push(importMs(firstImport(root + "dist/bpftypes.js")));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    ["import", "ms"],
    [
      ["an empty module (the loader alone)", median(samples.empty).toFixed(1)],
      ["bpftypes", median(samples.core).toFixed(1)],
      ["bpftypes' own share", (median(samples.core) - median(samples.empty)).toFixed(1)],
    ],
  );
}

/** Runs a command that prints one number of milliseconds, and returns it. */
function importMs(command: readonly string[]): number {
  const [file, ...args] = command;
  const ran = spawnSync(file!, args, { encoding: "utf8" });
  const ms = Number(ran.stdout.trim());
  if (ran.status !== 0 || !Number.isFinite(ms)) throw new Error(`benchmark command failed (${ran.status}): ${command.join(" ")}\n${ran.stderr}`);
  return ms;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchCore();
