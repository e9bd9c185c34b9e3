// Names both ways: short names, parsing, aliases, unknown values and flag words.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { attachFlags, attachTypes, commands, findByName, isValueNameError, logLevels, mapFlags, mapTypes, progLoadFlags, progTypes, valueSets } from "bpftypes";

describe("short names", () => {
  test("every short name is the kernel name minus its prefix, lower-cased (libbpf's rule)", () => {
    for (const set of Object.values(valueSets)) {
      for (const entry of set.entries) {
        assert.ok(entry.name.startsWith(set.prefix), `${entry.name} starts with ${set.prefix}`);
        assert.equal(entry.shortName, entry.name.slice(set.prefix.length).toLowerCase());
      }
    }
  });

  test("a set's entries are built once and are the same objects its lookups return", () => {
    for (const set of Object.values(valueSets)) {
      assert.equal(set.entries, set.entries, `${set.id}: entries is one array`);
      const first = set.entries.find((entry) => entry.aliasOf === undefined)!;
      assert.equal(set.entry(first.value), first, `${set.id}: entry(${first.value})`);
      assert.equal(set.entryByName(first.shortName), first, `${set.id}: entryByName(${first.shortName})`);
    }
  });

  test("well-known libbpf/bpftool names", () => {
    assert.equal(mapTypes.shortName(11), "lpm_trie");
    assert.equal(attachTypes.shortName(0), "cgroup_inet_ingress");
    assert.equal(progTypes.shortName(3), "sched_cls");
    assert.equal(valueSets.link.shortName(6), "xdp");
  });
});

describe("parsing names", () => {
  test("kernel names and short names, any case, give the value", () => {
    for (const set of Object.values(valueSets)) {
      for (const entry of set.entries) {
        assert.equal(set.parse(entry.name), entry.value);
        assert.equal(set.parse(entry.name.toLowerCase()), entry.value);
        assert.equal(set.parse(entry.shortName), entry.value);
        assert.equal(set.parse(entry.shortName.toUpperCase()), entry.value);
      }
    }
    assert.equal(mapTypes.parse(" LPM_Trie "), 11);
  });

  test("numbers parse, known or not", () => {
    assert.equal(mapTypes.parse("99"), 99);
    assert.equal(mapTypes.parse("0x1f"), 31);
    assert.equal(mapTypes.tryParse("-1"), undefined);
    assert.equal(mapTypes.tryParse("4294967296"), undefined);
  });

  test("a bad name is a named error saying what is accepted", () => {
    assert.throws(
      () => mapTypes.parse("lpm-trie"),
      (error: unknown) => isValueNameError(error) && /"lpm-trie" is neither a name/.test((error as Error).message) && (error as { setId: string }).setId === "map",
    );
  });

  test("a short name shared by several sets is found in each", () => {
    const found = findByName("xdp").map((entry) => `${entry.setId}:${entry.name}`);
    assert.deepEqual(found, ["prog:BPF_PROG_TYPE_XDP", "attach:BPF_XDP", "link:BPF_LINK_TYPE_XDP"]);
  });
});

describe("aliases", () => {
  test("aliased values render as their documented canonical name", () => {
    assert.equal(commands.name(10), "BPF_PROG_TEST_RUN");
    assert.equal(commands.entryByName("BPF_PROG_RUN")?.aliasOf, "BPF_PROG_TEST_RUN");
    assert.equal(commands.parse("prog_run"), 10);
    assert.equal(mapTypes.name(19), "BPF_MAP_TYPE_CGROUP_STORAGE");
    assert.equal(mapTypes.entryByName("BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED")?.aliasOf, "BPF_MAP_TYPE_CGROUP_STORAGE");
    assert.equal(mapTypes.name(21), "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE");
    assert.equal(mapTypes.shortName(21), "percpu_cgroup_storage");
  });

  test("every value has exactly one canonical entry", () => {
    for (const set of Object.values(valueSets)) {
      const canonical = new Map<number, string>();
      for (const entry of set.entries) {
        if (entry.aliasOf !== undefined) continue;
        assert.ok(!canonical.has(entry.value), `${set.cName} value ${entry.value} has two canonical names`);
        canonical.set(entry.value, entry.name);
      }
      for (const entry of set.entries) assert.ok(canonical.has(entry.value));
    }
  });
});

describe("values newer than the tables", () => {
  test("keep their number wherever they are rendered", () => {
    assert.equal(mapTypes.name(999), "bpf_map_type(999)");
    assert.equal(mapTypes.shortName(999), "999");
    assert.equal(progTypes.name(4000), "bpf_prog_type(4000)");
    assert.equal(mapTypes.has(999), false);
    assert.equal(mapTypes.entry(999), undefined);
  });
});

describe("flag words", () => {
  test("format keeps unknown bits as hex", () => {
    assert.equal(mapFlags.format(0x80000081), "BPF_F_NO_PREALLOC|BPF_F_RDONLY_PROG|0x80000000");
    assert.equal(mapFlags.format(0), "0");
    assert.equal(mapFlags.format(0x81, "short"), "no_prealloc|rdonly_prog");
    assert.equal(logLevels.format(1 | 4), "BPF_LOG_LEVEL1|BPF_LOG_STATS");
  });

  test("words are unsigned 32-bit; signed input is read as its bits", () => {
    assert.equal(mapFlags.unknownBits(-1), (~mapFlags.knownMask) >>> 0);
    assert.ok(mapFlags.format(-1).endsWith(`|0x${((~mapFlags.knownMask) >>> 0).toString(16)}`));
    assert.throws(() => mapFlags.format(2 ** 32), RangeError);
    assert.throws(() => mapFlags.format(1.5), RangeError);
  });

  test("members lists the named flags of a word", () => {
    assert.deepEqual(
      progLoadFlags.members(16 | 1).map((entry) => entry.name),
      ["BPF_F_STRICT_ALIGNMENT", "BPF_F_SLEEPABLE"],
    );
    assert.deepEqual(
      attachFlags.members(8192).map((entry) => entry.name),
      ["BPF_F_LINK"],
    );
  });

  test("parse reads names, short names and numbers joined by |", () => {
    assert.equal(mapFlags.parse("BPF_F_NO_PREALLOC|rdonly_prog|0x80000000"), 0x80000081);
    assert.equal(mapFlags.parse("no_prealloc, mmapable"), 1 | 1024);
    assert.equal(mapFlags.parse("0"), 0);
    assert.throws(() => mapFlags.parse("BPF_F_NO_PREALLOC|bogus"), (error: unknown) => isValueNameError(error) && /"bogus"/.test((error as Error).message));
    assert.throws(() => mapFlags.parse(""), (error: unknown) => isValueNameError(error));
  });

  test("every word round-trips through format and parse, in both styles", () => {
    for (const set of [mapFlags, progLoadFlags, attachFlags, logLevels]) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (word) => {
          assert.equal(set.parse(set.format(word)), word);
          assert.equal(set.parse(set.format(word, "short")), word);
        }),
        { numRuns: 2000 },
      );
    }
  });
});
