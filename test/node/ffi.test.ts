// Tests of the FFI layer's pure parts: syscall numbers per architecture, and the possible-CPU list.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { createRequire } from "node:module";
import { bpfSyscallNumber, isBpfUnavailableError, koffiPrebuiltPath, parseCpuList, possibleCpuCount } from "bpftypes/node";

test("the bpf(2) number of each architecture", () => {
  assert.equal(bpfSyscallNumber("x64", "linux"), 321);
  assert.equal(bpfSyscallNumber("arm64", "linux"), 280);
  assert.equal(bpfSyscallNumber("riscv64", "linux"), 280);
  assert.equal(bpfSyscallNumber("loong64", "linux"), 280);
  assert.equal(bpfSyscallNumber("ia32", "linux"), 357);
});

test("an unknown architecture or platform is a clear error", () => {
  assert.throws(() => bpfSyscallNumber("s390x", "linux"), /no known system call number for architecture s390x \(known: x64, arm64/);
  assert.throws(() => bpfSyscallNumber("x64", "darwin"), /bpf\(2\) exists only on linux/);
  assert.throws(() => bpfSyscallNumber("s390x", "linux"), (error: unknown) => isBpfUnavailableError(error));
});

test("cpu lists", () => {
  assert.equal(parseCpuList("0"), 1);
  assert.equal(parseCpuList("0-3\n"), 4);
  assert.equal(parseCpuList("0,2-5,7"), 6);
  assert.throws(() => parseCpuList(""), /not one/);
  assert.throws(() => parseCpuList("0-x"), /not one/);
  assert.throws(() => parseCpuList("3-1"), /backwards/);
});

test("the possible CPUs are at least the online ones", { skip: process.platform !== "linux" }, () => {
  const count = possibleCpuCount();
  assert.equal(count, parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "latin1")));
  assert.ok(count >= cpus().length);
});

test("koffi's binary is loaded straight from its platform package only on glibc Linux", () => {
  const glibc = "7f0000000000-7f0000001000 r--p 00000000 fd:00 123 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n";
  const musl = "7f0000000000-7f0000001000 r--p 00000000 fd:00 123 /lib/ld-musl-x86_64.so.1\n";
  const aarch64 = "ffff00000000-ffff00001000 r-xp 00000000 fd:00 9 /usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1\n";
  assert.equal(koffiPrebuiltPath("linux", "x64", glibc), "@koromix/koffi-linux-x64/linux_x64/koffi.node");
  assert.equal(koffiPrebuiltPath("linux", "arm64", aarch64), "@koromix/koffi-linux-arm64/linux_arm64/koffi.node");
  assert.equal(koffiPrebuiltPath("linux", "x64", musl), undefined, "musl: koffi's loader picks its musl build");
  assert.equal(koffiPrebuiltPath("linux", "x64", "(statically linked: no loader mapped)\n"), undefined);
  assert.equal(koffiPrebuiltPath("linux", "s390x", glibc), undefined);
  assert.equal(koffiPrebuiltPath("darwin", "x64", glibc), undefined);
});

test("here, the direct path names a binary that exists (so the fast load is the one taken)", { skip: process.platform !== "linux" }, () => {
  const path = koffiPrebuiltPath(process.platform, process.arch, readFileSync("/proc/self/maps", "latin1"));
  if (path === undefined) return; // musl or an architecture koffi's layout does not cover: its own loader is used
  const require = createRequire(import.meta.url);
  assert.doesNotThrow(() => require.resolve(path), `koffi keeps its ${process.arch} binary elsewhere now: update koffiPrebuiltPath`);
});
