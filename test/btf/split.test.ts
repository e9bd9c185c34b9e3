// Split BTF (kernel modules): ids and string offsets continuing the base's, lookups across both, and bpftool agreeing.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBtf, type Btf } from "bpftypes/btf";
import { bpftoolRawDump, compareWithBpftool, findBpftool, requireLive } from "./bpftool.js";
import { BtfBuilder, toBigEndian } from "./builder.js";
import { liveBlob, liveDir, liveModules, pinnedBlob } from "./data.js";
import { throwsBtf } from "./helpers.js";

const bpftool = findBpftool();
const noBpftool = "bpftool is not installed (apt-get install -y bpftool): the comparison with bpftool did NOT run";

/** The offset of the whole string `s` in a standalone blob's string section. */
function stringOffset(blob: Uint8Array, s: string): number {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const start = dv.getUint32(4, true) + dv.getUint32(16, true);
  const want = new TextEncoder().encode(`\0${s}\0`);
  const strs = blob.subarray(start, start + dv.getUint32(20, true));
  outer: for (let i = 0; i + want.length <= strs.length; i++) {
    for (let j = 0; j < want.length; j++) if (strs[i + j] !== want[j]) continue outer;
    return i + 1;
  }
  throw new Error(`string ${s} not in blob`);
}

/** A little module over `base`: its own struct pointing at a base struct, a typedef named by a base string, and so on. */
function buildModule(base: Btf, baseBlob: Uint8Array) {
  const b = new BtfBuilder({ startId: base.typeCount, startStringOffset: base.stringEnd });
  const task = base.findByName("task_struct", "struct")!.id;
  const u32 = base.findByName("__u32", "typedef")!.id;
  const taskPtr = b.ptr(task);
  const state = b.struct("mymod_state", 16, [
    { name: "task", type: taskPtr, bitOffset: 0 },
    { name: "count", type: u32, bitOffset: 64 },
    { name: "flag", type: u32, bitOffset: 96, bitfieldSize: 1 },
  ]);
  // A typedef whose name is a string of the base (modules reuse base strings this way).
  const baseNamed = b.raw(stringOffset(baseBlob, "pid_t"), (8 << 24) >>> 0, state);
  const arr = b.array(state, u32, 4);
  const flags = b.enum("", 4, [["MYMOD_F_ONE", 1], ["MYMOD_F_TWO", 2]]);
  const proto = b.funcProto(u32, [["st", b.ptr(state)]]);
  const fn = b.func("mymod_work", proto, 1);
  return { b, ids: { task, u32, taskPtr, state, baseNamed, arr, flags, proto, fn } };
}

describe("split BTF over the pinned 7.1 base", () => {
  const baseBlob = pinnedBlob();
  const base = parseBtf(baseBlob);
  const { b, ids } = buildModule(base, baseBlob);
  const modBlob = b.build();
  const mod = parseBtf(modBlob, { base });

  test("ids and string offsets continue the base's", () => {
    assert.equal(mod.base, base);
    assert.equal(mod.startId, base.typeCount);
    assert.equal(mod.typeCount, base.typeCount + (b.nextId - b.startId));
    assert.equal(mod.startStringOffset, base.stringEnd);
    assert.ok(mod.stringEnd > base.stringEnd);
    const own = [...mod.types()];
    assert.equal(own.length, b.nextId - b.startId);
    assert.equal(own[0]?.id, base.typeCount);
  });

  test("types of the base are reachable through the split BTF", () => {
    assert.equal(mod.type(ids.task), base.type(ids.task));
    assert.equal(mod.kindOf(ids.task), "struct");
    const state = mod.type(ids.state);
    assert.ok(state.kind === "struct");
    assert.deepEqual(state.members, [
      { name: "task", type: ids.taskPtr, bitOffset: 0, bitfieldSize: 0 },
      { name: "count", type: ids.u32, bitOffset: 64, bitfieldSize: 0 },
      { name: "flag", type: ids.u32, bitOffset: 96, bitfieldSize: 1 },
    ]);
    assert.equal(mod.type(ids.baseNamed).name, "pid_t", "a name read from the base's strings");
    assert.equal(mod.string(0), "");
    assert.equal(mod.string(stringOffset(baseBlob, "task_struct")), "task_struct");
    throwsBtf(() => base.type(ids.state), "TYPE_ID_OUT_OF_RANGE");
  });

  test("lookups search the base first, then the module", () => {
    assert.equal(mod.findByName("task_struct", "struct")?.id, ids.task);
    assert.equal(mod.findByName("mymod_state")?.id, ids.state);
    assert.equal(mod.findByName("mymod_work", "func")?.id, ids.fn);
    // The module's typedef named pid_t comes after the base's own pid_t.
    assert.equal(mod.findByName("pid_t", "typedef")?.id, base.findByName("pid_t", "typedef")?.id);
    assert.equal(base.findByName("mymod_state"), undefined);
    assert.equal(mod.findEnumWithValue("MYMOD_F_TWO")?.id, ids.flags);
    assert.equal(mod.findEnumWithValue("BPF_F_NO_PREALLOC")?.id, base.findEnumWithValue("BPF_F_NO_PREALLOC")?.id);
  });

  test("resolve and sizeof cross into the base", () => {
    assert.equal(mod.resolve(ids.u32), base.resolve(ids.u32));
    assert.equal(mod.sizeof(ids.arr), 64);
    assert.equal(mod.sizeof(ids.baseNamed), 16);
    assert.equal(mod.sizeof(ids.taskPtr), 8);
    assert.equal(mod.pointerSize, 8);
    assert.equal(mod.resolve(0), 0);
    throwsBtf(() => mod.sizeof(ids.fn), "BAD_TYPE", /func 'mymod_work'/);
  });

  test("a big-endian module over a big-endian base", () => {
    const beBase = parseBtf(toBigEndian(baseBlob));
    const beMod = parseBtf(b.build({ littleEndian: false }), { base: beBase });
    assert.deepEqual([...beMod.types()], [...mod.types()]);
  });

  test("a module with an empty string section, and one whose strings do not start with NUL", () => {
    const e = new BtfBuilder({ startId: base.typeCount, startStringOffset: base.stringEnd });
    e.ptr(ids.task);
    e.raw(stringOffset(baseBlob, "pid_t"), (8 << 24) >>> 0, base.typeCount);
    const empty = parseBtf(e.build(), { base });
    assert.equal(empty.stringEnd, base.stringEnd);
    assert.equal(empty.type(base.typeCount + 1).name, "pid_t");
    const n = new BtfBuilder({ startId: base.typeCount, startStringOffset: base.stringEnd });
    n.typedef("first", ids.task);
    assert.equal(parseBtf(n.build(), { base }).type(base.typeCount).name, "first");
  });

  test("split BTF of split BTF", () => {
    const c = new BtfBuilder({ startId: mod.typeCount, startStringOffset: mod.stringEnd });
    const p = c.ptr(ids.state);
    c.typedef("mymod_state_t", ids.state);
    const sub = parseBtf(c.build(), { base: mod });
    assert.equal(sub.startId, mod.typeCount);
    assert.equal(sub.findByName("mymod_state_t")?.id, p + 1);
    assert.equal(sub.findByName("mymod_state")?.id, ids.state);
    assert.equal(sub.sizeof(p + 1), 16);
    assert.equal(sub.type(ids.task).name, "task_struct");
  });

  test("malformed split BTF", () => {
    const refs = new BtfBuilder({ startId: base.typeCount, startStringOffset: base.stringEnd });
    refs.ptr(base.typeCount + 5);
    throwsBtf(() => parseBtf(refs.build(), { base }), "BAD_TYPE", /refers to type/);
    const names = new BtfBuilder({ startId: base.typeCount, startStringOffset: base.stringEnd });
    names.raw(base.stringEnd + 100, (8 << 24) >>> 0, 1);
    throwsBtf(() => parseBtf(names.build(), { base }), "STRING_OUT_OF_RANGE");
    const unterminated = b.build();
    unterminated[unterminated.length - 1] = 0x41;
    throwsBtf(() => parseBtf(unterminated, { base }), "BAD_HEADER", /end with a NUL/);
    // Without its base, the module's references and names point nowhere.
    throwsBtf(() => parseBtf(modBlob), "BAD_HEADER");
  });

  test("bpftool -B reads the hand-built module the same way", { skip: bpftool === undefined && !requireLive ? noBpftool : false }, () => {
    assert.ok(bpftool, noBpftool);
    const dir = mkdtempSync(join(tmpdir(), "bpftypes-split-"));
    try {
      writeFileSync(join(dir, "base.btf"), baseBlob);
      writeFileSync(join(dir, "mod.btf"), modBlob);
      const raw = bpftoolRawDump(bpftool, join(dir, "mod.btf"), join(dir, "base.btf"));
      assert.equal(compareWithBpftool(mod, raw), b.nextId - b.startId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the running kernel's module BTF (/sys/kernel/btf/<module>)", () => {
  const modules = liveModules();
  const live = liveBlob();
  const why =
    live === undefined
      ? `${liveDir}/vmlinux does not exist: module BTF checks did NOT run`
      : modules.length === 0
        ? `no module has BTF in ${liveDir} on this kernel (all built in?): real module BTF checks did NOT run; the hand-built split tests above cover the format`
        : undefined;
  if (why !== undefined) console.warn(`NOTE: ${why}`);

  test("every module parses over vmlinux and agrees with bpftool", { skip: why ?? false }, () => {
    const base = parseBtf(live!);
    for (const name of modules) {
      const path = `${liveDir}/${name}`;
      const mod = parseBtf(new Uint8Array(readFileSync(path)), { base });
      assert.equal(mod.startId, base.typeCount, name);
      for (const t of mod.types()) {
        mod.resolve(t.id);
        assert.deepEqual(mod.type(t.id), t);
      }
      if (bpftool !== undefined) compareWithBpftool(mod, bpftoolRawDump(bpftool, path, `${liveDir}/vmlinux`));
    }
  });
});
