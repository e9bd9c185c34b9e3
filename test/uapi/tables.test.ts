// The generated tables against the truth: the pinned 7.1 BTF, the running kernel's BTF and the UAPI #defines.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as bpftypes from "bpftypes";
import { valueSets } from "bpftypes";
import type { Btf, BtfType } from "bpftypes/btf";
import { liveBtf, pinnedBtf, readTestdataTsv } from "../support/testdata.js";

const exported = bpftypes as unknown as Record<string, unknown>;

/** The C enums behind each enum set, and the enumerator that finds the anonymous map-flag enum. */
const enumSources: Record<string, { enum?: string; holding?: string }> = {
  cmd: { enum: "bpf_cmd" },
  map: { enum: "bpf_map_type" },
  prog: { enum: "bpf_prog_type" },
  attach: { enum: "bpf_attach_type" },
  link: { enum: "bpf_link_type" },
  "task-fd": { enum: "bpf_task_fd_type" },
  stats: { enum: "bpf_stats_type" },
  "perf-event": { enum: "bpf_perf_event_type" },
  "map-flags": { holding: "BPF_F_NO_PREALLOC" },
};

function enumOf(btf: Btf, source: { enum?: string; holding?: string }): BtfType & { kind: "enum" | "enum64" } {
  const type = source.enum ? btf.findByName(source.enum, "enum") : btf.findEnumWithValue(source.holding ?? "");
  assert.ok(type && (type.kind === "enum" || type.kind === "enum64"), `BTF has ${source.enum ?? source.holding}`);
  return type as BtfType & { kind: "enum" | "enum64" };
}

function kernelValues(btf: Btf, source: { enum?: string; holding?: string }): Map<string, number> {
  return new Map(
    enumOf(btf, source)
      .values.filter((value) => !value.name.startsWith("__"))
      .map((value) => [value.name, Number(value.value)]),
  );
}

describe("tables against the pinned Linux 7.1 BTF", () => {
  for (const [id, source] of Object.entries(enumSources)) {
    test(`${id}: every enumerator is exported with its value, nothing more`, () => {
      const kernel = kernelValues(pinnedBtf(), source);
      const set = valueSets[id as keyof typeof valueSets];
      assert.deepEqual(
        set.entries.map((entry) => [entry.name, entry.value]),
        [...kernel],
      );
      for (const [name, value] of kernel) assert.equal(exported[name], value, `top-level ${name}`);
    });
  }
});

describe("tables against the running kernel's BTF", () => {
  const btf = liveBtf();
  for (const [id, source] of Object.entries(enumSources)) {
    test(`${id}: the running kernel's values agree (it may lack newer ones)`, { skip: btf ? false : "no /sys/kernel/btf/vmlinux on this machine" }, () => {
      const kernel = kernelValues(btf as Btf, source);
      const set = valueSets[id as keyof typeof valueSets];
      for (const [name, value] of kernel) {
        assert.equal(set.entryByName(name)?.value, value, `${name} = ${value} in the running kernel`);
        assert.equal(exported[name], value);
      }
    });
  }
});

describe("flags that are #defines", () => {
  const defines = new Map(readTestdataTsv("uapi-defines-7.1.tsv").map((row) => [row.name ?? "", Number(row.value)]));
  test("program-load, attach flags and lone constants equal the UAPI header's values", () => {
    for (const set of [valueSets["prog-flags"], valueSets["attach-flags"]]) {
      for (const entry of set.entries) {
        const expected = defines.get(entry.name) ?? kernelValues(pinnedBtf(), { holding: entry.name }).get(entry.name);
        assert.equal(entry.value, expected, entry.name);
        assert.equal(exported[entry.name], expected);
      }
    }
    assert.equal(bpftypes.BPF_OBJ_NAME_LEN, defines.get("BPF_OBJ_NAME_LEN"));
    assert.equal(bpftypes.BPF_TAG_SIZE, defines.get("BPF_TAG_SIZE"));
  });

  test("the sets hold exactly the flags the issue names, first to last", () => {
    const names = (id: keyof typeof valueSets) => valueSets[id].entries.map((entry) => entry.name);
    assert.equal(names("map-flags")[0], "BPF_F_NO_PREALLOC");
    assert.equal(names("map-flags").at(-1), "BPF_F_RB_OVERWRITE");
    assert.deepEqual(names("prog-flags").slice(0, 1), ["BPF_F_STRICT_ALIGNMENT"]);
    assert.ok(names("prog-flags").includes("BPF_F_TEST_REG_INVARIANTS") && names("prog-flags").includes("BPF_F_TOKEN_FD"));
    assert.equal(names("attach-flags")[0], "BPF_F_ALLOW_OVERRIDE");
    assert.ok(names("attach-flags").includes("BPF_F_PREORDER") && names("attach-flags").includes("BPF_F_LINK"));
    assert.deepEqual(
      valueSets["log-level"].entries.map((entry) => entry.value),
      [1, 2, 4, 8],
    );
  });

  test("every flag is a single bit", () => {
    for (const id of ["map-flags", "prog-flags", "attach-flags", "log-level"] as const) {
      for (const entry of valueSets[id].entries) assert.equal(entry.value & (entry.value - 1), 0, `${entry.name} = ${entry.value}`);
    }
  });
});

describe("first kernel versions", () => {
  test("every fact in since.tsv is available at run time", () => {
    const groups: Record<string, keyof typeof valueSets> = {
      cmd: "cmd",
      map_type: "map",
      prog_type: "prog",
      attach_type: "attach",
      link_type: "link",
      task_fd_type: "task-fd",
      stats_type: "stats",
      map_flag: "map-flags",
      prog_load_flag: "prog-flags",
      attach_flag: "attach-flags",
    };
    let checked = 0;
    for (const row of readTestdataTsv("since.tsv")) {
      const id = groups[row.group ?? ""];
      if (!id) continue;
      const entry = valueSets[id].entryByName(row.name ?? "");
      assert.equal(entry?.since?.text, row.since, `${row.group} ${row.name}`);
      checked++;
    }
    assert.equal(checked, 228, "every value row of since.tsv");
  });

  test("a tool can ask whether a kernel has a value", () => {
    const ringbuf = valueSets.map.entryByName("ringbuf");
    assert.equal(ringbuf?.since?.exact, "5.8");
    assert.equal(bpftypes.isAvailableIn(ringbuf!.since!, "5.4.0-150-generic"), false);
    assert.equal(bpftypes.isAvailableIn(ringbuf!.since!, "6.18.44"), true);
    const assoc = valueSets.cmd.entryByName("BPF_PROG_ASSOC_STRUCT_OPS");
    assert.equal(assoc?.since?.text, ">6.18,<=7.1");
    assert.equal(bpftypes.isAvailableIn(assoc!.since!, "6.18"), false);
    assert.equal(bpftypes.isAvailableIn(assoc!.since!, "7.0"), undefined);
    assert.equal(bpftypes.isAvailableIn(assoc!.since!, "7.1"), true);
  });

  test("every value has a description", () => {
    for (const set of Object.values(valueSets)) {
      assert.ok(set.description.length > 10, set.cName);
      for (const entry of set.entries) assert.ok(entry.description.length >= 20, `${entry.name} has a description`);
    }
  });
});
