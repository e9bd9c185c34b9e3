// Maps: create, open, and the element commands (lookup, update, delete, next key) with sizes checked first.

import {
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
  BPF_MAP_TYPE_PERCPU_HASH,
  mapTypes,
} from "bpftypes";
import { decodeMapInfo, fieldOffset } from "bpftypes/codec";
import { ATTR_LAYOUT, mapCreateAttr, mapElemAttr, newAttr, type SizedBuffer } from "./attr.js";
import { putU32 } from "./bytes.js";
import { possibleCpuCount } from "./cpus.js";
import { isErrno } from "./errors.js";
import { BpfFd } from "./fd.js";
import { getFdById } from "./ids.js";
import type { KeepAlive } from "./memory.js";
import { getInfoRaw } from "./objinfo.js";
import { bpfCall } from "./syscall.js";

/**
 * The `flags` of the element commands, from an anonymous enum in linux/bpf.h that the generated
 * tables do not carry: `BPF_ANY` creates or replaces, `BPF_NOEXIST` only creates, `BPF_EXIST` only
 * replaces (for a queue or stack: push even when full, dropping the oldest), `BPF_F_LOCK` takes the
 * value's spin lock (Linux 5.1+).
 */
export const ElemFlags = { BPF_ANY: 0, BPF_NOEXIST: 1, BPF_EXIST: 2, BPF_F_LOCK: 4 } as const;

/** The shape of a map: what the element commands need to size their buffers. */
export interface MapShape {
  /** `BPF_MAP_TYPE_*`. */
  readonly mapType: number;
  /** Bytes in a key; 0 for maps without keys (queue, stack, bloom filter, ring buffer, arena). */
  readonly keySize: number;
  /** Bytes in a value (for per-CPU maps: in one CPU's slot). */
  readonly valueSize: number;
  /** The capacity; for a ring buffer its size in bytes, for an arena in pages. */
  readonly maxEntries: number;
  /** `BPF_F_*` map flags. */
  readonly mapFlags: number;
}

/** Map types whose values hold one slot per possible CPU. */
const PER_CPU_TYPES: ReadonlySet<number> = new Set([
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
]);

/** True for a map type whose value has one slot per possible CPU (`BPF_MAP_TYPE_PERCPU_HASH` ...). */
export function isPerCpuMapType(mapType: number): boolean {
  return PER_CPU_TYPES.has(mapType);
}

/** Set only while {@link makeMapFd} runs: the one way to construct a {@link MapFd}. */
let building = false;

/**
 * Builds a map handle. Only this module calls it, with a shape the kernel confirmed: the one it
 * created the map with, or the one it reported.
 */
function makeMapFd(fd: number, shape: MapShape): MapFd {
  building = true;
  try {
    return Reflect.construct(MapFd, [fd, shape]) as MapFd;
  } finally {
    building = false;
  }
}

/**
 * A descriptor for a map, with the map's shape, so element calls can check buffer sizes before the
 * call. Get one from {@link createMap}, {@link mapFromFd} or {@link mapFromId}: the shape sizes
 * the buffers the kernel writes into, so it always comes from the kernel, never from the caller
 * (a handle claiming 8-byte values on a map of 64-byte values would let a lookup write past its
 * buffer). The constructor throws when called from anywhere else, and the shape cannot be changed.
 */
export class MapFd extends BpfFd implements MapShape {
  readonly #mapType: number;
  readonly #keySize: number;
  readonly #valueSize: number;
  readonly #maxEntries: number;
  readonly #mapFlags: number;

  /** Not public: see the class. */
  private constructor(fd: number, shape: MapShape) {
    if (!building) throw new TypeError("constructing a MapFd: use createMap, mapFromFd or mapFromId, which take the map's shape from the kernel");
    super(fd, "map");
    this.#mapType = shape.mapType;
    this.#keySize = shape.keySize;
    this.#valueSize = shape.valueSize;
    this.#maxEntries = shape.maxEntries;
    this.#mapFlags = shape.mapFlags;
  }

  /** `BPF_MAP_TYPE_*`. */
  get mapType(): number {
    return this.#mapType;
  }

  /** Bytes in a key. */
  get keySize(): number {
    return this.#keySize;
  }

  /** Bytes in a value (one CPU's slot for per-CPU maps). */
  get valueSize(): number {
    return this.#valueSize;
  }

  /** The capacity. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /** `BPF_F_*` map flags. */
  get mapFlags(): number {
    return this.#mapFlags;
  }

  /**
   * The bytes a lookup or update moves for one value: `valueSize`, or for per-CPU maps one slot
   * per possible CPU, each rounded up to 8 bytes (`round_up(value_size, 8) * ncpus`).
   */
  get valueBufferSize(): number {
    return isPerCpuMapType(this.#mapType) ? Math.ceil(this.#valueSize / 8) * 8 * possibleCpuCount() : this.#valueSize;
  }
}

/** What to create a map from: the BPF_MAP_CREATE fields, with descriptors as handles. */
export interface CreateMapOptions {
  /** `BPF_MAP_TYPE_*`. */
  readonly mapType: number;
  /** Bytes in a key (0 for maps without keys). */
  readonly keySize: number;
  /** Bytes in a value. */
  readonly valueSize: number;
  /** The capacity (bytes for a ring buffer, pages for an arena). */
  readonly maxEntries: number;
  /** `BPF_F_*` map flags (`BPF_F_NO_PREALLOC`, `BPF_F_MMAPABLE` ...). */
  readonly mapFlags?: number;
  /** Up to 15 letters, digits, `_` or `.`. */
  readonly name?: string;
  /** The template map of a map-in-map (`array_of_maps`, `hash_of_maps`). */
  readonly innerMap?: BpfFd;
  /** The NUMA node, read when `BPF_F_NUMA_NODE` is set. */
  readonly numaNode?: number;
  /** For offloaded maps: the device's ifindex. */
  readonly mapIfindex?: number;
  /** A BTF object describing the key and value types. */
  readonly btf?: BpfFd;
  /** The key's type id in `btf`. */
  readonly btfKeyTypeId?: number;
  /** The value's type id in `btf`. */
  readonly btfValueTypeId?: number;
  /** For struct_ops maps: the value's type id in the kernel's BTF. */
  readonly btfVmlinuxValueTypeId?: number;
  /** Type-specific extra: the bloom filter's hash count, the arena's address hint (Linux 5.16+). */
  readonly mapExtra?: bigint;
}

/** Creates a map (BPF_MAP_CREATE). */
export function createMap(options: CreateMapOptions): MapFd {
  const attr = mapCreateAttr({
    mapType: options.mapType,
    keySize: options.keySize,
    valueSize: options.valueSize,
    maxEntries: options.maxEntries,
    mapFlags: options.mapFlags ?? 0,
    ...(options.name !== undefined && { name: options.name }),
    ...(options.innerMap && { innerMapFd: options.innerMap.fd }),
    ...(options.numaNode !== undefined && { numaNode: options.numaNode }),
    ...(options.mapIfindex !== undefined && { mapIfindex: options.mapIfindex }),
    ...(options.btf && { btfFd: options.btf.fd }),
    ...(options.btfKeyTypeId !== undefined && { btfKeyTypeId: options.btfKeyTypeId }),
    ...(options.btfValueTypeId !== undefined && { btfValueTypeId: options.btfValueTypeId }),
    ...(options.btfVmlinuxValueTypeId !== undefined && { btfVmlinuxValueTypeId: options.btfVmlinuxValueTypeId }),
    ...(options.mapExtra !== undefined && { mapExtra: options.mapExtra }),
  });
  const name = options.name ? ` ${JSON.stringify(options.name)}` : "";
  const doing = `creating ${mapTypes.shortName(options.mapType)} map${name}`;
  const fd = bpfCall("BPF_MAP_CREATE", attr, [], { doing });
  // The kernel made the map with exactly these sizes (it keeps the attr's key and value sizes).
  return makeMapFd(fd, {
    mapType: options.mapType,
    keySize: options.keySize,
    valueSize: options.valueSize,
    maxEntries: options.maxEntries,
    mapFlags: options.mapFlags ?? 0,
  });
}

/** Bytes of `bpf_map_info` a shape needs: through `map_flags`, which every kernel with ids (4.13) fills. */
const SHAPE_INFO_LENGTH = fieldOffset("bpf_map_info", "map_flags") + 4;

/** Reads a map's shape from the kernel (BPF_OBJ_GET_INFO_BY_FD). */
export function readMapShape(fd: BpfFd): MapShape {
  const info = new Uint8Array(SHAPE_INFO_LENGTH);
  const filled = getInfoRaw(fd, info);
  const { type, key_size, value_size, max_entries, map_flags } = decodeMapInfo(info, { length: filled });
  if (type === undefined || key_size === undefined || value_size === undefined || max_entries === undefined || map_flags === undefined) {
    throw new Error(`reading the shape of ${fd}: the kernel filled only ${filled} bytes`);
  }
  return { mapType: type, keySize: key_size, valueSize: value_size, maxEntries: max_entries, mapFlags: map_flags };
}

/**
 * Turns a map descriptor from elsewhere (by id, from a pin) into a {@link MapFd}, reading its shape
 * from the kernel. Takes over the descriptor: `fd` is released, not closed; on failure it is closed.
 */
export function mapFromFd(fd: BpfFd): MapFd {
  let shape: MapShape;
  try {
    shape = readMapShape(fd);
  } catch (error) {
    fd.close();
    throw error;
  }
  return makeMapFd(fd.release(), shape);
}

/** Opens the map with this id (throws ENOENT if there is none). */
export function mapFromId(id: number, openFlags = 0): MapFd {
  return mapFromFd(getFdById("map", id, openFlags));
}

function keyOf(map: MapFd, key: Uint8Array | null): SizedBuffer {
  return { buffer: key, size: map.keySize };
}

/** Options of {@link mapLookup}. */
export interface LookupOptions {
  /** Where to put the value (must be {@link MapFd.valueBufferSize} bytes); a new buffer if absent. */
  readonly into?: Uint8Array;
  /** `BPF_F_LOCK` for maps with a spin lock. */
  readonly flags?: number;
}

/**
 * Looks a key up (BPF_MAP_LOOKUP_ELEM): the value, or `undefined` if the key is absent. `key` must be
 * the map's key size (`null` for maps without keys: a queue or stack peeks, and a bloom filter
 * checks the value given in `into`). Per-CPU maps return one 8-byte-aligned slot per possible CPU.
 */
export function mapLookup(map: MapFd, key: Uint8Array | null, options: LookupOptions = {}): Uint8Array | undefined {
  const value = options.into ?? new Uint8Array(map.valueBufferSize);
  const keep: KeepAlive = [];
  const attr = mapElemAttr(map.fd, keyOf(map, key), { buffer: value, size: map.valueBufferSize }, BigInt(options.flags ?? 0), keep);
  try {
    bpfCall("BPF_MAP_LOOKUP_ELEM", attr, keep);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  return value;
}

/**
 * Sets a key's value (BPF_MAP_UPDATE_ELEM). `flags` is one of {@link ElemFlags} (`BPF_ANY`, the
 * default, `BPF_NOEXIST`, `BPF_EXIST`), maybe with `BPF_F_LOCK`. Sizes are checked before the call.
 */
export function mapUpdate(map: MapFd, key: Uint8Array | null, value: Uint8Array, flags: number = ElemFlags.BPF_ANY): void {
  const keep: KeepAlive = [];
  const attr = mapElemAttr(map.fd, keyOf(map, key), { buffer: value, size: map.valueBufferSize }, BigInt(flags), keep);
  bpfCall("BPF_MAP_UPDATE_ELEM", attr, keep);
}

/** Deletes a key (BPF_MAP_DELETE_ELEM): `true` if it was there, `false` if it was not (ENOENT). */
export function mapDelete(map: MapFd, key: Uint8Array | null): boolean {
  const keep: KeepAlive = [];
  const attr = mapElemAttr(map.fd, keyOf(map, key), null, 0n, keep);
  try {
    bpfCall("BPF_MAP_DELETE_ELEM", attr, keep);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return false;
    throw error;
  }
  return true;
}

/**
 * The key after `key` (BPF_MAP_GET_NEXT_KEY), or the first key for `null`; `undefined` after the
 * last one (ENOENT).
 */
export function mapNextKey(map: MapFd, key: Uint8Array | null): Uint8Array | undefined {
  const next = new Uint8Array(map.keySize);
  const keep: KeepAlive = [];
  // A null key asks for the first key whatever the key size, so it is passed as a 0-byte buffer.
  const current: SizedBuffer = key === null ? { buffer: null, size: 0 } : keyOf(map, key);
  const attr = mapElemAttr(map.fd, current, { buffer: next, size: map.keySize }, 0n, keep);
  try {
    bpfCall("BPF_MAP_GET_NEXT_KEY", attr, keep);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  return next;
}

/** Every key of a map, by repeated {@link mapNextKey} (a key deleted meanwhile may restart a hash walk). */
export function* mapKeys(map: MapFd): Generator<Uint8Array, void, undefined> {
  let key: Uint8Array | null = null;
  for (;;) {
    const next = mapNextKey(map, key);
    if (next === undefined) return;
    yield next;
    key = next;
  }
}

/**
 * Freezes a map (BPF_MAP_FREEZE, Linux 5.2): user space can no longer change it. A map created
 * with `BPF_F_RDONLY_PROG` and frozen is a constant the verifier knows, such as format strings.
 */
export function mapFreeze(map: BpfFd): void {
  const attr = newAttr();
  putU32(attr, ATTR_LAYOUT.mapElem.fields.map_fd.offset, map.fd);
  bpfCall("BPF_MAP_FREEZE", attr, [], { doing: "freezing a map" });
}
