// Decides once per test file whether live bpf(2) tests can run here, and skips them loudly if not.

import { BPF_MAP_TYPE_ARRAY } from "bpftypes";
import { createMap, isErrno } from "bpftypes/node";

/** Whether the environment demands live tests (CI as root): then a missing privilege fails instead of skipping. */
export const requireLive = process.env["BPFTYPES_REQUIRE_LIVE"] === "1";

function probe(): string | false {
  let reason: string;
  if (process.platform !== "linux") {
    reason = `bpf(2) exists only on linux, this is ${process.platform}`;
  } else {
    try {
      createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 }).close();
      return false;
    } catch (error) {
      if (!isErrno(error, "EPERM") && !isErrno(error, "EACCES")) throw error;
      reason = `no privilege for bpf(2) (run as root, or with CAP_BPF and CAP_SYS_ADMIN): ${(error as Error).message}`;
    }
  }
  if (requireLive) throw new Error(`BPFTYPES_REQUIRE_LIVE=1 but live tests cannot run: ${reason}`);
  console.warn(`\n*** SKIPPING LIVE BPF TESTS: ${reason} ***\n`);
  return reason;
}

/** `false` when live tests can run, else why not: pass it as the `skip` option of a test or suite. */
export const liveSkip: string | false = probe();
