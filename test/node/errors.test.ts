// Tests of BpfError: errno names, the message's shape, hints, and the guard.

import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { BpfError, errnoName, isBpfError, isErrno } from "bpftypes/node";

test("errno names come from the platform, ENOTSUPP 524 included", () => {
  assert.equal(errnoName(constants.errno.EPERM), "EPERM");
  assert.equal(errnoName(constants.errno.ENOENT), "ENOENT");
  assert.equal(errnoName(constants.errno.E2BIG), "E2BIG");
  assert.equal(errnoName(constants.errno.ENOSPC), "ENOSPC");
  assert.equal(errnoName(524), "ENOTSUPP");
});

test("aliased values get their usual name", () => {
  assert.equal(errnoName(constants.errno.EAGAIN), "EAGAIN");
  assert.equal(errnoName(constants.errno.EOPNOTSUPP), "EOPNOTSUPP");
});

test("an unknown errno keeps its number visible", () => {
  assert.equal(errnoName(4000), "ERRNO_4000");
  const error = new BpfError({ command: "BPF_MAP_CREATE", errno: 4000 });
  assert.equal(error.code, "ERRNO_4000");
  assert.equal(error.message, "creating a map: errno 4000 (ERRNO_4000)");
});

test("the message reads 'doing what: why (ENAME): hint'", () => {
  const error = new BpfError({ command: "BPF_MAP_CREATE", errno: constants.errno.EPERM, doing: "creating hash map \"x\"" });
  assert.equal(error.name, "BpfError");
  assert.equal(error.command, "BPF_MAP_CREATE");
  assert.equal(error.errno, constants.errno.EPERM);
  assert.equal(error.code, "EPERM");
  assert.match(error.hint, /CAP_BPF/);
  assert.match(error.hint, /CAP_SYS_ADMIN/);
  assert.equal(error.message, `creating hash map "x": operation not permitted (EPERM): ${error.hint}`);
  assert.equal(error.message, error.message.charAt(0).toLowerCase() + error.message.slice(1));
});

test("without a 'doing', the command says what was done", () => {
  assert.match(new BpfError({ command: "BPF_OBJ_GET", errno: constants.errno.ENOENT }).message, /^getting a pinned object: no such entry \(ENOENT\): nothing is pinned/);
  assert.match(new BpfError({ command: "BPF_PROG_QUERY", errno: constants.errno.EINVAL }).message, /^calling BPF_PROG_QUERY: invalid argument \(EINVAL\)/);
});

test("hints in plain words for the errors bpf(2) gives", () => {
  const hint = (command: string, errno: number): string => new BpfError({ command, errno }).hint;
  assert.match(hint("BPF_MAP_CREATE", constants.errno.EACCES), /CAP_BPF/);
  assert.match(hint("BPF_PROG_LOAD", constants.errno.EACCES), /verifier rejected/);
  assert.match(hint("BPF_MAP_CREATE", constants.errno.EINVAL), /older kernel/);
  assert.match(hint("BPF_MAP_CREATE", 524), /not supported by this kernel/);
  assert.match(hint("BPF_LINK_CREATE", constants.errno.EOPNOTSUPP), /not supported by this kernel/);
  assert.match(hint("BPF_OBJ_GET_INFO_BY_FD", constants.errno.E2BIG), /not zero/);
  assert.match(hint("BPF_PROG_LOAD", constants.errno.ENOSPC), /log buffer is too small/);
  assert.match(hint("BPF_MAP_UPDATE_ELEM", constants.errno.ENOSPC), /full/);
  assert.match(hint("BPF_MAP_GET_NEXT_ID", constants.errno.ENOENT), /larger id/);
  assert.match(hint("BPF_LINK_CREATE", constants.errno.ENODEV), /network namespace/);
  assert.equal(hint("BPF_MAP_CREATE", constants.errno.EINTR), "");
});

test("a verifier log follows the message on its own lines", () => {
  const error = new BpfError({ command: "BPF_PROG_LOAD", errno: constants.errno.EACCES, log: "0: (95) exit\nR0 !read_ok\n" });
  assert.equal(error.log, "0: (95) exit\nR0 !read_ok\n");
  assert.match(error.message, /\nverifier log:\n0: \(95\) exit\nR0 !read_ok$/);
  const btf = new BpfError({ command: "BPF_BTF_LOAD", errno: constants.errno.EINVAL, log: "magic: 0xeb9f\n" });
  assert.match(btf.message, /\nbtf log:\nmagic/);
});

test("the cause is kept", () => {
  const cause = new Error("inner");
  assert.equal(new BpfError({ command: "BPF_MAP_CREATE", errno: 1, cause }).cause, cause);
});

test("the guards check the name, so they work across copies of the package", () => {
  const error = new BpfError({ command: "BPF_MAP_CREATE", errno: constants.errno.ENOENT });
  assert.ok(isBpfError(error));
  assert.ok(isErrno(error, "ENOENT"));
  assert.ok(!isErrno(error, "EPERM"));
  const foreign = Object.assign(new Error("from another copy"), { name: "BpfError", code: "ENOENT" });
  assert.ok(isBpfError(foreign));
  assert.ok(isErrno(foreign, "ENOENT"));
  assert.ok(!isBpfError(new Error("x")));
  assert.ok(!isBpfError({ name: "BpfError" }));
  assert.ok(!isBpfError(undefined));
});
