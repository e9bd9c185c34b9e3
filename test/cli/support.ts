// Test helpers for the command: an Output that records what a command prints, and runs of main() and of the built bin.

import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../support/testdata.js";

// The command is not a package entry point: load its built modules from dist/ (types from the sources).
const dist = pathToFileURL(`${repoRoot}dist/cli/`).href;
const load = async <T>(name: string): Promise<T> => (await import(`${dist}${name}.js`)) as T;

/** The built command modules, each as the tests call them. */
export const cli = {
  main: await load<typeof import("../../src/cli/main.js")>("main"),
  output: await load<typeof import("../../src/cli/output.js")>("output"),
  errors: await load<typeof import("../../src/cli/errors.js")>("errors"),
  types: await load<typeof import("../../src/cli/types.js")>("types"),
  explain: await load<typeof import("../../src/cli/explain.js")>("explain"),
  flags: await load<typeof import("../../src/cli/flags.js")>("flags"),
  decode: await load<typeof import("../../src/cli/decode.js")>("decode"),
  check: await load<typeof import("../../src/cli/check.js")>("check"),
  kernelNames: await load<typeof import("../../src/cli/kernel-names.js")>("kernel-names"),
  inspect: await load<typeof import("../../src/cli/inspect.js")>("inspect"),
  prog: await load<typeof import("../../src/cli/prog.js")>("prog"),
  map: await load<typeof import("../../src/cli/map.js")>("map"),
  link: await load<typeof import("../../src/cli/link.js")>("link"),
  btf: await load<typeof import("../../src/cli/btf.js")>("btf"),
};

const { Output } = cli.output;
type Output = InstanceType<typeof Output>;

/** An Output whose text is kept, with what was written to it so far. */
export interface Captured {
  readonly out: Output;
  /** Everything printed (flushed first). */
  text(): string;
  /** What was printed, parsed as one JSON document. */
  json(): unknown;
  /** The lines given to `warn`. */
  readonly warnings: string[];
}

/** A fresh capturing Output. */
export function capture(options: { json?: boolean; pretty?: boolean; color?: boolean } = {}): Captured {
  let text = "";
  const warnings: string[] = [];
  const out = new Output({ ...options, write: (chunk) => void (text += chunk), warn: (line) => void warnings.push(line) });
  return {
    out,
    text: () => {
      out.flush();
      return text;
    },
    json: () => {
      out.flush();
      return JSON.parse(text) as unknown;
    },
    warnings,
  };
}

/** What one run of the command left: exit code and both streams. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs main() in this process, as the bin would with `args`, colour decided by `isTTY` and `env`. */
export async function runMain(args: readonly string[], options: { isTTY?: boolean; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await cli.main.main(args, {
    write: (chunk) => void (stdout += chunk),
    writeError: (chunk) => void (stderr += chunk),
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

/** The built entry file. */
export const BIN = `${repoRoot}dist/cli.cjs`;

/**
 * Runs the bundled bin as a separate process: `node dist/cli.cjs ...args`, or, `asProgram`, the file
 * itself the way an installed command runs (its `#!/usr/bin/env sh` line, then this test's Node found on PATH).
 */
export function runBin(args: readonly string[], env: Record<string, string> = {}, asProgram = false): Run {
  const options = { encoding: "utf8", timeout: 30_000, maxBuffer: 256 << 20 } as const;
  const environment: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  const result = asProgram
    ? spawnSync(BIN, args, { ...options, env: { ...environment, PATH: `${dirname(process.execPath)}:${environment["PATH"] ?? ""}` } })
    : spawnSync(process.execPath, [BIN, ...args], { ...options, env: environment });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
