// BPF_OBJ_GET_INFO_BY_FD: info requests built from the generated layouts, every pointer field checked against the buffer it names before the call.
//
// An info struct is both question and answer: the kernel reads the caller's pointer fields
// (`map_ids`, `btf`, `kprobe_multi.addrs` ...) and writes through them as many elements as the
// paired count field allows. A count larger than its buffer lets the kernel write past the buffer,
// so requests are built here, pair by pair, from the buffers themselves, and bytes a caller wrote
// by hand are checked against the buffers in `keep` before the call.

import {
  decodeBtfInfo,
  encodeProgInfo,
  fieldLayout,
  fieldOffset,
  infoLayouts,
  type InfoStructName,
} from "bpftypes/codec";
import { linkTypes } from "bpftypes";
import { infoAttr, readInfoLen } from "./attr.js";
import { getU32, getU64, putU64 } from "./bytes.js";
import { type BpfFd, fdKindOf } from "./fd.js";
import type { IdKind } from "./ids.js";
import { type KeepAlive, keepHolds, writeArrayRef, writeBufferRef } from "./memory.js";
import { bpfCall } from "./syscall.js";

/** The info struct of each kind of object. */
const INFO_STRUCT: Readonly<Record<IdKind, InfoStructName>> = {
  prog: "bpf_prog_info",
  map: "bpf_map_info",
  link: "bpf_link_info",
  btf: "bpf_btf_info",
};

/** `sizeof(struct bpf_func_info)`, `sizeof(struct bpf_line_info)`: the only record sizes the kernel takes. */
const FUNC_INFO_SIZE = infoLayouts.bpf_func_info.size;
const LINE_INFO_SIZE = infoLayouts.bpf_line_info.size;
/** `BPF_TAG_SIZE`, the size of one program tag. */
const TAG_SIZE = fieldLayout("bpf_prog_info", "tag").size;

/**
 * One pointer field of an info struct: the kernel writes up to `count` elements of `elementSize`
 * bytes through it, `count` being the value of the paired field (a byte length when the element
 * size is 1). A null pointer is never written through.
 */
export interface InfoPointerField {
  /** The pointer's dotted path in the struct (`map_ids`, `kprobe_multi.addrs`). */
  readonly pointer: string;
  /** The dotted path of the field holding the count or byte length. */
  readonly count: string;
  /** Bytes of one element. */
  readonly elementSize: number;
  /**
   * For arrays of records whose size the caller states (`func_info_rec_size` ...): that field. The
   * kernel refuses any size but `elementSize`; a check takes the larger of the two.
   */
  readonly recordSize?: string;
}

/**
 * Every pointer field of the info struct of each kind of object, with its count (Linux 7.1 layouts).
 * In `bpf_link_info` the pointers belong to the arm of one link type (the dotted path's first part)
 * and overlap other arms' fields; the three perf_event string variants share one pointer.
 * `bpf_map_info` has one since Linux 6.18: `hash`, for `hash_size` bytes (the kernel takes only 32).
 */
export const INFO_POINTER_FIELDS = {
  prog: [
    { pointer: "jited_prog_insns", count: "jited_prog_len", elementSize: 1 },
    { pointer: "xlated_prog_insns", count: "xlated_prog_len", elementSize: 1 },
    { pointer: "map_ids", count: "nr_map_ids", elementSize: 4 },
    { pointer: "jited_ksyms", count: "nr_jited_ksyms", elementSize: 8 },
    { pointer: "jited_func_lens", count: "nr_jited_func_lens", elementSize: 4 },
    { pointer: "func_info", count: "nr_func_info", elementSize: FUNC_INFO_SIZE, recordSize: "func_info_rec_size" },
    { pointer: "line_info", count: "nr_line_info", elementSize: LINE_INFO_SIZE, recordSize: "line_info_rec_size" },
    // Jited line info: one u64 kernel address per line info record.
    { pointer: "jited_line_info", count: "nr_jited_line_info", elementSize: 8, recordSize: "jited_line_info_rec_size" },
    { pointer: "prog_tags", count: "nr_prog_tags", elementSize: TAG_SIZE },
  ],
  map: [{ pointer: "hash", count: "hash_size", elementSize: 1 }],
  link: [
    { pointer: "raw_tracepoint.tp_name", count: "raw_tracepoint.tp_name_len", elementSize: 1 },
    { pointer: "iter.target_name", count: "iter.target_name_len", elementSize: 1 },
    { pointer: "kprobe_multi.addrs", count: "kprobe_multi.count", elementSize: 8 },
    { pointer: "kprobe_multi.cookies", count: "kprobe_multi.count", elementSize: 8 },
    { pointer: "uprobe_multi.path", count: "uprobe_multi.path_size", elementSize: 1 },
    { pointer: "uprobe_multi.offsets", count: "uprobe_multi.count", elementSize: 8 },
    { pointer: "uprobe_multi.ref_ctr_offsets", count: "uprobe_multi.count", elementSize: 8 },
    { pointer: "uprobe_multi.cookies", count: "uprobe_multi.count", elementSize: 8 },
    { pointer: "perf_event.uprobe.file_name", count: "perf_event.uprobe.name_len", elementSize: 1 },
    { pointer: "perf_event.kprobe.func_name", count: "perf_event.kprobe.name_len", elementSize: 1 },
    { pointer: "perf_event.tracepoint.tp_name", count: "perf_event.tracepoint.name_len", elementSize: 1 },
  ],
  btf: [
    { pointer: "btf", count: "btf_size", elementSize: 1 },
    { pointer: "name", count: "name_len", elementSize: 1 },
  ],
} as const satisfies Readonly<Record<IdKind, readonly InfoPointerField[]>>;

/** The dotted names of the pointer fields of one kind's info struct (`"map_ids"`, `"kprobe_multi.addrs"`). */
export type InfoPointerName<K extends IdKind> = (typeof INFO_POINTER_FIELDS)[K][number]["pointer"];

/**
 * Buffers for the kernel to fill in one info call, by pointer field. Each field's count is written
 * from its buffer: whole elements only; fields sharing a count (`kprobe_multi.addrs` and `cookies`)
 * get the smallest. An absent, `null` or empty buffer leaves the pointer null.
 */
export type InfoBuffers<K extends IdKind> = { readonly [P in InfoPointerName<K>]?: Uint8Array | null };

/** A pointer field with its offsets resolved from the layouts. */
interface Pair {
  readonly name: string;
  /** The link arm (first part of the dotted path), `""` outside `bpf_link_info`. */
  readonly arm: string;
  readonly pointer: number;
  readonly count: number;
  readonly countWidth: 4 | 8;
  readonly elementSize: number;
  readonly recordSize: number | undefined;
}

function resolve(kind: IdKind): readonly Pair[] {
  const struct = INFO_STRUCT[kind];
  return (INFO_POINTER_FIELDS[kind] as readonly InfoPointerField[]).map((field) => {
    const count = fieldLayout(struct, field.count);
    if (fieldLayout(struct, field.pointer).size !== 8 || (count.size !== 4 && count.size !== 8)) {
      throw new Error(`${struct}.${field.pointer}: the layout does not have a u64 pointer with a u32 or u64 count`);
    }
    return {
      name: field.pointer,
      arm: kind === "link" ? field.pointer.slice(0, field.pointer.indexOf(".")) : "",
      pointer: fieldOffset(struct, field.pointer),
      count: count.offset,
      countWidth: count.size,
      elementSize: field.elementSize,
      recordSize: field.recordSize === undefined ? undefined : fieldOffset(struct, field.recordSize),
    };
  });
}

const PAIRS: Readonly<Record<IdKind, readonly Pair[]>> = {
  prog: resolve("prog"),
  map: resolve("map"),
  link: resolve("link"),
  btf: resolve("btf"),
};

/**
 * The pairs to check, fields at the same offsets taken once: the three perf_event string variants
 * share theirs, and the kernel picks the variant by the event, not by anything in the request.
 */
function checksOf(pairs: readonly Pair[]): readonly Pair[] {
  const out = new Map<string, Pair>();
  for (const pair of pairs) {
    const key = `${pair.arm}/${pair.pointer}/${pair.count}/${pair.elementSize}/${pair.recordSize}`;
    const seen = out.get(key);
    out.set(key, seen === undefined ? pair : { ...seen, name: `${seen.name} / ${pair.name}` });
  }
  return [...out.values()];
}

const CHECKS: Readonly<Record<IdKind, readonly Pair[]>> = {
  prog: checksOf(PAIRS.prog),
  map: checksOf(PAIRS.map),
  link: checksOf(PAIRS.link),
  btf: checksOf(PAIRS.btf),
};

/** Where the union of `bpf_link_info` starts: bytes before it are outputs only. */
const LINK_UNION = Math.min(...PAIRS.link.map((pair) => Math.min(pair.pointer, pair.count)));
/** The arms of `bpf_link_info` this package knows. */
const LINK_ARMS: ReadonlySet<string> = new Set((infoLayouts.bpf_link_info.arms ?? []).map((arm) => arm.name));

/** The kind of object behind `fd` as the kernel names it (/proc/self/fd), else as the handle says. */
function infoKindOf(fd: BpfFd): IdKind | undefined {
  const seen = fdKindOf(fd.fd);
  // "object": /proc is not readable, or not a bpf object (the kernel refuses those itself).
  const kind = seen === "object" ? fd.kind : seen;
  return Object.hasOwn(INFO_STRUCT, kind) ? (kind as IdKind) : undefined;
}

/**
 * The arm of `bpf_link_info` the kernel fills for this link, from a 4-byte info call (which carries
 * no pointer); `undefined` for a link type whose arm this package does not know.
 */
function linkArmOf(fd: BpfFd): string | undefined {
  const probe = new Uint8Array(4);
  const keep: KeepAlive = [];
  const attr = infoAttr(fd.fd, probe, keep);
  bpfCall("BPF_OBJ_GET_INFO_BY_FD", attr, keep, { doing: `getting the type of link fd ${fd.fd}` });
  if (readInfoLen(attr) < 4) return undefined;
  const arm = linkTypes.entry(getU32(probe, 0))?.shortName;
  return arm !== undefined && LINK_ARMS.has(arm) ? arm : undefined;
}

function refuse(fd: BpfFd, why: string): never {
  throw new RangeError(`getting info of ${fd.kind} fd ${fd.fd}: ${why}`);
}

/**
 * Checks, before the call, that the kernel can write through no pointer in `info` past a buffer held
 * in `keep`. Requests of zeros carry no pointer and cost nothing. Otherwise the object's kind is
 * read from /proc (a handle's word is not trusted), and for a link its type from the kernel, since
 * the link arm decides which bytes are pointers. Returns the kind checked, `undefined` for zeros.
 */
function checkInfoPointers(fd: BpfFd, info: Uint8Array, keep: KeepAlive): IdKind | undefined {
  if (info.every((byte) => byte === 0)) return undefined;
  const kind = infoKindOf(fd);
  if (kind === undefined) refuse(fd, "the request is not all zeros, and no info struct of this kind of object is known to check its pointers in");
  const size = infoLayouts[INFO_STRUCT[kind]].size;
  const past = info.findIndex((byte, i) => i >= size && byte !== 0);
  if (past >= 0) refuse(fd, `byte ${past} is past the ${size}-byte ${INFO_STRUCT[kind]} this package knows and is not zero (it may be a newer kernel's pointer)`);
  // Fields cut by the end of `info` read as the kernel reads them: the bytes given, then zeros.
  const bytes = new Uint8Array(size);
  bytes.set(info.subarray(0, size));
  let pairs = CHECKS[kind];
  if (kind === "link") {
    if (bytes.subarray(LINK_UNION).every((byte) => byte === 0)) return kind;
    const arm = linkArmOf(fd);
    if (arm === undefined) refuse(fd, "the link's type has an arm this package does not know, and the request's union is not all zeros");
    pairs = pairs.filter((pair) => pair.arm === arm);
  }
  for (const pair of pairs) {
    const address = getU64(bytes, pair.pointer);
    if (address === 0n) continue;
    const count = pair.countWidth === 4 ? getU32(bytes, pair.count) : Number(getU64(bytes, pair.count));
    const elementSize = pair.recordSize === undefined ? pair.elementSize : Math.max(pair.elementSize, getU32(bytes, pair.recordSize));
    const need = count * elementSize;
    if (!keepHolds(keep, address, need)) {
      const room = pair.elementSize === 1 && pair.recordSize === undefined ? `${need} bytes` : `${count} elements of ${elementSize} bytes`;
      refuse(fd, `${pair.name} points to no buffer held in keep with room for ${room}`);
    }
  }
  return kind;
}

/**
 * Asks the kernel for the info struct of the object behind `fd` (`bpf_prog_info`, `bpf_map_info`,
 * `bpf_link_info`, `bpf_btf_info`) into `info`, whose length is what the kernel is told. Returns the
 * `info_len` the kernel wrote back: the bytes it filled. Fields past it are absent, not zero. A
 * buffer longer than the kernel's struct must be zero past it (else E2BIG).
 *
 * Pointer fields in `info` should be written with {@link infoRequest} or the memory module's
 * writers, and `keep` must hold their buffers: before the call, a request that is not all zeros is
 * refused (RangeError) if any pointer field of the object's struct points to no buffer in `keep`
 * with room for its count, or if it has non-zero bytes past the struct this package knows. Checking
 * costs a readlink of /proc/self/fd, and for a link a 4-byte info call to learn its type.
 */
export function getInfoRaw(fd: BpfFd, info: Uint8Array, keep: KeepAlive = []): number {
  checkInfoPointers(fd, info, keep);
  return callInfo(fd, info, keep);
}

function callInfo(fd: BpfFd, info: Uint8Array, keep: KeepAlive): number {
  const attr = infoAttr(fd.fd, info, keep);
  bpfCall("BPF_OBJ_GET_INFO_BY_FD", attr, keep, { doing: `getting info of ${fd.kind} fd ${fd.fd}` });
  return readInfoLen(attr);
}

/** The record size fields a program info request must state when it asks for those records. */
const RECORD_SIZES = { func_info: FUNC_INFO_SIZE, line_info: LINE_INFO_SIZE, jited_line_info: 8 } as const;

/**
 * Builds an info request for one kind of object: the struct (from its encoder), with every pointer
 * field of `buffers` written together with its count by the memory module, from the buffer it names,
 * and `keep` holding the buffers. Program requests for `func_info`, `line_info` or `jited_line_info`
 * state the record size too. For a link, every buffer must belong to one arm (its fields overlap the
 * others'). Throws RangeError for an unknown field, a buffer of part elements, or two arms.
 */
export function infoRequest<K extends IdKind>(kind: K, buffers: InfoBuffers<K>, keep: KeepAlive): Uint8Array {
  const struct = INFO_STRUCT[kind];
  const given = new Map<string, Uint8Array>();
  for (const [name, buffer] of Object.entries(buffers as Readonly<Record<string, Uint8Array | null | undefined>>)) {
    if (!PAIRS[kind].some((pair) => pair.name === name)) throw new RangeError(`building a ${struct} request: it has no pointer field ${name}`);
    if (buffer !== undefined && buffer !== null && buffer.byteLength > 0) given.set(name, buffer);
  }
  const pairs = PAIRS[kind].filter((pair) => given.has(pair.name));
  const arms = new Set(pairs.map((pair) => pair.arm));
  if (arms.size > 1) throw new RangeError(`building a ${struct} request: buffers for the ${[...arms].join(" and ")} arms share bytes`);
  const offsets = new Set(pairs.map((pair) => pair.pointer));
  if (offsets.size < pairs.length) throw new RangeError(`building a ${struct} request: ${pairs.map((pair) => pair.name).join(", ")} share a pointer field`);
  let info: Uint8Array;
  if (kind === "prog") {
    const sizes: Record<string, number> = {};
    for (const [name, size] of Object.entries(RECORD_SIZES)) if (given.has(name)) sizes[`${name}_rec_size`] = size;
    info = encodeProgInfo(sizes);
  } else {
    info = new Uint8Array(infoLayouts[struct].size);
  }
  // Pairs sharing a count field take the count every one of their buffers holds.
  const counts = new Map<number, number>();
  for (const pair of pairs) {
    const buffer = given.get(pair.name)!;
    if (buffer.byteLength % pair.elementSize !== 0) {
      throw new RangeError(`building a ${struct} request: the ${buffer.byteLength}-byte ${pair.name} buffer is not whole ${pair.elementSize}-byte elements`);
    }
    const count = buffer.byteLength / pair.elementSize;
    counts.set(pair.count, Math.min(count, counts.get(pair.count) ?? count));
  }
  for (const pair of pairs) {
    const buffer = given.get(pair.name)!;
    if (pair.elementSize === 1) {
      writeBufferRef(info, { pointer: pair.pointer, length: pair.count, lengthWidth: pair.countWidth }, buffer, keep);
    } else {
      writeArrayRef(info, { pointer: pair.pointer, count: pair.count, countWidth: pair.countWidth }, buffer, pair.elementSize, keep, counts.get(pair.count));
    }
  }
  return info;
}

/** What {@link getInfo} returns. */
export interface InfoReply {
  /** The info struct as the kernel filled it, its pointer fields set back to 0 (the data is in the buffers given). */
  readonly info: Uint8Array;
  /** The `info_len` the kernel wrote back: decode with it, so fields past it read as absent. */
  readonly length: number;
}

/**
 * Gets the info of the object behind `fd`, a `kind` object, with the kernel filling `buffers`
 * (`getInfo(fd, "prog", { map_ids: new Uint8Array(4 * n) })`). The request is built by
 * {@link infoRequest} and checked like any other (see {@link getInfoRaw}); an object of another kind
 * than `kind` is refused. Counts in the reply are the kernel's: more than a buffer held means the
 * buffer got the first ones. Decode `info` with the kind's decoder (`decodeProgInfo(reply.info, reply)`).
 */
export function getInfo<K extends IdKind>(fd: BpfFd, kind: K, buffers: InfoBuffers<K> = {}): InfoReply {
  const keep: KeepAlive = [];
  const info = infoRequest(kind, buffers, keep);
  const checked = checkInfoPointers(fd, info, keep);
  if (checked !== undefined && checked !== kind) refuse(fd, `it is a ${checked}, not a ${kind}`);
  const length = callInfo(fd, info, keep);
  // Only the pointers written: in a link's union, other arms' pointer offsets hold counts and flags.
  for (const pair of PAIRS[kind]) if (buffers[pair.name as InfoPointerName<K>]?.byteLength) putU64(info, pair.pointer, 0n);
  return { info, length };
}

/**
 * The raw BTF blob of the BTF object behind `fd`: a first call learns its size (`btf_size`), a
 * second fetches it into a buffer of exactly that size.
 */
export function getBtfBytes(fd: BpfFd): Uint8Array {
  const probe = getInfo(fd, "btf");
  const size = decodeBtfInfo(probe.info, probe).btf_size ?? 0;
  const blob = new Uint8Array(size);
  const reply = getInfo(fd, "btf", { btf: blob });
  // The kernel copies at most btf_size bytes and writes back the blob's real size (BTF never changes).
  const actual = decodeBtfInfo(reply.info, reply).btf_size;
  if (actual !== size) throw new Error(`reading the btf of ${fd}: its size changed from ${size} to ${actual} bytes`);
  return blob;
}
