// Property tests: random records of every struct and every link arm survive encode then decode, in both byte orders, at any offset.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as codec from "bpftypes/codec";
import { allCases } from "./cases.js";
import { checkRoundTrip } from "./walk.js";

describe("encode then decode gives the record back", () => {
  for (const c of allCases()) test(c.label, () => checkRoundTrip(c, 80));
});

describe("byte order", () => {
  test("a big-endian bpf_map_info reads as written, and differently in little-endian", () => {
    const bytes = codec.encodeMapInfo({ type: 1, id: 0x01020304, netns_dev: 0x0102030405060708n }, { littleEndian: false });
    assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 0, 1, 1, 2, 3, 4]);
    assert.deepEqual([...bytes.subarray(48, 56)], [1, 2, 3, 4, 5, 6, 7, 8]);
    const be = codec.decodeMapInfo(bytes, { littleEndian: false });
    assert.equal(be.type, 1);
    assert.equal(be.id, 0x01020304);
    const le = codec.decodeMapInfo(bytes, { littleEndian: true });
    assert.equal(le.type, 0x01000000);
    assert.equal(le.netns_dev, 0x0807060504030201n);
  });

  test("gpl_compatible is the low bit of byte 84 in little-endian, the high bit in big-endian (bitfields fill from the top there)", () => {
    const le = codec.encodeProgInfo({ gpl_compatible: true }, { littleEndian: true });
    assert.equal(le[84], 0x01);
    assert.equal(le.reduce((sum, byte) => sum + byte, 0), 1);
    const be = codec.encodeProgInfo({ gpl_compatible: true }, { littleEndian: false });
    assert.equal(be[84], 0x80);
    assert.equal(be.reduce((sum, byte) => sum + byte, 0), 0x80);
    assert.equal(codec.decodeProgInfo(be, { littleEndian: false }).gpl_compatible, true);
    assert.equal(codec.decodeProgInfo(be, { littleEndian: true }).gpl_compatible, false);
    // The other 31 bits of the word are not part of the field.
    const noisy = new Uint8Array(232);
    noisy.set([0xfe, 0xff, 0xff, 0xff], 84);
    assert.equal(codec.decodeProgInfo(noisy, { littleEndian: true }).gpl_compatible, false);
    noisy[84] = 0xff;
    assert.equal(codec.decodeProgInfo(noisy, { littleEndian: true }).gpl_compatible, true);
  });

  test("the default byte order is this machine's", async () => {
    const { endianness } = await import("node:os");
    const bytes = codec.encodeMapInfo({ type: 2, max_entries: 7 });
    assert.deepEqual(codec.decodeMapInfo(bytes), codec.decodeMapInfo(bytes, { littleEndian: endianness() === "LE" }));
    assert.deepEqual(bytes, codec.encodeMapInfo({ type: 2, max_entries: 7 }, { littleEndian: endianness() === "LE" }));
  });
});

describe("offsets in the underlying buffer", () => {
  test("a Node Buffer from the shared pool (nonzero byteOffset, unaligned) decodes like a fresh copy", () => {
    const info = codec.encodeProgInfo({ id: 77, name: "pooled", run_cnt: 123n, tag: "00112233445566ff" });
    for (let shift = 0; shift < 9; shift++) {
      const pool = Buffer.allocUnsafe(shift + info.length + 3);
      pool.fill(0xee);
      pool.set(info, shift);
      const view = pool.subarray(shift, shift + info.length);
      assert.deepEqual(codec.decodeProgInfo(view), codec.decodeProgInfo(info));
    }
  });
});
