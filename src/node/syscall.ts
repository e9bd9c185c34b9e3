// The bpf(2) call by command name: runs the backend, keeps buffers alive through it, and turns failure into a BpfError.

import { BPFCommand } from "bpftypes";
import { bpfBackend } from "./ffi.js";
import { BpfError } from "./errors.js";
import type { KeepAlive } from "./memory.js";

/** A bpf(2) command by its kernel name (`"BPF_MAP_CREATE"`). */
export type BpfCommandName = keyof typeof BPFCommand;

/** Extra context for the error a failed call throws. */
export interface CallContext {
  /** What the call was for ("creating a hash map"); defaults to a description of the command. */
  readonly doing?: string;
  /** Reads the verifier or BTF log after a failure (called only then). */
  readonly log?: () => string;
}

/**
 * Runs one bpf(2) command on `attr`. `keep` holds every buffer whose address is inside `attr`; it
 * stays referenced until the kernel returns, then is emptied. Returns the kernel's non-negative
 * result (a file descriptor for the commands that open one); throws a {@link BpfError} on failure.
 */
export function bpfCall(command: BpfCommandName, attr: Uint8Array, keep: KeepAlive, context: CallContext = {}): number {
  const result = bpfBackend().bpf(BPFCommand[command], attr);
  // Touching `keep` after the call keeps it, and so every buffer it holds, alive through the call.
  keep.length = 0;
  if (result >= 0) return result;
  const log = context.log?.() ?? "";
  throw new BpfError({ command, errno: -result, ...(context.doing ? { doing: context.doing } : {}), ...(log ? { log } : {}) });
}
