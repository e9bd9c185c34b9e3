// The one place that reaches native code: the bpf(2) system call, close(2), pread(2), the signal mask, clocks and buffer addresses, behind a tiny interface.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type Koffi from "koffi";
import { HOST_LITTLE_ENDIAN } from "./bytes.js";
import { BpfUnavailableError, errnoName } from "./errors.js";

/**
 * What this layer needs from native code. The default is built on koffi and libc's `syscall()`; an
 * N-API addon, or Bun's or Deno's FFI, can stand in for it through {@link setBpfBackend}.
 */
export interface BpfBackend {
  /** A short name for messages and tests (`"koffi"`). */
  readonly name: string;
  /**
   * Runs `bpf(cmd, attr, attr.byteLength)`. Returns the kernel's result when it is not negative
   * (a file descriptor, or 0), else `-errno`, the way the kernel itself reports failure.
   */
  bpf(cmd: number, attr: Uint8Array): number;
  /**
   * The address of `buffer`'s first byte as the kernel should see it. It must stay valid, and be the
   * same each time it is asked, for as long as the caller keeps `buffer` referenced (V8 does not move
   * an ArrayBuffer's backing store once native code has asked for it): a pointer found in an info
   * request is traced to its buffer by asking again.
   */
  addressOf(buffer: Uint8Array): bigint;
  /**
   * Runs `close(fd)` on a descriptor the kernel gave a bpf command. Returns 0, or `-errno`. Bpf
   * descriptors are closed here rather than with `fs.closeSync`: node:fs did not open them, and in a
   * worker thread it warns about every descriptor it closes that it did not open.
   */
  close(fd: number): number;
  /**
   * Optional: runs `pread(fd, buffer, buffer.byteLength, position)` and returns the bytes read, or
   * `-errno`. Reads of /proc files go through it when present (a few hundred nanoseconds cheaper
   * per call than `fs.readSync`, which adds up over thousands of fdinfo reads); else through node:fs.
   */
  readAt?(fd: number, buffer: Uint8Array, position: number): number;
  /**
   * Optional: runs `run` with the calling thread's signals blocked, then puts the thread's signal
   * mask back; a signal sent meanwhile is delivered then. The verifier gives up on a program with
   * EAGAIN when a signal arrives while it works, and a sampling profiler's SIGPROF comes every
   * millisecond: program loads that fail that way are tried once more through this. Without it,
   * they are tried once more as they are.
   */
  withSignalsBlocked?<T>(run: () => T): T;
  /**
   * Optional: the time on a Linux clock (`clock_gettime`: 0 is CLOCK_REALTIME, 7 CLOCK_BOOTTIME)
   * in nanoseconds. The boot instant comes from it to the microsecond when present, as bpftool
   * computes it; else from /proc/uptime, to the hundredth of a second.
   */
  clockNs?(clock: number): bigint;
}

/** The bpf(2) system call number for each Node architecture name we know (`process.arch`). */
const BPF_SYSCALL_NUMBER: Readonly<Record<string, number>> = {
  x64: 321,
  arm64: 280,
  riscv64: 280,
  loong64: 280,
  ia32: 357,
};

/**
 * The number of the bpf(2) system call on an architecture (`process.arch` by default): x64 321;
 * arm64, riscv64 and loong64 280 (the generic table); ia32 357. Throws for any other architecture,
 * and on any platform but Linux.
 */
export function bpfSyscallNumber(arch: string = process.arch, platform: string = process.platform): number {
  if (platform !== "linux") {
    throw new BpfUnavailableError(`calling bpf(2): the platform is ${platform}, but bpf(2) exists only on linux`);
  }
  const number = BPF_SYSCALL_NUMBER[arch];
  if (number === undefined) {
    const known = Object.keys(BPF_SYSCALL_NUMBER).join(", ");
    throw new BpfUnavailableError(`calling bpf(2): no known system call number for architecture ${arch} (known: ${known})`);
  }
  return number;
}

/**
 * Where koffi's prebuilt binary for this process lies inside koffi's platform package, when this is
 * Linux with glibc on an architecture koffi builds for (`/proc/self/maps` text says which C library
 * the process runs on: glibc's loader is `ld-linux*`, musl's `ld-musl*`); else undefined.
 */
export function koffiPrebuiltPath(platform: string, arch: string, maps: string): string | undefined {
  if (platform !== "linux" || !/^(x64|arm64|ia32|riscv64|loong64)$/.test(arch)) return undefined;
  if (/\/ld-musl[^/\n]*$/m.test(maps) || !/\/ld-linux[^/\n]*$/m.test(maps)) return undefined;
  return `@koromix/koffi-linux-${arch}/linux_${arch}/koffi.node`;
}

/**
 * Loads koffi. Its own loader first reads the ELF headers of the Node binary to choose between its
 * glibc and musl builds, ~8 ms per process; on glibc Linux the binary is loaded straight from the
 * platform package instead, ~2 ms. Anything unexpected (another package layout, a failed load)
 * falls back to koffi's loader.
 */
function loadKoffi(require: NodeJS.Require): typeof Koffi {
  let prebuilt: string | undefined;
  try {
    prebuilt = koffiPrebuiltPath(process.platform, process.arch, readFileSync("/proc/self/maps", "latin1"));
  } catch {
    prebuilt = undefined;
  }
  if (prebuilt !== undefined) {
    try {
      const native = require(prebuilt) as Partial<typeof Koffi>;
      if (typeof native.load === "function" && typeof native.errno === "function" && typeof native.address === "function") return native as typeof Koffi;
    } catch {
      // Not where this version of koffi keeps it: koffi's loader knows.
    }
  }
  return require("koffi") as typeof Koffi;
}

/** Builds the koffi backend: loads koffi (only now, so nothing else depends on it) and binds `syscall()`, `close()`, `pread()`, `pthread_sigmask()` and `clock_gettime()`. */
function koffiBackend(): BpfBackend {
  // Looked up at the first bpf(2) call, so close(2) works even where bpf(2) does not exist.
  let number: number | undefined;
  const require = createRequire(import.meta.url);
  let koffi: typeof Koffi;
  try {
    koffi = loadKoffi(require);
  } catch (error) {
    throw new BpfUnavailableError("calling bpf(2): cannot load koffi, the FFI library this layer uses (reinstall the package's dependencies: npm install)", { cause: error });
  }
  // dlopen(NULL): the process itself, which links libc whichever libc it is.
  const libc = koffi.load(null);
  // syscall() is variadic in C, but bound here with the four arguments bpf(2) takes: a variadic call
  // makes koffi read type names on every call, and on Linux's x86-64, arm64, riscv64, loongarch64
  // and i386 ABIs integer and pointer arguments travel the same way either way.
  const syscall = libc.func("long syscall(long number, int cmd, void *attr, unsigned int size)") as (number: number, cmd: number, attr: Uint8Array, size: number) => number | bigint;
  const close = libc.func("int close(int fd)") as (fd: number) => number;
  // off_t is a long on every Linux ABI that does not ask for 64-bit file offsets.
  const pread = libc.func("long pread(int fd, void *buf, size_t count, long offset)") as (fd: number, buf: Uint8Array, count: number, offset: number) => number | bigint;
  // sigset_t is 128 bytes in glibc and musl; every bit set asks for every signal, and libc leaves
  // out the ones it keeps for itself (thread cancellation, setxid).
  const sigmask = libc.func("int pthread_sigmask(int how, void *set, void *oldset)") as (how: number, set: Uint8Array | null, oldset: Uint8Array | null) => number;
  const allSignals = new Uint8Array(128).fill(0xff);
  const clockGettime = libc.func("int clock_gettime(int clock, void *time)") as (clock: number, time: Uint8Array) => number;
  // struct timespec: two longs (seconds, nanoseconds); 32-bit x86 has a 32-bit time_t here.
  const word = process.arch === "ia32" ? 4 : 8;
  const timespec = new Uint8Array(2 * word);
  const timespecView = new DataView(timespec.buffer);
  return {
    name: "koffi",
    bpf(cmd, attr) {
      number ??= bpfSyscallNumber();
      const result = Number(syscall(number, cmd, attr, attr.byteLength));
      // koffi saves errno right after the call, so nothing run since can have changed it.
      return result < 0 ? -koffi.errno() : result;
    },
    addressOf(buffer) {
      return koffi.address(buffer);
    },
    close(fd) {
      return close(fd) < 0 ? -koffi.errno() : 0;
    },
    readAt(fd, buffer, position) {
      const result = Number(pread(fd, buffer, buffer.byteLength, position));
      return result < 0 ? -koffi.errno() : result;
    },
    clockNs(clock) {
      if (clockGettime(clock, timespec) !== 0) throw new Error(`reading clock ${clock}: clock_gettime failed with ${errnoName(koffi.errno())}`);
      const read = (at: number): bigint => (word === 8 ? timespecView.getBigInt64(at, HOST_LITTLE_ENDIAN) : BigInt(timespecView.getInt32(at, HOST_LITTLE_ENDIAN)));
      return read(0) * 1_000_000_000n + read(word);
    },
    withSignalsBlocked(run) {
      const before = new Uint8Array(128);
      // SIG_BLOCK is 0 and SIG_SETMASK 2 on every architecture bpfSyscallNumber knows.
      if (sigmask(0, allSignals, before) !== 0) return run();
      try {
        return run();
      } finally {
        sigmask(2, before, null);
      }
    },
  };
}

let current: BpfBackend | undefined;

/** The backend in use, building the koffi one on first use. */
export function bpfBackend(): BpfBackend {
  current ??= koffiBackend();
  return current;
}

/**
 * Replaces the backend (a test double, another runtime's FFI); `undefined` goes back to the default
 * koffi one on next use. Returns the backend that was in place, if one was built.
 */
export function setBpfBackend(backend: BpfBackend | undefined): BpfBackend | undefined {
  const previous = current;
  current = backend;
  return previous;
}
