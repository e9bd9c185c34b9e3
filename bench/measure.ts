// Shared timing helpers for the benchmarks: medians of repeated runs, of functions and of whole processes.

import { spawnSync } from "node:child_process";

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Nanoseconds per call of `fn`, the median of `rounds` rounds of `calls` calls each. */
export function nsPerCall(fn: () => unknown, calls = 200_000, rounds = 7): number {
  let sink: unknown;
  for (let i = 0; i < calls / 10; i++) sink = fn(); // warm up the JIT
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink = fn();
    samples.push(Number(process.hrtime.bigint() - start) / calls);
  }
  if (sink === Symbol.for("never")) console.log(sink);
  return median(samples);
}

/** Milliseconds of one function call, the median of `runs` runs. */
export function msPerRun(fn: () => unknown, runs = 9): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

/** The outcome of timing a whole process. */
export interface ProcessTiming {
  /** Median wall time in milliseconds. */
  readonly ms: number;
  /** Every run's wall time in milliseconds, in the order the runs were made. */
  readonly runsMs: readonly number[];
  /** Median peak resident memory in KiB (from GNU time when present, else undefined). */
  readonly maxRssKiB: number | undefined;
  /** Bytes the process wrote to stdout (last run). */
  readonly stdoutBytes: number;
}

/**
 * Times whole processes. `commands` run alternately (a, b, a, b, ...) `runs` times each so that
 * drift on the machine hits them alike; returns one timing per command.
 */
export function timeProcesses(commands: readonly (readonly string[])[], runs = 7, cwd?: string): ProcessTiming[] {
  const samples = commands.map(() => ({ ms: [] as number[], rss: [] as number[], out: 0 }));
  const gnuTime = spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status === 0;
  for (let run = 0; run < runs; run++) {
    commands.forEach((command, index) => {
      const [file, ...args] = command;
      const argv = gnuTime ? ["-f", "%M", file ?? "", ...args] : args;
      const start = process.hrtime.bigint();
      const result = spawnSync(gnuTime ? "/usr/bin/time" : (file ?? ""), argv, { maxBuffer: 1 << 30, cwd });
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`benchmark command failed (${result.status}): ${command.join(" ")}\n${result.stderr}`);
      const sample = samples[index]!;
      sample.ms.push(elapsed);
      sample.out = result.stdout.length;
      if (gnuTime) sample.rss.push(Number(result.stderr.toString().trim().split("\n").at(-1)));
    });
  }
  return samples.map((sample) => ({ ms: median(sample.ms), runsMs: sample.ms, maxRssKiB: sample.rss.length ? median(sample.rss) : undefined, stdoutBytes: sample.out }));
}

/** Prints a table of rows with aligned columns. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
