// Live tests of info requests: arrays and strings the kernel fills through checked pointers, and hand-written pointers refused, on real objects.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BPF_PROG_TYPE_RAW_TRACEPOINT } from "bpftypes";
import { decodeBtfInfo, decodeLinkInfo, decodeProgInfo, fieldOffset, infoLayouts } from "bpftypes/codec";
import {
  type BpfBackend,
  type KeepAlive,
  BpfFd,
  addressOf,
  allIds,
  bpfBackend,
  bpfCall,
  cString,
  getInfo,
  getInfoRaw,
  loadProgram,
  newAttr,
  setBpfBackend,
  tryGetFdById,
  writeStringPointer,
} from "bpftypes/node";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { returnImm } from "../support/insns.js";
import { loadSocketFilter } from "../support/objects.js";

checkFdLeaks();

const CANARY = 0xa5;

/** A `size`-byte view in the middle of a buffer of canary bytes: `intact()` says nothing was written around it. */
function fenced(size: number): { view: Uint8Array; intact: () => boolean } {
  const whole = new Uint8Array(16 + size + 256).fill(CANARY);
  const view = whole.subarray(16, 16 + size).fill(0);
  return { view, intact: () => whole.subarray(0, 16).every((b) => b === CANARY) && whole.subarray(16 + size).every((b) => b === CANARY) };
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes.subarray(0, Math.max(0, bytes.indexOf(0))));

/** A raw tracepoint link on `sys_enter` (BPF_RAW_TRACEPOINT_OPEN: name pointer at 0, prog fd at 8). */
function rawTracepointLink(): BpfFd {
  using prog = loadProgram({ progType: BPF_PROG_TYPE_RAW_TRACEPOINT, insns: returnImm(0), license: "GPL" }).fd;
  const attr = newAttr();
  const keep: KeepAlive = [];
  writeStringPointer(attr, 0, cString("sys_enter"), keep);
  new DataView(attr.buffer).setUint32(8, prog.fd, true);
  return new BpfFd(bpfCall("BPF_RAW_TRACEPOINT_OPEN", attr, keep), "link");
}

/** Runs `fn` with a backend counting the bpf(2) calls, then puts the real one back. */
function counting<T>(fn: () => T): { result: T; calls: number } {
  const real = bpfBackend();
  let calls = 0;
  const backend: BpfBackend = { name: "counting", addressOf: (b) => real.addressOf(b), close: (fd) => real.close(fd), bpf: (cmd, attr) => (calls++, real.bpf(cmd, attr)) };
  setBpfBackend(backend);
  try {
    return { result: fn(), calls };
  } finally {
    setBpfBackend(real);
  }
}

describe("info requests on real objects", { skip: liveSkip }, () => {
  test("a program's instructions, tag and map ids, each into a buffer of exactly the size the kernel reports", () => {
    using prog = loadSocketFilter();
    const first = getInfo(prog, "prog");
    const sizes = decodeProgInfo(first.info, first);
    const xlated = fenced(sizes.xlated_prog_len ?? 0);
    const jited = fenced(sizes.jited_prog_len ?? 0);
    const tags = fenced(8 * (sizes.nr_prog_tags ?? 0));
    const reply = getInfo(prog, "prog", { xlated_prog_insns: xlated.view, jited_prog_insns: jited.view, prog_tags: tags.view });
    const decoded = decodeProgInfo(reply.info, reply);
    assert.equal(decoded.xlated_prog_insns, 0n, "pointers read 0 in the reply");
    assert.equal(decoded.xlated_prog_len, xlated.view.byteLength);
    assert.ok(xlated.view.some((b) => b !== 0), "the kernel wrote the instructions");
    assert.ok(xlated.intact() && jited.intact() && tags.intact(), "the kernel wrote outside a view");
  });

  test("a raw tracepoint link's name: the link's type is asked first, then the name fills its buffer", () => {
    using link = rawTracepointLink();
    const name = fenced(64);
    const { result: reply, calls } = counting(() => getInfo(link, "link", { "raw_tracepoint.tp_name": name.view }));
    assert.equal(calls, 2, "a 4-byte info call for the type, then the request");
    assert.equal(text(name.view), "sys_enter");
    assert.ok(name.intact());
    const decoded = decodeLinkInfo(reply.info, reply);
    assert.equal(decoded.raw_tracepoint?.tp_name, 0n);
    assert.equal(decoded.raw_tracepoint?.tp_name_len, "sys_enter".length + 1);
  });

  test("a hand-written tp_name pointer with a length past its buffer is refused; within it, it is passed", () => {
    using link = rawTracepointLink();
    const small = fenced(4);
    const info = new Uint8Array(infoLayouts.bpf_link_info.size);
    const view = new DataView(info.buffer);
    const keep: KeepAlive = [];
    view.setBigUint64(fieldOffset("bpf_link_info", "raw_tracepoint.tp_name"), addressOf(small.view, keep), true);
    view.setUint32(fieldOffset("bpf_link_info", "raw_tracepoint.tp_name_len"), 64, true);
    assert.throws(() => getInfoRaw(link, info, keep), /raw_tracepoint\.tp_name points to no buffer held in keep with room for 64 bytes/);
    assert.ok(small.intact());
    const room = fenced(64);
    const keep2: KeepAlive = [];
    view.setBigUint64(fieldOffset("bpf_link_info", "raw_tracepoint.tp_name"), addressOf(room.view, keep2), true);
    getInfoRaw(link, info, keep2);
    assert.equal(text(room.view), "sys_enter");
    assert.ok(room.intact());
  });

  test("a handle whose kind is wrong: the struct checked is the one /proc names", () => {
    using prog = loadSocketFilter();
    using other = tryGetFdById("prog", decodeProgInfo(getInfo(prog, "prog").info).id ?? 0);
    assert.ok(other);
    // Says "btf", is a program: as bpf_btf_info these bytes hold no pointer, as bpf_prog_info they do.
    using lying = new BpfFd(other.release(), "btf");
    const ids = fenced(4);
    const info = new Uint8Array(infoLayouts.bpf_prog_info.size);
    const view = new DataView(info.buffer);
    const keep: KeepAlive = [];
    view.setBigUint64(fieldOffset("bpf_prog_info", "map_ids"), addressOf(ids.view, keep), true);
    view.setUint32(fieldOffset("bpf_prog_info", "nr_map_ids"), 3, true);
    assert.throws(() => getInfoRaw(lying, info, keep), /map_ids points to no buffer held in keep/);
    // A request built for a BTF object: refused for the program it is, whether its bytes are pointers there or not.
    assert.throws(() => getInfo(lying, "btf", { btf: new Uint8Array(16) }), /it is a prog, not a btf/);
    assert.throws(() => getInfo(lying, "btf", { name: new Uint8Array(16) }), /jited_prog_insns points to no buffer/);
    assert.ok(ids.intact());
  });

  test("the kernel's BTF by name: vmlinux", () => {
    for (const id of allIds("btf")) {
      using fd = tryGetFdById("btf", id);
      if (!fd) continue;
      const name = fenced(64);
      const reply = getInfo(fd, "btf", { name: name.view });
      const decoded = decodeBtfInfo(reply.info, reply);
      if (!decoded.kernel_btf) continue;
      assert.ok(name.intact());
      if (text(name.view) === "vmlinux") return;
    }
    assert.fail("no BTF object named vmlinux");
  });
});
