// Test helpers for the pinned inputs under testdata/ and the running kernel's BTF.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseBtf, type Btf } from "bpftypes/btf";

/** The repository root (tests run from build/test/...). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Reads a file under testdata/ as text. */
export function readTestdata(name: string): string {
  return readFileSync(`${repoRoot}testdata/${name}`, "utf8");
}

/** Reads a tab-separated testdata file (lines starting with `#` are comments) into records. */
export function readTestdataTsv(name: string): Record<string, string>[] {
  const lines = readTestdata(name)
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  const header = (lines.shift() ?? "").split("\t");
  return lines.map((line) => {
    const cells = line.split("\t");
    return Object.fromEntries(header.map((column, i) => [column, cells[i] ?? ""]));
  });
}

let pinned: Btf | undefined;
/** The pinned Linux 7.1 BTF the tables were generated from. */
export function pinnedBtf(): Btf {
  pinned ??= parseBtf(new Uint8Array(gunzipSync(readFileSync(`${repoRoot}testdata/vmlinux-7.1.btf.gz`))));
  return pinned;
}

export const liveBtfPath = "/sys/kernel/btf/vmlinux";
let live: Btf | undefined;
/** The running kernel's BTF, or `undefined` when this kernel exposes none. */
export function liveBtf(): Btf | undefined {
  if (!existsSync(liveBtfPath)) return undefined;
  live ??= parseBtf(new Uint8Array(readFileSync(liveBtfPath)));
  return live;
}
