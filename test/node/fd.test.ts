// Tests of BpfFd: ownership, idempotent close, dispose, release, and the registry of open descriptors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fstatSync, openSync, closeSync } from "node:fs";
import { BpfFd, fdKindOf, openFdCount } from "bpftypes/node";
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
