// Wall-clock time for kernel stamps counted from boot (a program's load_time), with the boot instant computed once.

import { readFileSync } from "node:fs";
import { bpfBackend } from "./ffi.js";

let bootEpochNs: bigint | undefined;

const CLOCK_REALTIME = 0;
const CLOCK_BOOTTIME = 7;

/**
 * The boot instant as bpftool computes it: clock_gettime(REALTIME) - clock_gettime(BOOTTIME), the
 * clock `load_time` counts on (suspend included), read through the native backend. Node itself has
 * no BOOTTIME clock, and process.hrtime's MONOTONIC clock stops during suspend, so without the
 * backend the instant comes from /proc/uptime.
 */
function measureBoot(): bigint {
  try {
    const backend = bpfBackend();
    if (backend.clockNs) {
      // The wall clock read between two readings of BOOTTIME, whose middle is the instant it was read at.
      const before = backend.clockNs(CLOCK_BOOTTIME);
      const real = backend.clockNs(CLOCK_REALTIME);
      const after = backend.clockNs(CLOCK_BOOTTIME);
      return real - (before + after) / 2n;
    }
  } catch {
    // No native code here (koffi did not load), or no BOOTTIME clock: the proc file knows too.
  }
  return bootFromUptime();
}

/**
 * The boot instant from /proc/uptime, whose first number is the time since boot in seconds, on
 * the BOOTTIME clock, to the hundredth of a second: within ~6 ms of the truth, where clock_gettime
 * gives the microsecond.
 */
function bootFromUptime(): bigint {
  const uptime = readFileSync("/proc/uptime", "latin1");
  const now = Date.now();
  // Read as whole centiseconds, so that the instant is an exact number of nanoseconds.
  const match = /^(\d+)\.(\d\d)\s/.exec(uptime);
  if (match === null) throw new Error(`reading /proc/uptime: ${JSON.stringify(uptime)} does not start with seconds to the hundredth`);
  const centiseconds = BigInt(match[1]!) * 100n + BigInt(match[2]!);
  // The kernel truncates to centiseconds: the true uptime lies up to 10 ms above; take the middle.
  return BigInt(now) * 1_000_000n - centiseconds * 10_000_000n - 5_000_000n;
}

/**
 * When this machine booted, in milliseconds since the Unix epoch: to the microsecond through the
 * backend's clocks, to ~5 ms through /proc/uptime without them. Measured once per process; later
 * changes of the wall clock (NTP steps) are not followed, as with bpftool, which measures once per run.
 */
export function bootTimeMs(): number {
  // Through whole microseconds: the nanoseconds since 1970 are more than a double holds exactly.
  return Number(bootTimeNs() / 1000n) / 1000;
}

/** When this machine booted, in whole nanoseconds since the Unix epoch (the instant {@link bootTimeMs} gives). */
export function bootTimeNs(): bigint {
  bootEpochNs ??= measureBoot();
  return bootEpochNs;
}

/**
 * A kernel time stamp in nanoseconds since boot (such as `bpf_prog_info.load_time`) as the number of
 * milliseconds since the Unix epoch.
 */
export function bootNsToEpochMs(ns: bigint): number {
  return bootTimeMs() + Number(ns) / 1e6;
}

/** A kernel time stamp in nanoseconds since boot as whole nanoseconds since the Unix epoch: exact, for whole seconds or milliseconds. */
export function bootNsToEpochNs(ns: bigint): bigint {
  return bootTimeNs() + ns;
}

/** Forgets the measured boot instant, so the next call measures again (after the clock was set). */
export function resetBootTime(): void {
  bootEpochNs = undefined;
}
