// Readers for the generator's pinned inputs under testdata/.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { parseBtf, type Btf } from "bpftypes/btf";

/** The repository root, found from this script's place in build/scripts/gen/. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** A path inside the repository. */
export function repoPath(relative: string): string {
  return repoRoot + relative;
}

/** The inputs, relative to the repository root; generated files name them in their header. */
export const inputPaths = {
  btf: "testdata/vmlinux-7.1.btf.gz",
  defines: "testdata/uapi-defines-7.1.tsv",
  logLevels: "testdata/verifier-log-levels.tsv",
  since: "testdata/since.tsv",
  descriptions: "testdata/descriptions.tsv",
} as const;

/** Reads a tab-separated file with a header line into one record per row. */
export function readTsv(relative: string): Record<string, string>[] {
  const lines = readFileSync(repoPath(relative), "utf8").split("\n").filter((line) => line.trim() !== "");
  const header = (lines.shift() ?? "").split("\t");
  return lines.map((line, index) => {
    const cells = line.split("\t");
    if (cells.length < header.length) throw new Error(`reading ${relative}: line ${index + 2} has ${cells.length} columns, expected ${header.length}`);
    return Object.fromEntries(header.map((column, i) => [column, cells[i] ?? ""]));
  });
}

/** Parses the pinned Linux 7.1 BTF. */
export function loadPinnedBtf(): Btf {
  return parseBtf(new Uint8Array(gunzipSync(readFileSync(repoPath(inputPaths.btf)))));
}

/** The `#define` values of the UAPI header, by name. */
export function loadDefines(): Map<string, number> {
  return new Map(readTsv(inputPaths.defines).map((row) => [row.name ?? "", Number(row.value)]));
}
