// `bpftypes check`: not written yet.

import { CommandError } from "./errors.js";
import type { Output } from "./output.js";

/** Parses `bpftypes check ...` and runs it. */
export async function runCheck(_argv: readonly string[], _out: Output): Promise<void> {
  throw new CommandError("check: not implemented yet");
}
