// Runs bpftool, the kernel's own tool, as a peer to compare raw facts with.

import { execFileSync } from "node:child_process";

/** The bpftool binary: /usr/sbin/bpftool if present, else whatever PATH finds. */
const BPFTOOL = process.env["BPFTOOL"] ?? "bpftool";

/** Whether bpftool can be run here. */
export const haveBpftool: boolean = (() => {
  try {
    execFileSync(BPFTOOL, ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Runs `bpftool -j <args>` and parses its JSON output. */
export function bpftoolJson(...args: string[]): unknown {
  return JSON.parse(execFileSync(BPFTOOL, ["-j", ...args], { encoding: "utf8", maxBuffer: 1 << 28 }));
}
