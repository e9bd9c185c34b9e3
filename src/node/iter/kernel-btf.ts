// A quick index of the running kernel's BTF: where the fields of a few kernel structs are, and the
// ids of a few functions and variables. Enough to write an iterator program against this kernel.
//
// The core's parser checks every one of vmlinux's ~130,000 types (tens of milliseconds); here one
// pass only records where each type starts, and names are compared as string offsets, so a lookup
// costs a few milliseconds in all.

import { readFileSync } from "node:fs";

const BTF_MAGIC = 0xeb9f;
const HEADER_MIN = 24;
const RECORD = 12;

/** BTF kinds by number (`BTF_KIND_*`), the ones this index reads. */
const KIND = { int: 1, ptr: 2, array: 3, struct: 4, union: 5, enum: 6, fwd: 7, typedef: 8, volatile: 9, const: 10, restrict: 11, func: 12, funcProto: 13, var: 14, datasec: 15, float: 16, declTag: 17, typeTag: 18, enum64: 19 } as const;

/** Bytes after the 12-byte header of a type of each kind: fixed, or per `vlen` item. */
function trailingBytes(kind: number, vlen: number): number {
  switch (kind) {
    case KIND.int:
    case KIND.var:
    case KIND.declTag:
      return 4;
    case KIND.array:
      return 12;
    case KIND.struct:
    case KIND.union:
    case KIND.datasec:
    case KIND.enum64:
      return vlen * 12;
    case KIND.enum:
    case KIND.funcProto:
      return vlen * 8;
    case KIND.ptr:
    case KIND.fwd:
    case KIND.typedef:
    case KIND.volatile:
    case KIND.const:
    case KIND.restrict:
    case KIND.func:
    case KIND.float:
    case KIND.typeTag:
      return 0;
    default:
      return -1;
  }
}

/** Where a struct member lives: byte offset from the start of the outermost struct, and byte size. */
export interface KernelField {
  /** Byte offset (for a bitfield: of the byte holding its first bit). */
  readonly offset: number;
  /** Size in bytes (for a bitfield: 0). */
  readonly size: number;
  /** For a bitfield: its first bit, counted from `offset * 8`; else 0. */
  readonly bit: number;
  /** For a bitfield: its width in bits; else 0. */
  readonly bits: number;
}

/** Thrown when the running kernel's BTF lacks a type or field an iterator program needs. */
export class KernelBtfError extends Error {
  /** Always `"KernelBtfError"`: check it to recognize the error across copies of this package. */
  override readonly name = "KernelBtfError";
}

/** Answers about the running kernel's types that an iterator program is written from. */
export abstract class KernelTypes {
  /** The id of the function named `name` (a `FUNC`), or undefined. */
  abstract funcId(name: string): number | undefined;
  /** The size in bytes of struct `name`, or undefined when the kernel has no such struct. */
  abstract tryStructSize(name: string): number | undefined;
  /**
   * Where `path` (member names joined by dots, through nested structs: `"stats.cnt"`) is in struct
   * `structName`; undefined when the kernel's struct has no such member.
   */
  abstract tryField(structName: string, path: string): KernelField | undefined;

  /** Like {@link tryField}, but throws a {@link KernelBtfError} naming the missing member. */
  field(structName: string, path: string): KernelField {
    const field = this.tryField(structName, path);
    if (!field) throw new KernelBtfError(`the running kernel's struct ${structName} has no member ${path}`);
    return field;
  }

  /** The size in bytes of struct `name`; throws a {@link KernelBtfError} when the kernel has no such struct. */
  structSize(name: string): number {
    const size = this.tryStructSize(name);
    if (size === undefined) throw new KernelBtfError(`the running kernel's BTF has no struct ${name}`);
    return size;
  }
}

/** An index of a BTF blob in the host's byte order (the running kernel's vmlinux): type starts, names resolved on demand. */
export class KernelBtf extends KernelTypes {
  /** The blob as 32-bit words (every BTF record is made of them). */
  readonly #words: Uint32Array;
  readonly #strings: Buffer;
  /** Word index of each type's record, by id (index 0 is the void type, unused). */
  readonly #starts: Uint32Array;
  readonly #stringOffsets = new Map<string, number>();
  readonly #found = new Map<string, number[]>();

  constructor(bytes: Uint8Array) {
    super();
    if (bytes.byteLength < HEADER_MIN) throw new KernelBtfError("reading the kernel's BTF: it is too short to be BTF");
    // Word access needs 4-byte alignment; a copy gives it when the caller's buffer lacks it.
    if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    if ((words[0]! & 0xffff) !== BTF_MAGIC) throw new KernelBtfError("reading the kernel's BTF: no BTF magic number in the host's byte order");
    const headerLength = words[1]!;
    const typeAt = headerLength + words[2]!;
    const typeEnd = typeAt + words[3]!;
    const stringAt = headerLength + words[4]!;
    const stringEnd = stringAt + words[5]!;
    if (typeEnd > bytes.byteLength || stringEnd > bytes.byteLength || typeAt % 4 !== 0) throw new KernelBtfError("reading the kernel's BTF: its sections are out of bounds");
    this.#words = words;
    this.#strings = Buffer.from(bytes.buffer, bytes.byteOffset + stringAt, stringEnd - stringAt);
    let starts = new Uint32Array(1 << 17);
    let count = 1;
    for (let at = typeAt >>> 2, end = typeEnd >>> 2; at < end; ) {
      if (count === starts.length) {
        const bigger = new Uint32Array(starts.length * 2);
        bigger.set(starts);
        starts = bigger;
      }
      starts[count++] = at;
      const info = words[at + 1]!;
      const trailing = trailingBytes((info >>> 24) & 0x1f, info & 0xffff);
      if (trailing < 0) throw new KernelBtfError(`reading the kernel's BTF: type ${count - 1} has an unknown kind`);
      at += (RECORD + trailing) >>> 2;
    }
    this.#starts = starts.subarray(0, count);
  }

  /** The running kernel's BTF (`/sys/kernel/btf/vmlinux`, Linux 5.4+ built with BTF). */
  static running(path = "/sys/kernel/btf/vmlinux"): KernelBtf {
    return new KernelBtf(readFileSync(path));
  }

  /** The offset of `name` in the string section, or -1 when no string is exactly `name`. */
  #stringOffset(name: string): number {
    let offset = this.#stringOffsets.get(name);
    if (offset === undefined) {
      const found = this.#strings.indexOf(`\0${name}\0`, 0, "latin1");
      offset = found < 0 ? -1 : found + 1;
      this.#stringOffsets.set(name, offset);
    }
    return offset;
  }

  #info(id: number): number {
    return this.#words[this.#starts[id]! + 1]!;
  }
  #kind(id: number): number {
    return (this.#info(id) >>> 24) & 0x1f;
  }
  /** The third word of a type's record: a size or a type id, by kind. */
  #sizeOrType(id: number): number {
    return this.#words[this.#starts[id]! + 2]!;
  }

  /** The ids of every type of `kind` named `name` (usually one). */
  #find(kind: number, name: string): number[] {
    const key = `${kind} ${name}`;
    const known = this.#found.get(key);
    if (known) return known;
    const offset = this.#stringOffset(name);
    if (offset < 0) return [];
    const ids: number[] = [];
    const words = this.#words;
    const starts = this.#starts;
    for (let id = 1; id < starts.length; id++) {
      const at = starts[id]!;
      if (words[at] === offset && ((words[at + 1]! >>> 24) & 0x1f) === kind) ids.push(id);
    }
    this.#found.set(key, ids);
    return ids;
  }

  funcId(name: string): number | undefined {
    return this.#find(KIND.func, name)[0];
  }

  /** The id of the struct named `name` with members (a forward declaration does not count), or undefined. */
  structId(name: string): number | undefined {
    return this.#find(KIND.struct, name)[0];
  }

  tryStructSize(name: string): number | undefined {
    const id = this.structId(name);
    return id === undefined ? undefined : this.#sizeOrType(id);
  }

  /** Follows typedefs and qualifiers to the type they name. */
  #skipModifiers(id: number): number {
    for (let hops = 0; hops < 64 && id !== 0; hops++) {
      const kind = this.#kind(id);
      if (kind !== KIND.typedef && kind !== KIND.volatile && kind !== KIND.const && kind !== KIND.restrict && kind !== KIND.typeTag) return id;
      id = this.#sizeOrType(id);
    }
    return id;
  }

  /** The size in bytes of type `id`. */
  #sizeOf(id: number): number {
    id = this.#skipModifiers(id);
    if (id === 0) return 0;
    switch (this.#kind(id)) {
      case KIND.ptr:
        return 8;
      case KIND.array: {
        const at = this.#starts[id]! + 3;
        return this.#sizeOf(this.#words[at]!) * this.#words[at + 2]!;
      }
      default:
        return this.#sizeOrType(id);
    }
  }

  /**
   * Finds member `name` of struct or union `id`, looking inside anonymous members too; returns its
   * type id and position in bits from the start of `id`.
   */
  #member(id: number, nameOffset: number): { type: number; bitOffset: number; bits: number } | undefined {
    const info = this.#info(id);
    const kindFlag = info >>> 31 === 1;
    const vlen = info & 0xffff;
    const at = this.#starts[id]! + 3;
    for (let i = 0; i < vlen; i++) {
      const memberName = this.#words[at + i * 3]!;
      const type = this.#words[at + i * 3 + 1]!;
      const offsetWord = this.#words[at + i * 3 + 2]!;
      const bitOffset = kindFlag ? offsetWord & 0xffffff : offsetWord;
      const bits = kindFlag ? offsetWord >>> 24 : 0;
      if (memberName === nameOffset) return { type, bitOffset, bits };
      if (memberName === 0) {
        const inner = this.#skipModifiers(type);
        const kind = this.#kind(inner);
        if (kind === KIND.struct || kind === KIND.union) {
          const found = this.#member(inner, nameOffset);
          if (found) return { ...found, bitOffset: found.bitOffset + bitOffset };
        }
      }
    }
    return undefined;
  }

  tryField(structName: string, path: string): KernelField | undefined {
    let id: number | undefined = this.structId(structName);
    if (id === undefined) return undefined;
    let bitOffset = 0;
    let found: { type: number; bitOffset: number; bits: number } | undefined;
    for (const name of path.split(".")) {
      if (found) id = this.#skipModifiers(found.type);
      const kind = this.#kind(id);
      if (kind !== KIND.struct && kind !== KIND.union) return undefined;
      const nameOffset = this.#stringOffset(name);
      if (nameOffset < 0) return undefined;
      found = this.#member(id, nameOffset);
      if (!found) return undefined;
      bitOffset += found.bitOffset;
    }
    if (!found) return undefined;
    if (found.bits > 0) return { offset: bitOffset >>> 3, size: 0, bit: bitOffset & 7, bits: found.bits };
    if (bitOffset % 8 !== 0) return undefined;
    return { offset: bitOffset / 8, size: this.#sizeOf(found.type), bit: 0, bits: 0 };
  }
}
