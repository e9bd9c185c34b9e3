// Walks through BPF iterators against the kernel's own answers: every program and map read through
// the iterator must equal what BPF_OBJ_GET_INFO_BY_FD and fdinfo say for it.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER } from "bpftypes";
import { encodeLineInfos } from "bpftypes/codec";
import { Assembler, createMap, enableStats, HOST_LITTLE_ENDIAN, KernelBtf, loadBtf, loadProgram, links, maps, runIterator, programs, programsAsText, mapsAsText, type BpfFd, type MapDetails, type ProgramDetails } from "bpftypes/node";
import { cli } from "../cli/support.js";
import { createLiveObjects, type LiveObjects } from "../cli/live-objects.js";
import { haveBpftool } from "../support/bpftool.js";
import { BtfBuilder } from "../btf/builder.js";
import { checkFdLeaks } from "../support/fds.js";
import { returnImm } from "../support/insns.js";
import { liveSkip } from "../support/live.js";
import { withTempDir } from "../support/temp-dir.js";
import { idOf } from "../support/objects.js";
import { liveBtfPath, repoRoot } from "../support/testdata.js";

checkFdLeaks();

/** A socket filter whose main function calls `calls` functions of its own (each returns 0). */
function loadWithFunctions(calls: number, name: string): BpfFd {
  const asm = new Assembler();
  for (let i = 0; i < calls; i++) asm.callLocal(`f${i}`);
  asm.movImm(0, 0).exit();
  for (let i = 0; i < calls; i++) asm.label(`f${i}`).movImm(0, 0).exit();
  return loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: asm.assemble(), license: "GPL", name }).fd;
}

/** A socket filter of two functions loaded with BTF func info and line info (so the jit keeps a line table). */
function loadWithLines(): { prog: BpfFd; btf: BpfFd } {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const proto = b.funcProto(int, []);
  const main = b.func("bpft_lines", proto, 0);
  const helper = b.func("bpft_lines_helper", proto, 0);
  const file = b.str("lines.c");
  const line = b.str("return 0;");
  const btf = loadBtf(b.build({ littleEndian: HOST_LITTLE_ENDIAN }));
  // main: call helper; r0 = 0; exit. helper: r0 = 0; exit.
  const insns = new Assembler().callLocal("helper").movImm(0, 0).exit().label("helper").movImm(0, 0).exit().assemble();
  const funcs = new Uint8Array(16);
  const funcView = new DataView(funcs.buffer);
  funcView.setUint32(4, main, HOST_LITTLE_ENDIAN);
  funcView.setUint32(8, 3, HOST_LITTLE_ENDIAN);
  funcView.setUint32(12, helper, HOST_LITTLE_ENDIAN);
  const lines = encodeLineInfos([
    { insn_off: 0, file_name_off: file, line_off: line, line: 1, column: 1 },
    { insn_off: 3, file_name_off: file, line_off: line, line: 2, column: 1 },
  ]);
  try {
    const prog = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns, license: "GPL", name: "bpft_lines", btf, funcInfo: { records: funcs, recordSize: 8 }, lineInfo: { records: lines, recordSize: 16 } }).fd;
    return { prog, btf };
  } catch (error) {
    btf.close();
    throw error;
  }
}

/** A value for deep comparison: run counters, which only grow, are left out and checked apart. */
function comparable<T extends { info: object }>(details: T): unknown {
  const { run_time_ns: _time, run_cnt: _count, recursion_misses: _misses, ...info } = details.info as Record<string, unknown>;
  return { ...details, info };
}

const { PROG_COUNTERS } = cli.prog;

type Item = { id: number; [key: string]: unknown };

/** What a printing walk printed, parsed, and the ids user space rendered in it (not counting the check of the first object). */
interface Printed {
  readonly items: Item[];
  readonly rendered: number[];
}

/** Every program as the kernel prints `prog list --json`'s items. */
function kernelPrinted(): Printed {
  return printedBy((render) => programsAsText({ template: cli.prog.progJsonTemplate(), render, counters: PROG_COUNTERS, via: "iterator" }), (prog: ProgramDetails) => cli.output.toJson(cli.prog.progJson(prog)));
}

/** Every map as the kernel prints `map list --json`'s items. */
function kernelPrintedMaps(): Printed {
  return printedBy((render) => mapsAsText({ template: cli.map.mapJsonTemplate(), render, via: "iterator" }), (map: MapDetails) => cli.output.toJson(cli.map.mapJson(map)));
}

function printedBy<T extends { id: number }>(walk: (render: (object: T) => string) => Iterable<string> | undefined, render: (object: T) => string): Printed {
  const rendered: number[] = [];
  let splicing = false;
  const text = walk((object) => {
    if (splicing) rendered.push(object.id);
    return render(object);
  });
  assert.ok(text, "the walk printed through an iterator");
  splicing = true;
  const joined = [...text].join("");
  assert.ok(![...joined].some((char) => char < " "), "no marker is left in the text");
  return { items: JSON.parse(`[${joined}]`) as Item[], rendered };
}

const byId = <T extends { id: number }>(list: Iterable<T>): Map<number, T> => new Map([...list].map((item) => [item.id, item]));

/**
 * Runs `check` on every object `seen` has of those read by descriptors (`described`); objects
 * loaded by someone else after the iterator ran are not in `seen`. Returns how many were checked.
 */
function checkEach<T, U>(described: ReadonlyMap<number, T>, seen: ReadonlyMap<number, U>, check: (seen: U, truth: T, id: number) => void): number {
  let compared = 0;
  for (const [id, truth] of described) {
    const item = seen.get(id);
    if (item === undefined) continue;
    check(item, truth, id);
    compared++;
  }
  return compared;
}

describe("walks through BPF iterators", { skip: liveSkip }, () => {
  let objects: LiveObjects;
  const extra: BpfFd[] = [];
  before(() => {
    objects = createLiveObjects();
    const withLines = loadWithLines();
    // A tracing program: its attach_btf_id and attach_btf_obj_id name a kernel function.
    const vmlinux = new KernelBtf(readFileSync(liveBtfPath));
    const tracing = loadProgram({ progType: BPF_PROG_TYPE_TRACING, expectedAttachType: BPF_TRACE_ITER, attachBtfId: vmlinux.funcId("bpf_iter_bpf_map")!, insns: returnImm(0), license: "GPL", name: "bpft_tracing" }).fd;
    extra.push(loadWithFunctions(2, "bpft_funcs_3"), loadWithFunctions(20, "bpft_funcs_21"), withLines.prog, withLines.btf, tracing);
  });
  after(() => {
    for (const fd of extra) fd.close();
    objects?.dispose();
  });

  test("every program reads as its descriptor says: info, map ids, full name, memlock", () => {
    const iterated = byId(programs({ via: "iterator" }));
    const described = byId(programs({ via: "descriptors" }));
    const ours = [...objects.progIds, ...extra.filter((fd) => fd.kind === "prog").map(idOf)];
    for (const id of ours) assert.ok(iterated.has(id), `program ${id} missing from the iterator's walk`);
    const compared = checkEach(described, iterated, (seen, truth, id) => {
      assert.deepEqual(comparable(seen), comparable(truth), `program ${id}`);
      for (const counter of ["run_time_ns", "run_cnt", "recursion_misses"] as const) {
        assert.ok((seen.info[counter] ?? 0n) <= (truth.info[counter] ?? 0n), `program ${id} ${counter}`);
      }
    });
    assert.ok(compared >= ours.length);
    // The cases that exercise each part of the program: maps, a cut name, functions.
    const mapUser = iterated.get(idOf(objects.mapUser))!;
    assert.deepEqual([...mapUser.mapIds].sort((a, b) => a - b), [objects.progArray.id, objects.maps[0]!.id].sort((a, b) => a - b));
    assert.equal(iterated.get(idOf(objects.longName))!.name, "bpftypes_a_very_long_program_name");
    const functions = iterated.get(idOf(extra[0]!))!;
    assert.equal(functions.info.nr_jited_ksyms, 3);
    assert.ok((functions.info.jited_prog_len ?? 0) > 0);
    assert.equal(iterated.get(idOf(extra[1]!))!.info.nr_jited_ksyms, 21);
    const lines = iterated.get(idOf(extra[2]!))!.info;
    assert.deepEqual([lines.nr_func_info, lines.nr_line_info, lines.nr_jited_ksyms], [2, 2, 2]);
    assert.ok((lines.nr_jited_line_info ?? 0) > 0, "the jit kept no line table");
    const tracing = iterated.get(idOf(extra[4]!))!.info;
    assert.ok((tracing.attach_btf_id ?? 0) > 0 && (tracing.attach_btf_obj_id ?? 0) > 0, "a tracing program names its kernel function");
  });

  test("the kernel prints every program's JSON as progJson does, and leaves to it what it cannot print", () => {
    const { progJson } = cli.prog;
    const { toJson } = cli.output;
    const { items, rendered } = kernelPrinted();
    const printed = byId(items);
    const described = byId(programs({ via: "descriptors" }));
    const ours = [...objects.progIds, ...extra.filter((fd) => fd.kind === "prog").map(idOf)];
    for (const id of ours) assert.ok(printed.has(id), `program ${id} missing from the printed list`);
    const compared = checkEach(described, printed, (seen, truth, id) => {
      const expected = JSON.parse(toJson(progJson(truth))) as Record<string, unknown>;
      for (const counter of PROG_COUNTERS) {
        assert.ok(Number(seen[counter] ?? 0) <= Number(expected[counter] ?? 0), `program ${id} ${counter}`);
        delete seen[counter];
        delete expected[counter];
      }
      assert.deepEqual(seen, expected, `program ${id}`);
    });
    assert.ok(compared >= ours.length);
    assert.ok(![...printed.values()].some((item) => item["name"] === "bpftypes_iter"), "the iterator's own program is left out");
    // Printed by the kernel: map ids, a tracing program's attach ids, several functions.
    assert.deepEqual(printed.get(idOf(objects.mapUser))!["map_ids"], [...described.get(idOf(objects.mapUser))!.mapIds]);
    assert.ok(!rendered.includes(idOf(objects.mapUser)) && !rendered.includes(idOf(extra[4]!)) && !rendered.includes(idOf(extra[0]!)));
    assert.ok((printed.get(idOf(extra[4]!))!["bpftypes"] as Record<string, unknown>)["attach_btf_id"]);
    // Left to user space: a cut name (read in full from BTF) and more functions than the kernel side sums.
    assert.ok(rendered.includes(idOf(objects.longName)) && rendered.includes(idOf(extra[1]!)));
    assert.equal(printed.get(idOf(objects.longName))!["name"], "bpftypes_a_very_long_program_name");
  });

  test("a long printed list comes in pieces of about 64 KiB, not as one string", () => {
    // ~330 bytes of JSON each: 500 programs print ~160 KB, with hardly a marker among them.
    const many: BpfFd[] = [];
    try {
      for (let i = 0; i < 500; i++) many.push(loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", name: `bpft_piece_${i}` }).fd);
      const pieces = [...programsAsText({ template: cli.prog.progJsonTemplate(), render: (prog) => cli.output.toJson(cli.prog.progJson(prog)), counters: PROG_COUNTERS, via: "iterator" })!];
      const joined = pieces.join("");
      assert.ok(joined.length > 2 * 65536, `${joined.length} characters`);
      // A piece ends at the first marker's text past 64 KiB: a rendered object is far below 4 KiB.
      assert.ok(pieces.length >= 2 && pieces.every((piece) => piece.length <= 65536 + 4096), pieces.map((piece) => piece.length).join(" "));
      const listed = new Set((JSON.parse(`[${joined}]`) as { id: number }[]).map((item) => item.id));
      for (const fd of many) assert.ok(listed.has(idOf(fd)), `program ${idOf(fd)} listed`);
    } finally {
      for (const fd of many) fd.close();
    }
  });

  test("a template must start with the program's id, which the checks read", () => {
    assert.throws(() => programsAsText({ template: ['{"name":', { text: "name" }, "}"], render: () => "{}", via: "iterator" }), /must start with the text \{"id": and the number id/);
  });

  test("run counters are summed over every CPU as the kernel sums them", { skip: haveBpftool ? false : "bpftool is not installed (it runs the program)" }, () => {
    const id = idOf(objects.socketFilter);
    withTempDir("bpftypes-run-", (dir) => {
      writeFileSync(join(dir, "packet"), new Uint8Array(64));
      using _stats = enableStats();
      execFileSync("bpftool", ["prog", "run", "id", String(id), "data_in", join(dir, "packet"), "repeat", "50"], { stdio: "pipe" });
    });
    const seen = byId(programs({ via: "iterator" })).get(id)!;
    const truth = byId(programs({ via: "descriptors" })).get(id)!;
    assert.equal(seen.info.run_cnt, 50n);
    assert.equal(seen.info.run_cnt, truth.info.run_cnt);
    assert.equal(seen.info.run_time_ns, truth.info.run_time_ns);
    assert.ok((seen.info.run_time_ns ?? 0n) > 0n);
    // The kernel prints the same sums.
    const printed = kernelPrinted().items.find((item) => item.id === id)!;
    assert.equal(printed["run_cnt"], 50);
    assert.equal(BigInt(printed["run_time_ns"] as number), truth.info.run_time_ns);
  });

  test("every map reads as its descriptor says: info, memlock, frozen, owner", () => {
    const iterated = byId(maps({ via: "iterator" }));
    const described = byId(maps({ via: "descriptors" }));
    for (const id of objects.mapIds) assert.ok(iterated.has(id), `map ${id} missing from the iterator's walk`);
    const compared = checkEach(described, iterated, (seen, truth, id) => assert.deepEqual(seen, truth, `map ${id}`));
    assert.ok(compared >= objects.mapIds.length);
    const check = (id: number, what: (map: MapDetails) => unknown, expected: unknown) => assert.deepEqual(what(iterated.get(id)!), expected);
    check(objects.frozen.id, (map) => map.frozen, true);
    check(objects.btfMaps[0]!.id, (map) => [map.info.btf_id, map.info.btf_key_type_id, map.info.btf_value_type_id], [idOf(objects.btf), 1, 1]);
    check(objects.maps.find((map) => map.name === "bpft_bloom")!.id, (map) => map.info.map_extra, 3n);
  });

  test("the kernel prints every map's JSON as mapJson does, fdinfo and flag names filled in by user space", () => {
    const { mapJson } = cli.map;
    const { toJson } = cli.output;
    const { items, rendered } = kernelPrintedMaps();
    const printed = byId(items);
    const described = byId(maps({ via: "descriptors" }));
    for (const id of objects.mapIds) assert.ok(printed.has(id), `map ${id} missing from the printed list`);
    const compared = checkEach(described, printed, (seen, truth, id) => assert.deepEqual(seen, JSON.parse(toJson(mapJson(truth))), `map ${id}`));
    assert.ok(compared >= objects.mapIds.length);
    assert.ok(![...printed.values()].some((item) => item["name"] === "bpftypes_iter"), "the iterator's own maps are left out");
    // Printed by the kernel: frozen, BTF ids, map_extra, flags; left to user space: the program array's owner.
    const hash = objects.maps[0]!;
    assert.deepEqual((printed.get(hash.id)!["bpftypes"] as Item)["flags"], ["BPF_F_NO_PREALLOC"]);
    assert.equal(printed.get(objects.frozen.id)!["frozen"], 1);
    assert.ok(!rendered.includes(hash.id) && !rendered.includes(objects.frozen.id));
    assert.ok(rendered.includes(objects.progArray.id));
    assert.equal(typeof printed.get(objects.progArray.id)!["owner_jited"], "boolean");
  });

  test("without fdinfo facts, maps come from the iterator alone, as the descriptors tell them", () => {
    const iterated = byId(maps({ via: "iterator", fdinfo: false }));
    for (const [id, truth] of byId(maps({ via: "descriptors", fdinfo: false }))) {
      if (iterated.has(id)) assert.deepEqual(iterated.get(id), truth, `map ${id}`);
    }
    for (const id of objects.mapIds) assert.equal(iterated.get(id)?.bytesMemlock, undefined);
  });

  test("a profiler's signals do not make the iterator's program fail to load", () => {
    // V8's sampling profiler sends SIGPROF every microsecond here; the verifier stops with EAGAIN when
    // one is pending, so the load succeeds only if it is tried again with signals blocked.
    withTempDir("bpftypes-prof-", (dir) => {
      const script = `import { programs } from "bpftypes/node"; let n = 0; for (const p of programs({ via: "iterator" })) n++; console.log(n);`;
      const run = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-interval", "1", "--cpu-prof-dir", dir, "--input-type=module", "-e", script], { cwd: repoRoot, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr.slice(0, 2000));
      assert.match(run.stdout, /^\d+\n$/);
    });
  });

  test("the iterator's own program and maps are neither listed nor left behind", () => {
    const listed = [...programs({ via: "iterator" })].filter((program: ProgramDetails) => program.name === "bpftypes_iter");
    assert.deepEqual(listed, []);
    assert.deepEqual([...maps({ via: "iterator" })].filter((map) => map.info.name === "bpftypes_iter"), []);
    assert.deepEqual([...programs({ via: "descriptors" })].filter((program) => program.name === "bpftypes_iter"), []);
    assert.deepEqual([...maps({ via: "descriptors" })].filter((map) => map.info.name === "bpftypes_iter"), []);
    // Nor the links that ran them (iterator links to bpf_prog or bpf_map targets).
    assert.deepEqual([...links()].filter((link) => ["bpf_prog", "bpf_map"].includes(link.strings["target_name"] ?? "")), []);
  });
});

// Not exported: the iterator's program writer, from the build's module of it.
const { ProgramIterator } = (await import(pathToFileURL(`${repoRoot}dist/node/iter/programs.js`).href)) as typeof import("../../src/node/iter/programs.js");

describe("the program the iterator writes, for any number of CPUs", { skip: liveSkip }, () => {
  test("4,096 possible CPUs, or numbers with gaps: the program stays small, loads and runs", () => {
    const types = new KernelBtf(readFileSync(liveBtfPath));
    using percpu = createMap({ mapType: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const sizes: number[] = [];
    for (const cpus of [Array.from({ length: 4096 }, (_, i) => i), [0, 2, 3, 7]]) {
      const program = new ProgramIterator(types, cpus).assemble(percpu.fd);
      sizes.push(program.insns.byteLength / 8);
      const output = runIterator(types, "bpf_prog", program);
      assert.ok(output.bytes.byteLength > 0, "the iterator wrote nothing, not even its own program");
    }
    assert.ok(sizes[0]! < 2000, `${sizes[0]} instructions for 4,096 CPUs`);
  });
});

describe("a wrong layout is caught against the kernel's own answer", { skip: liveSkip }, () => {
  /** The text each kind of printing walk prints in these tests: the id, and one more field the kernel prints. */
  const PRINTED = {
    "printed programs": { walk: "programsAsText", field: "xlated_prog_len" },
    "printed maps": { walk: "mapsAsText", field: "max_entries" },
  } as const;

  /** Runs a walk in a fresh process whose type cache holds a wrong offset for `field`. */
  function walkWithWrongCache(kind: "programs" | "maps" | keyof typeof PRINTED, via: "auto" | "iterator", field: string): { status: number | null; stdout: string; stderr: string } {
    return withTempDir("bpftypes-cache-", (dir) => {
      const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "latin1").trim();
      // A first walk fills the cache with the truth; then one offset is made wrong.
      // "auto" from the first object on; maps use the iterator in "auto" only without fdinfo.
      const options = `{ via: process.argv[1], iteratorFrom: 1${kind === "maps" ? ", fdinfo: false" : ""} }`;
      const script =
        kind === "printed programs" || kind === "printed maps"
          ? // The kernel prints each object's id and one field; "auto" returns undefined when it cannot be trusted.
            `import { ${PRINTED[kind].walk} } from "bpftypes/node"; const field = "${PRINTED[kind].field}"; const template = ['{"id":', { number: "id" }, ',"x":', { number: field }, "}"]; const render = (o) => JSON.stringify({ id: o.id, x: o.info[field] }); const text = ${PRINTED[kind].walk}({ template, render, via: process.argv[1], iteratorFrom: 1 }); console.log(text ? JSON.stringify(JSON.parse("[" + [...text].join("") + "]").map((o) => o.id)) : "null");`
          : `import { ${kind} } from "bpftypes/node"; const ids = []; for (const o of ${kind}(${options})) ids.push(o.id); console.log(JSON.stringify(ids));`;
      const run = (method: string) => spawnSync(process.execPath, ["--input-type=module", "-e", script, method], { cwd: repoRoot, env: { ...process.env, BPFTYPES_CACHE_DIR: dir }, encoding: "utf8" });
      assert.equal(run("iterator").status, 0);
      const file = join(dir, `kernel-types-${bootId}.json`);
      assert.deepEqual(readdirSync(dir), [`kernel-types-${bootId}.json`]);
      const saved = JSON.parse(readFileSync(file, "utf8")) as { facts: Record<string, { offset: number }> };
      assert.ok(saved.facts[`field ${field}`], `the cache has ${field}`);
      saved.facts[`field ${field}`]!.offset += 4;
      writeFileSync(file, JSON.stringify(saved));
      const result = run(via);
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    });
  }

  /**
   * With a program and a map to check against (the cache is saved only once a first object read
   * true), walks with `field` misplaced: the "iterator" walk must fail, and this returns its
   * reason, then the "auto" walk's output.
   */
  function refusedThenAuto(kind: Parameters<typeof walkWithWrongCache>[0], field: string): { readonly reason: string; readonly fallback: string } {
    using _prog = loadWithFunctions(0, "bpft_layout");
    using _map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_layout" });
    const refused = walkWithWrongCache(kind, "iterator", field);
    assert.notEqual(refused.status, 0);
    const reason = refused.stderr.split("\n").find((line) => line.startsWith("IteratorUnavailableError:"));
    const fallback = walkWithWrongCache(kind, "auto", field);
    assert.equal(fallback.status, 0, fallback.stderr);
    return { reason: reason ?? "(no IteratorUnavailableError in stderr)", fallback: fallback.stdout };
  }

  for (const [kind, field] of [
    ["printed programs", "bpf_prog_aux.id"],
    ["printed programs", "bpf_prog.len"],
    ["printed maps", "bpf_map.id"],
    ["printed maps", "bpf_map.max_entries"],
  ] as const) {
    test(`${kind} with ${field} misplaced: "iterator" refuses with a reason; "auto" leaves the list to the walks`, () => {
      const { reason, fallback } = refusedThenAuto(kind, field);
      const one = kind === "printed maps" ? "map" : "program";
      assert.match(reason, new RegExp(`^IteratorUnavailableError: printing ${one}s through an iterator: (the kernel's first ${one} is|${one} \\d+ was printed with)`));
      assert.equal(fallback.trim(), "null");
    });
  }

  for (const [kind, field] of [
    ["programs", "bpf_prog_aux.id"],
    ["programs", "bpf_prog.jited_len"],
    ["maps", "bpf_map.id"],
    ["maps", "bpf_map.max_entries"],
  ] as const) {
    test(`${kind} with ${field} misplaced: "iterator" refuses with a reason; "auto" walks by descriptors and is right`, () => {
      const { reason, fallback } = refusedThenAuto(kind, field);
      assert.match(reason, new RegExp(`^IteratorUnavailableError: reading ${kind} through an iterator: .*(is not among the records|differently than BPF_OBJ_GET_INFO_BY_FD says)`));
      const ids = JSON.parse(fallback) as number[];
      const truth = [...(kind === "programs" ? programs({ via: "descriptors" }) : maps({ via: "descriptors" }))].map((o) => o.id);
      assert.deepEqual(ids.filter((id) => truth.includes(id)), truth.filter((id) => ids.includes(id)));
      assert.ok(ids.length > 0);
    });
  }
});
