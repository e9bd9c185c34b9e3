// Every map's `bpf_map_info` from one BPF iterator: the program copies, for each map, the `struct
// bpf_map` fields BPF_OBJ_GET_INFO_BY_FD reads into a `bpf_map_info` the way that command does
// (Linux 6.x's bpf_map_get_info_by_fd), which the walk decodes with the core's decoder. The memory a map is charged lives only in its fdinfo, so walks still open each map for
// that, but skip get-next-id and get-info.

import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_STRUCT_OPS } from "bpftypes";
import { decodeMapInfo, fieldOffset, infoLayouts, type Decoded, type MapInfo } from "bpftypes/codec";
import { HOST_LITTLE_ENDIAN, plainBytes } from "../bytes.js";
import { Assembler, HELPER, PSEUDO_MAP_FD } from "./asm.js";
import { emitEpilogue, emitInfoMoves, emitJumpIfNamed, emitMove, emitPrologue, emitWrite, emitZero, FRAME, GatherPlan, type IteratorRecords } from "./gather.js";
import { KernelBtfError, type KernelTypes } from "./kernel-btf.js";
import { SCRATCH_ARGS, TextPrinter, infoSlots, type ValueSlot } from "./print.js";
import type { PrintMaps } from "./programs.js";
import type { IteratorProgram } from "./run.js";
import { PROGRAM_NAME } from "./run.js";

/** One map as the iterator saw it. */
export interface IteratedMap {
  /** `bpf_map_info` as BPF_OBJ_GET_INFO_BY_FD would have filled it for a map on the host. */
  readonly info: Decoded<MapInfo>;
  /**
   * `map->ops`: the table of the map's operations, one per map type, except that maps offloaded to
   * a device share another. Compared with a host map's, it tells an offloaded map apart.
   */
  readonly ops: bigint;
}

const INFO = infoLayouts.bpf_map_info;
const at = (name: string): number => fieldOffset("bpf_map_info", name);
/** A record: a `bpf_map_info` filled as the kernel fills it, then the map's `ops` pointer. */
const OPS = INFO.size;
const RECORD_SIZE = INFO.size + 8;

/**
 * Values a text template of maps can name besides the fields of `bpf_map_info`: the full 16-byte
 * name and whether the map is frozen (0 or 1), placed in the scratch value after the argument words.
 */
export const MAP_TEXT_VALUES = {
  name: { area: "scratch", at: SCRATCH_ARGS, size: 16 },
  frozen: { area: "scratch", at: SCRATCH_ARGS + 16, size: 8 },
} as const satisfies Record<string, ValueSlot>;

/** Bytes of the scratch value a text-printing program of maps uses. */
export const MAP_SCRATCH_SIZE = SCRATCH_ARGS + 24;

/** Stack room the offload check needs: a map's address spilled, read back as a number, and its ops. */
const SCRATCH = 24;

/** The fields of `struct bpf_map` (and its BTF's id) that BPF_OBJ_GET_INFO_BY_FD reads. */
function planFields(plan: GatherPlan) {
  const map = plan.root;
  return {
    type: plan.field(map, "map_type"),
    id: plan.field(map, "id"),
    keySize: plan.field(map, "key_size"),
    valueSize: plan.field(map, "value_size"),
    maxEntries: plan.field(map, "max_entries"),
    flags: plan.field(map, "map_flags"),
    extra: plan.field(map, "map_extra"),
    name: plan.field(map, "name"),
    btfKey: plan.field(map, "btf_key_type_id"),
    btfValue: plan.field(map, "btf_value_type_id"),
    btfVmlinuxValue: plan.field(map, "btf_vmlinux_value_type_id"),
    ops: plan.field(map, "ops"),
    btf: plan.field(map, "btf"),
    btfId: plan.field(plan.pointer(map, "btf", "btf"), "id"),
    frozen: plan.field(map, "frozen"),
  };
}

/**
 * The iterator program over `bpf_map`, and the reader of its records, for the running kernel. The
 * program fills each record's `bpf_map_info` the way Linux 6.x's bpf_map_get_info_by_fd does for a
 * map on the host, so the walk only decodes it with the core's decoder.
 */
export class MapIterator {
  readonly insns: Uint8Array;
  /** How many bytes of `bpf_map_info` this kernel fills (its struct's size, at most ours). */
  readonly #infoLength: number;
  readonly #plan: GatherPlan;
  readonly #f: ReturnType<typeof planFields>;
  /** Where the offload check keeps its numbers (a record offset). */
  readonly #scratch: number;

  /** Writes the program for this kernel; throws a {@link KernelBtfError} if its BTF lacks a type or field needed. */
  constructor(btf: KernelTypes) {
    if (!HOST_LITTLE_ENDIAN) throw new KernelBtfError("written for little-endian kernels only");
    const plan = new GatherPlan(btf, "bpf_map");
    const f = planFields(plan);
    const words = [f.type, f.id, f.keySize, f.valueSize, f.maxEntries, f.flags, f.btfKey, f.btfValue, f.btfVmlinuxValue, f.btfId];
    if (words.some((p) => p.field.size !== 4) || [f.extra, f.ops, f.btf].some((p) => p.field.size !== 8) || f.name.field.size !== 16 || f.frozen.field.size !== 1) {
      throw new KernelBtfError("the running kernel's struct bpf_map has fields of other sizes than this reader expects");
    }
    plan.layout(RECORD_SIZE, 8);
    this.#scratch = plan.end;
    if (this.#scratch + SCRATCH > FRAME) throw new KernelBtfError("the running kernel's struct bpf_map is too scattered for one stack frame");
    this.#plan = plan;
    this.#f = f;
    const asm = new Assembler();
    this.#emitInfoRecord(asm);
    emitWrite(asm, RECORD_SIZE);
    emitEpilogue(asm);
    this.insns = asm.assemble();
    this.#infoLength = Math.min(btf.structSize("bpf_map_info"), INFO.size);
  }

  /** Whether this kernel fills every field of this package's `bpf_map_info` (text printing needs them all). */
  get fillsWholeInfo(): boolean {
    return this.#infoLength === INFO.size;
  }

  /**
   * Where each value a text template of maps names is while it prints: the fields of
   * `bpf_map_info` by name, in the record, and {@link MAP_TEXT_VALUES} in the scratch value.
   */
  static readonly slot = infoSlots("bpf_map_info", MAP_TEXT_VALUES);

  /**
   * The program that prints each map as text from `printer`'s template instead of writing
   * records. Maps whose record the walk would read through a descriptor (struct_ops maps, offloaded
   * maps: their operations are not those of the `references` host maps of their type), program
   * arrays (whose owner only fdinfo tells) and this package's own maps get the printer's fallback
   * marker, for user space to print.
   */
  assembleText(printer: TextPrinter, maps: PrintMaps, references: { readonly hash: number; readonly array: number }): IteratorProgram {
    const asm = new Assembler();
    const S = GatherPlan.stack;
    this.#emitInfoRecord(asm);
    asm.load(4, 1, 10, S(at("type")));
    asm.jumpIfEqual(1, BPF_MAP_TYPE_STRUCT_OPS, "fallback").jumpIfEqual(1, BPF_MAP_TYPE_PROG_ARRAY, "fallback");
    for (const [type, fd] of [[BPF_MAP_TYPE_HASH, references.hash], [BPF_MAP_TYPE_ARRAY, references.array]] as const) {
      asm.load(4, 1, 10, S(at("type"))).jumpIfNotEqual(1, type, `not_${type}`);
      this.#emitOpsOf(asm, fd);
      asm.load(8, 1, 10, S(this.#scratch + 16)).load(8, 2, 10, S(OPS)).jumpIfNotEqualReg(1, 2, "fallback");
      asm.label(`not_${type}`);
    }
    emitJumpIfNamed(asm, at("name"), PROGRAM_NAME, "fallback");
    printer.emitChecks(asm, "fallback");
    // The values beyond bpf_map_info, into the scratch value.
    TextPrinter.scratchAddress(asm, 9, maps.scratch);
    for (const half of [0, 8]) asm.load(8, 1, 10, S(at("name") + half)).store(8, 9, MAP_TEXT_VALUES.name.at + half, 1);
    asm.load(1, 1, 10, S(this.#f.frozen.at)).store(8, 9, MAP_TEXT_VALUES.frozen.at, 1);
    printer.emit(asm, maps.rodata, maps.scratch);
    asm.jump("done");
    asm.label("fallback");
    printer.emitFallback(asm, maps.rodata, maps.scratch, "id");
    emitEpilogue(asm);
    return { insns: asm.assemble() };
  }

  /**
   * Emits a read of the `ops` of the map behind descriptor `fd` into the third scratch slot: the
   * map's address comes out of its pointer as a number by spilling it and reading it back.
   */
  #emitOpsOf(asm: Assembler, fd: number): void {
    const S = GatherPlan.stack;
    const [spill, address, ops] = [0, 8, 16].map((offset) => S(this.#scratch + offset)) as [number, number, number];
    asm.loadImm64(1, PSEUDO_MAP_FD, fd).store(8, 10, spill, 1);
    asm.mov(1, 10).addImm(1, address).movImm(2, 8).mov(3, 10).addImm(3, spill).call(HELPER.BPF_FUNC_probe_read_kernel);
    asm.mov(1, 10).addImm(1, ops).movImm(2, 8).load(8, 3, 10, address).addImm(3, this.#f.ops.field.offset).call(HELPER.BPF_FUNC_probe_read_kernel);
  }

  /** The start of both programs: the record's `bpf_map_info` and the map's ops filled, on the stack. */
  #emitInfoRecord(asm: Assembler): void {
    const f = this.#f;
    emitPrologue(asm);
    emitZero(asm, 0, RECORD_SIZE);
    this.#plan.emitCopies(asm);
    emitInfoMoves(asm, "bpf_map_info", {
      type: f.type,
      id: f.id,
      key_size: f.keySize,
      value_size: f.valueSize,
      max_entries: f.maxEntries,
      map_flags: f.flags,
      name: f.name,
      btf_vmlinux_value_type_id: f.btfVmlinuxValue,
      map_extra: f.extra,
    });
    emitMove(asm, f.ops, OPS);
    // The BTF ids are reported only for a map created with BTF.
    asm.load(8, 0, 10, GatherPlan.stack(f.btf.at)).jumpIfEqual(0, 0, "no_btf");
    emitMove(asm, f.btfId, at("btf_id"));
    emitMove(asm, f.btfKey, at("btf_key_type_id"));
    emitMove(asm, f.btfValue, at("btf_value_type_id"));
    asm.label("no_btf");
  }

  /** The records the program wrote, one map each in id order, each decoded only when asked. */
  records(output: Uint8Array): IteratorRecords<IteratedMap> {
    const bytes = plainBytes(output);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = Math.floor(bytes.byteLength / RECORD_SIZE);
    const ids = new Array<number>(count);
    for (let i = 0; i < count; i++) ids[i] = view.getUint32(i * RECORD_SIZE + at("id"), HOST_LITTLE_ENDIAN);
    return {
      ids,
      decode: (index) => {
        const record = index * RECORD_SIZE;
        return { info: decodeMapInfo(bytes.subarray(record, record + INFO.size), { length: this.#infoLength }), ops: view.getBigUint64(record + OPS, HOST_LITTLE_ENDIAN) };
      },
    };
  }
}

/** Map types that can be offloaded to a device (the kernel's bpf_map_offload_map_alloc takes these). */
const OFFLOADABLE_MAP_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY]);

/** Whether a record stands for the kernel's answer: not for struct_ops maps (their info names vmlinux's BTF id too). */
export function needsDescriptor(map: IteratedMap, hostOps: ReadonlyMap<number, bigint>): boolean {
  const type = map.info.type ?? 0;
  if (type === BPF_MAP_TYPE_STRUCT_OPS) return true;
  const ops = hostOps.get(type);
  return OFFLOADABLE_MAP_TYPES.has(type) && ops !== map.ops;
}
