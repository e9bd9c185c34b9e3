// Every program's `bpf_prog_info` from one BPF iterator: the program copies, for each loaded
// program, the kernel fields BPF_OBJ_GET_INFO_BY_FD reads, and this module fills a `bpf_prog_info`
// from them the way that command does (Linux 6.x's bpf_prog_get_info_by_fd), then decodes it with
// the core's decoder. No descriptor is opened per program.

import { decodeProgInfo, fieldOffset, infoLayouts, type Decoded, type ProgInfo } from "bpftypes";
import { HOST_LITTLE_ENDIAN } from "../bytes.js";
import { Assembler, HELPER, PSEUDO_MAP_FD } from "./asm.js";
import { emitEpilogue, emitPrologue, emitWrite, GatherPlan, readNumber, SEQ, type IteratorRecords, type Placed } from "./gather.js";
import { KernelBtfError, type KernelField, type KernelTypes } from "./kernel-btf.js";

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
/** Offsets of the `bpf_prog_info` fields filled here. */
const AT = Object.fromEntries(
  [
    "type", "id", "tag", "jited_prog_len", "xlated_prog_len", "load_time", "created_by_uid", "nr_map_ids", "name", "gpl_compatible",
    "nr_jited_ksyms", "nr_jited_func_lens", "btf_id", "func_info_rec_size", "nr_func_info", "nr_line_info", "line_info_rec_size",
    "jited_line_info_rec_size", "nr_jited_line_info", "nr_prog_tags", "run_cnt", "run_time_ns", "recursion_misses", "verified_insns",
    "attach_btf_obj_id", "attach_btf_id",
  ].map((name) => [name, fieldOffset("bpf_prog_info", name)]),
) as Readonly<Record<string, number>> as Readonly<Record<"type" | "id" | "tag" | "jited_prog_len" | "xlated_prog_len" | "load_time" | "created_by_uid" | "nr_map_ids" | "name" | "gpl_compatible" | "nr_jited_ksyms" | "nr_jited_func_lens" | "btf_id" | "func_info_rec_size" | "nr_func_info" | "nr_line_info" | "line_info_rec_size" | "jited_line_info_rec_size" | "nr_jited_line_info" | "nr_prog_tags" | "run_cnt" | "run_time_ns" | "recursion_misses" | "verified_insns" | "attach_btf_obj_id" | "attach_btf_id", number>>;
/** `sizeof(struct bpf_func_info)` and `sizeof(struct bpf_line_info)`, which the kernel reports in every info. */
const FUNC_INFO_SIZE = infoLayouts.bpf_func_info.size;
const LINE_INFO_SIZE = infoLayouts.bpf_line_info.size;

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

/** The iterator program over `bpf_prog` and the reader of its records, for the running kernel. */
export class ProgramIterator {
  readonly #plan: GatherPlan;
  readonly #f: ProgFields;
  readonly #cpus: readonly number[];
  /** Offsets the program reads beyond the planned copies. */
  readonly #kernel: { readonly counters: readonly KernelField[]; readonly mapId: number; readonly jitedLen: number; readonly pptrs: number };
  /** Record slots the program fills itself. */
  readonly #jitedSum: { at: number };
  readonly #stats: { at: number };
  readonly #scratch: { at: number };
  /** How many bytes of `bpf_prog_info` this kernel fills (its struct's size, at most ours). */
  readonly #infoLength: number;
  readonly #info = new Uint8Array(INFO.size);
  readonly #infoView = new DataView(this.#info.buffer);

  /** Plans the program for this kernel; throws a {@link KernelBtfError} if its BTF lacks a type or field needed. */
  constructor(btf: KernelTypes, cpus: readonly number[]) {
    if (!HOST_LITTLE_ENDIAN) throw new KernelBtfError("reading programs through an iterator: written for little-endian kernels only");
    const plan = new GatherPlan(btf, "bpf_prog");
    const f = planFields(plan);
    const words = [f.usedMapCnt, f.funcCnt, f.nrLinfo, f.type, f.id, f.jitedLen, f.len, f.uid, f.btfId, f.funcInfoCnt, f.verifiedInsns, f.attachBtfObjId, f.attachBtfId, f.firstFuncTypeId];
    const eights = [f.loadTime, f.offload, f.jitedLinfo, f.stats, f.func, f.usedMaps];
    if (words.some((p) => p.field.size !== 4) || eights.some((p) => p.field.size !== 8) || f.tag.field.size !== 8 || f.name.field.size !== 16) {
      throw new KernelBtfError("the running kernel's struct bpf_prog or bpf_prog_aux has fields of other sizes than this reader expects");
    }
    const counters = ["cnt", "nsecs", "misses"].map((name) => btf.field("bpf_prog_stats", name));
    if (counters.some((field) => field.size !== 8 || field.offset + 8 > 24)) throw new KernelBtfError("the running kernel's struct bpf_prog_stats is laid out differently than expected");
    this.#kernel = { counters, mapId: btf.field("bpf_map", "id").offset, jitedLen: btf.field("bpf_prog", "jited_len").offset, pptrs: btf.field("bpf_array", "pptrs").offset };
    this.#jitedSum = plan.slot(8);
    this.#stats = plan.slot(24);
    this.#scratch = plan.slot(56);
    plan.layout();
    // The map ids are written in a second part after the header, in the header's place, with a pointer after them.
    if (MAX_MAP_IDS * 4 + 8 > plan.size) throw new Error("gathering: the program record is too small to hold the map ids");
    this.#plan = plan;
    this.#f = f;
    this.#cpus = cpus;
    this.#infoLength = Math.min(btf.structSize("bpf_prog_info"), INFO.size);
  }

  /** The program's instructions, given the descriptor of a one-element per-CPU array it measures per-CPU offsets with. */
  assemble(percpuMapFd: number): Uint8Array {
    const asm = new Assembler();
    emitPrologue(asm);
    this.#plan.emitCopies(asm);
    this.#emitJitedSum(asm);
    this.#emitRunCounters(asm, percpuMapFd);
    emitWrite(asm, this.#plan.size);
    this.#emitMapIds(asm);
    emitEpilogue(asm);
    return asm.assemble();
  }

  /** The jited length of a program with functions: the sum of prog->aux->func[i]->jited_len. */
  #emitJitedSum(asm: Assembler): void {
    const S = GatherPlan.stack;
    const f = this.#f;
    const scratch = this.#scratch.at;
    const sum = S(this.#jitedSum.at);
    asm.load(4, 9, 10, S(f.funcCnt.at)).jumpIfEqual(9, 0, "funcs_done");
    for (let i = 0; i < MAX_FUNCS; i++) {
      asm.jumpIfAtMost(9, i, "funcs_done");
      asm.mov(1, 10).addImm(1, S(scratch)).movImm(2, 8).load(8, 3, 10, S(f.func.at)).addImm(3, i * 8).call(HELPER.BPF_FUNC_probe_read_kernel);
      asm.mov(1, 10).addImm(1, S(scratch + 8)).movImm(2, 4).load(8, 3, 10, S(scratch)).addImm(3, this.#kernel.jitedLen).call(HELPER.BPF_FUNC_probe_read_kernel);
      asm.load(4, 1, 10, S(scratch + 8)).load(8, 2, 10, sum).add(2, 1).store(8, 10, sum, 2);
    }
    asm.label("funcs_done");
  }

  /**
   * Run counters: prog->stats points to per-CPU copies. No BTF names the kernel's per-CPU offsets,
   * so they are measured: a per-CPU array's element for CPU c sits at its per-CPU pointer (pptrs[0])
   * plus that CPU's offset, and bpf_map_lookup_percpu_elem() says where that is. The map's address
   * and the element's come out of pointers as numbers by copying them off the stack.
   */
  #emitRunCounters(asm: Assembler, percpuMapFd: number): void {
    const S = GatherPlan.stack;
    const scratch = this.#scratch.at;
    const spill = S(scratch);
    const number = S(scratch + 8);
    const pptr = S(scratch + 16);
    const key = S(scratch + 24);
    const counters = S(scratch + 32);
    const readInto = (to: number, size: number) => asm.mov(1, 10).addImm(1, to).movImm(2, size);
    asm.load(8, 9, 10, S(this.#f.stats.at)).jumpIfEqual(9, 0, "stats_done");
    asm.loadImm64(1, PSEUDO_MAP_FD, percpuMapFd).store(8, 10, spill, 1);
    readInto(number, 8).mov(3, 10).addImm(3, spill).call(HELPER.BPF_FUNC_probe_read_kernel);
    readInto(pptr, 8).load(8, 3, 10, number).addImm(3, this.#kernel.pptrs).call(HELPER.BPF_FUNC_probe_read_kernel);
    asm.storeImm(4, 10, key, 0);
    for (const cpu of this.#cpus) {
      asm.loadImm64(1, PSEUDO_MAP_FD, percpuMapFd).mov(2, 10).addImm(2, key).movImm(3, cpu).call(HELPER.BPF_FUNC_map_lookup_percpu_elem).jumpIfEqual(0, 0, `cpu_${cpu}`);
      asm.store(8, 10, spill, 0);
      readInto(number, 8).mov(3, 10).addImm(3, spill).call(HELPER.BPF_FUNC_probe_read_kernel);
      // r3 = this CPU's copy of the counters: prog->stats + (element address - pptrs[0]).
      asm.load(8, 3, 10, number).load(8, 1, 10, pptr).sub(3, 1).add(3, 9);
      readInto(counters, 24).call(HELPER.BPF_FUNC_probe_read_kernel);
      this.#kernel.counters.forEach((field, k) => {
        const total = S(this.#stats.at + k * 8);
        asm.load(8, 1, 10, counters + field.offset).load(8, 2, 10, total).add(2, 1).store(8, 10, total, 2);
      });
      asm.label(`cpu_${cpu}`);
    }
    // Addresses are no business of the reader: clear them before the record is written out.
    for (let at = 0; at < 24; at += 8) asm.storeImm(8, 10, spill + at, 0);
    asm.label("stats_done");
  }

  /** Part two of a record: the ids of the maps the program uses, prog->aux->used_maps[i]->id, written in the header's place. */
  #emitMapIds(asm: Assembler): void {
    const S = GatherPlan.stack;
    const pointer = S(MAX_MAP_IDS * 4);
    asm.load(4, 9, 10, S(this.#f.usedMapCnt.at)).load(8, 8, 10, S(this.#f.usedMaps.at));
    asm.jumpIfAtMost(9, MAX_MAP_IDS, "count_ok").movImm(9, MAX_MAP_IDS).label("count_ok");
    asm.jumpIfEqual(9, 0, "done");
    for (let i = 0; i < MAX_MAP_IDS; i++) {
      asm.jumpIfAtMost(9, i, "ids_done");
      asm.mov(1, 10).addImm(1, pointer).movImm(2, 8).mov(3, 8).addImm(3, i * 8).call(HELPER.BPF_FUNC_probe_read_kernel);
      asm.mov(1, 10).addImm(1, S(i * 4)).movImm(2, 4).load(8, 3, 10, pointer).addImm(3, this.#kernel.mapId).call(HELPER.BPF_FUNC_probe_read_kernel);
    }
    asm.label("ids_done");
    asm.mov(3, 9).lshImm(3, 2).mov(1, SEQ).mov(2, 10).addImm(2, S(0)).call(HELPER.BPF_FUNC_seq_write);
  }

  /**
   * The records the program wrote, one program each in id order: their ids at once, each decoded
   * only when asked (so that a long walk keeps no more than one decoded program alive).
   */
  records(bytes: Uint8Array): IteratorRecords<IteratedProgram> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const little = HOST_LITTLE_ENDIAN;
    const f = this.#f;
    const header = this.#plan.size;
    const ids: number[] = [];
    const offsets: number[] = [];
    for (let record = 0; record + header <= bytes.byteLength; record += header + Math.min(view.getUint32(record + f.usedMapCnt.at, little), MAX_MAP_IDS) * 4) {
      ids.push(view.getUint32(record + f.id.at, little));
      offsets.push(record);
    }
    return { ids, decode: (index) => this.#decode(bytes, view, offsets[index]!) };
  }

  /** Decodes the record at `record`: fills a `bpf_prog_info` from it and decodes that. */
  #decode(bytes: Uint8Array, view: DataView, record: number): IteratedProgram {
    const little = HOST_LITTLE_ENDIAN;
    const f = this.#f;
    const header = this.#plan.size;
    const info = this.#info;
    const out = this.#infoView;
    const stats = this.#stats.at;
    const u32 = (placed: Placed) => view.getUint32(record + placed.at, little);
    const nonZero64 = (placed: Placed) => (view.getUint32(record + placed.at, little) | view.getUint32(record + placed.at + 4, little)) !== 0;
    // Copies bytes from the record into the info: 64-bit values move without becoming bigints.
    const copy = (from: number, to: number, length: number) => {
      for (let i = 0; i < length; i++) info[to + i] = bytes[record + from + i]!;
    };
    const mapCount = Math.min(u32(f.usedMapCnt), MAX_MAP_IDS);
    const mapIds = new Array<number>(mapCount);
    for (let i = 0; i < mapCount; i++) mapIds[i] = view.getUint32(record + header + i * 4, little);
    const funcCnt = u32(f.funcCnt);
    const nrLinfo = u32(f.nrLinfo);
    info.fill(0);
    out.setUint32(AT.type, u32(f.type), little);
    out.setUint32(AT.id, u32(f.id), little);
    copy(f.tag.at, AT.tag, 8);
    out.setUint32(AT.jited_prog_len, funcCnt > 0 ? view.getUint32(record + this.#jitedSum.at, little) : u32(f.jitedLen), little);
    out.setUint32(AT.xlated_prog_len, u32(f.len) * 8, little);
    copy(f.loadTime.at, AT.load_time, 8);
    out.setUint32(AT.created_by_uid, u32(f.uid), little);
    out.setUint32(AT.nr_map_ids, u32(f.usedMapCnt), little);
    copy(f.name.at, AT.name, 16);
    // gpl_compatible is bit 0 of its word.
    out.setUint32(AT.gpl_compatible, readNumber(view, record, f.gpl, little), little);
    out.setUint32(AT.nr_jited_ksyms, funcCnt || 1, little);
    out.setUint32(AT.nr_jited_func_lens, funcCnt || 1, little);
    out.setUint32(AT.btf_id, u32(f.btfId), little);
    out.setUint32(AT.func_info_rec_size, FUNC_INFO_SIZE, little);
    out.setUint32(AT.nr_func_info, u32(f.funcInfoCnt), little);
    out.setUint32(AT.nr_line_info, nrLinfo, little);
    out.setUint32(AT.line_info_rec_size, LINE_INFO_SIZE, little);
    out.setUint32(AT.jited_line_info_rec_size, 8, little);
    out.setUint32(AT.nr_jited_line_info, nonZero64(f.jitedLinfo) ? nrLinfo : 0, little);
    out.setUint32(AT.nr_prog_tags, funcCnt || 1, little);
    copy(stats, AT.run_cnt, 8);
    copy(stats + 8, AT.run_time_ns, 8);
    copy(stats + 16, AT.recursion_misses, 8);
    out.setUint32(AT.verified_insns, u32(f.verifiedInsns), little);
    out.setUint32(AT.attach_btf_obj_id, u32(f.attachBtfObjId), little);
    out.setUint32(AT.attach_btf_id, u32(f.attachBtfId), little);
    return {
      info: decodeProgInfo(info, { length: this.#infoLength }),
      mapIds,
      pages: readNumber(view, record, f.pages, little),
      firstFuncTypeId: u32(f.firstFuncTypeId),
      needsDescriptor: nonZero64(f.offload) || funcCnt > MAX_FUNCS,
    };
  }
}
