// Test helper: assertions on BtfError and a blob holding one type of every kind.

import assert from "node:assert/strict";
import { BtfError, isBtfError, type BtfErrorCode } from "bpftypes/btf";
import { BtfBuilder } from "./builder.js";

/** Asserts that `fn` throws a BtfError with this code, and returns it. */
export function throwsBtf(fn: () => unknown, code: BtfErrorCode, message?: RegExp): BtfError {
  try {
    fn();
  } catch (e) {
    assert.ok(isBtfError(e), `expected a BtfError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e instanceof BtfError);
    assert.equal(e.name, "BtfError");
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a BtfError ${code}, but nothing was thrown`);
}

/** A blob with one of every kind; returns it with the ids of the interesting types. */
export function everyKind() {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const uchar = b.int("unsigned char", 1, { char: true });
  const bool = b.int("_Bool", 1, { bool: true, bits: 1 });
  const u64 = b.int("long unsigned int", 8);
  const ptr = b.ptr(int);
  const arr = b.array(uchar, int, 16);
  const fwd = b.fwd("later");
  const fwdUnion = b.fwd("ulater", true);
  const td = b.typedef("u8", uchar);
  const vol = b.volatile(td);
  const cst = b.const(vol);
  const rst = b.restrict(ptr);
  const tt = b.typeTag("user", int);
  const ttAttr = b.typeTag("address_space(1)", int, true);
  const st = b.struct("point", 8, [
    { name: "x", type: int, bitOffset: 0 },
    { name: "y", type: int, bitOffset: 32 },
  ]);
  const bits = b.struct("flags", 4, [
    { name: "a", type: int, bitOffset: 0, bitfieldSize: 3 },
    { name: "b", type: int, bitOffset: 3, bitfieldSize: 29 },
  ]);
  const un = b.union("either", 8, [
    { name: "i", type: int, bitOffset: 0 },
    { name: "", type: st, bitOffset: 0 },
  ]);
  const en = b.enum("color", 4, [
    ["RED", 0],
    ["BIG", 0xffffffff],
  ]);
  const sen = b.enum("sign", 4, [["MINUS_ONE", -1]], true);
  const e64 = b.enum64("big", 8, [
    ["HUGE", 0xffffffffffffffffn],
    ["SMALL", 5n],
  ]);
  const se64 = b.enum64("sbig", 8, [["NEG", -2n]], true);
  const proto = b.funcProto(int, [
    ["a", ptr],
    ["", 0],
  ]);
  const fn = b.func("do_it", proto, 1);
  const v = b.var("counter", int, 1);
  const ds = b.datasec(".data", 4, [[v, 0, 4]]);
  const flt = b.float("double", 8);
  const dtag = b.declTag("bpf_kfunc", fn, -1);
  const dtagMember = b.declTag("tagged", st, 1, true);
  const named = b.struct("naïve_ünïcode", 0, []);
  return {
    b,
    ids: { int, uchar, bool, u64, ptr, arr, fwd, fwdUnion, td, vol, cst, rst, tt, ttAttr, st, bits, un, en, sen, e64, se64, proto, fn, v, ds, flt, dtag, dtagMember, named },
  };
}

