// Names kept from the Go package bpftypes v0.3.0, so code ported from it keeps compiling, with
// its traps documented. Prefer the kernel names and the ValueSet/FlagSet helpers in new code.

import * as k from "./gen/constants.js";
import { bpfMapInfoLayout, bpfProgInfoLayout } from "./gen/layouts.js";
import { attachTypes, commands, linkTypes, mapFlags, mapTypes, progTypes, taskFdTypes } from "./sets.js";

/** Bytes in `struct bpf_map_info` of the newest kernel this package knows (104 for Linux 7.1; the Go package said 64). */
export const BPFMapInfoSize: number = bpfMapInfoLayout.size;
/** Bytes in `struct bpf_prog_info` of the newest kernel this package knows (232 for Linux 7.1; the Go package said 216). */
export const BPFProgInfoSize: number = bpfProgInfoLayout.size;

/** Map flag `BPF_F_NO_PREALLOC`: allocate elements on update rather than when the map is created. */
export const BPFMapFlagsNoPreAlloc = k.BPF_F_NO_PREALLOC;
/** Map flag `BPF_F_NO_COMMON_LRU`: give each CPU its own LRU list. */
export const BPFMapFlagsNoCommonLRU = k.BPF_F_NO_COMMON_LRU;
/** Map flag `BPF_F_NUMA_NODE`: honour the `numa_node` attribute. */
export const BPFMapFlagsNUMANode = k.BPF_F_NUMA_NODE;
/** Map flag `BPF_F_RDONLY`: user space may only read the map. */
export const BPFMapFlagsReadOnly = k.BPF_F_RDONLY;
/** Map flag `BPF_F_WRONLY`: user space may only write the map. */
export const BPFMapFlagsWriteOnly = k.BPF_F_WRONLY;
/** Map flag `BPF_F_STACK_BUILD_ID`: a stack-trace map stores build id and offset. */
export const BPFMapFlagsStackBuildID = k.BPF_F_STACK_BUILD_ID;
/** Map flag `BPF_F_ZERO_SEED`: hash with a zero seed (for tests). */
export const BPFMapFlagsZeroSeed = k.BPF_F_ZERO_SEED;
/** Map flag `BPF_F_RDONLY_PROG`: programs may only read the map. */
export const BPFMapFlagsReadOnlyProg = k.BPF_F_RDONLY_PROG;
/** Map flag `BPF_F_WRONLY_PROG`: programs may only write the map. */
export const BPFMapFlagsWriteOnlyProg = k.BPF_F_WRONLY_PROG;
/** Map flag `BPF_F_CLONE`: socket storage is copied to sockets accepted from a listener. */
export const BPFMapFlagsClone = k.BPF_F_CLONE;
/** Map flag `BPF_F_MMAPABLE`: the map's memory can be mmap()ed. */
export const BPFMapFlagsMMapable = k.BPF_F_MMAPABLE;
/** Map flag `BPF_F_PRESERVE_ELEMS`: a perf-event array keeps its entries when the creating fd closes. */
export const BPFMapFlagsPreserveElems = k.BPF_F_PRESERVE_ELEMS;
/** Map flag `BPF_F_INNER_MAP`: an inner map whose max_entries may differ from its template. */
export const BPFMapFlagsInnerMap = k.BPF_F_INNER_MAP;
/**
 * Kept for the Go package's API only: it meant "one past the last flag", but its value, 8192, is
 * the real map flag `BPF_F_LINK` (Linux 6.4), and newer kernels add flags above it. Do not use it
 * as a bound; use {@link mapFlags}.knownMask or the flag names.
 *
 * @deprecated equal to `BPF_F_LINK`; not a limit.
 */
export const BPFMapFlagsMax = k.BPF_F_LINK;

/** Load flag `BPF_F_STRICT_ALIGNMENT`: check alignment as strictly as the strictest architecture. */
export const BPFProgLoadStrictAlignment = k.BPF_F_STRICT_ALIGNMENT;
/** Load flag `BPF_F_ANY_ALIGNMENT`: skip the verifier's alignment checks (testing). */
export const BPFProgLoadAnyAlignment = k.BPF_F_ANY_ALIGNMENT;
/** Load flag `BPF_F_TEST_RND_HI32`: randomise upper halves of registers the verifier proved unused (testing). */
export const BPFProgLoadTestRndHI32 = k.BPF_F_TEST_RND_HI32;
/** Load flag `BPF_F_TEST_STATE_FREQ`: verifier-internal test flag. */
export const BPFProgLoadTestStateFreq = k.BPF_F_TEST_STATE_FREQ;
/** Load flag `BPF_F_SLEEPABLE`: the program may sleep, so it may only attach to hooks that allow it. */
export const BPFProgLoadSleepable = k.BPF_F_SLEEPABLE;

/** Attach flag `BPF_F_ALLOW_OVERRIDE`: a program in a sub-cgroup replaces this one there. */
export const BPFProgAttachAllowOverride = k.BPF_F_ALLOW_OVERRIDE;
/** Attach flag `BPF_F_ALLOW_MULTI`: programs of sub-cgroups run as well as this one. */
export const BPFProgAttachAllowMulti = k.BPF_F_ALLOW_MULTI;
/** Attach flag `BPF_F_REPLACE`: replace the program given by `replace_bpf_fd`. */
export const BPFProgAttachReplace = k.BPF_F_REPLACE;

/** The flag word of `bpf_prog_info` that holds `gpl_compatible` (bit 0 of the u32 at offset 84). */
export type BPFProgInfoFlags = number;
/** Bit 0 of the flag word: the program's license is GPL-compatible. */
export const ProgInfoFlagGPLCompatible = 1;

/**
 * The Go package's view of the verifier `log_level`. The kernel's field is really a bit mask
 * (`BPF_LOG_LEVEL1` 1, `BPF_LOG_LEVEL2` 2, `BPF_LOG_STATS` 4, `BPF_LOG_FIXED` 8): see {@link logLevels}.
 */
export const BPFLogLevelDisabled = 0;
/** Log level 1 (`BPF_LOG_LEVEL1`): the verifier logs the instructions it checks. */
export const BPFLogLevelBasic = k.BPF_LOG_LEVEL1;
/**
 * Log level 2 (`BPF_LOG_LEVEL2`): the verifier logs every state. Not "the most verbose" as the Go
 * package said: it combines with `BPF_LOG_STATS` (4) and `BPF_LOG_FIXED` (8).
 */
export const BPFLogLevelVerbose = k.BPF_LOG_LEVEL2;

// The Go package's String() methods. Unlike theirs, an unknown value keeps its number:
// `BPFMapTypeString(99)` is "bpf_map_type(99)", not "UNKNOWN".

/** The kernel name of a command (Go: `BPFCommand.String()`); unknown ones as `bpf_cmd(N)`. */
export function BPFCommandString(value: number): string {
  return commands.name(value);
}
/** The kernel name of a map type (Go: `BPFMapType.String()`); unknown ones as `bpf_map_type(N)`. */
export function BPFMapTypeString(value: number): string {
  return mapTypes.name(value);
}
/** The kernel name of a program type (Go: `BPFProgType.String()`); unknown ones as `bpf_prog_type(N)`. */
export function BPFProgTypeString(value: number): string {
  return progTypes.name(value);
}
/** The kernel name of an attach type (Go: `BPFAttachType.String()`); unknown ones as `bpf_attach_type(N)`. */
export function BPFAttachTypeString(value: number): string {
  return attachTypes.name(value);
}
/** The kernel name of a link type (Go: `BPFLinkType.String()`); unknown ones as `bpf_link_type(N)`. */
export function BPFLinkTypeString(value: number): string {
  return linkTypes.name(value);
}
/** The kernel name of a task-fd type (Go: `BPFTaskFDType.String()`); unknown ones as `bpf_task_fd_type(N)`. */
export function BPFTaskFDTypeString(value: number): string {
  return taskFdTypes.name(value);
}
/** A map flag word as names joined by `|` (Go: `BPFMapFlags.String()`); unknown bits kept as hex. */
export function BPFMapFlagsString(value: number): string {
  return mapFlags.format(value);
}
