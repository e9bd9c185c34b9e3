// Object ids: walking the kernel's programs, maps, links and BTF objects, and opening one by id.

import { IdAttr } from "./attr.js";
import { BPFCommand } from "bpftypes";
import { BpfError, errnoName } from "./errors.js";
import { BpfFd } from "./fd.js";
import { bpfBackend } from "./ffi.js";
import type { BpfCommandName } from "./syscall.js";

/** The kinds of bpf objects that have ids. */
export type IdKind = "prog" | "map" | "link" | "btf";

/** The get-next-id command of each kind. */
export const NEXT_ID: Readonly<Record<IdKind, BpfCommandName>> = {
  prog: "BPF_PROG_GET_NEXT_ID",
  map: "BPF_MAP_GET_NEXT_ID",
  link: "BPF_LINK_GET_NEXT_ID",
  btf: "BPF_BTF_GET_NEXT_ID",
};

/** The get-fd-by-id command of each kind. */
export const FD_BY_ID: Readonly<Record<IdKind, BpfCommandName>> = {
  prog: "BPF_PROG_GET_FD_BY_ID",
  map: "BPF_MAP_GET_FD_BY_ID",
  link: "BPF_LINK_GET_FD_BY_ID",
  btf: "BPF_BTF_GET_FD_BY_ID",
};

/**
 * The smallest id of a `kind` object greater than `startId`, or `undefined` when there is none
 * (the kernel's ENOENT). Start from 0 to get the first. Links have ids since Linux 5.8.
 */
export function getNextId(kind: IdKind, startId: number): number | undefined {
  return nextIdWith(new IdAttr(), kind, startId);
}

/** {@link getNextId} with a caller's attr, reused across calls: a fresh 168-byte buffer per call costs several times the system call. */
function nextIdWith(attr: IdAttr, kind: IdKind, startId: number): number | undefined {
  attr.setId(startId);
  const result = bpfBackend().bpf(BPFCommand[NEXT_ID[kind]], attr.bytes);
  if (result >= 0) return attr.nextId();
  if (errnoName(-result) === "ENOENT") return undefined;
  throw new BpfError({ command: NEXT_ID[kind], errno: -result });
}

/** Every id of a `kind` object in the kernel right now, smallest first (objects come and go meanwhile). */
export function* allIds(kind: IdKind): Generator<number, void, undefined> {
  const attr = new IdAttr();
  let id = 0;
  for (;;) {
    const next = nextIdWith(attr, kind, id);
    if (next === undefined) return;
    yield next;
    id = next;
  }
}

/**
 * Opens the `kind` object with this id. Throws a BpfError with code ENOENT if there is none (it may
 * have been freed since its id was seen); see {@link tryGetFdById}. `openFlags` is
 * `BPF_F_RDONLY`/`BPF_F_WRONLY` for maps, 0 otherwise.
 */
export function getFdById(kind: IdKind, id: number, openFlags = 0): BpfFd {
  return new IdOpener(kind, openFlags).open(id);
}

/** Like {@link getFdById}, but `undefined` when no object has this id (ENOENT): skip it and go on. */
export function tryGetFdById(kind: IdKind, id: number, openFlags = 0): BpfFd | undefined {
  return new IdOpener(kind, openFlags).tryOpen(id);
}

/** Opens objects of one kind by id, one attr reused for every call (a walk opens thousands). */
export class IdOpener {
  readonly #kind: IdKind;
  readonly #command: number;
  readonly #attr: IdAttr;

  /** `openFlags`: `BPF_F_RDONLY`/`BPF_F_WRONLY` for maps, 0 otherwise. */
  constructor(kind: IdKind, openFlags = 0) {
    this.#kind = kind;
    this.#command = BPFCommand[FD_BY_ID[kind]];
    this.#attr = new IdAttr(openFlags);
  }

  /** Like {@link getFdById}: the object with this id, or a BpfError (ENOENT when there is none). */
  open(id: number): BpfFd {
    const fd = this.#open(id);
    if (fd < 0) throw this.#error(id, -fd);
    return new BpfFd(fd, this.#kind);
  }

  /** Like {@link tryGetFdById}: the object with this id, or undefined when there is none. */
  tryOpen(id: number): BpfFd | undefined {
    const fd = this.#openOrGone(id);
    return fd < 0 ? undefined : new BpfFd(fd, this.#kind);
  }

  /**
   * Opens the object with this id, runs `use` on its descriptor number and closes it again, also
   * when `use` throws; undefined when there is no such object. Leaner than {@link tryOpen} for a
   * loop over thousands of ids: no {@link BpfFd} is made and registered. `use` must not keep the
   * number.
   */
  peek<T>(id: number, use: (fd: number) => T): T | undefined {
    const fd = this.#openOrGone(id);
    if (fd < 0) return undefined;
    try {
      return use(fd);
    } finally {
      bpfBackend().close(fd);
    }
  }

  /** The new descriptor's number, or -1 when no object has this id; any other failure is thrown. */
  #openOrGone(id: number): number {
    const fd = this.#open(id);
    if (fd >= 0) return fd;
    if (errnoName(-fd) === "ENOENT") return -1;
    throw this.#error(id, -fd);
  }

  /** The new descriptor's number, or -errno. */
  #open(id: number): number {
    this.#attr.setId(id);
    // The backend straight away: on the way that succeeds, nothing is allocated.
    return bpfBackend().bpf(this.#command, this.#attr.bytes);
  }

  #error(id: number, errno: number): BpfError {
    return new BpfError({ command: FD_BY_ID[this.#kind], errno, doing: `opening ${this.#kind} id ${id}` });
  }
}
