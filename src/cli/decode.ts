// `bpftypes decode`: not written yet.

import { CommandError } from "./errors.js";
import type { Output } from "./output.js";

/** Parses `bpftypes decode ...` and runs it. */
export async function runDecode(_argv: readonly string[], _out: Output): Promise<void> {
  throw new CommandError("decode: not implemented yet");
}
