// Big-endian BTF: hand-built blobs and the whole pinned 7.1 blob byte-swapped must decode exactly like their little-endian twins.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseBtf, type Btf } from "bpftypes/btf";
import { toBigEndian } from "./builder.js";
import { pinnedBlob } from "./data.js";
import { everyKind } from "./helpers.js";

/** Every type as JSON (bigints as strings), for a fast whole-table comparison. */
function dump(btf: Btf): string[] {
  return [...btf.types()].map((t) => JSON.stringify(t, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)));
}

describe("big-endian BTF", () => {
  test("a blob with every kind, built in both byte orders", () => {
    const { b, ids } = everyKind();
    const le = parseBtf(b.build({ littleEndian: true }));
    const be = parseBtf(b.build({ littleEndian: false }));
    assert.equal(le.littleEndian, true);
    assert.equal(be.littleEndian, false);
    assert.deepEqual([...be.types()], [...le.types()]);
    assert.equal(be.sizeof(ids.arr), 16);
    assert.equal(be.findEnumWithValue("HUGE")?.id, ids.e64);
  });

  test("toBigEndian of a little-endian blob equals building it big-endian", () => {
    const { b } = everyKind();
    assert.deepEqual(toBigEndian(b.build({ littleEndian: true })), b.build({ littleEndian: false }));
  });

  test("the pinned Linux 7.1 blob, byte-swapped, decodes to the same types", () => {
    const le = parseBtf(pinnedBlob());
    const be = parseBtf(toBigEndian(pinnedBlob()));
    assert.equal(be.littleEndian, false);
    assert.equal(be.typeCount, le.typeCount);
    const a = dump(le);
    const b = dump(be);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.equal(b[i], a[i], `type ${i + 1} differs`);
    const info = be.findByName("bpf_prog_info", "struct");
    assert.equal(info?.size, 232);
    assert.equal(be.findEnumWithValue("BPF_F_NO_PREALLOC")?.kind, "enum");
  });
});
