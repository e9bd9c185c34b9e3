// Listing at scale: `bpftypes map list --json` and `prog list --json` against bpftool, as whole processes.
//
// The objects are pinned in a private bpffs and their fds closed, so 10,000 maps and 10,000 programs
// fit under the open-files limit; unmounting the bpffs at the end frees them all.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BPF_MAP_TYPE_ARRAY, BPF_PROG_TYPE_SOCKET_FILTER } from "bpftypes";
import { createMap, loadProgram, pinObject } from "bpftypes/node";
import { mountBpffs, type TempBpffs } from "../test/support/bpffs.js";
import { returnImm } from "../test/support/insns.js";
import { printTable, timeProcesses, type ProcessTiming } from "./measure.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = `${root}dist/cli.cjs`;

function createObjects(bpffs: TempBpffs, kind: "map" | "prog", count: number, from: number): void {
  const insns = returnImm(0);
  for (let i = from; i < from + count; i++) {
    const fd =
      kind === "map"
        ? createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: `bench_${i}` })
        : loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns, license: "GPL", name: `bench_${i}` }).fd;
    try {
      pinObject(fd, `${bpffs.dir}/${kind}_${i}`);
    } finally {
      fd.close();
    }
  }
}

function countListed(command: readonly string[]): number {
  const [file, ...args] = command;
  const out = spawnSync(file ?? "", args, { maxBuffer: 1 << 30 }).stdout.toString();
  return (JSON.parse(out) as unknown[]).length;
}

/** Prints the listing benchmark for N = 0, 1,000 and 10,000 maps and programs. */
export async function benchListing(sizes: readonly number[] = [0, 1000, 10_000], runs = 15): Promise<void> {
  if (spawnSync("bpftool", ["version"]).status !== 0) {
    console.log("\n## Listing at scale: skipped, bpftool is not installed (apt-get install bpftool)");
    return;
  }
  // The bin starts Node without NODE_EXTRA_CA_CERTS (src/cli/launch.ts): Node's start is shown both ways.
  const withoutCaCerts = ["env", "-u", "NODE_EXTRA_CA_CERTS"];
  const [baseline, bareBaseline] = timeProcesses([["node", "-e", "0"], [...withoutCaCerts, "node", "-e", "0"]], runs) as [ProcessTiming, ProcessTiming];
  const bpffs = mountBpffs();
  try {
    for (const kind of ["map", "prog"] as const) {
      console.log(`\n## ${kind} list at scale: whole processes, median of ${runs} alternating runs`);
      // As a shell runs the installed command: the file itself.
      const ours = [cli, kind, "list", "--json"];
      const theirs = ["bpftool", "-j", kind, "show"];
      const results: { n: number; listed: number; ours: ProcessTiming; theirs: ProcessTiming }[] = [];
      let created = 0;
      for (const n of sizes) {
        createObjects(bpffs, kind, n - created, created);
        created = n;
        const [a, b] = timeProcesses([ours, theirs], runs);
        results.push({ n, listed: countListed(ours), ours: a!, theirs: b! });
      }
      const zero = results[0]!;
      printTable(
        ["N created", "listed", "bpftypes ms", "bpftool ms", "ratio", "bpftypes µs/obj", "bpftool µs/obj", "per-obj ratio", "bpftypes peak MiB", "bpftool peak MiB", "JSON MiB"],
        results.map((r) => {
          const perOurs = r.n ? ((r.ours.ms - zero.ours.ms) * 1000) / r.n : NaN;
          const perTheirs = r.n ? ((r.theirs.ms - zero.theirs.ms) * 1000) / r.n : NaN;
          const mib = (kib: number | undefined) => (kib === undefined ? "?" : (kib / 1024).toFixed(1));
          return [
            String(r.n),
            String(r.listed),
            r.ours.ms.toFixed(1),
            r.theirs.ms.toFixed(1),
            (r.ours.ms / r.theirs.ms).toFixed(2),
            r.n ? perOurs.toFixed(1) : "-",
            r.n ? perTheirs.toFixed(1) : "-",
            r.n ? (perOurs / perTheirs).toFixed(2) : "-",
            mib(r.ours.maxRssKiB),
            mib(r.theirs.maxRssKiB),
            (r.ours.stdoutBytes / 2 ** 20).toFixed(2),
          ];
        }),
      );
      const caCerts = process.env["NODE_EXTRA_CA_CERTS"] === undefined ? "not set here" : `set here to ${process.env["NODE_EXTRA_CA_CERTS"]}`;
      console.log(`(node -e 0 alone: ${baseline.ms.toFixed(1)} ms, peak ${((baseline.maxRssKiB ?? 0) / 1024).toFixed(1)} MiB; without NODE_EXTRA_CA_CERTS, ${caCerts}: ${bareBaseline.ms.toFixed(1)} ms)`);
      // Where the time goes at the largest N: the library's walk alone, no JSON, each way it can read.
      const walk = (via: string): string[] => {
        const fn = kind === "map" ? "maps" : "programs";
        const script = `import { ${fn} } from ${JSON.stringify(`${root}dist/node.js`)}; let n = 0; for (const o of ${fn}({ via: "${via}" })) n++; if (n === 0) process.exit(1);`;
        return [...withoutCaCerts, "node", "--input-type=module", "-e", script];
      };
      const [iterator, descriptors] = timeProcesses([walk("iterator"), walk("descriptors")], runs);
      const last = results.at(-1)!;
      // These import the ES module bundle, without the command's code cache: compare them with each other.
      console.log(`walk only, ${last.n} ${kind}s, whole process (an ES module import, no code cache): through a BPF iterator ${iterator!.ms.toFixed(1)} ms, by descriptors ${descriptors!.ms.toFixed(1)} ms`);
    }
  } finally {
    bpffs.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = process.argv.slice(2).map(Number);
  await benchListing(sizes.length ? sizes : undefined);
}
