// The number of possible CPUs, which sizes the values of per-CPU maps.

import { readFileSync } from "node:fs";

/**
 * Counts the CPUs in a kernel CPU list such as `"0-3"`, `"0,2-5"` or `"0"` (the format of
 * /sys/devices/system/cpu/possible). Throws for text that is not a CPU list.
 */
export function parseCpuList(text: string): number {
  let count = 0;
  for (const part of text.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`reading a cpu list: ${JSON.stringify(text)} is not one`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`reading a cpu list: ${JSON.stringify(part)} runs backwards`);
    count += last - first + 1;
  }
  return count;
}

let possible: number | undefined;

/**
 * How many CPUs the kernel considers possible (not only online): a per-CPU map holds one value
 * slot for each. Read once from /sys/devices/system/cpu/possible.
 */
export function possibleCpuCount(): number {
  possible ??= parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "latin1"));
  return possible;
}
