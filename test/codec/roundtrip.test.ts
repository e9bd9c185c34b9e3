// Property tests: random records of every struct and every link arm survive encode then decode, in both byte orders, at any offset.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as bpftypes from "bpftypes";
import { infoLayouts, type DecodeOptions, type EncodeOptions, type InfoStructName } from "bpftypes";
import { allCases, arbitraryRecord, deletePath, type Case } from "./cases.js";

type Encoder = (value: never, options?: EncodeOptions) => Uint8Array;
type Decoder = (bytes: Uint8Array, options?: DecodeOptions) => Record<string, unknown>;

const codecs: Record<InfoStructName, { encode: Encoder; decode: Decoder }> = {
  bpf_prog_info: { encode: bpftypes.encodeProgInfo, decode: bpftypes.decodeProgInfo as Decoder },
  bpf_map_info: { encode: bpftypes.encodeMapInfo, decode: bpftypes.decodeMapInfo as Decoder },
  bpf_link_info: { encode: bpftypes.encodeLinkInfo, decode: bpftypes.decodeLinkInfo as Decoder },
  bpf_btf_info: { encode: bpftypes.encodeBtfInfo, decode: bpftypes.decodeBtfInfo as Decoder },
  bpf_func_info: { encode: bpftypes.encodeFuncInfo, decode: bpftypes.decodeFuncInfo as Decoder },
  bpf_line_info: { encode: bpftypes.encodeLineInfo, decode: bpftypes.decodeLineInfo as Decoder },
  bpf_token_info: { encode: bpftypes.encodeTokenInfo, decode: bpftypes.decodeTokenInfo as Decoder },
};

/** What the decoder should give back for a record the encoder was given. */
function expected(c: Case, record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(record);
  if (c.struct === "bpf_line_info") {
    out["line"] = (record["line_col"] as number) >>> 10;
    out["column"] = (record["line_col"] as number) & 0x3ff;
  }
  out["absent"] = [];
  return out;
}

function decodedForCompare(c: Case, decoded: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(decoded);
  out["absent"] = [...(decoded["absent"] as string[])];
  for (const path of c.derivedViews ?? []) deletePath(out, path);
  return out;
}

describe("encode then decode gives the record back", () => {
  for (const c of allCases()) {
    test(c.label, () => {
      const { encode, decode } = codecs[c.struct];
      const size = infoLayouts[c.struct].size;
      fc.assert(
        fc.property(arbitraryRecord(c), fc.boolean(), fc.nat({ max: 23 }), fc.nat({ max: 16 }), (record, littleEndian, offset, slack) => {
          // Encode into the middle of a larger buffer, then decode the subarray, as a caller would.
          const into = new Uint8Array(offset + size + slack).fill(0xa5);
          const written = encode(record as never, { littleEndian, into, offset });
          assert.equal(written.byteOffset, offset);
          assert.equal(written.length, size);
          assert.ok(into.subarray(0, offset).every((byte) => byte === 0xa5), "nothing written before the offset");
          assert.ok(into.subarray(offset + size).every((byte) => byte === 0xa5), "nothing written after the struct");
          const decoded = decode(into.subarray(offset, offset + size), { littleEndian });
          assert.deepEqual(decodedForCompare(c, decoded), expected(c, record));
          // Bytes past the struct (a newer kernel's fields) are ignored.
          const longer = decode(into.subarray(offset), { littleEndian });
          assert.deepEqual(decodedForCompare(c, longer), expected(c, record));
          // And the bytes decode the same way again when encoded from the decoded record.
          assert.deepEqual(encode(decoded as never, { littleEndian }), written.slice());
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe("byte order", () => {
  test("a big-endian bpf_map_info reads as written, and differently in little-endian", () => {
    const bytes = bpftypes.encodeMapInfo({ type: 1, id: 0x01020304, netns_dev: 0x0102030405060708n }, { littleEndian: false });
    assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 0, 1, 1, 2, 3, 4]);
    assert.deepEqual([...bytes.subarray(48, 56)], [1, 2, 3, 4, 5, 6, 7, 8]);
    const be = bpftypes.decodeMapInfo(bytes, { littleEndian: false });
    assert.equal(be.type, 1);
    assert.equal(be.id, 0x01020304);
    const le = bpftypes.decodeMapInfo(bytes, { littleEndian: true });
    assert.equal(le.type, 0x01000000);
    assert.equal(le.netns_dev, 0x0807060504030201n);
  });

  test("gpl_compatible is the low bit of byte 84 in little-endian, the high bit in big-endian (bitfields fill from the top there)", () => {
    const le = bpftypes.encodeProgInfo({ gpl_compatible: true }, { littleEndian: true });
    assert.equal(le[84], 0x01);
    assert.equal(le.reduce((sum, byte) => sum + byte, 0), 1);
    const be = bpftypes.encodeProgInfo({ gpl_compatible: true }, { littleEndian: false });
    assert.equal(be[84], 0x80);
    assert.equal(be.reduce((sum, byte) => sum + byte, 0), 0x80);
    assert.equal(bpftypes.decodeProgInfo(be, { littleEndian: false }).gpl_compatible, true);
    assert.equal(bpftypes.decodeProgInfo(be, { littleEndian: true }).gpl_compatible, false);
    // The other 31 bits of the word are not part of the field.
    const noisy = new Uint8Array(232);
    noisy.set([0xfe, 0xff, 0xff, 0xff], 84);
    assert.equal(bpftypes.decodeProgInfo(noisy, { littleEndian: true }).gpl_compatible, false);
    noisy[84] = 0xff;
    assert.equal(bpftypes.decodeProgInfo(noisy, { littleEndian: true }).gpl_compatible, true);
  });

  test("the default byte order is this machine's", async () => {
    const { endianness } = await import("node:os");
    const bytes = bpftypes.encodeMapInfo({ type: 2, max_entries: 7 });
    assert.deepEqual(bpftypes.decodeMapInfo(bytes), bpftypes.decodeMapInfo(bytes, { littleEndian: endianness() === "LE" }));
    assert.deepEqual(bytes, bpftypes.encodeMapInfo({ type: 2, max_entries: 7 }, { littleEndian: endianness() === "LE" }));
  });
});

describe("offsets in the underlying buffer", () => {
  test("a Node Buffer from the shared pool (nonzero byteOffset, unaligned) decodes like a fresh copy", () => {
    const info = bpftypes.encodeProgInfo({ id: 77, name: "pooled", run_cnt: 123n, tag: "00112233445566ff" });
    for (let shift = 0; shift < 9; shift++) {
      const pool = Buffer.allocUnsafe(shift + info.length + 3);
      pool.fill(0xee);
      pool.set(info, shift);
      const view = pool.subarray(shift, shift + info.length);
      assert.deepEqual(bpftypes.decodeProgInfo(view), bpftypes.decodeProgInfo(info));
    }
  });
});
