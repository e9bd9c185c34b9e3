// Tiny hand-assembled BPF programs for tests, built from the instruction-encoding constants.

// The project's generated tables do not carry the instruction encoding (linux/bpf_common.h), so the
// few bits used here are written out, with the kernel's names.
/** Instruction class: 64-bit arithmetic. */
const BPF_ALU64 = 0x07;
/** Instruction class: jumps (and exit). */
const BPF_JMP = 0x05;
/** Source operand: the immediate. */
const BPF_K = 0x00;
/** ALU operation: move. */
const BPF_MOV = 0xb0;
/** Jump operation: return from the program. */
const BPF_EXIT = 0x90;

/** `enum xdp_action`: let the packet through. */
export const XDP_PASS = 2;

/** One 8-byte `struct bpf_insn` (little-endian host): opcode, dst/src registers, offset, immediate. */
export function insn(code: number, dst: number, src: number, off: number, imm: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  out[0] = code;
  out[1] = (src << 4) | dst;
  view.setInt16(2, off, true);
  view.setInt32(4, imm, true);
  return out;
}

/** `rDST = IMM` (64-bit move of an immediate). */
export function movImm(dst: number, imm: number): Uint8Array {
  return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

/** `exit`. */
export function exit(): Uint8Array {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/** Concatenates instructions into one buffer. */
export function program(...insns: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  insns.forEach((one, i) => out.set(one, i * 8));
  return out;
}

/** `r0 = value; exit`: the smallest valid program. */
export function returnImm(value: number): Uint8Array {
  return program(movImm(0, value), exit());
}
