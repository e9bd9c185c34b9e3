// The Go package bpftypes v0.3.0's info structs by their Go names, mapped to and from the decoded records.

import type { BPFMapType, BPFProgType } from "../uapi/gen/groups.js";
import { ProgInfoFlagGPLCompatible, type BPFProgInfoFlags } from "../uapi/seed.js";
import { CodecError } from "./errors.js";
import type { DeepPartial, FuncInfo, Init, LineInfo, MapInfo, OpenValue, ProgInfo } from "./types.js";

// The Go structs were raw mirrors of the kernel structs as of Linux 5.11, read with unsafe casts
// from a zeroed buffer. Here they are plain objects: Go's integers are numbers (u64 and uintptr
// ones bigints), its byte arrays strings (the name decoded to its first NUL, the tag as 16 hex
// digits). Fields the kernel did not fill read as zero, as they did in Go's zeroed struct: the
// decoded record's `absent` says which ones those are.

/** `struct bpf_map_info` up to `netns_ino` (the first 64 bytes), by the Go package's field names. */
export interface BPFMapInfo {
  /** `type`. */
  Type: OpenValue<BPFMapType>;
  /** `id`. */
  ID: number;
  /** `key_size`. */
  KeySize: number;
  /** `value_size`. */
  ValueSize: number;
  /** `max_entries`. */
  MaxEntries: number;
  /** `map_flags`. */
  MapFlags: number;
  /** `name`, decoded (Go: `[16]byte`). */
  Name: string;
  /** `ifindex`. */
  IfIndex: number;
  /** `netns_dev`. */
  NetNSDev: bigint;
  /** `netns_ino`. */
  NetNSIno: bigint;
}

/** `struct bpf_prog_info` up to `recursion_misses` (the first 216 bytes), by the Go package's field names. */
export interface BPFProgInfo {
  /** `type`. */
  Type: OpenValue<BPFProgType>;
  /** `id`. */
  ID: number;
  /** `tag`, as 16 hex digits (Go: `[8]byte`). */
  Tag: string;
  /** `jited_prog_len`. */
  JitedProgLen: number;
  /** `xlated_prog_len`. */
  XlatedProgLen: number;
  /** `jited_prog_insns` (Go: `uintptr`). */
  JitedProgInsns: bigint;
  /** `xlated_prog_insns` (Go: `uintptr`). */
  XlatedProgInsns: bigint;
  /** `load_time`. */
  LoadTime: bigint;
  /** `created_by_uid`. */
  CreatedByUID: number;
  /** `nr_map_ids`. */
  NumMapIDs: number;
  /** `map_ids` (Go: `uintptr`). */
  MapIDs: bigint;
  /** `name`, decoded (Go: `[16]byte`). */
  Name: string;
  /** `ifindex`. */
  IfIndex: number;
  /**
   * The word at offset 84 that holds `gpl_compatible` in bit 0 ({@link bpftypes!ProgInfoFlagGPLCompatible});
   * the kernel keeps its other 31 bits zero.
   */
  Flags: BPFProgInfoFlags;
  /** `netns_dev`. */
  NetNSDev: bigint;
  /** `netns_ino`. */
  NetNSIno: bigint;
  /** `nr_jited_ksyms`. */
  NumJitedKSyms: number;
  /** `nr_jited_func_lens`. */
  NumJitedFuncLens: number;
  /** `jited_ksyms` (Go: `uintptr`). */
  JitedKsyms: bigint;
  /** `jited_func_lens` (Go: `uintptr`). */
  JitedFuncLens: bigint;
  /** `btf_id`. */
  BTFID: number;
  /** `func_info_rec_size`. */
  FuncInfoRecSize: number;
  /** `func_info` (Go: `uintptr`). */
  FuncInfo: bigint;
  /** `nr_func_info`. */
  NumFuncInfo: number;
  /** `nr_line_info`. */
  NumLineInfo: number;
  /** `line_info` (Go: `uintptr`). */
  LineInfo: bigint;
  /** `jited_line_info` (Go: `uintptr`). */
  JitedLineInfo: bigint;
  /** `nr_jited_line_info`. */
  NumJitedLineInfo: number;
  /** `line_info_rec_size`. */
  LineInfoRecSize: number;
  /** `jited_line_info_rec_size`. */
  JitedLineInfoRecSize: number;
  /** `nr_prog_tags`. */
  NumProgTags: number;
  /** `prog_tags` (Go: `uintptr`). */
  ProgTags: bigint;
  /** `run_time_ns`. */
  RunTimeNs: bigint;
  /** `run_cnt`. */
  RunCnt: bigint;
  /** `recursion_misses`. */
  RecursionMisses: bigint;
}

/** `struct bpf_func_info` by the Go package's field names. */
export interface BPFFuncInfo {
  /** `insn_off`. */
  InstructionOffset: number;
  /** `type_id`. */
  TypeID: number;
}

/** `struct bpf_line_info` by the Go package's field names. */
export interface BPFLineInfo {
  /** `insn_off`. */
  InstructionOffset: number;
  /** `file_name_off`. */
  FileNameOffset: number;
  /** `line_off`: a string offset of the line's text, not a line number. */
  LineOffset: number;
  /**
   * `line_col`, the packed word, as the Go struct held it: despite the name, the line number is
   * `ColumnOffset >>> 10` and the column `ColumnOffset & 0x3ff`.
   */
  ColumnOffset: number;
}

/** Go names of `bpf_map_info` fields, in the Go struct's order. */
const mapNames = [
  ["Type", "type"],
  ["ID", "id"],
  ["KeySize", "key_size"],
  ["ValueSize", "value_size"],
  ["MaxEntries", "max_entries"],
  ["MapFlags", "map_flags"],
  ["Name", "name"],
  ["IfIndex", "ifindex"],
  ["NetNSDev", "netns_dev"],
  ["NetNSIno", "netns_ino"],
] as const satisfies readonly (readonly [keyof BPFMapInfo, keyof MapInfo])[];

/** Go names of `bpf_prog_info` fields, in the Go struct's order (`Flags` holds `gpl_compatible` as bit 0). */
const progNames = [
  ["Type", "type"],
  ["ID", "id"],
  ["Tag", "tag"],
  ["JitedProgLen", "jited_prog_len"],
  ["XlatedProgLen", "xlated_prog_len"],
  ["JitedProgInsns", "jited_prog_insns"],
  ["XlatedProgInsns", "xlated_prog_insns"],
  ["LoadTime", "load_time"],
  ["CreatedByUID", "created_by_uid"],
  ["NumMapIDs", "nr_map_ids"],
  ["MapIDs", "map_ids"],
  ["Name", "name"],
  ["IfIndex", "ifindex"],
  ["Flags", "gpl_compatible"],
  ["NetNSDev", "netns_dev"],
  ["NetNSIno", "netns_ino"],
  ["NumJitedKSyms", "nr_jited_ksyms"],
  ["NumJitedFuncLens", "nr_jited_func_lens"],
  ["JitedKsyms", "jited_ksyms"],
  ["JitedFuncLens", "jited_func_lens"],
  ["BTFID", "btf_id"],
  ["FuncInfoRecSize", "func_info_rec_size"],
  ["FuncInfo", "func_info"],
  ["NumFuncInfo", "nr_func_info"],
  ["NumLineInfo", "nr_line_info"],
  ["LineInfo", "line_info"],
  ["JitedLineInfo", "jited_line_info"],
  ["NumJitedLineInfo", "nr_jited_line_info"],
  ["LineInfoRecSize", "line_info_rec_size"],
  ["JitedLineInfoRecSize", "jited_line_info_rec_size"],
  ["NumProgTags", "nr_prog_tags"],
  ["ProgTags", "prog_tags"],
  ["RunTimeNs", "run_time_ns"],
  ["RunCnt", "run_cnt"],
  ["RecursionMisses", "recursion_misses"],
] as const satisfies readonly (readonly [keyof BPFProgInfo, keyof ProgInfo])[];

const funcNames = [
  ["InstructionOffset", "insn_off"],
  ["TypeID", "type_id"],
] as const satisfies readonly (readonly [keyof BPFFuncInfo, keyof FuncInfo])[];

const lineNames = [
  ["InstructionOffset", "insn_off"],
  ["FileNameOffset", "file_name_off"],
  ["LineOffset", "line_off"],
  ["ColumnOffset", "line_col"],
] as const satisfies readonly (readonly [keyof BPFLineInfo, keyof LineInfo])[];

/**
 * The Go field name of each kernel field the Go structs had (`map_ids` → `MapIDs`), by struct:
 * the mapping {@link toSeedProgInfo} and friends apply. `gpl_compatible` maps to `Flags` bit 0.
 */
export const seedFieldNames: Readonly<Record<"bpf_map_info" | "bpf_prog_info" | "bpf_func_info" | "bpf_line_info", Readonly<Record<string, string>>>> = {
  bpf_map_info: Object.fromEntries(mapNames.map(([go, c]) => [c, go])),
  bpf_prog_info: Object.fromEntries(progNames.map(([go, c]) => [c, go])),
  bpf_func_info: Object.fromEntries(funcNames.map(([go, c]) => [c, go])),
  bpf_line_info: Object.fromEntries(lineNames.map(([go, c]) => [c, go])),
};

const mapZero: MapInfo = {
  type: 0,
  id: 0,
  key_size: 0,
  value_size: 0,
  max_entries: 0,
  map_flags: 0,
  name: "",
  ifindex: 0,
  btf_vmlinux_value_type_id: 0,
  netns_dev: 0n,
  netns_ino: 0n,
  btf_id: 0,
  btf_key_type_id: 0,
  btf_value_type_id: 0,
  btf_vmlinux_id: 0,
  map_extra: 0n,
  hash: 0n,
  hash_size: 0,
};

const progZero = {
  type: 0,
  gpl_compatible: false,
  tag: "0000000000000000",
  jited_prog_insns: 0n,
  xlated_prog_insns: 0n,
  load_time: 0n,
  map_ids: 0n,
  name: "",
  netns_dev: 0n,
  netns_ino: 0n,
  jited_ksyms: 0n,
  jited_func_lens: 0n,
  func_info: 0n,
  line_info: 0n,
  jited_line_info: 0n,
  prog_tags: 0n,
  run_time_ns: 0n,
  run_cnt: 0n,
  recursion_misses: 0n,
} as const;

function toSeed(names: readonly (readonly [string, string])[], zero: Readonly<Record<string, unknown>>, info: object): Record<string, unknown> {
  const from = info as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // A field the kernel did not fill reads as its type's zero: 0, 0n, "" (or a zero tag).
  for (const [go, c] of names) out[go] = from[c] ?? zero[c] ?? 0;
  return out;
}

function fromSeed(names: readonly (readonly [string, string])[], seed: object): Record<string, unknown> {
  const from = seed as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [go, c] of names) if (from[go] !== undefined) out[c] = from[go];
  return out;
}

/** A decoded `bpf_map_info` under the Go package's names; absent fields read 0 (or `""`), as in Go's zeroed struct. */
export function toSeedMapInfo(info: DeepPartial<MapInfo>): BPFMapInfo {
  return toSeed(mapNames, mapZero as unknown as Record<string, unknown>, info) as unknown as BPFMapInfo;
}

/**
 * A decoded `bpf_prog_info` under the Go package's names; absent fields read 0 (or `""`, or a zero
 * tag), as in Go's zeroed struct. `Flags` is 1 when `gpl_compatible` is true.
 */
export function toSeedProgInfo(info: DeepPartial<ProgInfo>): BPFProgInfo {
  const out = toSeed(progNames, progZero, info);
  out["Flags"] = out["Flags"] === true ? ProgInfoFlagGPLCompatible : 0;
  return out as unknown as BPFProgInfo;
}

/** A decoded `bpf_func_info` under the Go package's names. */
export function toSeedFuncInfo(info: DeepPartial<FuncInfo>): BPFFuncInfo {
  return toSeed(funcNames, {}, info) as unknown as BPFFuncInfo;
}

/** A decoded `bpf_line_info` under the Go package's names; `ColumnOffset` is the packed `line_col` word. */
export function toSeedLineInfo(info: DeepPartial<LineInfo>): BPFLineInfo {
  return toSeed(lineNames, {}, info) as unknown as BPFLineInfo;
}

/** The encoder input for the fields a Go-named `BPFMapInfo` gives (for {@link encodeMapInfo}). */
export function fromSeedMapInfo(seed: Partial<BPFMapInfo>): Init<MapInfo> {
  return fromSeed(mapNames, seed) as Init<MapInfo>;
}

/**
 * The encoder input for the fields a Go-named `BPFProgInfo` gives (for {@link encodeProgInfo}).
 * `Flags` may only hold bit 0, `gpl_compatible`: the kernel has no other bit there.
 */
export function fromSeedProgInfo(seed: Partial<BPFProgInfo>): Init<ProgInfo> {
  const { Flags: _flags, ...rest } = seed;
  const out = fromSeed(progNames, rest);
  if (seed.Flags !== undefined) {
    if (seed.Flags !== 0 && seed.Flags !== ProgInfoFlagGPLCompatible) {
      throw new CodecError("BAD_VALUE", `converting a BPFProgInfo: Flags ${seed.Flags} has bits besides gpl_compatible (1)`, {
        struct: "bpf_prog_info",
        field: "Flags",
      });
    }
    out["gpl_compatible"] = seed.Flags === ProgInfoFlagGPLCompatible;
  }
  return out as Init<ProgInfo>;
}

/** The encoder input for a Go-named `BPFFuncInfo` (for {@link encodeFuncInfo}). */
export function fromSeedFuncInfo(seed: Partial<BPFFuncInfo>): Init<FuncInfo> {
  return fromSeed(funcNames, seed) as Init<FuncInfo>;
}

/** The encoder input for a Go-named `BPFLineInfo`: `ColumnOffset` becomes `line_col` (for {@link encodeLineInfo}). */
export function fromSeedLineInfo(seed: Partial<BPFLineInfo>): Init<LineInfo> {
  return fromSeed(lineNames, seed) as Init<LineInfo>;
}
