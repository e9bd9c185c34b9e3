// The decoded shapes of the kernel's info structs, keyed by the C field names, with the first kernel that fills each field.

import type { BPFAttachType, BPFLinkType, BPFMapType, BPFPerfEventType, BPFProgType } from "../uapi/gen/groups.js";

/**
 * A value of a kernel enum: one this package names, or any other number (a newer kernel's), kept
 * as it came. `OpenValue<BPFMapType>` still autocompletes the known values.
 */
export type OpenValue<T extends number> = T | (number & {});

/**
 * `struct bpf_prog_info` (232 bytes in Linux 7.1) as a fully filled record: what
 * `BPF_OBJ_GET_INFO_BY_FD` reports about a program. Pointer fields are user addresses a caller
 * sets to receive arrays; they read back as the caller left them (or 0).
 */
export interface ProgInfo {
  /** The program type (`bpf_prog_type`). Linux 4.13. */
  type: OpenValue<BPFProgType>;
  /** The program's id, valid while it is loaded (`BPF_PROG_GET_FD_BY_ID`). Linux 4.13. */
  id: number;
  /** The 8-byte tag, a hash of the instructions, as 16 lowercase hex digits (as bpftool shows it). Linux 4.13. */
  tag: string;
  /** Bytes of JIT-compiled machine code; 0 when the program runs in the interpreter. Linux 4.13. */
  jited_prog_len: number;
  /** Bytes of instructions after the verifier rewrote them. Linux 4.13. */
  xlated_prog_len: number;
  /** Address of the caller's buffer for the machine code (`jited_prog_len` bytes). Linux 4.13. */
  jited_prog_insns: bigint;
  /** Address of the caller's buffer for the rewritten instructions (`xlated_prog_len` bytes). Linux 4.13. */
  xlated_prog_insns: bigint;
  /** When the program was loaded, in nanoseconds of boot time (suspend included). Linux 4.15. */
  load_time: bigint;
  /** The uid that loaded the program (0 is root, a real uid). Linux 4.15. */
  created_by_uid: number;
  /** How many map ids the caller's `map_ids` array holds; on return, how many maps the program uses. Linux 4.15. */
  nr_map_ids: number;
  /** Address of the caller's u32 array for the ids of the maps the program uses. Linux 4.15. */
  map_ids: bigint;
  /** The name given at load time, up to 15 bytes (the field is 16 with its NUL). Linux 4.15. */
  name: string;
  /** The network device the program is offloaded to or bound to; 0 for host programs. Linux 4.16. */
  ifindex: number;
  /** Whether the license is GPL-compatible: bit 0 of the u32 at offset 84. Linux 4.18. */
  gpl_compatible: boolean;
  /** Device number of the network namespace of `ifindex`. Linux 4.16. */
  netns_dev: bigint;
  /** Inode number of the network namespace of `ifindex`. Linux 4.16. */
  netns_ino: bigint;
  /** Entries in `jited_ksyms`: one per JIT-compiled function (the main program and each subprogram). Linux 4.18. */
  nr_jited_ksyms: number;
  /** Entries in `jited_func_lens`: one per JIT-compiled function. Linux 4.18. */
  nr_jited_func_lens: number;
  /** Address of the caller's u64 array for the kernel address of each JIT-compiled function. Linux 4.18. */
  jited_ksyms: bigint;
  /** Address of the caller's u32 array for the machine-code size of each function. Linux 4.18. */
  jited_func_lens: bigint;
  /** Id of the BTF object loaded with the program; 0 without one. Linux 5.0. */
  btf_id: number;
  /** Bytes of one `func_info` record (8, `sizeof(struct bpf_func_info)`, so far). Linux 5.0. */
  func_info_rec_size: number;
  /** Address of the caller's buffer for `nr_func_info` `bpf_func_info` records. Linux 5.0. */
  func_info: bigint;
  /** How many `bpf_func_info` records the program has (or the caller's buffer holds). Linux 5.0. */
  nr_func_info: number;
  /** How many `bpf_line_info` records the program has (or the caller's buffer holds). Linux 5.0. */
  nr_line_info: number;
  /** Address of the caller's buffer for `bpf_line_info` records. Linux 5.0. */
  line_info: bigint;
  /** Address of the caller's u64 array for the machine-code address of each line-info record. Linux 5.0. */
  jited_line_info: bigint;
  /** Entries in `jited_line_info`. Linux 5.0. */
  nr_jited_line_info: number;
  /** Bytes of one `line_info` record (16 so far). Linux 5.0. */
  line_info_rec_size: number;
  /** Bytes of one `jited_line_info` entry (8, a u64 address). Linux 5.0. */
  jited_line_info_rec_size: number;
  /** Entries in `prog_tags`: one 8-byte tag per function. Linux 5.0. */
  nr_prog_tags: number;
  /** Address of the caller's buffer for the 8-byte tag of each function. Linux 5.0. */
  prog_tags: bigint;
  /** Nanoseconds spent running the program, counted while `BPF_ENABLE_STATS` is on. Linux 5.1. */
  run_time_ns: bigint;
  /** How many times the program ran, counted while `BPF_ENABLE_STATS` is on. Linux 5.1. */
  run_cnt: bigint;
  /** How many times the program was skipped because it was already running on that CPU. Linux 5.12. */
  recursion_misses: bigint;
  /** How many instructions the verifier walked to accept the program. Linux 5.16. */
  verified_insns: number;
  /** Id of the BTF object holding the function the program attaches to (fentry, LSM...); 0 if none. Linux 6.0. */
  attach_btf_obj_id: number;
  /** BTF type id of that function inside `attach_btf_obj_id`'s BTF. Linux 6.0. */
  attach_btf_id: number;
}

/** `struct bpf_map_info` (104 bytes in Linux 7.1): what `BPF_OBJ_GET_INFO_BY_FD` reports about a map. */
export interface MapInfo {
  /** The map type (`bpf_map_type`). Linux 4.13. */
  type: OpenValue<BPFMapType>;
  /** The map's id, valid while it exists (`BPF_MAP_GET_FD_BY_ID`). Linux 4.13. */
  id: number;
  /** Bytes of a key. Linux 4.13. */
  key_size: number;
  /** Bytes of a value (one CPU's slot, for per-CPU maps). Linux 4.13. */
  value_size: number;
  /** The capacity given at creation. Linux 4.13. */
  max_entries: number;
  /** The `BPF_F_*` flags given at creation (see `mapFlags`). Linux 4.13. */
  map_flags: number;
  /** The name given at creation, up to 15 bytes. Linux 4.15. */
  name: string;
  /** The network device the map is offloaded to; 0 for host maps. Linux 4.16. */
  ifindex: number;
  /** BTF type id in vmlinux of a struct_ops map's value type. Linux 5.6. */
  btf_vmlinux_value_type_id: number;
  /** Device number of the network namespace of `ifindex`. Linux 4.16. */
  netns_dev: bigint;
  /** Inode number of the network namespace of `ifindex`. Linux 4.16. */
  netns_ino: bigint;
  /** Id of the BTF object describing the key and value; 0 without one. Linux 4.18. */
  btf_id: number;
  /** BTF type id of the key inside `btf_id`'s BTF. Linux 4.18. */
  btf_key_type_id: number;
  /** BTF type id of the value inside `btf_id`'s BTF. Linux 4.18. */
  btf_value_type_id: number;
  /** Id of the kernel BTF object (vmlinux or a module) a struct_ops map's type comes from. Linux 6.9. */
  btf_vmlinux_id: number;
  /** The type-specific extra given at creation (a bloom filter's hash count, an arena's address). Linux 5.16. */
  map_extra: bigint;
  /** Address of the caller's buffer for the map's content hash (`hash_size` bytes). Linux 6.18. */
  hash: bigint;
  /** Bytes of the caller's `hash` buffer (32, SHA-256). Linux 6.18. */
  hash_size: number;
}

/** The `raw_tracepoint` arm of `bpf_link_info` (link type since Linux 5.8). */
export interface RawTracepointLinkInfo {
  /** Address of the caller's buffer for the tracepoint's name. */
  tp_name: bigint;
  /** Bytes of that buffer; on return, the name's length as the kernel counts it. */
  tp_name_len: number;
  /** The BPF cookie given when the link was made (`bpf_get_attach_cookie`). */
  cookie: bigint;
}

/** The `tracing` arm of `bpf_link_info`: fentry, fexit, fmod_ret, LSM... (link type since Linux 5.8). */
export interface TracingLinkInfo {
  /** How the program attaches (`BPF_TRACE_FENTRY`, `BPF_TRACE_FEXIT`, `BPF_MODIFY_RETURN`...). */
  attach_type: OpenValue<BPFAttachType>;
  /** Id of the object holding the target: a program id for a BPF target, else a BTF object id. */
  target_obj_id: number;
  /** BTF type id of the traced function in that object's BTF. */
  target_btf_id: number;
  /** The BPF cookie given when the link was made. */
  cookie: bigint;
}

/** The `cgroup` arm of `bpf_link_info` (link type since Linux 5.8). */
export interface CgroupLinkInfo {
  /** Id of the cgroup (its kernfs node id). */
  cgroup_id: bigint;
  /** The cgroup hook (`BPF_CGROUP_INET_INGRESS`...). */
  attach_type: OpenValue<BPFAttachType>;
}

/** What a map-element iterator walks. */
export interface IterMapLinkInfo {
  /** The map's id; 0 for iterators of other targets. */
  map_id: number;
}

/** Where a cgroup iterator walks. */
export interface IterCgroupLinkInfo {
  /** Id of the cgroup the walk starts from. */
  cgroup_id: bigint;
  /** The walk order (`bpf_cgroup_iter_order`: self only, pre-order, post-order, ancestors, children). */
  order: number;
}

/** Which tasks a task iterator is limited to. */
export interface IterTaskLinkInfo {
  /** A thread id, or 0. */
  tid: number;
  /** A process id, or 0. */
  pid: number;
}

/**
 * The `iter` arm of `bpf_link_info` (link type since Linux 5.8). The target's details live in
 * unions whose member depends on the target's name, which only the `target_name` buffer holds:
 * so every reading is decoded. `cgroup` and `task` share bytes: read the one the target has.
 */
export interface IterLinkInfo {
  /** Address of the caller's buffer for the iterator target's name (`bpf_map_elem`, `task`, `cgroup`...). */
  target_name: bigint;
  /** Bytes of that buffer; on return, the name's length as the kernel counts it. */
  target_name_len: number;
  /** For a `bpf_map_elem` (or other per-map) iterator: the map it walks. */
  map: IterMapLinkInfo;
  /** For a `cgroup` iterator: the starting cgroup and walk order (same bytes as `task`). */
  cgroup: IterCgroupLinkInfo;
  /** For a `task`, `task_file` or `task_vma` iterator: the thread or process it is limited to (same bytes as `cgroup`). */
  task: IterTaskLinkInfo;
}

/** The `netns` arm of `bpf_link_info` (link type since Linux 5.8). */
export interface NetnsLinkInfo {
  /** Inode number of the network namespace. */
  netns_ino: number;
  /** `BPF_FLOW_DISSECTOR` or `BPF_SK_LOOKUP`. */
  attach_type: OpenValue<BPFAttachType>;
}

/** The `xdp` arm of `bpf_link_info` (link type since Linux 5.9). */
export interface XdpLinkInfo {
  /** The network device; 0 once it is gone. */
  ifindex: number;
}

/** The `struct_ops` arm of `bpf_link_info` (link type since Linux 5.19). */
export interface StructOpsLinkInfo {
  /** Id of the struct_ops map the link has registered. */
  map_id: number;
}

/** The `netfilter` arm of `bpf_link_info` (link type since Linux 6.4). */
export interface NetfilterLinkInfo {
  /** The protocol family (`NFPROTO_IPV4`, `NFPROTO_IPV6`). */
  pf: number;
  /** The netfilter hook (`NF_INET_PRE_ROUTING`...). */
  hooknum: number;
  /** The program's priority in the hook, signed; lower runs first. */
  priority: number;
  /** Netfilter link flags (`BPF_F_NETFILTER_IP_DEFRAG`). */
  flags: number;
}

/** The `kprobe_multi` arm of `bpf_link_info` (link type since Linux 5.18). */
export interface KprobeMultiLinkInfo {
  /** Address of the caller's u64 array for the probed addresses (zeros without the privilege to see them). */
  addrs: bigint;
  /** How many functions are probed; on input, the capacity of `addrs` and `cookies`. */
  count: number;
  /** `BPF_F_KPROBE_MULTI_RETURN` for return probes. */
  flags: number;
  /** How many times a probe fired without running the program (recursion...). */
  missed: bigint;
  /** Address of the caller's u64 array for each probe's cookie, in the order of `addrs`. */
  cookies: bigint;
}

/** The `uprobe_multi` arm of `bpf_link_info` (link type since Linux 6.6). */
export interface UprobeMultiLinkInfo {
  /** Address of the caller's buffer for the probed binary's path. */
  path: bigint;
  /** Address of the caller's u64 array for each probe's file offset. */
  offsets: bigint;
  /** Address of the caller's u64 array for each probe's semaphore (reference counter) offset. */
  ref_ctr_offsets: bigint;
  /** Address of the caller's u64 array for each probe's cookie. */
  cookies: bigint;
  /** Bytes of the `path` buffer; on return, the path's length as the kernel counts it. */
  path_size: number;
  /** How many uprobes; on input, the capacity of the arrays. */
  count: number;
  /** `BPF_F_UPROBE_MULTI_RETURN` for return probes. */
  flags: number;
  /** The process the probes are limited to; 0 for every process mapping the binary. */
  pid: number;
}

/** A perf-event link on a uprobe or uretprobe. */
export interface PerfEventUprobeLinkInfo {
  /** Address of the caller's buffer for the probed binary's path. */
  file_name: bigint;
  /** Bytes of that buffer; on return, the path's length as the kernel counts it. */
  name_len: number;
  /** File offset of the probe in the binary. */
  offset: number;
  /** The BPF cookie given when the link was made. */
  cookie: bigint;
  /** File offset of the probe's semaphore (USDT reference counter); 0 if none. */
  ref_ctr_offset: bigint;
}

/** A perf-event link on a kprobe or kretprobe. */
export interface PerfEventKprobeLinkInfo {
  /** Address of the caller's buffer for the probed function's name. */
  func_name: bigint;
  /** Bytes of that buffer; on return, the name's length as the kernel counts it. */
  name_len: number;
  /** Offset of the probe from the function's start. */
  offset: number;
  /** The probe's kernel address (0 when kernel addresses are hidden from the caller). */
  addr: bigint;
  /** How many times the probe fired without running the program. */
  missed: bigint;
  /** The BPF cookie given when the link was made. */
  cookie: bigint;
}

/** A perf-event link on a tracepoint. */
export interface PerfEventTracepointLinkInfo {
  /** Address of the caller's buffer for the tracepoint's name. */
  tp_name: bigint;
  /** Bytes of that buffer; on return, the name's length as the kernel counts it. */
  name_len: number;
  /** The BPF cookie given when the link was made. */
  cookie: bigint;
}

/** A perf-event link on a plain perf event (a counter). */
export interface PerfEventEventLinkInfo {
  /** `perf_event_attr.config`: which counter of its type. */
  config: bigint;
  /** `perf_event_attr.type` (`PERF_TYPE_HARDWARE`, `PERF_TYPE_SOFTWARE`...). */
  type: number;
  /** The BPF cookie given when the link was made. */
  cookie: bigint;
}

/**
 * The `perf_event` arm of `bpf_link_info` (link type since Linux 5.15). Exactly one of the
 * variants is decoded, the one `type` names: `uprobe` for UPROBE and URETPROBE, `kprobe` for KPROBE
 * and KRETPROBE, `tracepoint`, `event`. For `BPF_PERF_EVENT_UNSPEC` or a type this package does not
 * know, none is.
 */
export interface PerfEventLinkInfo {
  /** What the link is attached to (`bpf_perf_event_type`). */
  type: OpenValue<BPFPerfEventType>;
  /** Present when `type` is `BPF_PERF_EVENT_UPROBE` or `BPF_PERF_EVENT_URETPROBE`. */
  uprobe?: PerfEventUprobeLinkInfo;
  /** Present when `type` is `BPF_PERF_EVENT_KPROBE` or `BPF_PERF_EVENT_KRETPROBE`. */
  kprobe?: PerfEventKprobeLinkInfo;
  /** Present when `type` is `BPF_PERF_EVENT_TRACEPOINT`. */
  tracepoint?: PerfEventTracepointLinkInfo;
  /** Present when `type` is `BPF_PERF_EVENT_EVENT`. */
  event?: PerfEventEventLinkInfo;
}

/** The `tcx` arm of `bpf_link_info` (link type since Linux 6.6). */
export interface TcxLinkInfo {
  /** The network device. */
  ifindex: number;
  /** `BPF_TCX_INGRESS` or `BPF_TCX_EGRESS`. */
  attach_type: OpenValue<BPFAttachType>;
}

/** The `netkit` arm of `bpf_link_info` (link type since Linux 6.7). */
export interface NetkitLinkInfo {
  /** The netkit device. */
  ifindex: number;
  /** `BPF_NETKIT_PRIMARY` or `BPF_NETKIT_PEER`. */
  attach_type: OpenValue<BPFAttachType>;
}

/** The `sockmap` arm of `bpf_link_info` (link type since Linux 6.10). */
export interface SockmapLinkInfo {
  /** Id of the sockmap or sockhash. */
  map_id: number;
  /** `BPF_SK_SKB_STREAM_VERDICT`, `BPF_SK_SKB_VERDICT`, `BPF_SK_MSG_VERDICT`... */
  attach_type: OpenValue<BPFAttachType>;
}

/**
 * `struct bpf_link_info` (64 bytes in Linux 7.1): what `BPF_OBJ_GET_INFO_BY_FD` reports about a
 * link (Linux 5.8). The 48-byte union after the common fields is decoded as the one arm `type`
 * selects, under the arm's C name (its `linkTypes.shortName`); for a link type this package does
 * not know, no arm is decoded. Which of an arm's fields a kernel fills can come later than the
 * link type itself (a perf-event link exists since 5.15, its details since 6.6).
 */
export interface LinkInfo {
  /** The link type (`bpf_link_type`), which selects the arm. */
  type: OpenValue<BPFLinkType>;
  /** The link's id, valid while it exists (`BPF_LINK_GET_FD_BY_ID`). */
  id: number;
  /** Id of the program the link holds attached; 0 for struct_ops links. */
  prog_id: number;
  /** Present when `type` is `BPF_LINK_TYPE_RAW_TRACEPOINT`: a raw tracepoint program, or a `tp_btf` tracing program, on a kernel tracepoint. */
  raw_tracepoint?: RawTracepointLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_TRACING`: fentry, fexit, fmod_ret, LSM and similar trampoline attachments. */
  tracing?: TracingLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_CGROUP`: a program on a cgroup hook. */
  cgroup?: CgroupLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_ITER`: an iterator, read by opening it with `BPF_ITER_CREATE`. */
  iter?: IterLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_NETNS`: a flow dissector or sk_lookup program on a network namespace. */
  netns?: NetnsLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_XDP`: an XDP program on a network device. */
  xdp?: XdpLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_STRUCT_OPS`: a registered struct_ops map (no program of its own). */
  struct_ops?: StructOpsLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_NETFILTER`: a program on a netfilter hook. */
  netfilter?: NetfilterLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_KPROBE_MULTI`: one program on many kernel functions through fprobe. */
  kprobe_multi?: KprobeMultiLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_UPROBE_MULTI`: one program on many offsets of one binary. */
  uprobe_multi?: UprobeMultiLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_PERF_EVENT`: a program on a perf event (kprobe, uprobe, tracepoint or counter). */
  perf_event?: PerfEventLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_TCX`: a program on a device's tcx ingress or egress hook. */
  tcx?: TcxLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_NETKIT`: a program on a netkit device pair. */
  netkit?: NetkitLinkInfo;
  /** Present when `type` is `BPF_LINK_TYPE_SOCKMAP`: a verdict or parser program on a sockmap or sockhash. */
  sockmap?: SockmapLinkInfo;
}

/** `struct bpf_btf_info` (32 bytes in Linux 7.1): what `BPF_OBJ_GET_INFO_BY_FD` reports about a BTF object. */
export interface BtfInfo {
  /** Address of the caller's buffer for the raw BTF (header, types, strings). */
  btf: bigint;
  /** Bytes of that buffer; on return, the size of the raw BTF. */
  btf_size: number;
  /** The BTF object's id (`BPF_BTF_GET_FD_BY_ID`). */
  id: number;
  /** Address of the caller's buffer for the BTF's name (`vmlinux`, a module's name). */
  name: bigint;
  /** Bytes of that buffer; on return, the name's length without its NUL (`strlen`: 7 for `vmlinux`). */
  name_len: number;
  /** Nonzero for the kernel's own BTF (vmlinux or a module), 0 for BTF user space loaded. */
  kernel_btf: number;
}

/** `struct bpf_func_info` (8 bytes): where one function of a program starts, and its BTF type. */
export interface FuncInfo {
  /** Index of the function's first instruction (in 8-byte instructions). */
  insn_off: number;
  /** BTF type id of the function's `BTF_KIND_FUNC`. */
  type_id: number;
}

/**
 * `struct bpf_line_info` (16 bytes): which source line an instruction comes from. `line` and
 * `column` are not C members but the two halves of `line_col`, as the kernel's
 * `BPF_LINE_INFO_LINE_NUM` and `BPF_LINE_INFO_LINE_COL` macros read them.
 */
export interface LineInfo {
  /** Index of the first instruction of the line (in 8-byte instructions). */
  insn_off: number;
  /** Offset of the source file's name in the BTF string section. */
  file_name_off: number;
  /** Offset of the line's source text in the BTF string section. */
  line_off: number;
  /** The packed position: line in the high 22 bits, column in the low 10. */
  line_col: number;
  /** The line number, `line_col >>> 10`. */
  line: number;
  /** The column, `line_col & 0x3ff`. */
  column: number;
}

/**
 * `struct bpf_token_info` (32 bytes; BPF tokens since Linux 6.9): what a BPF token allows, as bit
 * masks where bit N stands for the value N of the enum.
 */
export interface TokenInfo {
  /** The `bpf_cmd` commands allowed. */
  allowed_cmds: bigint;
  /** The `bpf_map_type`s that may be created. */
  allowed_maps: bigint;
  /** The `bpf_prog_type`s that may be loaded. */
  allowed_progs: bigint;
  /** The `bpf_attach_type`s programs may expect. */
  allowed_attachs: bigint;
}

/**
 * The leaf values of a decoded struct: numbers for fields up to 32 bits, `bigint` for u64 fields,
 * strings for names and tags. {@link DeepPartial} and {@link InitOf} stop descending at these.
 */
export type Scalar = number | bigint | string | boolean;

/** Every field optional, nested arms included. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends Scalar ? T[K] : DeepPartial<T[K]> };

/**
 * What a decoder returns: the fields the kernel filled, and `absent`, the dotted names of the fields
 * that lie (partly) past the length the kernel reported, in offset order. An absent field is not in
 * the object at all: it is not zero, the kernel did not say. `absent` is empty when every field
 * this package knows was filled. It is frozen (and usually one array shared by every record of that shape).
 */
export type Decoded<T> = DeepPartial<T> & {
  /** Dotted names of the fields past the reported length (`"run_time_ns"`, `"perf_event.kprobe.missed"`). */
  readonly absent: readonly string[];
};

/** Every field optional, u64 fields taking a `bigint` or a safe integer `number`. */
export type InitOf<T> = {
  [K in keyof T]?: T[K] extends bigint ? bigint | number : T[K] extends Scalar ? T[K] : InitOf<T[K]>;
};

/**
 * What an encoder takes: any subset of the fields (the rest are written as zero). A decoded record
 * can be passed back as it is: its `absent` list is ignored.
 */
export type Init<T> = InitOf<T> & { readonly absent?: readonly string[] };
