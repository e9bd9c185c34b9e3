// Fails a test file that leaks a bpf file descriptor: call checkFdLeaks() once at the top of every live test file.

import { after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { openFdCount } from "bpftypes/node";

/** /proc link targets of bpf object descriptors: `anon_inode:bpf-map`, `bpf-prog`, `bpf_link`, `btf`, `bpf-stats` ... */
const BPF_ANON_INODE = /^anon_inode:(?:bpf[-_].*|btf)$/;

/** The bpf object descriptors this process holds, by number, from /proc/self/fd. */
export function bpfFdsInProc(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue; // the descriptor readdir itself used, closed by now
    }
    if (BPF_ANON_INODE.test(target)) found.set(Number(entry), target);
  }
  return found;
}

/**
 * Records how many descriptors the library has open and how many bpf descriptors /proc shows now,
 * and asserts in an `after` hook that both are back where they started.
 */
export function checkFdLeaks(): void {
  const libraryBefore = openFdCount();
  const procBefore = bpfFdsInProc().size;
  after(() => {
    assert.equal(openFdCount(), libraryBefore, "the library has bpf fds open that the tests did not close");
    const now = bpfFdsInProc();
    assert.equal(now.size, procBefore, `bpf fds leaked: ${[...now].map(([fd, what]) => `${fd} ${what}`).join(", ")}`);
  });
}
