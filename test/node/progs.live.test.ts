// Live tests of program loading: with and without a verifier log, failures carrying the log, and enable-stats.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP, BPF_STATS_RUN_TIME, BPF_XDP } from "bpftypes";
import { Assembler, type BpfError, enableStats, fdKindOf, isBpfError, isErrno, loadProgram } from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { checkFdLeaks } from "../support/fds.js";
import { XDP_PASS, returnImm } from "../support/insns.js";
import { liveSkip } from "../support/live.js";
import { idOf } from "../support/objects.js";

checkFdLeaks();

/** Exits without setting r0: the verifier refuses it ("R0 !read_ok"). */
const unsafe = new Assembler().exit().assemble();

function expectVerifierError(error: unknown): BpfError {
  assert.ok(isBpfError(error), String(error));
  assert.equal(error.command, "BPF_PROG_LOAD");
  assert.equal(error.code, "EACCES");
  return error;
}

describe("program load", { skip: liveSkip }, () => {
  test("a socket filter without a log", () => {
    const loaded = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", name: "bpftypes_zero" });
    using fd = loaded.fd;
    assert.equal(fd.kind, "prog");
    assert.equal(fdKindOf(fd.fd), "prog");
    assert.equal(loaded.log, "");
  });

  test("a socket filter with a verifier log", () => {
    const loaded = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", logLevel: 1 });
    using _fd = loaded.fd;
    assert.match(loaded.log, /processed 2 insns/);
    assert.ok(loaded.logTrueSize === undefined || loaded.logTrueSize === loaded.log.length + 1, `${loaded.logTrueSize}`);
  });

  test("an XDP program expecting the XDP attach type, with a verbose log", () => {
    const loaded = loadProgram({
      progType: BPF_PROG_TYPE_XDP,
      insns: returnImm(XDP_PASS),
      license: "GPL",
      expectedAttachType: BPF_XDP,
      logLevel: 2,
      logSize: 1 << 16,
    });
    using _fd = loaded.fd;
    assert.match(loaded.log, /\(b7\) r0 = 2/);
  });

  test("a refused program: the error carries the log, from a second load with a log", () => {
    assert.throws(
      () => loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: unsafe, license: "GPL", name: "bpftypes_bad" }),
      (error) => {
        const e = expectVerifierError(error);
        assert.match(e.log, /R0 !read_ok/);
        assert.match(e.message, /^loading socket_filter program "bpftypes_bad": permission denied \(EACCES\): the verifier rejected/);
        assert.match(e.message, /\nverifier log:\n[^]*R0 !read_ok/);
        return true;
      },
    );
  });

  test("a refused program with a log asked for, and one without any log", () => {
    assert.throws(
      () => loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: unsafe, license: "GPL", logLevel: 1, logSize: 4096 }),
      (error) => /R0 !read_ok/.test(expectVerifierError(error).log),
    );
    assert.throws(
      () => loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: unsafe, license: "GPL", logOnFailure: false }),
      (error) => expectVerifierError(error).log === "",
    );
  });

  test("a log buffer too small for the log is ENOSPC, with a hint saying so", () => {
    assert.throws(
      () => loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", logLevel: 2, logSize: 128 }),
      (error) => isErrno(error, "ENOSPC") && /log buffer is too small/.test(error.hint),
    );
  });

  test("an unknown program type is EINVAL and says so", () => {
    assert.throws(
      () => loadProgram({ progType: 9999, insns: returnImm(0), license: "GPL", logOnFailure: false }),
      (error) => isErrno(error, "EINVAL") && /^loading 9999 program: invalid argument \(EINVAL\): /.test(error.message),
    );
  });

  test("bpftool sees the program", { skip: haveBpftool ? false : "bpftool is not installed" }, () => {
    using fd = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", name: "bpftypes_cmp" }).fd;
    const shown = bpftoolJson("prog", "show", "id", String(idOf(fd))) as Record<string, unknown>;
    assert.equal(shown["type"], "socket_filter");
    assert.equal(shown["name"], "bpftypes_cmp");
    assert.equal(shown["gpl_compatible"], true);
    assert.equal(shown["bytes_xlated"], 16);
  });
});

describe("enable stats", { skip: liveSkip }, () => {
  test("run-time statistics: a stats fd, closed by using", () => {
    // kernel.bpf_stats_enabled shows only the sysctl's own setting, not this fd's, so there is no
    // cheap outside witness; the fd's kind in /proc is the kernel's word that it made one.
    let seen: number;
    {
      using stats = enableStats(BPF_STATS_RUN_TIME);
      assert.equal(stats.kind, "stats");
      assert.equal(fdKindOf(stats.fd), "stats");
      seen = stats.fd;
    }
    assert.notEqual(fdKindOf(seen), "stats");
  });

  test("an unknown statistics type is refused", () => {
    assert.throws(() => enableStats(77), (error) => isErrno(error, "EINVAL") && /^enabling 77 statistics/.test(error.message));
  });
});
