// The two checks every case goes through, shared by the tests with and without generated code: a round trip, and a cut at every length.

import assert from "node:assert/strict";
import fc from "fast-check";
import * as codec from "bpftypes/codec";
import { infoLayouts, type DecodeOptions, type EncodeOptions, type InfoStructName } from "bpftypes/codec";
import { arbitraryRecord, deletePath, end, getPath, sampleRecord, type Case } from "./cases.js";

type Encoder = (value: never, options?: EncodeOptions) => Uint8Array;
type Decoder = (bytes: Uint8Array, options?: DecodeOptions) => Record<string, unknown>;

/** The encoder and decoder of each struct. */
export const codecs: Record<InfoStructName, { encode: Encoder; decode: Decoder }> = {
  bpf_prog_info: { encode: codec.encodeProgInfo, decode: codec.decodeProgInfo as Decoder },
  bpf_map_info: { encode: codec.encodeMapInfo, decode: codec.decodeMapInfo as Decoder },
  bpf_link_info: { encode: codec.encodeLinkInfo, decode: codec.decodeLinkInfo as Decoder },
  bpf_btf_info: { encode: codec.encodeBtfInfo, decode: codec.decodeBtfInfo as Decoder },
  bpf_func_info: { encode: codec.encodeFuncInfo, decode: codec.decodeFuncInfo as Decoder },
  bpf_line_info: { encode: codec.encodeLineInfo, decode: codec.decodeLineInfo as Decoder },
  bpf_token_info: { encode: codec.encodeTokenInfo, decode: codec.decodeTokenInfo as Decoder },
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

function comparable(c: Case, decoded: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(decoded);
  out["absent"] = [...(decoded["absent"] as string[])];
  for (const path of c.derivedViews ?? []) deletePath(out, path);
  return out;
}

/**
 * Random records of a case, encoded into the middle of a larger buffer in either byte order, decode
 * from the subarray (and from the longer rest of the buffer) to the same record, and encode again
 * from the decoded record to the same bytes.
 */
export function checkRoundTrip(c: Case, numRuns: number): void {
  const { encode, decode } = codecs[c.struct];
  const size = infoLayouts[c.struct].size;
  fc.assert(
    fc.property(arbitraryRecord(c), fc.boolean(), fc.nat({ max: 23 }), fc.nat({ max: 16 }), (record, littleEndian, offset, slack) => {
      const into = new Uint8Array(offset + size + slack).fill(0xa5);
      const written = encode(record as never, { littleEndian, into, offset });
      assert.equal(written.byteOffset, offset);
      assert.equal(written.length, size);
      assert.ok(into.subarray(0, offset).every((byte) => byte === 0xa5), "nothing written before the offset");
      assert.ok(into.subarray(offset + size).every((byte) => byte === 0xa5), "nothing written after the struct");
      const decoded = decode(into.subarray(offset, offset + size), { littleEndian });
      assert.deepEqual(comparable(c, decoded), expected(c, record));
      // Bytes past the struct (a newer kernel's fields) are ignored.
      assert.deepEqual(comparable(c, decode(into.subarray(offset), { littleEndian })), expected(c, record));
      assert.deepEqual(encode(decoded as never, { littleEndian }), written.slice());
    }),
    { numRuns },
  );
}

/** Every dotted path of the leaves of a decoded object (`absent` left out), in key order. */
export function leafPaths(value: unknown, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (prefix === "" && key === "absent") continue;
    if (typeof inner === "object" && inner !== null) out.push(...leafPaths(inner, `${prefix}${key}.`));
    else out.push(`${prefix}${key}`);
  }
  return out;
}

/**
 * Decodes one record of a case cut at every length from 0 to past its end (followed by bytes a
 * newer kernel would have written): exactly the fields that fit whole are present, with the values
 * the record gave; every other field of the case is named in `absent`.
 */
export function checkTruncations(c: Case): void {
  const { encode, decode } = codecs[c.struct];
  const size = infoLayouts[c.struct].size;
  const record = sampleRecord(c);
  const bytes = new Uint8Array(size + 24).fill(0x5a);
  bytes.set(encode(record as never));
  const full = decode(bytes);
  const derived = c.struct === "bpf_line_info" ? ["line", "column"] : [];
  for (let length = 0; length <= bytes.length; length++) {
    const decoded = decode(bytes, { length });
    // A selector past the length leaves the arm (or the perf_event variant) undecided.
    let paths = [...c.paths, ...(c.derivedViews ?? [])];
    if (c.struct === "bpf_link_info" && length < 4) paths = ["type", "id", "prog_id"];
    else if (c.undecided && length < 20) paths = [...new Set([...c.paths, ...c.undecided])];
    const fits = paths.filter((path) => end(c.struct, path) <= length);
    const past = paths.filter((path) => end(c.struct, path) > length);
    const present = leafPaths(decoded).filter((path) => !derived.includes(path));
    assert.deepEqual(new Set(present), new Set(fits), `present fields at length ${length}`);
    assert.deepEqual(new Set(decoded["absent"] as string[]), new Set(past), `absent fields at length ${length}`);
    for (const path of fits) {
      const want = (c.derivedViews ?? []).includes(path) ? getPath(full, path) : getPath(record, path);
      assert.deepEqual(getPath(decoded, path), want, `${path} at length ${length}`);
    }
    if (c.struct === "bpf_line_info" && fits.includes("line_col")) {
      assert.equal(decoded["line"], (decoded["line_col"] as number) >>> 10);
      assert.equal(decoded["column"], (decoded["line_col"] as number) & 0x3ff);
    }
    if (past.length === 0) assert.deepEqual(decoded["absent"], []);
    assert.ok(Object.isFrozen(decoded["absent"]), "absent lists are frozen, shared by every record of a shape");
  }
}
