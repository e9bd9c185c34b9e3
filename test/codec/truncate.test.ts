// Decoding a record cut at every length: exactly the fields that fit whole are present, the rest are named as absent.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as codec from "bpftypes/codec";
import { allCases } from "./cases.js";
import { checkTruncations } from "./walk.js";

describe("truncated at every length", () => {
  for (const c of allCases()) test(c.label, () => checkTruncations(c));

  test("absent lists fields in offset order, and absent fields are missing, not undefined", () => {
    const info = codec.decodeProgInfo(new Uint8Array(232), { length: 192 });
    assert.deepEqual(info.absent, ["run_time_ns", "run_cnt", "recursion_misses", "verified_insns", "attach_btf_obj_id", "attach_btf_id"]);
    assert.equal("run_time_ns" in info, false);
    assert.equal(info.prog_tags, 0n);
  });

  test("a field is present only when all of its bytes fit: gpl_compatible needs the whole word at 84", () => {
    const bytes = codec.encodeProgInfo({ gpl_compatible: true });
    assert.equal("gpl_compatible" in codec.decodeProgInfo(bytes, { length: 85 }), false);
    assert.equal("gpl_compatible" in codec.decodeProgInfo(bytes, { length: 87 }), false);
    assert.equal(codec.decodeProgInfo(bytes, { length: 88 }).gpl_compatible, true);
  });

  test("the name needs all 16 bytes: a kernel that filled 70 bytes reports no name", () => {
    const bytes = codec.encodeProgInfo({ name: "ab" });
    assert.equal("name" in codec.decodeProgInfo(bytes, { length: 70 }), false);
    assert.equal(codec.decodeProgInfo(bytes, { length: 80 }).name, "ab");
  });

  test("fieldsWithin lists what a kernel reporting that info_len fills", () => {
    assert.deepEqual(codec.fieldsWithin("bpf_map_info", 24), ["type", "id", "key_size", "value_size", "max_entries", "map_flags"]);
    assert.deepEqual(codec.fieldsWithin("bpf_func_info", 4), ["insn_off"]);
    assert.ok(codec.fieldsWithin("bpf_link_info", 64).includes("perf_event.kprobe.cookie"));
  });
});
