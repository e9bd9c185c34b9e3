// Every program's `bpf_prog_info` from one BPF iterator: the program copies, for each loaded
// program, the kernel fields BPF_OBJ_GET_INFO_BY_FD reads and fills a `bpf_prog_info` from them the
// way that command does (Linux 6.x's bpf_prog_get_info_by_fd); the walk decodes it with the core's
// decoder. No descriptor is opened per program.

import { decodeProgInfo, fieldOffset, infoLayouts, type Decoded, type ProgInfo } from "bpftypes/codec";
import { HOST_LITTLE_ENDIAN, plainBytes } from "../bytes.js";
import { Assembler, HELPER, PSEUDO_MAP_FD, type Reg } from "./asm.js";
import { emitEpilogue, emitInfoMoves, emitJumpIfNamed, emitMove, emitPrologue, emitWrite, emitZero, FRAME, GatherPlan, SEQ, type IteratorRecords } from "./gather.js";
import { iteratorFunctionsBtf } from "./func-btf.js";
import { KernelBtfError, type KernelField, type KernelTypes } from "./kernel-btf.js";
import { TextPrinter, SCRATCH_ARGS, type ListEmitter, infoSlots, type ValueSlot } from "./print.js";
import { PROGRAM_NAME, type IteratorProgram } from "./run.js";

/** The two maps a text-printing program reads: the frozen strings and the scratch value (descriptors). */
export interface PrintMaps {
  readonly rodata: number;
  readonly scratch: number;
}

/**
 * Values a text template of programs can name besides the fields of `bpf_prog_info`: the full
 * 16-byte name, the memory charged in bytes, and the load time since the Unix epoch in seconds
 * and in milliseconds. They are placed in the scratch value after the argument words.
 */
export const PROGRAM_TEXT_VALUES = {
  name: { area: "scratch", at: SCRATCH_ARGS, size: 16 },
  bytes_memlock: { area: "scratch", at: SCRATCH_ARGS + 16, size: 8 },
  loaded_at: { area: "scratch", at: SCRATCH_ARGS + 24, size: 8 },
  loaded_at_ms: { area: "scratch", at: SCRATCH_ARGS + 32, size: 8 },
} as const satisfies Record<string, ValueSlot>;

/** Bytes of the scratch value a text-printing program of programs uses. */
export const PROGRAM_SCRATCH_SIZE = SCRATCH_ARGS + 40;

/** The kernel's MAX_USED_MAPS: a program uses at most this many maps. */
const MAX_MAP_IDS = 64;
/**
 * Functions whose jited lengths the program sums. The kernel allows 256; unrolling that many costs
 * the verifier ~15 ms per load, so a program with more functions is read through its descriptor.
 */
export const MAX_FUNCS = 16;

/** One program as the iterator saw it. */
export interface IteratedProgram {
  /** `bpf_prog_info` as BPF_OBJ_GET_INFO_BY_FD would have filled it. */
  readonly info: Decoded<ProgInfo>;
  /** Ids of the maps it uses. */
  readonly mapIds: readonly number[];
  /** `prog->pages`: the memory charged, in pages. */
  readonly pages: number;
  /** The BTF type id of its first function (0 without func info): where a cut name is read in full. */
  readonly firstFuncTypeId: number;
  /**
   * True when the record cannot stand for the kernel's answer, so the program must be read through
   * a descriptor: it is offloaded to a device (its info comes from the device), or has more than
   * {@link MAX_FUNCS} functions.
   */
  readonly needsDescriptor: boolean;
}

const INFO = infoLayouts.bpf_prog_info;
const at = (name: string): number => fieldOffset("bpf_prog_info", name);

/**
 * A record: a `bpf_prog_info` filled as the kernel fills it, then what the walk needs beyond it,
 * then (in a second write) the ids of the maps the program uses.
 */
const EXTRA = { pages: INFO.size, firstFuncTypeId: INFO.size + 4, funcCnt: INFO.size + 8, offload: INFO.size + 16 } as const;
const HEADER = INFO.size + 24;
/** Room the run-counter code needs: a map key, pptrs[0], and an address read back or three counters. */
const SCRATCH = 40;

/** The fields of `struct bpf_prog` and what it points to that BPF_OBJ_GET_INFO_BY_FD reads. */
function planFields(plan: GatherPlan) {
  const prog = plan.root;
  const aux = plan.pointer(prog, "aux", "bpf_prog_aux");
  return {
    pages: plan.field(prog, "pages"),
    gpl: plan.field(prog, "gpl_compatible"),
    type: plan.field(prog, "type"),
    len: plan.field(prog, "len"),
    jitedLen: plan.field(prog, "jited_len"),
    tag: plan.field(prog, "tag"),
    stats: plan.field(prog, "stats"),
    id: plan.field(aux, "id"),
    loadTime: plan.field(aux, "load_time"),
    usedMapCnt: plan.field(aux, "used_map_cnt"),
    usedMaps: plan.field(aux, "used_maps"),
    attachBtfId: plan.field(aux, "attach_btf_id"),
    verifiedInsns: plan.field(aux, "verified_insns"),
    funcCnt: plan.field(aux, "func_cnt"),
    func: plan.field(aux, "func"),
    name: plan.field(aux, "name"),
    funcInfoCnt: plan.field(aux, "func_info_cnt"),
    nrLinfo: plan.field(aux, "nr_linfo"),
    jitedLinfo: plan.field(aux, "jited_linfo"),
    offload: plan.field(aux, "offload"),
    uid: plan.field(plan.pointer(aux, "user", "user_struct"), "uid"),
    btfId: plan.field(plan.pointer(aux, "btf", "btf"), "id"),
    attachBtfObjId: plan.field(plan.pointer(aux, "attach_btf", "btf"), "id"),
    firstFuncTypeId: plan.field(plan.pointer(aux, "func_info", "bpf_func_info"), "type_id"),
  };
}

type ProgFields = ReturnType<typeof planFields>;

/**
 * The iterator program over `bpf_prog`, and the reader of its records, for the running kernel. The
 * program fills each record's `bpf_prog_info` the way Linux 6.x's bpf_prog_get_info_by_fd does,
 * so the walk only decodes it with the core's decoder.
 */
export class ProgramIterator {
  readonly #plan: GatherPlan;
  readonly #f: ProgFields;
  readonly #cpus: readonly number[];
  /** Offsets the program reads beyond the planned copies. */
  readonly #kernel: { readonly counters: readonly KernelField[]; readonly mapId: number; readonly jitedLen: number; readonly pptrs: number };
  /** Where the run-counter code keeps its numbers (a record offset). */
  readonly #scratch: number;
  /** How many bytes of `bpf_prog_info` this kernel fills (its struct's size, at most ours). */
  readonly #infoLength: number;

  /** Plans the program for this kernel; throws a {@link KernelBtfError} if its BTF lacks a type or field needed. */
  constructor(btf: KernelTypes, cpus: readonly number[]) {
    if (!HOST_LITTLE_ENDIAN) throw new KernelBtfError("written for little-endian kernels only");
    const plan = new GatherPlan(btf, "bpf_prog");
    const f = planFields(plan);
    const words = [f.usedMapCnt, f.funcCnt, f.nrLinfo, f.type, f.id, f.jitedLen, f.len, f.uid, f.btfId, f.funcInfoCnt, f.verifiedInsns, f.attachBtfObjId, f.attachBtfId, f.firstFuncTypeId];
    const eights = [f.loadTime, f.offload, f.jitedLinfo, f.stats, f.func, f.usedMaps];
    if (words.some((p) => p.field.size !== 4) || eights.some((p) => p.field.size !== 8) || f.tag.field.size !== 8 || f.name.field.size !== 16 || f.pages.field.size !== 2 || f.gpl.field.bits !== 1) {
      throw new KernelBtfError("the running kernel's struct bpf_prog or bpf_prog_aux has fields of other sizes than this reader expects");
    }
    const counters = ["cnt", "nsecs", "misses"].map((name) => btf.field("bpf_prog_stats", name));
    if (counters.some((field) => field.size !== 8 || field.offset + 8 > 24)) throw new KernelBtfError("the running kernel's struct bpf_prog_stats is laid out differently than expected");
    this.#kernel = { counters, mapId: btf.field("bpf_map", "id").offset, jitedLen: btf.field("bpf_prog", "jited_len").offset, pptrs: btf.field("bpf_array", "pptrs").offset };
    // Copies land after the header; merging nearby fields into one copy only while the stack has room.
    plan.layout(HEADER, 8);
    if (plan.end + SCRATCH > FRAME) plan.layout(HEADER, 0);
    this.#scratch = plan.end;
    if (this.#scratch + SCRATCH > FRAME) throw new KernelBtfError("the running kernel's program structs are too scattered for one stack frame");
    this.#plan = plan;
    this.#f = f;
    this.#cpus = cpus;
    this.#infoLength = Math.min(btf.structSize("bpf_prog_info"), INFO.size);
  }

  /** Whether this kernel fills every field of this package's `bpf_prog_info` (text printing needs them all). */
  get fillsWholeInfo(): boolean {
    return this.#infoLength === INFO.size;
  }

  /**
   * The program, given the descriptor of a one-element per-CPU array it measures per-CPU offsets
   * with: its instructions, and the BTF and `func_info` records its two functions need.
   */
  assemble(percpuMapFd: number): IteratorProgram {
    const asm = new Assembler();
    this.#emitInfoRecord(asm, percpuMapFd);
    emitWrite(asm, HEADER);
    this.#emitMapIds(asm);
    return this.#finish(asm, percpuMapFd);
  }

  /**
   * The program that prints each program as text from `printer`'s template (see
   * {@link PROGRAM_TEXT_VALUES} for the names it can print) instead of writing records. Programs
   * read through a descriptor by the record walk, and this package's own iterator programs, get
   * the printer's fallback marker instead, for user space to print.
   */
  assembleText(percpuMapFd: number, printer: TextPrinter, maps: PrintMaps, clock: { readonly bootEpochNs: bigint; readonly pageSize: number }): IteratorProgram {
    const asm = new Assembler();
    const S = GatherPlan.stack;
    this.#emitInfoRecord(asm, percpuMapFd);
    // What the record walk reads through a descriptor, user space prints.
    asm.load(8, 1, 10, S(EXTRA.offload)).jumpIfNotEqual(1, 0, "fallback");
    asm.load(4, 1, 10, S(EXTRA.funcCnt)).jumpIfAbove(1, MAX_FUNCS, "fallback");
    // A name the kernel cut (15 characters) that the program's BTF has whole.
    asm.load(1, 1, 10, S(at("name") + 14)).jumpIfEqual(1, 0, "name_whole");
    asm.load(4, 1, 10, S(at("btf_id"))).jumpIfEqual(1, 0, "name_whole");
    asm.load(4, 1, 10, S(at("nr_func_info"))).jumpIfNotEqual(1, 0, "fallback");
    asm.label("name_whole");
    emitJumpIfNamed(asm, at("name"), PROGRAM_NAME, "fallback");
    printer.emitChecks(asm, "fallback");
    // The values beyond bpf_prog_info, into the scratch value.
    TextPrinter.scratchAddress(asm, 9, maps.scratch);
    const V = PROGRAM_TEXT_VALUES;
    for (const half of [0, 8]) asm.load(8, 1, 10, S(at("name") + half)).store(8, 9, V.name.at + half, 1);
    const shift = Math.log2(clock.pageSize);
    if (!Number.isInteger(shift)) throw new KernelBtfError(`the page size ${clock.pageSize} is not a power of two`);
    asm.load(4, 1, 10, S(EXTRA.pages)).lshImm(1, shift).store(8, 9, V.bytes_memlock.at, 1);
    asm.load(8, 1, 10, S(at("load_time"))).movImm64(2, clock.bootEpochNs).add(1, 2).mov(2, 1);
    asm.divImm(1, 1_000_000_000).store(8, 9, V.loaded_at.at, 1).divImm(2, 1_000_000).store(8, 9, V.loaded_at_ms.at, 2);
    printer.emit(asm, maps.rodata, maps.scratch);
    asm.jump("done");
    asm.label("fallback");
    printer.emitFallback(asm, maps.rodata, maps.scratch, "id");
    return this.#finish(asm, percpuMapFd);
  }

  /** The start of both programs: the record's `bpf_prog_info` and extras filled, on the stack. */
  #emitInfoRecord(asm: Assembler, percpuMapFd: number): void {
    emitPrologue(asm);
    emitZero(asm, 0, HEADER);
    this.#plan.emitCopies(asm);
    this.#emitInfo(asm);
    this.#emitJitedLength(asm);
    this.#emitRunCounters(asm, percpuMapFd);
  }

  /** The end of both programs, the run-counter function after it, and the BTF and `func_info` the two functions need. */
  #finish(asm: Assembler, percpuMapFd: number): IteratorProgram {
    emitEpilogue(asm);
    this.#emitAddOneCpu(asm, percpuMapFd);
    const btf = iteratorFunctionsBtf("bpftypes_iter", "bpftypes_iter_cpu");
    const funcInfo = new Uint8Array(16);
    const view = new DataView(funcInfo.buffer);
    // struct bpf_func_info { insn_off, type_id }: where each function starts, and its BTF function.
    view.setUint32(4, btf.programFunc, HOST_LITTLE_ENDIAN);
    view.setUint32(8, asm.indexOf("add_one_cpu"), HOST_LITTLE_ENDIAN);
    view.setUint32(12, btf.callbackFunc, HOST_LITTLE_ENDIAN);
    return { insns: asm.assemble(), btf: btf.blob, funcInfo: { records: funcInfo, recordSize: 8 } };
  }

  /**
   * Where each value a text template of programs names is while it prints: the fields of
   * `bpf_prog_info` by name, in the record, and {@link PROGRAM_TEXT_VALUES} in the scratch value.
   */
  static readonly slot = infoSlots("bpf_prog_info", PROGRAM_TEXT_VALUES);

  /** The lists a text template of programs can print: `map_ids`. */
  listEmitters(): Record<string, ListEmitter> {
    return {
      map_ids: (asm, slot, printItem, done) => {
        for (let i = 0; i < MAX_MAP_IDS; i++) {
          asm.load(4, 1, 10, GatherPlan.stack(this.#f.usedMapCnt.at)).jumpIfAtMost(1, i, done);
          // The id is read into the low half of the item's zeroed 8-byte slot.
          asm.storeImm(8, 9, slot, 0);
          this.#emitReadMapId(asm, i, 9, slot);
          printItem(i === 0);
        }
        asm.label(done);
      },
    };
  }

  /** The fields of `bpf_prog_info` that are kernel fields as they are, or simple functions of them. */
  #emitInfo(asm: Assembler): void {
    const f = this.#f;
    const S = GatherPlan.stack;
    emitInfoMoves(asm, "bpf_prog_info", {
      type: f.type,
      id: f.id,
      tag: f.tag,
      load_time: f.loadTime,
      created_by_uid: f.uid,
      nr_map_ids: f.usedMapCnt,
      name: f.name,
      btf_id: f.btfId,
      nr_func_info: f.funcInfoCnt,
      nr_line_info: f.nrLinfo,
      verified_insns: f.verifiedInsns,
      attach_btf_obj_id: f.attachBtfObjId,
      attach_btf_id: f.attachBtfId,
    });
    emitMove(asm, f.firstFuncTypeId, EXTRA.firstFuncTypeId);
    emitMove(asm, f.funcCnt, EXTRA.funcCnt);
    emitMove(asm, f.offload, EXTRA.offload);
    asm.load(2, 0, 10, S(f.pages.at)).store(4, 10, S(EXTRA.pages), 0);
    // gpl_compatible: one bit of prog's flags, to bit 0 of its info word.
    asm.load(1, 0, 10, S(f.gpl.at)).rshImm(0, f.gpl.field.bit).andImm(0, 1).store(4, 10, S(at("gpl_compatible")), 0);
    // xlated_prog_len: the instruction count times 8 bytes.
    asm.load(4, 0, 10, S(f.len.at)).lshImm(0, 3).store(4, 10, S(at("xlated_prog_len")), 0);
    asm.storeImm(4, 10, S(at("func_info_rec_size")), infoLayouts.bpf_func_info.size);
    asm.storeImm(4, 10, S(at("line_info_rec_size")), infoLayouts.bpf_line_info.size);
    asm.storeImm(4, 10, S(at("jited_line_info_rec_size")), 8);
    // nr_jited_line_info: the line count when the jit kept a line table.
    asm.load(8, 0, 10, S(f.jitedLinfo.at)).jumpIfEqual(0, 0, "no_jited_lines");
    asm.load(4, 0, 10, S(f.nrLinfo.at)).store(4, 10, S(at("nr_jited_line_info")), 0).label("no_jited_lines");
    // One jited symbol, function length and tag per function, or one for a program without functions.
    asm.load(4, 0, 10, S(f.funcCnt.at)).jumpIfEqual(0, 0, "one_function").jump("functions_counted");
    asm.label("one_function").movImm(0, 1).label("functions_counted");
    for (const name of ["nr_jited_ksyms", "nr_jited_func_lens", "nr_prog_tags"]) asm.store(4, 10, S(at(name)), 0);
  }

  /** jited_prog_len: prog->jited_len, or for a program with functions the sum of prog->aux->func[i]->jited_len. */
  #emitJitedLength(asm: Assembler): void {
    const S = GatherPlan.stack;
    const f = this.#f;
    const pointer = S(this.#scratch);
    const length = S(this.#scratch + 8);
    const total = S(at("jited_prog_len"));
    asm.load(4, 9, 10, S(f.funcCnt.at)).jumpIfEqual(9, 0, "no_functions");
    for (let i = 0; i < MAX_FUNCS; i++) {
      asm.jumpIfAtMost(9, i, "jited_done");
      asm.mov(1, 10).addImm(1, pointer).movImm(2, 8).load(8, 3, 10, S(f.func.at)).addImm(3, i * 8).call(HELPER.BPF_FUNC_probe_read_kernel);
      asm.mov(1, 10).addImm(1, length).movImm(2, 4).load(8, 3, 10, pointer).addImm(3, this.#kernel.jitedLen).call(HELPER.BPF_FUNC_probe_read_kernel);
      asm.load(4, 1, 10, length).load(4, 2, 10, total).add(2, 1).store(4, 10, total, 2);
    }
    asm.jump("jited_done");
    asm.label("no_functions").load(4, 0, 10, S(f.jitedLen.at)).store(4, 10, total, 0);
    asm.label("jited_done");
  }

  /**
   * Run counters: prog->stats points to per-CPU copies. No BTF names the kernel's per-CPU offsets,
   * so they are measured: a per-CPU array's element for CPU c sits at its per-CPU pointer (pptrs[0])
   * plus that CPU's offset, and bpf_map_lookup_percpu_elem() says where that is. The map's address
   * and the element's come out of pointers as numbers by copying them off the stack.
   *
   * One function adds one CPU's counters. With CPUs numbered 0..n-1 (the usual case) bpf_loop()
   * calls it n times, so the program is the same size on a host with thousands of possible CPUs;
   * with gaps in the numbering it is called once per CPU.
   */
  #emitRunCounters(asm: Assembler, percpuMapFd: number): void {
    const S = GatherPlan.stack;
    const { key, pptr, spill, number } = this.#counterSlots();
    const readInto = (to: number, size: number) => asm.mov(1, 10).addImm(1, S(to)).movImm(2, size);
    asm.load(8, 9, 10, S(this.#f.stats.at)).jumpIfEqual(9, 0, "stats_done");
    asm.loadImm64(1, PSEUDO_MAP_FD, percpuMapFd).store(8, 10, S(spill), 1);
    readInto(number, 8).mov(3, 10).addImm(3, S(spill)).call(HELPER.BPF_FUNC_probe_read_kernel);
    readInto(pptr, 8).load(8, 3, 10, S(number)).addImm(3, this.#kernel.pptrs).call(HELPER.BPF_FUNC_probe_read_kernel);
    asm.storeImm(4, 10, S(key), 0);
    const cpus = this.#cpus;
    if (cpus.every((cpu, i) => cpu === i)) {
      // bpf_loop(n, add_one_cpu, the record, 0): the function reaches the record through its second argument.
      asm.movImm(1, cpus.length).loadFunction(2, "add_one_cpu").mov(3, 10).addImm(3, S(0)).movImm(4, 0).call(HELPER.BPF_FUNC_loop);
    } else {
      for (const cpu of cpus) asm.movImm(1, cpu).mov(2, 10).addImm(2, S(0)).callLocal("add_one_cpu");
    }
    // Addresses are no business of the reader: none stays in the record, which is written out.
    for (let offset = 0; offset < SCRATCH; offset += 8) asm.storeImm(8, 10, S(this.#scratch + offset), 0);
    asm.label("stats_done");
  }

  /**
   * Where the run-counter code keeps its numbers (record offsets): the map key, pptrs[0], an
   * address spilled and read back as a number, and the three counters read over those two, which
   * are spent by then.
   */
  #counterSlots() {
    const at = this.#scratch;
    return { key: at, pptr: at + 8, spill: at + 16, number: at + 24, counters: at + 16 };
  }

  /**
   * The function adding the run counters of CPU r1 to the record's totals; r2 points to the record
   * (the calling frame's stack, from its start). It returns 0, which also tells bpf_loop() to go on.
   */
  #emitAddOneCpu(asm: Assembler, percpuMapFd: number): void {
    const { key, pptr, spill, number, counters } = this.#counterSlots();
    const readInto = (to: number, size: number) => asm.mov(1, 6).addImm(1, to).movImm(2, size);
    asm.label("add_one_cpu").mov(6, 2).mov(3, 1);
    asm.loadImm64(1, PSEUDO_MAP_FD, percpuMapFd).mov(2, 6).addImm(2, key).call(HELPER.BPF_FUNC_map_lookup_percpu_elem).jumpIfEqual(0, 0, "cpu_done");
    asm.store(8, 6, spill, 0);
    readInto(number, 8).mov(3, 6).addImm(3, spill).call(HELPER.BPF_FUNC_probe_read_kernel);
    // r3 = this CPU's copy of the counters: prog->stats + (element address - pptrs[0]).
    asm.load(8, 3, 6, number).load(8, 1, 6, pptr).sub(3, 1).load(8, 1, 6, this.#f.stats.at).add(3, 1);
    readInto(counters, 24).call(HELPER.BPF_FUNC_probe_read_kernel);
    this.#kernel.counters.forEach((field, k) => {
      const total = at(["run_cnt", "run_time_ns", "recursion_misses"][k]!);
      asm.load(8, 1, 6, counters + field.offset).load(8, 2, 6, total).add(2, 1).store(8, 6, total, 2);
    });
    asm.label("cpu_done").movImm(0, 0).exit();
  }

  /** Part two of a record: the ids of the maps the program uses, prog->aux->used_maps[i]->id, written in the header's place. */
  #emitMapIds(asm: Assembler): void {
    const S = GatherPlan.stack;
    asm.load(4, 9, 10, S(this.#f.usedMapCnt.at));
    asm.jumpIfAtMost(9, MAX_MAP_IDS, "count_ok").movImm(9, MAX_MAP_IDS).label("count_ok");
    asm.jumpIfEqual(9, 0, "done");
    for (let i = 0; i < MAX_MAP_IDS; i++) {
      asm.jumpIfAtMost(9, i, "ids_done");
      this.#emitReadMapId(asm, i, 10, S(i * 4));
    }
    asm.label("ids_done");
    asm.mov(3, 9).lshImm(3, 2).mov(1, SEQ).mov(2, 10).addImm(2, S(0)).call(HELPER.BPF_FUNC_seq_write);
  }

  /**
   * Emits a read of prog->aux->used_maps[i]->id into the 4 bytes at `base + at`, the map's address
   * passing through the run-counter scratch slots (free once the counters are summed).
   */
  #emitReadMapId(asm: Assembler, i: number, base: Reg, at: number): void {
    const S = GatherPlan.stack;
    const pointer = S(this.#scratch);
    asm.mov(1, 10).addImm(1, pointer).movImm(2, 8).load(8, 3, 10, S(this.#f.usedMaps.at)).addImm(3, i * 8).call(HELPER.BPF_FUNC_probe_read_kernel);
    asm.mov(1, base).addImm(1, at).movImm(2, 4).load(8, 3, 10, pointer).addImm(3, this.#kernel.mapId).call(HELPER.BPF_FUNC_probe_read_kernel);
  }

  /**
   * The records the program wrote, one program each in id order: their ids at once, each decoded
   * only when asked (so that a long walk keeps no more than one decoded program alive).
   */
  records(output: Uint8Array): IteratorRecords<IteratedProgram> {
    const bytes = plainBytes(output);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const little = HOST_LITTLE_ENDIAN;
    const ids: number[] = [];
    const offsets: number[] = [];
    const mapCount = (record: number) => Math.min(view.getUint32(record + at("nr_map_ids"), little), MAX_MAP_IDS);
    for (let record = 0; record + HEADER <= bytes.byteLength; record += HEADER + mapCount(record) * 4) {
      ids.push(view.getUint32(record + at("id"), little));
      offsets.push(record);
    }
    return {
      ids,
      decode: (index) => {
        const record = offsets[index]!;
        const count = mapCount(record);
        const mapIds = new Array<number>(count);
        for (let i = 0; i < count; i++) mapIds[i] = view.getUint32(record + HEADER + i * 4, little);
        const offload = view.getUint32(record + EXTRA.offload, little) | view.getUint32(record + EXTRA.offload + 4, little);
        return {
          info: decodeProgInfo(bytes.subarray(record, record + INFO.size), { length: this.#infoLength }),
          mapIds,
          pages: view.getUint32(record + EXTRA.pages, little),
          firstFuncTypeId: view.getUint32(record + EXTRA.firstFuncTypeId, little),
          needsDescriptor: offload !== 0 || view.getUint32(record + EXTRA.funcCnt, little) > MAX_FUNCS,
        };
      },
    };
  }
}
