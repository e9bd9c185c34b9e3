// Tests of the FFI layer's pure parts: syscall numbers per architecture, and the possible-CPU list.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { bpfSyscallNumber, isBpfUnavailableError, parseCpuList, possibleCpuCount } from "bpftypes/node";

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
