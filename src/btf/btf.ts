// Parses raw BTF blobs (a vmlinux .BTF section, /sys/kernel/btf/*) into a lazily decoded, fully bounds-checked type table.

import { BtfError, type BtfErrorCode } from "./errors.js";
import { cStringEquals, cStringsEqual, decodeCString, encodeUtf8, hashBytes, hashCString } from "./strings.js";
import {
  BtfKindNumber,
  btfKindNames,
  type BtfEnumValue,
  type BtfKind,
  type BtfMember,
  type BtfParam,
  type BtfType,
  type BtfTypeOf,
} from "./types.js";

/** Options for {@link parseBtf}. */
export interface ParseBtfOptions {
  /**
   * The BTF this blob is split from, e.g. vmlinux for a module's `/sys/kernel/btf/<module>`. The
   * blob's type ids then start at `base.typeCount`, and its string offsets at the end of the base's
   * strings (smaller offsets name the base's strings).
   */
  base?: Btf;
}

// Kind numbers, for switches over the raw `info` word.
const INT = 1;
const PTR = 2;
const ARRAY = 3;
const STRUCT = 4;
const UNION = 5;
const ENUM = 6;
const FWD = 7;
const TYPEDEF = 8;
const VOLATILE = 9;
const CONST = 10;
const RESTRICT = 11;
const FUNC = 12;
const FUNC_PROTO = 13;
const VAR = 14;
const DATASEC = 15;
const FLOAT = 16;
const DECL_TAG = 17;
const TYPE_TAG = 18;
const ENUM64 = 19;
const MAX_KIND = ENUM64;

const MAGIC = 0xeb9f;
const HEADER_LEN = 24; // struct btf_header up to str_len
const HEADER_LEN_LAYOUT = 32; // with layout_off and layout_len (newer kernels; the pinned 7.1 blob has them)

// Results of the memoized resolve/sizeof walks, besides real ids and sizes.
const UNKNOWN = -1; // resolve memo: not computed yet
const IN_PROGRESS = -3;
const CYCLE = -2;
const NO_SIZE = -4;
const TOO_BIG = -5;
const MAX_SIZE = 0xffffffff;

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A BTF type table parsed from one blob, possibly split from a base. Build one with {@link parseBtf}. */
export class Btf {
  /** The BTF this one is split from, or undefined for a standalone (vmlinux-like) blob. */
  readonly base: Btf | undefined;
  /** The blob's byte order, decided by how its magic number reads. */
  readonly littleEndian: boolean;
  /** The first type id this blob defines: 1, or `base.typeCount` for split BTF. */
  readonly startId: number;
  /** The first string offset of this blob's own string section: 0, or the end of the base's strings. */
  readonly startStringOffset: number;

  // The type section as native-order words, and the word index of each own type's record.
  private readonly words: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly count: number;
  private readonly strs: Uint8Array;
  private readonly cache: (BtfType | undefined)[];
  // Lazily built lookup structures.
  private nameIndex: StringIndex | undefined;
  private enumIndex: StringIndex | undefined;
  private resolveMemo: Int32Array | undefined;
  private sizeMemo: Float64Array | undefined;
  private sizeCulprits: Int32Array | undefined;
  private ptrSize = 0;
  private valueMemo: Int32Array | undefined;
  private layoutColors: Uint8Array | undefined;
  private readonly resolveStack: number[] = [];
  private readonly stack: number[] = [];
  private readonly mults: number[] = [];

  /**
   * Parses `bytes` as a raw BTF blob; the same as {@link parseBtf}. The sections are copied, so
   * later changes to `bytes` do not affect the result.
   * @throws BtfError when the blob is malformed in any way.
   */
  constructor(bytes: Uint8Array, options?: ParseBtfOptions) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("parsing BTF: expected a Uint8Array");
    const base = options?.base;
    if (base !== undefined && !(base instanceof Btf)) throw new TypeError("parsing BTF: options.base must be a Btf");
    this.base = base;
    this.startId = base === undefined ? 1 : base.typeCount;
    this.startStringOffset = base === undefined ? 0 : base.stringEnd;

    const total = bytes.length;
    if (total < 2) throw bad("TRUNCATED", `the ${total}-byte blob is shorter than the ${HEADER_LEN}-byte header`);
    const b0 = bytes[0]!;
    const b1 = bytes[1]!;
    let le: boolean;
    if (b0 === (MAGIC & 0xff) && b1 === MAGIC >> 8) le = true;
    else if (b0 === MAGIC >> 8 && b1 === (MAGIC & 0xff)) le = false;
    else {
      const got = ((b1 << 8) | b0).toString(16).padStart(4, "0");
      throw bad("BAD_MAGIC", `the blob starts with 0x${got} (little-endian), not the BTF magic 0xeb9f`);
    }
    this.littleEndian = le;
    if (total < 3) throw bad("TRUNCATED", `the ${total}-byte blob is shorter than the ${HEADER_LEN}-byte header`);
    if (bytes[2] !== 1) throw bad("BAD_VERSION", `version ${bytes[2]} is not supported (only 1 is)`);
    if (total < HEADER_LEN) throw bad("TRUNCATED", `the ${total}-byte blob is shorter than the ${HEADER_LEN}-byte header`);

    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hdrLen = dv.getUint32(4, le);
    if (hdrLen < HEADER_LEN) throw bad("BAD_HEADER", `header length ${hdrLen} is less than the minimum ${HEADER_LEN}`);
    if (hdrLen > total) throw bad("TRUNCATED", `the header claims ${hdrLen} bytes but the blob has only ${total}`);
    const typeOff = dv.getUint32(8, le);
    const typeLen = dv.getUint32(12, le);
    const strOff = dv.getUint32(16, le);
    const strLen = dv.getUint32(20, le);
    const sections: [string, number, number][] = [
      ["type section", typeOff, typeLen],
      ["string section", strOff, strLen],
    ];
    if (hdrLen >= HEADER_LEN_LAYOUT) {
      const layoutOff = dv.getUint32(24, le);
      const layoutLen = dv.getUint32(28, le);
      if (layoutLen % 4 !== 0) throw bad("BAD_HEADER", `layout section length ${layoutLen} is not a multiple of 4`);
      sections.push(["layout section", layoutOff, layoutLen]);
    }
    for (const [what, off, len] of sections) {
      if (hdrLen + off + len > total) {
        throw bad(
          "SECTION_OUT_OF_BOUNDS",
          `${what} (offset ${off}, length ${len}) runs past the end of the ${total}-byte blob` +
            ` (offsets count from the end of the ${hdrLen}-byte header)`,
        );
      }
    }
    for (let i = 0; i < sections.length; i++) {
      for (let j = i + 1; j < sections.length; j++) {
        const [wa, oa, la] = sections[i]!;
        const [wb, ob, lb] = sections[j]!;
        if (la > 0 && lb > 0 && oa < ob + lb && ob < oa + la) {
          throw bad("BAD_HEADER", `${wa} (offset ${oa}, length ${la}) overlaps ${wb} (offset ${ob}, length ${lb})`);
        }
      }
    }
    if (typeLen % 4 !== 0) {
      throw bad("TRUNCATED", `type section length ${typeLen} is not a multiple of 4, so its last record is cut short`);
    }

    // The string section: NUL-terminated strings; a standalone blob's starts with the empty string.
    const strStart = hdrLen + strOff;
    if (base === undefined || strLen > 0) {
      if (strLen === 0) throw bad("BAD_HEADER", "the string section is empty (it must hold at least the empty string)");
      if (base === undefined && bytes[strStart] !== 0) throw bad("BAD_HEADER", "the string section does not start with a NUL byte");
      if (bytes[strStart + strLen - 1] !== 0) throw bad("BAD_HEADER", "the string section does not end with a NUL byte");
    }
    this.strs = bytes.slice(strStart, strStart + strLen);
    const strEnd = this.startStringOffset + strLen;

    // Kinds newer than this parser can still be stepped over if the blob describes their record layout.
    let layout: Uint8Array | undefined;
    if (hdrLen >= HEADER_LEN_LAYOUT) {
      const layoutOff = dv.getUint32(24, le);
      const layoutLen = dv.getUint32(28, le);
      if (layoutLen > 0) layout = bytes.subarray(hdrLen + layoutOff, hdrLen + layoutOff + layoutLen);
    }

    // Copy the type section into native-order words: every record is a whole number of u32s.
    const typeStart = hdrLen + typeOff;
    const nwords = typeLen >>> 2;
    const w = new Uint32Array(nwords);
    if (le === hostLittleEndian) {
      new Uint8Array(w.buffer).set(bytes.subarray(typeStart, typeStart + typeLen));
    } else {
      for (let i = 0; i < nwords; i++) w[i] = dv.getUint32(typeStart + i * 4, le);
    }
    this.words = w;

    // One pass over the records: where each starts, and that everything in it is in range.
    const { offsets, n, maxRef, maxRefFrom } = scanTypes(w, this.startId, strEnd, layout);
    const startId = this.startId;
    this.count = n;
    this.offsets = offsets.length === n ? offsets : offsets.slice(0, n);
    if (maxRef >= startId + n) {
      throw bad(
        "BAD_TYPE",
        `type ${maxRefFrom} (${kindLabel(this.kindAt(maxRefFrom - startId))}) refers to type ${maxRef},` +
          ` but the last type id is ${startId + n - 1}`,
      );
    }
    this.cache = new Array<BtfType | undefined>(n).fill(undefined);
  }

  /**
   * One past the last valid string offset, counting the base's strings for split BTF: where the
   * string offsets of a blob split from this one start.
   */
  get stringEnd(): number {
    return this.startStringOffset + this.strs.length;
  }

  /** One more than the highest valid type id, counting the base's types for split BTF. */
  get typeCount(): number {
    return this.startId + this.count;
  }

  /**
   * The size of a pointer in bytes, used by {@link sizeof} for `ptr` types (BTF does not record it):
   * the size of the `long` int type if there is one, else the base's answer, else 8.
   */
  get pointerSize(): number {
    if (this.ptrSize === 0) {
      let size = 0;
      const w = this.words;
      for (let i = 0; i < this.count && size === 0; i++) {
        const p = this.offsets[i]!;
        if (((w[p + 1]! >>> 24) & 0x1f) !== INT) continue;
        const s = w[p + 2]!;
        if ((s === 4 || s === 8) && LONG_NAMES.has(this.str(w[p]!))) size = s;
      }
      this.ptrSize = size !== 0 ? size : (this.base?.pointerSize ?? 8);
    }
    return this.ptrSize;
  }

  /**
   * The type with this id, decoded on first use and cached (treat it as read-only: the same object is
   * returned every time). Id 0 is `void`, which has no record, so it throws like any id out of range;
   * type ids that reference `void` (a `void *`, a function returning nothing) hold 0.
   * @throws BtfError `TYPE_ID_OUT_OF_RANGE`, or `UNKNOWN_KIND` for a kind newer than this parser.
   */
  type(id: number): BtfType {
    const i = id - this.startId;
    if (i >= 0 && i < this.count && (id | 0) === id) return this.cache[i] ?? (this.cache[i] = this.decode(i));
    if (this.base !== undefined && id >= 1 && id < this.startId) return this.base.type(id);
    throw this.outOfRange("looking up", id);
  }

  /**
   * This blob's own types in id order (not the base's). Types of a kind newer than this parser
   * (possible only when the blob describes their layout) are skipped.
   *
   * A walk streams: it yields the cached object of a type that {@link type} has already decoded, and
   * otherwise a freshly decoded one that is not kept, so walking all of vmlinux does not pin 100,000
   * objects in memory (and runs about twice as fast). Such an object equals, but is not the same
   * object as, what `type(id)` returns.
   */
  *types(): IterableIterator<BtfType> {
    const cache = this.cache;
    for (let i = 0; i < this.count; i++) {
      const cached = cache[i];
      if (cached !== undefined) yield cached;
      else if (this.kindAt(i) <= MAX_KIND) yield this.decode(i);
    }
  }

  /**
   * The kind of the type with this id, without decoding it; `undefined` for a kind this parser does
   * not know. Throws like {@link type} for an id out of range.
   */
  kindOf(id: number): BtfKind | undefined {
    const i = id - this.startId;
    if (i >= 0 && i < this.count && (id | 0) === id) return btfKindNames[this.kindAt(i)];
    if (this.base !== undefined && id >= 1 && id < this.startId) return this.base.kindOf(id);
    throw this.outOfRange("looking up", id);
  }

  /**
   * The first type in id order (the base's first) named `name`, of kind `kind` if given. Anonymous
   * types are never found. `findByName("task_struct", "struct")` skips `fwd` declarations of it.
   * The first call builds a hash index of the names; later calls cost one hash and a few compares.
   */
  findByName<K extends BtfKind>(name: string, kind: K): BtfTypeOf<K> | undefined;
  findByName(name: string, kind?: BtfKind): BtfType | undefined;
  findByName(name: string, kind?: BtfKind): BtfType | undefined {
    if (typeof name !== "string" || name === "" || name.includes("\0")) return undefined;
    let kindNum = 0;
    if (kind !== undefined) {
      if (!Object.hasOwn(BtfKindNumber, kind)) return undefined;
      kindNum = BtfKindNumber[kind];
    }
    const want = encodeUtf8(name);
    const id = this.findIdByName(want, hashBytes(want, HASH_SEED), kindNum);
    return id === 0 ? undefined : this.type(id);
  }

  /**
   * The first enum or enum64 (in id order, the base's first) with an enumerator named `valueName`:
   * the way to reach the anonymous enums that hold most of the UAPI's flag values, such as the one
   * with `BPF_F_NO_PREALLOC`. The first call builds an index of enumerator names.
   */
  findEnumWithValue(valueName: string): BtfTypeOf<"enum" | "enum64"> | undefined {
    if (typeof valueName !== "string" || valueName === "" || valueName.includes("\0")) return undefined;
    const want = encodeUtf8(valueName);
    const id = this.findEnumIdWithValue(want, hashBytes(want, HASH_SEED));
    return id === 0 ? undefined : (this.type(id) as BtfTypeOf<"enum" | "enum64">);
  }

  /**
   * The id left after stripping typedefs and the `const`, `volatile`, `restrict` and `type_tag`
   * qualifiers from `id`; `id` itself if it is none of those, and 0 for `void`.
   * @throws BtfError `REFERENCE_CYCLE` if the chain loops, `TYPE_ID_OUT_OF_RANGE` for a bad id.
   */
  resolve(id: number): number {
    if (id !== 0) this.checkId("resolving", id);
    const r = this.resolveRaw(id);
    if (r < 0) {
      throw new BtfError(
        "REFERENCE_CYCLE",
        `resolving BTF type ${id}: its chain of typedefs and qualifiers loops back on itself`,
      );
    }
    return r;
  }

  /**
   * The size in bytes of the type `id`, looking through typedefs, qualifiers, `var`s and
   * `decl_tag`s, multiplying out arrays, and using {@link pointerSize} for pointers. A struct or
   * union's size is the one recorded in it, once it is known not to contain itself by value (through
   * its members' structs, unions, typedefs and arrays; pointers are fine), which no C type can.
   * @throws BtfError `BAD_TYPE` for `void`, `fwd`, `func` and `func_proto` (which have no size) or a
   *   size of 4 GiB or more; `REFERENCE_CYCLE` if the chain loops or a struct contains itself;
   *   `TYPE_ID_OUT_OF_RANGE` for a bad id.
   */
  sizeof(id: number): number {
    if (id === 0) throw new BtfError("BAD_TYPE", "computing the size of BTF type 0: void has no size");
    this.checkId("computing the size of", id);
    const r = this.sizeofRaw(id);
    if (r >= 0) return r;
    const culprit = this.sizeCulprit(id);
    const what = `computing the size of BTF type ${id}`;
    if (r === CYCLE) {
      const k = this.kindOf(culprit);
      throw new BtfError(
        "REFERENCE_CYCLE",
        k === "struct" || k === "union"
          ? `${what}: ${this.describe(culprit)} (type ${culprit}) contains itself by value, or a type that does`
          : `${what}: following its typedefs, qualifiers and array elements loops back to type ${culprit}`,
      );
    }
    if (r === TOO_BIG) throw new BtfError("BAD_TYPE", `${what}: the size of type ${culprit} is 4 GiB or more`);
    const lead = culprit === id ? "it is" : `it leads to type ${culprit},`;
    throw new BtfError("BAD_TYPE", `${what}: ${lead} ${this.describe(culprit)}, which has no size`);
  }

  /**
   * The string at `offset` in the string section (offsets below {@link startStringOffset} read the
   * base's strings). An offset may point into the middle of a string, giving its tail.
   * @throws BtfError `STRING_OUT_OF_RANGE`.
   */
  string(offset: number): string {
    const rel = offset - this.startStringOffset;
    if (rel >= 0 && rel < this.strs.length && (offset >>> 0) === offset) return decodeCString(this.strs, rel);
    if (this.base !== undefined && offset >= 0 && offset < this.startStringOffset && (offset >>> 0) === offset) {
      return this.base.string(offset);
    }
    throw new BtfError(
      "STRING_OUT_OF_RANGE",
      `reading BTF string at offset ${offset}: the strings end at offset ${this.stringEnd}`,
    );
  }

  // ---- internals ----

  private kindAt(i: number): number {
    return (this.words[this.offsets[i]! + 1]! >>> 24) & 0x1f;
  }

  // A string already known to be in range (checked at parse time).
  private str(off: number): string {
    if (off === 0) return "";
    const owner = this.stringOwner(off);
    return decodeCString(owner.strs, off - owner.startStringOffset);
  }

  // The Btf (this or a base) whose string section holds offset `off`.
  private stringOwner(off: number): Btf {
    return off >= this.startStringOffset || this.base === undefined ? this : this.base.stringOwner(off);
  }

  // The Btf (this or a base) that defines type `id`.
  private typeOwner(id: number): Btf {
    return id >= this.startId || this.base === undefined ? this : this.base.typeOwner(id);
  }

  private checkId(doing: string, id: number): void {
    if (!(id >= 1 && id < this.typeCount && (id | 0) === id)) throw this.outOfRange(doing, id);
  }

  private outOfRange(doing: string, id: number): BtfError {
    const why = id === 0 ? "id 0 is void, which has no type record" : `valid ids are 1 to ${this.typeCount - 1}`;
    return new BtfError("TYPE_ID_OUT_OF_RANGE", `${doing} BTF type ${String(id)}: ${why}`);
  }

  // "fwd 'foo'" style description of a type, without decoding it (and without throwing).
  private describe(id: number): string {
    if (id === 0) return "void";
    const owner = this.typeOwner(id);
    const i = id - owner.startId;
    const name = owner.str(owner.words[owner.offsets[i]!]!);
    const kind = kindLabel(owner.kindAt(i));
    return name === "" ? `an anonymous ${kind}` : `${kind} '${name}'`;
  }

  private decode(i: number): BtfType {
    const w = this.words;
    const p = this.offsets[i]!;
    const id = this.startId + i;
    const name = this.str(w[p]!);
    const info = w[p + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const x = w[p + 2]!;
    switch (kind) {
      case INT: {
        const e = w[p + 3]!;
        const enc = (e >>> 24) & 0x0f;
        return {
          id,
          kind: "int",
          name,
          size: x,
          encoding: { signed: (enc & 1) !== 0, char: (enc & 2) !== 0, bool: (enc & 4) !== 0 },
          bitOffset: (e >>> 16) & 0xff,
          bits: e & 0xff,
        };
      }
      case PTR:
        return { id, kind: "ptr", name, type: x };
      case ARRAY:
        return { id, kind: "array", name, elemType: w[p + 3]!, indexType: w[p + 4]!, length: w[p + 5]! };
      case STRUCT:
        return { id, kind: "struct", name, size: x, members: this.members(p, vlen, kflag) };
      case UNION:
        return { id, kind: "union", name, size: x, members: this.members(p, vlen, kflag) };
      case ENUM: {
        const values: BtfEnumValue[] = new Array<BtfEnumValue>(vlen);
        for (let j = 0, q = p + 3; j < vlen; j++, q += 2) {
          values[j] = { name: this.str(w[q]!), value: kflag ? w[q + 1]! | 0 : w[q + 1]! };
        }
        return { id, kind: "enum", name, size: x, signed: kflag, values };
      }
      case ENUM64: {
        const values: BtfEnumValue[] = new Array<BtfEnumValue>(vlen);
        for (let j = 0, q = p + 3; j < vlen; j++, q += 3) {
          const v = (BigInt(w[q + 2]!) << 32n) | BigInt(w[q + 1]!);
          values[j] = { name: this.str(w[q]!), value: kflag ? BigInt.asIntN(64, v) : v };
        }
        return { id, kind: "enum64", name, size: x, signed: kflag, values };
      }
      case FWD:
        return { id, kind: "fwd", name, union: kflag };
      case TYPEDEF:
        return { id, kind: "typedef", name, type: x };
      case VOLATILE:
        return { id, kind: "volatile", name, type: x };
      case CONST:
        return { id, kind: "const", name, type: x };
      case RESTRICT:
        return { id, kind: "restrict", name, type: x };
      case FUNC:
        return { id, kind: "func", name, type: x, linkage: vlen };
      case FUNC_PROTO:
        return { id, kind: "func_proto", name, returnType: x, params: this.params(p, vlen) };
      case VAR:
        return { id, kind: "var", name, type: x, linkage: w[p + 3]! };
      case DATASEC: {
        const vars = new Array<{ type: number; offset: number; size: number }>(vlen);
        for (let j = 0, q = p + 3; j < vlen; j++, q += 3) vars[j] = { type: w[q]!, offset: w[q + 1]!, size: w[q + 2]! };
        return { id, kind: "datasec", name, size: x, vars };
      }
      case FLOAT:
        return { id, kind: "float", name, size: x };
      case DECL_TAG:
        return { id, kind: "decl_tag", name, type: x, componentIdx: w[p + 3]! | 0, attribute: kflag };
      case TYPE_TAG:
        return { id, kind: "type_tag", name, type: x, attribute: kflag };
      default:
        throw new BtfError("UNKNOWN_KIND", `looking up BTF type ${id}: its kind ${kind} is newer than this parser`);
    }
  }

  private members(p: number, vlen: number, kflag: boolean): BtfMember[] {
    const w = this.words;
    const members: BtfMember[] = [];
    for (let q = p + 3, end = q + 3 * vlen; q < end; q += 3) {
      const off = w[q + 2]!;
      members.push({
        name: this.str(w[q]!),
        type: w[q + 1]!,
        bitOffset: kflag ? off & 0xffffff : off,
        bitfieldSize: kflag ? off >>> 24 : 0,
      });
    }
    return members;
  }

  private params(p: number, vlen: number): BtfParam[] {
    const w = this.words;
    const params: BtfParam[] = [];
    for (let q = p + 3, end = q + 2 * vlen; q < end; q += 2) params.push({ name: this.str(w[q]!), type: w[q + 1]! });
    return params;
  }

  // resolve() without the checks: the resolved id, or CYCLE. With `throughArrays`, array types are
  // stripped to their element type as well (what a struct member holds by value). Memoized, so any
  // sequence of calls costs at most one step per type in total.
  private resolveRaw(id: number, throughArrays = false): number {
    if (id < this.startId) return this.base === undefined ? 0 : this.base.resolveRaw(id, throughArrays);
    const memo = throughArrays
      ? (this.valueMemo ??= new Int32Array(this.count).fill(UNKNOWN))
      : (this.resolveMemo ??= new Int32Array(this.count).fill(UNKNOWN));
    const stack = this.resolveStack;
    stack.length = 0;
    const w = this.words;
    let cur = id;
    let r: number;
    for (;;) {
      if (cur < this.startId) {
        r = this.base === undefined ? 0 : this.base.resolveRaw(cur, throughArrays);
        break;
      }
      const i = cur - this.startId;
      const m = memo[i]!;
      if (m !== UNKNOWN) {
        r = m === IN_PROGRESS ? CYCLE : m;
        break;
      }
      const p = this.offsets[i]!;
      const kind = (w[p + 1]! >>> 24) & 0x1f;
      let next: number;
      if (kind === TYPEDEF || kind === CONST || kind === VOLATILE || kind === RESTRICT || kind === TYPE_TAG) next = w[p + 2]!;
      else if (kind === ARRAY && throughArrays) next = w[p + 3]!;
      else {
        memo[i] = r = cur;
        break;
      }
      memo[i] = IN_PROGRESS;
      stack.push(i);
      cur = next;
    }
    for (const i of stack) memo[i] = r;
    return r;
  }

  // Whether the struct or union `id` contains itself by value, directly or through the structs,
  // unions, typedefs, qualifiers and arrays of its members (or contains a type that does): no C
  // layout can, so such BTF is corrupt. One depth-first search, memoized per type: linear in total.
  private containsItself(id: number): boolean {
    if (id < this.startId) return this.base !== undefined && this.base.containsItself(id);
    const colors = (this.layoutColors ??= new Uint8Array(this.count)); // 0 new, 1 open, 2 fine, 3 cyclic
    const root = id - this.startId;
    if (colors[root]! >= 2) return colors[root] === 3;
    const rootKind = this.kindAt(root);
    if (rootKind !== STRUCT && rootKind !== UNION) return false;
    const w = this.words;
    const nodes = [root];
    const nextMember = [0];
    colors[root] = 1;
    let cyclic = false;
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const n = nodes[top]!;
      const p = this.offsets[n]!;
      const j = nextMember[top]!;
      if (j >= (w[p + 1]! & 0xffff)) {
        colors[n] = 2;
        nodes.pop();
        nextMember.pop();
        continue;
      }
      nextMember[top] = j + 1;
      const t = this.resolveRaw(w[p + 4 + 3 * j]!, true);
      if (t === CYCLE) {
        cyclic = true;
        break;
      }
      if (t < this.startId) {
        if (t !== 0 && this.base !== undefined && this.base.containsItself(t)) {
          cyclic = true;
          break;
        }
        continue;
      }
      const ti = t - this.startId;
      const kind = this.kindAt(ti);
      if (kind !== STRUCT && kind !== UNION) continue;
      const c = colors[ti]!;
      if (c === 1 || c === 3) {
        cyclic = true;
        break;
      }
      if (c === 0) {
        colors[ti] = 1;
        nodes.push(ti);
        nextMember.push(0);
      }
    }
    if (!cyclic) return false;
    // Everything still open contains the cycle found.
    for (const n of nodes) colors[n] = 3;
    return true;
  }

  // sizeof() without the checks: the size, or CYCLE, NO_SIZE or TOO_BIG (see sizeCulprit for where).
  private sizeofRaw(id: number): number {
    if (id < this.startId) return id === 0 || this.base === undefined ? NO_SIZE : this.base.sizeofRaw(id);
    if (this.sizeMemo === undefined) {
      this.sizeMemo = new Float64Array(this.count).fill(NaN);
      this.sizeCulprits = new Int32Array(this.count);
    }
    const memo = this.sizeMemo;
    const culprits = this.sizeCulprits!;
    const stack = this.stack;
    const mults = this.mults;
    stack.length = 0;
    mults.length = 0;
    const w = this.words;
    let cur = id;
    let r: number;
    let culprit = 0;
    for (;;) {
      if (cur < this.startId) {
        r = cur === 0 || this.base === undefined ? NO_SIZE : this.base.sizeofRaw(cur);
        if (r < 0) culprit = cur === 0 ? 0 : this.base!.sizeCulprit(cur);
        break;
      }
      const i = cur - this.startId;
      const m = memo[i]!;
      if (m === m) {
        if (m === IN_PROGRESS) {
          r = CYCLE;
          culprit = cur;
        } else {
          r = m;
          if (m < 0) culprit = culprits[i]!;
        }
        break;
      }
      const p = this.offsets[i]!;
      const kind = (w[p + 1]! >>> 24) & 0x1f;
      if ((kind === STRUCT || kind === UNION) && this.containsItself(cur)) {
        memo[i] = r = CYCLE;
        culprits[i] = culprit = cur;
        break;
      }
      if (
        kind === INT || kind === STRUCT || kind === UNION || kind === ENUM || kind === ENUM64 ||
        kind === FLOAT || kind === DATASEC
      ) {
        memo[i] = r = w[p + 2]!;
        break;
      }
      if (kind === PTR) {
        memo[i] = r = this.pointerSize;
        break;
      }
      if (
        kind === TYPEDEF || kind === CONST || kind === VOLATILE || kind === RESTRICT || kind === TYPE_TAG ||
        kind === VAR || kind === DECL_TAG
      ) {
        mults.push(1);
        cur = w[p + 2]!;
      } else if (kind === ARRAY) {
        mults.push(w[p + 5]!);
        cur = w[p + 3]!;
      } else {
        // fwd, func, func_proto, or a kind newer than this parser.
        memo[i] = r = NO_SIZE;
        culprits[i] = culprit = cur;
        break;
      }
      memo[i] = IN_PROGRESS;
      stack.push(i);
    }
    for (let k = stack.length - 1; k >= 0; k--) {
      const i = stack[k]!;
      if (r >= 0) {
        r *= mults[k]!;
        if (r > MAX_SIZE) {
          r = TOO_BIG;
          culprit = this.startId + i;
        }
      }
      memo[i] = r;
      if (r < 0) culprits[i] = culprit;
    }
    return r;
  }

  // Where a failed sizeofRaw(id) failed: the sizeless type, the type in the cycle, or the too-big type.
  private sizeCulprit(id: number): number {
    if (id < this.startId) return id === 0 || this.base === undefined ? 0 : this.base.sizeCulprit(id);
    return this.sizeCulprits![id - this.startId]!;
  }

  // The lowest id named `want` (of kind `kindNum`, or of any known kind for 0), the base's first; 0 if none.
  private findIdByName(want: Uint8Array, hash: number, kindNum: number): number {
    if (this.base !== undefined) {
      const id = this.base.findIdByName(want, hash, kindNum);
      if (id !== 0) return id;
    }
    const index = this.nameIndex ?? (this.nameIndex = this.buildNameIndex());
    if (kindNum !== 0) {
      const i = this.lookup(index, want, hash, kindNum);
      return i < 0 ? 0 : this.startId + i;
    }
    // The index keys on name and kind: take the lowest id over all kinds.
    let best = -1;
    for (let k = 1; k <= MAX_KIND; k++) {
      const i = this.lookup(index, want, hash, k);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best < 0 ? 0 : this.startId + best;
  }

  private findEnumIdWithValue(want: Uint8Array, hash: number): number {
    if (this.base !== undefined) {
      const id = this.base.findEnumIdWithValue(want, hash);
      if (id !== 0) return id;
    }
    const index = this.enumIndex ?? (this.enumIndex = this.buildEnumIndex());
    const i = this.lookup(index, want, hash, 0);
    return i < 0 ? 0 : this.startId + i;
  }

  private buildNameIndex(): StringIndex {
    const w = this.words;
    const names = new Uint32Array(this.count);
    const payloads = new Int32Array(this.count);
    const kinds = new Uint8Array(this.count);
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const p = this.offsets[i]!;
      const kind = (w[p + 1]! >>> 24) & 0x1f;
      if (w[p]! !== 0 && kind <= MAX_KIND) {
        names[n] = w[p]!;
        kinds[n] = kind;
        payloads[n++] = i;
      }
    }
    return this.buildIndex(names, payloads, kinds, n);
  }

  private buildEnumIndex(): StringIndex {
    const w = this.words;
    let total = 0;
    for (let i = 0; i < this.count; i++) {
      const info = w[this.offsets[i]! + 1]!;
      const kind = (info >>> 24) & 0x1f;
      if (kind === ENUM || kind === ENUM64) total += info & 0xffff;
    }
    const names = new Uint32Array(total);
    const payloads = new Int32Array(total);
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const p = this.offsets[i]!;
      const info = w[p + 1]!;
      const kind = (info >>> 24) & 0x1f;
      if (kind !== ENUM && kind !== ENUM64) continue;
      const step = kind === ENUM ? 2 : 3;
      for (let j = 0, q = p + 3; j < (info & 0xffff); j++, q += step) {
        names[n] = w[q]!;
        payloads[n++] = i;
      }
    }
    return this.buildIndex(names, payloads, new Uint8Array(n), n);
  }

  // An open-addressing hash table keyed by (string, kind). Entries are added in id order and only the
  // first of each key is kept, so a lookup finds the lowest id, and many equal names (even crafted
  // ones) cannot build long probe runs of their own.
  private buildIndex(names: Uint32Array, payloads: Int32Array, kinds: Uint8Array, n: number): StringIndex {
    let size = 16;
    while (size < n * 2) size *= 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    const hashes = new Uint32Array(size);
    insert: for (let e = 0; e < n; e++) {
      const off = names[e]!;
      const owner = this.stringOwner(off);
      const pos = off - owner.startStringOffset;
      if (owner.strs[pos] === 0) continue; // an empty name: nothing to find it by
      const kind = kinds[e]!;
      const h = withKind(hashCString(owner.strs, pos, HASH_SEED), kind);
      let s = h & mask;
      for (; slots[s] !== 0; s = (s + 1) & mask) {
        if (hashes[s] !== h) continue;
        const other = slots[s]! - 1;
        if (kinds[other] !== kind) continue;
        const otherOff = names[other]!;
        if (otherOff === off) continue insert;
        const otherOwner = this.stringOwner(otherOff);
        if (cStringsEqual(owner.strs, pos, otherOwner.strs, otherOff - otherOwner.startStringOffset)) continue insert;
      }
      slots[s] = e + 1;
      hashes[s] = h;
    }
    return { slots, hashes, mask, names, payloads, kinds };
  }

  // The own type index stored under (want, kind), or -1.
  private lookup(index: StringIndex, want: Uint8Array, hash: number, kind: number): number {
    const { slots, hashes, mask, names, payloads, kinds } = index;
    const h = withKind(hash, kind);
    for (let s = h & mask; slots[s] !== 0; s = (s + 1) & mask) {
      if (hashes[s] !== h) continue;
      const e = slots[s]! - 1;
      if (kinds[e] !== kind) continue;
      const off = names[e]!;
      const owner = this.stringOwner(off);
      if (cStringEquals(owner.strs, off - owner.startStringOffset, want)) return payloads[e]!;
    }
    return -1;
  }
}

// Seeds the name hashes per process, so no fixed set of names collides everywhere.
const HASH_SEED = (Math.random() * 0x100000000) >>> 0;

// Mixes a kind number into a name hash.
function withKind(hash: number, kind: number): number {
  return Math.imul(hash ^ Math.imul(kind + 1, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

interface StringIndex {
  slots: Int32Array; // entry number + 1, or 0 for an empty slot
  hashes: Uint32Array; // per slot: the hash of its entry's key
  mask: number;
  names: Uint32Array; // per entry: the string offset
  payloads: Int32Array; // per entry: the own type index it belongs to
  kinds: Uint8Array; // per entry: the kind part of the key (0 for enumerators)
}

interface ScanResult {
  offsets: Uint32Array; // word index of each record
  n: number; // how many records
  maxRef: number; // the highest type id referenced
  maxRefFrom: number; // the id of a type referencing it
}

// Walks the type section's records: where each starts, that it fits, and that every string offset in it
// is below strEnd; records the highest type id referenced (checked by the caller, once the count is known).
// A function of its own, with no closures, so the engine optimizes this hot loop early.
function scanTypes(w: Uint32Array, startId: number, strEnd: number, layout: Uint8Array | undefined): ScanResult {
  const nwords = w.length;
  const offsets = new Uint32Array(Math.floor(nwords / 3) + 1);
  let n = 0;
  let maxRef = 0;
  let maxRefFrom = 0;
  let p = 0;
  while (p < nwords) {
    const id = startId + n;
    if (p + 3 > nwords) {
      throw bad("TRUNCATED", `type ${id} at byte ${p * 4} of the type section has only ${(nwords - p) * 4} of its 12 bytes`);
    }
    const nameOff = w[p]!;
    const info = w[p + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    let rec: number;
    switch (kind) {
      case INT:
      case VAR:
      case DECL_TAG:
        rec = 4;
        break;
      case ARRAY:
        rec = 6;
        break;
      case STRUCT:
      case UNION:
      case DATASEC:
      case ENUM64:
        rec = 3 + 3 * vlen;
        break;
      case ENUM:
      case FUNC_PROTO:
        rec = 3 + 2 * vlen;
        break;
      case PTR:
      case FWD:
      case TYPEDEF:
      case VOLATILE:
      case CONST:
      case RESTRICT:
      case FUNC:
      case FLOAT:
      case TYPE_TAG:
        rec = 3;
        break;
      default: {
        const bytesLen = kind !== 0 && layout !== undefined && kind * 4 + 4 <= layout.length
          ? 12 + layout[kind * 4]! + vlen * layout[kind * 4 + 1]!
          : -1;
        if (bytesLen < 0) throw bad("UNKNOWN_KIND", `type ${id} at byte ${p * 4} of the type section has unknown kind ${kind}`);
        if (bytesLen % 4 !== 0) {
          throw bad("UNKNOWN_KIND", `type ${id} has unknown kind ${kind}, and its described record size ${bytesLen} is not a multiple of 4`);
        }
        rec = bytesLen / 4;
      }
    }
    if (p + rec > nwords) {
      throw bad(
        "TRUNCATED",
        `type ${id} (${kindLabel(kind)}, vlen ${vlen}) needs ${rec * 4} bytes at byte ${p * 4}` +
          ` but the ${nwords * 4}-byte type section ends first`,
      );
    }
    if (nameOff >= strEnd) throw badString(strEnd, id, "name", nameOff);
    let ref = 0;
    switch (kind) {
      case INT: {
        const e = w[p + 3]!;
        const bits = e & 0xff;
        const bitOff = (e >>> 16) & 0xff;
        const size = w[p + 2]!;
        if (bits > 128 || bitOff + bits > size * 8) {
          throw bad("BAD_TYPE", `type ${id} (int) has ${bits} bits at bit offset ${bitOff}, which do not fit its ${size} bytes`);
        }
        break;
      }
      case PTR:
      case TYPEDEF:
      case VOLATILE:
      case CONST:
      case RESTRICT:
      case FUNC:
      case VAR:
      case TYPE_TAG:
        ref = w[p + 2]!;
        break;
      case DECL_TAG:
        ref = w[p + 2]!;
        if ((w[p + 3]! | 0) < -1) {
          throw bad("BAD_TYPE", `type ${id} (decl_tag) has component index ${w[p + 3]! | 0}; only -1 and up are valid`);
        }
        break;
      case ARRAY:
        ref = w[p + 3]! > w[p + 4]! ? w[p + 3]! : w[p + 4]!;
        break;
      case STRUCT:
      case UNION:
        for (let q = p + 3, end = p + rec; q < end; q += 3) {
          if (w[q]! >= strEnd) throw badString(strEnd, id, `member ${(q - p - 3) / 3} name`, w[q]!);
          if (w[q + 1]! > ref) ref = w[q + 1]!;
        }
        break;
      case ENUM:
        for (let q = p + 3, end = p + rec; q < end; q += 2) {
          if (w[q]! >= strEnd) throw badString(strEnd, id, `value ${(q - p - 3) / 2} name`, w[q]!);
        }
        break;
      case ENUM64:
        for (let q = p + 3, end = p + rec; q < end; q += 3) {
          if (w[q]! >= strEnd) throw badString(strEnd, id, `value ${(q - p - 3) / 3} name`, w[q]!);
        }
        break;
      case FUNC_PROTO:
        ref = w[p + 2]!;
        for (let q = p + 3, end = p + rec; q < end; q += 2) {
          if (w[q]! >= strEnd) throw badString(strEnd, id, `parameter ${(q - p - 3) / 2} name`, w[q]!);
          if (w[q + 1]! > ref) ref = w[q + 1]!;
        }
        break;
      case DATASEC:
        for (let q = p + 3, end = p + rec; q < end; q += 3) {
          if (w[q]! > ref) ref = w[q]!;
        }
        break;
    }
    if (ref > maxRef) {
      maxRef = ref;
      maxRefFrom = id;
    }
    offsets[n++] = p;
    p += rec;
  }
  return { offsets, n, maxRef, maxRefFrom };
}

function badString(strEnd: number, id: number, what: string, off: number): BtfError {
  return bad("STRING_OUT_OF_RANGE", `type ${id} ${what} has string offset ${off}, past the end of the strings (${strEnd} bytes)`);
}


// The names C compilers give `long`, whose size stands in for the pointer size.
const LONG_NAMES = new Set(["long", "long int", "unsigned long", "long unsigned int", "unsigned long int", "long unsigned"]);

function bad(code: BtfErrorCode, why: string): BtfError {
  return new BtfError(code, `parsing BTF: ${why}`);
}

function kindLabel(kind: number): string {
  return btfKindNames[kind] ?? `kind ${kind}`;
}

/**
 * Parses a raw BTF blob, as found in `/sys/kernel/btf/vmlinux` or an object file's `.BTF` section,
 * in either byte order. Pass `base` to parse split BTF such as `/sys/kernel/btf/<module>`.
 *
 * Everything is checked here, once: the header, that each section and each type record fits, that
 * every string offset and every referenced type id exists. Types are then decoded on first access,
 * which only throws for an id out of range. Parsing copies the sections it needs out of `bytes`.
 * @throws BtfError for any malformed input, and nothing else.
 */
export function parseBtf(bytes: Uint8Array, options?: ParseBtfOptions): Btf {
  return new Btf(bytes, options);
}
