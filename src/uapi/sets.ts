// The runtime tables: one ValueSet or FlagSet per enum and flag set of the ABI.

import * as specs from "./gen/tables.js";
import { FlagSet, ValueSet, type ValueEntry, type ValueSetId } from "./value-set.js";

/** `enum bpf_cmd`: the commands of the bpf(2) system call. */
export const commands = new ValueSet(specs.cmdSpec);
/** `enum bpf_map_type`. */
export const mapTypes = new ValueSet(specs.mapSpec);
/** `enum bpf_prog_type`. */
export const progTypes = new ValueSet(specs.progSpec);
/** `enum bpf_attach_type`. */
export const attachTypes = new ValueSet(specs.attachSpec);
/** `enum bpf_link_type`. */
export const linkTypes = new ValueSet(specs.linkSpec);
/** `enum bpf_task_fd_type`: what a BPF_TASK_FD_QUERY found behind an fd. */
export const taskFdTypes = new ValueSet(specs.taskFdSpec);
/** `enum bpf_stats_type`: statistics BPF_ENABLE_STATS can switch on. */
export const statsTypes = new ValueSet(specs.statsSpec);
/** `enum bpf_perf_event_type`: what a perf-event link is attached to. */
export const perfEventTypes = new ValueSet(specs.perfEventSpec);
/** The flags of BPF_MAP_CREATE's `map_flags`. */
export const mapFlags = new FlagSet(specs.mapFlagsSpec);
/** The flags of BPF_PROG_LOAD's `prog_flags`. */
export const progLoadFlags = new FlagSet(specs.progFlagsSpec);
/** The flags of BPF_PROG_ATTACH, BPF_PROG_DETACH and multi-program links. */
export const attachFlags = new FlagSet(specs.attachFlagsSpec);
/** The verifier's `log_level` bits. */
export const logLevels = new FlagSet(specs.logLevelSpec);

/** Every set by its id (`"map"`, `"map-flags"`, ...), in a stable order. */
export const valueSets: Readonly<Record<ValueSetId, ValueSet>> = {
  cmd: commands,
  map: mapTypes,
  prog: progTypes,
  attach: attachTypes,
  link: linkTypes,
  "task-fd": taskFdTypes,
  stats: statsTypes,
  "perf-event": perfEventTypes,
  "map-flags": mapFlags,
  "prog-flags": progLoadFlags,
  "attach-flags": attachFlags,
  "log-level": logLevels,
};

/** Whether a text is the id of a set (`"map"`, `"attach-flags"`, ...). */
export function isValueSetId(text: string): text is ValueSetId {
  return Object.hasOwn(valueSets, text);
}

/**
 * Every entry, in any set, whose kernel name or short name is `name` (any case). A short name can
 * live in several sets (`xdp` is a program type, an attach type and a link type), so this returns
 * them all, in the order of {@link valueSets}.
 */
export function findByName(name: string): ValueEntry[] {
  const found: ValueEntry[] = [];
  for (const set of Object.values(valueSets)) {
    const entry = set.entryByName(name);
    if (entry) found.push(entry);
  }
  return found;
}
