// BPF_OBJ_GET_INFO_BY_FD as raw bytes, and the raw BTF blob of a BTF object (two passes).

import { infoAttr, readInfoLen } from "./attr.js";
import { bpfBtfInfoLayout, decodeBtfInfo, fieldOffset } from "../index.js";
import type { BpfFd } from "./fd.js";
import { type KeepAlive, writeBufferRef } from "./memory.js";
import { bpfCall } from "./syscall.js";

/**
 * Asks the kernel for the info struct of the object behind `fd` (`bpf_prog_info`, `bpf_map_info`,
 * `bpf_link_info`, `bpf_btf_info`) into `info`, whose length is what the kernel is told. Returns the
 * `info_len` the kernel wrote back: the bytes it filled. Fields past it are absent, not zero. A
 * buffer longer than the kernel's struct must be zero past it (else E2BIG); pointer fields inside
 * `info` must be written with the memory module, and `keep` must hold their buffers.
 */
export function getInfoRaw(fd: BpfFd, info: Uint8Array, keep: KeepAlive = []): number {
  const attr = infoAttr(fd.fd, info, keep);
  bpfCall("BPF_OBJ_GET_INFO_BY_FD", attr, keep, { doing: `getting info of ${fd.kind} fd ${fd.fd}` });
  return readInfoLen(attr);
}

/**
 * The raw BTF blob of the BTF object behind `fd`: a first call learns its size (`btf_size`), a
 * second fetches it into a buffer of exactly that size.
 */
export function getBtfBytes(fd: BpfFd): Uint8Array {
  const probe = new Uint8Array(bpfBtfInfoLayout.size);
  const size = decodeBtfInfo(probe, { length: getInfoRaw(fd, probe) }).btf_size ?? 0;
  const blob = new Uint8Array(size);
  const info = new Uint8Array(bpfBtfInfoLayout.size);
  const keep: KeepAlive = [];
  writeBufferRef(info, { pointer: fieldOffset("bpf_btf_info", "btf"), length: fieldOffset("bpf_btf_info", "btf_size") }, blob, keep);
  const filled = getInfoRaw(fd, info, keep);
  // The kernel copies at most btf_size bytes and writes back the blob's real size (BTF never changes).
  const actual = decodeBtfInfo(info, { length: filled }).btf_size;
  if (actual !== size) throw new Error(`reading the btf of ${fd}: its size changed from ${size} to ${actual} bytes`);
  return blob;
}
