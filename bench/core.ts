// Core costs: name lookups, parsing, flag formatting, and the cold import time of the package.

import { fileURLToPath } from "node:url";
import { mapFlags, mapTypes, progTypes } from "bpftypes";
import { nsPerCall, printTable, timeProcesses } from "./measure.js";

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
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchCore();
