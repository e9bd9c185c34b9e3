// Every map's `bpf_map_info` from one BPF iterator: the program copies, for each map, the `struct
// bpf_map` fields BPF_OBJ_GET_INFO_BY_FD reads, and this module fills a `bpf_map_info` from them
// the way that command does (Linux 6.x's bpf_map_get_info_by_fd), then decodes it with the core's
// decoder. The memory a map is charged lives only in its fdinfo, so walks still open each map for
// that, but skip get-next-id and get-info.

import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_STRUCT_OPS, decodeMapInfo, fieldOffset, infoLayouts, type Decoded, type MapInfo } from "bpftypes";
import { HOST_LITTLE_ENDIAN } from "../bytes.js";
import { Assembler } from "./asm.js";
import { emitEpilogue, emitPrologue, emitWrite, GatherPlan, type IteratorRecords, type Placed } from "./gather.js";
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
const AT = {
  type: fieldOffset("bpf_map_info", "type"),
  id: fieldOffset("bpf_map_info", "id"),
  key_size: fieldOffset("bpf_map_info", "key_size"),
  value_size: fieldOffset("bpf_map_info", "value_size"),
  max_entries: fieldOffset("bpf_map_info", "max_entries"),
  map_flags: fieldOffset("bpf_map_info", "map_flags"),
  name: fieldOffset("bpf_map_info", "name"),
  btf_vmlinux_value_type_id: fieldOffset("bpf_map_info", "btf_vmlinux_value_type_id"),
  btf_id: fieldOffset("bpf_map_info", "btf_id"),
  btf_key_type_id: fieldOffset("bpf_map_info", "btf_key_type_id"),
  btf_value_type_id: fieldOffset("bpf_map_info", "btf_value_type_id"),
  map_extra: fieldOffset("bpf_map_info", "map_extra"),
} as const;

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

/** The iterator program over `bpf_map` and the reader of its records, for the running kernel. */
export class MapIterator {
  readonly insns: Uint8Array;
  readonly #f: ReturnType<typeof planFields>;
  readonly #size: number;
  /** How many bytes of `bpf_map_info` this kernel fills (its struct's size, at most ours). */
  readonly #infoLength: number;
  readonly #info = new Uint8Array(INFO.size);
  readonly #infoView = new DataView(this.#info.buffer);

  /** Writes the program for this kernel; throws a {@link KernelBtfError} if its BTF lacks a type or field needed. */
  constructor(btf: KernelTypes) {
    if (!HOST_LITTLE_ENDIAN) throw new KernelBtfError("reading maps through an iterator: written for little-endian kernels only");
    const plan = new GatherPlan(btf, "bpf_map");
    const f = planFields(plan);
    const words = [f.type, f.id, f.keySize, f.valueSize, f.maxEntries, f.flags, f.btfKey, f.btfValue, f.btfVmlinuxValue, f.btfId];
    if (words.some((p) => p.field.size !== 4) || [f.extra, f.ops, f.btf].some((p) => p.field.size !== 8) || f.name.field.size !== 16) {
      throw new KernelBtfError("the running kernel's struct bpf_map has fields of other sizes than this reader expects");
    }
    plan.layout();
    const asm = new Assembler();
    emitPrologue(asm);
    plan.emitCopies(asm);
    emitWrite(asm, plan.size);
    emitEpilogue(asm);
    this.insns = asm.assemble();
    this.#f = f;
    this.#size = plan.size;
    this.#infoLength = Math.min(btf.structSize("bpf_map_info"), INFO.size);
  }

  /** The records the program wrote, one map each in id order, each decoded only when asked. */
  records(bytes: Uint8Array): IteratorRecords<IteratedMap> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = Math.floor(bytes.byteLength / this.#size);
    const ids = new Array<number>(count);
    for (let i = 0; i < count; i++) ids[i] = view.getUint32(i * this.#size + this.#f.id.at, HOST_LITTLE_ENDIAN);
    return { ids, decode: (index) => this.#decode(bytes, view, index * this.#size) };
  }

  /** Decodes the record at `record`: fills a `bpf_map_info` from it and decodes that. */
  #decode(bytes: Uint8Array, view: DataView, record: number): IteratedMap {
    const little = HOST_LITTLE_ENDIAN;
    const f = this.#f;
    const info = this.#info;
    const out = this.#infoView;
    const u32 = (placed: Placed) => view.getUint32(record + placed.at, little);
    const copy = (from: number, to: number, length: number) => {
      for (let i = 0; i < length; i++) info[to + i] = bytes[record + from + i]!;
    };
    info.fill(0);
    out.setUint32(AT.type, u32(f.type), little);
    out.setUint32(AT.id, u32(f.id), little);
    out.setUint32(AT.key_size, u32(f.keySize), little);
    out.setUint32(AT.value_size, u32(f.valueSize), little);
    out.setUint32(AT.max_entries, u32(f.maxEntries), little);
    out.setUint32(AT.map_flags, u32(f.flags), little);
    copy(f.name.at, AT.name, 16);
    // The key and value type ids are reported only with the map's BTF; the vmlinux one always.
    if (view.getBigUint64(record + f.btf.at, little) !== 0n) {
      out.setUint32(AT.btf_id, u32(f.btfId), little);
      out.setUint32(AT.btf_key_type_id, u32(f.btfKey), little);
      out.setUint32(AT.btf_value_type_id, u32(f.btfValue), little);
    }
    out.setUint32(AT.btf_vmlinux_value_type_id, u32(f.btfVmlinuxValue), little);
    copy(f.extra.at, AT.map_extra, 8);
    return { info: decodeMapInfo(info, { length: this.#infoLength }), ops: view.getBigUint64(record + f.ops.at, little) };
  }
}

/** Map types that can be offloaded to a device (the kernel's bpf_map_offload_map_alloc takes these). */
export const OFFLOADABLE_MAP_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY]);

/** Whether a record stands for the kernel's answer: not for struct_ops maps (their info names vmlinux's BTF id too). */
export function needsDescriptor(map: IteratedMap, hostOps: ReadonlyMap<number, bigint>): boolean {
  const type = map.info.type ?? 0;
  if (type === BPF_MAP_TYPE_STRUCT_OPS) return true;
  const ops = hostOps.get(type);
  return OFFLOADABLE_MAP_TYPES.has(type) && ops !== map.ops;
}
