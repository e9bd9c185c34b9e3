// Builds every enum and flag set of the tables from the pinned BTF and #define values.

import type { Btf, BtfType } from "bpftypes/btf";
import { loadDefines, readTsv, inputPaths } from "./inputs.js";

/** Where a set's names and values come from. */
type Source =
  | { readonly enum: string } // a named C enum in BTF
  | { readonly enumHolding: string } // the (anonymous) C enum that has this enumerator
  | { readonly names: readonly string[] } // #defines (or enumerators) listed one by one
  | { readonly logLevels: true }; // the verifier's log-level bits

interface SetConfig {
  readonly id: string;
  readonly cName: string;
  readonly kind: "enum" | "flags";
  readonly prefix: string;
  readonly typeName: string;
  /** The group of since.tsv and descriptions.tsv rows for this set. */
  readonly group: string;
  readonly source: Source;
}

/** The sets the package exports, one by one, with the C type each comes from. */
export const setConfigs: readonly SetConfig[] = [
  { id: "cmd", cName: "bpf_cmd", kind: "enum", prefix: "BPF_", typeName: "BPFCommand", group: "cmd", source: { enum: "bpf_cmd" } },
  { id: "map", cName: "bpf_map_type", kind: "enum", prefix: "BPF_MAP_TYPE_", typeName: "BPFMapType", group: "map_type", source: { enum: "bpf_map_type" } },
  { id: "prog", cName: "bpf_prog_type", kind: "enum", prefix: "BPF_PROG_TYPE_", typeName: "BPFProgType", group: "prog_type", source: { enum: "bpf_prog_type" } },
  { id: "attach", cName: "bpf_attach_type", kind: "enum", prefix: "BPF_", typeName: "BPFAttachType", group: "attach_type", source: { enum: "bpf_attach_type" } },
  { id: "link", cName: "bpf_link_type", kind: "enum", prefix: "BPF_LINK_TYPE_", typeName: "BPFLinkType", group: "link_type", source: { enum: "bpf_link_type" } },
  { id: "task-fd", cName: "bpf_task_fd_type", kind: "enum", prefix: "BPF_FD_TYPE_", typeName: "BPFTaskFDType", group: "task_fd_type", source: { enum: "bpf_task_fd_type" } },
  { id: "stats", cName: "bpf_stats_type", kind: "enum", prefix: "BPF_STATS_", typeName: "BPFStatsType", group: "stats_type", source: { enum: "bpf_stats_type" } },
  { id: "perf-event", cName: "bpf_perf_event_type", kind: "enum", prefix: "BPF_PERF_EVENT_", typeName: "BPFPerfEventType", group: "perf_event_type", source: { enum: "bpf_perf_event_type" } },
  { id: "map-flags", cName: "map_flags", kind: "flags", prefix: "BPF_F_", typeName: "BPFMapFlags", group: "map_flag", source: { enumHolding: "BPF_F_NO_PREALLOC" } },
  {
    id: "prog-flags",
    cName: "prog_load_flags",
    kind: "flags",
    prefix: "BPF_F_",
    typeName: "BPFProgLoadFlags",
    group: "prog_load_flag",
    source: {
      names: [
        "BPF_F_STRICT_ALIGNMENT",
        "BPF_F_ANY_ALIGNMENT",
        "BPF_F_TEST_RND_HI32",
        "BPF_F_TEST_STATE_FREQ",
        "BPF_F_SLEEPABLE",
        "BPF_F_XDP_HAS_FRAGS",
        "BPF_F_XDP_DEV_BOUND_ONLY",
        "BPF_F_TEST_REG_INVARIANTS",
        "BPF_F_TOKEN_FD",
      ],
    },
  },
  {
    id: "attach-flags",
    cName: "attach_flags",
    kind: "flags",
    prefix: "BPF_F_",
    typeName: "BPFProgAttachFlags",
    group: "attach_flag",
    source: { names: ["BPF_F_ALLOW_OVERRIDE", "BPF_F_ALLOW_MULTI", "BPF_F_REPLACE", "BPF_F_BEFORE", "BPF_F_AFTER", "BPF_F_ID", "BPF_F_PREORDER", "BPF_F_LINK"] },
  },
  { id: "log-level", cName: "log_level", kind: "flags", prefix: "BPF_LOG_", typeName: "BPFLogLevel", group: "log_level", source: { logLevels: true } },
];

/** Lone constants exported beside the sets. */
export const constantNames = ["BPF_OBJ_NAME_LEN", "BPF_TAG_SIZE"] as const;

export interface GeneratedEntry {
  readonly name: string;
  readonly value: number;
  readonly since: string;
  readonly description: string;
  readonly aliasOf: string | undefined;
}

export interface GeneratedSet extends SetConfig {
  readonly description: string;
  readonly entries: readonly GeneratedEntry[];
}

export interface GeneratedConstant {
  readonly name: string;
  readonly value: number;
  readonly description: string;
}

/** Every enum and flag set, and the lone constants, with their facts checked against each other. */
export function buildSets(btf: Btf): { sets: GeneratedSet[]; constants: GeneratedConstant[]; warnings: string[] } {
  const defines = loadDefines();
  const since = new Map(readTsv(inputPaths.since).map((row) => [`${row.group}\t${row.name}`, row]));
  const descriptions = new Map(readTsv(inputPaths.descriptions).map((row) => [`${row.group}\t${row.name}`, row.description ?? ""]));
  const warnings: string[] = [];
  const describe = (group: string, name: string): string => {
    const text = descriptions.get(`${group}\t${name}`);
    if (text === undefined || text === "") {
      warnings.push(`${inputPaths.descriptions}: no description for ${group} ${name}`);
      return "";
    }
    return text;
  };

  const sets = setConfigs.map((config): GeneratedSet => {
    const raw = readSource(btf, config, defines);
    const entries = raw.map(({ name, value, since: fromSource }) => {
      const row = since.get(`${config.group}\t${name}`);
      if (row && Number(row.value) !== value) {
        throw new Error(`${inputPaths.since}: ${name} is ${row.value} there but ${value} in the kernel's BTF/#defines`);
      }
      const sinceText = row?.since ?? fromSource ?? "";
      // No source records first versions for these two sets; their docs say so instead.
      if (sinceText === "" && config.id !== "perf-event" && config.id !== "log-level") warnings.push(`${inputPaths.since}: no first kernel version for ${config.group} ${name}`);
      return { name, value, since: sinceText, description: describe(config.group, name), aliasOf: canonicalFor(raw, name, value) };
    });
    for (const [key] of since) {
      const [group, name] = key.split("\t");
      if (group === config.group && !entries.some((entry) => entry.name === name)) {
        throw new Error(`${inputPaths.since}: ${name} is listed as ${group} but the pinned kernel has no such value`);
      }
    }
    return { ...config, description: describe("group", config.cName), entries };
  });

  const constants = constantNames.map((name) => {
    const value = defines.get(name);
    if (value === undefined) throw new Error(`${inputPaths.defines}: ${name} is missing`);
    return { name, value, description: describe("constant", name) };
  });
  return { sets, constants, warnings };
}

/** The canonical name for an aliased value: the first name of that value not marked deprecated. */
function canonicalFor(entries: readonly { name: string; value: number }[], name: string, value: number): string | undefined {
  const same = entries.filter((entry) => entry.value === value);
  if (same.length < 2) return undefined;
  const canonical = same.find((entry) => !entry.name.endsWith("_DEPRECATED")) ?? same[0];
  return canonical && canonical.name !== name ? canonical.name : undefined;
}

interface RawEntry {
  readonly name: string;
  readonly value: number;
  readonly since?: string;
}

function readSource(btf: Btf, config: SetConfig, defines: Map<string, number>): RawEntry[] {
  const source = config.source;
  if ("enum" in source) {
    const type = btf.findByName(source.enum, "enum") ?? btf.findByName(source.enum, "enum64");
    if (!type) throw new Error(`pinned BTF: no enum ${source.enum}`);
    return enumerators(type, config.cName);
  }
  if ("enumHolding" in source) {
    const type = btf.findEnumWithValue(source.enumHolding);
    if (!type) throw new Error(`pinned BTF: no enum holds ${source.enumHolding}`);
    return enumerators(type, config.cName);
  }
  if ("names" in source) {
    const enumValue = (name: string): number | undefined => {
      const type = btf.findEnumWithValue(name);
      const found = type && enumerators(type, config.cName).find((entry) => entry.name === name);
      return found?.value;
    };
    return source.names.map((name) => {
      const value = defines.get(name) ?? enumValue(name);
      if (value === undefined) throw new Error(`${config.cName}: ${name} is neither a #define in ${inputPaths.defines} nor an enumerator in the pinned BTF`);
      return { name, value };
    });
  }
  return readTsv(inputPaths.logLevels).map((row) => {
    const since = /kernel (\d+\.\d+)\+/.exec(row.note ?? "")?.[1];
    return since === undefined ? { name: row.name ?? "", value: Number(row.value) } : { name: row.name ?? "", value: Number(row.value), since };
  });
}

/** An enum's values in the kernel's order, without the `__MAX_*` sentinels. */
function enumerators(type: BtfType, what: string): RawEntry[] {
  if (type.kind !== "enum" && type.kind !== "enum64") throw new Error(`${what}: BTF type ${type.id} is a ${type.kind}, not an enum`);
  return type.values
    .filter((entry) => !entry.name.startsWith("__"))
    .map((entry) => {
      const value = Number(entry.value);
      if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff_ffff) throw new Error(`${what}: ${entry.name} = ${entry.value} is not an unsigned 32-bit value`);
      return { name: entry.name, value };
    });
}
