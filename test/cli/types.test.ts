// The explorer commands called directly: types, explain and flags, in plain text and JSON.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_MAP_TYPE_LPM_TRIE, mapTypes, valueSets } from "bpftypes";
import { parseBtf } from "bpftypes/btf";
import { BtfBuilder } from "../btf/builder.js";
import { capture, cli } from "./support.js";

const { types, findValueSet } = cli.types;
const { explain } = cli.explain;
const { flags } = cli.flags;
const { KernelNames, displayShortName } = cli.kernelNames;

describe("types", () => {
  test("without a kind, lists every set with its C type and size", async () => {
    const c = capture();
    await types({}, c.out);
    const text = c.text();
    for (const set of Object.values(valueSets)) assert.match(text, new RegExp(`^${set.id}\\s`, "m"), set.id);
    assert.match(text, /^KIND\s+C TYPE/);
  });

  test("a kind lists value, kernel name, short name, first kernel and description", async () => {
    const c = capture();
    await types({ kind: "map" }, c.out);
    const line = c.text().split("\n").find((l) => l.includes("BPF_MAP_TYPE_LPM_TRIE"));
    assert.ok(line);
    assert.match(line, /^\s*11\s+BPF_MAP_TYPE_LPM_TRIE\s+lpm_trie\s+4\.11\s+\S/);
  });

  test("--json is one object per value, with every row of the table", async () => {
    const c = capture({ json: true });
    await types({ kind: "map-flags" }, c.out);
    const rows = c.json() as { name: string; value: number; short_name: string; since: string | null; kind: string }[];
    assert.equal(rows.length, valueSets["map-flags"].entries.length);
    assert.deepEqual(rows.find((r) => r.name === "BPF_F_NO_PREALLOC"), {
      value: 1,
      name: "BPF_F_NO_PREALLOC",
      short_name: "no_prealloc",
      since: "4.6",
      description: valueSets["map-flags"].entryByName("no_prealloc")!.description,
      kind: "map-flags",
    });
  });

  test("aliases are rows of their own and say whose alias they are", async () => {
    const c = capture({ json: true });
    await types({ kind: "cmd" }, c.out);
    const rows = c.json() as { name: string; value: number; alias_of?: string }[];
    assert.equal(rows.find((r) => r.name === "BPF_PROG_RUN")?.alias_of, "BPF_PROG_TEST_RUN");
    assert.equal(rows.find((r) => r.name === "BPF_PROG_TEST_RUN")?.alias_of, undefined);
  });

  test("kinds are found by id, C name, group name and plural", () => {
    assert.equal(findValueSet("map")?.id, "map");
    assert.equal(findValueSet("bpf_map_type")?.id, "map");
    assert.equal(findValueSet("BPFMapType")?.id, "map");
    assert.equal(findValueSet("maps")?.id, "map");
    assert.equal(findValueSet("map_flags")?.id, "map-flags");
    assert.equal(findValueSet("nope"), undefined);
  });

  test("an unknown kind is a usage error naming the kinds", async () => {
    await assert.rejects(types({ kind: "nope" }, capture().out), (error) => cli.errors.isUsageError(error) && /"nope"/.test(error.message) && /map-flags/.test(error.hint));
  });
});

describe("explain", () => {
  test("a kernel name: kind, value, short name, first kernel, description", async () => {
    const c = capture();
    await explain({ query: "BPF_MAP_TYPE_LPM_TRIE", kernelRelease: "6.1.0" }, c.out);
    const text = c.text();
    assert.match(text, /^BPF_MAP_TYPE_LPM_TRIE = 11$/m);
    assert.match(text, /kind\s+map: enum bpf_map_type/);
    assert.match(text, /short name\s+lpm_trie/);
    assert.match(text, /since\s+Linux 4\.11; this kernel \(6\.1\.0\) has it/);
    assert.match(text, /description\s+Longest-prefix-match/);
  });

  test("a short name found in several kinds shows them all", async () => {
    const c = capture({ json: true });
    await explain({ query: "xdp" }, c.out);
    const found = (c.json() as { kind: string; name: string }[]).map((e) => `${e.kind} ${e.name}`);
    assert.deepEqual(found, ["prog BPF_PROG_TYPE_XDP", "attach BPF_XDP", "link BPF_LINK_TYPE_XDP"]);
  });

  test("a number with --kind is that value; without, every kind that has it", async () => {
    const one = capture({ json: true });
    await explain({ query: String(BPF_MAP_TYPE_LPM_TRIE), kind: "map" }, one.out);
    assert.deepEqual((one.json() as { name: string }[]).map((e) => e.name), ["BPF_MAP_TYPE_LPM_TRIE"]);
    const all = capture({ json: true });
    await explain({ query: "0x1b" }, all.out);
    const kinds = (all.json() as { kind: string }[]).map((e) => e.kind);
    assert.ok(kinds.includes("map") && kinds.includes("cmd") && kinds.includes("prog"), kinds.join());
  });

  test("whether the running kernel has it is judged from the first kernel", async () => {
    const c = capture({ json: true });
    await explain({ query: "ringbuf", kernelRelease: "5.4.0" }, c.out);
    const [entry] = c.json() as { in_kernel: boolean; since: string; kernel_release: string }[];
    assert.equal(entry?.since, "5.8");
    assert.equal(entry?.in_kernel, false);
    assert.equal(entry?.kernel_release, "5.4.0");
  });

  test("aliases are named both ways", async () => {
    const c = capture({ json: true });
    await explain({ query: "BPF_PROG_RUN" }, c.out);
    const [entry] = c.json() as { alias_of?: string; aliases: string[] }[];
    assert.equal(entry?.alias_of, "BPF_PROG_TEST_RUN");
    assert.deepEqual(entry?.aliases, ["BPF_PROG_TEST_RUN"]);
  });

  test("a flag shows its bit", async () => {
    const c = capture();
    await explain({ query: "rdonly_prog", kind: "map-flags" }, c.out);
    assert.match(c.text(), /value\s+128 \(0x80, bit 7\)/);
  });

  test("a name newer than the tables is found in a kernel's BTF", async () => {
    const b = new BtfBuilder();
    b.enum("bpf_map_type", 4, [["BPF_MAP_TYPE_HASH", 1], ["BPF_MAP_TYPE_FUTURE_THING", 99]]);
    const names = new KernelNames("(test)", parseBtf(b.build()));
    const c = capture({ json: true });
    await explain({ query: "future_thing", kernelNames: names }, c.out);
    assert.deepEqual(c.json(), [
      { value: 99, name: "BPF_MAP_TYPE_FUTURE_THING", short_name: "future_thing", kind: "map", c_type: "bpf_map_type", kernel_release: (c.json() as { kernel_release: string }[])[0]!.kernel_release, in_kernel: true, source: "kernel-btf" },
    ]);
    const plain = capture();
    await explain({ query: "99", kind: "map", kernelNames: names }, plain.out);
    assert.match(plain.text(), /^BPF_MAP_TYPE_FUTURE_THING = 99$/m);
    assert.match(plain.text(), /newer than the library/);
  });

  test("nothing by that name or number is a failed operation, with what to do", async () => {
    const names = new KernelNames("/nonexistent");
    await assert.rejects(explain({ query: "no_such_thing", kernelNames: names }, capture().out), (error) => {
      return cli.errors.isCommandError(error) && cli.errors.exitCodeOf(error) === 1 && /no_such_thing/.test(error.message) && /bpftypes types/.test(error.hint);
    });
  });
});

describe("the running kernel's names for values the tables lack", () => {
  test("are read only when asked, and fall back to the number", () => {
    const b = new BtfBuilder();
    b.enum("bpf_map_type", 4, [["BPF_MAP_TYPE_HASH", 1], ["BPF_MAP_TYPE_FUTURE_THING", 99]]);
    const names = new KernelNames("(test)", parseBtf(b.build()));
    assert.equal(displayShortName(mapTypes, 1, names), "hash");
    assert.equal(displayShortName(mapTypes, 99, names), "future_thing");
    assert.equal(displayShortName(mapTypes, 100, names), "100");
    assert.equal(names.name(mapTypes, 99), "BPF_MAP_TYPE_FUTURE_THING");
  });

  test("an unreadable BTF answers nothing, without throwing", () => {
    const names = new KernelNames("/nonexistent/vmlinux");
    assert.equal(names.btf(), undefined);
    assert.equal(displayShortName(mapTypes, 1000, names), "1000");
    assert.equal(names.enumerator("BPF_MAP_TYPE_HASH"), undefined);
  });

  test("flag sets are found through the anonymous enum holding their first flag", () => {
    const b = new BtfBuilder();
    b.enum("", 4, [["BPF_F_NO_PREALLOC", 1], ["BPF_F_FUTURE", 1 << 30]]);
    const names = new KernelNames("(test)", parseBtf(b.build()));
    assert.equal(names.name(valueSets["map-flags"], 1 << 30), "BPF_F_FUTURE");
  });
});

describe("flags", () => {
  test("a number decodes into names, unknown bits kept as hex", async () => {
    const c = capture();
    const result = await flags({ kind: "map", value: "0x80000081" }, c.out);
    assert.deepEqual(result, { value: 0x80000081, names: ["BPF_F_NO_PREALLOC", "BPF_F_RDONLY_PROG"], unknownBits: 0x80000000, decoded: true });
    const text = c.text();
    assert.match(text, /^0x80000081 \(2147483777\) {2}BPF_F_NO_PREALLOC\|BPF_F_RDONLY_PROG\|0x80000000$/m);
    assert.match(text, /0x80000000\s+\(unknown bits\)/);
  });

  test("names encode into the number, several arguments joined", async () => {
    const c = capture({ json: true });
    const result = await flags({ kind: "map", value: ["no_prealloc", "BPF_F_RDONLY_PROG"] }, c.out);
    assert.equal(result.value, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG);
    assert.equal(result.decoded, false);
    assert.deepEqual(c.json(), {
      value: 129,
      hex: "0x81",
      names: ["BPF_F_NO_PREALLOC", "BPF_F_RDONLY_PROG"],
      flags: [
        { name: "BPF_F_NO_PREALLOC", short_name: "no_prealloc", value: 1, since: "4.6" },
        { name: "BPF_F_RDONLY_PROG", short_name: "rdonly_prog", value: 128, since: "5.2" },
      ],
      unknown_bits: 0,
      formatted: "BPF_F_NO_PREALLOC|BPF_F_RDONLY_PROG",
    });
  });

  test("every flag set by its short kind", async () => {
    for (const [kind, name] of [["prog", "BPF_F_SLEEPABLE"], ["attach", "BPF_F_ALLOW_MULTI"], ["log-level", "BPF_LOG_STATS"]] as const) {
      const result = await flags({ kind, value: name }, capture().out);
      assert.deepEqual(result.names, [name], kind);
    }
  });

  test("zero has no flags", async () => {
    const c = capture();
    const result = await flags({ kind: "map", value: "0" }, c.out);
    assert.deepEqual(result.names, []);
    assert.equal(c.text(), "0x0 (0)  0\n");
  });

  test("a name that is no flag, or a word too wide, is a usage error", async () => {
    await assert.rejects(flags({ kind: "map", value: "no_such_flag" }, capture().out), (error) => cli.errors.isUsageError(error) && /no_such_flag/.test(error.message));
    await assert.rejects(flags({ kind: "map", value: "0x100000000" }, capture().out), (error) => cli.errors.isUsageError(error));
    await assert.rejects(flags({ kind: "nope", value: "1" }, capture().out), (error) => cli.errors.isUsageError(error) && /nope/.test(error.message));
  });
});
