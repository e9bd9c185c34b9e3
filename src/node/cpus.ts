// The possible CPUs: they size the values of per-CPU maps, and per-CPU counters are summed over them.

import { readFileSync } from "node:fs";

/**
 * The CPU numbers of a kernel CPU list such as `"0-3"`, `"0,2-5"` or `"0"` (the format of
 * /sys/devices/system/cpu/possible), in order. Throws for text that is not a CPU list.
 */
export function parseCpuIds(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`reading a cpu list: ${JSON.stringify(text)} is not one`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`reading a cpu list: ${JSON.stringify(part)} runs backwards`);
    for (let id = first; id <= last; id++) ids.push(id);
  }
  return ids;
}

/** Counts the CPUs in a kernel CPU list (see {@link parseCpuIds}). */
export function parseCpuList(text: string): number {
  return parseCpuIds(text).length;
}

let possible: readonly number[] | undefined;

/** The numbers of the CPUs the kernel considers possible (not only online), read once from /sys/devices/system/cpu/possible. */
export function possibleCpus(): readonly number[] {
  possible ??= parseCpuIds(readFileSync("/sys/devices/system/cpu/possible", "latin1"));
  return possible;
}

/** How many CPUs the kernel considers possible: a per-CPU map holds one value slot for each. */
export function possibleCpuCount(): number {
  return possibleCpus().length;
}
