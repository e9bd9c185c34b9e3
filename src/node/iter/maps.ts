// Every map's `bpf_map_info` from one BPF iterator: the program copies, for each map, the `struct
// bpf_map` fields BPF_OBJ_GET_INFO_BY_FD reads into a `bpf_map_info` the way that command does
// (Linux 6.x's bpf_map_get_info_by_fd), which the walk decodes with the core's decoder. The memory a map is charged lives only in its fdinfo, so walks still open each map for
// that, but skip get-next-id and get-info.

import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_STRUCT_OPS, decodeMapInfo, fieldOffset, infoLayouts, type Decoded, type MapInfo } from "bpftypes";
import { HOST_LITTLE_ENDIAN } from "../bytes.js";
import { Assembler } from "./asm.js";
import { emitEpilogue, emitInfoMoves, emitMove, emitPrologue, emitWrite, emitZero, GatherPlan, type IteratorRecords } from "./gather.js";
import { KernelBtfError, type KernelTypes } from "./kernel-btf.js";

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

  /** Writes the program for this kernel; throws a {@link KernelBtfError} if its BTF lacks a type or field needed. */
  constructor(btf: KernelTypes) {
    if (!HOST_LITTLE_ENDIAN) throw new KernelBtfError("written for little-endian kernels only");
    const plan = new GatherPlan(btf, "bpf_map");
    const f = planFields(plan);
    const words = [f.type, f.id, f.keySize, f.valueSize, f.maxEntries, f.flags, f.btfKey, f.btfValue, f.btfVmlinuxValue, f.btfId];
    if (words.some((p) => p.field.size !== 4) || [f.extra, f.ops, f.btf].some((p) => p.field.size !== 8) || f.name.field.size !== 16) {
      throw new KernelBtfError("the running kernel's struct bpf_map has fields of other sizes than this reader expects");
    }
    plan.layout(RECORD_SIZE, 8);
    const asm = new Assembler();
    emitPrologue(asm);
    emitZero(asm, 0, RECORD_SIZE);
    plan.emitCopies(asm);
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
    emitWrite(asm, RECORD_SIZE);
    emitEpilogue(asm);
    this.insns = asm.assemble();
    this.#infoLength = Math.min(btf.structSize("bpf_map_info"), INFO.size);
  }

  /** The records the program wrote, one map each in id order, each decoded only when asked. */
  records(bytes: Uint8Array): IteratorRecords<IteratedMap> {
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
