// Turns a struct layout into a decoder and an encoder once, so each record costs straight-line reads, not a walk over the layout.

import type { FieldLayout } from "../uapi/layout.js";
import { bytesOfHex, cStringOf, hexOf, tagOf, utf8Encode } from "./bytes.js";
import { CodecError } from "./errors.js";

/**
 * How a leaf's bytes become a JavaScript value:
 * integers up to 32 bits as numbers, 64-bit ones as bigints, `hex` a byte array as lowercase hex,
 * `string` a NUL-padded char array, `flag` a one-bit bitfield as a boolean, `bits` a wider bitfield,
 * `linecol` `bpf_line_info`'s packed word, read as `line_col`, `line` and `column`.
 */
export type LeafKind = "u8" | "u16" | "u32" | "s8" | "s16" | "s32" | "u64" | "s64" | "hex" | "string" | "flag" | "bits" | "linecol";

/** One scalar field of a plan, at an absolute offset from the start of the struct. */
export interface Leaf {
  /** The keys leading to the value from the decoded object's root (`["perf_event", "kprobe", "addr"]`). */
  readonly path: readonly string[];
  /** The path joined with dots: how `absent` and errors name the field. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  /** `offset + size`: the field is present only when the reported length reaches this. */
  readonly end: number;
  readonly kind: LeafKind;
  readonly signed: boolean;
  /** For bitfields: first bit counted from the least significant bit on a little-endian machine. */
  readonly bitOffset: number;
  readonly bitSize: number;
}

/** A struct (or one arm choice of a struct with a union) as the leaves to read, in offset order. */
export interface Plan {
  /** The C struct name, for messages. */
  readonly struct: string;
  readonly leaves: readonly Leaf[];
  /** Keys allowed at the root of an encoder's input besides the leaves' (`absent`, derived keys). */
  readonly extraRootKeys: readonly string[];
}

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Builds the leaves of layout fields (padding and the union placeholder dropped), under a key prefix. */
export function leavesOf(fields: readonly FieldLayout[], prefix: readonly string[] = [], special: Readonly<Record<string, LeafKind>> = {}): Leaf[] {
  const out: Leaf[] = [];
  for (const field of fields) {
    if (field.type === "pad" || field.type === "union" || field.name === "") continue;
    const path = [...prefix, ...field.name.split(".")];
    // Names become object keys (and source text in generated decoders): only plain C identifiers.
    if (path.some((key) => !SAFE_KEY.test(key) || key === "__proto__" || key === "absent")) {
      throw new Error(`compiling ${field.name}: not a plain C field name`);
    }
    let kind: LeafKind;
    if (special[field.name] !== undefined) kind = special[field.name]!;
    else if (field.bitSize !== undefined) kind = field.bitSize === 1 ? "flag" : "bits";
    else if (field.type === "bytes") kind = "hex";
    else kind = field.type;
    if ((kind === "flag" || kind === "bits") && field.size > 4) {
      throw new Error(`compiling ${field.name}: bitfields in a ${field.size}-byte unit are not supported`);
    }
    out.push({
      path,
      name: path.join("."),
      offset: field.offset,
      size: field.size,
      end: field.offset + field.size,
      kind,
      signed: field.type.startsWith("s"),
      bitOffset: field.bitOffset ?? 0,
      bitSize: field.bitSize ?? field.size * 8,
    });
  }
  return out;
}

/** The shared `absent` list of a complete decode: frozen, so one object serves every record. */
export const NONE_ABSENT: readonly string[] = Object.freeze([]);

type Reader = (d: DataView, b: Uint8Array, o: number, le: boolean) => unknown;
type FullDecoder = (d: DataView, b: Uint8Array, o: number) => Record<string, unknown>;

/** Where a bitfield's bits start, counted from the least significant bit of its unit as read in this byte order. */
function bitShift(leaf: Leaf, le: boolean): number {
  // The layouts come from little-endian BTF, where bitfields fill a unit from its low bits; big-endian
  // ABIs fill it from the high bits, so the same field sits at the mirrored position there.
  return le ? leaf.bitOffset : leaf.size * 8 - leaf.bitOffset - leaf.bitSize;
}

function unitGetter(size: number): "getUint8" | "getUint16" | "getUint32" {
  return size === 1 ? "getUint8" : size === 2 ? "getUint16" : "getUint32";
}

function readerOf(leaf: Leaf): Reader {
  const at = leaf.offset;
  switch (leaf.kind) {
    case "u8":
      return (d, _b, o) => d.getUint8(o + at);
    case "u16":
      return (d, _b, o, le) => d.getUint16(o + at, le);
    case "u32":
      return (d, _b, o, le) => d.getUint32(o + at, le);
    case "s8":
      return (d, _b, o) => d.getInt8(o + at);
    case "s16":
      return (d, _b, o, le) => d.getInt16(o + at, le);
    case "s32":
      return (d, _b, o, le) => d.getInt32(o + at, le);
    case "u64":
      return (d, _b, o, le) => d.getBigUint64(o + at, le);
    case "s64":
      return (d, _b, o, le) => d.getBigInt64(o + at, le);
    case "hex":
      return leaf.size === 8 ? (_d, b, o) => tagOf(b, o + at) : (_d, b, o) => hexOf(b, o + at, leaf.size);
    case "string":
      return (_d, b, o) => cStringOf(b, o + at, leaf.size);
    case "linecol":
      return (d, _b, o, le) => d.getUint32(o + at, le);
    case "flag":
    case "bits": {
      const get = unitGetter(leaf.size);
      const width = leaf.bitSize;
      return (d, _b, o, le) => {
        const unit = d[get](o + at, le);
        const shift = bitShift(leaf, le);
        if (width >= 32) return unit;
        if (leaf.kind === "flag") return ((unit >>> shift) & 1) === 1;
        // Move the field to the top of 32 bits, then back down with or without its sign.
        const up = unit << (32 - shift - width);
        return leaf.signed ? up >> (32 - width) : up >>> (32 - width);
      };
    }
  }
}

/**
 * The JavaScript source of one leaf's value in a generated decoder, which gets `d`, a DataView,
 * `b`, the same bytes as a Uint8Array, and `o`, the record's offset in both.
 */
function sourceOf(leaf: Leaf, le: boolean): string {
  const at = leaf.offset;
  const endian = le ? "true" : "false";
  switch (leaf.kind) {
    case "u8":
      return `d.getUint8(o + ${at})`;
    case "s8":
      return `d.getInt8(o + ${at})`;
    case "u16":
      return `d.getUint16(o + ${at}, ${endian})`;
    case "s16":
      return `d.getInt16(o + ${at}, ${endian})`;
    case "u32":
    case "linecol":
      return `d.getUint32(o + ${at}, ${endian})`;
    case "s32":
      return `d.getInt32(o + ${at}, ${endian})`;
    case "u64":
    case "s64": {
      // Most u64 fields are zero (the pointers of a first call) or below 2^53 (counters, times):
      // those become 0n or one BigInt of a safe number, cheaper than getBigUint64, which
      // allocates even for zero.
      const [low, high] = le ? [at, at + 4] : [at + 4, at];
      const load = `(l = d.getUint32(o + ${low}, ${endian})) | (h = d.getUint32(o + ${high}, ${endian}))`;
      const wide = leaf.kind === "u64" ? `d.getBigUint64(o + ${at}, ${endian})` : `d.getBigInt64(o + ${at}, ${endian})`;
      return `((${load}) === 0 ? 0n : h < 0x200000 ? BigInt(h * 4294967296 + l) : ${wide})`;
    }
    case "hex":
      return leaf.size === 8 ? `tag(b, o + ${at})` : `hex(b, o + ${at}, ${leaf.size})`;
    case "string":
      return `cstr(b, o + ${at}, ${leaf.size})`;
    case "flag":
    case "bits": {
      const unit = `d.${unitGetter(leaf.size)}(o + ${at}, ${endian})`;
      const shift = bitShift(leaf, le);
      const width = leaf.bitSize;
      if (width >= 32) return unit;
      if (leaf.kind === "flag") return `((${unit} >>> ${shift}) & 1) === 1`;
      return `((${unit} << ${32 - shift - width}) ${leaf.signed ? ">>" : ">>>"} ${32 - width})`;
    }
  }
}

// A tree of keys in first-appearance order, for nesting object literals and checking an encoder's input.
interface KeyNode {
  readonly children: Map<string, KeyNode | Leaf>;
}

function keyTree(leaves: readonly Leaf[]): KeyNode {
  const root: KeyNode = { children: new Map() };
  for (const leaf of leaves) {
    let node = root;
    leaf.path.forEach((key, i) => {
      if (i === leaf.path.length - 1) {
        node.children.set(key, leaf);
        return;
      }
      let next = node.children.get(key);
      if (next === undefined) {
        next = { children: new Map() };
        node.children.set(key, next);
      }
      if (!("children" in next)) throw new Error(`compiling: ${leaf.name} is both a field and a group`);
      node = next;
    });
  }
  return root;
}

function literalOf(node: KeyNode, le: boolean, root: boolean): string {
  const parts: string[] = [];
  for (const [key, child] of node.children) {
    // Keys come from the generated layouts; check them anyway, as they become source text.
    if (!SAFE_KEY.test(key)) throw new Error(`compiling: "${key}" is not a plain field name`);
    if ("children" in child) parts.push(`${key}: ${literalOf(child, le, false)}`);
    else if (child.kind === "linecol") {
      const word = sourceOf(child, le);
      parts.push(`${key}: ${word}`, `line: ${word} >>> 10`, `column: ${word} & 1023`);
    } else parts.push(`${key}: ${sourceOf(child, le)}`);
  }
  if (root) parts.push("absent: ABSENT");
  return `{ ${parts.join(", ")} }`;
}

/**
 * Generates the decoder of a plan for one byte order and one reported length (capped at the
 * plan's extent): one object literal of the fields that fit, so every record of that shape gets the
 * same hidden class, and its `absent` list as one frozen constant. `undefined` where the
 * environment forbids generating code (a strict Content-Security-Policy): the reader closures then
 * do the work.
 */
function generate(plan: Plan, le: boolean, length: number): FullDecoder | undefined {
  const present = plan.leaves.filter((leaf) => leaf.end <= length);
  const absent = plan.leaves.filter((leaf) => leaf.end > length).map((leaf) => leaf.name);
  const name = `decode_${plan.struct}_${le ? "le" : "be"}_${length}`;
  const body = `"use strict";\nreturn function ${name}(d, b, o) {\n  let l = 0, h = 0;\n  return ${literalOf(keyTree(present), le, true)};\n};`;
  try {
    const factory = new Function("ABSENT", "tag", "hex", "cstr", body) as (...helpers: unknown[]) => FullDecoder;
    return factory(absent.length === 0 ? NONE_ABSENT : Object.freeze(absent), tagOf, hexOf, cStringOf);
  } catch {
    return undefined;
  }
}

const U_MAX: Readonly<Record<string, number>> = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff };
const S_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  s8: [-0x80, 0x7f],
  s16: [-0x8000, 0x7fff],
  s32: [-0x8000_0000, 0x7fff_ffff],
};

const SCRATCH_SIZE = 4096;
const scratch = new Uint8Array(SCRATCH_SIZE);
const scratchView = new DataView(scratch.buffer);
// Set while the scratch is in use: an encoder reads the caller's objects, whose getters could call
// back into a codec; that inner call then works on its own buffers.
let scratchBusy = false;

/** A decoder and an encoder for one plan, built on first use per byte order. */
export class StructCodec {
  readonly plan: Plan;
  /** The end of the last leaf: a reported length at least this long gives every field. */
  readonly extent: number;
  readonly #readers: readonly Reader[];
  readonly #tree: KeyNode;
  /** Pairs of leaves that share bytes (alternatives of a nested union that are all decoded). */
  readonly #overlaps: readonly (readonly [number, number])[];
  // Generated decoders by byte order: the complete one, and one per shorter reported length seen
  // (an older kernel reports the same length every time, so there are few). `null` once generating
  // code turned out to be forbidden.
  #completeLe: FullDecoder | undefined;
  #completeBe: FullDecoder | undefined;
  readonly #byLength: [Map<number, FullDecoder | null>, Map<number, FullDecoder | null>] = [new Map(), new Map()];

  constructor(plan: Plan) {
    this.plan = plan;
    this.extent = plan.leaves.reduce((max, leaf) => Math.max(max, leaf.end), 0);
    this.#readers = plan.leaves.map(readerOf);
    this.#tree = keyTree(plan.leaves);
    const overlaps: [number, number][] = [];
    plan.leaves.forEach((a, i) => {
      plan.leaves.forEach((b, j) => {
        if (j > i && a.offset < b.end && b.offset < a.end) overlaps.push([i, j]);
      });
    });
    this.#overlaps = overlaps;
  }

  /** The generated decoder for a byte order and a length up to the extent, or `undefined` without code generation. */
  #decoderFor(le: boolean, length: number): FullDecoder | undefined {
    const cache = this.#byLength[le ? 0 : 1];
    let decoder = cache.get(length);
    if (decoder === undefined) {
      // Lengths that cut no further field share a decoder: the shape is the fields that fit.
      const cut = this.plan.leaves.reduce((max, leaf) => (leaf.end <= length ? Math.max(max, leaf.end) : max), 0);
      decoder = cut === length ? (generate(this.plan, le, length) ?? null) : this.#decoderFor(le, cut) ?? null;
      cache.set(length, decoder);
    }
    return decoder ?? undefined;
  }

  /**
   * Decodes the record at `o` of `b` of which the kernel reported `length` bytes. The caller has
   * checked that `o + min(length, extent)` lies inside `b`. `view` is a DataView over exactly `b`,
   * if the caller has one (an array of records shares one).
   */
  decode(b: Uint8Array, o: number, le: boolean, length: number, view?: DataView): Record<string, unknown> {
    let decoder: FullDecoder | undefined;
    if (length >= this.extent) decoder = le ? (this.#completeLe ??= this.#decoderFor(true, this.extent)) : (this.#completeBe ??= this.#decoderFor(false, this.extent));
    else decoder = this.#decoderFor(le, length);
    if (decoder === undefined) return this.#decodeEach(view ?? new DataView(b.buffer, b.byteOffset, b.byteLength), b, o, le, length);
    if (view !== undefined) return decoder(view, b, o);
    // Building a DataView costs more than decoding a small struct: copy the bytes into a scratch
    // buffer that has one. Decoders run no caller code while they use it; the flag is for safety.
    if (o === 0 && b.length <= SCRATCH_SIZE && !scratchBusy) {
      scratchBusy = true;
      try {
        scratch.set(b);
        return decoder(scratchView, scratch, 0);
      } finally {
        scratchBusy = false;
      }
    }
    return decoder(new DataView(b.buffer, b.byteOffset, b.byteLength), b, o);
  }

  #decodeEach(d: DataView, b: Uint8Array, o: number, le: boolean, length: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let absent: string[] | undefined;
    const leaves = this.plan.leaves;
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i]!;
      if (leaf.end > length) {
        (absent ??= []).push(leaf.name);
        continue;
      }
      let target = out;
      for (let k = 0; k < leaf.path.length - 1; k++) {
        const key = leaf.path[k]!;
        target = (target[key] ??= {}) as Record<string, unknown>;
      }
      const value = this.#readers[i]!(d, b, o, le);
      target[leaf.path[leaf.path.length - 1]!] = value;
      if (leaf.kind === "linecol") {
        target["line"] = (value as number) >>> 10;
        target["column"] = (value as number) & 0x3ff;
      }
    }
    out["absent"] = absent === undefined ? NONE_ABSENT : Object.freeze(absent);
    return out;
  }

  /**
   * Encodes `value` into `length` fresh zeroed bytes, or into `into` at `offset` (the caller has
   * checked it fits): the bytes past the fields given are zero. Returns the bytes written.
   */
  encodeBytes(value: object, le: boolean, length: number, into?: Uint8Array, offset = 0): Uint8Array {
    if (length <= SCRATCH_SIZE && !scratchBusy) {
      // Fill the scratch (it has a DataView already), then copy: cheaper than a new DataView, and
      // `into` is left untouched when the value turns out to be bad.
      scratchBusy = true;
      try {
        scratch.fill(0, 0, length);
        this.encode(scratchView, scratch, 0, le, value, length);
        if (into === undefined) return scratch.slice(0, length);
        into.set(scratch.subarray(0, length), offset);
        return into.subarray(offset, offset + length);
      } finally {
        scratchBusy = false;
      }
    }
    const bytes = new Uint8Array(length);
    this.encode(new DataView(bytes.buffer), bytes, 0, le, value, length);
    if (into === undefined) return bytes;
    into.set(bytes, offset);
    return into.subarray(offset, offset + length);
  }

  /**
   * Writes the fields `value` gives into `length` bytes at `o`, which the caller has zeroed; fields
   * not given stay zero. Throws a {@link CodecError} for an unknown key, a value that does not fit
   * its field, or a field past `length`.
   */
  encode(d: DataView, b: Uint8Array, o: number, le: boolean, value: object, length: number): void {
    const given = this.#overlaps.length === 0 ? undefined : new Set<Leaf>();
    this.#encodeNode(d, b, o, le, value, this.#tree, "", length, given, value);
    if (given === undefined) return;
    const leaves = this.plan.leaves;
    for (const [i, j] of this.#overlaps) {
      if (!given.has(leaves[i]!) || !given.has(leaves[j]!)) continue;
      for (const k of [i, j]) {
        const leaf = leaves[k]!;
        if (this.#readers[k]!(d, b, o, le) !== normalize(take(value, leaf, this.plan.struct), leaf)) {
          throw new CodecError(
            "WRONG_ARM",
            `encoding ${this.plan.struct}: ${leaves[i]!.name} and ${leaves[j]!.name} share bytes and the values given disagree; give one of them`,
            { struct: this.plan.struct, field: leaf.name },
          );
        }
      }
    }
  }

  /** Writes the keys of one object of the input, checking each against the layout as it goes. */
  #encodeNode(
    d: DataView,
    b: Uint8Array,
    o: number,
    le: boolean,
    value: unknown,
    node: KeyNode,
    prefix: string,
    length: number,
    given: Set<Leaf> | undefined,
    root: object,
  ): void {
    const struct = this.plan.struct;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const where = prefix === "" ? "the value" : prefix.slice(0, -1);
      throw new CodecError("BAD_VALUE", `encoding ${struct}: ${where} must be an object`, { struct, field: prefix === "" ? undefined : prefix.slice(0, -1) });
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = node.children.get(key);
      if (child === undefined) {
        if (prefix === "" && this.plan.extraRootKeys.includes(key)) continue;
        throw new CodecError("UNKNOWN_FIELD", `encoding ${struct}: it has no field ${prefix}${key}`, { struct, field: `${prefix}${key}` });
      }
      if ("children" in child) {
        const inner = record[key];
        if (inner !== undefined) this.#encodeNode(d, b, o, le, inner, child, `${prefix}${key}.`, length, given, root);
        continue;
      }
      // line_col may also come as line and column, handled below with them.
      if (child.kind === "linecol") continue;
      const v = record[key];
      if (v === undefined) continue;
      this.#writeLeaf(d, b, o, le, child, v, length);
      given?.add(child);
    }
    if (prefix === "") {
      for (const child of node.children.values()) {
        if ("children" in child || child.kind !== "linecol") continue;
        const v = take(root, child, struct);
        if (v !== undefined) this.#writeLeaf(d, b, o, le, child, v, length);
      }
    }
  }

  #writeLeaf(d: DataView, b: Uint8Array, o: number, le: boolean, leaf: Leaf, v: unknown, length: number): void {
    const struct = this.plan.struct;
    if (leaf.end > length) {
      throw new CodecError("FIELD_PAST_LENGTH", `encoding ${struct}: ${leaf.name} (bytes ${leaf.offset}..${leaf.end}) does not fit in ${length} bytes`, {
        struct,
        field: leaf.name,
      });
    }
    write(d, b, o, le, leaf, v, struct);
  }
}

/** The value an encoder's input gives for a leaf, or `undefined`. */
function take(value: object, leaf: Leaf, struct: string): unknown {
  let at: unknown = value;
  for (const key of leaf.path) {
    if (at === undefined) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  if (leaf.kind !== "linecol") return at;
  // bpf_line_info: line_col, or line and column, or both when they agree.
  const parent = leaf.path.length === 1 ? (value as Record<string, unknown>) : undefined;
  const line = parent?.["line"];
  const column = parent?.["column"];
  if (line === undefined && column === undefined) return at;
  const l = line ?? 0;
  const c = column ?? 0;
  if (!Number.isInteger(l) || (l as number) < 0 || (l as number) > 0x3f_ffff) {
    throw new CodecError("BAD_VALUE", `encoding ${struct}: line ${String(l)} is not an integer from 0 to 4194303 (22 bits)`, { struct, field: "line" });
  }
  if (!Number.isInteger(c) || (c as number) < 0 || (c as number) > 0x3ff) {
    throw new CodecError("BAD_VALUE", `encoding ${struct}: column ${String(c)} is not an integer from 0 to 1023 (10 bits)`, { struct, field: "column" });
  }
  const word = (((l as number) << 10) | (c as number)) >>> 0;
  if (at !== undefined && at !== word) {
    throw new CodecError("BAD_VALUE", `encoding ${struct}: line_col ${String(at)} disagrees with line ${String(l)} and column ${String(c)}`, {
      struct,
      field: leaf.name,
    });
  }
  return word;
}

/** A valid input value as the decoder would return it, for comparing shared bytes. */
function normalize(value: unknown, leaf: Leaf): unknown {
  if ((leaf.kind === "u64" || leaf.kind === "s64") && typeof value === "number") return BigInt(value);
  if (leaf.kind === "hex" && typeof value === "string") return value.toLowerCase();
  return value;
}

function badValue(struct: string, leaf: Leaf, value: unknown, why: string): CodecError {
  const shown = typeof value === "bigint" ? `${value}n` : typeof value === "string" ? JSON.stringify(value) : String(value);
  return new CodecError("BAD_VALUE", `encoding ${struct}: ${leaf.name} = ${shown} ${why}`, { struct, field: leaf.name });
}

function write(d: DataView, b: Uint8Array, o: number, le: boolean, leaf: Leaf, value: unknown, struct: string): void {
  const at = o + leaf.offset;
  switch (leaf.kind) {
    case "u8":
    case "u16":
    case "u32":
    case "linecol": {
      const max = U_MAX[leaf.kind === "linecol" ? "u32" : leaf.kind]!;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
        throw badValue(struct, leaf, value, `is not an integer from 0 to ${max}`);
      }
      if (leaf.kind === "u8") d.setUint8(at, value);
      else if (leaf.kind === "u16") d.setUint16(at, value, le);
      else d.setUint32(at, value, le);
      return;
    }
    case "s8":
    case "s16":
    case "s32": {
      const [min, max] = S_RANGE[leaf.kind]!;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw badValue(struct, leaf, value, `is not an integer from ${min} to ${max}`);
      }
      if (leaf.kind === "s8") d.setInt8(at, value);
      else if (leaf.kind === "s16") d.setInt16(at, value, le);
      else d.setInt32(at, value, le);
      return;
    }
    case "u64":
    case "s64": {
      const big = typeof value === "bigint" ? value : typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : undefined;
      const [min, max] = leaf.kind === "u64" ? [0n, 0xffff_ffff_ffff_ffffn] : [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn];
      if (big === undefined || big < min || big > max) {
        throw badValue(struct, leaf, value, `is not a ${leaf.kind === "u64" ? "u64" : "s64"} (a bigint, or a safe integer, from ${min} to ${max})`);
      }
      if (leaf.kind === "u64") d.setBigUint64(at, big, le);
      else d.setBigInt64(at, big, le);
      return;
    }
    case "hex": {
      const bytes = typeof value === "string" ? bytesOfHex(value, leaf.size) : undefined;
      if (bytes === undefined) throw badValue(struct, leaf, value, `is not ${leaf.size * 2} hex digits`);
      b.set(bytes, at);
      return;
    }
    case "string": {
      if (typeof value !== "string") throw badValue(struct, leaf, value, "is not a string");
      if (value.includes("\0")) throw badValue(struct, leaf, value, "holds a NUL character, which would end it early");
      const bytes = utf8Encode(value);
      if (bytes.length > leaf.size) throw badValue(struct, leaf, value, `takes ${bytes.length} bytes in UTF-8; the field has ${leaf.size}`);
      b.set(bytes, at);
      return;
    }
    case "flag":
    case "bits": {
      const width = leaf.bitSize;
      let bits: number;
      if (leaf.kind === "flag") {
        if (typeof value !== "boolean") throw badValue(struct, leaf, value, "is not a boolean");
        bits = value ? 1 : 0;
      } else {
        const [min, max] = leaf.signed ? [-(2 ** (width - 1)), 2 ** (width - 1) - 1] : [0, 2 ** width - 1];
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
          throw badValue(struct, leaf, value, `is not an integer from ${min} to ${max} (${width} bits)`);
        }
        bits = width >= 32 ? value >>> 0 : value & (2 ** width - 1);
      }
      const shift = bitShift(leaf, le);
      const get = unitGetter(leaf.size);
      const unit = d[get](at, le);
      const mask = width >= 32 ? 0xffff_ffff : ((2 ** width - 1) * 2 ** shift) >>> 0;
      const next = ((unit & ~mask) | ((bits * 2 ** shift) & mask)) >>> 0;
      if (leaf.size === 1) d.setUint8(at, next);
      else if (leaf.size === 2) d.setUint16(at, next, le);
      else d.setUint32(at, next, le);
      return;
    }
  }
}
