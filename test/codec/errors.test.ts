// Bad input to the codecs: named errors with a code, never a read or write past a buffer.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as codec from "bpftypes/codec";
import * as core from "bpftypes";
import { CodecError, isCodecError, type CodecErrorCode } from "bpftypes/codec";

function throwsCode(fn: () => unknown, code: CodecErrorCode, field?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCodecError(error), `a CodecError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.field, field, error.message);
    assert.match(error.message, /^[a-z]/, "messages start in lower case");
    return true;
  });
}

describe("lengths", () => {
  const bytes = new Uint8Array(232);
  for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 233, 2 ** 40]) {
    test(`length ${length} is refused`, () => throwsCode(() => codec.decodeProgInfo(bytes, { length }), "BAD_LENGTH"));
  }

  test("every decoder checks its length against the bytes", () => {
    const short = new Uint8Array(3);
    for (const decode of [
      codec.decodeProgInfo,
      codec.decodeMapInfo,
      codec.decodeLinkInfo,
      codec.decodeBtfInfo,
      codec.decodeFuncInfo,
      codec.decodeLineInfo,
      codec.decodeTokenInfo,
    ]) {
      throwsCode(() => decode(short, { length: 4 }), "BAD_LENGTH");
      assert.deepEqual(Object.keys(decode(short)), ["absent"], "3 bytes hold no field of any struct");
    }
  });

  test("a subarray's length is its own, not its buffer's", () => {
    const big = new Uint8Array(1000);
    throwsCode(() => codec.decodeMapInfo(big.subarray(10, 50), { length: 104 }), "BAD_LENGTH");
    assert.equal(codec.decodeMapInfo(big.subarray(10, 50)).absent.length > 0, true);
  });

  test("not a Uint8Array: a TypeError", () => {
    assert.throws(() => codec.decodeProgInfo([1, 2, 3] as unknown as Uint8Array), TypeError);
  });

  test("encoding into a buffer too small, or at a bad offset", () => {
    throwsCode(() => codec.encodeMapInfo({}, { into: new Uint8Array(100) }), "BAD_LENGTH");
    throwsCode(() => codec.encodeMapInfo({}, { into: new Uint8Array(110), offset: 7 }), "BAD_LENGTH");
    throwsCode(() => codec.encodeMapInfo({}, { into: new Uint8Array(110), offset: -1 }), "BAD_LENGTH");
    throwsCode(() => codec.encodeMapInfo({}, { offset: 3 }), "BAD_LENGTH");
    throwsCode(() => codec.encodeMapInfo({}, { length: -4 }), "BAD_LENGTH");
  });
});

describe("values", () => {
  const cases: [string, () => unknown, string][] = [
    ["a u32 above 2^32-1", () => codec.encodeMapInfo({ id: 2 ** 32 }), "id"],
    ["a negative u32", () => codec.encodeMapInfo({ id: -1 }), "id"],
    ["a fractional u32", () => codec.encodeMapInfo({ key_size: 1.5 }), "key_size"],
    ["a bigint for a u32", () => codec.encodeMapInfo({ key_size: 4n as unknown as number }), "key_size"],
    ["a u64 of 2^64", () => codec.encodeMapInfo({ map_extra: 2n ** 64n }), "map_extra"],
    ["a negative u64", () => codec.encodeMapInfo({ map_extra: -1n }), "map_extra"],
    ["an unsafe integer number for a u64", () => codec.encodeMapInfo({ map_extra: 2 ** 60 }), "map_extra"],
    ["an s32 out of range", () => codec.encodeLinkInfo({ type: core.BPF_LINK_TYPE_NETFILTER, netfilter: { priority: 2 ** 31 } }), "netfilter.priority"],
    ["a name of 17 bytes", () => codec.encodeMapInfo({ name: "a".repeat(17) }), "name"],
    ["a name of 9 characters but 18 UTF-8 bytes", () => codec.encodeMapInfo({ name: "é".repeat(9) }), "name"],
    ["a name with a NUL", () => codec.encodeMapInfo({ name: "a\0b" }), "name"],
    ["a tag of 15 hex digits", () => codec.encodeProgInfo({ tag: "0".repeat(15) }), "tag"],
    ["a tag that is not hex", () => codec.encodeProgInfo({ tag: "zz".repeat(8) }), "tag"],
    ["gpl_compatible as a number", () => codec.encodeProgInfo({ gpl_compatible: 1 as unknown as boolean }), "gpl_compatible"],
    ["a line of 23 bits", () => codec.encodeLineInfo({ line: 2 ** 22 }), "line"],
    ["a column of 1024", () => codec.encodeLineInfo({ column: 1024 }), "column"],
    ["line_col disagreeing with line and column", () => codec.encodeLineInfo({ line_col: 5, line: 1, column: 5 }), "line_col"],
  ];
  for (const [what, fn, field] of cases) test(`${what}: BAD_VALUE`, () => throwsCode(fn, "BAD_VALUE", field));

  test("an arm that is not an object", () => {
    throwsCode(() => codec.encodeLinkInfo({ type: core.BPF_LINK_TYPE_XDP, xdp: 5 as never }), "BAD_VALUE", "xdp");
  });

  test("names of exactly 16 bytes are written whole, without a NUL", () => {
    const bytes = codec.encodeMapInfo({ name: "0123456789abcdef" });
    assert.equal(bytes[39], 0x66);
    assert.equal(codec.decodeMapInfo(bytes).name, "0123456789abcdef");
  });

  test("u64 fields take safe integer numbers, and decode to bigints", () => {
    const bytes = codec.encodeProgInfo({ map_ids: 0x7fff_1234_5678, run_cnt: 0 });
    const info = codec.decodeProgInfo(bytes);
    assert.equal(info.map_ids, 0x7fff_1234_5678n);
    assert.equal(info.run_cnt, 0n);
  });

  test("a tag in upper case is accepted and decodes in lower case", () => {
    assert.equal(codec.decodeProgInfo(codec.encodeProgInfo({ tag: "ABCDEF0123456789" })).tag, "abcdef0123456789");
  });
});

describe("fields", () => {
  test("an unknown field is refused, nested ones too", () => {
    throwsCode(() => codec.encodeProgInfo({ nr_map_id: 1 } as never), "UNKNOWN_FIELD", "nr_map_id");
    throwsCode(() => codec.encodeLinkInfo({ type: core.BPF_LINK_TYPE_XDP, xdp: { ifidx: 1 } } as never), "UNKNOWN_FIELD", "xdp.ifidx");
    throwsCode(() => codec.encodeMapInfo({ line: 1 } as never), "UNKNOWN_FIELD", "line");
  });

  test("a field given past the requested length is refused", () => {
    throwsCode(() => codec.encodeProgInfo({ run_cnt: 1n }, { length: 200 }), "FIELD_PAST_LENGTH", "run_cnt");
    assert.equal(codec.encodeProgInfo({ run_cnt: 1n }, { length: 208 }).length, 208);
  });

  test("an arm other than the one the type selects", () => {
    throwsCode(() => codec.encodeLinkInfo({ type: core.BPF_LINK_TYPE_XDP, tcx: { ifindex: 1 } }), "WRONG_ARM", "tcx");
    throwsCode(() => codec.encodeLinkInfo({ xdp: { ifindex: 1 } }), "WRONG_ARM", "xdp");
    throwsCode(() => codec.encodeLinkInfo({ type: 999, xdp: { ifindex: 1 } }), "WRONG_ARM", "xdp");
  });

  test("a perf_event variant other than the one its type selects", () => {
    const type = core.BPF_LINK_TYPE_PERF_EVENT;
    throwsCode(
      () => codec.encodeLinkInfo({ type, perf_event: { type: core.BPF_PERF_EVENT_UPROBE, kprobe: { addr: 1n } } }),
      "WRONG_ARM",
      "perf_event.kprobe",
    );
    throwsCode(() => codec.encodeLinkInfo({ type, perf_event: { tracepoint: { cookie: 1n } } }), "WRONG_ARM", "perf_event.tracepoint");
    const ok = codec.encodeLinkInfo({ type, perf_event: { type: core.BPF_PERF_EVENT_URETPROBE, uprobe: { offset: 9 } } });
    assert.equal(codec.decodeLinkInfo(ok).perf_event?.uprobe?.offset, 9);
  });

  test("iter's cgroup and task views share bytes: both only when they agree", () => {
    const type = core.BPF_LINK_TYPE_ITER;
    throwsCode(() => codec.encodeLinkInfo({ type, iter: { cgroup: { cgroup_id: 5n }, task: { tid: 6 } } }), "WRONG_ARM");
    const bytes = codec.encodeLinkInfo({ type, iter: { cgroup: { cgroup_id: 0x0000_0007_0000_0006n }, task: { tid: 6, pid: 7 } } }, { littleEndian: true });
    assert.deepEqual(codec.decodeLinkInfo(bytes, { littleEndian: true }).iter?.task, { tid: 6, pid: 7 });
  });
});

describe("the guard and the class", () => {
  test("isCodecError works across copies of the package (by name), and on nothing else", () => {
    const foreign = Object.assign(new Error("x"), { name: "CodecError", code: "BAD_LENGTH" });
    assert.equal(isCodecError(foreign), true);
    assert.equal(isCodecError(new RangeError("x")), false);
    assert.equal(isCodecError({ name: "CodecError" }), false);
    assert.equal(isCodecError(undefined), false);
  });

  test("a CodecError carries its code, struct, field and cause", () => {
    const cause = new Error("inner");
    const error = new CodecError("BAD_VALUE", "encoding x: bad", { struct: "bpf_map_info", field: "id", cause });
    assert.equal(error.name, "CodecError");
    assert.equal(error.struct, "bpf_map_info");
    assert.equal(error.field, "id");
    assert.equal(error.cause, cause);
    assert.ok(error instanceof Error);
  });

  test("fieldOffset and fieldLayout", () => {
    assert.equal(codec.fieldOffset("bpf_prog_info", "map_ids"), 56);
    assert.equal(codec.fieldOffset("bpf_prog_info", "nr_map_ids"), 52);
    assert.equal(codec.fieldOffset("bpf_link_info", "perf_event.kprobe.func_name"), 24);
    assert.equal(codec.fieldOffset("bpf_link_info", "xdp.ifindex"), 16);
    assert.equal(codec.fieldLayout("bpf_prog_info", "run_time_ns").since, "5.1");
    assert.equal(codec.fieldLayout("bpf_link_info", "perf_event.kprobe.func_name").name, "perf_event.kprobe.func_name");
    throwsCode(() => codec.fieldOffset("bpf_prog_info", "nope"), "UNKNOWN_FIELD", "nope");
    throwsCode(() => codec.fieldOffset("bpf_nope" as never, "id"), "UNKNOWN_FIELD");
    throwsCode(() => codec.fieldOffset("bpf_prog_info", "toString"), "UNKNOWN_FIELD");
  });
});

describe("request buffers for BPF_OBJ_GET_INFO_BY_FD", () => {
  test("the second call's bpf_prog_info: zero but for nr_map_ids and the map_ids pointer", () => {
    const address = 0x7f12_3456_7000n;
    const request = codec.encodeProgInfo({ nr_map_ids: 3, map_ids: address }, { littleEndian: true });
    const view = new DataView(request.buffer);
    assert.equal(view.getUint32(codec.fieldOffset("bpf_prog_info", "nr_map_ids"), true), 3);
    assert.equal(view.getBigUint64(codec.fieldOffset("bpf_prog_info", "map_ids"), true), address);
    const nonzero = [...request].flatMap((byte, i) => (byte !== 0 ? [i] : []));
    assert.ok(nonzero.every((i) => (i >= 52 && i < 56) || (i >= 56 && i < 64)), `only the two fields are set: ${nonzero}`);
  });

  test("into an existing buffer: the struct's bytes are zeroed, the rest untouched", () => {
    const into = new Uint8Array(300).fill(0xff);
    const out = codec.encodeMapInfo({ id: 1 }, { into, offset: 100, length: 24 });
    assert.equal(out.buffer, into.buffer);
    assert.equal(out.byteOffset, 100);
    assert.equal(out.length, 24);
    assert.ok(into.subarray(0, 100).every((byte) => byte === 0xff));
    assert.ok(into.subarray(124).every((byte) => byte === 0xff));
    assert.equal(codec.decodeMapInfo(out).id, 1);
  });
});
