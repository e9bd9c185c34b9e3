// BpfFd: a file descriptor for a bpf object that this library opened and must close, with a registry of open ones.

import { readlinkSync } from "node:fs";
import { errnoName } from "./errors.js";
import { bpfBackend } from "./ffi.js";

/** What kind of bpf object a descriptor refers to. */
export type BpfFdKind = "map" | "prog" | "link" | "btf" | "stats" | "object";

/** Every descriptor the library opened and nobody has closed yet. */
const open = new Set<BpfFd>();

/**
 * Owns one file descriptor for a bpf object. Close it with {@link BpfFd.close} (safe to call
 * twice) or a `using` declaration. Nothing closes a forgotten descriptor behind your back: it stays
 * counted by {@link openFdCount}, so tests can catch the leak.
 */
export class BpfFd implements Disposable {
  #fd: number;
  /** What the descriptor refers to. */
  readonly kind: BpfFdKind;

  /** Takes ownership of `fd`, a descriptor the kernel just returned. */
  constructor(fd: number, kind: BpfFdKind) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`owning a bpf fd: ${fd} is not a file descriptor`);
    this.#fd = fd;
    this.kind = kind;
    open.add(this);
  }

  /** The descriptor number. Throws once closed, so a closed number (maybe reused by now) is never passed on. */
  get fd(): number {
    if (this.#fd < 0) throw new Error(`using a ${this.kind} fd: it is closed`);
    return this.#fd;
  }

  /** True once {@link BpfFd.close} ran. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * Closes the descriptor, with close(2) through the backend (not node:fs, which did not open it).
   * Calling it again does nothing. Throws if the kernel says the number was not open (EBADF: someone
   * else closed it); EINTR is not an error, since Linux has closed the descriptor by then.
   */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    open.delete(this);
    const result = bpfBackend().close(fd);
    if (result < 0 && errnoName(-result) !== "EINTR") {
      throw new Error(`closing ${this.kind} fd ${fd}: close(2) failed with ${errnoName(-result)}`);
    }
  }

  /**
   * Gives up ownership without closing: returns the number and forgets it, for handing the
   * descriptor to another owner (a more specific wrapper such as a map handle).
   */
  release(): number {
    const fd = this.fd;
    this.#fd = -1;
    open.delete(this);
    return fd;
  }

  /** Same as {@link BpfFd.close}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A short description for logs: `"map fd 7"` or `"map fd (closed)"`. */
  toString(): string {
    return `${this.kind} fd ${this.#fd < 0 ? "(closed)" : this.#fd}`;
  }
}

/** How many descriptors the library opened and has not closed (for leak checks in tests). */
export function openFdCount(): number {
  return open.size;
}

/** The /proc link target prefix of each kind of bpf object descriptor. */
const ANON_INODE_KIND: Readonly<Record<string, BpfFdKind>> = {
  "anon_inode:bpf-map": "map",
  "anon_inode:bpf-prog": "prog",
  // A new link's fd is "bpf_link", but one opened from a pin is "bpf-link".
  "anon_inode:bpf_link": "link",
  "anon_inode:bpf-link": "link",
  "anon_inode:btf": "btf",
  "anon_inode:bpf-stats": "stats",
};

/**
 * What kind of bpf object a descriptor of this process refers to, read from /proc/self/fd
 * (`anon_inode:bpf-map` ...); `"object"` for another or unknown kind.
 */
export function fdKindOf(fd: number): BpfFdKind {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "object";
  }
  return ANON_INODE_KIND[target] ?? "object";
}
