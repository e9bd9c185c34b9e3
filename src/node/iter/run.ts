// Running a BPF iterator: load the program against an iterator target, link it, open an iterator
// and read everything it writes. One read returns tens of kilobytes: many objects per system call.

import { readSync } from "node:fs";
import { BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER } from "bpftypes";
import { fieldOffset, infoLayouts } from "bpftypes/codec";
import { getU32, putU32 } from "../bytes.js";
import { ATTR_LAYOUT, newAttr, type RecordArray } from "../attr.js";
import { BpfFd } from "../fd.js";
import { loadBtf } from "../btf.js";
import { createLink } from "../links.js";
import { getInfoRaw } from "../objinfo.js";
import { loadProgram } from "../progs.js";
import { bpfCall } from "../syscall.js";
import { KernelBtfError, type KernelTypes } from "./kernel-btf.js";

/** Iterator targets this layer writes programs for (`bpf_iter_<target>` in the kernel). */
export type IterTarget = "bpf_prog" | "bpf_map";

/** An iterator program: its instructions, and for one with several functions, their BTF and `func_info`. */
export interface IteratorProgram {
  /** The instructions, 8 bytes each, in the host's byte order. */
  readonly insns: Uint8Array;
  /** A BTF blob describing the program's functions (the kernel wants one for each function of a tracing program). */
  readonly btf?: Uint8Array;
  /** `struct bpf_func_info` records: where each function starts and its type in `btf`. */
  readonly funcInfo?: RecordArray;
}

/** What one run of an iterator produced. */
export interface IterOutput {
  /** Everything the program wrote, in order. */
  readonly bytes: Uint8Array;
  /** The id of the iterator program itself (a program walk skips it). */
  readonly progId: number;
  /** The id of the link that ran it (a link walk skips it). */
  readonly linkId: number;
  /** The id of the BTF object loaded with it, or 0 without one (a BTF walk skips it). */
  readonly btfId: number;
}

/** The name the iterator program is loaded under, so that anyone listing meanwhile sees what it is. */
export const PROGRAM_NAME = "bpftypes_iter";
/** Bytes asked of each read; the kernel hands out at most its seq_file buffer (8 pages) at a time. */
const READ_SIZE = 1 << 16;

/**
 * Loads `program` as an iterator program over `target` (with its BTF, if it has one), runs it once
 * and returns what it wrote. The program, its BTF, its link and the iterator are closed before
 * returning, whatever happens.
 */
export function runIterator(btf: KernelTypes, target: IterTarget, program: IteratorProgram): IterOutput {
  const attachBtfId = btf.funcId(`bpf_iter_${target}`);
  if (attachBtfId === undefined) throw new KernelBtfError(`the running kernel has no ${target} iterator (Linux 5.8+)`);
  let btfId = 0;
  let prog: BpfFd;
  const functions = program.btf ? loadBtf(program.btf) : undefined;
  try {
    if (functions) btfId = objectId(functions, "bpf_btf_info");
    prog = loadIterator(attachBtfId, program, functions);
  } finally {
    // The program keeps its BTF alive.
    functions?.close();
  }
  try {
    const progId = objectId(prog, "bpf_prog_info");
    const link = createLink({ prog, target: 0, attachType: BPF_TRACE_ITER });
    try {
      const linkId = objectId(link, "bpf_link_info");
      const attr = newAttr();
      putU32(attr, ATTR_LAYOUT.iterCreate.fields.link_fd.offset, link.fd);
      const iter = new BpfFd(bpfCall("BPF_ITER_CREATE", attr, [], { doing: `opening a ${target} iterator` }), "object");
      try {
        return { bytes: readAll(iter.fd), progId, linkId, btfId };
      } finally {
        iter.close();
      }
    } finally {
      link.close();
    }
  } finally {
    prog.close();
  }
}

/** The id of the program, map, link or BTF object behind `fd`, from its info. */
export function objectId(fd: BpfFd, struct: "bpf_prog_info" | "bpf_map_info" | "bpf_link_info" | "bpf_btf_info"): number {
  const info = new Uint8Array(infoLayouts[struct].size);
  getInfoRaw(fd, info);
  return getU32(info, fieldOffset(struct, "id"));
}

// A signal that interrupts the verifier (EAGAIN) is handled by loadProgram, which loads again with signals blocked.
function loadIterator(attachBtfId: number, program: IteratorProgram, btf: BpfFd | undefined): BpfFd {
  const functions = btf && program.funcInfo ? { btf, funcInfo: program.funcInfo } : {};
  return loadProgram({ progType: BPF_PROG_TYPE_TRACING, expectedAttachType: BPF_TRACE_ITER, attachBtfId, insns: program.insns, license: "GPL", name: PROGRAM_NAME, ...functions }).fd;
}

/**
 * Bytes set aside for an iterator's output before the first read: ten thousand maps print ~2 MB,
 * ten thousand programs ~3.4 MB. Pages the kernel never writes to are never touched, so what is
 * left over costs neither time nor resident memory; a buffer grown by copying instead touches its
 * bytes two or three times over. Where touching a page for the first time is dear, that is the
 * larger cost (measured on a VM at ~10 µs a page: 2 MB read through a buffer doubled from 256 KB,
 * 16.6 ms; into one 32 MB buffer, 6.3 ms).
 */
const RESERVED = 32 << 20;

/** Reads a descriptor to its end into one buffer. */
function readAll(fd: number): Uint8Array {
  let buffer: Buffer;
  try {
    buffer = Buffer.allocUnsafe(RESERVED);
  } catch {
    // Where memory may not be promised ahead (strict overcommit), start small and grow.
    buffer = Buffer.allocUnsafe(READ_SIZE * 4);
  }
  let length = 0;
  for (;;) {
    if (buffer.length - length < READ_SIZE) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const got = readSync(fd, buffer, length, READ_SIZE, null);
    if (got === 0) return buffer.subarray(0, length);
    length += got;
  }
}
