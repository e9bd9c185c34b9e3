// The codecs against the truth: every field's offset and size equals the kernel BTF's, for the pinned 7.1 blob and the running kernel.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { release } from "node:os";
import * as codec from "bpftypes/codec";
import * as core from "bpftypes";
import { infoLayouts, type InfoStructName } from "bpftypes/codec";
import { isAvailableIn } from "bpftypes";
import type { Btf } from "bpftypes/btf";
import { liveBtf, pinnedBtf } from "../support/testdata.js";
import { allPaths, getPath, layoutOf, setPath } from "./cases.js";
import { codecs } from "./walk.js";

/** A field as BTF places it: byte offset and size, and for a bitfield its absolute bit position and width. */
interface BtfLeaf {
  offset: number;
  size: number;
  bitPosition?: number;
  bitSize?: number;
}

/**
 * Every scalar, array or pointer member of a struct by dotted path: a named struct or union member
 * adds its name to the path, an anonymous one does not (so `bpf_link_info`'s union arms read
 * `perf_event.kprobe.func_name`). Unnamed bitfields (padding) are skipped.
 */
function btfLeaves(btf: Btf, struct: string): { size: number; leaves: Map<string, BtfLeaf> } {
  const type = btf.findByName(struct, "struct");
  assert.ok(type, `BTF has struct ${struct}`);
  const leaves = new Map<string, BtfLeaf>();
  const walk = (id: number, bitBase: number, prefix: string): void => {
    const aggregate = btf.type(btf.resolve(id));
    assert.ok(aggregate.kind === "struct" || aggregate.kind === "union");
    for (const member of aggregate.members) {
      const memberId = btf.resolve(member.type);
      const memberType = btf.type(memberId);
      const bit = bitBase + member.bitOffset;
      if (memberType.kind === "struct" || memberType.kind === "union") {
        walk(memberId, bit, member.name === "" ? prefix : `${prefix}${member.name}.`);
        continue;
      }
      if (member.name === "") continue;
      const size = btf.sizeof(memberId);
      const bits = member.bitfieldSize || (memberType.kind === "int" && memberType.bits < size * 8 ? memberType.bits : 0);
      if (bits > 0) leaves.set(`${prefix}${member.name}`, { offset: Math.floor(bit / 8 / size) * size, size, bitPosition: bit, bitSize: bits });
      else leaves.set(`${prefix}${member.name}`, { offset: bit / 8, size });
    }
  };
  walk(type.id, 0, "");
  return { size: type.size, leaves };
}

const structs = Object.keys(infoLayouts) as InfoStructName[];

function checkField(struct: InfoStructName, path: string, truth: BtfLeaf): void {
  const ours = layoutOf(struct, path);
  assert.equal(codec.fieldOffset(struct, path), truth.offset, `${struct}.${path} offset`);
  if (truth.bitPosition !== undefined) {
    assert.equal(ours.offset * 8 + (ours.bitOffset ?? -1000), truth.bitPosition, `${struct}.${path} bit position`);
    assert.equal(ours.bitSize, truth.bitSize, `${struct}.${path} bit width`);
  } else {
    assert.equal(ours.size, truth.size, `${struct}.${path} size`);
    assert.equal(ours.bitSize, undefined, `${struct}.${path} is not a bitfield`);
  }
}

describe("offsets and sizes against the pinned Linux 7.1 BTF", () => {
  for (const struct of structs) {
    test(`${struct}: the same fields at the same offsets, the same size`, () => {
      const truth = btfLeaves(pinnedBtf(), struct);
      assert.equal(infoLayouts[struct].size, truth.size, `sizeof(struct ${struct})`);
      assert.deepEqual(new Set(allPaths(struct)), new Set(truth.leaves.keys()), `${struct} field names`);
      for (const [path, leaf] of truth.leaves) checkField(struct, path, leaf);
    });
  }

  test("the seed's sizes are the codecs' sizes", () => {
    assert.equal(core.BPFProgInfoSize, infoLayouts.bpf_prog_info.size);
    assert.equal(core.BPFMapInfoSize, infoLayouts.bpf_map_info.size);
    assert.equal(codec.encodeProgInfo({}).length, 232);
    assert.equal(codec.encodeMapInfo({}).length, 104);
    assert.equal(codec.encodeLinkInfo({}).length, 64);
    assert.equal(codec.encodeBtfInfo({}).length, 32);
    assert.equal(codec.encodeFuncInfo({}).length, 8);
    assert.equal(codec.encodeLineInfo({}).length, 16);
    assert.equal(codec.encodeTokenInfo({}).length, 32);
  });
});

describe("offsets and sizes against the running kernel's BTF", () => {
  const btf = liveBtf();
  const skip = btf ? false : "no /sys/kernel/btf/vmlinux on this machine";
  for (const struct of structs) {
    test(`${struct}: every field both know sits at the same place; ours alone are newer than this kernel`, { skip }, () => {
      const truth = btfLeaves(btf as Btf, struct);
      const ours = new Set(allPaths(struct));
      let compared = 0;
      for (const [path, leaf] of truth.leaves) {
        // A kernel newer than our tables may have more fields: those are not ours to check.
        if (!ours.has(path)) continue;
        checkField(struct, path, leaf);
        compared++;
      }
      assert.ok(compared >= Math.min(3, ours.size), `${struct}: ${compared} fields compared`);
      for (const path of ours) {
        if (truth.leaves.has(path)) continue;
        const since = layoutOf(struct, path).since;
        assert.ok(since !== undefined, `${struct}.${path} is missing from the running kernel and has no since to explain it`);
        assert.notEqual(isAvailableIn(core.parseSince(since), release()), true, `${struct}.${path} (since ${since}) should be in ${release()}`);
      }
      if ([...truth.leaves.keys()].every((path) => ours.has(path)) && ours.size === truth.leaves.size) {
        assert.equal(infoLayouts[struct].size, truth.size, `sizeof(struct ${struct}) in ${release()}`);
      }
    });
  }
});

/** A value whose every byte is nonzero and distinct, of a field's type, and the bytes it must write (little-endian). */
function marker(struct: InfoStructName, path: string): { value: unknown; bytes: number[] } {
  const field = layoutOf(struct, path);
  const counting = Array.from({ length: field.size }, (_, i) => i + 1);
  switch (field.type) {
    case "bytes":
      return { value: Buffer.from(counting).toString("hex"), bytes: counting };
    case "string":
      return { value: String.fromCharCode(...counting.map((i) => 0x40 + i)), bytes: counting.map((i) => 0x40 + i) };
    case "u64":
    case "s64":
      return { value: BigInt(`0x${[...counting].reverse().map((i) => i.toString(16).padStart(2, "0")).join("")}`), bytes: counting };
    default:
      if (field.bitSize !== undefined) return { value: true, bytes: [] };
      return { value: Number(`0x${[...counting].reverse().map((i) => i.toString(16).padStart(2, "0")).join("")}`), bytes: counting };
  }
}

/** For a link arm field, the selectors that make the codec use that arm (and variant). */
function selectorsFor(struct: InfoStructName, path: string): Record<string, unknown> {
  if (struct !== "bpf_link_info" || !path.includes(".")) return {};
  const arm = path.split(".")[0]!;
  const out: Record<string, unknown> = { type: core.linkTypes.entryByName(arm)?.value };
  const variant = layoutOf(struct, path).variant;
  if (arm === "perf_event" && variant !== undefined) {
    const perfType = { uprobe: 1, kprobe: 3, tracepoint: 5, event: 6 }[variant];
    setPath(out, "perf_event.type", perfType);
  }
  return out;
}

describe("the codecs write and read each field at the BTF's bytes", () => {
  const truthOf = new Map(structs.map((struct) => [struct, btfLeaves(pinnedBtf(), struct).leaves]));
  for (const struct of structs) {
    test(struct, () => {
      for (const [path, truth] of truthOf.get(struct)!) {
        const selectors = selectorsFor(struct, path);
        if (path in selectors || path === "perf_event.type") continue;
        const baseline = codecs[struct].encode(selectors as never, { littleEndian: true });
        const record = structuredClone(selectors);
        const { value, bytes } = marker(struct, path);
        setPath(record, path, value);
        const encoded = codecs[struct].encode(record as never, { littleEndian: true });
        const changed = [...encoded].flatMap((byte, i) => (byte !== baseline[i] ? [i] : []));
        if (truth.bitPosition !== undefined) {
          const byte = Math.floor(truth.bitPosition / 8);
          assert.deepEqual(changed, [byte], `${struct}.${path} writes the byte of bit ${truth.bitPosition}`);
          assert.equal(encoded[byte]! ^ baseline[byte]!, 1 << truth.bitPosition % 8, `${struct}.${path} writes bit ${truth.bitPosition}`);
        } else {
          assert.deepEqual(changed, Array.from({ length: truth.size }, (_, i) => truth.offset + i), `${struct}.${path} writes its BTF bytes`);
          assert.deepEqual([...encoded.subarray(truth.offset, truth.offset + truth.size)], bytes, `${struct}.${path} in little-endian order`);
        }
        assert.deepEqual(getPath(codecs[struct].decode(encoded, { littleEndian: true }), path), value, `${struct}.${path} reads back`);
      }
    });
  }
});
