// The array helpers: func/line info records at the kernel's stride, u32 ids, u64 addresses, tags; and names decoded like TextDecoder.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as codec from "bpftypes/codec";
import { isCodecError } from "bpftypes/codec";

const isBadLength = (error: unknown): boolean => isCodecError(error) && error.code === "BAD_LENGTH";

describe("record arrays", () => {
  test("func info records round-trip at their own size and at a larger stride", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ insn_off: fc.nat(), type_id: fc.nat() }), { maxLength: 20 }),
        fc.integer({ min: 8, max: 24 }),
        fc.boolean(),
        (records, recSize, littleEndian) => {
          const bytes = codec.encodeFuncInfos(records, { recSize, littleEndian });
          assert.equal(bytes.length, records.length * recSize);
          const decoded = codec.decodeFuncInfos(bytes, { recSize, littleEndian });
          assert.deepEqual(decoded, records.map((record) => ({ ...record, absent: [] })));
        },
      ),
    );
  });

  test("line info records carry line and column", () => {
    const bytes = codec.encodeLineInfos([
      { insn_off: 0, file_name_off: 1, line_off: 10, line: 12, column: 5 },
      { insn_off: 4, file_name_off: 1, line_off: 30, line_col: (13 << 10) | 9 },
    ]);
    const lines = codec.decodeLineInfos(bytes);
    assert.deepEqual(
      lines.map((line) => [line.insn_off, line.line, line.column, line.line_col]),
      [
        [0, 12, 5, (12 << 10) | 5],
        [4, 13, 9, (13 << 10) | 9],
      ],
    );
    assert.equal(codec.toSeedLineInfo(lines[0]!).ColumnOffset, (12 << 10) | 5);
  });

  test("a stride shorter than the record leaves the fields past it absent", () => {
    const bytes = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
    const records = codec.decodeLineInfos(bytes, { recSize: 4, littleEndian: true });
    assert.deepEqual(
      records.map((record) => record.insn_off),
      [1, 2, 3],
    );
    assert.deepEqual(records[0]!.absent, ["file_name_off", "line_off", "line_col"]);
  });

  test("a count: only as many records as asked; the last needs only the bytes it is read from", () => {
    const bytes = codec.encodeFuncInfos([{ insn_off: 1 }, { insn_off: 2 }, { insn_off: 3 }], { recSize: 12 });
    assert.deepEqual(
      codec.decodeFuncInfos(bytes, { recSize: 12, count: 2 }).map((record) => record.insn_off),
      [1, 2],
    );
    assert.equal(codec.decodeFuncInfos(bytes.subarray(0, 32), { recSize: 12, count: 3 })[2]?.insn_off, 3);
    assert.throws(() => codec.decodeFuncInfos(bytes.subarray(0, 31), { recSize: 12, count: 3 }), isBadLength);
  });

  test("bad strides and counts", () => {
    const bytes = new Uint8Array(24);
    assert.throws(() => codec.decodeFuncInfos(bytes, { recSize: 0 }), isBadLength);
    assert.throws(() => codec.decodeFuncInfos(bytes, { recSize: 2.5 }), isBadLength);
    assert.throws(() => codec.decodeFuncInfos(bytes, { recSize: 7 }), isBadLength, "24 bytes are not whole 7-byte records");
    assert.throws(() => codec.decodeFuncInfos(bytes, { count: 4 }), isBadLength);
    assert.throws(() => codec.decodeFuncInfos(bytes, { count: -1 }), isBadLength);
    assert.throws(() => codec.encodeFuncInfos([{}], { recSize: -8 }), isBadLength);
    assert.deepEqual(codec.decodeFuncInfos(new Uint8Array(0)), []);
  });
});

describe("id, address and tag arrays", () => {
  test("u32, u64 and tag arrays round-trip in both byte orders", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff_ffff })),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
        fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString("hex"))),
        fc.boolean(),
        (ids, addresses, tags, littleEndian) => {
          assert.deepEqual(codec.decodeU32Array(codec.encodeU32Array(ids, { littleEndian }), { littleEndian }), ids);
          assert.deepEqual(codec.decodeU64Array(codec.encodeU64Array(addresses, { littleEndian }), { littleEndian }), addresses);
          assert.deepEqual(codec.decodeTagArray(codec.encodeTagArray(tags)), tags);
        },
      ),
    );
  });

  test("arrays read from a subarray, with a count", () => {
    const bytes = new Uint8Array([0xff, 1, 0, 0, 0, 2, 0, 0, 0, 0xff]);
    assert.deepEqual(codec.decodeU32Array(bytes.subarray(1, 9), { littleEndian: true }), [1, 2]);
    assert.deepEqual(codec.decodeU32Array(bytes.subarray(1, 9), { littleEndian: true, count: 1 }), [1]);
    assert.throws(() => codec.decodeU32Array(bytes.subarray(1, 8)), isBadLength);
    assert.throws(() => codec.decodeU64Array(bytes.subarray(1, 9), { count: 2 }), isBadLength);
    assert.throws(() => codec.encodeU32Array([2 ** 32]), (error: unknown) => isCodecError(error) && error.code === "BAD_VALUE");
    assert.throws(() => codec.encodeU64Array([-1n]), (error: unknown) => isCodecError(error) && error.code === "BAD_VALUE");
    assert.throws(() => codec.encodeTagArray(["abc"]), (error: unknown) => isCodecError(error) && error.code === "BAD_VALUE");
  });
});

describe("names", () => {
  const decoder = new TextDecoder();

  test("a name decodes like TextDecoder over its bytes up to the first NUL, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (name) => {
        const bytes = new Uint8Array(104);
        bytes.set(name, 24);
        const nul = name.indexOf(0);
        assert.equal(codec.decodeMapInfo(bytes).name, decoder.decode(name.subarray(0, nul < 0 ? 16 : nul)));
      }),
      { numRuns: 1000 },
    );
  });

  test("names biased towards UTF-8 edge cases", () => {
    const interesting = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff);
    fc.assert(
      fc.property(fc.array(interesting, { minLength: 16, maxLength: 16 }), (values) => {
        const name = Uint8Array.from(values);
        const bytes = new Uint8Array(104);
        bytes.set(name, 24);
        const nul = name.indexOf(0);
        assert.equal(codec.decodeMapInfo(bytes).name, decoder.decode(name.subarray(0, nul < 0 ? 16 : nul)));
      }),
      { numRuns: 1000 },
    );
  });

  test("encoded names are TextEncoder's bytes, lone surrogates included", () => {
    for (const name of ["xdp_prog", "héllo", "日本語", "\u{1f600}x", "a\ud800b", "\udc00"]) {
      const bytes = codec.encodeMapInfo({ name });
      const expected = new TextEncoder().encode(name);
      assert.deepEqual(bytes.subarray(24, 24 + expected.length), expected, name);
      assert.equal(codec.decodeMapInfo(bytes).name, decoder.decode(expected));
    }
  });
});
