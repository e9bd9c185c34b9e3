// Program loads that a signal interrupts: tried again with the thread's signals blocked.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BPF_PROG_LOAD, BPF_PROG_TYPE_SOCKET_FILTER } from "bpftypes";
import { bpfBackend, isErrno, loadProgram, type BpfBackend } from "bpftypes/node";
import { withBackend } from "../support/backend.js";
import { returnImm } from "../support/insns.js";

const EAGAIN = 11;

/** A backend whose program loads fail with EAGAIN while signals are not blocked, or always when `always`. */
function interruptedLoads(options: { always?: boolean; canBlock: boolean }): BpfBackend & { loads: number; blocks: number } {
  let blocked = false;
  const backend = {
    name: "interrupted",
    loads: 0,
    blocks: 0,
    bpf(cmd: number) {
      assert.equal(cmd, BPF_PROG_LOAD);
      backend.loads++;
      return blocked && !options.always ? 42 : -EAGAIN;
    },
    addressOf: () => 0x1000n,
    close: () => 0,
    ...(options.canBlock && {
      withSignalsBlocked<T>(run: () => T): T {
        backend.blocks++;
        blocked = true;
        try {
          return run();
        } finally {
          blocked = false;
        }
      },
    }),
  };
  return backend;
}

const program = { progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL" } as const;

test("a load the verifier gave up on (EAGAIN) is loaded again, once, with signals blocked", () => {
  const backend = interruptedLoads({ canBlock: true });
  const loaded = withBackend(backend, () => loadProgram(program));
  assert.equal(loaded.fd.fd, 42);
  assert.deepEqual({ loads: backend.loads, blocks: backend.blocks }, { loads: 2, blocks: 1 });
  withBackend(backend, () => loaded.fd.close());
});

test("a second EAGAIN is the error, and no load is tried a third time", () => {
  for (const canBlock of [true, false]) {
    const backend = interruptedLoads({ always: true, canBlock });
    assert.throws(
      () => withBackend(backend, () => loadProgram(program)),
      (error: unknown) => isErrno(error, "EAGAIN") && /loading socket_filter program/.test((error as Error).message),
    );
    assert.equal(backend.loads, 2, `canBlock ${canBlock}`);
  }
});

/** This thread's blocked signals, from the kernel: bit n - 1 is signal n. */
function blockedSignals(): bigint {
  const line = readFileSync("/proc/thread-self/status", "latin1").split("\n").find((text) => text.startsWith("SigBlk:"));
  assert.ok(line, "/proc/thread-self/status has SigBlk");
  return BigInt(`0x${line.slice("SigBlk:".length).trim()}`);
}

const bit = (signal: number): bigint => 1n << BigInt(signal - 1);
const SIGINT = 2;
const SIGPROF = 27;
const SIGKILL = 9;

test("koffi: signals are blocked while the function runs, and the mask is put back after, also when it throws", { skip: process.platform !== "linux" }, () => {
  const backend = bpfBackend();
  assert.ok(backend.withSignalsBlocked, "the koffi backend can block signals");
  const before = blockedSignals();
  const during = backend.withSignalsBlocked(() => blockedSignals());
  for (const signal of [SIGINT, SIGPROF]) assert.notEqual(during & bit(signal), 0n, `signal ${signal} is blocked meanwhile`);
  assert.equal(during & bit(SIGKILL), 0n, "SIGKILL cannot be blocked");
  assert.equal(blockedSignals(), before);
  assert.throws(() => backend.withSignalsBlocked!(() => { throw new Error("inside"); }), /inside/);
  assert.equal(blockedSignals(), before);
});
