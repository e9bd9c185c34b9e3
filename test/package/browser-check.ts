// What the package smoke tests run against the pure core in any engine: a browser page and Node give the same answers.
//
// This module imports nothing at run time (it gets the core as a parameter), so its compiled
// JavaScript is served to a browser as is, next to the esbuild bundle of `bpftypes`.

import type * as Core from "bpftypes";
import type * as BtfEntry from "bpftypes/btf";
import type * as CodecEntry from "bpftypes/codec";

/** The three pure entry points, each as its namespace. */
export interface PureEntries {
  core: typeof Core;
  codec: typeof CodecEntry;
  btf: typeof BtfEntry;
}

/** A three-type BTF blob written by hand: `int`, `struct pair { int a; int b; }`, and `struct pair *`. */
export function tinyBtf(): Uint8Array {
  const strings = "\0int\0pair\0a\0b\0";
  const at = (name: string): number => strings.indexOf(`\0${name}\0`) + 1;
  const words = [
    // [1] INT "int": size 4, signed, 32 bits.
    at("int"), 1 << 24, 4, (1 << 24) | 32,
    // [2] STRUCT "pair", 2 members, size 8.
    at("pair"), (4 << 24) | 2, 8, at("a"), 1, 0, at("b"), 1, 32,
    // [3] PTR to [2].
    0, 2 << 24, 2,
  ];
  const typeLen = words.length * 4;
  const blob = new Uint8Array(24 + typeLen + strings.length);
  const view = new DataView(blob.buffer);
  view.setUint16(0, 0xeb9f, true);
  view.setUint8(2, 1);
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, typeLen, true);
  view.setUint32(16, typeLen, true);
  view.setUint32(20, strings.length, true);
  words.forEach((word, i) => view.setUint32(24 + i * 4, word, true));
  for (let i = 0; i < strings.length; i++) blob[24 + typeLen + i] = strings.charCodeAt(i);
  return blob;
}

/** JSON with bigints written as strings, so results compare across engines. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/** `size` bytes of a fixed pattern, with a little-endian u32 `type` first. */
function pattern(size: number, type: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 37 + 11) & 0xff;
  new DataView(bytes.buffer).setUint32(0, type, true);
  return bytes;
}

/**
 * Runs names, flags, the struct decoders (whole and cut short) and the BTF parser of the pure
 * entries, and returns what they said, as plain JSON.
 */
export function check({ core, codec, btf: btfEntry }: PureEntries): unknown {
  const btf = btfEntry.parseBtf(tinyBtf());
  const types = [];
  for (let id = 1; id < btf.typeCount; id++) types.push(btf.type(id));
  let rejected: unknown;
  try {
    btfEntry.parseBtf(new Uint8Array([0x9f, 0xeb, 1, 0, 99]));
    rejected = "accepted";
  } catch (error) {
    rejected = { named: btfEntry.isBtfError(error), code: (error as { code?: unknown }).code };
  }
  return plain({
    mapType11: core.mapTypes.name(11),
    mapType11Short: core.mapTypes.shortName(11),
    unknownMapType: core.mapTypes.name(999),
    mapFlags: core.mapFlags.format(0x81),
    mapFlagsParsed: core.mapFlags.parse("no_prealloc|rdonly_prog"),
    hash: core.BPF_MAP_TYPE_HASH,
    btf: { typeCount: btf.typeCount, types, pairSize: btf.sizeof(2), found: btf.findByName("pair", "struct")?.id },
    progInfo: codec.decodeProgInfo(pattern(core.bpfProgInfoLayout.size, 6), { littleEndian: true }),
    mapInfo: codec.decodeMapInfo(pattern(core.bpfMapInfoLayout.size, 1), { littleEndian: true }),
    mapInfoCut: codec.decodeMapInfo(pattern(core.bpfMapInfoLayout.size, 1), { length: 20, littleEndian: true }),
    linkInfo: codec.decodeLinkInfo(pattern(core.bpfLinkInfoLayout.size, core.linkTypes.parse("xdp")), { littleEndian: true }),
    lineInfo: codec.decodeLineInfos(pattern(32, 3), { littleEndian: false }),
    rejected,
  });
}
