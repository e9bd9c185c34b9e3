// The plan of an iterator program that copies chosen fields of each kernel object into a record on
// its stack: fields are named by struct and member, placed by the running kernel's BTF, and copies
// of nearby fields merged into one bpf_probe_read_kernel() each.

import { fieldOffset } from "bpftypes/codec";
import { HOST_LITTLE_ENDIAN } from "../bytes.js";
import { Assembler, HELPER, type Reg, type Size } from "./asm.js";
import type { KernelField, KernelTypes } from "./kernel-btf.js";

/** The record lives in the program's 512-byte stack frame, from its bottom. */
export const FRAME = 512;
/** Register holding the iterated object (`ctx->map`, `ctx->prog`) while the record is filled. */
export const OBJECT: Reg = 7;

/** Where a copied field lands in the record. */
export interface Placed {
  /** Byte offset in the record. */
  at: number;
  /** The field in its struct. */
  readonly field: KernelField;
}

/** Something fields are copied from: the iterated object, or an object a copied pointer points to. */
export interface Source {
  readonly struct: string;
  /** The pointer field (in the parent source) this source is reached through; undefined for the object itself. */
  readonly via: Placed | undefined;
  readonly fields: Placed[];
}

/** Copies merged into one read: source bytes [start, end) go to record offset `at`. */
interface Range {
  start: number;
  end: number;
  at: number;
}

/**
 * Collects the fields to copy, then lays out where they land on the stack and emits the copying
 * code. Fields and sources are added first; {@link layout} fixes every `at`.
 */
export class GatherPlan {
  readonly #btf: KernelTypes;
  readonly #sources: Source[] = [];
  #end = 0;
  #ranges = new Map<Source, Range[]>();

  constructor(btf: KernelTypes, rootStruct: string) {
    this.#btf = btf;
    this.#sources.push({ struct: rootStruct, via: undefined, fields: [] });
  }

  /** The iterated object itself. */
  get root(): Source {
    return this.#sources[0]!;
  }

  /** Copies member `path` of `source`'s struct (a bitfield copies the bytes holding it). */
  field(source: Source, path: string): Placed {
    const field = this.#btf.field(source.struct, path);
    const placed: Placed = { at: -1, field };
    source.fields.push(placed);
    return placed;
  }

  /** Follows pointer member `path` of `source` to a struct of type `struct`, whose fields can then be copied. */
  pointer(source: Source, path: string, struct: string): Source {
    const via = this.field(source, path);
    if (via.field.size !== 8) throw new Error(`gathering: ${source.struct}.${path} is not a pointer`);
    const target: Source = { struct, via, fields: [] };
    this.#sources.push(target);
    return target;
  }

  /** Where the copies end (a record offset), once laid out. */
  get end(): number {
    return this.#end;
  }

  /**
   * Places the copies from record offset `start` on, reading fields closer than `mergeGap` bytes in
   * one copy. Every field keeps its alignment (modulo 8), since the program loads them from the stack.
   */
  layout(start: number, mergeGap: number): void {
    let at = start;
    for (const source of this.#sources) {
      const sorted = [...source.fields].sort((a, b) => a.field.offset - b.field.offset);
      const ranges: Range[] = [];
      for (const placed of sorted) {
        const start = placed.field.offset;
        const end = start + Math.max(placed.field.size, Math.ceil((placed.field.bit + placed.field.bits) / 8));
        const last = ranges.at(-1);
        if (last && start <= last.end + mergeGap) last.end = Math.max(last.end, end);
        else ranges.push({ start, end, at: 0 });
      }
      for (const range of ranges) {
        // Keep the source's alignment modulo 8, so that an 8-byte field stays 8-byte aligned.
        at += (((range.start - at) % 8) + 8) % 8;
        range.at = at;
        at += range.end - range.start;
      }
      for (const placed of source.fields) {
        const range = ranges.find((r) => placed.field.offset >= r.start && placed.field.offset < r.end)!;
        placed.at = range.at + placed.field.offset - range.start;
      }
      this.#ranges.set(source, ranges);
    }
    this.#end = (at + 7) & ~7;
    if (this.#end > FRAME) throw new Error(`gathering: copies up to ${this.#end} bytes do not fit the ${FRAME}-byte stack`);
  }

  /** Stack offset (from r10) of record offset `at`. */
  static stack(at: number): number {
    return at - FRAME;
  }

  /**
   * Emits, for each source, its copies (a source reached through a null pointer reads as zeros:
   * the helper clears its buffer when a read faults).
   */
  emitCopies(asm: Assembler): void {
    for (const source of this.#sources) {
      for (const range of this.#ranges.get(source) ?? []) {
        asm.mov(1, 10).addImm(1, GatherPlan.stack(range.at));
        asm.movImm(2, range.end - range.start);
        if (source.via === undefined) asm.mov(3, OBJECT);
        else asm.load(8, 3, 10, GatherPlan.stack(source.via.at));
        asm.addImm(3, range.start);
        asm.call(HELPER.BPF_FUNC_probe_read_kernel);
      }
    }
  }
}

/** What an iterator wrote, read lazily: the objects' ids in order, and each decoded on demand. */
export interface IteratorRecords<T> {
  /** The id of each record's object, in the order written (increasing). */
  readonly ids: readonly number[];
  /** Decodes record `index` (0-based, as in `ids`). */
  decode(index: number): T;
}

/** Emits stores of zero over record bytes [from, to) (both multiples of 8). */
export function emitZero(asm: Assembler, from: number, to: number): void {
  for (let at = from; at < to; at += 8) asm.storeImm(8, 10, GatherPlan.stack(at), 0);
}

/**
 * Emits a copy of a gathered field (whole, not a bitfield) to record offset `to`, in the widest
 * steps both places are aligned for: the verifier refuses a misaligned stack access.
 */
export function emitMove(asm: Assembler, from: Placed, to: number): void {
  const size = from.field.size;
  let step: Size = 8;
  while (step > 1 && (size % step !== 0 || from.at % step !== 0 || to % step !== 0)) step = (step / 2) as Size;
  for (let done = 0; done < size; done += step) asm.load(step, 0, 10, GatherPlan.stack(from.at + done)).store(step, 10, GatherPlan.stack(to + done), 0);
}

/** Emits moves of gathered fields into the fields of an info struct at the start of the record, by info field name. */
export function emitInfoMoves(asm: Assembler, struct: "bpf_prog_info" | "bpf_map_info", moves: Readonly<Record<string, Placed>>): void {
  for (const [name, from] of Object.entries(moves)) emitMove(asm, from, fieldOffset(struct, name));
}

/** Register holding the seq_file the records are written to. */
export const SEQ: Reg = 6;

/**
 * The start of every iterator program: from the context in r1, the seq_file (`ctx->meta->seq`) into
 * {@link SEQ} and the object (the context's second pointer) into {@link OBJECT}; a null object (the
 * call after the last one) jumps to label `done`.
 */
export function emitPrologue(asm: Assembler): void {
  asm.load(8, SEQ, 1, 0).load(8, OBJECT, 1, 8).jumpIfEqual(OBJECT, 0, "done").load(8, SEQ, SEQ, 0);
}

/** Writes `size` bytes of the record (from its start) to the seq_file. */
export function emitWrite(asm: Assembler, size: number): void {
  asm.mov(1, SEQ).mov(2, 10).addImm(2, GatherPlan.stack(0)).movImm(3, size).call(HELPER.BPF_FUNC_seq_write);
}

/** The end of every iterator program: label `done`, return 0. */
export function emitEpilogue(asm: Assembler): void {
  asm.label("done").movImm(0, 0).exit();
}

/** Emits a jump to `label` when the 16-byte name at record offset `at` is `name` (a kernel object name, NUL-padded). */
export function emitJumpIfNamed(asm: Assembler, at: number, name: string, label: string): void {
  const padded = new Uint8Array(16);
  padded.set(new TextEncoder().encode(name).subarray(0, 15));
  const words = new DataView(padded.buffer);
  const other = `not_named_${at}_${asm.length}`;
  for (const half of [0, 8]) asm.load(8, 1, 10, GatherPlan.stack(at + half)).movImm64(2, words.getBigUint64(half, HOST_LITTLE_ENDIAN)).jumpIfNotEqualReg(1, 2, other);
  asm.jump(label).label(other);
}
