// `bpftypes link [show|list] [id N | pinned PATH]`: the kernel's links, as a table or as bpftool's JSON.

import {
  attachTypes,
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
  linkTypes,
  perfEventTypes,
  progTypes,
} from "bpftypes";
import { linkById, linkByPin, links, type LinkDetails } from "bpftypes/node";
import { interfaceName, parseShow, runShow, showHelp, typeJson, typeNameJson, typeSinceJson, typeText, type ShowOptions } from "./inspect.js";
import type { JsonValue, Output } from "./output.js";

/** Help text of `bpftypes link`. */
export const LINK_HELP = showHelp(
  "link",
  "id, type, prog_id, and each link type's own fields as bpftool prints them: tp_name;\n  prog_type, attach_type, target_obj_id, target_btf_id; cgroup_id; target_name, map_id, tid, pid,\n  order; netns_ino; pf, hook, prio, flags; devname, ifindex; map_id; retprobe, func_cnt, missed,\n  path, pid; addr, func, offset, cookie, file, tracepoint, event_type, event_config",
);

/** bpftool's names of the cgroup iterator orders (`bpf_cgroup_iter_order`). */
const CGROUP_ORDERS = ["order_unspec", "self_only", "descendants_pre", "descendants_post", "ancestors_up"];
/** bpftool's names of perf event types (`perf_type_id`). */
const PERF_TYPES = ["hardware", "software", "tracepoint", "hw-cache", "raw", "breakpoint"];
const PERF_HW = ["cpu-cycles", "instructions", "cache-references", "cache-misses", "branch-instructions", "branch-misses", "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles"];
const PERF_SW = ["cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations", "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output", "cgroup-switches"];
const PERF_CACHE = ["L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch", "node"];
const PERF_CACHE_OP = ["load", "store", "prefetch"];
const PERF_CACHE_RESULT = ["refs", "misses"];

/** A perf event's config in bpftool's words (`cpu-cycles`, `L1-dcache-load-misses`), or the number. */
function perfConfig(type: number, config: bigint): string | bigint {
  if (type === 0) return PERF_HW[Number(config)] ?? config;
  if (type === 1) return PERF_SW[Number(config)] ?? config;
  if (type === 3) {
    const part = (names: readonly string[], value: bigint): string => names[Number(value)] ?? String(value);
    return `${part(PERF_CACHE, config & 0xffn)}-${part(PERF_CACHE_OP, (config >> 8n) & 0xffn)}-${part(PERF_CACHE_RESULT, config >> 16n)}`;
  }
  return config;
}

/** bpftool's `devname` and `ifindex` pair. */
function ifindexJson(ifindex: number | undefined): { devname: string; ifindex: number } {
  const index = ifindex ?? 0;
  return { devname: index ? (interfaceName(index) ?? "(unknown)") : "(detached)", ifindex: index };
}

function attachJson(value: number | undefined): string | number {
  return typeJson(attachTypes, value);
}

/** The fields each link type adds, as bpftool prints them (in its order). */
function armJson(link: LinkDetails): Record<string, JsonValue> {
  const info = link.info;
  switch (info.type) {
    case BPF_LINK_TYPE_RAW_TRACEPOINT:
      return { tp_name: link.strings["tp_name"] ?? "" };
    case BPF_LINK_TYPE_TRACING:
      return {
        prog_type: link.progType === undefined ? undefined : typeJson(progTypes, link.progType),
        attach_type: attachJson(info.tracing?.attach_type),
        target_obj_id: info.tracing?.target_obj_id,
        target_btf_id: info.tracing?.target_btf_id,
      };
    case BPF_LINK_TYPE_CGROUP:
      return { cgroup_id: info.cgroup?.cgroup_id ?? 0n, attach_type: attachJson(info.cgroup?.attach_type) };
    case BPF_LINK_TYPE_ITER: {
      const target = link.strings["target_name"] ?? "";
      const iter = info.iter;
      const out: Record<string, JsonValue> = { target_name: target };
      if (target === "bpf_map_elem" || target === "bpf_sk_storage_map") out["map_id"] = iter?.map?.map_id ?? 0;
      else if (target === "task" || target === "task_file" || target === "task_vma") {
        if (iter?.task?.tid) out["tid"] = iter.task.tid;
        else if (iter?.task?.pid) out["pid"] = iter.task.pid;
      }
      if (target === "cgroup") {
        out["cgroup_id"] = iter?.cgroup?.cgroup_id ?? 0n;
        out["order"] = CGROUP_ORDERS[iter?.cgroup?.order ?? 0] ?? "unknown";
      }
      return out;
    }
    case BPF_LINK_TYPE_NETNS:
      return { netns_ino: info.netns?.netns_ino ?? 0, attach_type: attachJson(info.netns?.attach_type) };
    case BPF_LINK_TYPE_NETFILTER:
      return { pf: info.netfilter?.pf ?? 0, hook: info.netfilter?.hooknum ?? 0, prio: info.netfilter?.priority ?? 0, flags: info.netfilter?.flags ?? 0 };
    case BPF_LINK_TYPE_TCX:
      return { ...ifindexJson(info.tcx?.ifindex), attach_type: attachJson(info.tcx?.attach_type) };
    case BPF_LINK_TYPE_NETKIT:
      return { ...ifindexJson(info.netkit?.ifindex), attach_type: attachJson(info.netkit?.attach_type) };
    case BPF_LINK_TYPE_SOCKMAP:
      return { map_id: info.sockmap?.map_id ?? 0, attach_type: attachJson(info.sockmap?.attach_type) };
    case BPF_LINK_TYPE_XDP:
      return ifindexJson(info.xdp?.ifindex);
    case BPF_LINK_TYPE_STRUCT_OPS:
      return { map_id: info.struct_ops?.map_id ?? 0 };
    case BPF_LINK_TYPE_KPROBE_MULTI:
      // bpftool also lists the functions, by address through /proc/kallsyms; that list is left out.
      return {
        retprobe: ((info.kprobe_multi?.flags ?? 0) & 1) !== 0,
        func_cnt: info.kprobe_multi?.count ?? 0,
        missed: info.kprobe_multi?.missed ?? 0n,
      };
    case BPF_LINK_TYPE_UPROBE_MULTI:
      return {
        retprobe: ((info.uprobe_multi?.flags ?? 0) & 1) !== 0,
        path: link.strings["path"] ?? "",
        func_cnt: info.uprobe_multi?.count ?? 0,
        pid: (info.uprobe_multi?.pid ?? 0) | 0,
      };
    case BPF_LINK_TYPE_PERF_EVENT: {
      const perf = info.perf_event;
      switch (perf?.type) {
        case 1:
        case 2:
          return { retprobe: perf.type === 2, file: link.strings["file_name"] ?? "", offset: perf.uprobe?.offset ?? 0, cookie: perf.uprobe?.cookie ?? 0n };
        case 3:
        case 4:
          return {
            retprobe: perf.type === 4,
            addr: perf.kprobe?.addr ?? 0n,
            func: link.strings["func_name"] ?? "",
            offset: perf.kprobe?.offset ?? 0,
            missed: perf.kprobe?.missed ?? 0n,
            cookie: perf.kprobe?.cookie ?? 0n,
          };
        case 5:
          return { tracepoint: link.strings["tp_name"] ?? "", cookie: perf.tracepoint?.cookie ?? 0n };
        case 6: {
          const type = perf.event?.type ?? 0;
          return { event_type: PERF_TYPES[type] ?? type, event_config: perfConfig(type, perf.event?.config ?? 0n), cookie: perf.event?.cookie ?? 0n };
        }
        default:
          return {};
      }
    }
    default:
      return {};
  }
}

/** The attach type a link's arm reports, if its arm has one. */
function attachTypeOf(link: LinkDetails): number | undefined {
  const info = link.info;
  return info.tracing?.attach_type ?? info.cgroup?.attach_type ?? info.netns?.attach_type ?? info.tcx?.attach_type ?? info.netkit?.attach_type ?? info.sockmap?.attach_type;
}

/**
 * A link as `bpftool -j link show` prints it: `id`, `type`, `prog_id`, then the fields of its
 * type, with bpftool's keys and value types. Our additions are under `bpftypes`.
 */
export function linkJson(link: LinkDetails): JsonValue {
  const info = link.info;
  const attach = attachTypeOf(link);
  return {
    id: link.id,
    type: typeJson(linkTypes, info.type),
    prog_id: info.prog_id ?? 0,
    ...armJson(link),
    bpftypes: {
      type_name: typeNameJson(linkTypes, info.type),
      type_since: typeSinceJson(linkTypes, info.type),
      attach_type_name: attach === undefined ? undefined : typeNameJson(attachTypes, attach),
      perf_event_type: info.perf_event?.type === undefined ? undefined : typeNameJson(perfEventTypes, info.perf_event.type),
      absent: info.absent.length > 0 ? info.absent : undefined,
    },
  };
}

/** The arm's fields for a table cell: `key value` pairs. */
function details(link: LinkDetails): string {
  const fields = armJson(link);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key} ${typeof value === "string" ? value : String(value)}`);
  }
  return parts.join("  ") || "-";
}

function readOne(options: ShowOptions): LinkDetails {
  return options.pinned !== undefined ? linkByPin(options.pinned) : linkById(options.id!);
}

/** Prints links: all of them, or the one with `id`, or the one pinned at `pinned`. */
export async function linkShow(options: ShowOptions, out: Output): Promise<void> {
  runShow(options, out, {
    one: readOne,
    all: () => links(),
    json: linkJson,
    columns: [{ title: "ID", right: true }, { title: "TYPE" }, { title: "PROG", right: true }, { title: "DETAILS" }],
    row: (link) => [String(link.id), typeText(linkTypes, link.info.type), link.info.prog_id ? String(link.info.prog_id) : "-", details(link)],
    detail: (link) => {
      const entry = linkTypes.entry(link.info.type ?? 0);
      const rows: [string, string][] = [
        ["id", String(link.id)],
        ["type", `${typeText(linkTypes, link.info.type)}${entry ? ` (${entry.name}, ${entry.since ? `Linux ${entry.since.text}` : "?"})` : ""}`],
        ["prog id", String(link.info.prog_id ?? 0)],
      ];
      for (const [key, value] of Object.entries(armJson(link))) {
        if (value !== undefined) rows.push([key.replaceAll("_", " "), String(value)]);
      }
      return rows;
    },
  });
}

/** Prints every link (the same as {@link linkShow} with no id or pin). */
export async function linkList(out: Output): Promise<void> {
  await linkShow({}, out);
}

/** Parses `bpftypes link ...` and runs it. */
export async function runLink(argv: readonly string[], out: Output): Promise<void> {
  const parsed = parseShow("link", argv);
  if (parsed.verb === "help") out.line(LINK_HELP);
  else await linkShow(parsed.options, out);
}
