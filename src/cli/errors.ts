// The command's errors and exit codes: a usage mistake (2), a failed operation (1), and one line to say so.

import { isBpfError } from "bpftypes/node";

/** The exit codes of `bpftypes`, as every command's help documents them. */
export const ExitCode = {
  /** Everything went as asked (for `check`: the kernel and the library agree). */
  OK: 0,
  /** The operation failed: the kernel refused, an object is gone, a file is unreadable, `check` found drift. */
  FAILED: 1,
  /** The command line itself is wrong: an unknown command or option, a missing or malformed argument. */
  USAGE: 2,
} as const;
/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The text every help screen ends with. */
export const EXIT_CODES_HELP = "Exit status: 0 success, 1 the operation failed, 2 bad usage.";

/**
 * A mistake on the command line. The message says what is wrong, the hint what to type instead;
 * the entry file prints both on one line and exits with 2.
 */
export class UsageError extends Error {
  /** Always `"UsageError"`. */
  override readonly name = "UsageError";
  /** What to do about it ("see bpftypes map --help"). */
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/**
 * An operation that failed for a reason that is not a bug: an object that does not exist, an
 * unreadable file, bytes that do not decode. Printed as one line, exit code 1.
 */
export class CommandError extends Error {
  /** Always `"CommandError"`. */
  override readonly name = "CommandError";
  /** What to do about it, or `""` when the message says it all. */
  readonly hint: string;

  constructor(message: string, hint = "", options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
  }
}

/** True for a {@link UsageError}, even from another copy of this package. */
export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && error.name === "UsageError";
}

/** True for a {@link CommandError}, even from another copy of this package. */
export function isCommandError(error: unknown): error is CommandError {
  return error instanceof Error && error.name === "CommandError";
}

/** Names of errors that come from a person's input or the system, not from a bug in this package. */
const EXPECTED = new Set(["BpfError", "BpfUnavailableError", "CodecError", "BtfError", "ValueNameError", "UsageError", "CommandError", "ObjectKindError"]);

/** Whether an error is a user mistake or a system refusal (no stack trace) rather than a bug. */
export function isExpectedError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (EXPECTED.has(error.name)) return true;
  // Failed file system calls (ENOENT, EACCES ...) carry an errno code: a path the user gave.
  return typeof (error as NodeJS.ErrnoException).code === "string" && typeof (error as NodeJS.ErrnoException).syscall === "string";
}

/** The exit code an error maps to. */
export function exitCodeOf(error: unknown): ExitCode {
  return isUsageError(error) ? ExitCode.USAGE : ExitCode.FAILED;
}

/**
 * One line saying what went wrong and what to do: `<what went wrong>: <what to do>`, without the
 * `bpftypes: ` prefix (the entry file adds it for text output). Verifier logs and stack traces are
 * left out.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const first = (text: string): string => text.split("\n", 1)[0] ?? "";
  if (isUsageError(error) || isCommandError(error)) {
    return error.hint ? `${first(error.message)}: ${error.hint}` : first(error.message);
  }
  if (isBpfError(error)) {
    // "doing: why (CODE): hint" already; say what to do for the codes whose hint is empty.
    const line = first(error.message);
    return error.hint ? line : `${line}: check the arguments, or run with more privilege`;
  }
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno.code === "string" && typeof errno.syscall === "string") {
    const path = errno.path ? ` ${errno.path}` : "";
    const what = errno.code === "ENOENT" ? "no such file" : errno.code === "EACCES" || errno.code === "EPERM" ? "permission denied" : errno.code;
    return `${errno.syscall}${path}: ${what} (${errno.code}): check the path and its permissions`;
  }
  return first(error.message);
}
