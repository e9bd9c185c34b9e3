// Tiny BPF programs for tests, written with the library's own assembler.

import { Assembler } from "bpftypes/node";

/** `enum xdp_action`: let the packet through. */
export const XDP_PASS = 2;

/** `r0 = value; exit`: the smallest valid program. */
export function returnImm(value: number): Uint8Array {
  return new Assembler().movImm(0, value).exit().assemble();
}
