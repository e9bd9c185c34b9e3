// Decoding of every kind, lookups, resolve/sizeof, strings and errors, on small hand-built blobs.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Btf,
  BtfError,
  BtfKindNumber,
  btfKindNames,
  isBtfError,
  parseBtf,
  type BtfKind,
  type BtfType,
} from "bpftypes/btf";
import { BtfBuilder } from "./builder.js";
import { everyKind, throwsBtf } from "./helpers.js";

describe("decoding each kind", () => {
  const { b, ids } = everyKind();
  const btf = parseBtf(b.build());

  test("counts and ids", () => {
    assert.equal(btf.typeCount, b.nextId);
    assert.equal(btf.startId, 1);
    assert.equal(btf.startStringOffset, 0);
    assert.equal(btf.base, undefined);
    assert.equal(btf.littleEndian, true);
    const all = [...btf.types()];
    assert.equal(all.length, b.nextId - 1);
    all.forEach((t, i) => assert.equal(t.id, i + 1));
    assert.deepEqual(new Set(all.map((t) => t.kind)), new Set(Object.keys(BtfKindNumber)));
    for (const t of all) assert.equal(btf.kindOf(t.id), t.kind);
  });

  test("int", () => {
    assert.deepEqual(btf.type(ids.int), {
      id: ids.int,
      kind: "int",
      name: "int",
      size: 4,
      encoding: { signed: true, char: false, bool: false },
      bitOffset: 0,
      bits: 32,
    });
    assert.deepEqual((btf.type(ids.uchar) as BtfType & { kind: "int" }).encoding, { signed: false, char: true, bool: false });
    const bool = btf.type(ids.bool);
    assert.ok(bool.kind === "int");
    assert.deepEqual([bool.encoding.bool, bool.bits, bool.size], [true, 1, 1]);
  });

  test("references", () => {
    assert.deepEqual(btf.type(ids.ptr), { id: ids.ptr, kind: "ptr", name: "", type: ids.int });
    assert.deepEqual(btf.type(ids.td), { id: ids.td, kind: "typedef", name: "u8", type: ids.uchar });
    assert.deepEqual(btf.type(ids.vol), { id: ids.vol, kind: "volatile", name: "", type: ids.td });
    assert.deepEqual(btf.type(ids.cst), { id: ids.cst, kind: "const", name: "", type: ids.vol });
    assert.deepEqual(btf.type(ids.rst), { id: ids.rst, kind: "restrict", name: "", type: ids.ptr });
    assert.deepEqual(btf.type(ids.tt), { id: ids.tt, kind: "type_tag", name: "user", type: ids.int, attribute: false });
    assert.deepEqual(btf.type(ids.ttAttr), { id: ids.ttAttr, kind: "type_tag", name: "address_space(1)", type: ids.int, attribute: true });
  });

  test("array, fwd", () => {
    assert.deepEqual(btf.type(ids.arr), { id: ids.arr, kind: "array", name: "", elemType: ids.uchar, indexType: ids.int, length: 16 });
    assert.deepEqual(btf.type(ids.fwd), { id: ids.fwd, kind: "fwd", name: "later", union: false });
    assert.deepEqual(btf.type(ids.fwdUnion), { id: ids.fwdUnion, kind: "fwd", name: "ulater", union: true });
  });

  test("struct and union members, with and without the bitfield kind flag", () => {
    assert.deepEqual(btf.type(ids.st), {
      id: ids.st,
      kind: "struct",
      name: "point",
      size: 8,
      members: [
        { name: "x", type: ids.int, bitOffset: 0, bitfieldSize: 0 },
        { name: "y", type: ids.int, bitOffset: 32, bitfieldSize: 0 },
      ],
    });
    const bits = btf.type(ids.bits);
    assert.ok(bits.kind === "struct");
    assert.deepEqual(
      bits.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
      [
        ["a", 0, 3],
        ["b", 3, 29],
      ],
    );
    const un = btf.type(ids.un);
    assert.ok(un.kind === "union");
    assert.deepEqual(un.members[1], { name: "", type: ids.st, bitOffset: 0, bitfieldSize: 0 });
  });

  test("enum values: unsigned, signed, 64-bit", () => {
    assert.deepEqual(btf.type(ids.en), {
      id: ids.en,
      kind: "enum",
      name: "color",
      size: 4,
      signed: false,
      values: [
        { name: "RED", value: 0 },
        { name: "BIG", value: 0xffffffff },
      ],
    });
    const sen = btf.type(ids.sen);
    assert.ok(sen.kind === "enum");
    assert.deepEqual([sen.signed, sen.values[0]?.value], [true, -1]);
    assert.deepEqual(btf.type(ids.e64), {
      id: ids.e64,
      kind: "enum64",
      name: "big",
      size: 8,
      signed: false,
      values: [
        { name: "HUGE", value: 0xffffffffffffffffn },
        { name: "SMALL", value: 5n },
      ],
    });
    const se64 = btf.type(ids.se64);
    assert.ok(se64.kind === "enum64");
    assert.deepEqual(se64.values, [{ name: "NEG", value: -2n }]);
  });

  test("func, func_proto, var, datasec, float, decl_tag", () => {
    assert.deepEqual(btf.type(ids.proto), {
      id: ids.proto,
      kind: "func_proto",
      name: "",
      returnType: ids.int,
      params: [
        { name: "a", type: ids.ptr },
        { name: "", type: 0 },
      ],
    });
    assert.deepEqual(btf.type(ids.fn), { id: ids.fn, kind: "func", name: "do_it", type: ids.proto, linkage: 1 });
    assert.deepEqual(btf.type(ids.v), { id: ids.v, kind: "var", name: "counter", type: ids.int, linkage: 1 });
    assert.deepEqual(btf.type(ids.ds), { id: ids.ds, kind: "datasec", name: ".data", size: 4, vars: [{ type: ids.v, offset: 0, size: 4 }] });
    assert.deepEqual(btf.type(ids.flt), { id: ids.flt, kind: "float", name: "double", size: 8 });
    assert.deepEqual(btf.type(ids.dtag), { id: ids.dtag, kind: "decl_tag", name: "bpf_kfunc", type: ids.fn, componentIdx: -1, attribute: false });
    assert.deepEqual(btf.type(ids.dtagMember), { id: ids.dtagMember, kind: "decl_tag", name: "tagged", type: ids.st, componentIdx: 1, attribute: true });
  });

  test("type() caches; types() yields cached objects where there are some and fresh equal ones elsewhere", () => {
    const fresh = parseBtf(b.build());
    const walked = [...fresh.types()];
    assert.notEqual(fresh.type(ids.st), walked[ids.st - 1], "a walk does not fill the cache");
    assert.deepEqual(fresh.type(ids.st), walked[ids.st - 1]);
    const first = fresh.type(ids.st);
    assert.equal(fresh.type(ids.st), first);
    assert.equal([...fresh.types()][ids.st - 1], first, "a walk reuses what type() cached");
  });

  test("non-ASCII names decode as UTF-8 and can be found", () => {
    assert.equal(btf.type(ids.named).name, "naïve_ünïcode");
    assert.equal(btf.findByName("naïve_ünïcode")?.id, ids.named);
  });

  test("kind tables", () => {
    for (const [name, num] of Object.entries(BtfKindNumber)) assert.equal(btfKindNames[num], name as BtfKind);
    assert.equal(btfKindNames[0], undefined);
    assert.equal(btfKindNames.length, 20);
  });
});

describe("lookups", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const fwd = b.fwd("thing");
  const st = b.struct("thing", 4, [{ name: "v", type: int, bitOffset: 0 }]);
  const fn = b.func("thing", b.funcProto(0, []));
  const anon = b.enum("", 4, [
    ["FLAG_A", 1],
    ["FLAG_B", 2],
  ]);
  const named = b.enum("later_enum", 4, [["FLAG_A", 7]]);
  const e64 = b.enum64("e64", 8, [["WIDE", 1n << 40n]]);
  const btf = parseBtf(b.build());

  test("findByName returns the first match in id order, optionally of one kind", () => {
    assert.equal(btf.findByName("thing")?.id, fwd);
    assert.equal(btf.findByName("thing", "struct")?.id, st);
    assert.equal(btf.findByName("thing", "func")?.id, fn);
    assert.equal(btf.findByName("thing", "union"), undefined);
    assert.equal(btf.findByName("int", "int")?.size, 4);
    assert.equal(btf.findByName("nope"), undefined);
    assert.equal(btf.findByName(""), undefined, "anonymous types are not found by the empty name");
    assert.equal(btf.findByName("thi"), undefined, "no prefix matches");
    assert.equal(btf.findByName("thingy"), undefined);
    assert.equal(btf.findByName("thing\0"), undefined);
    assert.equal(btf.findByName("thing", "bogus" as BtfKind), undefined);
    assert.equal(btf.findByName("thing", "toString" as BtfKind), undefined);
  });

  test("findByName narrows the result type by kind", () => {
    const s = btf.findByName("thing", "struct");
    assert.equal(s?.members[0]?.name, "v");
  });

  test("findEnumWithValue finds anonymous enums, the first in id order, and enum64", () => {
    assert.equal(btf.findEnumWithValue("FLAG_A")?.id, anon);
    assert.equal(btf.findEnumWithValue("FLAG_B")?.id, anon);
    assert.notEqual(btf.findEnumWithValue("FLAG_A")?.id, named);
    assert.equal(btf.findEnumWithValue("WIDE")?.id, e64);
    assert.equal(btf.findEnumWithValue("later_enum"), undefined, "type names are not enumerators");
    assert.equal(btf.findEnumWithValue(""), undefined);
    assert.equal(btf.findEnumWithValue("FLAG"), undefined);
  });

  test("a name index built over many colliding names stays correct", () => {
    const many = new BtfBuilder();
    const ids: number[] = [];
    for (let i = 0; i < 3000; i++) ids.push(many.typedef(`t${i % 1000}`, 0));
    const big = parseBtf(many.build());
    for (let i = 0; i < 1000; i++) assert.equal(big.findByName(`t${i}`)?.id, ids[i]);
    assert.equal(big.findByName("t1000"), undefined);
  });

  test("200,000 types of one name cost no more per lookup than one", () => {
    const many = new BtfBuilder();
    const n = 200_000;
    for (let i = 0; i < n; i++) many.typedef("same", 0);
    many.enum("", 4, Array.from({ length: 1000 }, (_, i): [string, number] => ["SAME", i]));
    const big = parseBtf(many.build());
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      assert.equal(big.findByName("same", "typedef")?.id, 1);
      assert.equal(big.findByName("same", "struct"), undefined);
    }
    assert.equal(big.findByName("same")?.id, 1);
    assert.equal(big.findEnumWithValue("SAME")?.id, n + 1);
    // Quadratic behaviour would take minutes; linear takes well under a second.
    assert.ok(performance.now() - t0 < 10_000, "lookups are constant time");
  });
});

describe("resolve and sizeof", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const long = b.int("long int", 8, { signed: true });
  const td = b.typedef("myint", int);
  const c = b.const(td);
  const v = b.volatile(c);
  const tt = b.typeTag("user", v);
  const r = b.restrict(b.ptr(int));
  const arr = b.array(td, int, 10);
  const arr2 = b.array(arr, int, 3);
  const flex = b.array(int, int, 0);
  const st = b.struct("s", 24, [{ name: "self", type: 0, bitOffset: 0 }]);
  const var_ = b.var("g", arr, 1);
  const dtag = b.declTag("tag", st, -1);
  const fwd = b.fwd("opaque");
  const proto = b.funcProto(0, []);
  const fn = b.func("f", proto);
  const tdFwd = b.typedef("opaque_t", fwd);
  const ptrVoid = b.ptr(0);
  const constVoid = b.const(0);
  const huge = b.array(b.array(long, int, 0x10000), int, 0x10000);
  const e = b.enum("e", 4, [["A", 1]]);
  const e64 = b.enum64("e64", 8, [["B", 1n]]);
  const flt = b.float("float", 4);
  const ds = b.datasec(".bss", 12, []);
  const btf = parseBtf(b.build());

  test("resolve strips typedefs and qualifiers only", () => {
    assert.equal(btf.resolve(int), int);
    assert.equal(btf.resolve(td), int);
    assert.equal(btf.resolve(tt), int);
    assert.equal(btf.resolve(r), r - 1, "restrict resolves to the pointer");
    assert.equal(btf.resolve(arr), arr, "arrays are not stripped");
    assert.equal(btf.resolve(0), 0, "void resolves to itself");
    assert.equal(btf.resolve(constVoid), 0);
    assert.equal(btf.resolve(tdFwd), fwd);
  });

  test("sizeof", () => {
    assert.equal(btf.pointerSize, 8);
    assert.equal(btf.sizeof(int), 4);
    assert.equal(btf.sizeof(tt), 4);
    assert.equal(btf.sizeof(r), 8);
    assert.equal(btf.sizeof(ptrVoid), 8);
    assert.equal(btf.sizeof(arr), 40);
    assert.equal(btf.sizeof(arr2), 120);
    assert.equal(btf.sizeof(flex), 0);
    assert.equal(btf.sizeof(st), 24);
    assert.equal(btf.sizeof(var_), 40);
    assert.equal(btf.sizeof(dtag), 24);
    assert.equal(btf.sizeof(e), 4);
    assert.equal(btf.sizeof(e64), 8);
    assert.equal(btf.sizeof(flt), 4);
    assert.equal(btf.sizeof(ds), 12);
  });

  test("sizeof refuses sizeless types, and sizes of 4 GiB or more", () => {
    throwsBtf(() => btf.sizeof(0), "BAD_TYPE", /void has no size/);
    throwsBtf(() => btf.sizeof(fwd), "BAD_TYPE", /fwd 'opaque'/);
    throwsBtf(() => btf.sizeof(tdFwd), "BAD_TYPE", new RegExp(`leads to type ${fwd}`));
    throwsBtf(() => btf.sizeof(fn), "BAD_TYPE", /func 'f'/);
    throwsBtf(() => btf.sizeof(proto), "BAD_TYPE", /func_proto/);
    throwsBtf(() => btf.sizeof(constVoid), "BAD_TYPE", /void/);
    throwsBtf(() => btf.sizeof(huge), "BAD_TYPE", /4 GiB/);
    // Memoized failures fail the same way again.
    throwsBtf(() => btf.sizeof(tdFwd), "BAD_TYPE", new RegExp(`leads to type ${fwd}`));
    throwsBtf(() => btf.sizeof(huge), "BAD_TYPE", /4 GiB/);
  });

  test("ids out of range", () => {
    for (const bad of [-1, btf.typeCount, 1.5, NaN, Infinity, 2 ** 32]) {
      throwsBtf(() => btf.type(bad), "TYPE_ID_OUT_OF_RANGE");
      throwsBtf(() => btf.kindOf(bad), "TYPE_ID_OUT_OF_RANGE");
      throwsBtf(() => btf.resolve(bad), "TYPE_ID_OUT_OF_RANGE");
      throwsBtf(() => btf.sizeof(bad), "TYPE_ID_OUT_OF_RANGE");
    }
    throwsBtf(() => btf.type(0), "TYPE_ID_OUT_OF_RANGE", /id 0 is void/);
  });
});

describe("reference cycles", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4);
  // typedef a -> typedef b -> typedef a
  const a = b.nextId;
  b.typedef("a", a + 1);
  b.typedef("b", a);
  // const -> volatile -> const, reached through a typedef
  const c = b.nextId;
  b.const(c + 1);
  b.volatile(c);
  const intoCycle = b.typedef("into", c);
  // an array of itself, and an array of a typedef of itself
  const selfArr = b.nextId;
  b.array(selfArr, int, 2);
  const arrTd = b.nextId;
  b.array(arrTd + 1, int, 2);
  b.typedef("arr_t", arrTd);
  // a struct containing itself by value, directly, through a typedef'd array, or through a union
  const selfStruct = b.nextId;
  b.struct("self", 8, [{ name: "me", type: selfStruct, bitOffset: 0 }]);
  const viaArray = b.nextId;
  b.struct("via_array", 8, [{ name: "arr", type: viaArray + 2, bitOffset: 0 }]);
  b.array(viaArray, int, 2);
  b.typedef("via_array_t", viaArray + 1);
  const outer = b.nextId;
  b.struct("outer", 8, [
    { name: "x", type: int, bitOffset: 0 },
    { name: "u", type: outer + 1, bitOffset: 32 },
  ]);
  b.union("inner", 4, [{ name: "back", type: b.nextId + 1, bitOffset: 0 }]);
  b.const(outer);
  // a struct holding one of the above: its layout is just as impossible
  const holder = b.struct("holder", 16, [{ name: "s", type: selfStruct, bitOffset: 0 }]);
  // a struct holding a typedef loop
  const holdsLoop = b.struct("holds_loop", 4, [{ name: "l", type: a, bitOffset: 0 }]);
  // a linked list node points at itself: fine
  const node = b.nextId;
  b.struct("node", 16, [
    { name: "next", type: node + 1, bitOffset: 0 },
    { name: "v", type: int, bitOffset: 64 },
  ]);
  b.ptr(node);
  // a pointer to itself is a cycle only for code that follows pointers, which resolve/sizeof do not
  const selfPtr = b.nextId;
  b.ptr(selfPtr);
  // a struct that holds other structs by value, twice over, with no cycle
  const pair = b.struct("pair", 32, [
    { name: "a", type: node, bitOffset: 0 },
    { name: "b", type: node, bitOffset: 128 },
  ]);
  const btf = parseBtf(b.build());

  test("resolve reports REFERENCE_CYCLE for every type on or leading into a cycle", () => {
    for (const id of [a, a + 1, c, c + 1, intoCycle]) throwsBtf(() => btf.resolve(id), "REFERENCE_CYCLE");
    // And again, from the memo.
    for (const id of [a, intoCycle]) throwsBtf(() => btf.resolve(id), "REFERENCE_CYCLE");
    assert.equal(btf.resolve(int), int);
  });

  test("sizeof reports REFERENCE_CYCLE for typedef loops and arrays of themselves", () => {
    for (const id of [a, a + 1, c, intoCycle, selfArr, arrTd, arrTd + 1]) throwsBtf(() => btf.sizeof(id), "REFERENCE_CYCLE");
    throwsBtf(() => btf.sizeof(selfArr), "REFERENCE_CYCLE", /loops back to type/);
  });

  test("sizeof reports REFERENCE_CYCLE for a struct containing itself by value, however indirectly", () => {
    throwsBtf(() => btf.sizeof(selfStruct), "REFERENCE_CYCLE", /struct 'self' \(type \d+\) contains itself by value/);
    for (const id of [viaArray, viaArray + 1, viaArray + 2, outer, outer + 1, outer + 2, holder, holdsLoop]) {
      throwsBtf(() => btf.sizeof(id), "REFERENCE_CYCLE");
    }
    // resolve does not look inside structs.
    assert.equal(btf.resolve(selfStruct), selfStruct);
    assert.equal(btf.resolve(outer + 2), outer);
  });

  test("pointers to themselves, and structs holding structs, are fine", () => {
    assert.equal(btf.sizeof(node), 16);
    assert.equal(btf.sizeof(pair), 32);
    assert.equal(btf.sizeof(selfPtr), 8);
    assert.equal(btf.resolve(selfPtr), selfPtr);
  });

  test("a long cycle costs linear, not quadratic, time over many calls", () => {
    // 100,000 typedefs in one ring: without memoizing, resolving each would take 10^10 steps.
    const lb = new BtfBuilder();
    const n = 100_000;
    const first = lb.nextId;
    for (let i = 0; i < n; i++) lb.typedef("", first + ((i + 1) % n));
    const long = parseBtf(lb.build());
    let cycles = 0;
    for (let id = 1; id <= n; id++) {
      try {
        long.resolve(id);
      } catch (e) {
        if (isBtfError(e) && e.code === "REFERENCE_CYCLE") cycles++;
      }
    }
    assert.equal(cycles, n);
    for (let id = 1; id <= n; id += 997) throwsBtf(() => long.sizeof(id), "REFERENCE_CYCLE");
  });

  test("deep nesting of structs by value: no stack overflow, linear time, ring or not", () => {
    const n = 20_000;
    for (const ring of [false, true]) {
      const lb = new BtfBuilder();
      const int = lb.int("int", 4);
      const first = lb.nextId;
      for (let i = 0; i < n; i++) {
        const inner = i + 1 < n ? first + i + 1 : ring ? first : int;
        lb.struct(`s${i}`, 4, [{ name: "m", type: inner, bitOffset: 0 }]);
      }
      const deep = parseBtf(lb.build());
      // Every id when nothing throws; a sample on the ring, where building 20,000 errors would dominate.
      for (let id = first; id < first + n; id += ring ? 101 : 1) {
        if (ring) throwsBtf(() => deep.sizeof(id), "REFERENCE_CYCLE", /contains itself by value/);
        else assert.equal(deep.sizeof(id), 4);
      }
    }
  });
});

describe("strings", () => {
  const b = new BtfBuilder();
  const off = b.str("hello");
  const utf = b.str("grüße €𝄞");
  b.int("int", 4);
  const blob = b.build();
  const btf = parseBtf(blob);

  test("string() reads whole strings, tails, and the empty string", () => {
    assert.equal(btf.string(0), "");
    assert.equal(btf.string(off), "hello");
    assert.equal(btf.string(off + 2), "llo");
    assert.equal(btf.string(off + 5), "");
    assert.equal(btf.string(utf), "grüße €𝄞");
  });

  test("string() rejects offsets outside the section", () => {
    const end = btf.startStringOffset + blob.length; // certainly past the end
    for (const bad of [-1, end, 1.5, NaN, 2 ** 40]) throwsBtf(() => btf.string(bad), "STRING_OUT_OF_RANGE");
  });

  test("long and malformed UTF-8 strings decode without throwing", () => {
    const lb = new BtfBuilder();
    const long = "x".repeat(10_000);
    lb.typedef(long, 0);
    lb.typedef("y".repeat(100), 0);
    const l = parseBtf(lb.build());
    assert.equal(l.type(1).name, long);
    assert.equal(l.type(2).name, "y".repeat(100));
    assert.equal(l.findByName(long)?.id, 1);
    // Invalid UTF-8 in a hand-made string section: a lone continuation byte, a truncated sequence, an overlong form.
    const blob2 = new BtfBuilder();
    blob2.raw(1, (8 << 24) >>> 0, 0);
    const raw = blob2.build();
    const bytes = new Uint8Array(raw.length + 16);
    bytes.set(raw);
    const dv = new DataView(bytes.buffer);
    const strOff = dv.getUint32(16, true);
    const strStart = 24 + strOff;
    bytes.set([0, 0x61, 0x80, 0x62, 0xe2, 0x82, 0x63, 0xc0, 0xaf, 0], strStart);
    dv.setUint32(20, 10, true);
    const bad = parseBtf(bytes.subarray(0, strStart + 10));
    assert.equal(bad.type(1).name, "a\ufffdb\ufffdc\ufffd\ufffd");
  });
});

describe("input handling", () => {
  const { b } = everyKind();
  const blob = b.build();

  test("a subarray at an odd offset of a larger buffer parses the same", () => {
    const big = new Uint8Array(blob.length + 7);
    big.set(blob, 3);
    const sub = parseBtf(big.subarray(3, 3 + blob.length));
    assert.deepEqual([...sub.types()], [...parseBtf(blob).types()]);
  });

  test("changing the input after parsing changes nothing", () => {
    const copy = blob.slice();
    const btf = parseBtf(copy);
    copy.fill(0xff);
    assert.equal(btf.type(1).name, "int");
    assert.equal([...btf.types()].length, b.nextId - 1);
  });

  test("new Btf() is parseBtf()", () => {
    assert.deepEqual([...new Btf(blob).types()], [...parseBtf(blob).types()]);
  });

  test("non-Uint8Array input and a non-Btf base are programming errors (TypeError)", () => {
    assert.throws(() => parseBtf([1, 2, 3] as unknown as Uint8Array), TypeError);
    assert.throws(() => parseBtf(blob, { base: {} as Btf }), TypeError);
  });
});

describe("errors", () => {
  test("isBtfError recognizes BtfErrors from any copy of the package by name", () => {
    const e = new BtfError("TRUNCATED", "parsing BTF: x");
    assert.ok(isBtfError(e));
    assert.equal(e.name, "BtfError");
    assert.equal(e.code, "TRUNCATED");
    assert.ok(e instanceof Error);
    const foreign = Object.assign(new Error("x"), { name: "BtfError", code: "BAD_MAGIC" });
    assert.ok(isBtfError(foreign));
    assert.ok(!isBtfError(new Error("x")));
    assert.ok(!isBtfError(Object.assign(new Error("x"), { name: "BtfError" })));
    assert.ok(!isBtfError(null));
    assert.ok(!isBtfError("BtfError"));
  });

  test("the cause is kept", () => {
    const cause = new Error("inner");
    assert.equal(new BtfError("BAD_TYPE", "x", { cause }).cause, cause);
  });
});
