// The kernel's page size, which turns the page counts the kernel keeps into bytes.

import { readFileSync } from "node:fs";
import { HOST_LITTLE_ENDIAN } from "./bytes.js";

/** `AT_PAGESZ` in the ELF auxiliary vector. */
const AT_PAGESZ = 6;

let pageSize: number | undefined;

/**
 * The page size in bytes, from the auxiliary vector the kernel gave this process
 * (`/proc/self/auxv`: pairs of native words, ending with a 0 key). 4096 on x86-64; arm64 kernels
 * may use 16 or 64 KiB.
 */
export function kernelPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  const auxv = readFileSync("/proc/self/auxv");
  const word = process.arch === "ia32" || process.arch === "arm" ? 4 : 8;
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const read = (at: number) => (word === 8 ? Number(view.getBigUint64(at, HOST_LITTLE_ENDIAN)) : view.getUint32(at, HOST_LITTLE_ENDIAN));
  for (let at = 0; at + 2 * word <= auxv.byteLength; at += 2 * word) {
    const key = read(at);
    if (key === 0) break;
    if (key === AT_PAGESZ) return (pageSize = read(at + word));
  }
  throw new Error("reading the page size: /proc/self/auxv has no AT_PAGESZ entry");
}
