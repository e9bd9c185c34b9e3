// Tests of BpfFd: ownership, idempotent close, dispose, release, and the registry of open descriptors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fstatSync, openSync, closeSync } from "node:fs";
import { constants } from "node:os";
import { BpfFd, bpfBackend, fdKindOf, openFdCount, setBpfBackend } from "bpftypes/node";
import { checkFdLeaks } from "../support/fds.js";

checkFdLeaks();

test("close is idempotent and the registry follows", () => {
  const before = openFdCount();
  const fd = new BpfFd(openSync("/dev/null", "r"), "object");
  assert.equal(openFdCount(), before + 1);
  const number = fd.fd;
  assert.ok(fstatSync(number).isCharacterDevice());
  fd.close();
  fd.close();
  assert.equal(fd.closed, true);
  assert.equal(openFdCount(), before);
  assert.throws(() => fd.fd, /it is closed/);
  assert.equal(String(fd), "object fd (closed)");
});

test("using disposes", () => {
  const before = openFdCount();
  let seen: BpfFd | undefined;
  {
    using fd = new BpfFd(openSync("/dev/null", "r"), "object");
    seen = fd;
    assert.equal(openFdCount(), before + 1);
  }
  assert.equal(seen.closed, true);
  assert.equal(openFdCount(), before);
});

test("release hands the number over without closing it", () => {
  const before = openFdCount();
  const fd = new BpfFd(openSync("/dev/null", "r"), "object");
  const number = fd.release();
  assert.equal(openFdCount(), before);
  assert.equal(fd.closed, true);
  fd.close(); // does not close the released number
  assert.ok(fstatSync(number).isCharacterDevice());
  closeSync(number);
});

test("only descriptor numbers are accepted", () => {
  assert.throws(() => new BpfFd(-1, "map"), RangeError);
  assert.throws(() => new BpfFd(1.5, "map"), RangeError);
});

test("the kind of a non-bpf descriptor is 'object'", () => {
  const fd = openSync("/dev/null", "r");
  try {
    assert.equal(fdKindOf(fd), "object");
  } finally {
    closeSync(fd);
  }
  assert.equal(fdKindOf(1_000_000), "object");
});

test("close goes through the backend's close(2), not node:fs", () => {
  const closed: number[] = [];
  const previous = setBpfBackend({
    name: "closing",
    bpf: () => 0,
    addressOf: () => 1n,
    close: (fd) => {
      closed.push(fd);
      closeSync(fd);
      return 0;
    },
  });
  try {
    const fd = new BpfFd(openSync("/dev/null", "r"), "map");
    const number = fd.fd;
    fd.close();
    fd.close();
    assert.deepEqual(closed, [number]);
  } finally {
    setBpfBackend(previous);
  }
});

test("a failed close throws, except EINTR (Linux has closed the descriptor by then)", () => {
  let answer = -constants.errno.EBADF;
  const previous = setBpfBackend({
    name: "failing",
    bpf: () => 0,
    addressOf: () => 1n,
    close: (fd) => {
      closeSync(fd);
      return answer;
    },
  });
  try {
    const before = openFdCount();
    const bad = new BpfFd(openSync("/dev/null", "r"), "map");
    assert.throws(() => bad.close(), /closing map fd \d+: close\(2\) failed with EBADF/);
    assert.equal(bad.closed, true);
    assert.equal(openFdCount(), before);
    answer = -constants.errno.EINTR;
    const interrupted = new BpfFd(openSync("/dev/null", "r"), "prog");
    interrupted.close();
    assert.equal(interrupted.closed, true);
  } finally {
    setBpfBackend(previous);
  }
});

test("the koffi backend closes a descriptor, and reports EBADF for a number that is not open", { skip: process.platform !== "linux" }, () => {
  const number = openSync("/dev/null", "r");
  assert.equal(bpfBackend().close(number), 0);
  // Not `number` again: another thread may have been given it by now.
  assert.equal(bpfBackend().close(1_000_000), -constants.errno.EBADF);
});
