// Decoding a record cut at every length: exactly the fields that fit whole are present, the rest are named as absent.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as bpftypes from "bpftypes";
import { infoLayouts, type DecodeOptions, type InfoStructName } from "bpftypes";
import { allCases, end, getPath, sampleRecord } from "./cases.js";

type Decoder = (bytes: Uint8Array, options?: DecodeOptions) => Record<string, unknown>;
type Encoder = (value: never) => Uint8Array;

const decoders: Record<InfoStructName, Decoder> = {
  bpf_prog_info: bpftypes.decodeProgInfo as Decoder,
  bpf_map_info: bpftypes.decodeMapInfo as Decoder,
  bpf_link_info: bpftypes.decodeLinkInfo as Decoder,
  bpf_btf_info: bpftypes.decodeBtfInfo as Decoder,
  bpf_func_info: bpftypes.decodeFuncInfo as Decoder,
  bpf_line_info: bpftypes.decodeLineInfo as Decoder,
  bpf_token_info: bpftypes.decodeTokenInfo as Decoder,
};
const encoders: Record<InfoStructName, Encoder> = {
  bpf_prog_info: bpftypes.encodeProgInfo,
  bpf_map_info: bpftypes.encodeMapInfo,
  bpf_link_info: bpftypes.encodeLinkInfo,
  bpf_btf_info: bpftypes.encodeBtfInfo,
  bpf_func_info: bpftypes.encodeFuncInfo,
  bpf_line_info: bpftypes.encodeLineInfo,
  bpf_token_info: bpftypes.encodeTokenInfo,
};

/** Every dotted path of the leaves of a decoded object (`absent` left out), in key order. */
function leafPaths(value: unknown, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (prefix === "" && key === "absent") continue;
    if (typeof inner === "object" && inner !== null) out.push(...leafPaths(inner, `${prefix}${key}.`));
    else out.push(`${prefix}${key}`);
  }
  return out;
}

describe("truncated at every length", () => {
  for (const c of allCases()) {
    test(c.label, () => {
      const size = infoLayouts[c.struct].size;
      const record = sampleRecord(c);
      // The kernel's bytes, then 24 bytes of a newer kernel's fields that must never be read.
      const bytes = new Uint8Array(size + 24).fill(0x5a);
      bytes.set(encoders[c.struct](record as never));
      const full = decoders[c.struct](bytes);
      const derived = c.struct === "bpf_line_info" ? ["line", "column"] : [];
      for (let length = 0; length <= bytes.length; length++) {
        const decoded = decoders[c.struct](bytes, { length });
        // A selector past the length leaves the arm (or the perf_event variant) undecided.
        const typeKnown = length >= 4;
        const perfKnown = length >= 20;
        let paths = [...c.paths, ...(c.derivedViews ?? [])];
        if (c.struct === "bpf_link_info" && !typeKnown) paths = ["type", "id", "prog_id"];
        else if (c.undecided && !perfKnown) paths = [...new Set([...c.paths, ...c.undecided])];
        const fits = paths.filter((path) => end(c.struct, path) <= length);
        const past = paths.filter((path) => end(c.struct, path) > length);
        const present = leafPaths(decoded).filter((path) => !derived.includes(path));
        assert.deepEqual(new Set(present), new Set(fits), `present fields at length ${length}`);
        assert.deepEqual(new Set(decoded["absent"] as string[]), new Set(past), `absent fields at length ${length}`);
        for (const path of fits) assert.deepEqual(getPath(decoded, path), getPath(full, path), `${path} at length ${length}`);
        if (c.struct === "bpf_line_info" && fits.includes("line_col")) {
          assert.equal(decoded["line"], (decoded["line_col"] as number) >>> 10);
          assert.equal(decoded["column"], (decoded["line_col"] as number) & 0x3ff);
        }
        if (past.length === 0) assert.ok(Object.isFrozen(decoded["absent"]), "a complete record shares the frozen empty list");
      }
    });
  }

  test("absent lists fields in offset order, and absent fields are missing, not undefined", () => {
    const info = bpftypes.decodeProgInfo(new Uint8Array(232), { length: 192 });
    assert.deepEqual(info.absent, ["run_time_ns", "run_cnt", "recursion_misses", "verified_insns", "attach_btf_obj_id", "attach_btf_id"]);
    assert.equal("run_time_ns" in info, false);
    assert.equal(info.prog_tags, 0n);
  });

  test("a field is present only when all of its bytes fit: gpl_compatible needs the whole word at 84", () => {
    const bytes = bpftypes.encodeProgInfo({ gpl_compatible: true });
    assert.equal("gpl_compatible" in bpftypes.decodeProgInfo(bytes, { length: 85 }), false);
    assert.equal("gpl_compatible" in bpftypes.decodeProgInfo(bytes, { length: 87 }), false);
    assert.equal(bpftypes.decodeProgInfo(bytes, { length: 88 }).gpl_compatible, true);
  });

  test("the name needs all 16 bytes: a kernel that filled 70 bytes reports no name", () => {
    const bytes = bpftypes.encodeProgInfo({ name: "ab" });
    assert.equal("name" in bpftypes.decodeProgInfo(bytes, { length: 70 }), false);
    assert.equal(bpftypes.decodeProgInfo(bytes, { length: 80 }).name, "ab");
  });

  test("fieldsWithin lists what a kernel reporting that info_len fills", () => {
    assert.deepEqual(bpftypes.fieldsWithin("bpf_map_info", 24), ["type", "id", "key_size", "value_size", "max_entries", "map_flags"]);
    assert.deepEqual(bpftypes.fieldsWithin("bpf_func_info", 4), ["insn_off"]);
    assert.ok(bpftypes.fieldsWithin("bpf_link_info", 64).includes("perf_event.kprobe.cookie"));
  });
});
