// BTF parsing speed: parseBtf over the running kernel's vmlinux BTF, next to bpftool's raw dump of the same file.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseBtf } from "bpftypes/btf";

const LIVE = "/sys/kernel/btf/vmlinux";
const PINNED = fileURLToPath(new URL("../../testdata/vmlinux-7.1.btf.gz", import.meta.url));
/** The bundle "bpftypes/btf" loads. */
const BTF_ENTRY = pathToFileURL(fileURLToPath(new URL("../../dist/btf.js", import.meta.url))).href;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function findBpftool(): string | undefined {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
  return dirs.filter((d) => d !== "").map((d) => `${d}/bpftool`).find((p) => existsSync(p));
}

// A fresh Node process that reads, parses and walks the file, printing its in-process timings as JSON.
function coldScript(file: string): string {
  return `
    import { readFileSync } from "node:fs";
    const { parseBtf } = await import(${JSON.stringify(BTF_ENTRY)});
    const bytes = readFileSync(${JSON.stringify(file)});
    let t = performance.now();
    const btf = parseBtf(bytes);
    const parse = performance.now() - t;
    t = performance.now();
    let n = 0;
    for (const _ of btf.types()) n++;
    console.log(JSON.stringify({ parse, walk: performance.now() - t, n }));`;
}

/**
 * Prints median times of parsing the running kernel's BTF (parse only, and parse plus decoding every
 * type), warm in this process and cold in fresh processes, next to the median wall time of
 * `bpftool btf dump file /sys/kernel/btf/vmlinux format raw > /dev/null`.
 */
export async function benchBtf(runs = 9): Promise<void> {
  const live = existsSync(LIVE);
  const file = live ? LIVE : PINNED;
  const bytes = live ? new Uint8Array(readFileSync(LIVE)) : new Uint8Array(gunzipSync(readFileSync(PINNED)));
  console.log(`\n## BTF: parsing ${live ? LIVE : "testdata/vmlinux-7.1.btf.gz (no live BTF on this kernel)"}`);
  const typeCount = parseBtf(bytes).typeCount - 1;
  console.log(`${(bytes.length / 1e6).toFixed(1)} MB, ${typeCount} types; medians of ${runs} runs\n`);

  // Warm: the JIT has seen the code; what a long-lived process pays for a second parse.
  const walkAll = (): number => {
    let n = 0;
    for (const t of parseBtf(bytes).types()) n += t.id > 0 ? 1 : 0;
    return n;
  };
  for (let i = 0; i < 3; i++) walkAll(); // warm-up, untimed
  const parseOnly: number[] = [];
  const parseWalk: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = process.hrtime.bigint();
    parseBtf(bytes);
    parseOnly.push(ms(start));
    start = process.hrtime.bigint();
    const n = walkAll();
    parseWalk.push(ms(start));
    if (n !== typeCount) throw new Error("walked the wrong number of types");
  }

  // Cold: a fresh process each time, as a command-line tool would run it.
  const coldParse: number[] = [];
  const coldWalk: number[] = [];
  const nodeWall: number[] = [];
  const bpftoolWall: number[] = [];
  const bpftool = findBpftool();
  for (let i = 0; i < runs; i++) {
    let start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", coldScript(file)], { encoding: "utf8" });
    nodeWall.push(ms(start));
    if (child.status !== 0) throw new Error(`cold parse process failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout) as { parse: number; walk: number };
    coldParse.push(r.parse);
    coldWalk.push(r.parse + r.walk);
    if (bpftool !== undefined && live) {
      start = process.hrtime.bigint();
      const res = spawnSync(bpftool, ["btf", "dump", "file", LIVE, "format", "raw"], { stdio: ["ignore", "ignore", "pipe"] });
      bpftoolWall.push(ms(start));
      if (res.status !== 0) throw new Error(`bpftool failed: ${String(res.stderr)}`);
    }
  }

  const rows: [string, number | undefined][] = [
    ["parseBtf, warm (in process)", median(parseOnly)],
    ["parseBtf + decode every type, warm", median(parseWalk)],
    ["parseBtf, cold (first call in a fresh process)", median(coldParse)],
    ["parseBtf + decode every type, cold", median(coldWalk)],
    ["node process: start, read, parse, decode all", median(nodeWall)],
    [`bpftool btf dump file ${LIVE} format raw > /dev/null`, bpftoolWall.length ? median(bpftoolWall) : undefined],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`${"what".padEnd(width)}  ${"ms".padStart(8)}`);
  for (const [name, value] of rows) {
    console.log(`${name.padEnd(width)}  ${(value === undefined ? "n/a" : value.toFixed(1)).padStart(8)}`);
  }
  if (bpftool === undefined) console.log("(bpftool is not installed: apt-get install -y bpftool)");
  else if (!live) console.log("(no live BTF: bpftool not timed)");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = process.argv[2] === undefined ? 9 : Number(process.argv[2]);
  await benchBtf(runs);
}
