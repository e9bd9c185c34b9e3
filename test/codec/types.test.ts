// The hand-written interfaces of the decoded structs stay in step with the generated layouts: same keys, documented first kernels.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type * as T from "bpftypes/codec";
import { infoLayouts, type InfoStructName } from "bpftypes/codec";
import { repoRoot } from "../support/testdata.js";
import { allCases, allPaths, sampleRecord } from "./cases.js";
import { codecs } from "./walk.js";

// Each literal lists an interface's keys; `satisfies` fails to compile on a missing or extra key.
const progKeys = {
  type: 1, id: 1, tag: 1, jited_prog_len: 1, xlated_prog_len: 1, jited_prog_insns: 1, xlated_prog_insns: 1, load_time: 1,
  created_by_uid: 1, nr_map_ids: 1, map_ids: 1, name: 1, ifindex: 1, gpl_compatible: 1, netns_dev: 1, netns_ino: 1,
  nr_jited_ksyms: 1, nr_jited_func_lens: 1, jited_ksyms: 1, jited_func_lens: 1, btf_id: 1, func_info_rec_size: 1, func_info: 1,
  nr_func_info: 1, nr_line_info: 1, line_info: 1, jited_line_info: 1, nr_jited_line_info: 1, line_info_rec_size: 1,
  jited_line_info_rec_size: 1, nr_prog_tags: 1, prog_tags: 1, run_time_ns: 1, run_cnt: 1, recursion_misses: 1,
  verified_insns: 1, attach_btf_obj_id: 1, attach_btf_id: 1,
} satisfies Record<keyof T.ProgInfo, 1>;
const mapKeys = {
  type: 1, id: 1, key_size: 1, value_size: 1, max_entries: 1, map_flags: 1, name: 1, ifindex: 1, btf_vmlinux_value_type_id: 1,
  netns_dev: 1, netns_ino: 1, btf_id: 1, btf_key_type_id: 1, btf_value_type_id: 1, btf_vmlinux_id: 1, map_extra: 1, hash: 1,
  hash_size: 1,
} satisfies Record<keyof T.MapInfo, 1>;
const btfKeys = { btf: 1, btf_size: 1, id: 1, name: 1, name_len: 1, kernel_btf: 1 } satisfies Record<keyof T.BtfInfo, 1>;
const funcKeys = { insn_off: 1, type_id: 1 } satisfies Record<keyof T.FuncInfo, 1>;
const lineKeys = { insn_off: 1, file_name_off: 1, line_off: 1, line_col: 1, line: 1, column: 1 } satisfies Record<keyof T.LineInfo, 1>;
const tokenKeys = { allowed_cmds: 1, allowed_maps: 1, allowed_progs: 1, allowed_attachs: 1 } satisfies Record<keyof T.TokenInfo, 1>;

const armKeys = {
  raw_tracepoint: { tp_name: 1, tp_name_len: 1, cookie: 1 } satisfies Record<keyof T.RawTracepointLinkInfo, 1>,
  tracing: { attach_type: 1, target_obj_id: 1, target_btf_id: 1, cookie: 1 } satisfies Record<keyof T.TracingLinkInfo, 1>,
  cgroup: { cgroup_id: 1, attach_type: 1 } satisfies Record<keyof T.CgroupLinkInfo, 1>,
  iter: {
    target_name: 1,
    target_name_len: 1,
    map: { map_id: 1 } satisfies Record<keyof T.IterMapLinkInfo, 1>,
    cgroup: { cgroup_id: 1, order: 1 } satisfies Record<keyof T.IterCgroupLinkInfo, 1>,
    task: { tid: 1, pid: 1 } satisfies Record<keyof T.IterTaskLinkInfo, 1>,
  } satisfies Record<keyof T.IterLinkInfo, unknown>,
  netns: { netns_ino: 1, attach_type: 1 } satisfies Record<keyof T.NetnsLinkInfo, 1>,
  xdp: { ifindex: 1 } satisfies Record<keyof T.XdpLinkInfo, 1>,
  struct_ops: { map_id: 1 } satisfies Record<keyof T.StructOpsLinkInfo, 1>,
  netfilter: { pf: 1, hooknum: 1, priority: 1, flags: 1 } satisfies Record<keyof T.NetfilterLinkInfo, 1>,
  kprobe_multi: { addrs: 1, count: 1, flags: 1, missed: 1, cookies: 1 } satisfies Record<keyof T.KprobeMultiLinkInfo, 1>,
  uprobe_multi: {
    path: 1, offsets: 1, ref_ctr_offsets: 1, cookies: 1, path_size: 1, count: 1, flags: 1, pid: 1,
  } satisfies Record<keyof T.UprobeMultiLinkInfo, 1>,
  perf_event: {
    type: 1,
    uprobe: { file_name: 1, name_len: 1, offset: 1, cookie: 1, ref_ctr_offset: 1 } satisfies Record<keyof T.PerfEventUprobeLinkInfo, 1>,
    kprobe: { func_name: 1, name_len: 1, offset: 1, addr: 1, missed: 1, cookie: 1 } satisfies Record<keyof T.PerfEventKprobeLinkInfo, 1>,
    tracepoint: { tp_name: 1, name_len: 1, cookie: 1 } satisfies Record<keyof T.PerfEventTracepointLinkInfo, 1>,
    event: { config: 1, type: 1, cookie: 1 } satisfies Record<keyof T.PerfEventEventLinkInfo, 1>,
  } satisfies Record<keyof T.PerfEventLinkInfo, unknown>,
  tcx: { ifindex: 1, attach_type: 1 } satisfies Record<keyof T.TcxLinkInfo, 1>,
  netkit: { ifindex: 1, attach_type: 1 } satisfies Record<keyof T.NetkitLinkInfo, 1>,
  sockmap: { map_id: 1, attach_type: 1 } satisfies Record<keyof T.SockmapLinkInfo, 1>,
};
const linkKeys = { type: 1, id: 1, prog_id: 1, ...armKeys } satisfies Record<keyof T.LinkInfo, unknown>;

/** The dotted leaf paths of a key tree or decoded object (`absent` left out). */
function paths(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, inner]) => {
    if (prefix === "" && key === "absent") return [];
    return typeof inner === "object" && inner !== null ? paths(inner as object, `${prefix}${key}.`) : [`${prefix}${key}`];
  });
}

const interfaces: Record<InfoStructName, object> = {
  bpf_prog_info: progKeys,
  bpf_map_info: mapKeys,
  bpf_link_info: linkKeys,
  bpf_btf_info: btfKeys,
  bpf_func_info: funcKeys,
  bpf_line_info: lineKeys,
  bpf_token_info: tokenKeys,
};

test("every interface has exactly the layout's fields (plus line and column, which split line_col)", () => {
  for (const struct of Object.keys(infoLayouts) as InfoStructName[]) {
    const extra = struct === "bpf_line_info" ? ["line", "column"] : [];
    assert.deepEqual(new Set(paths(interfaces[struct])), new Set([...allPaths(struct), ...extra]), struct);
  }
});

test("a complete decoded record has exactly the interface's keys, for every struct and arm", () => {
  const seenArms = new Set<string>();
  for (const c of allCases()) {
    const keys = paths(codecs[c.struct].decode(codecs[c.struct].encode(sampleRecord(c) as never)));
    if (c.struct !== "bpf_link_info") {
      assert.deepEqual(new Set(keys), new Set(paths(interfaces[c.struct])), c.label);
      continue;
    }
    // A link record has the common keys and one arm's (iter: every view; perf_event: one variant).
    const arm = keys.find((key) => key.includes("."))?.split(".")[0];
    const armPaths = arm === undefined ? [] : paths(armKeys[arm as keyof typeof armKeys], `${arm}.`);
    const variant = arm === "perf_event" ? keys.find((key) => key.split(".").length === 3)?.split(".")[1] : undefined;
    const wanted = armPaths.filter((path) => arm !== "perf_event" || path.split(".").length === 2 || path.split(".")[1] === variant);
    assert.deepEqual(new Set(keys), new Set(["type", "id", "prog_id", ...wanted]), c.label);
    if (arm !== undefined) seenArms.add(arm);
  }
  assert.deepEqual(seenArms, new Set(Object.keys(armKeys)), "every arm decoded somewhere");
});

test("every field's doc comment names the first kernel the layout knows for it", () => {
  const source = readFileSync(`${repoRoot}src/codec/types.ts`, "utf8");
  for (const [iface, struct] of [
    ["ProgInfo", "bpf_prog_info"],
    ["MapInfo", "bpf_map_info"],
  ] as const) {
    const body = source.slice(source.indexOf(`export interface ${iface} {`), source.indexOf("\n}\n", source.indexOf(`export interface ${iface} {`)));
    const docs = new Map([...body.matchAll(/\/\*\*([^]*?)\*\/\n {2}(\w+):/g)].map((match) => [match[2]!, match[1]!]));
    for (const field of infoLayouts[struct].fields) {
      if (field.name === "" || field.since === undefined) continue;
      assert.match(docs.get(field.name) ?? "", new RegExp(`Linux ${field.since.replace(".", "\\.")}\\b`), `${iface}.${field.name} says Linux ${field.since}`);
    }
  }
});
