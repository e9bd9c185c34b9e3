// Test helper: writes small BTF blobs by hand, in either byte order, including deliberately broken ones.

/** A member as the builder takes it; `bitfieldSize` makes the struct use the kind-flag encoding. */
export interface MemberSpec {
  name: string;
  type: number;
  bitOffset: number;
  bitfieldSize?: number;
}

/** Where a split blob starts: the base's `typeCount` and the length of all the base's strings. */
export interface SplitStart {
  startId: number;
  startStringOffset: number;
}

/** Header overrides for building malformed blobs. */
export interface BuildOptions {
  littleEndian?: boolean;
  version?: number;
  hdrLen?: number;
  /** Kind layout section (one [infoSize, elemSize] pair per kind number from 0), making hdrLen 32. */
  layout?: [number, number][];
  /** Put the string section before the type section instead of after it. */
  stringsFirst?: boolean;
}

const utf8 = new TextEncoder();

/** Builds a raw BTF blob one type at a time; each method returns the new type's id. */
export class BtfBuilder {
  readonly startId: number;
  readonly startStringOffset: number;
  private readonly strBytes: number[];
  private readonly strMap = new Map<string, number>();
  private readonly records: number[][] = [];

  constructor(split?: SplitStart) {
    this.startId = split?.startId ?? 1;
    this.startStringOffset = split?.startStringOffset ?? 0;
    // A standalone blob starts with the empty string; a split one starts straight with its own strings.
    this.strBytes = split === undefined ? [0] : [];
    if (split === undefined) this.strMap.set("", 0);
  }

  /** The id the next type will get. */
  get nextId(): number {
    return this.startId + this.records.length;
  }

  /** The string offset of `s`, adding it (UTF-8) if new. "" is offset 0 (the base's empty string for split BTF). */
  str(s: string): number {
    if (s === "") return 0;
    const known = this.strMap.get(s);
    if (known !== undefined) return known;
    const off = this.startStringOffset + this.strBytes.length;
    for (const byte of utf8.encode(s)) this.strBytes.push(byte);
    this.strBytes.push(0);
    this.strMap.set(s, off);
    return off;
  }

  /** Appends raw record words (name offset, info, size/type, then the rest). */
  raw(...words: number[]): number {
    this.records.push(words.map((w) => w >>> 0));
    return this.nextId - 1;
  }

  private add(nameOff: number, kind: number, vlen: number, kflag: boolean, x: number, rest: number[] = []): number {
    return this.raw(nameOff, (kflag ? 0x80000000 : 0) | (kind << 24) | vlen, x, ...rest);
  }

  int(name: string, size: number, opts: { signed?: boolean; char?: boolean; bool?: boolean; bits?: number; bitOffset?: number } = {}): number {
    const enc = (opts.signed ? 1 : 0) | (opts.char ? 2 : 0) | (opts.bool ? 4 : 0);
    const bits = opts.bits ?? size * 8;
    return this.add(this.str(name), 1, 0, false, size, [(enc << 24) | ((opts.bitOffset ?? 0) << 16) | bits]);
  }
  ptr(type: number): number {
    return this.add(0, 2, 0, false, type);
  }
  array(elemType: number, indexType: number, length: number): number {
    return this.add(0, 3, 0, false, 0, [elemType, indexType, length]);
  }
  struct(name: string, size: number, members: MemberSpec[], union = false): number {
    const kflag = members.some((m) => m.bitfieldSize !== undefined);
    const rest = members.flatMap((m) => [
      this.str(m.name),
      m.type,
      kflag ? ((m.bitfieldSize ?? 0) << 24) | m.bitOffset : m.bitOffset,
    ]);
    return this.add(this.str(name), union ? 5 : 4, members.length, kflag, size, rest);
  }
  union(name: string, size: number, members: MemberSpec[]): number {
    return this.struct(name, size, members, true);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    return this.add(this.str(name), 6, values.length, signed, size, values.flatMap(([n, v]) => [this.str(n), v]));
  }
  enum64(name: string, size: number, values: [string, bigint][], signed = false): number {
    const rest = values.flatMap(([n, v]) => {
      const u = BigInt.asUintN(64, v);
      return [this.str(n), Number(u & 0xffffffffn), Number(u >> 32n)];
    });
    return this.add(this.str(name), 19, values.length, signed, size, rest);
  }
  fwd(name: string, union = false): number {
    return this.add(this.str(name), 7, 0, union, 0);
  }
  typedef(name: string, type: number): number {
    return this.add(this.str(name), 8, 0, false, type);
  }
  volatile(type: number): number {
    return this.add(0, 9, 0, false, type);
  }
  const(type: number): number {
    return this.add(0, 10, 0, false, type);
  }
  restrict(type: number): number {
    return this.add(0, 11, 0, false, type);
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.add(this.str(name), 12, linkage, false, proto);
  }
  funcProto(returnType: number, params: [string, number][]): number {
    return this.add(0, 13, params.length, false, returnType, params.flatMap(([n, t]) => [this.str(n), t]));
  }
  var(name: string, type: number, linkage = 1): number {
    return this.add(this.str(name), 14, 0, false, type, [linkage]);
  }
  datasec(name: string, size: number, vars: [number, number, number][]): number {
    return this.add(this.str(name), 15, vars.length, false, size, vars.flat());
  }
  float(name: string, size: number): number {
    return this.add(this.str(name), 16, 0, false, size);
  }
  declTag(name: string, type: number, componentIdx: number, attribute = false): number {
    return this.add(this.str(name), 17, 0, attribute, type, [componentIdx]);
  }
  typeTag(name: string, type: number, attribute = false): number {
    return this.add(this.str(name), 18, 0, attribute, type);
  }

  /** The blob: header, type section, string section (and a layout section if asked for). */
  build(opts: BuildOptions = {}): Uint8Array {
    const le = opts.littleEndian ?? true;
    const layout = opts.layout;
    const hdrLen = opts.hdrLen ?? (layout !== undefined ? 32 : 24);
    const typeWords = this.records.flat();
    const typeLen = typeWords.length * 4;
    const strLen = this.strBytes.length;
    const layoutLen = layout === undefined ? 0 : layout.length * 4;
    let typeOff: number;
    let strOff: number;
    let layoutOff: number;
    if (opts.stringsFirst) {
      strOff = 0;
      typeOff = (strLen + 3) & ~3;
      layoutOff = typeOff + typeLen;
    } else {
      typeOff = 0;
      layoutOff = typeLen;
      strOff = typeLen + layoutLen;
    }
    const total = hdrLen + Math.max(typeOff + typeLen, strOff + strLen, layoutOff + layoutLen);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, le);
    dv.setUint8(2, opts.version ?? 1);
    dv.setUint8(3, 0);
    dv.setUint32(4, hdrLen, le);
    dv.setUint32(8, typeOff, le);
    dv.setUint32(12, typeLen, le);
    dv.setUint32(16, strOff, le);
    dv.setUint32(20, strLen, le);
    if (hdrLen >= 32) {
      dv.setUint32(24, layoutOff, le);
      dv.setUint32(28, layoutLen, le);
    }
    typeWords.forEach((w, i) => dv.setUint32(hdrLen + typeOff + i * 4, w, le));
    out.set(this.strBytes, hdrLen + strOff);
    layout?.forEach(([info, elem], i) => {
      dv.setUint8(hdrLen + layoutOff + i * 4, info);
      dv.setUint8(hdrLen + layoutOff + i * 4 + 1, elem);
    });
    return out;
  }
}

/** Field offsets in the BTF header, for patching built blobs. */
export const HDR = { magic: 0, version: 2, flags: 3, hdrLen: 4, typeOff: 8, typeLen: 12, strOff: 16, strLen: 20 } as const;

/** Returns a copy of `blob` with the u32 header field at `offset` set to `value` (little-endian blob). */
export function patchU32(blob: Uint8Array, offset: number, value: number): Uint8Array {
  const out = blob.slice();
  new DataView(out.buffer).setUint32(offset, value >>> 0, true);
  return out;
}

/**
 * Converts a little-endian raw BTF blob to big-endian. Every field of every type record is a 32-bit
 * word, so the type section is swapped word by word without decoding it; strings stay as they are.
 */
export function toBigEndian(blob: Uint8Array): Uint8Array {
  const out = blob.slice();
  const src = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const dst = new DataView(out.buffer);
  const hdrLen = src.getUint32(4, true);
  dst.setUint16(0, src.getUint16(0, true), false);
  for (let off = 4; off + 4 <= hdrLen; off += 4) dst.setUint32(off, src.getUint32(off, true), false);
  const typeStart = hdrLen + src.getUint32(8, true);
  const typeLen = src.getUint32(12, true);
  for (let off = typeStart; off < typeStart + typeLen; off += 4) dst.setUint32(off, src.getUint32(off, true), false);
  if (hdrLen >= 32) {
    // Layout entries: two bytes, then a 16-bit flags field.
    const layoutStart = hdrLen + src.getUint32(24, true);
    const layoutLen = src.getUint32(28, true);
    for (let off = layoutStart; off < layoutStart + layoutLen; off += 4) {
      dst.setUint16(off + 2, src.getUint16(off + 2, true), false);
    }
  }
  return out;
}
