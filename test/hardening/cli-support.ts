// Runs the built `bpftypes` command as a separate process, the way a user does, for the hardening tests.

import { execFile, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../support/testdata.js";

/** The built command's entry, or `undefined` while the command line does not exist in the source. */
export const cliPath: string | undefined = existsSync(`${repoRoot}src/cli/main.ts`) ? `${repoRoot}dist/cli.cjs` : undefined;

/** What a finished process left behind. */
export interface Ran {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <cli> ...args` to completion (30 s at most) with colour off, and returns its output. */
export function runCli(args: readonly string[], options: SpawnSyncOptions = {}): Ran {
  if (!cliPath) throw new Error("the command line is not built");
  return runNode([cliPath, ...args], options);
}

/** Runs `node ...args` to completion (30 s at most) with colour off, and returns its output. */
export function runNode(args: readonly string[], options: SpawnSyncOptions = {}): Ran {
  const result = spawnSync(process.execPath, args, {
    encoding: "utf8",
    timeout: 30_000,
    maxBuffer: 64 << 20,
    ...options,
    env: { ...process.env, NO_COLOR: "1", BPFTYPES_DEBUG: "", ...options.env },
  });
  return { status: result.status, signal: result.signal, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}

/** Runs many command lines of the command, `parallel` at a time, and returns their results in order. */
export async function runCliAll(lines: readonly (readonly string[])[], parallel = 4): Promise<Ran[]> {
  if (!cliPath) throw new Error("the command line is not built");
  const results: Ran[] = new Array<Ran>(lines.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < lines.length; i = next++) {
      results[i] = await new Promise<Ran>((resolve) => {
        execFile(
          process.execPath,
          [cliPath!, ...lines[i]!],
          { encoding: "utf8", timeout: 30_000, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1", BPFTYPES_DEBUG: "" } },
          (error, stdout, stderr) => {
            const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
            resolve({ status, signal: (error?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr });
          },
        );
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/**
 * Runs a command line in this process through the command's exported `main` (what the bin runs,
 * minus process start and bundling), capturing what it writes: fast enough for long tables of cases.
 */
export async function runCliInProcess(args: readonly string[]): Promise<Ran> {
  if (!cliPath) throw new Error("the command line is not built");
  // The bin is a launcher; the command's modules as tsc built them export main.
  const { main } = (await import(pathToFileURL(`${repoRoot}dist/cli/main.js`).href)) as typeof import("../../src/cli/main.js");
  let stdout = "";
  let stderr = "";
  const status = await main(args, {
    write: (chunk) => void (stdout += chunk),
    writeError: (chunk) => void (stderr += chunk),
    isTTY: false,
    env: { ...process.env, NO_COLOR: "1", BPFTYPES_DEBUG: "" },
  });
  return { status, signal: null, stdout, stderr };
}
