// bpftool's JSON for every shape of object, built from encoded info structs: key order, value types, left-out zeros, unknown types.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BPF_CGROUP_INET_INGRESS,
  BPF_LINK_TYPE_CGROUP,
  BPF_LINK_TYPE_ITER,
  BPF_LINK_TYPE_KPROBE_MULTI,
  BPF_LINK_TYPE_NETFILTER,
  BPF_LINK_TYPE_NETKIT,
  BPF_LINK_TYPE_NETNS,
  BPF_LINK_TYPE_PERF_EVENT,
  BPF_LINK_TYPE_RAW_TRACEPOINT,
  BPF_LINK_TYPE_SOCKMAP,
  BPF_LINK_TYPE_STRUCT_OPS,
  BPF_LINK_TYPE_TCX,
  BPF_LINK_TYPE_TRACING,
  BPF_LINK_TYPE_UPROBE_MULTI,
  BPF_LINK_TYPE_XDP,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_PROG_TYPE_SCHED_CLS,
  BPF_PROG_TYPE_TRACING,
  BPF_PROG_TYPE_XDP,
  BPF_SK_LOOKUP,
  BPF_SK_SKB_VERDICT,
  BPF_TCX_INGRESS,
  BPF_TRACE_FENTRY,
  BPF_NETKIT_PEER,
  linkTypes,
} from "bpftypes";
import {
  decodeBtfInfo,
  decodeLinkInfo,
  decodeMapInfo,
  decodeProgInfo,
  encodeBtfInfo,
  encodeLinkInfo,
  encodeMapInfo,
  encodeProgInfo,
  type Init,
  type LinkInfo,
} from "bpftypes/codec";
import { bootNsToEpochMs, bootTimeNs, type BtfDetails, type LinkDetails, type MapDetails, type ProgramDetails } from "bpftypes/node";
import { cli } from "./support.js";

const { progJson } = cli.prog;
const { mapJson } = cli.map;
const { linkJson } = cli.link;
const { btfJson } = cli.btf;
const { toJson } = cli.output;

type Json = Record<string, unknown>;
const json = (value: unknown): Json => JSON.parse(toJson(value as never)) as Json;

function program(init: Parameters<typeof encodeProgInfo>[0], extra: Partial<ProgramDetails> = {}): ProgramDetails {
  const info = decodeProgInfo(encodeProgInfo(init));
  return { id: info.id ?? 0, info, name: info.name ?? "", mapIds: [], loadedAt: undefined, bytesMemlock: 4096, orphaned: false, ...extra };
}

function link(init: Init<LinkInfo>, strings: Record<string, string> = {}, progType?: number): LinkDetails {
  const info = decodeLinkInfo(encodeLinkInfo(init));
  return { id: info.id ?? 0, info, strings, progType };
}

describe("prog JSON", () => {
  test("every key, in bpftool's order, with bpftool's types", () => {
    // The load time is kernel nanoseconds since boot; JSON shows one exact instant in whole seconds and milliseconds.
    const loadTime = 5_000_000_678_901n;
    const loadedAt = bootNsToEpochMs(loadTime);
    const epochNs = bootTimeNs() + loadTime;
    const prog = program(
      { type: BPF_PROG_TYPE_XDP, id: 7, tag: "0123456789abcdef", name: "xdp_pass", gpl_compatible: true, run_time_ns: 2n ** 60n, run_cnt: 3n, recursion_misses: 1n, load_time: loadTime, created_by_uid: 1000, xlated_prog_len: 16, jited_prog_len: 20, btf_id: 4, verified_insns: 2 },
      { loadedAt, mapIds: [9, 8] },
    );
    const out = json(progJson(prog));
    assert.deepEqual(Object.keys(out), ["id", "type", "name", "tag", "gpl_compatible", "run_time_ns", "run_cnt", "recursion_misses", "loaded_at", "uid", "orphaned", "bytes_xlated", "jited", "bytes_jited", "bytes_memlock", "map_ids", "btf_id", "bpftypes"]);
    assert.equal(out["type"], "xdp");
    assert.equal(out["loaded_at"], Number(epochNs / 1_000_000_000n));
    assert.equal(out["uid"], 1000);
    assert.equal(out["jited"], true);
    assert.deepEqual(out["map_ids"], [9, 8]);
    assert.match(toJson(progJson(prog) as never), /"run_time_ns":1152921504606846976,/, "a u64 counter stays exact");
    assert.deepEqual(out["bpftypes"], { type_name: "BPF_PROG_TYPE_XDP", type_since: "4.8", loaded_at_ms: Number(epochNs / 1_000_000n), verified_insns: 2 });
  });

  test("what bpftool leaves out: zero counters, no load time, no name, not jited, no maps, no BTF", () => {
    const out = json(progJson(program({ type: BPF_PROG_TYPE_SCHED_CLS, id: 3, xlated_prog_len: 8 }, { bytesMemlock: undefined })));
    assert.deepEqual(Object.keys(out), ["id", "type", "tag", "gpl_compatible", "orphaned", "bytes_xlated", "jited", "bpftypes"]);
    assert.equal(out["jited"], false);
    assert.equal(out["gpl_compatible"], false);
    assert.equal(out["type"], "sched_cls");
  });

  test("a type the tables do not know is the bare number", () => {
    const out = json(progJson(program({ type: 999, id: 1 })));
    assert.equal(out["type"], 999);
    assert.equal((out["bpftypes"] as Json)["type_since"], null);
  });

  test("a device-bound program has bpftool's dev object", () => {
    const out = json(progJson(program({ type: BPF_PROG_TYPE_XDP, id: 1, ifindex: 12345, netns_dev: 4n, netns_ino: 4026531840n })));
    assert.deepEqual(out["dev"], { ifindex: 12345, ns_dev: 4, ns_inode: 4026531840 });
  });

  test("the full name replaces the kernel's cut one, which goes to the extras", () => {
    const prog = program({ type: BPF_PROG_TYPE_XDP, id: 1, name: "a_long_program_" }, { name: "a_long_program_name" });
    const out = json(progJson(prog));
    assert.equal(out["name"], "a_long_program_name");
    assert.equal((out["bpftypes"] as Json)["short_name"], "a_long_program_");
  });
});

describe("map JSON", () => {
  const map = (init: Parameters<typeof encodeMapInfo>[0], extra: Partial<MapDetails> = {}): MapDetails => {
    const info = decodeMapInfo(encodeMapInfo(init));
    return { id: info.id ?? 0, info, bytesMemlock: 320, frozen: false, ownerProgType: undefined, ownerJited: undefined, ...extra };
  };

  test("every key in bpftool's order; flags as bpftool's signed %d; frozen as a number", () => {
    const out = json(mapJson(map({ type: BPF_MAP_TYPE_PROG_ARRAY, id: 5, name: "jumps", map_flags: 0x8000_0001, key_size: 4, value_size: 4, max_entries: 8, btf_id: 2 }, { frozen: true, ownerProgType: BPF_PROG_TYPE_XDP, ownerJited: true })));
    assert.deepEqual(Object.keys(out), ["id", "type", "name", "flags", "bytes_key", "bytes_value", "max_entries", "bytes_memlock", "owner_prog_type", "owner_jited", "frozen", "btf_id", "bpftypes"]);
    assert.equal(out["flags"], -2147483647);
    assert.equal(out["frozen"], 1);
    assert.equal(out["owner_prog_type"], "xdp");
    assert.deepEqual((out["bpftypes"] as Json)["flags"], ["BPF_F_NO_PREALLOC"]);
    assert.equal((out["bpftypes"] as Json)["unknown_flags"], 0x8000_0000);
  });

  test("no name, no btf, unowned: the keys bpftool leaves out; an owner of an unknown type is a number", () => {
    const plain = json(mapJson(map({ type: BPF_MAP_TYPE_HASH, id: 5, key_size: 4, value_size: 8, max_entries: 1 })));
    assert.deepEqual(Object.keys(plain), ["id", "type", "flags", "bytes_key", "bytes_value", "max_entries", "bytes_memlock", "frozen", "bpftypes"]);
    assert.equal(plain["frozen"], 0);
    const owned = json(mapJson(map({ type: BPF_MAP_TYPE_PROG_ARRAY, id: 5 }, { ownerProgType: 999, ownerJited: false })));
    assert.equal(owned["owner_prog_type"], 999);
    assert.equal(owned["owner_jited"], false);
  });
});

describe("link JSON", () => {
  const cases: [string, LinkDetails, Json][] = [
    ["raw_tracepoint", link({ type: BPF_LINK_TYPE_RAW_TRACEPOINT, id: 1, prog_id: 2 }, { tp_name: "sys_enter" }), { tp_name: "sys_enter" }],
    [
      "tracing",
      link({ type: BPF_LINK_TYPE_TRACING, id: 1, prog_id: 2, tracing: { attach_type: BPF_TRACE_FENTRY, target_obj_id: 1, target_btf_id: 99 } }, {}, BPF_PROG_TYPE_TRACING),
      { prog_type: "tracing", attach_type: "trace_fentry", target_obj_id: 1, target_btf_id: 99 },
    ],
    ["cgroup", link({ type: BPF_LINK_TYPE_CGROUP, id: 1, prog_id: 2, cgroup: { cgroup_id: 77n, attach_type: BPF_CGROUP_INET_INGRESS } }), { cgroup_id: 77, attach_type: "cgroup_inet_ingress" }],
    ["iter of a map", link({ type: BPF_LINK_TYPE_ITER, id: 1, prog_id: 2, iter: { map: { map_id: 5 } } }, { target_name: "bpf_map_elem" }), { target_name: "bpf_map_elem", map_id: 5 }],
    ["iter of a task", link({ type: BPF_LINK_TYPE_ITER, id: 1, prog_id: 2, iter: { task: { tid: 0, pid: 42 } } }, { target_name: "task" }), { target_name: "task", pid: 42 }],
    [
      "iter of a cgroup",
      link({ type: BPF_LINK_TYPE_ITER, id: 1, prog_id: 2, iter: { cgroup: { cgroup_id: 9n, order: 2 } } }, { target_name: "cgroup" }),
      { target_name: "cgroup", cgroup_id: 9, order: "descendants_pre" },
    ],
    ["netns", link({ type: BPF_LINK_TYPE_NETNS, id: 1, prog_id: 2, netns: { netns_ino: 4026531840, attach_type: BPF_SK_LOOKUP } }), { netns_ino: 4026531840, attach_type: "sk_lookup" }],
    ["netfilter", link({ type: BPF_LINK_TYPE_NETFILTER, id: 1, prog_id: 2, netfilter: { pf: 2, hooknum: 1, priority: -100, flags: 0 } }), { pf: 2, hook: 1, prio: -100, flags: 0 }],
    ["tcx", link({ type: BPF_LINK_TYPE_TCX, id: 1, prog_id: 2, tcx: { ifindex: 0, attach_type: BPF_TCX_INGRESS } }), { devname: "(detached)", ifindex: 0, attach_type: "tcx_ingress" }],
    ["netkit", link({ type: BPF_LINK_TYPE_NETKIT, id: 1, prog_id: 2, netkit: { ifindex: 0, attach_type: BPF_NETKIT_PEER } }), { devname: "(detached)", ifindex: 0, attach_type: "netkit_peer" }],
    ["sockmap", link({ type: BPF_LINK_TYPE_SOCKMAP, id: 1, prog_id: 2, sockmap: { map_id: 8, attach_type: BPF_SK_SKB_VERDICT } }), { map_id: 8, attach_type: "sk_skb_verdict" }],
    ["xdp, detached", link({ type: BPF_LINK_TYPE_XDP, id: 1, prog_id: 2, xdp: { ifindex: 0 } }), { devname: "(detached)", ifindex: 0 }],
    ["struct_ops", link({ type: BPF_LINK_TYPE_STRUCT_OPS, id: 1, prog_id: 0, struct_ops: { map_id: 3 } }), { map_id: 3 }],
    ["kprobe_multi", link({ type: BPF_LINK_TYPE_KPROBE_MULTI, id: 1, prog_id: 2, kprobe_multi: { count: 4, flags: 1, missed: 0n } }), { retprobe: true, func_cnt: 4, missed: 0 }],
    ["uprobe_multi", link({ type: BPF_LINK_TYPE_UPROBE_MULTI, id: 1, prog_id: 2, uprobe_multi: { count: 2, flags: 0, pid: 0xffff_ffff } }, { path: "/bin/true" }), { retprobe: false, path: "/bin/true", func_cnt: 2, pid: -1 }],
    [
      "perf_event kretprobe",
      link({ type: BPF_LINK_TYPE_PERF_EVENT, id: 1, prog_id: 2, perf_event: { type: 4, kprobe: { offset: 0, addr: 0n, missed: 1n, cookie: 5n } } }, { func_name: "do_sys_open" }),
      { retprobe: true, addr: 0, func: "do_sys_open", offset: 0, missed: 1, cookie: 5 },
    ],
    ["perf_event uprobe", link({ type: BPF_LINK_TYPE_PERF_EVENT, id: 1, prog_id: 2, perf_event: { type: 1, uprobe: { offset: 16, cookie: 0n } } }, { file_name: "/bin/sh" }), { retprobe: false, file: "/bin/sh", offset: 16, cookie: 0 }],
    ["perf_event tracepoint", link({ type: BPF_LINK_TYPE_PERF_EVENT, id: 1, prog_id: 2, perf_event: { type: 5, tracepoint: { cookie: 0n } } }, { tp_name: "sched_switch" }), { tracepoint: "sched_switch", cookie: 0 }],
    [
      "perf_event hardware event",
      link({ type: BPF_LINK_TYPE_PERF_EVENT, id: 1, prog_id: 2, perf_event: { type: 6, event: { type: 0, config: 0n, cookie: 0n } } }),
      { event_type: "hardware", event_config: "cpu-cycles", cookie: 0 },
    ],
    [
      "perf_event cache event",
      link({ type: BPF_LINK_TYPE_PERF_EVENT, id: 1, prog_id: 2, perf_event: { type: 6, event: { type: 3, config: 0x10000n, cookie: 0n } } }),
      { event_type: "hw-cache", event_config: "L1-dcache-load-misses", cookie: 0 },
    ],
    ["a type the tables do not know", link({ type: 999, id: 1, prog_id: 2 }), {}],
  ];
  for (const [name, details, arm] of cases) {
    test(`${name}: id, type, prog_id, then the arm's fields in bpftool's order`, () => {
      const out = json(linkJson(details));
      const { bpftypes: _extras, ...rest } = out;
      const type = cli.inspect.typeJson(linkTypes, details.info.type);
      assert.deepEqual(rest, { id: 1, type, prog_id: details.info.prog_id, ...arm });
      assert.deepEqual(Object.keys(rest), ["id", "type", "prog_id", ...Object.keys(arm)]);
    });
  }
});

describe("btf JSON", () => {
  test("users largest id first, as bpftool's hash table returns them; name only when there is one", () => {
    const details = (init: Parameters<typeof encodeBtfInfo>[0], name: string): BtfDetails => {
      const info = decodeBtfInfo(encodeBtfInfo(init));
      return { id: info.id ?? 0, info, name, kernel: (info.kernel_btf ?? 0) !== 0, size: info.btf_size ?? 0 };
    };
    const users = { progs: new Map([[3, [10, 11, 12]]]), maps: new Map([[3, [20]]]) };
    assert.deepEqual(json(btfJson(details({ id: 3, btf_size: 100 }, ""), users)), { id: 3, size: 100, prog_ids: [12, 11, 10], map_ids: [20], kernel: false });
    assert.deepEqual(json(btfJson(details({ id: 1, btf_size: 5_000_000, kernel_btf: 1 }, "vmlinux"), users)), { id: 1, size: 5_000_000, prog_ids: [], map_ids: [], kernel: true, name: "vmlinux" });
  });
});

test("local times: bpftool's form, to the second, each second its own text", () => {
  const { localTime } = cli.inspect;
  const base = Date.UTC(2026, 10, 25, 12, 28, 57);
  const d = new Date(base);
  const offset = -d.getTimezoneOffset();
  const two = (n: number): string => String(n).padStart(2, "0");
  const expected = (at: Date): string =>
    `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}${offset < 0 ? "-" : "+"}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  assert.equal(localTime(base), expected(d));
  assert.equal(localTime(base + 999), expected(d), "the same second");
  assert.equal(localTime(base + 1000), expected(new Date(base + 1000)), "the next second");
  assert.equal(localTime(base - 1), expected(new Date(base - 1)), "the second before");
  assert.equal(localTime(base), expected(d), "back again");
});
