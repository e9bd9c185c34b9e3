// Tests of the bpf_attr encoders: the bytes each builds, and every offset checked against a kernel's BTF (via bpftool).

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  ATTR_LAYOUT,
  BPF_ATTR_SIZE,
  type AttrGroup,
  type BpfBackend,
  type KeepAlive,
  btfLoadAttr,
  enableStatsAttr,
  getIdAttr,
  infoAttr,
  linkCreateAttr,
  mapCreateAttr,
  mapElemAttr,
  objPinAttr,
  progLoadAttr,
  readInfoLen,
  readNextId,
  setBpfBackend,
} from "bpftypes/node";
import { BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, BPF_XDP, BPF_PROG_TYPE_XDP } from "bpftypes";
import { haveBpftool } from "../support/bpftool.js";
import { type KernelBtf, loadKernelBtf } from "../support/kernel-btf.js";
import { requireLive } from "../support/live.js";
import { repoRoot } from "../support/testdata.js";
import { returnImm } from "../support/insns.js";

const view = (u8: Uint8Array): DataView => new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
const u32 = (u8: Uint8Array, offset: number): number => view(u8).getUint32(offset, true);
const u64 = (u8: Uint8Array, offset: number): bigint => view(u8).getBigUint64(offset, true);

/** Made-up addresses: buffer i lives at (i + 1) << 32, so every pointer written is recognisable. */
function withFakeAddresses(): { addressOf(buffer: Uint8Array): bigint; restore(): void } {
  const seen: Uint8Array[] = [];
  const fake: BpfBackend = {
    name: "fake",
    bpf: () => 0,
    addressOf(buffer) {
      let index = seen.indexOf(buffer);
      if (index < 0) index = seen.push(buffer) - 1;
      return BigInt(index + 1) << 32n;
    },
    close(fd) {
      closeSync(fd);
      return 0;
    },
  };
  const previous = setBpfBackend(fake);
  return { addressOf: (buffer) => fake.addressOf(buffer), restore: () => setBpfBackend(previous) };
}

describe("encoders", () => {
  let fake: ReturnType<typeof withFakeAddresses>;
  before(() => (fake = withFakeAddresses()));
  after(() => fake.restore());

  test("map create", () => {
    const attr = mapCreateAttr({
      mapType: BPF_MAP_TYPE_LPM_TRIE,
      keySize: 8,
      valueSize: 4,
      maxEntries: 16,
      mapFlags: BPF_F_NO_PREALLOC,
      innerMapFd: 7,
      name: "trie.v4",
      btfFd: 9,
      btfKeyTypeId: 3,
      btfValueTypeId: 4,
      mapExtra: 0x1_0000_0002n,
    });
    assert.equal(attr.byteLength, BPF_ATTR_SIZE);
    assert.deepEqual([0, 4, 8, 12, 16, 20].map((o) => u32(attr, o)), [BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC, 7]);
    assert.equal(new TextDecoder().decode(attr.subarray(28, 35)), "trie.v4");
    assert.deepEqual([...attr.subarray(35, 44)], new Array(9).fill(0), "the name is NUL-padded");
    assert.deepEqual([48, 52, 56].map((o) => u32(attr, o)), [9, 3, 4]);
    assert.equal(u64(attr, 64), 0x1_0000_0002n);
    assert.deepEqual([...attr.subarray(72)], new Array(BPF_ATTR_SIZE - 72).fill(0));
  });

  test("a 15-character name fills the field but its last byte", () => {
    const attr = mapCreateAttr({ mapType: 1, keySize: 4, valueSize: 4, maxEntries: 1, name: "abcdefghijklmno" });
    assert.equal(new TextDecoder().decode(attr.subarray(28, 43)), "abcdefghijklmno");
    assert.equal(attr[43], 0);
    assert.throws(() => mapCreateAttr({ mapType: 1, keySize: 4, valueSize: 4, maxEntries: 1, name: "abcdefghijklmnop" }), RangeError);
  });

  test("map element: key, value, flags", () => {
    const keep: KeepAlive = [];
    const key = new Uint8Array(4);
    const value = new Uint8Array(12);
    const attr = mapElemAttr(5, { buffer: key, size: 4 }, { buffer: value, size: 12 }, 2n, keep);
    assert.equal(u32(attr, 0), 5);
    assert.equal(u64(attr, 8), fake.addressOf(key));
    assert.equal(u64(attr, 16), fake.addressOf(value));
    assert.equal(u64(attr, 24), 2n);
    assert.deepEqual(keep, [key, value]);
  });

  test("prog load: counts and sizes come from the buffers", () => {
    const keep: KeepAlive = [];
    const insns = returnImm(2);
    const log = new Uint8Array(4096);
    const funcInfo = new Uint8Array(16);
    const attr = progLoadAttr(
      {
        progType: BPF_PROG_TYPE_XDP,
        insns,
        license: "GPL",
        logLevel: 1,
        logBuf: log,
        name: "pass",
        expectedAttachType: BPF_XDP,
        progBtfFd: 11,
        funcInfo: { records: funcInfo, recordSize: 8 },
      },
      keep,
    );
    assert.equal(u32(attr, 0), BPF_PROG_TYPE_XDP);
    assert.equal(u32(attr, 4), 2, "insn_cnt");
    assert.equal(u64(attr, 8), fake.addressOf(insns));
    const license = keep.find((buffer) => fake.addressOf(buffer) === u64(attr, 16));
    assert.deepEqual(license, new Uint8Array([71, 80, 76, 0]));
    assert.equal(u32(attr, 24), 1, "log_level");
    assert.equal(u32(attr, 28), 4096, "log_size");
    assert.equal(u64(attr, 32), fake.addressOf(log));
    assert.equal(new TextDecoder().decode(attr.subarray(48, 52)), "pass");
    assert.equal(u32(attr, 68), BPF_XDP);
    assert.equal(u32(attr, 72), 11);
    assert.equal(u32(attr, 76), 8, "func_info_rec_size");
    assert.equal(u64(attr, 80), fake.addressOf(funcInfo));
    assert.equal(u32(attr, 88), 2, "func_info_cnt");
  });

  test("obj pin / get, ids, info, btf, link, stats", () => {
    const keep: KeepAlive = [];
    const pin = objPinAttr("/sys/fs/bpf/x", 6, 8, keep);
    assert.deepEqual(keep[0], new TextEncoder().encode("/sys/fs/bpf/x\0"));
    assert.equal(u64(pin, 0), fake.addressOf(keep[0] as Uint8Array));
    assert.deepEqual([u32(pin, 8), u32(pin, 12)], [6, 8]);

    const id = getIdAttr(42, 1);
    assert.deepEqual([u32(id, 0), u32(id, 8)], [42, 1]);
    view(id).setUint32(4, 43, true);
    assert.equal(readNextId(id), 43);

    const info = new Uint8Array(104);
    const infoA = infoAttr(3, info, keep);
    assert.deepEqual([u32(infoA, 0), u32(infoA, 4)], [3, 104]);
    assert.equal(u64(infoA, 8), fake.addressOf(info));
    assert.equal(readInfoLen(infoA), 104);

    const blob = new Uint8Array(40);
    const log = new Uint8Array(256);
    const btf = btfLoadAttr(blob, log, 1, keep);
    assert.equal(u64(btf, 0), fake.addressOf(blob));
    assert.equal(u64(btf, 8), fake.addressOf(log));
    assert.deepEqual([u32(btf, 16), u32(btf, 20), u32(btf, 24)], [40, 256, 1]);

    const link = linkCreateAttr({ progFd: 4, target: 2, attachType: BPF_XDP, flags: 2 });
    assert.deepEqual([0, 4, 8, 12].map((o) => u32(link, o)), [4, 2, BPF_XDP, 2]);

    assert.equal(u32(enableStatsAttr(0), 0), 0);
    assert.deepEqual(enableStatsAttr(0), new Uint8Array(BPF_ATTR_SIZE));
  });
});

/** Where a group's fields are in a kernel's union bpf_attr, and every way they differ from ours. */
function mismatches(btf: KernelBtf, group: AttrGroup): string[] {
  const members = btf.unionMembers("bpf_attr");
  const names = Object.keys(group.fields);
  // A named member by its name; an anonymous struct as the one anonymous member holding every field.
  const candidates =
    group.member === null
      ? members.filter((member) => member.name === "(anon)" && names.every((name) => member.fields.has(name)))
      : members.filter((member) => member.name === group.member);
  if (candidates.length !== 1) return [`${candidates.length} members of union bpf_attr hold ${names.join(", ")}`];
  const member = candidates[0] as (typeof candidates)[number];
  const problems: string[] = [];
  for (const [name, ours] of Object.entries(group.fields)) {
    const theirs = member.fields.get(name);
    if (!theirs) problems.push(`${name}: not in the kernel's member`);
    else if (theirs.offset !== ours.offset || theirs.size !== ours.size) {
      problems.push(`${name}: ours ${ours.offset}+${ours.size}, kernel's ${theirs.offset}+${theirs.size}`);
    }
  }
  return problems;
}

const noBpftool = haveBpftool ? false : "bpftool is not installed";
if (noBpftool && requireLive) throw new Error("BPFTYPES_REQUIRE_LIVE=1 but bpftool is missing");

describe("layouts against the running kernel's BTF", { skip: noBpftool }, () => {
  let live: KernelBtf;
  before(() => (live = loadKernelBtf()));

  for (const [groupName, group] of Object.entries(ATTR_LAYOUT)) {
    test(`union bpf_attr: ${groupName} (${group.member ?? "anonymous struct"})`, () => {
      assert.deepEqual(mismatches(live, group), []);
    });
  }

  test("the check finds a wrong offset, a wrong size and a missing field", () => {
    const wrong: AttrGroup = {
      member: null,
      fields: { ...ATTR_LAYOUT.progLoad.fields, log_buf: { offset: 36, size: 8 }, log_size: { offset: 28, size: 8 } },
    };
    assert.deepEqual(mismatches(live, wrong), ["log_size: ours 28+8, kernel's 28+4", "log_buf: ours 36+8, kernel's 32+8"]);
    assert.deepEqual(mismatches(live, { member: "info", fields: { bpf_fd: { offset: 0, size: 4 }, nonesuch: { offset: 0, size: 4 } } }), [
      "nonesuch: not in the kernel's member",
    ]);
    assert.deepEqual(mismatches(live, { member: null, fields: { map_fd: { offset: 0, size: 4 }, in_batch: { offset: 0, size: 8 } } }), [
      "0 members of union bpf_attr hold map_fd, in_batch",
    ]);
  });

  test("the running kernel's union bpf_attr is no larger than ours, so it reads all it knows", () => {
    assert.ok(live.sizeOf("UNION", "bpf_attr") <= BPF_ATTR_SIZE);
  });
});

describe("layouts against the pinned Linux 7.1 BTF", { skip: noBpftool }, () => {
  let pinned: KernelBtf;
  before(() => {
    const dir = mkdtempSync(join(tmpdir(), "bpftypes-btf-"));
    try {
      const path = join(dir, "vmlinux-7.1.btf");
      writeFileSync(path, gunzipSync(readFileSync(`${repoRoot}testdata/vmlinux-7.1.btf.gz`)));
      pinned = loadKernelBtf(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("BPF_ATTR_SIZE is sizeof(union bpf_attr) in 7.1", () => {
    assert.equal(pinned.sizeOf("UNION", "bpf_attr"), BPF_ATTR_SIZE);
  });

  for (const [groupName, group] of Object.entries(ATTR_LAYOUT)) {
    test(`union bpf_attr: ${groupName}`, () => {
      assert.deepEqual(mismatches(pinned, group), []);
    });
  }
});
