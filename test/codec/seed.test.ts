// The Go package's struct names: BPFMapInfo, BPFProgInfo, BPFFuncInfo and BPFLineInfo, usable by their Go field names.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as codec from "bpftypes/codec";
import * as core from "bpftypes";
import type { BPFFuncInfo, BPFLineInfo, BPFMapInfo, BPFProgInfo } from "bpftypes/codec";

// The Go field names, in the Go structs' order (bpftypes v0.3.0); the literals fail to compile if one is missing.
const goMap = ["Type", "ID", "KeySize", "ValueSize", "MaxEntries", "MapFlags", "Name", "IfIndex", "NetNSDev", "NetNSIno"] as const;
const goProg = [
  "Type", "ID", "Tag", "JitedProgLen", "XlatedProgLen", "JitedProgInsns", "XlatedProgInsns", "LoadTime", "CreatedByUID",
  "NumMapIDs", "MapIDs", "Name", "IfIndex", "Flags", "NetNSDev", "NetNSIno", "NumJitedKSyms", "NumJitedFuncLens", "JitedKsyms",
  "JitedFuncLens", "BTFID", "FuncInfoRecSize", "FuncInfo", "NumFuncInfo", "NumLineInfo", "LineInfo", "JitedLineInfo",
  "NumJitedLineInfo", "LineInfoRecSize", "JitedLineInfoRecSize", "NumProgTags", "ProgTags", "RunTimeNs", "RunCnt", "RecursionMisses",
] as const;
const goFunc = ["InstructionOffset", "TypeID"] as const;
const goLine = ["InstructionOffset", "FileNameOffset", "LineOffset", "ColumnOffset"] as const;

// Each Go name is a key of our type and each key a Go name (compile-time, both ways).
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesMatch: [
  Exactly<(typeof goMap)[number], keyof BPFMapInfo>,
  Exactly<(typeof goProg)[number], keyof BPFProgInfo>,
  Exactly<(typeof goFunc)[number], keyof BPFFuncInfo>,
  Exactly<(typeof goLine)[number], keyof BPFLineInfo>,
] = [true, true, true, true];

test("the Go struct types have exactly the Go field names, and the converters fill them in Go's order", () => {
  assert.deepEqual(typesMatch, [true, true, true, true]);
  assert.deepEqual(Object.keys(codec.toSeedMapInfo(codec.decodeMapInfo(new Uint8Array(104)))), [...goMap]);
  assert.deepEqual(Object.keys(codec.toSeedProgInfo(codec.decodeProgInfo(new Uint8Array(232)))), [...goProg]);
  assert.deepEqual(Object.keys(codec.toSeedFuncInfo(codec.decodeFuncInfo(new Uint8Array(8)))), [...goFunc]);
  assert.deepEqual(Object.keys(codec.toSeedLineInfo(codec.decodeLineInfo(new Uint8Array(16)))), [...goLine]);
});

test("a decoded bpf_prog_info under Go names", () => {
  const info = codec.decodeProgInfo(
    codec.encodeProgInfo({ type: core.BPF_PROG_TYPE_XDP, id: 9, name: "xdp_pass", tag: "0011223344556677", gpl_compatible: true, nr_map_ids: 2, run_cnt: 5n }),
  );
  const go: BPFProgInfo = codec.toSeedProgInfo(info);
  assert.equal(go.Type, core.BPF_PROG_TYPE_XDP);
  assert.equal(go.ID, 9);
  assert.equal(go.Name, "xdp_pass");
  assert.equal(go.Tag, "0011223344556677");
  assert.equal(go.Flags & core.ProgInfoFlagGPLCompatible, core.ProgInfoFlagGPLCompatible);
  assert.equal(go.NumMapIDs, 2);
  assert.equal(go.RunCnt, 5n);
  assert.deepEqual(codec.decodeProgInfo(codec.encodeProgInfo(codec.fromSeedProgInfo(go))), info, "and back");
});

test("fields the kernel did not fill read as zero under Go names, as in Go's zeroed struct", () => {
  const info = codec.decodeProgInfo(codec.encodeProgInfo({ id: 3 }), { length: 40 });
  const go = codec.toSeedProgInfo(info);
  assert.equal(go.Name, "");
  assert.equal(go.LoadTime, 0n);
  assert.equal(go.Flags, 0);
  assert.equal(go.RunTimeNs, 0n);
  assert.ok(info.absent.includes("name"));
});

test("map, func and line info under Go names, and back", () => {
  const map = codec.decodeMapInfo(codec.encodeMapInfo({ type: 1, key_size: 4, value_size: 8, max_entries: 16, name: "m", netns_ino: 7n }));
  const goMap: BPFMapInfo = codec.toSeedMapInfo(map);
  assert.deepEqual([goMap.Type, goMap.KeySize, goMap.ValueSize, goMap.MaxEntries, goMap.Name, goMap.NetNSIno], [1, 4, 8, 16, "m", 7n]);
  assert.deepEqual(codec.decodeMapInfo(codec.encodeMapInfo(codec.fromSeedMapInfo(goMap))), map);

  const func: BPFFuncInfo = codec.toSeedFuncInfo({ insn_off: 3, type_id: 4 });
  assert.deepEqual(func, { InstructionOffset: 3, TypeID: 4 });
  assert.deepEqual(codec.fromSeedFuncInfo(func), { insn_off: 3, type_id: 4 });

  const line: BPFLineInfo = codec.toSeedLineInfo(codec.decodeLineInfo(codec.encodeLineInfo({ insn_off: 1, file_name_off: 2, line_off: 3, line: 40, column: 2 })));
  assert.deepEqual(line, { InstructionOffset: 1, FileNameOffset: 2, LineOffset: 3, ColumnOffset: (40 << 10) | 2 });
  assert.equal(codec.decodeLineInfo(codec.encodeLineInfo(codec.fromSeedLineInfo(line))).line, 40);
});

test("the mapping table names every Go field", () => {
  assert.equal(codec.seedFieldNames.bpf_prog_info["map_ids"], "MapIDs");
  assert.equal(codec.seedFieldNames.bpf_prog_info["gpl_compatible"], "Flags");
  assert.equal(codec.seedFieldNames.bpf_line_info["line_col"], "ColumnOffset");
  assert.deepEqual(Object.values(codec.seedFieldNames.bpf_prog_info), [...goProg]);
  assert.deepEqual(Object.values(codec.seedFieldNames.bpf_map_info), [...goMap]);
});

test("Flags with bits the kernel does not have is refused", () => {
  assert.throws(() => codec.fromSeedProgInfo({ Flags: 3 }), (error: unknown) => codec.isCodecError(error) && error.code === "BAD_VALUE");
});
