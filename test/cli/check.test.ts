// `check` called directly: the pinned 7.1 BTF agrees, a doctored BTF's drift is listed and fails, the running kernel is judged consistently.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { valueSets } from "bpftypes";
import { BtfBuilder } from "../btf/builder.js";
import { repoRoot } from "../support/testdata.js";
import { capture, cli, runMain } from "./support.js";

const { check } = cli.check;
const PINNED = `${repoRoot}testdata/vmlinux-7.1.btf.gz`;
const work = mkdtempSync(join(tmpdir(), "bpftypes-check-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface SetJson {
  kind: string;
  agree: number;
  missing_in_library: { name: string; kernel: number }[];
  differ: { name: string; library: number; kernel: number }[];
  missing_in_kernel: string[];
  not_in_btf: string[];
}
interface StructJson {
  struct: string;
  library_size: number;
  kernel_size: number | null;
  agree: number;
  missing_in_library: { field: string; kernel: { offset: number; size: number } }[];
  differ: { field: string; library: { offset: number }; kernel: { offset: number } }[];
  missing_in_kernel: string[];
}
interface ReportJson {
  btf: string;
  agree: boolean;
  sets: SetJson[];
  structs: StructJson[];
}

/** A small BTF with a changed map type, a new one, a moved field and a new field. */
function doctoredBtf(): string {
  const b = new BtfBuilder();
  const u32 = b.int("__u32", 4);
  b.enum("bpf_map_type", 4, [
    ["BPF_MAP_TYPE_UNSPEC", 0],
    ["BPF_MAP_TYPE_HASH", 1],
    ["BPF_MAP_TYPE_ARRAY", 7],
    ["BPF_MAP_TYPE_FUTURE", 99],
    ["__MAX_BPF_MAP_TYPE", 100],
  ]);
  b.struct("bpf_map_info", 16, [
    { name: "type", type: u32, bitOffset: 0 },
    { name: "id", type: u32, bitOffset: 64 },
    { name: "future_field", type: u32, bitOffset: 96 },
  ]);
  const path = join(work, "doctored.btf");
  writeFileSync(path, b.build());
  return path;
}

describe("check", () => {
  test("the pinned Linux 7.1 BTF the tables come from agrees exactly, value by value and field by field", async () => {
    const c = capture({ json: true });
    const code = await check({ btf: PINNED }, c.out);
    const report = c.json() as ReportJson;
    assert.equal(code, 0);
    assert.equal(report.agree, true);
    for (const set of report.sets) {
      assert.deepEqual([set.missing_in_library, set.differ], [[], []], set.kind);
      if (set.kind === "map" || set.kind === "map-flags" || set.kind === "prog") assert.deepEqual(set.missing_in_kernel, [], set.kind);
    }
    const map = report.sets.find((s) => s.kind === "map")!;
    assert.equal(map.agree, valueSets.map.entries.length);
    for (const struct of report.structs) {
      assert.deepEqual([struct.missing_in_library, struct.differ, struct.missing_in_kernel], [[], [], []], struct.struct);
      assert.equal(struct.kernel_size, struct.library_size, struct.struct);
    }
    assert.ok(report.structs.find((s) => s.struct === "bpf_link_info")!.agree > 50, "the link arms are compared too");
  });

  test("drift is listed (kernel-only values and fields, different values and offsets) and the exit code is 1", async () => {
    const c = capture({ json: true });
    const code = await check({ btf: doctoredBtf() }, c.out);
    const report = c.json() as ReportJson;
    assert.equal(code, 1);
    assert.equal(report.agree, false);
    const map = report.sets.find((s) => s.kind === "map")!;
    assert.deepEqual(map.missing_in_library, [{ name: "BPF_MAP_TYPE_FUTURE", kernel: 99 }]);
    assert.deepEqual(map.differ, [{ name: "BPF_MAP_TYPE_ARRAY", library: 2, kernel: 7 }]);
    assert.equal(map.agree, 2);
    assert.ok(map.missing_in_kernel.includes("BPF_MAP_TYPE_LPM_TRIE"), "the sentinel is not a value, the older kernel lacks newer ones");
    const info = report.structs.find((s) => s.struct === "bpf_map_info")!;
    assert.deepEqual(info.missing_in_library, [{ field: "future_field", kernel: { offset: 12, size: 4 } }]);
    assert.deepEqual(info.differ.map((d) => [d.field, d.library.offset, d.kernel.offset]), [["id", 4, 8]]);
    assert.equal(info.kernel_size, 16);
    const prog = report.structs.find((s) => s.struct === "bpf_prog_info")!;
    assert.equal(prog.kernel_size, null, "a struct the BTF lacks is older, not drift");
  });

  test("plain output marks drift with + and ! and ends with the verdict", async () => {
    const c = capture();
    await check({ btf: doctoredBtf() }, c.out);
    const text = c.text();
    assert.match(text, /^ {2}\+ BPF_MAP_TYPE_FUTURE = 99 {2}\(the kernel has it, the library does not\)$/m);
    assert.match(text, /^ {2}! BPF_MAP_TYPE_ARRAY: library 2, kernel 7$/m);
    assert.match(text, /^ {2}\+ future_field at offset 12, 4 bytes/m);
    assert.match(text, /^ {2}! id: library offset 4, 4 bytes, kernel offset 8, 4 bytes$/m);
    assert.match(text, /The kernel and the library differ/);
  });

  test("the running kernel's BTF: the exit code follows the verdict", { skip: existsSync("/sys/kernel/btf/vmlinux") ? false : "this kernel has no BTF" }, async () => {
    const c = capture({ json: true });
    const code = await check({}, c.out);
    const report = c.json() as ReportJson;
    assert.equal(report.btf, "/sys/kernel/btf/vmlinux");
    assert.equal(code, report.agree ? 0 : 1);
    const drift = report.sets.flatMap((s) => [...s.missing_in_library, ...s.differ]).length + report.structs.flatMap((s) => [...s.missing_in_library, ...s.differ]).length;
    assert.equal(report.agree, drift === 0);
  });

  test("a missing file or one that is not BTF is a failed operation with one line", async () => {
    const notBtf = join(work, "text.txt");
    writeFileSync(notBtf, "hello\n");
    const missing = await runMain(["check", "--btf", join(work, "missing")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^bpftypes: check: cannot read .*missing: no such file: check the path\n$/);
    const wrong = await runMain(["check", "--btf", notBtf]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^bpftypes: check: .*text\.txt is not raw BTF: .*\n$/);
  });
});
