// BPF_ENABLE_STATS: turning on the kernel's run-time statistics of programs for as long as an fd is open.

import { BPF_STATS_RUN_TIME, statsTypes } from "bpftypes";
import { enableStatsAttr } from "./attr.js";
import { BpfFd } from "./fd.js";
import { bpfCall } from "./syscall.js";

/**
 * Turns on statistics of `type` (`BPF_STATS_RUN_TIME`, the only one: run_time_ns and run_cnt in
 * bpf_prog_info) until the returned descriptor is closed (Linux 5.8+, needs CAP_SYS_ADMIN).
 */
export function enableStats(type: number = BPF_STATS_RUN_TIME): BpfFd {
  const fd = bpfCall("BPF_ENABLE_STATS", enableStatsAttr(type), [], { doing: `enabling ${statsTypes.shortName(type)} statistics` });
  return new BpfFd(fd, "stats");
}
