// Small bpf objects for live tests (a socket filter, a BTF blob) and reading an object's id.

import { BPF_PROG_TYPE_SOCKET_FILTER } from "bpftypes";
import { type BpfFd, getInfoRaw, loadProgram } from "bpftypes/node";
import { loadKernelBtf, type KernelBtf } from "./kernel-btf.js";
import { returnImm } from "./insns.js";

/** Loads `r0 = 0; exit` as a socket filter named `name`. */
export function loadSocketFilter(name = "bpftypes_test"): BpfFd {
  return loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", name }).fd;
}

/**
 * A 45-byte raw BTF blob (host little-endian) holding one type: `int`, a signed 32-bit integer.
 * Header: magic 0xeb9f, version 1, hdr_len 24, then the type and string sections.
 */
export function tinyBtf(): Uint8Array {
  const strings = new TextEncoder().encode("\0int\0");
  const types = new Uint32Array([
    1, // name_off: "int"
    1 << 24, // info: kind 1 (BTF_KIND_INT)
    4, // size
    (1 << 24) | 32, // BTF_INT_SIGNED, offset 0, 32 bits
  ]);
  const out = new Uint8Array(24 + types.byteLength + strings.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  out[2] = 1; // version
  view.setUint32(4, 24, true); // hdr_len
  view.setUint32(8, 0, true); // type_off
  view.setUint32(12, types.byteLength, true); // type_len
  view.setUint32(16, types.byteLength, true); // str_off
  view.setUint32(20, strings.byteLength, true); // str_len
  out.set(new Uint8Array(types.buffer), 24);
  out.set(strings, 24 + types.byteLength);
  return out;
}

let btf: KernelBtf | undefined;
const INFO_STRUCT = { prog: "bpf_prog_info", map: "bpf_map_info", link: "bpf_link_info", btf: "bpf_btf_info" } as const;

/** The kernel id of a prog, map, link or btf object, at the offset the running kernel's BTF gives for `id`. */
export function idOf(fd: BpfFd): number {
  if (!(fd.kind in INFO_STRUCT)) throw new Error(`no id for ${fd}`);
  btf ??= loadKernelBtf();
  const struct = INFO_STRUCT[fd.kind as keyof typeof INFO_STRUCT];
  const field = btf.structFields(struct).get("id");
  if (!field) throw new Error(`${struct} has no id`);
  const info = new Uint8Array(btf.sizeOf("STRUCT", struct));
  const filled = getInfoRaw(fd, info);
  if (filled < field.offset + 4) throw new Error(`${struct}: the kernel filled ${filled} bytes, too few for id`);
  return new DataView(info.buffer).getUint32(field.offset, true);
}
