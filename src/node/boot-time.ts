// Wall-clock time for kernel stamps counted from boot (a program's load_time), with the boot instant computed once.

import { readFileSync } from "node:fs";

let bootEpochMs: number | undefined;

/**
 * Reads the boot instant from /proc/uptime: its first number is the time since boot in seconds,
 * on the same clock as `load_time` (CLOCK_BOOTTIME: suspend included), to the hundredth of a second.
 * bpftool gets the same instant from clock_gettime(REALTIME) - clock_gettime(BOOTTIME); Node has
 * no BOOTTIME clock, and process.hrtime's MONOTONIC clock stops during suspend, so it cannot stand in.
 */
function measureBoot(): number {
  const uptime = readFileSync("/proc/uptime", "latin1");
  const now = Date.now();
  const seconds = Number.parseFloat(uptime);
  if (!Number.isFinite(seconds)) throw new Error(`reading /proc/uptime: ${JSON.stringify(uptime)} does not start with a number`);
  // The kernel truncates to centiseconds: the true uptime lies up to 10 ms above; take the middle.
  return now - seconds * 1000 - 5;
}

/**
 * When this machine booted, in milliseconds since the Unix epoch. Measured once per process; later
 * changes of the wall clock (NTP steps) are not followed, as with bpftool, which measures once per run.
 */
export function bootTimeMs(): number {
  bootEpochMs ??= measureBoot();
  return bootEpochMs;
}

/**
 * A kernel time stamp in nanoseconds since boot (such as `bpf_prog_info.load_time`) as the number of
 * milliseconds since the Unix epoch.
 */
export function bootNsToEpochMs(ns: bigint): number {
  return bootTimeMs() + Number(ns) / 1e6;
}

/** Forgets the measured boot instant, so the next call measures again (after the clock was set). */
export function resetBootTime(): void {
  bootEpochMs = undefined;
}
