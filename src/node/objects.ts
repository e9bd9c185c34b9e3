// Inspecting the kernel's programs, maps, links and BTF objects: walk them all or look one up, with decoded info and the facts bpftool adds.

import {
  decodeBtfInfo,
  decodeLinkInfo,
  decodeMapInfo,
  decodeProgInfo,
  fieldOffset,
  infoLayouts,
  type BtfInfo,
  type Decoded,
  type LinkInfo,
  type MapInfo,
  type ProgInfo,
} from "bpftypes/codec";
import { BPF_LINK_TYPE_ITER, BPF_LINK_TYPE_PERF_EVENT, BPF_LINK_TYPE_RAW_TRACEPOINT, BPF_LINK_TYPE_TRACING, BPF_LINK_TYPE_UPROBE_MULTI, BPF_MAP_TYPE_PROG_ARRAY, BPF_OBJ_NAME_LEN } from "bpftypes";
import { parseBtf, type Btf } from "bpftypes/btf";
import { bootNsToEpochMs } from "./boot-time.js";
import { getU32, HOST_LITTLE_ENDIAN, putU32, putU64, textUntilNul } from "./bytes.js";
import { ATTR_LAYOUT, newAttr } from "./attr.js";
import { isErrno } from "./errors.js";
import { BpfFd, type BpfFdKind } from "./fd.js";
import { FdinfoReader } from "./fdinfo.js";
import { allIds, getFdById, IdOpener, tryGetFdById, type IdKind } from "./ids.js";
import { type KeepAlive, writeArrayRef, writeBufferRef } from "./memory.js";
import { getBtfBytes, getInfoRaw } from "./objinfo.js";
import { getPinned } from "./pin.js";
import { bpfCall } from "./syscall.js";
import { isIteratorObject, iterateMaps, iteratePrograms, printMaps, printPrograms, type WalkMethod } from "./iter/listing.js";
import type { TextPiece } from "./iter/print.js";

/** A program as bpftool shows it: the decoded `bpf_prog_info` and the facts found beyond it. */
export interface ProgramDetails {
  /** The program's id. */
  readonly id: number;
  /**
   * `bpf_prog_info` as the kernel filled it (fields an older kernel does not fill are absent). Its
   * pointer fields (`map_ids`, `func_info` ...) read 0: the arrays they point to are given as `mapIds`
   * and `name`.
   */
  readonly info: Decoded<ProgInfo>;
  /**
   * The program's name in full: the kernel keeps 15 bytes, so a longer name is read from the
   * program's BTF (the name of its first function), as bpftool does; else `info.name`.
   */
  readonly name: string;
  /** Ids of the maps the program uses (empty when not asked for). */
  readonly mapIds: readonly number[];
  /** When the program was loaded, in milliseconds since the Unix epoch; `undefined` when the kernel does not say (before 4.15). */
  readonly loadedAt: number | undefined;
  /** The memory charged for the program, from fdinfo `memlock`; `undefined` when not read or not shown. */
  readonly bytesMemlock: number | undefined;
  /**
   * True for an offloaded program whose device is gone: the kernel then answers ENODEV and tells
   * nothing but its id (bpftool's "orphaned").
   */
  readonly orphaned: boolean;
}

/** A map as bpftool shows it: the decoded `bpf_map_info` and the fdinfo facts. */
export interface MapDetails {
  /** The map's id. */
  readonly id: number;
  /** `bpf_map_info` as the kernel filled it. */
  readonly info: Decoded<MapInfo>;
  /** The memory charged for the map (fdinfo `memlock`); `undefined` when not read. */
  readonly bytesMemlock: number | undefined;
  /** Whether user space can no longer change the map (BPF_MAP_FREEZE, fdinfo `frozen`, Linux 5.2); `undefined` when not read or not shown. */
  readonly frozen: boolean | undefined;
  /**
   * For a program array, the type of program that owns it (the first program that used it for tail
   * calls, fdinfo `owner_prog_type`); `undefined` for other maps and for an unowned array.
   */
  readonly ownerProgType: number | undefined;
  /** For an owned program array, whether its owner is JIT-compiled (fdinfo `owner_jited`). */
  readonly ownerJited: boolean | undefined;
}

/** A link as bpftool shows it: the decoded `bpf_link_info` and the strings its arm points to. */
export interface LinkDetails {
  /** The link's id. */
  readonly id: number;
  /** `bpf_link_info`, the arm of its type decoded. Its string pointers read 0: the strings are in `strings`. */
  readonly info: Decoded<LinkInfo>;
  /**
   * The text the link's arm points to, fetched in a second call: the tracepoint name of a
   * raw_tracepoint link (`tp_name`), an iterator's `target_name`, a perf-event link's function
   * (`func_name`), file (`file_name`) or tracepoint (`tp_name`), a uprobe_multi link's `path`.
   */
  readonly strings: Readonly<Record<string, string>>;
  /** For a tracing link: the type of the attached program (bpftool prints it); else `undefined`. */
  readonly progType: number | undefined;
}

/** A BTF object as bpftool shows it. */
export interface BtfDetails {
  /** The BTF object's id. */
  readonly id: number;
  /** `bpf_btf_info` as the kernel filled it (its `name` pointer reads 0: the name is `name`). */
  readonly info: Decoded<BtfInfo>;
  /** The object's name: `vmlinux` or a module's name for the kernel's BTF, usually `""` otherwise (Linux 5.11+). */
  readonly name: string;
  /** True for the kernel's own BTF (vmlinux or a module), false for BTF that user space loaded. */
  readonly kernel: boolean;
  /** Bytes of the raw BTF. */
  readonly size: number;
}

/** What to fetch about each program beyond its info (everything by default; turn off what a caller does not need). */
export interface ProgramOptions {
  /** Read a cut name in full from the program's BTF (one BTF fetch per BTF object, cached for a walk). */
  readonly fullName?: boolean;
  /** Read the memory charged (`bytesMemlock`) from fdinfo. */
  readonly fdinfo?: boolean;
  /** Collect the map ids. */
  readonly mapIds?: boolean;
  /**
   * How a walk reads the programs (look-ups by id, fd or pin always use a descriptor): `"iterator"`
   * runs one BPF iterator program that reports every program at once (little-endian Linux 6.0+
   * with BTF, as root, in the initial user namespace), `"descriptors"` opens each program by id,
   * and `"auto"` (the default) uses the iterator when there are {@link iteratorFrom} programs or
   * more (below that, loading it costs more than it saves) and the kernel allows it.
   */
  readonly via?: WalkMethod;
  /** From how many objects `"auto"` walks through the iterator (default 1024, measured on this project's machine). */
  readonly iteratorFrom?: number;
}

/** What to fetch about each map beyond its info. */
export interface MapOptions {
  /** Read `bytesMemlock`, `frozen` and a program array's owner from fdinfo. */
  readonly fdinfo?: boolean;
  /**
   * How a walk reads the maps: `"iterator"` runs one BPF iterator program that reports every map's
   * info at once (each map is still opened for its fdinfo, unless `fdinfo` is false),
   * `"descriptors"` opens each map by id and asks for its info, `"auto"` (the default) uses the
   * iterator only without fdinfo and for {@link iteratorFrom} maps or more, where it saves opening
   * them.
   */
  readonly via?: WalkMethod;
  /** From how many objects `"auto"` walks through the iterator (default 1024). */
  readonly iteratorFrom?: number;
}

/** What to fetch about each link beyond its info. */
export interface LinkOptions {
  /** Fetch the strings the link's arm points to (a second info call for the types that have some). */
  readonly strings?: boolean;
  /** For tracing links, open the attached program to read its type. */
  readonly progType?: boolean;
}

/** What to fetch about each BTF object beyond its info. */
export interface BtfOptions {
  /** Fetch the object's name (in the same info call; turning it off saves nothing but a copy). */
  readonly name?: boolean;
}

// Offsets of the fields this module writes into info requests, from the generated layouts.
const PROG = {
  size: infoLayouts.bpf_prog_info.size,
  nrMapIds: fieldOffset("bpf_prog_info", "nr_map_ids"),
  mapIds: fieldOffset("bpf_prog_info", "map_ids"),
  funcInfoRecSize: fieldOffset("bpf_prog_info", "func_info_rec_size"),
  funcInfo: fieldOffset("bpf_prog_info", "func_info"),
  nrFuncInfo: fieldOffset("bpf_prog_info", "nr_func_info"),
} as const;
const MAP_SIZE = infoLayouts.bpf_map_info.size;
const LINK_SIZE = infoLayouts.bpf_link_info.size;
const BTF = {
  size: infoLayouts.bpf_btf_info.size,
  name: fieldOffset("bpf_btf_info", "name"),
  nameLen: fieldOffset("bpf_btf_info", "name_len"),
} as const;

/** `sizeof(struct bpf_func_info)`. */
const FUNC_INFO_SIZE = 8;
/** Map ids fetched in the first info call; a program using more costs a second call. */
const MAP_IDS_AT_ONCE = 64;
/** bpftool's MAX_PROG_FULL_NAME: a full name is cut to 127 characters. */
const MAX_FULL_NAME = 127;

/**
 * The string fields of each link arm that point to a buffer: the pointer field and its length field
 * (dotted paths in `bpf_link_info`), by link type. The length field says, after a first call, how
 * big a buffer the second call needs.
 */
const LINK_STRINGS: ReadonlyMap<number, readonly (readonly [key: string, pointer: string, length: string])[]> = new Map([
  [BPF_LINK_TYPE_RAW_TRACEPOINT, [["tp_name", "raw_tracepoint.tp_name", "raw_tracepoint.tp_name_len"]]],
  [BPF_LINK_TYPE_ITER, [["target_name", "iter.target_name", "iter.target_name_len"]]],
  [BPF_LINK_TYPE_UPROBE_MULTI, [["path", "uprobe_multi.path", "uprobe_multi.path_size"]]],
]);

/** perf_event variants that point to a string, by `perf_event.type` (`bpf_perf_event_type`). */
const PERF_STRINGS: ReadonlyMap<number, readonly [key: string, pointer: string, length: string]> = new Map([
  [1, ["file_name", "perf_event.uprobe.file_name", "perf_event.uprobe.name_len"]],
  [2, ["file_name", "perf_event.uprobe.file_name", "perf_event.uprobe.name_len"]],
  [3, ["func_name", "perf_event.kprobe.func_name", "perf_event.kprobe.name_len"]],
  [4, ["func_name", "perf_event.kprobe.func_name", "perf_event.kprobe.name_len"]],
  [5, ["tp_name", "perf_event.tracepoint.tp_name", "perf_event.tracepoint.name_len"]],
]);

const PERF_TYPE_OFFSET = fieldOffset("bpf_link_info", "perf_event.type");


/**
 * One BPF_OBJ_GET_INFO_BY_FD request built once and replayed: the info buffer's starting bytes
 * (zeros, plus any pointers to arrays the kernel should fill) and the attr pointing at it are
 * written once through the memory module, copied, and restored before every call, because the
 * kernel overwrites both. Every length the kernel sees still comes from the buffer it describes,
 * and a walk allocates nothing per object for its info calls.
 */
class InfoRequest {
  /** The buffer the kernel fills. */
  readonly info: Uint8Array;
  /** A view of `info`, for reading and clearing fields after a call. */
  readonly view: DataView;
  readonly #request: Uint8Array;
  readonly #attr = newAttr();
  readonly #attrView = new DataView(this.#attr.buffer, this.#attr.byteOffset, this.#attr.byteLength);
  readonly #attrRequest: Uint8Array;
  readonly #buffers: readonly Uint8Array[];
  readonly #keep: KeepAlive = [];

  /** A request for `size` bytes; `prepare` writes the pointers the request carries (through the memory module). */
  constructor(size: number, prepare?: (info: Uint8Array, keep: KeepAlive) => void) {
    this.info = new Uint8Array(size);
    this.view = new DataView(this.info.buffer, this.info.byteOffset, this.info.byteLength);
    const arrays: KeepAlive = [];
    prepare?.(this.info, arrays);
    this.#buffers = [this.info, ...arrays];
    this.#request = this.info.slice();
    writeBufferRef(this.#attr, INFO_REF, this.info, []);
    this.#attrRequest = this.#attr.slice();
  }

  /** Asks about the object behind `fd`; returns the `info_len` the kernel filled. */
  call(fd: BpfFd): number {
    this.info.set(this.#request);
    this.#attr.set(this.#attrRequest);
    this.#attrView.setUint32(INFO_ATTR.bpf_fd.offset, fd.fd, HOST_LITTLE_ENDIAN);
    const keep = this.#keep;
    for (const buffer of this.#buffers) keep.push(buffer);
    bpfCall("BPF_OBJ_GET_INFO_BY_FD", this.#attr, keep, { doing: INFO_DOING[fd.kind] });
    return this.#attrView.getUint32(INFO_ATTR.info_len.offset, HOST_LITTLE_ENDIAN);
  }

  /** Sets a u64 field of `info` to 0 (a pointer to this library's buffer, which is no fact about the object). */
  clearPointer(offset: number): void {
    this.view.setBigUint64(offset, 0n, HOST_LITTLE_ENDIAN);
  }
}

/**
 * Reads objects through descriptors with reusable buffers and caches (the BTF of programs whose
 * names were cut, the fdinfo buffer). One serves a whole walk; nothing in it is tied to one object.
 * Between calls it may keep one /proc file open (see {@link FdinfoReader}): {@link release} it, or
 * declare the inspector with `using`, when done.
 */
export class Inspector implements Disposable {
  readonly #fdinfo = new FdinfoReader();
  readonly #mapIds = new Uint8Array(MAP_IDS_AT_ONCE * 4);
  readonly #funcInfo = new Uint8Array(FUNC_INFO_SIZE);
  readonly #btfName = new Uint8Array(64);
  // One call per program fetches the counts, the first map ids and the first func_info record together.
  readonly #prog = new InfoRequest(PROG.size, (info, keep) => {
    writeArrayRef(info, { pointer: PROG.mapIds, count: PROG.nrMapIds }, this.#mapIds, 4, keep);
    putU32(info, PROG.funcInfoRecSize, FUNC_INFO_SIZE);
    writeArrayRef(info, { pointer: PROG.funcInfo, count: PROG.nrFuncInfo }, this.#funcInfo, FUNC_INFO_SIZE, keep);
  });
  // Kernels before 5.0 know no func_info and refuse a request that sets it (E2BIG): this one does not.
  #progOld: InfoRequest | undefined;
  readonly #map = new InfoRequest(MAP_SIZE);
  readonly #link = new InfoRequest(LINK_SIZE);
  readonly #btf = new InfoRequest(BTF.size, (info, keep) => writeBufferRef(info, { pointer: BTF.name, length: BTF.nameLen }, this.#btfName, keep));
  // Kernels before 5.11 know no BTF names and refuse a request that asks for one.
  #btfOld: InfoRequest | undefined;
  readonly #btfs = new Map<number, Btf | null>();

  /** Closes the /proc file kept open between reads, if any. The inspector stays usable. */
  release(): void {
    this.#fdinfo.release();
  }

  /** Same as {@link release}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** Reads a program. `id` is used when the kernel answers ENODEV (an orphaned program tells nothing). */
  program(fd: BpfFd, options: ProgramOptions = {}, id = 0): ProgramDetails {
    const request = this.#progOld ?? this.#prog;
    let length: number;
    try {
      length = request.call(fd);
    } catch (error) {
      if (isErrno(error, "E2BIG") && !this.#progOld) {
        this.#progOld = new InfoRequest(PROG.size, (info, keep) => writeArrayRef(info, { pointer: PROG.mapIds, count: PROG.nrMapIds }, this.#mapIds, 4, keep));
        return this.program(fd, options, id);
      }
      if (!isErrno(error, "ENODEV")) throw error;
      const orphan = decodeProgInfo(new Uint8Array(PROG.size), { length: 0 });
      return { id, info: orphan, name: "", mapIds: [], loadedAt: undefined, bytesMemlock: undefined, orphaned: true };
    }
    const hasFuncInfo = request === this.#prog;
    request.clearPointer(PROG.mapIds);
    if (hasFuncInfo) request.clearPointer(PROG.funcInfo);
    const decoded = decodeProgInfo(request.info, { length });
    let mapIds: readonly number[] = [];
    const count = decoded.nr_map_ids ?? 0;
    if (options.mapIds !== false && count > 0) mapIds = count <= MAP_IDS_AT_ONCE ? this.#u32s(this.#mapIds, count) : this.#allMapIds(fd, count);
    let name = decoded.name ?? "";
    if (options.fullName !== false && hasFuncInfo && name.length >= BPF_OBJ_NAME_LEN - 1 && (decoded.btf_id ?? 0) !== 0 && (decoded.nr_func_info ?? 0) > 0) {
      name = this.functionName(decoded.btf_id!, getU32(this.#funcInfo, 4)) ?? name;
    }
    const loadTime = decoded.load_time;
    return {
      id: decoded.id ?? id,
      info: decoded,
      name,
      mapIds,
      loadedAt: loadTime === undefined || loadTime === 0n ? undefined : bootNsToEpochMs(loadTime),
      bytesMemlock: options.fdinfo === false ? undefined : this.#fdinfo.load(fd).number("memlock"),
      orphaned: false,
    };
  }

  #u32s(buffer: Uint8Array, count: number): number[] {
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = getU32(buffer, i * 4);
    return out;
  }

  /** Every map id of a program using more maps than the first call fetched. */
  #allMapIds(fd: BpfFd, count: number): number[] {
    const info = new Uint8Array(PROG.size);
    const ids = new Uint8Array(count * 4);
    const keep: KeepAlive = [];
    writeArrayRef(info, { pointer: PROG.mapIds, count: PROG.nrMapIds }, ids, 4, keep);
    getInfoRaw(fd, info, keep);
    // Maps cannot be added to a loaded program, so the count does not grow in between.
    return this.#u32s(ids, Math.min(count, getU32(info, PROG.nrMapIds)));
  }

  /**
   * The name of BTF type `typeId` (a `func`) in BTF object `btfId`, cut to bpftool's 127 characters:
   * the full name of a program whose name the kernel cut. Each BTF object is fetched and parsed once
   * per inspector.
   */
  functionName(btfId: number, typeId: number): string | undefined {
    let btf = this.#btfs.get(btfId);
    if (btf === undefined) {
      btf = null;
      try {
        btf = byId("btf", btfId, (fd) => parseBtf(getBtfBytes(fd)));
      } catch (error) {
        // Gone meanwhile, or BTF this parser cannot read on its own (split module BTF): keep the cut name.
        if (!isErrno(error, "ENOENT") && !(error instanceof Error && error.name === "BtfError")) throw error;
      }
      this.#btfs.set(btfId, btf);
    }
    if (!btf) return undefined;
    try {
      const type = btf.type(typeId);
      return type.kind === "func" && type.name !== "" ? type.name.slice(0, MAX_FULL_NAME) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Reads a map. */
  map(fd: BpfFd, options: MapOptions = {}): MapDetails {
    const length = this.#map.call(fd);
    return this.mapFromInfo(fd, decodeMapInfo(this.#map.info, { length }), options);
  }

  /** Reads a map whose `bpf_map_info` is already known (from an iterator): only its fdinfo is read. */
  mapFromInfo(fd: BpfFd, decoded: Decoded<MapInfo>, options: MapOptions = {}): MapDetails {
    if (options.fdinfo === false) return mapDetailsOf(decoded);
    const fdinfo = this.#fdinfo.load(fd);
    const frozen = fdinfo.number("frozen");
    let ownerProgType: number | undefined;
    let ownerJited: number | undefined;
    if (decoded.type === BPF_MAP_TYPE_PROG_ARRAY) {
      ownerProgType = fdinfo.number("owner_prog_type");
      ownerJited = fdinfo.number("owner_jited");
    }
    return {
      id: decoded.id ?? 0,
      info: decoded,
      bytesMemlock: fdinfo.number("memlock"),
      frozen: frozen === undefined ? undefined : frozen !== 0,
      ownerProgType,
      ownerJited: ownerJited === undefined ? undefined : ownerJited !== 0,
    };
  }

  /** Reads a link, and in a second call the strings its arm points to. */
  link(fd: BpfFd, options: LinkOptions = {}): LinkDetails {
    const info = this.#link.info;
    let decoded = decodeLinkInfo(info, { length: this.#link.call(fd) });
    const type = decoded.type ?? 0;
    const strings: Record<string, string> = {};
    let wanted = LINK_STRINGS.get(type) ?? [];
    if (type === BPF_LINK_TYPE_PERF_EVENT) {
      const perf = PERF_STRINGS.get(getU32(info, PERF_TYPE_OFFSET));
      wanted = perf ? [perf] : [];
    }
    if (options.strings !== false && wanted.length > 0) {
      // The first call said how long each string is; ask again with buffers that size.
      const sizes = wanted.map(([, , lengthField]) => getU32(info, fieldOffset("bpf_link_info", lengthField)));
      if (sizes.some((size) => size > 0)) {
        const request = new Uint8Array(LINK_SIZE);
        const keep: KeepAlive = [];
        const buffers = sizes.map((size) => new Uint8Array(size));
        wanted.forEach(([, pointer, lengthField], i) => {
          const fields = { pointer: fieldOffset("bpf_link_info", pointer), length: fieldOffset("bpf_link_info", lengthField) };
          writeBufferRef(request, fields, buffers[i]!.byteLength > 0 ? buffers[i]! : null, keep);
        });
        const length = getInfoRaw(fd, request, keep);
        for (const [, pointer] of wanted) putU64(request, fieldOffset("bpf_link_info", pointer), 0n);
        decoded = decodeLinkInfo(request, { length });
        wanted.forEach(([key], i) => {
          if (buffers[i]!.byteLength > 0) strings[key] = textUntilNul(buffers[i]!);
        });
      }
    }
    let progType: number | undefined;
    if (type === BPF_LINK_TYPE_TRACING && options.progType !== false && (decoded.prog_id ?? 0) !== 0) {
      progType = this.#progType(decoded.prog_id!);
    }
    return { id: decoded.id ?? 0, info: decoded, strings, progType };
  }

  /** The type of the program with this id, `undefined` if it is gone. */
  #progType(id: number): number | undefined {
    const fd = tryGetFdById("prog", id);
    return fd && closeAfter(fd, () => {
      const info = new Uint8Array(PROG.size);
      getInfoRaw(fd, info);
      return getU32(info, 0);
    });
  }

  /** Reads a BTF object, its name in the same call. */
  btf(fd: BpfFd, options: BtfOptions = {}): BtfDetails {
    const request = options.name === false ? (this.#btfOld ??= new InfoRequest(BTF.size)) : (this.#btfOld ?? this.#btf);
    let length: number;
    let name = "";
    try {
      length = request.call(fd);
    } catch (error) {
      if (request === this.#btf && isErrno(error, "E2BIG")) {
        this.#btfOld = new InfoRequest(BTF.size);
        return this.btf(fd, options);
      }
      // ENOSPC: the name is longer than the buffer; the kernel said how long, so ask again with room for it.
      if (request !== this.#btf || !isErrno(error, "ENOSPC")) throw error;
      return this.#btfLongName(fd, getU32(request.info, BTF.nameLen) + 1);
    }
    if (request === this.#btf) {
      request.clearPointer(BTF.name);
      if (getU32(request.info, BTF.nameLen) > 0) name = textUntilNul(this.#btfName);
    }
    return this.#btfDetails(decodeBtfInfo(request.info, { length }), name);
  }

  #btfLongName(fd: BpfFd, size: number): BtfDetails {
    const info = new Uint8Array(BTF.size);
    const nameBuffer = new Uint8Array(size);
    const keep: KeepAlive = [];
    writeBufferRef(info, { pointer: BTF.name, length: BTF.nameLen }, nameBuffer, keep);
    const length = getInfoRaw(fd, info, keep);
    putU64(info, BTF.name, 0n);
    return this.#btfDetails(decodeBtfInfo(info, { length }), textUntilNul(nameBuffer));
  }

  #btfDetails(decoded: Decoded<BtfInfo>, name: string): BtfDetails {
    return { id: decoded.id ?? 0, info: decoded, name, kernel: (decoded.kernel_btf ?? 0) !== 0, size: decoded.btf_size ?? 0 };
  }
}

const INFO_ATTR = ATTR_LAYOUT.info.fields;
const INFO_DOING: Readonly<Record<BpfFdKind, string>> = {
  prog: "getting the info of a program",
  map: "getting the info of a map",
  link: "getting the info of a link",
  btf: "getting the info of a BTF object",
  stats: "getting object info",
  object: "getting object info",
};
const INFO_REF = { pointer: INFO_ATTR.info.offset, length: INFO_ATTR.info_len.offset } as const;

/** Objects read ahead by a walk before they are handed out. */
const BATCH = 256;

/**
 * Walks every object of a kind: ENOENT from get-next-id ends the walk, an object freed between its
 * id and its fd (ENOENT from get-fd-by-id) is skipped. Objects are read in batches: each object's
 * descriptor is closed right after it is read, so the next one gets the same number and the
 * inspector's fdinfo file serves it with one read; the batch ends with that file closed too, so
 * nothing is open while the caller holds a batch's objects, and leaving the loop early leaks
 * nothing. Per object: get-next-id, get-fd-by-id, what `read` does, and close, with reused attrs.
 * Given `ids` (from an iterator), the walk opens those instead of asking for each next id. The
 * programs and maps this process made to run iterators are left out.
 */
function* walk<T>(kind: IdKind, inspector: Inspector, read: (fd: BpfFd, id: number) => T, ids: Iterator<number> = allIds(kind)): Generator<T, void, undefined> {
  const opener = new IdOpener(kind);
  for (let more = true; more; ) {
    const batch: T[] = [];
    try {
      while (batch.length < BATCH) {
        const next = ids.next();
        if (next.done) {
          more = false;
          break;
        }
        const id = next.value;
        if (isIteratorObject(kind, id)) continue;
        const fd = opener.tryOpen(id);
        if (fd === undefined) continue;
        try {
          batch.push(read(fd, id));
        } finally {
          fd.close();
        }
      }
    } finally {
      inspector.release();
    }
    for (const item of batch) yield item;
  }
}

/**
 * From how many objects a walk is faster through an iterator: loading and checking one costs about
 * 20 ms here, and each program read through it about 20 µs less than opening it by id.
 */
const ITERATOR_FROM = 1024;

/**
 * The ids of the first `limit` objects of a kind (get-next-id, ~1 µs each): `"auto"` counts that
 * far to choose. Fewer than `limit` are all there are, and a walk by descriptors opens just those.
 */
function firstIds(kind: IdKind, limit: number): number[] {
  const ids: number[] = [];
  if (limit <= 0) return ids;
  for (const id of allIds(kind)) {
    ids.push(id);
    if (ids.length >= limit) break;
  }
  return ids;
}

/** Every loaded program with its details, smallest id first (root, or CAP_BPF and CAP_SYS_ADMIN). */
export function* programs(options: ProgramOptions = {}): Generator<ProgramDetails, void, undefined> {
  const inspector = new Inspector();
  const read = (fd: BpfFd, id: number) => inspector.program(fd, options, id);
  const method = options.via ?? "auto";
  if (method === "descriptors") return yield* walk("prog", inspector, read);
  if (method === "auto") {
    const limit = options.iteratorFrom ?? ITERATOR_FROM;
    const ids = firstIds("prog", limit);
    if (ids.length < limit) return yield* walk("prog", inspector, read, ids.values());
  }
  yield* iteratePrograms(options, method, {
    byId: (id) => readById("prog", id, (i, fd) => i.program(fd, options, id)),
    functionName: (btfId, typeId) => inspector.functionName(btfId, typeId),
    fallback: () => walk("prog", inspector, read),
  });
}

/** How {@link programsAsText} and {@link mapsAsText} print: the template, and the same text made in user space. */
export interface TextOptions<T> {
  /**
   * The text of one object, printed by the kernel: it must start with the literal `{"id":` and
   * the number `id`. Programs can name the fields of `bpf_prog_info` and those of
   * `PROGRAM_TEXT_VALUES`, and list `map_ids`; maps the fields of `bpf_map_info` and those of `MAP_TEXT_VALUES`.
   */
  readonly template: readonly TextPiece[];
  /** The same text for an object read through its descriptor (with default options): for what the kernel leaves to user space, and to check the kernel's text. */
  readonly render: (object: T) => string;
  /** JSON keys whose numbers may grow between two reads of an object (run counters). */
  readonly counters?: readonly string[];
  /** `"iterator"` insists on the kernel printing (or throws); `"auto"` (the default) returns undefined when it cannot, or for fewer than `iteratorFrom` objects. */
  readonly via?: Exclude<WalkMethod, "descriptors">;
  /** From how many objects `"auto"` has the kernel print (default 512). */
  readonly iteratorFrom?: number;
}

/**
 * Every program as JSON text printed by the kernel: a BPF iterator program prints `template` for
 * each program, comma-separated (the items of a JSON array, without the brackets), so listing
 * thousands of programs leaves no per-program work to JavaScript. Returns undefined when the
 * walk should go through {@link programs} instead: fewer programs than `iteratorFrom`, or (in
 * `auto` mode) no iterator here or text that does not match the kernel's own answer for its first program.
 */
export function programsAsText(options: TextOptions<ProgramDetails>): Generator<string, void, undefined> | undefined {
  if (!enoughForText("prog", options)) return undefined;
  return printPrograms(options.via ?? "auto", { ...textParts(options), byId: (id) => readById("prog", id, (i, fd) => i.program(fd, {}, id)) });
}

/**
 * Every map as JSON text printed by the kernel, as {@link programsAsText} prints programs. Each
 * map is still opened for what only its fdinfo says, when a later piece of the template asks.
 */
export function mapsAsText(options: TextOptions<MapDetails>): Generator<string, void, undefined> | undefined {
  if (!enoughForText("map", options)) return undefined;
  return printMaps(options.via ?? "auto", { ...textParts(options), byId: (id) => readById("map", id, (i, fd) => i.map(fd)) });
}

/**
 * From how many objects the kernel prints a list faster than user space reads and renders it
 * object by object. Printing costs ~25 ms more to set up; each object it prints costs ~60 µs less
 * in a short-lived process, where rendering code has not been optimised yet. Measured here as
 * whole `map list --json` and `prog list --json` processes: the walk by descriptors was faster by
 * ~20 ms at 300 objects, the kernel by 35-60 ms at 1,000.
 */
const TEXT_FROM = 512;

/** Whether a text walk should run: always in `iterator` mode, in `auto` mode from `iteratorFrom` objects on. */
function enoughForText(kind: IdKind, options: Pick<TextOptions<never>, "via" | "iteratorFrom">): boolean {
  const limit = options.iteratorFrom ?? TEXT_FROM;
  return options.via === "iterator" || firstIds(kind, limit).length >= limit;
}

/** What the text walks take from the options. */
function textParts<T>(options: TextOptions<T>): { template: readonly TextPiece[]; render: (object: T) => string; counters: readonly string[] } {
  return { template: options.template, render: options.render, counters: options.counters ?? [] };
}

/** Every map with its details, smallest id first. */
export function* maps(options: MapOptions = {}): Generator<MapDetails, void, undefined> {
  const inspector = new Inspector();
  const read = (fd: BpfFd) => inspector.map(fd, options);
  const method = options.via ?? "auto";
  // A map's fdinfo needs its descriptor anyway, and then the iterator saves too little to pay for itself.
  if (method === "descriptors" || (method === "auto" && options.fdinfo !== false)) return yield* walk("map", inspector, read);
  if (method === "auto") {
    const limit = options.iteratorFrom ?? ITERATOR_FROM;
    const ids = firstIds("map", limit);
    if (ids.length < limit) return yield* walk("map", inspector, read, ids.values());
  }
  yield* iterateMaps(method, {
    walkIds: (ids, readMap) => walk("map", inspector, readMap, ids.values()),
    fromInfo: (fd, info) => inspector.mapFromInfo(fd, info, options),
    byDescriptor: read,
    byId: (id) => readById("map", id, (i, fd) => i.map(fd, options)),
    fallback: () => walk("map", inspector, read),
    ...(options.fdinfo === false && { infoOnly: (info: Decoded<MapInfo>) => mapDetailsOf(info) }),
  });
}

/** Every link with its details, smallest id first (Linux 5.8+). */
export function links(options: LinkOptions = {}): Generator<LinkDetails, void, undefined> {
  const inspector = new Inspector();
  return walk("link", inspector, (fd) => inspector.link(fd, options));
}

/** Every BTF object (the kernel's and user space's) with its details, smallest id first (Linux 5.4+). */
export function btfObjects(options: BtfOptions = {}): Generator<BtfDetails, void, undefined> {
  const inspector = new Inspector();
  return walk("btf", inspector, (fd) => inspector.btf(fd, options));
}

/** A map's details when no fdinfo fact was read. */
function mapDetailsOf(info: Decoded<MapInfo>): MapDetails {
  return { id: info.id ?? 0, info, bytesMemlock: undefined, frozen: undefined, ownerProgType: undefined, ownerJited: undefined };
}

/** Opens the object with this id and reads it with the shared inspector; undefined when it is gone. */
function readById<T>(kind: IdKind, id: number, read: (inspector: Inspector, fd: BpfFd) => T): T | undefined {
  const fd = tryGetFdById(kind, id);
  return fd && closeAfter(fd, () => withInspector((inspector) => read(inspector, fd)));
}

/** Runs `read` on a descriptor this module opened, and closes it after, whatever happens. */
function closeAfter<T>(fd: BpfFd, read: (fd: BpfFd) => T): T {
  try {
    return read(fd);
  } finally {
    fd.close();
  }
}

let shared: Inspector | undefined;

/** Runs a read with the shared inspector of the look-up functions, and closes what it kept open. */
function withInspector<T>(read: (inspector: Inspector) => T): T {
  shared ??= new Inspector();
  try {
    return read(shared);
  } finally {
    shared.release();
  }
}

/** Thrown when a pin holds another kind of object than the one asked for (a map where a program was expected). */
export class ObjectKindError extends Error {
  /** Always `"ObjectKindError"`: check it to recognize the error across copies of this package. */
  override readonly name = "ObjectKindError";
  /** The kind asked for. */
  readonly expected: IdKind;
  /** The kind found. */
  readonly found: BpfFdKind;

  constructor(expected: IdKind, found: BpfFdKind, message: string) {
    super(message);
    this.expected = expected;
    this.found = found;
  }
}

const KIND_WORDS: Readonly<Record<BpfFdKind, string>> = {
  prog: "a program",
  map: "a map",
  link: "a link",
  btf: "a BTF object",
  stats: "a stats descriptor",
  object: "not a bpf object this library knows",
};

/** Opens the object of `kind` pinned at `path`, checking that it is that kind (the fd is closed on a mismatch). */
function openPinned(kind: IdKind, path: string): BpfFd {
  const fd = getPinned(path);
  if (fd.kind !== kind) {
    const found = fd.kind;
    fd.close();
    throw new ObjectKindError(kind, found, `opening ${KIND_WORDS[kind]} pinned at ${path}: it is ${KIND_WORDS[found]}`);
  }
  return fd;
}

function byId<T>(kind: IdKind, id: number, read: (fd: BpfFd) => T): T {
  return closeAfter(getFdById(kind, id), read);
}

function byPin<T>(kind: IdKind, path: string, read: (fd: BpfFd) => T): T {
  return closeAfter(openPinned(kind, path), read);
}

/** The program with this id; a BpfError with code ENOENT when there is none. */
export function programById(id: number, options: ProgramOptions = {}): ProgramDetails {
  return byId("prog", id, (fd) => withInspector((i) => i.program(fd, options, id)));
}
/** The program behind a descriptor the caller holds (and keeps: it is not closed). */
export function programByFd(fd: BpfFd, options: ProgramOptions = {}): ProgramDetails {
  return withInspector((i) => i.program(fd, options));
}
/** The program pinned at a path in a bpf file system; an {@link ObjectKindError} if something else is pinned there. */
export function programByPin(path: string, options: ProgramOptions = {}): ProgramDetails {
  return byPin("prog", path, (fd) => withInspector((i) => i.program(fd, options)));
}

/** The map with this id; a BpfError with code ENOENT when there is none. */
export function mapById(id: number, options: MapOptions = {}): MapDetails {
  return byId("map", id, (fd) => withInspector((i) => i.map(fd, options)));
}
/** The map behind a descriptor the caller holds (and keeps). */
export function mapByFd(fd: BpfFd, options: MapOptions = {}): MapDetails {
  return withInspector((i) => i.map(fd, options));
}
/** The map pinned at a path; an {@link ObjectKindError} if something else is pinned there. */
export function mapByPin(path: string, options: MapOptions = {}): MapDetails {
  return byPin("map", path, (fd) => withInspector((i) => i.map(fd, options)));
}

/** The link with this id; a BpfError with code ENOENT when there is none. */
export function linkById(id: number, options: LinkOptions = {}): LinkDetails {
  return byId("link", id, (fd) => withInspector((i) => i.link(fd, options)));
}
/** The link behind a descriptor the caller holds (and keeps). */
export function linkByFd(fd: BpfFd, options: LinkOptions = {}): LinkDetails {
  return withInspector((i) => i.link(fd, options));
}
/** The link pinned at a path; an {@link ObjectKindError} if something else is pinned there. */
export function linkByPin(path: string, options: LinkOptions = {}): LinkDetails {
  return byPin("link", path, (fd) => withInspector((i) => i.link(fd, options)));
}

/** The BTF object with this id; a BpfError with code ENOENT when there is none. */
export function btfById(id: number, options: BtfOptions = {}): BtfDetails {
  return byId("btf", id, (fd) => withInspector((i) => i.btf(fd, options)));
}
/** The BTF object behind a descriptor the caller holds (and keeps). */
export function btfByFd(fd: BpfFd, options: BtfOptions = {}): BtfDetails {
  return withInspector((i) => i.btf(fd, options));
}

/** Which programs and maps use each BTF object (what bpftool's `btf show` lists as prog_ids and map_ids). */
export interface BtfUsers {
  /** BTF id -> ids of the programs loaded with it, smallest first. */
  readonly progs: ReadonlyMap<number, readonly number[]>;
  /** BTF id -> ids of the maps created with it, smallest first. */
  readonly maps: ReadonlyMap<number, readonly number[]>;
}

/**
 * Walks every program and map once (info only: no fdinfo, no names) to learn which BTF object each
 * was loaded or created with.
 */
export function btfUsers(): BtfUsers {
  const progs = new Map<number, number[]>();
  const mapsByBtf = new Map<number, number[]>();
  const add = (table: Map<number, number[]>, btfId: number | undefined, id: number): void => {
    if (!btfId) return;
    const list = table.get(btfId);
    if (list) list.push(id);
    else table.set(btfId, [id]);
  };
  for (const prog of programs({ fdinfo: false, fullName: false, mapIds: false })) add(progs, prog.info.btf_id, prog.id);
  for (const map of maps({ fdinfo: false })) add(mapsByBtf, map.info.btf_id, map.id);
  return { progs, maps: mapsByBtf };
}
