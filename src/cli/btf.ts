// `bpftypes btf`: not written yet.

import { CommandError } from "./errors.js";
import type { Output } from "./output.js";

/** Parses `bpftypes btf ...` and runs it. */
export async function runBtf(_argv: readonly string[], _out: Output): Promise<void> {
  throw new CommandError("btf: not implemented yet");
}
