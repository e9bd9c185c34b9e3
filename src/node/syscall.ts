// The bpf(2) call by command name: runs the backend, keeps buffers alive through it, and turns failure into a BpfError.

import * as K from "./kernel.js";
import { bpfBackend } from "./ffi.js";
import { BpfError } from "./errors.js";
import type { KeepAlive } from "./memory.js";

/** The commands this layer issues, by kernel name. */
const COMMANDS = {
  BPF_MAP_CREATE: K.BPF_MAP_CREATE,
  BPF_MAP_LOOKUP_ELEM: K.BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_UPDATE_ELEM: K.BPF_MAP_UPDATE_ELEM,
  BPF_MAP_DELETE_ELEM: K.BPF_MAP_DELETE_ELEM,
  BPF_MAP_GET_NEXT_KEY: K.BPF_MAP_GET_NEXT_KEY,
  BPF_PROG_LOAD: K.BPF_PROG_LOAD,
  BPF_OBJ_PIN: K.BPF_OBJ_PIN,
  BPF_OBJ_GET: K.BPF_OBJ_GET,
  BPF_PROG_GET_NEXT_ID: K.BPF_PROG_GET_NEXT_ID,
  BPF_MAP_GET_NEXT_ID: K.BPF_MAP_GET_NEXT_ID,
  BPF_PROG_GET_FD_BY_ID: K.BPF_PROG_GET_FD_BY_ID,
  BPF_MAP_GET_FD_BY_ID: K.BPF_MAP_GET_FD_BY_ID,
  BPF_OBJ_GET_INFO_BY_FD: K.BPF_OBJ_GET_INFO_BY_FD,
  BPF_BTF_LOAD: K.BPF_BTF_LOAD,
  BPF_BTF_GET_FD_BY_ID: K.BPF_BTF_GET_FD_BY_ID,
  BPF_BTF_GET_NEXT_ID: K.BPF_BTF_GET_NEXT_ID,
  BPF_LINK_CREATE: K.BPF_LINK_CREATE,
  BPF_LINK_GET_FD_BY_ID: K.BPF_LINK_GET_FD_BY_ID,
  BPF_LINK_GET_NEXT_ID: K.BPF_LINK_GET_NEXT_ID,
  BPF_ENABLE_STATS: K.BPF_ENABLE_STATS,
} as const;

/** A bpf(2) command this layer issues, by its kernel name. */
export type BpfCommandName = keyof typeof COMMANDS;

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
  const result = bpfBackend().bpf(COMMANDS[command], attr);
  // Touching `keep` after the call keeps it, and so every buffer it holds, alive through the call.
  keep.length = 0;
  if (result >= 0) return result;
  const log = context.log?.() ?? "";
  throw new BpfError({ command, errno: -result, ...(context.doing ? { doing: context.doing } : {}), ...(log ? { log } : {}) });
}
