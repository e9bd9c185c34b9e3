// `bpftypes link`: not written yet.

import { CommandError } from "./errors.js";
import type { Output } from "./output.js";

/** Parses `bpftypes link ...` and runs it. */
export async function runLink(_argv: readonly string[], _out: Output): Promise<void> {
  throw new CommandError("link: not implemented yet");
}
