// `bpftypes prog`: not written yet.

import { CommandError } from "./errors.js";
import type { Output } from "./output.js";

/** Parses `bpftypes prog ...` and runs it. */
export async function runProg(_argv: readonly string[], _out: Output): Promise<void> {
  throw new CommandError("prog: not implemented yet");
}
