// `decode` called directly: hex, files and stdin, short input and its absent fields, annotations, JSON with C field names.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BPF_LINK_TYPE_XDP, BPF_MAP_TYPE_HASH, BPF_PROG_TYPE_XDP } from "bpftypes";
import { encodeLinkInfo, encodeMapInfo, encodeProgInfo } from "bpftypes/codec";
import { capture, cli, runBin } from "./support.js";

const { decode, parseHex } = cli.decode;
const work = mkdtempSync(join(tmpdir(), "bpftypes-decode-"));
after(() => rmSync(work, { recursive: true, force: true }));

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const mapInfo = encodeMapInfo({ type: BPF_MAP_TYPE_HASH, id: 42, key_size: 4, value_size: 8, max_entries: 16, map_flags: 0x81, name: "counts", btf_id: 7 });

describe("decode", () => {
  test("hex of a whole struct: every field, with the kernel's C names in JSON", async () => {
    const c = capture({ json: true });
    await decode({ struct: "map-info", input: hex(mapInfo) }, c.out);
    const decoded = c.json() as Record<string, unknown>;
    assert.equal(decoded["type"], BPF_MAP_TYPE_HASH);
    assert.equal(decoded["id"], 42);
    assert.equal(decoded["name"], "counts");
    assert.equal(decoded["map_flags"], 0x81);
    assert.equal(decoded["btf_id"], 7);
    assert.deepEqual(decoded["absent"], []);
    assert.ok("btf_vmlinux_value_type_id" in decoded && "map_extra" in decoded);
  });

  test("short input decodes what fits and names the rest as absent, never as zero", async () => {
    const c = capture({ json: true });
    await decode({ struct: "map-info", input: hex(mapInfo.subarray(0, 24)) }, c.out);
    const decoded = c.json() as Record<string, unknown>;
    assert.equal(decoded["map_flags"], 0x81);
    assert.equal("name" in decoded, false);
    assert.deepEqual((decoded["absent"] as string[]).slice(0, 3), ["name", "ifindex", "btf_vmlinux_value_type_id"]);
    const plain = capture();
    await decode({ struct: "bpf_map_info", input: mapInfo.subarray(0, 24) }, plain.out);
    assert.match(plain.text(), /^struct bpf_map_info: 24 of 104 bytes$/m);
    assert.match(plain.text(), /^absent \(past the 24 bytes given\): name, ifindex, /m);
  });

  test("--length is the kernel's info_len: fields past it are absent even when bytes follow", async () => {
    const c = capture({ json: true });
    await decode({ struct: "map-info", input: hex(mapInfo), length: 40 }, c.out);
    const decoded = c.json() as Record<string, unknown>;
    assert.equal(decoded["name"], "counts");
    assert.equal("ifindex" in decoded, false);
  });

  test("plain output names types and flags beside the numbers", async () => {
    const c = capture();
    await decode({ struct: "map-info", input: hex(mapInfo) }, c.out);
    const text = c.text();
    assert.match(text, /^ {2}type\s+1 \(hash\)$/m);
    assert.match(text, /^ {2}map_flags\s+129 \(BPF_F_NO_PREALLOC\|BPF_F_RDONLY_PROG\)$/m);
    assert.match(text, /^ {2}name\s+"counts"$/m);
  });

  test("link info decodes the arm its type selects, nested under the arm's name", async () => {
    const c = capture({ json: true });
    await decode({ struct: "link-info", input: hex(encodeLinkInfo({ type: BPF_LINK_TYPE_XDP, id: 3, prog_id: 9, xdp: { ifindex: 5 } })) }, c.out);
    const decoded = c.json() as Record<string, unknown>;
    assert.deepEqual(decoded["xdp"], { ifindex: 5 });
    assert.equal("tcx" in decoded, false);
  });

  test("prog info: the tag as hex, gpl_compatible as a boolean, u64 fields exact", async () => {
    const bytes = encodeProgInfo({ type: BPF_PROG_TYPE_XDP, id: 5, tag: "0123456789abcdef", gpl_compatible: true, run_time_ns: 2n ** 60n + 1n, name: "xdp_pass" });
    const c = capture({ json: true });
    await decode({ struct: "prog-info", input: hex(bytes) }, c.out);
    const decoded = c.json() as Record<string, unknown>;
    assert.equal(decoded["tag"], "0123456789abcdef");
    assert.equal(decoded["gpl_compatible"], true);
    // JSON.parse loses the low bit; the text keeps it.
    assert.match(c.text(), /"run_time_ns":1152921504606846977/);
  });

  test("a file's raw bytes, a file of hex text, and standard input", async () => {
    const raw = join(work, "info.bin");
    const text = join(work, "info.hex");
    writeFileSync(raw, mapInfo);
    writeFileSync(text, `${hex(mapInfo.subarray(0, 12)).replace(/(........)/g, "$1 ")}\n`);
    const fromRaw = capture({ json: true });
    await decode({ struct: "map-info", input: `@${raw}` }, fromRaw.out);
    assert.equal((fromRaw.json() as { id: number }).id, 42);
    const fromText = capture({ json: true });
    await decode({ struct: "map-info", input: `@${text}` }, fromText.out);
    assert.equal((fromText.json() as { key_size: number }).key_size, 4);
    const fromStdin = capture({ json: true });
    await decode({ struct: "map-info", input: "-", stdin: () => mapInfo }, fromStdin.out);
    assert.equal((fromStdin.json() as { name: string }).name, "counts");
  });

  test("big-endian bytes with --big-endian", async () => {
    const bytes = encodeMapInfo({ type: 1, id: 0x01020304 }, { littleEndian: false, length: 8 });
    const c = capture({ json: true });
    await decode({ struct: "map-info", input: bytes, bigEndian: true }, c.out);
    assert.equal((c.json() as { id: number }).id, 0x01020304);
  });

  test("hex may have spaces, colons and 0x; anything else is not hex", () => {
    assert.deepEqual(parseHex("0x01 02:0a"), new Uint8Array([1, 2, 10]));
    assert.equal(parseHex("abc"), undefined);
    assert.equal(parseHex("zz"), undefined);
  });

  test("bad input is a usage error; a length longer than the bytes a failed decode", async () => {
    await assert.rejects(decode({ struct: "nope-info", input: "00" }, capture().out), (error) => cli.errors.isUsageError(error) && /nope-info/.test(error.message));
    await assert.rejects(decode({ struct: "map-info", input: "0g" }, capture().out), (error) => cli.errors.isUsageError(error));
    await assert.rejects(decode({ struct: "map-info", input: "00000000", length: 8 }, capture().out), (error) => cli.errors.isCommandError(error) && /8 bytes/.test(error.message));
  });

  test("through the bin, hex split over several arguments is joined", () => {
    const run = runBin(["decode", "map-info", "-j", "01000000", "2a000000"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { type: 1, id: 42, absent: (JSON.parse(run.stdout) as { absent: string[] }).absent });
  });
});
