// `bpftypes map`: not written yet.

import { CommandError } from "./errors.js";
import type { Output } from "./output.js";

/** Parses `bpftypes map ...` and runs it. */
export async function runMap(_argv: readonly string[], _out: Output): Promise<void> {
  throw new CommandError("map: not implemented yet");
}
