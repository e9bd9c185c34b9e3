// Programs: BPF_PROG_LOAD with an optional verifier log, whose text a failed load carries in its error.

import { progTypes } from "bpftypes";
import { BPF_INSN_SIZE, progLoadAttr, readLogTrueSize, type RecordArray } from "./attr.js";
import { textUntilNul } from "./bytes.js";
import { isErrno } from "./errors.js";
import { BpfFd } from "./fd.js";
import { bpfBackend } from "./ffi.js";
import type { KeepAlive } from "./memory.js";
import { bpfCall } from "./syscall.js";

/** What to load a program from: the BPF_PROG_LOAD fields, with descriptors as handles. */
export interface LoadProgramOptions {
  /** `BPF_PROG_TYPE_*`. */
  readonly progType: number;
  /** Raw instructions, 8 bytes each (`struct bpf_insn`), in host byte order. */
  readonly insns: Uint8Array;
  /** The license string (`"GPL"` unlocks GPL-only helpers). */
  readonly license: string;
  /** Up to 15 letters, digits, `_` or `.`. */
  readonly name?: string;
  /**
   * Verifier log level, a bit mask (1 basic, 2 verbose, 4 stats; 8 fixed-size log since 6.4).
   * With a level and no `logSize`, a 1 MiB log buffer is used.
   */
  readonly logLevel?: number;
  /** Size of the log buffer in bytes; the kernel wants at least 128 when a level is set. */
  readonly logSize?: number;
  /**
   * With no `logLevel`: if the load fails, load again with log level 1 to put the verifier's reason
   * in the error (default `true`).
   */
  readonly logOnFailure?: boolean;
  /** `BPF_F_*` program-load flags (`BPF_F_SLEEPABLE` ...). */
  readonly progFlags?: number;
  /** `BPF_*` attach type the program expects (`BPF_XDP` ...). */
  readonly expectedAttachType?: number;
  /** The kernel version a kprobe program states (ignored by kernels since 5.0). */
  readonly kernVersion?: number;
  /** For offloaded programs: the device's ifindex. */
  readonly progIfindex?: number;
  /** A BTF object for func and line info. */
  readonly btf?: BpfFd;
  /** `struct bpf_func_info` records: which BTF function each subprogram is. */
  readonly funcInfo?: RecordArray;
  /** `struct bpf_line_info` records: source lines for instructions. */
  readonly lineInfo?: RecordArray;
  /** The BTF id of the kernel function or type to attach to (tracing, LSM, struct_ops). */
  readonly attachBtfId?: number;
  /** The program this one attaches to (freplace, fentry on a bpf program). */
  readonly attachProg?: BpfFd;
}

/** A loaded program and the verifier log it produced (`""` when no log was asked). */
export interface LoadedProgram {
  /** The program's descriptor: the caller owns it. */
  readonly fd: BpfFd;
  /** The verifier log text. */
  readonly log: string;
  /** The whole log's length as the kernel counted it (Linux 6.4+), `undefined` before. */
  readonly logTrueSize: number | undefined;
}

/** The default verifier log buffer size when a level is given without a size. */
export const DEFAULT_LOG_SIZE = 1 << 20;

/** The text of a log buffer: up to its first NUL. */
export function logText(buffer: Uint8Array): string {
  return textUntilNul(buffer);
}

function loadOnce(options: LoadProgramOptions, logLevel: number, logSize: number): { fd: number; log: string; trueSize: number } {
  const log = logLevel ? new Uint8Array(logSize) : null;
  const keep: KeepAlive = [];
  if (options.insns.byteLength % BPF_INSN_SIZE !== 0) {
    throw new RangeError(`loading a program: ${options.insns.byteLength} bytes are not whole ${BPF_INSN_SIZE}-byte instructions`);
  }
  const attr = progLoadAttr(
    {
      progType: options.progType,
      insns: options.insns,
      license: options.license,
      logLevel,
      logBuf: log,
      ...(options.name !== undefined && { name: options.name }),
      ...(options.progFlags !== undefined && { progFlags: options.progFlags }),
      ...(options.expectedAttachType !== undefined && { expectedAttachType: options.expectedAttachType }),
      ...(options.kernVersion !== undefined && { kernVersion: options.kernVersion }),
      ...(options.progIfindex !== undefined && { progIfindex: options.progIfindex }),
      ...(options.btf && { progBtfFd: options.btf.fd }),
      ...(options.funcInfo && { funcInfo: options.funcInfo }),
      ...(options.lineInfo && { lineInfo: options.lineInfo }),
      ...(options.attachBtfId !== undefined && { attachBtfId: options.attachBtfId }),
      ...(options.attachProg && { attachProgFd: options.attachProg.fd }),
    },
    keep,
  );
  const name = options.name ? ` ${JSON.stringify(options.name)}` : "";
  const fd = bpfCall("BPF_PROG_LOAD", attr, keep, {
    doing: `loading ${progTypes.shortName(options.progType)} program${name}`,
    log: () => (log ? logText(log) : ""),
  });
  return { fd, log: log ? logText(log) : "", trueSize: readLogTrueSize(attr) };
}

/**
 * Loads once, and when a signal cut the verifier short (EAGAIN: it stops when one is pending, and a
 * profiler sends SIGPROF every millisecond or so) once more with this thread's signals blocked.
 */
function loadVerified(options: LoadProgramOptions, logLevel: number, logSize: number): ReturnType<typeof loadOnce> {
  try {
    return loadOnce(options, logLevel, logSize);
  } catch (error) {
    if (!isErrno(error, "EAGAIN")) throw error;
    const backend = bpfBackend();
    const again = () => loadOnce(options, logLevel, logSize);
    return backend.withSignalsBlocked ? backend.withSignalsBlocked(again) : again();
  }
}

/**
 * Loads a program (BPF_PROG_LOAD). On failure the {@link BpfError} carries the verifier log in
 * `log` and in its message: the asked-for log, or, with no level given, one from a second load
 * at level 1 (unless `logOnFailure` is `false`). A load that a signal interrupts is tried again
 * with signals held back until the verifier is done.
 */
export function loadProgram(options: LoadProgramOptions): LoadedProgram {
  const level = options.logLevel ?? 0;
  const size = options.logSize ?? DEFAULT_LOG_SIZE;
  let result;
  try {
    result = loadVerified(options, level, level ? size : 0);
  } catch (error) {
    // Only a verifier rejection (EACCES, EINVAL) is worth a second, logged load.
    const verifierSaidNo = isErrno(error, "EACCES") || isErrno(error, "EINVAL");
    if (level || options.logOnFailure === false || !verifierSaidNo) throw error;
    // Load again, this time with a log, only to explain the failure; the second error replaces the first.
    result = loadVerified(options, 1, size);
  }
  return { fd: new BpfFd(result.fd, "prog"), log: result.log, logTrueSize: result.trueSize || undefined };
}
