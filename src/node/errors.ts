// BpfError: what a failed bpf(2) call throws, with the errno's name and a hint in plain words.

import { constants } from "node:os";

/**
 * Errno names this layer knows, with the Linux generic number (used only when Node's `os.constants`
 * does not name the value on this platform) and what it means in words.
 *
 * `ENOTSUPP` (524) is a kernel-internal code that leaks out of bpf(2) anyway; Node does not name it.
 */
const ERRNO: Readonly<Record<string, readonly [generic: number, text: string]>> = {
  EPERM: [1, "operation not permitted"],
  ENOENT: [2, "no such entry"],
  ESRCH: [3, "no such process"],
  EINTR: [4, "interrupted"],
  EIO: [5, "input/output error"],
  ENXIO: [6, "no such device or address"],
  E2BIG: [7, "argument too big"],
  EBADF: [9, "bad file descriptor"],
  EAGAIN: [11, "resource temporarily unavailable"],
  ENOMEM: [12, "out of memory"],
  EACCES: [13, "permission denied"],
  EFAULT: [14, "bad address"],
  EBUSY: [16, "device or resource busy"],
  EEXIST: [17, "already exists"],
  EXDEV: [18, "cross-device link"],
  ENODEV: [19, "no such device"],
  ENOTDIR: [20, "not a directory"],
  EISDIR: [21, "is a directory"],
  EINVAL: [22, "invalid argument"],
  ENFILE: [23, "too many open files in system"],
  EMFILE: [24, "too many open files"],
  ENOTTY: [25, "inappropriate ioctl for device"],
  ETXTBSY: [26, "text file busy"],
  EFBIG: [27, "file too large"],
  ENOSPC: [28, "no space left"],
  EROFS: [30, "read-only file system"],
  ERANGE: [34, "result out of range"],
  EDEADLK: [35, "resource deadlock would occur"],
  ENAMETOOLONG: [36, "file name too long"],
  ENOSYS: [38, "function not implemented"],
  ENOTEMPTY: [39, "directory not empty"],
  ELOOP: [40, "too many levels of symbolic links"],
  ENODATA: [61, "no data available"],
  EOVERFLOW: [75, "value too large for defined data type"],
  EBADFD: [77, "file descriptor in bad state"],
  EOPNOTSUPP: [95, "operation not supported"],
  EAFNOSUPPORT: [97, "address family not supported"],
  EADDRINUSE: [98, "address already in use"],
  ECANCELED: [125, "operation canceled"],
  ENOTSUPP: [524, "operation not supported"],
};

/** Aliases that share a value with a name we prefer (`EWOULDBLOCK` is `EAGAIN`, `ENOTSUP` is `EOPNOTSUPP`). */
const ALIASES: ReadonlySet<string> = new Set(["EWOULDBLOCK", "ENOTSUP", "EDEADLOCK"]);

/** Errno number -> name on this platform: Node's names first, then the Linux generic numbers. */
const NAME_BY_ERRNO: ReadonlyMap<number, string> = (() => {
  const byNumber = new Map<number, string>();
  for (const [name, value] of Object.entries(constants.errno)) {
    if (!ALIASES.has(name) && !byNumber.has(value)) byNumber.set(value, name);
  }
  for (const [name, [generic]] of Object.entries(ERRNO)) {
    const value = (constants.errno as Record<string, number | undefined>)[name] ?? generic;
    if (!byNumber.has(value)) byNumber.set(value, name);
  }
  return byNumber;
})();

/**
 * The name of an errno value on this platform (`1` -> `"EPERM"`, `524` -> `"ENOTSUPP"`). A value we
 * cannot name keeps its number visible: `"ERRNO_123"`.
 */
export function errnoName(errno: number): string {
  return NAME_BY_ERRNO.get(errno) ?? `ERRNO_${errno}`;
}

/** What the kernel commands do, for the "doing what" part of a message when the caller gives none. */
const DOING: Readonly<Record<string, string>> = {
  BPF_MAP_CREATE: "creating a map",
  BPF_MAP_LOOKUP_ELEM: "looking up a map element",
  BPF_MAP_UPDATE_ELEM: "updating a map element",
  BPF_MAP_DELETE_ELEM: "deleting a map element",
  BPF_MAP_GET_NEXT_KEY: "getting the next map key",
  BPF_PROG_LOAD: "loading a program",
  BPF_OBJ_PIN: "pinning an object",
  BPF_OBJ_GET: "getting a pinned object",
  BPF_PROG_GET_NEXT_ID: "getting the next program id",
  BPF_MAP_GET_NEXT_ID: "getting the next map id",
  BPF_LINK_GET_NEXT_ID: "getting the next link id",
  BPF_BTF_GET_NEXT_ID: "getting the next btf id",
  BPF_PROG_GET_FD_BY_ID: "opening a program by id",
  BPF_MAP_GET_FD_BY_ID: "opening a map by id",
  BPF_LINK_GET_FD_BY_ID: "opening a link by id",
  BPF_BTF_GET_FD_BY_ID: "opening a btf object by id",
  BPF_OBJ_GET_INFO_BY_FD: "getting object info",
  BPF_BTF_LOAD: "loading btf",
  BPF_LINK_CREATE: "creating a link",
  BPF_ENABLE_STATS: "enabling run-time statistics",
};

/** Plain-words advice for an errno from a command, or `""` when there is nothing useful to add. */
function hintFor(code: string, command: string): string {
  const loads = command === "BPF_PROG_LOAD" || command === "BPF_BTF_LOAD";
  switch (code) {
    case "EPERM":
    case "EACCES": {
      const privilege =
        "needs root, or CAP_BPF (plus CAP_PERFMON or CAP_NET_ADMIN for some program and map types), " +
        "or CAP_SYS_ADMIN; kernel.unprivileged_bpf_disabled or a security module may also forbid it";
      // The verifier answers EACCES for an unsafe program, so for a load it is usually not privilege.
      return command === "BPF_PROG_LOAD" && code === "EACCES"
        ? `the verifier rejected the program (see its log); or the caller ${privilege}`
        : privilege;
    }
    case "EINVAL":
      return "the kernel rejected the arguments; possibly an older kernel lacking this feature (a type, flag or field)";
    case "ENOTSUPP":
    case "EOPNOTSUPP":
      return "not supported by this kernel or its configuration";
    case "E2BIG":
      return "an argument is too big, or bytes this kernel does not know are not zero (a newer feature on an older kernel)";
    case "ENOSPC":
      return loads
        ? "the verifier log buffer is too small for the log: give a bigger buffer or a lower log level"
        : "no room left (a map that is full, or a limit reached)";
    case "ENOENT":
      if (command.endsWith("_GET_NEXT_ID")) return "there is no object with a larger id";
      if (command.endsWith("_GET_FD_BY_ID")) return "no object has this id (it may have been freed)";
      if (command === "BPF_OBJ_GET") return "nothing is pinned at this path";
      if (command.startsWith("BPF_MAP_")) return "the key is not in the map";
      return "";
    case "EEXIST":
      return command === "BPF_OBJ_PIN"
        ? "something already exists at this path"
        : "the element already exists (and BPF_NOEXIST was asked)";
    case "EBADF":
      return "a file descriptor given to the kernel is closed or is not the right kind of object";
    case "EFAULT":
      return "the kernel could not read or write a buffer given to it";
    case "ENOMEM":
      return "the kernel could not allocate memory; kernels before 5.11 charge bpf memory to RLIMIT_MEMLOCK, which may be too low";
    case "EBUSY":
      return "the target is busy (for example a program is already attached there)";
    case "ENODEV":
      return "no such device (a wrong ifindex, or a device in another network namespace)";
    case "ENOSYS":
      return "this kernel has no bpf(2) system call (CONFIG_BPF_SYSCALL is off)";
    case "EAGAIN":
      return loads ? "the verifier ran out of resources or was interrupted; try again" : "try again";
    default:
      return "";
  }
}

/** What to build a {@link BpfError} from. */
export interface BpfErrorInit {
  /** The kernel command name, `"BPF_MAP_CREATE"`. */
  readonly command: string;
  /** The errno value the call failed with. */
  readonly errno: number;
  /** What the call was for, lowercase ("creating a hash map"); defaults to a description of the command. */
  readonly doing?: string;
  /** The verifier or BTF log text, when the kernel wrote one. */
  readonly log?: string;
  /** The error this one wraps. */
  readonly cause?: unknown;
}

/**
 * A failed bpf(2) call. The message reads "doing what: why (ENAME): hint", and a verifier log,
 * when there is one, follows it on its own lines.
 */
export class BpfError extends Error {
  /** Always `"BpfError"`: what {@link isBpfError} checks. */
  override readonly name = "BpfError";
  /** The kernel command name, `"BPF_MAP_CREATE"`. */
  readonly command: string;
  /** The errno value. Compare {@link BpfError.code} instead: numbers differ between architectures. */
  readonly errno: number;
  /** The errno name, `"EPERM"`, `"ENOENT"`, `"ENOTSUPP"` (524) ... */
  readonly code: string;
  /** Advice in plain words, `""` when there is none. */
  readonly hint: string;
  /** The verifier or BTF log the kernel wrote, `""` when none was asked for or written. */
  readonly log: string;

  constructor(init: BpfErrorInit) {
    const code = errnoName(init.errno);
    const why = ERRNO[code]?.[1] ?? `errno ${init.errno}`;
    const hint = hintFor(code, init.command);
    const doing = init.doing ?? DOING[init.command] ?? `calling ${init.command}`;
    const log = init.log ?? "";
    const head = `${doing}: ${why} (${code})${hint ? `: ${hint}` : ""}`;
    const label = init.command === "BPF_BTF_LOAD" ? "btf log" : "verifier log";
    super(log ? `${head}\n${label}:\n${log.trimEnd()}` : head, init.cause === undefined ? {} : { cause: init.cause });
    this.command = init.command;
    this.errno = init.errno;
    this.code = code;
    this.hint = hint;
    this.log = log;
  }
}

/** True for a {@link BpfError}, even one thrown by another copy of this package (it checks `name`). */
export function isBpfError(error: unknown): error is BpfError {
  return error instanceof Error && error.name === "BpfError";
}

/** True for a {@link BpfError} whose errno has the given name (`isErrno(e, "ENOENT")`). */
export function isErrno(error: unknown, code: string): error is BpfError {
  return isBpfError(error) && error.code === code;
}

/**
 * Thrown when bpf(2) cannot be called from this process at all: not Linux, an architecture whose
 * system call number is unknown, or the FFI library (koffi) missing or unable to load. A problem of
 * the installation or platform, not of the arguments.
 */
export class BpfUnavailableError extends Error {
  /** Always `"BpfUnavailableError"`: what {@link isBpfUnavailableError} checks. */
  override readonly name = "BpfUnavailableError";
}

/** True for a {@link BpfUnavailableError}, even one thrown by another copy of this package. */
export function isBpfUnavailableError(error: unknown): error is BpfUnavailableError {
  return error instanceof Error && error.name === "BpfUnavailableError";
}
