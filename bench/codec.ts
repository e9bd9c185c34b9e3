// Throughput of the struct codecs: records decoded and encoded per second, for bpf_prog_info, bpf_map_info and friends.
//
// Run: npm run build && node build/bench/codec.js

import { pathToFileURL } from "node:url";
import {
  decodeFuncInfos,
  decodeLinkInfo,
  decodeMapInfo,
  decodeProgInfo,
  encodeFuncInfos,
  encodeLinkInfo,
  encodeMapInfo,
  encodeProgInfo,
} from "bpftypes/codec";
import { BPF_LINK_TYPE_PERF_EVENT, BPF_PERF_EVENT_KPROBE } from "bpftypes";

/** Runs `body` (which handles `batch` records a call) for about `ms` milliseconds after a warm-up; returns records per second. */
function measure(batch: number, body: (i: number) => unknown, ms = 400): number {
  let sink: unknown;
  for (let i = 0; i < 2000; i++) sink = body(i);
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 256; i++) sink = body(calls + i);
    calls += 256;
    now = process.hrtime.bigint();
  }
  if (sink === Symbol.for("never")) console.log(sink);
  return (calls * batch) / (Number(now - start) / 1e9);
}

function format(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(1)} k`;
}

/** Prints decode and encode throughput (records per second) of the info-struct codecs. */
export async function benchCodec(): Promise<void> {
  // Distinct records, as a listing of every program on a busy machine would see them.
  const progs = Array.from({ length: 64 }, (_, i) =>
    encodeProgInfo({
      type: (i % 30) + 1,
      id: 1000 + i,
      tag: i.toString(16).padStart(16, "0"),
      name: `prog_${i}`,
      gpl_compatible: i % 2 === 0,
      load_time: 123_456_789_000n + BigInt(i),
      nr_map_ids: i % 5,
      run_time_ns: BigInt(i) * 1000n,
      run_cnt: BigInt(i),
      verified_insns: 100 + i,
    }),
  );
  const maps = Array.from({ length: 64 }, (_, i) =>
    encodeMapInfo({ type: (i % 30) + 1, id: 2000 + i, key_size: 4, value_size: 8 + i, max_entries: 1024, name: `map_${i}`, map_extra: BigInt(i) }),
  );
  const links = Array.from({ length: 64 }, (_, i) =>
    encodeLinkInfo({ type: BPF_LINK_TYPE_PERF_EVENT, id: i, prog_id: i + 1, perf_event: { type: BPF_PERF_EVENT_KPROBE, kprobe: { addr: 0xffff_ffff_8100_0000n + BigInt(i), missed: 0n } } }),
  );
  const funcInfos = encodeFuncInfos(Array.from({ length: 1000 }, (_, i) => ({ insn_off: i * 10, type_id: i + 1 })));
  const progInit = { nr_map_ids: 4, map_ids: 0x7f00_0000_1000n, nr_func_info: 3, func_info_rec_size: 8, func_info: 0x7f00_0000_2000n };
  const into = new Uint8Array(232);

  const rows: [string, number][] = [
    ["decode bpf_prog_info (232 bytes, complete)", measure(1, (i) => decodeProgInfo(progs[i & 63]!))],
    ["decode bpf_prog_info (info_len 192, as Linux 5.0)", measure(1, (i) => decodeProgInfo(progs[i & 63]!, { length: 192 }))],
    ["decode bpf_map_info (104 bytes, complete)", measure(1, (i) => decodeMapInfo(maps[i & 63]!))],
    ["decode bpf_link_info (perf_event kprobe)", measure(1, (i) => decodeLinkInfo(links[i & 63]!))],
    ["decode bpf_func_info records (1000 a call)", measure(1000, () => decodeFuncInfos(funcInfos), 300)],
    ["encode bpf_prog_info request (5 fields)", measure(1, () => encodeProgInfo(progInit))],
    ["encode bpf_prog_info into a buffer (5 fields)", measure(1, () => encodeProgInfo(progInit, { into }))],
    ["encode bpf_map_info (7 fields)", measure(1, (i) => encodeMapInfo({ type: 1, id: i, key_size: 4, value_size: 8, max_entries: 16, name: "m", map_extra: 0n }))],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log("codec throughput (records/s):");
  for (const [label, rate] of rows) console.log(`  ${label.padEnd(width)}  ${format(rate).padStart(9)} records/s`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await benchCodec();
