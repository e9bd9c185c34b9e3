// Fuzzes every struct decoder and the BTF parser: random bytes, every truncation, flipped bits and absurd counts in real blobs; only the library's named errors may come out, and no case may hang.
//
// Usage: node build/scripts/fuzz.js [--cases N] [--target NAME]... [--seed S] [--first I] [--jobs J] [--case-timeout MS]
// (--first I --cases 1 replays case I of a report.)
//
// Each target runs in a worker thread. Every case is generated from (seed, case index) alone, so a
// failure is reproducible, and the worker copies the bytes of the case it is running into shared
// memory first: when a case runs past its time box the main thread terminates the worker (which
// stops even an endless loop) and still reports the exact input.

import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import * as core from "bpftypes";
import * as btfCore from "bpftypes/btf";
import * as codecCore from "bpftypes/codec";
import type { Btf, BtfType } from "bpftypes/btf";

// --- random numbers ------------------------------------------------------------------------------

/** A small, fast, seedable generator (sfc32); one per case, seeded from (seed, target, case). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator whose whole output follows from these numbers. */
  constructor(...seeds: number[]) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = 1;
    for (const seed of seeds) {
      this.#a ^= seed >>> 0;
      this.#b ^= Math.imul(seed, 0x85ebca6b) >>> 0;
      for (let i = 0; i < 4; i++) this.u32();
    }
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** Numbers that break length and count arithmetic: zero, one, sign and width boundaries. */
const ABSURD_U32 = [0, 1, 2, 3, 4, 7, 8, 12, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];

// --- writing BTF ---------------------------------------------------------------------------------

/** A word of a record: a number, or a string to intern whose offset goes there. */
type Word = number | { readonly str: string };

/** One raw BTF type record, before strings are interned. */
export interface RawType {
  readonly kind: number;
  readonly name: string;
  readonly kflag?: boolean;
  readonly vlen: number;
  /** The `size` or `type` word. */
  readonly sizeOrType: number;
  /** The words after the common 12 bytes. */
  readonly extra: readonly Word[];
}

/** How to lay out a blob. */
export interface BtfWriteOptions {
  readonly littleEndian?: boolean;
  /** Write the 32-byte header with a kind layout section (Linux 7.0) giving record sizes per kind. */
  readonly layout?: readonly (readonly [infoSize: number, elemSize: number])[];
  /** For split BTF: where the base's strings end (string offsets start there). */
  readonly startStringOffset?: number;
}

/** Writes raw type records as a BTF blob: header, types, strings (and the layout section if asked). */
export function writeBtf(types: readonly RawType[], options: BtfWriteOptions = {}): Uint8Array {
  const le = options.littleEndian ?? true;
  const split = options.startStringOffset !== undefined;
  const base = options.startStringOffset ?? 0;
  const strBytes: number[] = split ? [] : [0];
  const interned = new Map<string, number>(split ? [] : [["", 0]]);
  const encoder = new TextEncoder();
  const str = (s: string): number => {
    if (s === "") return split ? 0 : 0;
    let off = interned.get(s);
    if (off === undefined) {
      off = base + strBytes.length;
      strBytes.push(...encoder.encode(s), 0);
      interned.set(s, off);
    }
    return off;
  };
  const words: number[] = [];
  for (const t of types) {
    words.push(str(t.name), ((t.kflag ? 1 : 0) << 31) | ((t.kind & 0x1f) << 24) | (t.vlen & 0xffff), t.sizeOrType >>> 0);
    for (const w of t.extra) words.push(typeof w === "number" ? w >>> 0 : str(w.str));
  }
  if (split && strBytes.length === 0) strBytes.push(0);
  const layoutBytes = options.layout ? options.layout.length * 4 : 0;
  const hdrLen = options.layout ? 32 : 24;
  const typeLen = words.length * 4;
  const blob = new Uint8Array(hdrLen + typeLen + strBytes.length + layoutBytes);
  const view = new DataView(blob.buffer);
  view.setUint16(0, 0xeb9f, le);
  blob[2] = 1;
  view.setUint32(4, hdrLen, le);
  view.setUint32(8, 0, le);
  view.setUint32(12, typeLen, le);
  view.setUint32(16, typeLen, le);
  view.setUint32(20, strBytes.length, le);
  if (options.layout) {
    view.setUint32(24, typeLen + strBytes.length, le);
    view.setUint32(28, layoutBytes, le);
    options.layout.forEach(([info, elem], kind) => {
      blob[hdrLen + typeLen + strBytes.length + kind * 4] = info;
      blob[hdrLen + typeLen + strBytes.length + kind * 4 + 1] = elem;
    });
  }
  words.forEach((w, i) => view.setUint32(hdrLen + i * 4, w, le));
  blob.set(strBytes, hdrLen + typeLen);
  return blob;
}

const K = btfCore.BtfKindNumber;

/** The raw record of a decoded type, with its type ids renumbered by `id`. */
function rawOf(t: BtfType, id: (old: number) => number): RawType {
  const kind = K[t.kind];
  const simple = (sizeOrType: number, extra: Word[] = [], vlen = 0, kflag = false): RawType => ({ kind, name: t.name, kflag, vlen, sizeOrType, extra });
  switch (t.kind) {
    case "int": {
      const encoding = (t.encoding.signed ? 1 : 0) | (t.encoding.char ? 2 : 0) | (t.encoding.bool ? 4 : 0);
      return simple(t.size, [(encoding << 24) | (t.bitOffset << 16) | t.bits]);
    }
    case "ptr":
    case "typedef":
    case "volatile":
    case "const":
    case "restrict":
      return simple(id(t.type));
    case "type_tag":
      return simple(id(t.type), [], 0, t.attribute);
    case "func":
      return simple(id(t.type), [], t.linkage);
    case "array":
      return simple(0, [id(t.elemType), id(t.indexType), t.length]);
    case "struct":
    case "union": {
      const kflag = t.members.some((m) => m.bitfieldSize > 0);
      const extra = t.members.flatMap((m): Word[] => [{ str: m.name }, id(m.type), kflag ? (m.bitfieldSize << 24) | m.bitOffset : m.bitOffset]);
      return simple(t.size, extra, t.members.length, kflag);
    }
    case "enum":
      return simple(t.size, t.values.flatMap((v): Word[] => [{ str: v.name }, Number(BigInt.asUintN(32, BigInt(v.value)))]), t.values.length, t.signed);
    case "enum64":
      return simple(
        t.size,
        t.values.flatMap((v): Word[] => {
          const u = BigInt.asUintN(64, BigInt(v.value));
          return [{ str: v.name }, Number(u & 0xffff_ffffn), Number(u >> 32n)];
        }),
        t.values.length,
        t.signed,
      );
    case "fwd":
      return simple(0, [], 0, t.union);
    case "func_proto":
      return simple(id(t.returnType), t.params.flatMap((p): Word[] => [{ str: p.name }, id(p.type)]), t.params.length);
    case "var":
      return simple(id(t.type), [t.linkage]);
    case "datasec":
      return simple(t.size, t.vars.flatMap((v) => [id(v.type), v.offset, v.size]), t.vars.length);
    case "float":
      return simple(t.size);
    case "decl_tag":
      return simple(id(t.type), [t.componentIdx], 0, t.attribute);
  }
}

/** The type ids a decoded type refers to. */
function refsOf(t: BtfType): number[] {
  switch (t.kind) {
    case "ptr":
    case "typedef":
    case "volatile":
    case "const":
    case "restrict":
    case "type_tag":
    case "func":
    case "var":
    case "decl_tag":
      return [t.type];
    case "array":
      return [t.elemType, t.indexType];
    case "struct":
    case "union":
      return t.members.map((m) => m.type);
    case "func_proto":
      return [t.returnType, ...t.params.map((p) => p.type)];
    case "datasec":
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}

/**
 * A real, self-contained blob cut out of a kernel's BTF: the types reachable from `roots`, at most
 * `limit` of them, renumbered; a reference past the limit becomes a `fwd` of the same name.
 */
export function closureBlob(btf: Btf, roots: readonly number[], limit: number, littleEndian = true): Uint8Array {
  const order: number[] = [];
  const index = new Map<number, number>();
  const queue = [...roots];
  while (queue.length > 0 && order.length < limit) {
    const old = queue.shift()!;
    if (old === 0 || index.has(old)) continue;
    index.set(old, order.length + 1);
    order.push(old);
    queue.push(...refsOf(btf.type(old)));
  }
  const stubs: RawType[] = [];
  const stubIds = new Map<number, number>();
  const id = (old: number): number => {
    if (old === 0) return 0;
    const known = index.get(old);
    if (known !== undefined) return known;
    let stub = stubIds.get(old);
    if (stub === undefined) {
      const t = btf.type(old);
      stub = order.length + stubs.length + 1;
      stubIds.set(old, stub);
      stubs.push({ kind: K.fwd, name: t.name || "anon", kflag: t.kind === "union", vlen: 0, sizeOrType: 0, extra: [] });
    }
    return stub;
  };
  const raws = order.map((old) => rawOf(btf.type(old), id));
  return writeBtf([...raws, ...stubs], { littleEndian });
}

const NAMES = ["", "", "a", "int", "long", "x", "pair", "task_struct", "é", "__u32", "very_long_name_".repeat(8), "BPF_ANY"];

/** A random blob of well-formed records whose fields are mostly plausible and sometimes absurd. */
export function randomBtf(rng: Rng, startId = 1, startStringOffset?: number): Uint8Array {
  const n = 1 + rng.below(24);
  const anyId = (): number => (rng.chance(0.03) ? rng.pick(ABSURD_U32) : rng.below(startId + n + (rng.chance(0.05) ? 3 : 0)));
  const size = (): number => (rng.chance(0.1) ? rng.pick(ABSURD_U32) : rng.pick([0, 1, 2, 4, 8, 16, 24, 64]));
  const name = (): string => rng.pick(NAMES);
  const useLayout = rng.chance(0.15);
  const types: RawType[] = [];
  for (let i = 0; i < n; i++) {
    const kind = useLayout && rng.chance(0.1) ? 20 + rng.below(4) : 1 + rng.below(19);
    const vlen = rng.chance(0.05) ? rng.pick([0xffff, 0x100, 1000]) : rng.below(4);
    const kflag = rng.chance(0.2);
    let extra: Word[] = [];
    let sizeOrType = anyId();
    let count = 0;
    switch (kind) {
      case K.int:
        sizeOrType = size();
        extra = [rng.chance(0.8) ? (rng.below(8) << 24) | (rng.below(4) << 16) | rng.pick([1, 8, 16, 32, 64, 128, 129]) : rng.u32()];
        break;
      case K.array:
        extra = [anyId(), anyId(), rng.chance(0.1) ? rng.pick(ABSURD_U32) : rng.below(8)];
        break;
      case K.struct:
      case K.union:
        sizeOrType = size();
        count = Math.min(vlen, 6);
        for (let m = 0; m < count; m++) extra.push({ str: name() }, anyId(), rng.chance(0.1) ? rng.u32() : rng.below(8) * 8);
        break;
      case K.enum:
        sizeOrType = size();
        count = Math.min(vlen, 6);
        for (let m = 0; m < count; m++) extra.push({ str: name() }, rng.u32());
        break;
      case K.enum64:
        sizeOrType = size();
        count = Math.min(vlen, 6);
        for (let m = 0; m < count; m++) extra.push({ str: name() }, rng.u32(), rng.u32());
        break;
      case K.func_proto:
        count = Math.min(vlen, 6);
        for (let m = 0; m < count; m++) extra.push({ str: name() }, anyId());
        break;
      case K.datasec:
        sizeOrType = size();
        count = Math.min(vlen, 6);
        for (let m = 0; m < count; m++) extra.push(anyId(), rng.below(64), size());
        break;
      case K.var:
        extra = [rng.below(4)];
        break;
      case K.decl_tag:
        extra = [rng.chance(0.2) ? rng.pick([0xffff_ffff, 0xffff_fffe, 0x8000_0000]) : rng.below(4)];
        break;
      case K.float:
      case K.fwd:
        sizeOrType = size();
        break;
      default:
        if (kind >= 20) {
          count = Math.min(vlen, 3);
          for (let m = 0; m < count * 2 + 1; m++) extra.push(rng.u32());
        }
    }
    // Usually the record's vlen matches what was written; sometimes it lies.
    const stated = rng.chance(0.9) ? count || (kind === K.func ? rng.below(3) : 0) : vlen;
    types.push({ kind, name: name(), kflag, vlen: stated, sizeOrType, extra });
  }
  const layout = useLayout
    ? Array.from({ length: 24 }, (_, kind): [number, number] => (kind >= 20 ? [4, 8] : [0, 0]))
    : undefined;
  return writeBtf(types, {
    littleEndian: rng.chance(0.8),
    ...(layout && { layout }),
    ...(startStringOffset !== undefined && { startStringOffset }),
  });
}

// --- cases ---------------------------------------------------------------------------------------

/** One input: the bytes and the options object given with them. */
export interface Case {
  readonly bytes: Uint8Array;
  readonly options?: Record<string, unknown>;
  /** How the case was made, for the report. */
  readonly how: string;
}

/** Flips 1 to 8 random bits of a copy. */
function flipBits(rng: Rng, seed: Uint8Array): Uint8Array {
  const out = seed.slice();
  if (out.length === 0) return out;
  for (let i = 1 + rng.below(8); i > 0; i--) out[rng.below(out.length)]! ^= 1 << rng.below(8);
  return out;
}

/** Overwrites an aligned 1, 2, 4 or 8-byte field of a copy with an absurd number. */
function absurdField(rng: Rng, seed: Uint8Array, extra: readonly number[] = []): Uint8Array {
  const out = seed.slice();
  const width = rng.pick([1, 2, 4, 4, 4, 8]);
  if (out.length < width) return out;
  const offset = rng.below(Math.floor(out.length / width)) * width;
  const view = new DataView(out.buffer);
  const le = rng.chance(0.5);
  const value = rng.chance(0.8) ? rng.pick([...ABSURD_U32, ...extra, seed.length, seed.length + 1, seed.length - 1]) : rng.u32();
  if (width === 1) out[offset] = value & 0xff;
  else if (width === 2) view.setUint16(offset, value & 0xffff, le);
  else if (width === 4) view.setUint32(offset, value >>> 0, le);
  else view.setBigUint64(offset, rng.chance(0.5) ? 0xffff_ffff_ffff_ffffn : BigInt(value >>> 0) << 32n, le);
  return out;
}

/** Inserts, deletes or duplicates a random run of bytes. */
function splice(rng: Rng, seed: Uint8Array): Uint8Array {
  const at = rng.below(seed.length + 1);
  const len = rng.below(16) + 1;
  switch (rng.below(3)) {
    case 0:
      return new Uint8Array([...seed.subarray(0, at), ...rng.bytes(len), ...seed.subarray(at)]);
    case 1:
      return new Uint8Array([...seed.subarray(0, at), ...seed.subarray(at + len)]);
    default:
      return new Uint8Array([...seed.subarray(0, at + len), ...seed.subarray(at)]);
  }
}

/**
 * The `mutations`-th case over `seeds`: the first cases sweep every truncation of every seed (each
 * length from 0 to the whole), the rest mix random bytes, bit flips, absurd fields and splices.
 */
function mutate(rng: Rng, index: number, seeds: readonly Uint8Array[], randomLength: number, absurd: readonly number[] = []): Case {
  // Truncations: a deterministic sweep over (seed, length) woven through the other cases.
  if (index % 4 === 0) {
    let k = index / 4;
    const total = seeds.reduce((sum, seed) => sum + seed.length + 1, 0);
    k %= total;
    for (const seed of seeds) {
      if (k <= seed.length) return { bytes: seed.slice(0, k), how: `truncated to ${k} of ${seed.length} bytes` };
      k -= seed.length + 1;
    }
  }
  const seed = rng.pick(seeds);
  switch (rng.below(5)) {
    case 0:
      return { bytes: rng.bytes(rng.below(randomLength + 1)), how: "random bytes" };
    case 1:
      return { bytes: flipBits(rng, seed), how: "flipped bits" };
    case 2:
      return { bytes: absurdField(rng, seed, absurd), how: "absurd field" };
    case 3:
      return { bytes: splice(rng, seed), how: "spliced" };
    default: {
      const twice = absurdField(rng, flipBits(rng, seed), absurd);
      return { bytes: rng.chance(0.5) ? twice.subarray(0, rng.below(twice.length + 1)) : twice, how: "flipped, absurd field, maybe cut" };
    }
  }
}

/** Odd and absurd values for a numeric option, with a plausible one most of the time. */
function numberOption(rng: Rng, plausible: number): unknown {
  if (rng.chance(0.6)) return plausible;
  return rng.pick([-1, -0, 0, 1, 0.5, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, plausible + 1, plausible * 2, "8", null]);
}

// --- targets -------------------------------------------------------------------------------------

/** A function under test, and how to make its inputs. */
export interface Target {
  readonly name: string;
  /** Builds what the cases need (seeds, a base BTF); runs once per worker. */
  prepare(): void;
  /** The `index`-th case. */
  generate(rng: Rng, index: number): Case;
  /** Runs one case; what it returns is checked for NaN (a read outside the bytes shows as NaN). */
  execute(input: Case): unknown;
}

/** A decoder as the fuzzer calls it: with options of any shape, absurd ones included. */
type Decoder = (bytes: Uint8Array, options?: Record<string, unknown>) => unknown;

/** Every decoder of the core, by name. */
const DECODERS: Readonly<Record<string, Decoder>> = {
  decodeProgInfo: codecCore.decodeProgInfo as Decoder,
  decodeMapInfo: codecCore.decodeMapInfo as Decoder,
  decodeLinkInfo: codecCore.decodeLinkInfo as Decoder,
  decodeBtfInfo: codecCore.decodeBtfInfo as Decoder,
  decodeFuncInfo: codecCore.decodeFuncInfo as Decoder,
  decodeLineInfo: codecCore.decodeLineInfo as Decoder,
  decodeFuncInfos: codecCore.decodeFuncInfos as Decoder,
  decodeLineInfos: codecCore.decodeLineInfos as Decoder,
  decodeU32Array: codecCore.decodeU32Array as Decoder,
  decodeU64Array: codecCore.decodeU64Array as Decoder,
  decodeTagArray: codecCore.decodeTagArray as Decoder,
};

/** A decoder by name; `undefined` for a name the core does not export. */
function decoder(name: string): Decoder | undefined {
  return DECODERS[name];
}

/** Sizes of the structs, from the core's generated layouts. */
const STRUCT_SIZES = {
  bpf_prog_info: core.bpfProgInfoLayout.size,
  bpf_map_info: core.bpfMapInfoLayout.size,
  bpf_link_info: core.bpfLinkInfoLayout.size,
  bpf_btf_info: core.bpfBtfInfoLayout.size,
  bpf_func_info: core.bpfFuncInfoLayout.size,
  bpf_line_info: core.bpfLineInfoLayout.size,
} as const;

/** Info-struct bytes this kernel really wrote, by struct name. */
export type LiveInfo = Record<string, Uint8Array[]>;

/** Info-struct bytes of this host's real objects, used as seeds; set in each worker from the main thread's capture. */
let liveInfo: LiveInfo = {};

/**
 * Reads the raw info of up to `limit` programs, maps, links and BTF objects of each kind on this
 * host (needs privilege; empty without). Runs in the main thread: a worker thread that closes a
 * descriptor it did not open through `node:fs` gets a warning from Node.
 */
export async function captureLiveInfo(limit = 16): Promise<LiveInfo> {
  const captured: LiveInfo = {};
  try {
    const node = await import("bpftypes/node");
    const kinds = [
      ["prog", "bpf_prog_info"],
      ["map", "bpf_map_info"],
      ["link", "bpf_link_info"],
      ["btf", "bpf_btf_info"],
    ] as const;
    for (const [kind, struct] of kinds) {
      const list = (captured[struct] ??= []);
      for (const id of node.allIds(kind)) {
        if (list.length >= limit) break;
        const fd = node.tryGetFdById(kind, id);
        if (!fd) continue;
        try {
          const info = new Uint8Array(STRUCT_SIZES[struct]);
          const filled = node.getInfoRaw(fd, info);
          list.push(info.slice(0, filled));
        } finally {
          fd.close();
        }
      }
    }
  } catch {
    // No privilege, no bpf(2), not Linux: the generated seeds still cover every field.
  }
  return captured;
}

/** A target for one struct decoder: seeds of the struct's size (zeros, random, real), `length` and byte order options. */
function structTarget(name: string, struct: keyof typeof STRUCT_SIZES): Target {
  let seeds: Uint8Array[] = [];
  let decode: Decoder | undefined;
  const size = STRUCT_SIZES[struct];
  return {
    name,
    prepare() {
      decode = decoder(name);
      const rng = new Rng(0x5eed, size);
      seeds = [new Uint8Array(size), rng.bytes(size), rng.bytes(size + 16), ...(liveInfo[struct] ?? [])];
      if (struct === "bpf_link_info") {
        // One seed per link type (and a few past the table), so every arm of the union is decoded.
        for (const entry of core.linkTypes.entries) {
          const bytes = rng.bytes(size);
          new DataView(bytes.buffer).setUint32(0, entry.value, true);
          // perf_event's own type (at 16 in the arm) picks a variant: keep it small sometimes.
          if (rng.chance(0.5)) new DataView(bytes.buffer).setUint32(16, rng.below(8), true);
          seeds.push(bytes);
        }
      }
    },
    generate(rng, index) {
      const input = mutate(rng, index, seeds, size * 2, [size]);
      if (rng.chance(0.5)) return input;
      const options: Record<string, unknown> = {};
      if (rng.chance(0.7)) options["length"] = numberOption(rng, rng.below(input.bytes.length + 1));
      if (rng.chance(0.5)) options["littleEndian"] = rng.chance(0.5);
      return { ...input, options };
    },
    execute(input) {
      if (!decode) throw new Error(`${name} is not exported by bpftypes`);
      return decode(input.bytes, input.options);
    },
  };
}

/** A target for an array decoder: `count`, and for record arrays `recSize`, as options. */
function arrayTarget(name: string, element: number): Target {
  let seeds: Uint8Array[] = [];
  let decode: Decoder | undefined;
  return {
    name,
    prepare() {
      decode = decoder(name);
      const rng = new Rng(0xa77a, element);
      seeds = [new Uint8Array(0), rng.bytes(element), rng.bytes(element * 5), rng.bytes(element * 5 + 3)];
    },
    generate(rng, index) {
      const input = mutate(rng, index, seeds, element * 8);
      const options: Record<string, unknown> = {};
      if (rng.chance(0.5)) options["count"] = numberOption(rng, rng.below(Math.floor(input.bytes.length / element) + 2));
      if (name.endsWith("Infos") && rng.chance(0.5)) options["recSize"] = numberOption(rng, rng.pick([element, element + 4, 4, 1]));
      if (rng.chance(0.3)) options["littleEndian"] = rng.chance(0.5);
      return { ...input, options };
    },
    execute(input) {
      if (!decode) throw new Error(`${name} is not exported by bpftypes`);
      return decode(input.bytes, input.options);
    },
  };
}

/** Touches everything a parsed BTF offers, so lazy decoding runs for every type. */
export function walkBtf(btf: Btf): number {
  let seen = 0;
  const named = (call: () => unknown): void => {
    try {
      call();
    } catch (error) {
      if (!btfCore.isBtfError(error)) throw error;
    }
  };
  named(() => btf.pointerSize);
  for (let id = btf.base ? 1 : 0; id < btf.typeCount + 2; id++) {
    named(() => btf.kindOf(id));
    named(() => {
      const t = btf.type(id);
      seen++;
      named(() => btf.findByName(t.name));
      named(() => btf.findByName(t.name, t.kind));
      if (t.kind === "enum" || t.kind === "enum64") for (const v of t.values) named(() => btf.findEnumWithValue(v.name));
    });
    named(() => btf.resolve(id));
    named(() => btf.sizeof(id));
  }
  named(() => [...btf.types()].length);
  for (const offset of [0, 1, btf.stringEnd - 1, btf.stringEnd, btf.startStringOffset, 0xffff_ffff]) named(() => btf.string(offset));
  named(() => btf.findByName("int"));
  named(() => btf.findEnumWithValue("BPF_ANY"));
  return seen;
}

/** The pinned Linux 7.1 BTF (parsed once per worker), the source of real blobs. */
let pinned: Btf | undefined;
function pinnedBtf(): Btf {
  pinned ??= btfCore.parseBtf(
    new Uint8Array(gunzipSync(readFileSync(fileURLToPath(new URL("../../testdata/vmlinux-7.1.btf.gz", import.meta.url))))),
  );
  return pinned;
}

/** Real blobs cut from the pinned kernel BTF, around types of every common kind. */
function realBlobs(limit: number): Uint8Array[] {
  const btf = pinnedBtf();
  const byName = (name: string): number[] => {
    const t = btf.findByName(name);
    return t ? [t.id] : [];
  };
  const firstOfKind = (kind: BtfType["kind"]): number[] => {
    for (const t of btf.types()) if (t.kind === kind) return [t.id];
    return [];
  };
  const rootSets = [
    byName("bpf_attr"),
    byName("bpf_link_info"),
    [...byName("bpf_map_type"), ...byName("bpf_prog_type"), ...firstOfKind("enum64")],
    [...firstOfKind("func"), ...firstOfKind("decl_tag"), ...firstOfKind("type_tag"), ...firstOfKind("float")],
    [...firstOfKind("var"), ...byName("sk_buff")],
  ];
  return rootSets.filter((roots) => roots.length > 0).map((roots, i) => closureBlob(btf, roots, limit, i !== 2));
}

/** The BTF parser on standalone blobs: parse, then walk every type. */
function btfTarget(): Target {
  let seeds: Uint8Array[] = [];
  return {
    name: "parseBtf",
    prepare() {
      seeds = [...realBlobs(120), ...Array.from({ length: 8 }, (_, i) => randomBtf(new Rng(0xb7f, i)))];
    },
    generate(rng, index) {
      // A fresh structurally valid random blob now and then, mutated half the time.
      if (index % 4 !== 0 && rng.chance(0.25)) {
        const blob = randomBtf(rng);
        return rng.chance(0.5) ? { bytes: blob, how: "random types" } : { ...mutate(rng, 1, [blob], 64), how: "random types, mutated" };
      }
      return mutate(rng, index, seeds, 256, [24, 32, 0xeb9f]);
    },
    execute(input) {
      return walkBtf(btfCore.parseBtf(input.bytes));
    },
  };
}

/** The BTF parser on blobs split from a real base: ids and string offsets continue the base's. */
function splitBtfTarget(): Target {
  let base: Btf | undefined;
  let seeds: Uint8Array[] = [];
  return {
    name: "parseBtf (split)",
    prepare() {
      const [baseBlob] = realBlobs(200);
      base = btfCore.parseBtf(baseBlob!);
      seeds = Array.from({ length: 8 }, (_, i) => randomBtf(new Rng(0x5b17, i), base!.typeCount, base!.stringEnd));
    },
    generate(rng, index) {
      if (index % 4 !== 0 && rng.chance(0.25)) return { bytes: randomBtf(rng, base!.typeCount, base!.stringEnd), how: "random split types" };
      return mutate(rng, index, seeds, 256, [base!.typeCount, base!.stringEnd]);
    },
    execute(input) {
      return walkBtf(btfCore.parseBtf(input.bytes, { base: base! }));
    },
  };
}

/** A target that hangs on its fourth case: proves the time box works (only with `selfTest`). */
function hangTarget(): Target {
  return {
    name: "self-test: hang",
    prepare() {},
    generate: (_rng, index) => ({ bytes: new Uint8Array([index, 0xbe, 0xef]), how: `case ${index}` }),
    execute(input) {
      if (input.bytes[0] === 3) for (;;);
      return input.bytes.length;
    },
  };
}

/** Every fuzz target, by name; with `selfTest`, also one that hangs on purpose. */
export function allTargets(selfTest = false): Target[] {
  return [
    ...(selfTest ? [hangTarget()] : []),
    structTarget("decodeProgInfo", "bpf_prog_info"),
    structTarget("decodeMapInfo", "bpf_map_info"),
    structTarget("decodeLinkInfo", "bpf_link_info"),
    structTarget("decodeBtfInfo", "bpf_btf_info"),
    structTarget("decodeFuncInfo", "bpf_func_info"),
    structTarget("decodeLineInfo", "bpf_line_info"),
    arrayTarget("decodeFuncInfos", STRUCT_SIZES.bpf_func_info),
    arrayTarget("decodeLineInfos", STRUCT_SIZES.bpf_line_info),
    arrayTarget("decodeU32Array", 4),
    arrayTarget("decodeU64Array", 8),
    arrayTarget("decodeTagArray", 8),
    btfTarget(),
    splitBtfTarget(),
  ];
}

// --- running -------------------------------------------------------------------------------------

/** Whether an error is one the library names: the only kind a decoder or the parser may throw. */
export function isNamedError(error: unknown): boolean {
  return btfCore.isBtfError(error) || codecCore.isCodecError(error);
}

/** Finds a NaN anywhere in a decoded result: the trace of a read outside the bytes given. */
function findNaN(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === "number") return Number.isNaN(value) ? path : undefined;
  if (typeof value !== "object" || value === null || depth > 6) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = findNaN(inner, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** What went wrong in one case. */
export interface Failure {
  readonly target: string;
  readonly index: number;
  readonly how: string;
  readonly problem: string;
  /** The input as hex (cut at 4 KiB). */
  readonly hex: string;
  readonly options?: string;
}

/** The result of fuzzing one target. */
export interface TargetReport {
  readonly target: string;
  readonly cases: number;
  readonly seconds: number;
  /** The slowest single case, in milliseconds, and which it was. */
  readonly slowestMs: number;
  readonly slowestCase?: string;
  /** How many cases ended in each named error code, and `ok` for no error. */
  readonly outcomes: Record<string, number>;
  readonly failures: Failure[];
  /** Why the target did not run (its decoder is not exported yet). */
  readonly skipped?: string;
  /** Real info structs captured from the running kernel and used as seeds. */
  readonly liveSeeds?: number;
}

const hexOf = (bytes: Uint8Array): string =>
  Array.from(bytes.subarray(0, 4096), (b) => b.toString(16).padStart(2, "0")).join("") + (bytes.length > 4096 ? `... (${bytes.length} bytes)` : "");

const showOptions = (options: Record<string, unknown> | undefined): string | undefined =>
  options === undefined ? undefined : JSON.stringify(options, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));

/** Runs one case and checks it: named errors only, the input untouched, no NaN in the result. */
export function runCase(target: Target, input: Case): { outcome: string; problem?: string } {
  const before = input.bytes.slice();
  // Place the bytes at the very end of their buffer, after a gap, so any read past the view (or
  // before it) leaves the buffer or lands in the gap.
  const gap = input.bytes.length % 7;
  const holder = new Uint8Array(gap + input.bytes.length);
  holder.fill(0xa5, 0, gap);
  holder.set(input.bytes, gap);
  const placed: Case = { ...input, bytes: holder.subarray(gap) };
  let outcome = "ok";
  let problem: string | undefined;
  try {
    const result = target.execute(placed);
    const nan = findNaN(result, "result");
    if (nan) problem = `${nan} is NaN: a read outside the bytes given`;
  } catch (error) {
    if (isNamedError(error)) {
      const named = error as { name: string; code: string; message: unknown };
      outcome = `${named.name} ${named.code}`;
      if (typeof named.message !== "string" || named.message === "") problem = `${outcome} has no message`;
    } else {
      problem = `threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error)}`;
    }
  }
  if (problem === undefined && (placed.bytes.length !== before.length || placed.bytes.some((b, i) => b !== before[i]))) {
    problem = "changed the input bytes";
  }
  return problem === undefined ? { outcome } : { outcome, problem };
}

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Cases per target. */
  readonly cases: number;
  /** Target names to run (all when empty). */
  readonly targets?: readonly string[];
  /** The seed every case derives from. */
  readonly seed?: number;
  /** The index of the first case (to replay a reported one); 0 unless said. */
  readonly first?: number;
  /** Targets fuzzed at once, each in its own worker. */
  readonly jobs?: number;
  /** A case running longer than this is a hang: its worker is stopped and the case reported. */
  readonly caseTimeoutMs?: number;
  /** Use info structs of this host's real objects as seeds when privileged (default true). */
  readonly live?: boolean;
  /** Adds the target `self-test: hang`, which hangs on purpose. */
  readonly selfTest?: boolean;
  /** Called with each target's report as it finishes. */
  readonly onReport?: (report: TargetReport) => void;
}

/** Size of the shared slot a worker copies each case's bytes into before running it. */
const SLOT_BYTES = 1 << 20;

interface WorkerInput {
  readonly bpftypesFuzz: true;
  readonly target: string;
  readonly cases: number;
  readonly first: number;
  readonly seed: number;
  readonly live: LiveInfo;
  readonly selfTest: boolean;
  /** [case index, byte length, running flag] and then the bytes. */
  readonly shared: SharedArrayBuffer;
}

/** Fuzzes each target in a worker; resolves with one report per target. */
export async function fuzz(options: FuzzOptions): Promise<TargetReport[]> {
  const names = allTargets(options.selfTest).map((t) => t.name);
  const wanted = options.targets && options.targets.length > 0 ? options.targets : names;
  for (const name of wanted) if (!names.includes(name)) throw new Error(`fuzzing: no target named ${JSON.stringify(name)} (there are: ${names.join(", ")})`);
  const queue = [...wanted];
  const live = options.live === false ? {} : await captureLiveInfo();
  const reports: TargetReport[] = [];
  const jobs = Math.max(1, options.jobs ?? Math.min(2, availableParallelism()));
  const runner = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const report = await fuzzInWorker(name, options, live);
      reports.push(report);
      options.onReport?.(report);
    }
  };
  await Promise.all(Array.from({ length: jobs }, runner));
  return wanted.map((name) => reports.find((r) => r.target === name)!);
}

function fuzzInWorker(name: string, options: FuzzOptions, live: LiveInfo): Promise<TargetReport> {
  const shared = new SharedArrayBuffer(16 + SLOT_BYTES);
  const state = new Int32Array(shared, 0, 4);
  const slot = new Uint8Array(shared, 16);
  const input: WorkerInput = {
    bpftypesFuzz: true,
    target: name,
    cases: options.cases,
    first: options.first ?? 0,
    seed: options.seed ?? 1,
    live,
    selfTest: options.selfTest ?? false,
    shared,
  };
  const timeout = options.caseTimeoutMs ?? 2000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: input });
    let settled = false;
    let lastIndex = -1;
    let lastChange = Date.now();
    const finish = (report: TargetReport | Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      void worker.terminate();
      if (report instanceof Error) reject(report);
      else resolve(report);
    };
    const watchdog = setInterval(() => {
      const index = Atomics.load(state, 0);
      const running = Atomics.load(state, 2) === 1;
      if (index !== lastIndex || !running) {
        lastIndex = index;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange <= timeout) return;
      const length = Atomics.load(state, 1);
      const bytes = slot.slice(0, Math.min(length, SLOT_BYTES));
      const failure: Failure = { target: name, index, how: "(see bytes)", problem: `hung: still running after ${timeout} ms`, hex: hexOf(bytes) };
      finish({ target: name, cases: index, seconds: (Date.now() - started) / 1000, slowestMs: timeout, outcomes: {}, failures: [failure] });
    }, 50);
    worker.on("message", (message: TargetReport) => finish(message));
    worker.on("error", (error) => finish(error));
    worker.on("exit", (code) => finish(new Error(`fuzzing ${name}: the worker exited with code ${code} before reporting`)));
  });
}

/** The worker's side: prepares the target, runs every case, posts one report. */
function workerMain(input: WorkerInput): void {
  const state = new Int32Array(input.shared, 0, 4);
  const slot = new Uint8Array(input.shared, 16);
  liveInfo = input.live;
  const targets = allTargets(input.selfTest);
  const target = targets.find((t) => t.name === input.target)!;
  const targetIndex = targets.findIndex((t) => t.name === input.target);
  const outcomes: Record<string, number> = {};
  const failures: Failure[] = [];
  let slowest = 0;
  let slowestCase = "";
  let started = performance.now();
  const skipped = target.name.startsWith("decode") && decoder(target.name) === undefined ? `${target.name} is not exported by bpftypes yet` : undefined;
  let done = 0;
  if (!skipped) {
    target.prepare();
    started = performance.now();
    for (let index = input.first; index < input.first + input.cases; index++) {
      const rng = new Rng(input.seed, targetIndex, index);
      const c = target.generate(rng, index);
      Atomics.store(state, 1, c.bytes.length);
      slot.set(c.bytes.subarray(0, SLOT_BYTES));
      Atomics.store(state, 0, index);
      Atomics.store(state, 2, 1);
      const t0 = performance.now();
      const { outcome, problem } = runCase(target, c);
      const took = performance.now() - t0;
      Atomics.store(state, 2, 0);
      if (took > slowest) {
        slowest = took;
        slowestCase = `case ${index} (${c.how}, ${c.bytes.length} bytes)`;
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      done++;
      if (problem !== undefined && failures.length < 5) {
        failures.push({ target: target.name, index, how: c.how, problem, hex: hexOf(c.bytes), ...(c.options && { options: showOptions(c.options)! }) });
      }
    }
  }
  const report: TargetReport = {
    target: target.name,
    cases: done,
    seconds: (performance.now() - started) / 1000,
    slowestMs: Math.round(slowest * 100) / 100,
    slowestCase,
    outcomes,
    failures,
    ...(skipped && { skipped }),
    ...(target.name.startsWith("decode") && { liveSeeds: Object.values(liveInfo).reduce((n, list) => n + list.length, 0) }),
  };
  parentPort!.postMessage(report);
}

/** One line per target: cases, rate, slowest case, and the outcomes seen. */
export function formatReport(report: TargetReport): string {
  if (report.skipped) return `${report.target.padEnd(18)} SKIPPED: ${report.skipped}`;
  const rate = report.seconds > 0 ? Math.round(report.cases / report.seconds) : 0;
  const outcomes = Object.entries(report.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => `${what} ${n}`)
    .join(", ");
  const live = report.liveSeeds ? `, ${report.liveSeeds} live seeds` : "";
  const status = report.failures.length > 0 ? `FAILED (${report.failures.length})` : "ok";
  return (
    `${report.target.padEnd(18)} ${status.padEnd(11)} ${String(report.cases).padStart(7)} cases ` +
    `${String(rate).padStart(8)}/s  slowest ${report.slowestMs} ms ${report.slowestCase ?? ""}${live}\n    ${outcomes}`
  );
}

function parseArgs(argv: readonly string[]): FuzzOptions {
  const targets: string[] = [];
  let cases = 100_000;
  let seed = 1;
  let first = 0;
  let jobs: number | undefined;
  let caseTimeoutMs = 2000;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`fuzz: ${arg} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`fuzz: ${arg} needs a non-negative integer`);
      return v;
    };
    if (arg === "--cases") cases = num();
    else if (arg === "--target") targets.push(value());
    else if (arg === "--seed") seed = num();
    else if (arg === "--first") first = num();
    else if (arg === "--jobs") jobs = num();
    else if (arg === "--case-timeout") caseTimeoutMs = num();
    else throw new Error(`fuzz: unknown argument ${arg} (use --cases N, --target NAME, --seed S, --first I, --jobs J, --case-timeout MS)`);
  }
  return { cases, targets, seed, first, caseTimeoutMs, ...(jobs !== undefined && { jobs }) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(`fuzzing ${options.cases} cases per target, seed ${options.seed}`);
  const started = Date.now();
  const reports = await fuzz({ ...options, onReport: (report) => console.log(formatReport(report)) });
  const failures = reports.flatMap((r) => r.failures);
  const skipped = reports.filter((r) => r.skipped);
  for (const f of failures) {
    console.log(`\nFAILURE in ${f.target}, case ${f.index} (${f.how}): ${f.problem}\n  options: ${f.options ?? "none"}\n  bytes: ${f.hex}`);
  }
  const total = reports.reduce((sum, r) => sum + r.cases, 0);
  console.log(`\n${total} cases in ${((Date.now() - started) / 1000).toFixed(1)} s: ${failures.length} failures, ${skipped.length} targets skipped`);
  if (failures.length > 0 || skipped.length > 0) process.exitCode = 1;
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.bpftypesFuzz) {
  workerMain(workerData as WorkerInput);
} else if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
}
