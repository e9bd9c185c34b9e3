// Pinning: BPF_OBJ_PIN puts an object at a path in a bpf file system, BPF_OBJ_GET opens it again.

import { objPinAttr } from "./attr.js";
import { BpfFd, fdKindOf } from "./fd.js";
import type { KeepAlive } from "./memory.js";
import { bpfCall } from "./syscall.js";

/**
 * Pins the object behind `fd` at `path`, which must be in a mounted bpf file system (`bpffs`) and
 * must not exist yet (EEXIST). The pin keeps the object alive until the file is removed.
 */
export function pinObject(fd: BpfFd, path: string): void {
  const keep: KeepAlive = [];
  bpfCall("BPF_OBJ_PIN", objPinAttr(path, fd.fd, 0, keep), keep, { doing: `pinning ${fd} at ${path}` });
}

/**
 * Opens the object pinned at `path` (BPF_OBJ_GET). `fileFlags` is `BPF_F_RDONLY`/`BPF_F_WRONLY` for
 * maps, else 0. The returned fd's kind is read from /proc (map, prog, link, btf).
 */
export function getPinned(path: string, fileFlags = 0): BpfFd {
  const keep: KeepAlive = [];
  const fd = bpfCall("BPF_OBJ_GET", objPinAttr(path, 0, fileFlags, keep), keep, { doing: `opening the object pinned at ${path}` });
  return new BpfFd(fd, fdKindOf(fd));
}
