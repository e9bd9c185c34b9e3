// Encoders of union bpf_attr: one small function per command, building the exact bytes the kernel reads.

import { BPF_OBJ_NAME_LEN } from "bpftypes";
import { getU32, HOST_LITTLE_ENDIAN, putU32, putU64, viewOf } from "./bytes.js";
import {
  type KeepAlive,
  writeArrayRef,
  writeBufferRef,
  writeSizedPointer,
  writeStringPointer,
  cString,
} from "./memory.js";

/**
 * `sizeof(union bpf_attr)` in Linux 7.1 (read from its BTF; 6.18 has the same size). Every attr
 * this layer passes is this long and zero past the fields it sets: a kernel that knows a smaller
 * union accepts it because the tail is zero, and one that knows a larger union zero-fills the rest.
 */
export const BPF_ATTR_SIZE = 168;

/** One field of `union bpf_attr`: byte offset and size. */
export interface AttrField {
  /** Byte offset from the start of the union. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * A group of fields one command reads, and where they live in `union bpf_attr`: `member` names the
 * union member (`"info"`, `"link_create"`), or is `null` for one of its anonymous structs.
 */
export interface AttrGroup {
  /** The union member's name, `null` for an anonymous struct. */
  readonly member: string | null;
  /** The fields by kernel name. */
  readonly fields: Readonly<Record<string, AttrField>>;
}

const u32 = (offset: number): AttrField => ({ offset, size: 4 });
const u64 = (offset: number): AttrField => ({ offset, size: 8 });
const bytes = (offset: number, size: number): AttrField => ({ offset, size });

/**
 * Every `union bpf_attr` field this layer reads or writes, by command group, with the kernel's
 * field names. A test checks each entry against the running kernel's BTF.
 */
export const ATTR_LAYOUT = {
  /** BPF_MAP_CREATE. */
  mapCreate: {
    member: null,
    fields: {
      map_type: u32(0),
      key_size: u32(4),
      value_size: u32(8),
      max_entries: u32(12),
      map_flags: u32(16),
      inner_map_fd: u32(20),
      numa_node: u32(24),
      map_name: bytes(28, BPF_OBJ_NAME_LEN),
      map_ifindex: u32(44),
      btf_fd: u32(48),
      btf_key_type_id: u32(52),
      btf_value_type_id: u32(56),
      btf_vmlinux_value_type_id: u32(60),
      map_extra: u64(64),
    },
  },
  /** BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY. */
  mapElem: {
    member: null,
    fields: { map_fd: u32(0), key: u64(8), value: u64(16), next_key: u64(16), flags: u64(24) },
  },
  /** BPF_PROG_LOAD. */
  progLoad: {
    member: null,
    fields: {
      prog_type: u32(0),
      insn_cnt: u32(4),
      insns: u64(8),
      license: u64(16),
      log_level: u32(24),
      log_size: u32(28),
      log_buf: u64(32),
      kern_version: u32(40),
      prog_flags: u32(44),
      prog_name: bytes(48, BPF_OBJ_NAME_LEN),
      prog_ifindex: u32(64),
      expected_attach_type: u32(68),
      prog_btf_fd: u32(72),
      func_info_rec_size: u32(76),
      func_info: u64(80),
      func_info_cnt: u32(88),
      line_info_rec_size: u32(92),
      line_info: u64(96),
      line_info_cnt: u32(104),
      attach_btf_id: u32(108),
      attach_prog_fd: u32(112),
      log_true_size: u32(140),
    },
  },
  /** BPF_OBJ_PIN, BPF_OBJ_GET. */
  objPin: {
    member: null,
    fields: { pathname: u64(0), bpf_fd: u32(8), file_flags: u32(12) },
  },
  /** BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID: the id fields share offset 0. */
  getId: {
    member: null,
    fields: {
      start_id: u32(0),
      prog_id: u32(0),
      map_id: u32(0),
      btf_id: u32(0),
      link_id: u32(0),
      next_id: u32(4),
      open_flags: u32(8),
    },
  },
  /** BPF_OBJ_GET_INFO_BY_FD. */
  info: {
    member: "info",
    fields: { bpf_fd: u32(0), info_len: u32(4), info: u64(8) },
  },
  /** BPF_BTF_LOAD. */
  btfLoad: {
    member: null,
    fields: {
      btf: u64(0),
      btf_log_buf: u64(8),
      btf_size: u32(16),
      btf_log_size: u32(20),
      btf_log_level: u32(24),
      btf_log_true_size: u32(28),
    },
  },
  /** BPF_LINK_CREATE (the fields common to every link type). */
  linkCreate: {
    member: "link_create",
    fields: { prog_fd: u32(0), target_fd: u32(4), target_ifindex: u32(4), attach_type: u32(8), flags: u32(12) },
  },
  /** BPF_ITER_CREATE. */
  iterCreate: {
    member: "iter_create",
    fields: { link_fd: u32(0), flags: u32(4) },
  },
  /** BPF_ENABLE_STATS. */
  enableStats: {
    member: "enable_stats",
    fields: { type: u32(0) },
  },
} as const satisfies Record<string, AttrGroup>;

const L = ATTR_LAYOUT;

/** A zeroed attr of {@link BPF_ATTR_SIZE} bytes. */
export function newAttr(): Uint8Array {
  return new Uint8Array(BPF_ATTR_SIZE);
}

function set32(attr: Uint8Array, field: AttrField, value: number | undefined): void {
  if (value !== undefined) putU32(attr, field.offset, value);
}

/** Characters the kernel accepts in an object name (`bpf_obj_name_cpy`). */
const NAME_CHARS = /^[A-Za-z0-9_.]*$/;

/**
 * Writes an object name into a fixed `char[BPF_OBJ_NAME_LEN]` field: at most 15 characters of
 * letters, digits, `_` and `.`, which is what the kernel accepts; anything else throws here, before
 * the call, instead of failing with a bare EINVAL.
 */
export function writeObjectName(attr: Uint8Array, field: AttrField, name: string): void {
  if (name.length > field.size - 1) {
    throw new RangeError(`naming a bpf object: ${JSON.stringify(name)} is longer than ${field.size - 1} characters`);
  }
  if (!NAME_CHARS.test(name)) {
    throw new RangeError(`naming a bpf object: ${JSON.stringify(name)} has characters other than letters, digits, "_" and "."`);
  }
  for (let i = 0; i < name.length; i++) attr[field.offset + i] = name.charCodeAt(i);
}

/** The fields of a BPF_MAP_CREATE attr (kernel names in camel case). */
export interface MapCreateAttrInit {
  /** `map_type`: `BPF_MAP_TYPE_*`. */
  readonly mapType: number;
  /** `key_size` in bytes. */
  readonly keySize: number;
  /** `value_size` in bytes. */
  readonly valueSize: number;
  /** `max_entries`. */
  readonly maxEntries: number;
  /** `map_flags`: `BPF_F_*`. */
  readonly mapFlags?: number;
  /** `inner_map_fd`: the template map of a map-in-map. */
  readonly innerMapFd?: number;
  /** `numa_node`, read with `BPF_F_NUMA_NODE`. */
  readonly numaNode?: number;
  /** `map_name`: up to 15 letters, digits, `_` or `.`. */
  readonly name?: string;
  /** `map_ifindex`: the device of an offloaded map. */
  readonly mapIfindex?: number;
  /** `btf_fd`: a BTF object describing key and value. */
  readonly btfFd?: number;
  /** `btf_key_type_id`. */
  readonly btfKeyTypeId?: number;
  /** `btf_value_type_id`. */
  readonly btfValueTypeId?: number;
  /** `btf_vmlinux_value_type_id` (struct_ops maps). */
  readonly btfVmlinuxValueTypeId?: number;
  /** Type-specific extra (bloom filter: hash count; arena: address hint). Linux 5.16+. */
  readonly mapExtra?: bigint;
}

/** Builds a BPF_MAP_CREATE attr. */
export function mapCreateAttr(init: MapCreateAttrInit): Uint8Array {
  const attr = newAttr();
  const f = L.mapCreate.fields;
  set32(attr, f.map_type, init.mapType);
  set32(attr, f.key_size, init.keySize);
  set32(attr, f.value_size, init.valueSize);
  set32(attr, f.max_entries, init.maxEntries);
  set32(attr, f.map_flags, init.mapFlags);
  set32(attr, f.inner_map_fd, init.innerMapFd);
  set32(attr, f.numa_node, init.numaNode);
  if (init.name !== undefined) writeObjectName(attr, f.map_name, init.name);
  set32(attr, f.map_ifindex, init.mapIfindex);
  set32(attr, f.btf_fd, init.btfFd);
  set32(attr, f.btf_key_type_id, init.btfKeyTypeId);
  set32(attr, f.btf_value_type_id, init.btfValueTypeId);
  set32(attr, f.btf_vmlinux_value_type_id, init.btfVmlinuxValueTypeId);
  if (init.mapExtra !== undefined) putU64(attr, f.map_extra.offset, init.mapExtra);
  return attr;
}

/** A key or value buffer with the size the kernel will use for it (the map's key or value size). */
export interface SizedBuffer {
  /** The bytes, `null` for none. */
  readonly buffer: Uint8Array | null;
  /** How many bytes the kernel will read or write through the pointer. */
  readonly size: number;
}

/**
 * Builds an attr for the element commands (lookup, update, delete, get-next-key). `value` is the
 * value pointer, or the next-key pointer for BPF_MAP_GET_NEXT_KEY (they share the field). Each
 * buffer must be exactly its `size`.
 */
export function mapElemAttr(
  mapFd: number,
  key: SizedBuffer,
  value: SizedBuffer | null,
  flags: bigint,
  keep: KeepAlive,
): Uint8Array {
  const attr = newAttr();
  const f = L.mapElem.fields;
  putU32(attr, f.map_fd.offset, mapFd);
  writeSizedPointer(attr, f.key.offset, key.buffer, key.size, keep, "a map key");
  if (value) writeSizedPointer(attr, f.value.offset, value.buffer, value.size, keep, "a map value");
  putU64(attr, f.flags.offset, flags);
  return attr;
}

/** Size of one `struct bpf_insn`. */
export const BPF_INSN_SIZE = 8;

/** An array of fixed-size records (func info, line info) and the record size the kernel is told. */
export interface RecordArray {
  /** The records, back to back: their count is `records.byteLength / recordSize`. */
  readonly records: Uint8Array;
  /** Bytes per record, as the kernel is told (`func_info_rec_size` ...). */
  readonly recordSize: number;
}

/** The fields of a BPF_PROG_LOAD attr (kernel names in camel case). */
export interface ProgLoadAttrInit {
  /** `prog_type`: `BPF_PROG_TYPE_*`. */
  readonly progType: number;
  /** The instructions, 8 bytes each: `insn_cnt` is their count. */
  readonly insns: Uint8Array;
  /** `license`, passed as a NUL-terminated string. */
  readonly license: string;
  /** `log_level`: a bit mask of verifier log levels. */
  readonly logLevel?: number;
  /** The verifier log buffer: `log_size` is its length. */
  readonly logBuf?: Uint8Array | null;
  /** `kern_version` (kprobes on kernels before 5.0). */
  readonly kernVersion?: number;
  /** `prog_flags`: `BPF_F_*` load flags. */
  readonly progFlags?: number;
  /** `prog_name`: up to 15 letters, digits, `_` or `.`. */
  readonly name?: string;
  /** `prog_ifindex`: the device of an offloaded program. */
  readonly progIfindex?: number;
  /** `expected_attach_type`: `BPF_*` attach type. */
  readonly expectedAttachType?: number;
  /** `prog_btf_fd`: the BTF object for func and line info. */
  readonly progBtfFd?: number;
  /** `func_info`, `func_info_cnt` and `func_info_rec_size`, from the records. */
  readonly funcInfo?: RecordArray;
  /** `line_info`, `line_info_cnt` and `line_info_rec_size`, from the records. */
  readonly lineInfo?: RecordArray;
  /** `attach_btf_id`. */
  readonly attachBtfId?: number;
  /** `attach_prog_fd`. */
  readonly attachProgFd?: number;
}

/** Builds a BPF_PROG_LOAD attr. Pointers to the instructions, license, log and records go into `keep`. */
export function progLoadAttr(init: ProgLoadAttrInit, keep: KeepAlive): Uint8Array {
  const attr = newAttr();
  const f = L.progLoad.fields;
  set32(attr, f.prog_type, init.progType);
  writeArrayRef(attr, { pointer: f.insns.offset, count: f.insn_cnt.offset }, init.insns, BPF_INSN_SIZE, keep);
  writeStringPointer(attr, f.license.offset, cString(init.license), keep);
  set32(attr, f.log_level, init.logLevel);
  if (init.logBuf) writeBufferRef(attr, { pointer: f.log_buf.offset, length: f.log_size.offset }, init.logBuf, keep);
  set32(attr, f.kern_version, init.kernVersion);
  set32(attr, f.prog_flags, init.progFlags);
  if (init.name !== undefined) writeObjectName(attr, f.prog_name, init.name);
  set32(attr, f.prog_ifindex, init.progIfindex);
  set32(attr, f.expected_attach_type, init.expectedAttachType);
  set32(attr, f.prog_btf_fd, init.progBtfFd);
  if (init.funcInfo) {
    set32(attr, f.func_info_rec_size, init.funcInfo.recordSize);
    const fields = { pointer: f.func_info.offset, count: f.func_info_cnt.offset };
    writeArrayRef(attr, fields, init.funcInfo.records, init.funcInfo.recordSize, keep);
  }
  if (init.lineInfo) {
    set32(attr, f.line_info_rec_size, init.lineInfo.recordSize);
    const fields = { pointer: f.line_info.offset, count: f.line_info_cnt.offset };
    writeArrayRef(attr, fields, init.lineInfo.records, init.lineInfo.recordSize, keep);
  }
  set32(attr, f.attach_btf_id, init.attachBtfId);
  set32(attr, f.attach_prog_fd, init.attachProgFd);
  return attr;
}

/** The full length of the verifier log the kernel wanted to write (`log_true_size`, Linux 6.4+; 0 before). */
export function readLogTrueSize(attr: Uint8Array): number {
  return getU32(attr, L.progLoad.fields.log_true_size.offset);
}

/** Builds a BPF_OBJ_PIN (with `fd`) or BPF_OBJ_GET (`fd` 0, with `fileFlags`) attr. */
export function objPinAttr(path: string, fd: number, fileFlags: number, keep: KeepAlive): Uint8Array {
  const attr = newAttr();
  const f = L.objPin.fields;
  writeStringPointer(attr, f.pathname.offset, cString(path), keep);
  putU32(attr, f.bpf_fd.offset, fd);
  putU32(attr, f.file_flags.offset, fileFlags);
  return attr;
}

/**
 * Builds an attr for BPF_*_GET_NEXT_ID (`id` is `start_id`) or BPF_*_GET_FD_BY_ID (`id` is the
 * object's id, with `openFlags`): the id fields share offset 0.
 */
export function getIdAttr(id: number, openFlags = 0): Uint8Array {
  const attr = newAttr();
  putU32(attr, L.getId.fields.start_id.offset, id);
  putU32(attr, L.getId.fields.open_flags.offset, openFlags);
  return attr;
}

/**
 * An attr for the id commands that a loop over thousands of ids reuses. The id goes in and the
 * next id comes out through one DataView made with it: a view made per call, as `putU32` and
 * `getU32` do, cost ~1 µs per object opened by id in a short-lived process, a tenth of reading a
 * map's fdinfo.
 */
export class IdAttr {
  /** The attr itself, to pass to bpf(2). */
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  /** `openFlags`: `BPF_F_RDONLY`/`BPF_F_WRONLY` when opening maps, else 0. */
  constructor(openFlags = 0) {
    this.bytes = getIdAttr(0, openFlags);
    this.#view = viewOf(this.bytes);
  }

  /** Sets `start_id`, which is also the id to open (one union field). Throws a RangeError for a number that is not a u32. */
  setId(id: number): void {
    if (id >>> 0 !== id) throw new RangeError(`${id} is not an unsigned 32-bit integer`);
    this.#view.setUint32(L.getId.fields.start_id.offset, id, HOST_LITTLE_ENDIAN);
  }

  /** The `next_id` the kernel wrote back after BPF_*_GET_NEXT_ID. */
  nextId(): number {
    return this.#view.getUint32(L.getId.fields.next_id.offset, HOST_LITTLE_ENDIAN);
  }
}

/** The `next_id` the kernel wrote back after BPF_*_GET_NEXT_ID. */
export function readNextId(attr: Uint8Array): number {
  return getU32(attr, L.getId.fields.next_id.offset);
}

/** Builds a BPF_OBJ_GET_INFO_BY_FD attr: `info_len` is always `info.byteLength`. */
export function infoAttr(fd: number, info: Uint8Array, keep: KeepAlive): Uint8Array {
  const attr = newAttr();
  const f = L.info.fields;
  putU32(attr, f.bpf_fd.offset, fd);
  writeBufferRef(attr, { pointer: f.info.offset, length: f.info_len.offset }, info, keep);
  return attr;
}

/** The `info_len` the kernel wrote back: how many bytes of the info buffer it filled. */
export function readInfoLen(attr: Uint8Array): number {
  return getU32(attr, L.info.fields.info_len.offset);
}

/** Builds a BPF_BTF_LOAD attr: `btf_size` and `btf_log_size` come from their buffers. */
export function btfLoadAttr(btf: Uint8Array, log: Uint8Array | null, logLevel: number, keep: KeepAlive): Uint8Array {
  const attr = newAttr();
  const f = L.btfLoad.fields;
  writeBufferRef(attr, { pointer: f.btf.offset, length: f.btf_size.offset }, btf, keep);
  if (log) writeBufferRef(attr, { pointer: f.btf_log_buf.offset, length: f.btf_log_size.offset }, log, keep);
  putU32(attr, f.btf_log_level.offset, logLevel);
  return attr;
}

/** The fields of a BPF_LINK_CREATE attr common to every link type. */
export interface LinkCreateAttrInit {
  /** The program's descriptor number. */
  readonly progFd: number;
  /** `target_fd` or `target_ifindex` (one field): a cgroup fd, a device's ifindex ... */
  readonly target: number;
  /** `BPF_*` attach type. */
  readonly attachType: number;
  /** Attach-type-specific flags. */
  readonly flags?: number;
}

/** Builds a BPF_LINK_CREATE attr. */
export function linkCreateAttr(init: LinkCreateAttrInit): Uint8Array {
  const attr = newAttr();
  const f = L.linkCreate.fields;
  putU32(attr, f.prog_fd.offset, init.progFd);
  putU32(attr, f.target_fd.offset, init.target);
  putU32(attr, f.attach_type.offset, init.attachType);
  set32(attr, f.flags, init.flags);
  return attr;
}

/** Builds a BPF_ENABLE_STATS attr. */
export function enableStatsAttr(type: number): Uint8Array {
  const attr = newAttr();
  putU32(attr, L.enableStats.fields.type.offset, type);
  return attr;
}
