// Loaded before the tests (`node --import`): the library's per-boot type cache goes to a private
// directory for the run, removed at exit, so that tests leave nothing in the home directory.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (!process.env["BPFTYPES_CACHE_DIR"]) {
  const dir = mkdtempSync(join(tmpdir(), "bpftypes-test-cache-"));
  // Test files run in child processes, which inherit the variable; the runner removes the directory.
  process.env["BPFTYPES_CACHE_DIR"] = dir;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
}
