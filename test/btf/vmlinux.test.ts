// Parses real kernel BTF (the pinned Linux 7.1 blob and the running kernel's) and checks it against known facts and bpftool.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { parseBtf, type Btf } from "bpftypes/btf";
import { bpftoolRawDump, compareWithBpftool, findBpftool, requireLive } from "./bpftool.js";
import { liveBlob, livePath, pinnedBlob } from "./data.js";

const bpftool = findBpftool();
const noBpftool = "bpftool is not installed (apt-get install -y bpftool): the comparison with bpftool did NOT run";
const live = liveBlob();
const noLive = `${livePath} does not exist on this kernel: live BTF checks did NOT run`;
if (bpftool === undefined) console.warn(`WARNING: ${noBpftool}`);
if (live === undefined) console.warn(`WARNING: ${noLive}`);

function struct(btf: Btf, name: string) {
  const t = btf.findByName(name, "struct");
  assert.ok(t, `struct ${name} not found`);
  return t;
}

function member(btf: Btf, structName: string, memberName: string) {
  const m = struct(btf, structName).members.find((x) => x.name === memberName);
  assert.ok(m, `${structName}.${memberName} not found`);
  return m;
}

/** Whether the running kernel is at least major.minor. */
function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = release().split(".").map((x) => parseInt(x, 10));
  return a > major || (a === major && b >= minor);
}

/**
 * Facts about the BPF UAPI that hold in Linux 6.18 and 7.1 alike. The info structs grow now and then,
 * so their sizes are only checked on kernels at least as new as those (`sizes`).
 */
function checkUapiFacts(btf: Btf, sizes: boolean): void {
  if (sizes) {
    assert.equal(btf.sizeof(struct(btf, "bpf_prog_info").id), 232);
    assert.equal(struct(btf, "bpf_prog_info").size, 232);
    assert.equal(btf.sizeof(struct(btf, "bpf_map_info").id), 104);
  }
  assert.equal(btf.sizeof(struct(btf, "bpf_line_info").id), 16);
  assert.equal(btf.sizeof(struct(btf, "bpf_insn").id), 8);
  assert.equal(btf.findByName("bpf_attr", "union")?.kind, "union");

  // gpl_compatible:1 follows the u32 at byte 80 of bpf_prog_info.
  const gpl = member(btf, "bpf_prog_info", "gpl_compatible");
  assert.equal(gpl.bitOffset, 672);
  assert.equal(gpl.bitfieldSize, 1);
  const dst = member(btf, "bpf_insn", "dst_reg");
  assert.deepEqual([dst.bitOffset, dst.bitfieldSize], [8, 4]);
  const src = member(btf, "bpf_insn", "src_reg");
  assert.deepEqual([src.bitOffset, src.bitfieldSize], [12, 4]);
  assert.equal(member(btf, "bpf_prog_info", "type").bitfieldSize, 0);

  // tag is __u8[8]: an array of a typedef of unsigned char.
  const tag = member(btf, "bpf_prog_info", "tag");
  const arr = btf.type(tag.type);
  assert.equal(arr.kind, "array");
  if (arr.kind === "array") {
    assert.equal(arr.length, 8);
    assert.equal(btf.type(arr.elemType).name, "__u8");
    const u8 = btf.type(btf.resolve(arr.elemType));
    assert.equal(u8.kind, "int");
    if (u8.kind === "int") {
      assert.equal(u8.name, "unsigned char");
      assert.deepEqual(u8.encoding, { signed: false, char: false, bool: false });
      assert.equal(u8.bits, 8);
    }
  }
  assert.equal(btf.sizeof(tag.type), 8);

  const mapType = btf.findByName("bpf_map_type", "enum");
  assert.ok(mapType);
  assert.equal(mapType.size, 4);
  assert.equal(mapType.signed, false);
  assert.deepEqual(mapType.values[0], { name: "BPF_MAP_TYPE_UNSPEC", value: 0 });
  assert.deepEqual(mapType.values.find((v) => v.name === "BPF_MAP_TYPE_HASH"), { name: "BPF_MAP_TYPE_HASH", value: 1 });
  assert.equal(btf.findEnumWithValue("BPF_MAP_TYPE_HASH")?.id, mapType.id);

  // BPF_F_NO_PREALLOC lives in an anonymous enum.
  const flags = btf.findEnumWithValue("BPF_F_NO_PREALLOC");
  assert.ok(flags);
  assert.equal(flags.kind, "enum");
  assert.equal(flags.name, "");
  assert.deepEqual(flags.values.find((v) => v.name === "BPF_F_NO_PREALLOC")?.value, 1);
  assert.equal(btf.findEnumWithValue("BPF_F_NO_SUCH_FLAG"), undefined);

  const u32 = btf.findByName("__u32", "typedef");
  assert.ok(u32);
  assert.equal(btf.type(btf.resolve(u32.id)).name, "unsigned int");
  assert.equal(btf.sizeof(u32.id), 4);
  assert.equal(btf.pointerSize, 8);
  const task = struct(btf, "task_struct");
  assert.equal(btf.findByName("task_struct", "fwd"), undefined);
  assert.ok(task.size > 1000);
  const func = btf.findByName("bpf_prog_put", "func");
  assert.ok(func);
  const proto = btf.type(func.type);
  assert.equal(proto.kind, "func_proto");
  if (proto.kind === "func_proto") {
    assert.equal(proto.returnType, 0);
    assert.equal(proto.params.length, 1);
    assert.equal(proto.params[0]?.name, "prog");
    const ptr = btf.type(proto.params[0]!.type);
    assert.equal(ptr.kind, "ptr");
    if (ptr.kind === "ptr") assert.equal(btf.type(ptr.type).name, "bpf_prog");
  }
  assert.equal(btf.findByName("no_such_type_anywhere"), undefined);
  assert.equal(btf.findByName(""), undefined);
}

/** Decodes every type and runs resolve/sizeof on it; returns how many types there were. */
function walkAll(btf: Btf): number {
  let n = 0;
  for (const t of btf.types()) {
    assert.equal(btf.type(t.id).name, t.name);
    const r = btf.resolve(t.id);
    assert.ok(r >= 0 && r < btf.typeCount);
    n++;
  }
  return n;
}

describe("pinned Linux 7.1 BTF (testdata/vmlinux-7.1.btf.gz)", () => {
  const btf = parseBtf(pinnedBlob());

  test("header and counts", () => {
    assert.equal(btf.littleEndian, true);
    assert.equal(btf.base, undefined);
    assert.equal(btf.startId, 1);
    assert.equal(btf.typeCount, 103407);
    assert.equal(walkAll(btf), 103406);
  });

  test("well-known BPF UAPI layouts", () => checkUapiFacts(btf, true));

  test("kinds new in recent kernels", () => {
    const kinds = new Map<string, number>();
    for (const t of btf.types()) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
    for (const k of ["enum64", "decl_tag", "type_tag", "float", "datasec", "var"]) assert.ok(kinds.get(k), `no ${k} in 7.1 BTF`);
    const tag = [...btf.types()].find((t) => t.kind === "type_tag");
    assert.deepEqual(tag && { name: tag.name, attribute: tag.kind === "type_tag" && tag.attribute }, { name: "address_space(1)", attribute: true });
  });

  test("every type agrees with bpftool's raw dump", { skip: bpftool === undefined && !requireLive ? noBpftool : false }, () => {
    assert.ok(bpftool, noBpftool);
    const dir = mkdtempSync(join(tmpdir(), "bpftypes-btf-"));
    try {
      const file = join(dir, "vmlinux-7.1.btf");
      writeFileSync(file, pinnedBlob());
      assert.equal(compareWithBpftool(btf, bpftoolRawDump(bpftool, file)), 103406);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the running kernel's BTF (/sys/kernel/btf/vmlinux)", { skip: live === undefined && !requireLive ? noLive : false }, () => {
  const btf = live === undefined ? undefined : parseBtf(live);

  test("parses and every type decodes", () => {
    assert.ok(btf, noLive);
    assert.ok(btf.typeCount > 10_000);
    assert.equal(walkAll(btf), btf.typeCount - 1);
  });

  test("well-known BPF UAPI layouts", () => {
    assert.ok(btf, noLive);
    checkUapiFacts(btf, kernelAtLeast(6, 18));
  });

  test("every type agrees with bpftool's raw dump", { skip: bpftool === undefined && !requireLive ? noBpftool : false }, () => {
    assert.ok(btf, noLive);
    assert.ok(bpftool, noBpftool);
    const n = compareWithBpftool(btf, bpftoolRawDump(bpftool, livePath));
    assert.equal(n, btf.typeCount - 1);
  });
});
