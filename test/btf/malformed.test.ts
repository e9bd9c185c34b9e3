// Every way a blob can be malformed, and the BtfError code each one must give.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseBtf } from "bpftypes/btf";
import { BtfBuilder, HDR, patchU32 } from "./builder.js";
import { everyKind, throwsBtf } from "./helpers.js";

/** A valid little blob: int, ptr to it, and a struct, for patching. */
function small(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  b.ptr(int);
  b.struct("s", 4, [{ name: "v", type: int, bitOffset: 0 }]);
  return b.build();
}

const parse = (bytes: Uint8Array) => () => parseBtf(bytes);
const u32At = (blob: Uint8Array, off: number) => new DataView(blob.buffer, blob.byteOffset).getUint32(off, true);

describe("header", () => {
  const blob = small();

  test("the small blob itself parses", () => {
    assert.equal(parseBtf(blob).typeCount, 4);
  });

  test("TRUNCATED: shorter than the header", () => {
    for (const n of [0, 1, 2, 3, 8, 23]) throwsBtf(parse(blob.subarray(0, n)), "TRUNCATED", /^parsing BTF: /);
  });

  test("BAD_MAGIC", () => {
    throwsBtf(parse(new Uint8Array(64)), "BAD_MAGIC", /0x0000.*0xeb9f/);
    const swapped = blob.slice();
    swapped[0] = 0x9e;
    throwsBtf(parse(swapped), "BAD_MAGIC");
    throwsBtf(parse(new TextEncoder().encode("\x7fELF and so on, not BTF at all")), "BAD_MAGIC");
  });

  test("BAD_VERSION", () => {
    for (const v of [0, 2, 255]) {
      const bad = blob.slice();
      bad[HDR.version] = v;
      throwsBtf(parse(bad), "BAD_VERSION", new RegExp(`version ${v}`));
    }
  });

  test("BAD_HEADER: header length under 24", () => {
    for (const len of [0, 16, 23]) throwsBtf(parse(patchU32(blob, HDR.hdrLen, len)), "BAD_HEADER", /header length/);
  });

  test("TRUNCATED: header length past the end of the blob", () => {
    throwsBtf(parse(patchU32(blob, HDR.hdrLen, blob.length + 4)), "TRUNCATED", /header claims/);
    throwsBtf(parse(patchU32(blob, HDR.hdrLen, 0xffffffff)), "TRUNCATED");
  });

  test("SECTION_OUT_OF_BOUNDS: a section past the end", () => {
    throwsBtf(
      parse(patchU32(blob, HDR.typeLen, 999999)),
      "SECTION_OUT_OF_BOUNDS",
      new RegExp(`^parsing BTF: type section \\(offset 0, length 999999\\) runs past the end of the ${blob.length}-byte blob`),
    );
    throwsBtf(parse(patchU32(blob, HDR.strOff, 0xfffffff0)), "SECTION_OUT_OF_BOUNDS", /string section/);
    throwsBtf(parse(patchU32(blob, HDR.strLen, u32At(blob, HDR.strLen) + 1)), "SECTION_OUT_OF_BOUNDS", /string section/);
    throwsBtf(parse(patchU32(blob, HDR.typeOff, 0xffffffff)), "SECTION_OUT_OF_BOUNDS");
  });

  test("BAD_HEADER: overlapping sections", () => {
    // Make the string section start inside the type section.
    throwsBtf(parse(patchU32(blob, HDR.strOff, 4)), "BAD_HEADER", /overlaps/);
  });

  test("TRUNCATED: a type section length that is not a multiple of 4", () => {
    const typeLen = u32At(blob, HDR.typeLen);
    throwsBtf(parse(patchU32(blob, HDR.typeLen, typeLen - 2)), "TRUNCATED", /multiple of 4/);
  });

  test("sections in another order, and a header longer than 24 bytes, are fine", () => {
    const { b } = everyKind();
    const reordered = parseBtf(b.build({ stringsFirst: true }));
    const plain = parseBtf(b.build());
    assert.deepEqual([...reordered.types()], [...plain.types()]);
    const longHeader = parseBtf(b.build({ hdrLen: 40 }));
    assert.deepEqual([...longHeader.types()], [...plain.types()]);
  });

  test("an empty type section is a valid BTF with no types", () => {
    const btf = parseBtf(new BtfBuilder().build());
    assert.equal(btf.typeCount, 1);
    assert.deepEqual([...btf.types()], []);
    throwsBtf(() => btf.type(1), "TYPE_ID_OUT_OF_RANGE");
    assert.equal(btf.findByName("int"), undefined);
    assert.equal(btf.findEnumWithValue("X"), undefined);
    assert.equal(btf.pointerSize, 8);
  });
});

describe("string section", () => {
  test("BAD_HEADER: empty, or not starting or ending with NUL", () => {
    const b = new BtfBuilder();
    b.int("int", 4);
    const blob = b.build();
    const strStart = 24 + u32At(blob, HDR.strOff);
    throwsBtf(parse(patchU32(blob, HDR.strLen, 0)), "BAD_HEADER", /empty/);
    const noLeadingNul = blob.slice();
    noLeadingNul[strStart] = 0x41;
    throwsBtf(parse(noLeadingNul), "BAD_HEADER", /start with a NUL/);
    const noTrailingNul = blob.slice();
    noTrailingNul[noTrailingNul.length - 1] = 0x41;
    throwsBtf(parse(noTrailingNul), "BAD_HEADER", /end with a NUL/);
  });

  test("STRING_OUT_OF_RANGE: each place a string offset appears", () => {
    const far = 100_000;
    const cases: [string, (b: BtfBuilder) => void][] = [
      ["type name", (b) => b.raw(far, (1 << 24) >>> 0, 4, 32)],
      ["member name", (b) => b.raw(0, ((4 << 24) | 1) >>> 0, 4, far, 1, 0)],
      ["enum value name", (b) => b.raw(0, ((6 << 24) | 1) >>> 0, 4, far, 7)],
      ["enum64 value name", (b) => b.raw(0, ((19 << 24) | 1) >>> 0, 8, far, 7, 0)],
      ["parameter name", (b) => b.raw(0, ((13 << 24) | 1) >>> 0, 0, far, 1)],
    ];
    for (const [what, add] of cases) {
      const b = new BtfBuilder();
      b.int("int", 4);
      add(b);
      throwsBtf(parse(b.build()), "STRING_OUT_OF_RANGE", new RegExp(`${what.split(" ").at(-1)}.*string offset ${far}`));
    }
  });

  test("a name offset exactly at the end of the section is out of range; one before it is the empty tail", () => {
    const b = new BtfBuilder();
    b.int("int", 4);
    const blob = b.build();
    const strLen = u32At(blob, HDR.strLen);
    const at = (off: number) => {
      const bad = blob.slice();
      new DataView(bad.buffer).setUint32(24, off, true);
      return bad;
    };
    throwsBtf(parse(at(strLen)), "STRING_OUT_OF_RANGE");
    assert.equal(parseBtf(at(strLen - 1)).type(1).name, "");
  });
});

describe("type records", () => {
  const kind = (k: number, vlen = 0, kflag = false) => ((kflag ? 0x80000000 : 0) | (k << 24) | vlen) >>> 0;

  test("UNKNOWN_KIND: kind 0 and kinds past 19", () => {
    for (const k of [0, 20, 31]) {
      const b = new BtfBuilder();
      b.int("int", 4);
      b.raw(0, kind(k), 0);
      throwsBtf(parse(b.build()), "UNKNOWN_KIND", new RegExp(`type 2 .*unknown kind ${k}`));
    }
  });

  test("TRUNCATED: a record cut short by the end of the type section", () => {
    const b = new BtfBuilder();
    b.int("int", 4);
    b.raw(0, kind(1), 4); // an int without its extra word
    throwsBtf(parse(b.build()), "TRUNCATED", /type 2 \(int/);
    const c = new BtfBuilder();
    c.raw(0, kind(2)); // a bare 8-byte stub
    throwsBtf(parse(c.build()), "TRUNCATED", /only 8 of its 12 bytes/);
  });

  test("TRUNCATED: vlen claiming more members than there are bytes, without allocating for them", () => {
    for (const k of [4, 5, 6, 13, 15, 19]) {
      const b = new BtfBuilder();
      b.int("int", 4);
      b.raw(0, kind(k, 0xffff), 4, 0, 1, 0); // 65535 entries announced, one present
      throwsBtf(parse(b.build()), "TRUNCATED", /vlen 65535/);
    }
  });

  test("BAD_TYPE: a referenced type id that does not exist", () => {
    const cases: [string, (b: BtfBuilder, int: number) => void][] = [
      ["ptr", (b) => b.ptr(999)],
      ["typedef", (b) => b.typedef("t", 999)],
      ["const", (b) => b.const(999)],
      ["volatile", (b) => b.volatile(999)],
      ["restrict", (b) => b.restrict(999)],
      ["type_tag", (b) => b.typeTag("t", 999)],
      ["func", (b) => b.func("f", 999)],
      ["var", (b) => b.var("v", 999)],
      ["decl_tag", (b) => b.declTag("d", 999, -1)],
      ["array", (b, int) => b.array(999, int, 1)],
      ["array", (b, int) => b.array(int, 999, 1)],
      ["struct", (b) => b.struct("s", 4, [{ name: "m", type: 999, bitOffset: 0 }])],
      ["union", (b) => b.union("u", 4, [{ name: "m", type: 999, bitOffset: 0 }])],
      ["func_proto", (b) => b.funcProto(999, [])],
      ["func_proto", (b, int) => b.funcProto(int, [["p", 999]])],
      ["datasec", (b) => b.datasec(".data", 4, [[999, 0, 4]])],
    ];
    for (const [k, add] of cases) {
      const b = new BtfBuilder();
      const int = b.int("int", 4);
      add(b, int);
      throwsBtf(parse(b.build()), "BAD_TYPE", new RegExp(`type 2 \\(${k}\\) refers to type 999, but the last type id is 2`));
    }
  });

  test("references to later types and to void are fine", () => {
    const b = new BtfBuilder();
    b.ptr(2);
    b.int("int", 4);
    b.ptr(0);
    b.funcProto(0, [["", 0]]);
    assert.equal(parseBtf(b.build()).typeCount, 5);
  });

  test("BAD_TYPE: an int whose bits do not fit its size", () => {
    for (const [size, bits, off] of [
      [4, 33, 0],
      [1, 8, 1],
      [16, 129, 0],
    ] as const) {
      const b = new BtfBuilder();
      b.int("bad", size, { bits, bitOffset: off });
      throwsBtf(parse(b.build()), "BAD_TYPE", /\(int\) has/);
    }
    const ok = new BtfBuilder();
    ok.int("__int128", 16, { signed: true });
    ok.int("bit", 1, { bits: 1, bitOffset: 7 });
    assert.equal(parseBtf(ok.build()).typeCount, 3);
  });

  test("BAD_TYPE: a decl_tag component index below -1", () => {
    const b = new BtfBuilder();
    const s = b.struct("s", 0, []);
    b.declTag("t", s, -2);
    throwsBtf(parse(b.build()), "BAD_TYPE", /component index -2/);
  });
});

describe("kind layout section (newer kernels): kinds newer than this parser", () => {
  // Kinds 0-19 as the kernel describes them, plus a made-up kind 20 with 4 info bytes and 8-byte entries.
  const layout: [number, number][] = [
    [0, 0], [4, 0], [0, 0], [12, 0], [0, 12], [0, 12], [0, 8], [0, 0], [0, 0], [0, 0],
    [0, 0], [0, 0], [0, 0], [0, 8], [4, 0], [0, 12], [0, 0], [4, 0], [0, 0], [0, 12], [4, 8],
  ];

  function blobWithKind20(withLayout: boolean): Uint8Array {
    const b = new BtfBuilder();
    const int = b.int("int", 4);
    b.raw(b.str("future"), ((20 << 24) | 2) >>> 0, int, 0xaaaa, 1, 2, 3, 4);
    b.typedef("after", 2);
    b.ptr(int);
    return b.build(withLayout ? { layout } : {});
  }

  test("without a layout section, an unknown kind fails the parse", () => {
    throwsBtf(parse(blobWithKind20(false)), "UNKNOWN_KIND");
  });

  test("with one, the record is stepped over and only its own lookups fail", () => {
    const btf = parseBtf(blobWithKind20(true));
    assert.equal(btf.typeCount, 5);
    throwsBtf(() => btf.type(2), "UNKNOWN_KIND", /kind 20/);
    assert.equal(btf.kindOf(2), undefined);
    assert.deepEqual([...btf.types()].map((t) => t.kind), ["int", "typedef", "ptr"]);
    assert.equal(btf.type(3).name, "after");
    assert.equal(btf.findByName("future"), undefined);
    assert.equal(btf.findByName("after")?.id, 3);
    assert.equal(btf.resolve(3), 2);
    throwsBtf(() => btf.sizeof(3), "BAD_TYPE", /kind 20 'future'/);
    assert.equal(btf.sizeof(4), 8);
  });

  test("the layout section must fit and be whole entries", () => {
    const blob = blobWithKind20(true);
    throwsBtf(parse(patchU32(blob, 28, 1000)), "SECTION_OUT_OF_BOUNDS", /layout section/);
    throwsBtf(parse(patchU32(blob, 28, 6)), "BAD_HEADER", /layout section length 6/);
  });

  test("a kind the layout does not cover is still unknown", () => {
    const b = new BtfBuilder();
    b.raw(0, (21 << 24) >>> 0, 0);
    throwsBtf(parse(b.build({ layout })), "UNKNOWN_KIND", /kind 21/);
  });
});
