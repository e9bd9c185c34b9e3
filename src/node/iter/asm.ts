// A small assembler for the eBPF instruction set: enough to write iterator programs by hand, with
// forward jumps to named labels. Encodings are the kernel's (include/uapi/linux/bpf.h, bpf_common.h).

import { HOST_LITTLE_ENDIAN } from "../bytes.js";

/** Instruction classes. */
const LD = 0x00;
const LDX = 0x01;
const ST = 0x02;
const STX = 0x03;
const JMP = 0x05;
const ALU64 = 0x07;
/** Operand sizes of loads and stores. */
const SIZE = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 } as const;
/** Addressing modes. */
const IMM = 0x00;
const MEM = 0x60;
/** Source operand: immediate or register. */
const K = 0x00;
const X = 0x08;
/** ALU operations. */
const ADD = 0x00;
const SUB = 0x10;
const DIV = 0x30;
const LSH = 0x60;
const RSH = 0x70;
const AND = 0x50;
const MOV = 0xb0;
/** Byte swap (BPF_END), in the 32-bit ALU class; `TO_BE` converts to big-endian (a swap on little-endian hosts). */
const ALU = 0x04;
const END = 0xd0;
const TO_BE = 0x08;
/** Jump operations. */
const JA = 0x00;
const JEQ = 0x10;
const JGT = 0x20;
const JGE = 0x30;
const JNE = 0x50;
const JLE = 0xb0;
const CALL = 0x80;
const EXIT = 0x90;

/** `src_reg` of a call to a function of the same program (a bpf-to-bpf call), whose immediate is its relative position. */
const PSEUDO_CALL = 1;

/** `src_reg` of a 64-bit immediate load of a function of this program (a callback), by relative position. */
const PSEUDO_FUNC = 4;

/** `src_reg` of a 64-bit immediate load that names a map by descriptor. */
export const PSEUDO_MAP_FD = 1;

/** `src_reg` of a 64-bit immediate load of an address inside a map's value: the map by descriptor, then the offset. */
export const PSEUDO_MAP_VALUE = 2;

/** Ids of the helper functions the iterator programs call (`enum bpf_func_id`; a test checks them against the kernel's BTF). */
export const HELPER = {
  BPF_FUNC_map_lookup_elem: 1,
  BPF_FUNC_probe_read_kernel: 113,
  BPF_FUNC_seq_printf: 126,
  BPF_FUNC_seq_write: 127,
  BPF_FUNC_loop: 181,
  BPF_FUNC_map_lookup_percpu_elem: 195,
} as const;

/** A register, r0 to r10 (r10 is the read-only frame pointer). */
export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
/** An operand size in bytes. */
export type Size = 1 | 2 | 4 | 8;

/** Builds a program one instruction at a time; {@link assemble} resolves the labels. */
export class Assembler {
  readonly #words: number[][] = [];
  readonly #labels = new Map<string, number>();
  /** Instruction index -> label its jump or call goes to. */
  readonly #fixups = new Map<number, string>();
  /** Instructions whose label goes into the immediate (calls, function loads) rather than the offset (jumps). */
  readonly #calls = new Set<number>();

  #emit(code: number, dst: number, src: number, off: number, imm: number): this {
    this.#words.push([code, dst, src, off, imm]);
    return this;
  }

  /** Instructions so far (a 64-bit immediate load counts two). */
  get length(): number {
    return this.#words.length;
  }

  /** `dst = imm` (64-bit register, 32-bit signed immediate). */
  movImm(dst: Reg, imm: number): this {
    return this.#emit(ALU64 | MOV | K, dst, 0, 0, imm);
  }
  /** `dst = src`. */
  mov(dst: Reg, src: Reg): this {
    return this.#emit(ALU64 | MOV | X, dst, src, 0, 0);
  }
  /** `dst += imm`. */
  addImm(dst: Reg, imm: number): this {
    return this.#emit(ALU64 | ADD | K, dst, 0, 0, imm);
  }
  /** `dst += src`. */
  add(dst: Reg, src: Reg): this {
    return this.#emit(ALU64 | ADD | X, dst, src, 0, 0);
  }
  /** `dst -= src`. */
  sub(dst: Reg, src: Reg): this {
    return this.#emit(ALU64 | SUB | X, dst, src, 0, 0);
  }
  /** `dst >>= imm` (logical). */
  rshImm(dst: Reg, imm: number): this {
    return this.#emit(ALU64 | RSH | K, dst, 0, 0, imm);
  }
  /** `dst &= imm`. */
  andImm(dst: Reg, imm: number): this {
    return this.#emit(ALU64 | AND | K, dst, 0, 0, imm);
  }
  /** `dst /= imm` (unsigned). */
  divImm(dst: Reg, imm: number): this {
    return this.#emit(ALU64 | DIV | K, dst, 0, 0, imm);
  }
  /** `dst = htobe64(dst)`: the 8 bytes of `dst` in big-endian order, so that printing it as a number shows its bytes in memory order. */
  toBigEndian64(dst: Reg): this {
    return this.#emit(ALU | END | TO_BE, dst, 0, 0, 64);
  }
  /** `dst <<= imm`. */
  lshImm(dst: Reg, imm: number): this {
    return this.#emit(ALU64 | LSH | K, dst, 0, 0, imm);
  }
  /** `dst = *(size *)(src + off)`. */
  load(size: Size, dst: Reg, src: Reg, off: number): this {
    return this.#emit(LDX | MEM | SIZE[size], dst, src, off, 0);
  }
  /** `*(size *)(dst + off) = src`. */
  store(size: Size, dst: Reg, off: number, src: Reg): this {
    return this.#emit(STX | MEM | SIZE[size], dst, src, off, 0);
  }
  /** `*(size *)(dst + off) = imm`. */
  storeImm(size: Size, dst: Reg, off: number, imm: number): this {
    return this.#emit(ST | MEM | SIZE[size], dst, 0, off, imm);
  }
  /** `dst = imm64`, with `pseudo` naming what the immediate is (a map fd, a BTF id ...). */
  loadImm64(dst: Reg, pseudo: number, low: number, high = 0): this {
    this.#emit(LD | IMM | SIZE[8], dst, pseudo, 0, low);
    return this.#emit(0, 0, 0, 0, high);
  }
  /** `dst = imm64`, a plain 64-bit constant (an unsigned number up to 2^64 - 1). */
  movImm64(dst: Reg, value: bigint): this {
    return this.loadImm64(dst, 0, Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)));
  }
  /** `dst = &function at label`: a callback for helpers such as bpf_loop() (Linux 5.13+). */
  loadFunction(dst: Reg, label: string): this {
    this.#fixups.set(this.#words.length, label);
    this.#calls.add(this.#words.length);
    this.#emit(LD | IMM | SIZE[8], dst, PSEUDO_FUNC, 0, 0);
    return this.#emit(0, 0, 0, 0, 0);
  }
  /** `call helper`. */
  call(helper: number): this {
    return this.#emit(JMP | CALL, 0, 0, 0, helper);
  }
  /** `call label`: a call to a function of this program that starts at `label` (Linux 4.16+). */
  callLocal(label: string): this {
    this.#fixups.set(this.#words.length, label);
    this.#calls.add(this.#words.length);
    return this.#emit(JMP | CALL, 0, PSEUDO_CALL, 0, 0);
  }
  /** `exit`. */
  exit(): this {
    return this.#emit(JMP | EXIT, 0, 0, 0, 0);
  }
  /** `goto label`. */
  jump(label: string): this {
    return this.#jump(JMP | JA | K, 0, 0, label);
  }
  /** `if dst == imm goto label`. */
  jumpIfEqual(dst: Reg, imm: number, label: string): this {
    return this.#jump(JMP | JEQ | K, dst, imm, label);
  }
  /** `if dst != imm goto label`. */
  jumpIfNotEqual(dst: Reg, imm: number, label: string): this {
    return this.#jump(JMP | JNE | K, dst, imm, label);
  }
  /** `if dst != src goto label`. */
  jumpIfNotEqualReg(dst: Reg, src: Reg, label: string): this {
    this.#fixups.set(this.#words.length, label);
    return this.#emit(JMP | JNE | X, dst, src, 0, 0);
  }
  /** `if dst > imm goto label` (unsigned). */
  jumpIfAbove(dst: Reg, imm: number, label: string): this {
    return this.#jump(JMP | JGT | K, dst, imm, label);
  }
  /** `if dst >= imm goto label` (unsigned). */
  jumpIfAtLeast(dst: Reg, imm: number, label: string): this {
    return this.#jump(JMP | JGE | K, dst, imm, label);
  }
  /** `if dst <= imm goto label` (unsigned). */
  jumpIfAtMost(dst: Reg, imm: number, label: string): this {
    return this.#jump(JMP | JLE | K, dst, imm, label);
  }
  #jump(code: number, dst: Reg, imm: number, label: string): this {
    this.#fixups.set(this.#words.length, label);
    return this.#emit(code, dst, 0, 0, imm);
  }
  /** The instruction index of a placed label (where a function starts, for its `func_info` record). */
  indexOf(label: string): number {
    const index = this.#labels.get(label);
    if (index === undefined) throw new Error(`assembling: no label ${label}`);
    return index;
  }
  /** Places `label` at the next instruction. */
  label(label: string): this {
    if (this.#labels.has(label)) throw new Error(`assembling: label ${label} placed twice`);
    this.#labels.set(label, this.#words.length);
    return this;
  }

  /** The program as `struct bpf_insn` bytes in the host's byte order. */
  assemble(): Uint8Array {
    const out = new Uint8Array(this.#words.length * 8);
    const view = new DataView(out.buffer);
    this.#words.forEach(([code, dst, src, off, imm], i) => {
      const label = this.#fixups.get(i);
      if (label !== undefined) {
        const target = this.#labels.get(label);
        if (target === undefined) throw new Error(`assembling: no label ${label}`);
        const distance = target - i - 1;
        if (this.#calls.has(i)) imm = distance;
        else if (distance < -0x8000 || distance > 0x7fff) throw new Error(`assembling: jump to ${label} is too far`);
        else off = distance;
      }
      out[i * 8] = code!;
      // dst in the low nibble and src in the high one on little-endian hosts; the other way on big-endian ones.
      out[i * 8 + 1] = HOST_LITTLE_ENDIAN ? (src! << 4) | dst! : (dst! << 4) | src!;
      view.setInt16(i * 8 + 2, off!, HOST_LITTLE_ENDIAN);
      view.setInt32(i * 8 + 4, imm!, HOST_LITTLE_ENDIAN);
    });
    return out;
  }
}
