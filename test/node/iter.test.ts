// The pieces iterator programs are made of, checked without loading any: the assembler's encoding,
// the kernel BTF index against bpftool's reading of the same BTF, helper ids, and the type cache.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Assembler, CachedKernelTypes, cacheDirectory, HELPER, readCacheFile, writeCacheFile, KernelBtf, KernelBtfError, KernelTypes, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, TextPrinter, type KernelField, type ValueSlot } from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { loadKernelBtf } from "../support/kernel-btf.js";
import { withTempDir } from "../support/temp-dir.js";
import { liveBtfPath, repoRoot } from "../support/testdata.js";

/** Bytes of instructions written out by hand from the kernel's encoding (little-endian host). */
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

describe("assembler", () => {
  test("encodes each instruction as the kernel defines it", () => {
    const asm = new Assembler()
      .movImm(0, 1) // b7 00 0000 01000000
      .mov(6, 1) // bf 16
      .addImm(2, -8) // 07 02 .. f8ffffff
      .sub(3, 1) // 1f 13
      .lshImm(3, 2) // 67 03 .. 02000000
      .load(8, 6, 1, 8) // 79 16 0800
      .load(4, 9, 10, -4) // 61 a9 fcff
      .store(8, 10, -16, 1) // 7b 1a f0ff
      .storeImm(4, 10, -4, 7) // 62 0a fcff 07000000
      .loadImm64(1, PSEUDO_MAP_FD, 5) // 18 11 0000 05000000 + 0000000000000000
      .call(HELPER.BPF_FUNC_seq_write) // 85 00 0000 7f000000
      .jumpIfAbove(4, 7, "end") // 25 04 ..
      .jumpIfAtLeast(4, 7, "end") // 35 04 ..
      .label("end")
      .exit(); // 95
    assert.equal(
      hex(asm.assemble()),
      [
        "b700000001000000",
        "bf16000000000000",
        "07020000f8ffffff",
        "1f13000000000000",
        "6703000002000000",
        "7916080000000000",
        "61a9fcff00000000",
        "7b1af0ff00000000",
        "620afcff07000000",
        "1811000005000000",
        "0000000000000000",
        "850000007f000000",
        "2504010007000000",
        "3504000007000000",
        "9500000000000000",
      ].join(""),
    );
    assert.equal(asm.length, 15);
  });

  test("encodes what the text printer uses: map values, division, byte swaps, 64-bit constants, inequality", () => {
    const asm = new Assembler()
      .loadImm64(2, PSEUDO_MAP_VALUE, 5, 24) // 18 22 0000 05000000 + 00000000 18000000
      .divImm(1, 1_000_000) // 37 01 0000 40420f00
      .toBigEndian64(1) // dc 01 0000 40000000
      .movImm64(2, 0xfedcba9876543210n) // 18 02 0000 10325476 + 00000000 98badcfe
      .jumpIfNotEqual(1, 0, "end") // 55 01 ..
      .jumpIfNotEqualReg(1, 2, "end") // 5d 21 ..
      .label("end")
      .exit();
    assert.equal(
      hex(asm.assemble()),
      [
        "1822000005000000",
        "0000000018000000",
        "3701000040420f00",
        "dc01000040000000",
        "1802000010325476",
        "0000000098badcfe",
        "5501010000000000",
        "5d21000000000000",
        "9500000000000000",
      ].join(""),
    );
  });

  test("jumps land on their labels, forward and backward", () => {
    const bytes = new Assembler()
      .label("top")
      .jumpIfEqual(1, 0, "end") // 15 01 +2
      .jumpIfAtMost(2, 64, "top") // b5 02 -2
      .jump("end") // 05 00 +0
      .label("end")
      .exit()
      .assemble();
    const view = new DataView(bytes.buffer);
    assert.deepEqual(
      [0, 1, 2].map((i) => [bytes[i * 8], view.getInt16(i * 8 + 2, true), view.getInt32(i * 8 + 4, true)]),
      [
        [0x15, 2, 0],
        [0xb5, -2, 64],
        [0x05, 0, 0],
      ],
    );
  });

  test("a missing or doubled label is an error, not a wrong jump", () => {
    assert.throws(() => new Assembler().jump("nowhere").assemble(), /no label nowhere/);
    assert.throws(() => new Assembler().label("x").label("x"), /placed twice/);
  });
});

/** The blob of the pinned Linux 7.1 BTF, written to a temp file for bpftool. */
function pinnedBlobFile(): { path: string; bytes: Uint8Array; dispose(): void } {
  const bytes = new Uint8Array(gunzipSync(readFileSync(`${repoRoot}testdata/vmlinux-7.1.btf.gz`)));
  const dir = mkdtempSync(join(tmpdir(), "bpftypes-btf-"));
  const path = join(dir, "vmlinux-7.1.btf");
  writeFileSync(path, bytes);
  return { path, bytes, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Structs the iterator programs read, and every member of them bpftool lists. */
const STRUCTS = ["bpf_prog", "bpf_prog_aux", "bpf_prog_stats", "bpf_map", "bpf_array", "user_struct", "btf", "bpf_func_info", "bpf_iter_meta", "bpf_prog_info", "bpf_map_info"];

function checkAgainstBpftool(index: KernelBtf, path: string): void {
  const peer = loadKernelBtf(path);
  let checked = 0;
  for (const struct of STRUCTS) {
    assert.equal(index.structSize(struct), peer.sizeOf("STRUCT", struct), `sizeof(struct ${struct})`);
    for (const [name, field] of peer.structFields(struct)) {
      const ours: KernelField = index.field(struct, name);
      if (ours.bits > 0) assert.equal(ours.offset + ours.bit / 8, field.offset, `${struct}.${name} bit position`);
      else assert.deepEqual({ offset: ours.offset, size: ours.size }, { offset: field.offset, size: field.size }, `${struct}.${name}`);
      checked++;
    }
  }
  assert.ok(checked > 200, `only ${checked} fields checked`);
}

describe("kernel BTF index", { skip: haveBpftool ? false : "bpftool is not installed" }, () => {
  test("the running kernel: every member of the structs iterators read sits where bpftool says", () => {
    checkAgainstBpftool(KernelBtf.running(), liveBtfPath);
  });

  test("the pinned Linux 7.1 BTF too: a second kernel's layouts", () => {
    const blob = pinnedBlobFile();
    try {
      checkAgainstBpftool(new KernelBtf(blob.bytes), blob.path);
    } finally {
      blob.dispose();
    }
  });

  test("function ids, and the helper ids the programs call, are the kernel's", () => {
    const index = KernelBtf.running();
    const raw = bpftoolJson("btf", "dump", "file", liveBtfPath, "format", "raw") as { types: { id: number; kind: string; name: string; values?: { name: string; val: number }[] }[] };
    for (const name of ["bpf_iter_bpf_prog", "bpf_iter_bpf_map", "bpf_iter_bpf_link"]) {
      const func = raw.types.find((type) => type.kind === "FUNC" && type.name === name);
      assert.equal(index.funcId(name), func?.id, name);
    }
    const helpers = raw.types.find((type) => type.kind === "ENUM" && type.name === "bpf_func_id");
    for (const [name, value] of Object.entries(HELPER)) {
      assert.equal(helpers?.values?.find((entry) => entry.name === name)?.val, value, name);
    }
  });

  test("missing names are undefined, or a KernelBtfError that names them", () => {
    const index = KernelBtf.running();
    assert.equal(index.funcId("no_such_function_here"), undefined);
    assert.equal(index.tryField("bpf_prog", "no_such_member"), undefined);
    assert.equal(index.tryField("no_such_struct", "id"), undefined);
    assert.throws(() => index.field("bpf_map", "no_such_member"), (error) => error instanceof KernelBtfError && /bpf_map has no member no_such_member/.test(error.message));
    assert.throws(() => index.structSize("no_such_struct"), KernelBtfError);
  });

  test("a blob that is not BTF is refused with a reason", () => {
    assert.throws(() => new KernelBtf(new Uint8Array(8)), /too short/);
    assert.throws(() => new KernelBtf(new Uint8Array(64)), /no BTF magic/);
  });
});

/** Kernel types from a table, counting how often they are asked. */
class FakeTypes extends KernelTypes {
  calls = 0;
  funcId(name: string): number | undefined {
    this.calls++;
    return name === "f" ? 7 : undefined;
  }
  tryStructSize(name: string): number | undefined {
    this.calls++;
    return name === "s" ? 24 : undefined;
  }
  tryField(structName: string, path: string): KernelField | undefined {
    this.calls++;
    return structName === "s" && path === "a.b" ? { offset: 8, size: 4, bit: 0, bits: 0 } : undefined;
  }
}

describe("kernel type cache", () => {
  const BOOT = "00000000-1111-2222-3333-444444444444";
  const withDir = (run: (dir: string) => void) => withTempDir("bpftypes-cache-", run);
  /** What {@link FakeTypes} answers, asked of `types`. */
  const assertFakeAnswers = (types: KernelTypes) => {
    assert.equal(types.funcId("f"), 7);
    assert.equal(types.structSize("s"), 24);
    assert.deepEqual(types.field("s", "a.b"), { offset: 8, size: 4, bit: 0, bits: 0 });
    assert.equal(types.tryField("s", "missing"), undefined);
  };

  test("facts learned once are answered from the file for the rest of the boot", () => {
    withDir((dir) => {
      const fake = new FakeTypes();
      const first = new CachedKernelTypes(dir, BOOT, () => fake);
      assertFakeAnswers(first);
      assert.equal(first.readBtf, true);
      first.save();
      assert.deepEqual(readdirSync(dir), [`kernel-types-${BOOT}.json`]);
      const again = new FakeTypes();
      const second = new CachedKernelTypes(dir, BOOT, () => again);
      assertFakeAnswers(second);
      assert.equal(again.calls, 0, "the BTF was read although every answer was cached");
      assert.equal(second.readBtf, false);
    });
  });

  test("another boot's file is ignored and removed; a corrupt file is ignored", () => {
    withDir((dir) => {
      writeFileSync(join(dir, "kernel-types-99999999-1111-2222-3333-444444444444.json"), JSON.stringify({ bootId: "99999999-1111-2222-3333-444444444444", facts: { "func f": 1 } }));
      writeFileSync(join(dir, `kernel-types-${BOOT}.json`), "{not json");
      const fake = new FakeTypes();
      const types = new CachedKernelTypes(dir, BOOT, () => fake);
      assert.equal(types.funcId("f"), 7);
      assert.equal(fake.calls, 1);
      types.save();
      assert.deepEqual(readdirSync(dir), [`kernel-types-${BOOT}.json`]);
    });
  });

  test("facts of the wrong shape in the file are not believed", () => {
    withDir((dir) => {
      writeFileSync(join(dir, `kernel-types-${BOOT}.json`), JSON.stringify({ bootId: BOOT, facts: { "func f": -3, "field s.a.b": { offset: "8" } } }));
      const fake = new FakeTypes();
      const types = new CachedKernelTypes(dir, BOOT, () => fake);
      assert.equal(types.funcId("f"), 7);
      assert.deepEqual(types.field("s", "a.b"), { offset: 8, size: 4, bit: 0, bits: 0 });
      assert.equal(fake.calls, 2);
    });
  });

  test("with no directory nothing is read or written", () => {
    const fake = new FakeTypes();
    const types = new CachedKernelTypes(undefined, BOOT, () => fake);
    assert.equal(types.funcId("f"), 7);
    types.save();
    assert.equal(fake.calls, 1);
  });

  test("the cache directory follows BPFTYPES_CACHE_DIR, then XDG_CACHE_HOME, then the home directory", () => {
    assert.equal(cacheDirectory({ BPFTYPES_CACHE_DIR: "/a", XDG_CACHE_HOME: "/b", HOME: "/c" }), "/a");
    assert.equal(cacheDirectory({ XDG_CACHE_HOME: "/b", HOME: "/c" }), "/b/bpftypes");
    assert.equal(cacheDirectory({ HOME: "/c" }), "/c/.cache/bpftypes");
  });

  test("a cache file is written for this user only, aside and renamed, with stale files removed first", () => {
    withDir((dir) => {
      writeFileSync(join(dir, "old-1"), "x");
      writeFileSync(join(dir, "keep-1"), "y");
      const file = join(dir, "sub", "new-1");
      assert.equal(writeCacheFile(join(dir, "new-1"), "data", (name) => name.startsWith("old-")), true);
      assert.deepEqual(readdirSync(dir).sort(), ["keep-1", "new-1"]);
      assert.equal(statSync(join(dir, "new-1")).mode & 0o777, 0o600);
      assert.equal(writeCacheFile(file, new Uint8Array([1, 2])), true, "the directory is made");
      assert.equal(statSync(join(dir, "sub")).mode & 0o777, 0o700);
      assert.deepEqual([...readCacheFile(file)!], [1, 2]);
      assert.equal(writeCacheFile("/proc/no-such-dir/file", "data"), false, "a failed write is no error");
      // Node's own recursive mkdir would loop for ever on these two.
      symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
      assert.equal(writeCacheFile(join(dir, "dangling", "a", "file"), "data"), false, "under a dangling symlink");
      assert.equal(writeCacheFile(join(dir, "deep", "er", "file"), "data"), true, "two levels made");
      assert.equal(readCacheFile(join(dir, "missing")), undefined);
      assert.equal(readCacheFile(dir), undefined, "a directory is no cache file");
    });
  });

  test("a cache file is never written through a link planted at its temporary name", () => {
    withDir((dir) => {
      const victim = join(dir, "victim");
      writeFileSync(victim, "precious");
      const file = join(dir, "cache");
      symlinkSync(victim, `${file}.${process.pid}`);
      assert.equal(writeCacheFile(file, "data"), true);
      assert.equal(readFileSync(victim, "utf8"), "precious");
      assert.equal(readFileSync(file, "utf8"), "data");
      assert.deepEqual(readdirSync(dir).sort(), ["cache", "victim"]);
    });
  });

  test("a cache file others may write is not read", () => {
    withDir((dir) => {
      const file = join(dir, "shared");
      writeFileSync(file, "data", { mode: 0o600 });
      assert.equal(readCacheFile(file)?.toString(), "data");
      chmodSync(file, 0o620);
      assert.equal(readCacheFile(file), undefined, "group-writable");
      chmodSync(file, 0o602);
      assert.equal(readCacheFile(file), undefined, "world-writable");
    });
  });

  test("a cache file another user owns is not read", { skip: process.getuid?.() === 0 ? false : "needs root to give a file away" }, () => {
    withDir((dir) => {
      const file = join(dir, "theirs");
      writeFileSync(file, "data", { mode: 0o600 });
      chownSync(file, 65534, 65534);
      assert.equal(readCacheFile(file), undefined);
    });
  });
});

describe("text printer", () => {
  const slots: Record<string, ValueSlot> = {
    id: { area: "stack", at: 0, size: 4 },
    big: { area: "stack", at: 8, size: 8 },
    name: { area: "scratch", at: 96, size: 16 },
  };
  const slot = (name: string): ValueSlot => slots[name] ?? assert.fail(`no slot ${name}`);
  const strings = (printer: TextPrinter): string[] => Buffer.from(printer.rodata).toString("latin1").split("\0").filter((text) => text !== "");

  test("gathers text and values into bpf_seq_printf formats; a when ends one; pick tables go with the formats", () => {
    const printer = new TextPrinter(
      ['{"a":', { number: "id" }, ',"b":', { number: "big" }, ',"c":"', { hex: "big" }, '","p":', { pick: "id", texts: ["x", "yy"] }, { when: "id", then: [',"n":"', { text: "name" }, '"'], otherwise: [',"pct":"100%"'] }, "}"],
      slot,
    );
    const found = strings(printer);
    for (const format of ['{"a":%u,"b":%llu,"c":"%016llx","p":%s', ',"n":"%s"', ',"pct":"100%%"', "}", "x", "yy", "%c%u%c"]) assert.ok(found.includes(format), `${format} in ${JSON.stringify(found)}`);
    assert.equal(printer.rodata.length % 8, 0);
  });

  test("more than 12 values take more than one call", () => {
    const pieces = Array.from({ length: 13 }, (_, i) => [`,${i}:`, { number: "id" }] as const).flat();
    const found = strings(new TextPrinter(pieces, slot));
    // The kernel takes 12 arguments at most: the 13th value starts a second call (whose format is "%u").
    assert.ok(found.includes(`${Array.from({ length: 12 }, (_, i) => `,${i}:%u`).join("")},12:`), JSON.stringify(found));
    assert.ok(found.includes("%u"));
  });

  test("refuses what the kernel would: unprintable text, and names nothing provides", () => {
    assert.throws(() => new TextPrinter(["a\tb"], slot), /not printable ASCII/);
    assert.throws(() => new TextPrinter([{ pick: "id", texts: ["\u00e9"] }], slot), /not printable ASCII/);
    assert.throws(() => new TextPrinter([{ list: "nothing" }], slot), /no list named nothing/);
    assert.throws(() => new TextPrinter([{ text: "id" }], slot), /must be in the scratch value/);
  });
});
