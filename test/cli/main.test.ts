// The entry file: dispatch, help for every command, exit codes, one-line errors, JSON errors, colour; and runs of the built bin.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withTempDir } from "../support/temp-dir.js";
import { BIN, capture, cli, runBin, runMain } from "./support.js";

const COMMANDS = ["prog", "map", "link", "btf", "types", "explain", "flags", "decode", "check"];

describe("main", () => {
  test("--help lists every command and the exit codes", async () => {
    const run = await runMain(["--help"]);
    assert.equal(run.code, 0);
    for (const command of COMMANDS) assert.match(run.stdout, new RegExp(`^  ${command}\\s`, "m"), command);
    assert.match(run.stdout, /Exit status: 0 success, 1 the operation failed, 2 bad usage\./);
    assert.equal(run.stderr, "");
  });

  for (const command of COMMANDS) {
    test(`${command} --help, help ${command} and ${command} help print the command's help`, async () => {
      const a = await runMain([command, "--help"]);
      const b = await runMain(["help", command]);
      const c = await runMain([command, "help"]);
      assert.equal(a.code, 0);
      assert.match(a.stdout, new RegExp(`^Usage: bpftypes ${command}`));
      assert.match(a.stdout, /Exit status: 0/);
      assert.equal(b.stdout, a.stdout);
      assert.equal(c.stdout, a.stdout);
      assert.equal(a.stderr + b.stderr + c.stderr, "");
    });
  }

  test("no command is a usage error, one line on stderr", async () => {
    const run = await runMain([]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr, "bpftypes: no command given: see bpftypes --help\n");
  });

  test("an unknown command or option is a usage error (exit 2) saying what to do", async () => {
    const command = await runMain(["frobnicate"]);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /^bpftypes: there is no command "frobnicate": commands: prog, map, .*; see bpftypes --help\n$/);
    const option = await runMain(["types", "--frob"]);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /^bpftypes: types: unknown option '--frob'.*: see bpftypes types --help\n$/);
  });

  test("a failed operation is exit 1 with one line", async () => {
    const run = await runMain(["explain", "no_such_value_anywhere"], { env: {} });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.split("\n").length, 2);
    assert.match(run.stderr, /^bpftypes: explain: nothing is named or numbered "no_such_value_anywhere"/);
  });

  test("with --json an error is {\"error\": ...} on stdout, wherever the flag is", async () => {
    for (const args of [["--json", "explain", "no_such_value_anywhere"], ["explain", "no_such_value_anywhere", "-j"], ["-p", "frobnicate"]]) {
      const run = await runMain(args);
      assert.notEqual(run.code, 0);
      assert.equal(run.stderr, "");
      const parsed = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ["error"]);
      assert.equal(typeof parsed["error"], "string");
    }
  });

  test("global options go before or after the command, and combine (-jp)", async () => {
    const before = await runMain(["-j", "flags", "map", "1"]);
    const after = await runMain(["flags", "map", "1", "--json"]);
    const pretty = await runMain(["-jp", "flags", "map", "1"]);
    assert.equal(before.stdout, after.stdout);
    assert.deepEqual(JSON.parse(pretty.stdout), JSON.parse(before.stdout));
    assert.match(pretty.stdout, /^{\n {4}"value": 1,/);
  });

  test("--version prints the package version, from the module and from the bundled bin", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    assert.equal((await runMain(["--version"])).stdout, `${pkg.version}\n`);
    const bin = runBin(["--version"]);
    assert.deepEqual([bin.code, bin.stdout, bin.stderr], [0, `${pkg.version}\n`, ""]);
  });

  test("colour only on a terminal, and never with NO_COLOR", async () => {
    const escape = "\u001b[";
    assert.ok((await runMain(["types"], { isTTY: true, env: {} })).stdout.includes(escape));
    assert.ok(!(await runMain(["types"], { isTTY: true, env: { NO_COLOR: "1" } })).stdout.includes(escape));
    assert.ok((await runMain(["types"], { isTTY: true, env: { NO_COLOR: "" } })).stdout.includes(escape), "an empty NO_COLOR does not count");
    assert.ok(!(await runMain(["types"], { isTTY: false, env: {} })).stdout.includes(escape));
    assert.ok(!(await runMain(["-j", "types"], { isTTY: true, env: {} })).stdout.includes(escape), "never in JSON");
  });

  test("an unexpected failure says it is a bug, with a stack only when BPFTYPES_DEBUG is set", () => {
    const { describeError, isExpectedError, exitCodeOf } = cli.errors;
    const bug = new TypeError("x is undefined");
    assert.equal(isExpectedError(bug), false);
    assert.equal(exitCodeOf(bug), 1);
    assert.equal(describeError(bug), "x is undefined");
    const errno = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), { code: "ENOENT", syscall: "open", path: "/x" });
    assert.equal(isExpectedError(errno), true);
    assert.equal(describeError(errno), "open /x: no such file (ENOENT): check the path and its permissions");
  });
});

describe("output", () => {
  test("JSON writes bigints as exact numbers and drops undefined members", () => {
    const { toJson } = cli.output;
    assert.equal(toJson({ a: 1, b: undefined, c: 18446744073709551615n, d: [true, null, "x"] }), '{"a":1,"c":18446744073709551615,"d":[true,null,"x"]}');
    assert.equal(toJson({ a: { b: [1, 2] }, e: [] }, 2), '{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  },\n  "e": []\n}');
  });

  test("a streamed array is valid JSON, empty or not, plain or pretty", () => {
    for (const pretty of [false, true]) {
      for (const count of [0, 1, 3]) {
        const c = capture({ json: true, pretty });
        const array = c.out.jsonArray();
        for (let i = 0; i < count; i++) array.push({ id: i, n: BigInt(i), list: [i] });
        array.end();
        assert.deepEqual(c.json(), Array.from({ length: count }, (_, i) => ({ id: i, n: i, list: [i] })), `pretty ${pretty}, ${count} items`);
      }
    }
  });

  test("text is written in large chunks, not line by line", () => {
    const chunks: string[] = [];
    const out = new cli.output.Output({ write: (chunk) => void chunks.push(chunk) });
    for (let i = 0; i < 10_000; i++) out.line(`line ${i}`);
    out.flush();
    assert.ok(chunks.length < 5, `${chunks.length} writes`);
    assert.equal(chunks.join("").split("\n").length, 10_001);
  });

  test("tables pad columns, right-align numbers and trim line ends", () => {
    const c = capture();
    c.out.table([{ title: "ID", right: true }, { title: "NAME" }], [["1", "a"], ["100", "bbb"]]);
    assert.equal(c.text(), " ID  NAME\n  1  a\n100  bbb\n");
  });

  test("colour escapes take no width, a short row is padded to what it has, and a right-aligned last column is padded", () => {
    const c = capture({ color: true });
    const red = c.out.style("red", "x");
    c.out.table([{ title: "A" }, { title: "B" }, { title: "N", right: true }], [[red, "bb", "5"], ["aaa", "b", "123"], ["a"]]);
    const plain = c.text().split("\u001b").map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, ""))).join("");
    assert.equal(plain, "A    B     N\nx    bb    5\naaa  b   123\na\n");
    assert.ok(c.text().includes(`${red}    bb`), "the coloured cell is padded by its visible width");
  });
});

describe("the built bin", () => {
  test("is a shell script that runs Node on itself", () => {
    assert.match(readFileSync(BIN, "utf8"), /^#!\/usr\/bin\/env sh\n":" \/\/; unset NODE_EXTRA_CA_CERTS; exec node "\$0" "\$@"\n/);
  });

  test("run as a program, it passes every argument through intact", () => {
    const spaced = "/nonexistent dir/it's \"quoted\" $HOME *";
    const run = runBin(["decode", "map-info", `@${spaced}`], {}, true);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.ok(run.stderr.includes(spaced), run.stderr);
    const listed = runBin(["explain", "lpm_trie", "--json"], {}, true);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), JSON.parse(runBin(["explain", "lpm_trie", "--json"]).stdout));
  });

  test("run as a program, Node does not load NODE_EXTRA_CA_CERTS, which it would warn about", () => {
    const env = { NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem" };
    // The check has a point only if Node itself warns when the file is missing.
    assert.match(runBin(["--version"], env).stderr, /extra certs/i);
    const run = runBin(["--version"], env, true);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test("runs a command and exits 0", () => {
    const run = runBin(["explain", "lpm_trie", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { name: string }[])[0]?.name, "BPF_MAP_TYPE_LPM_TRIE");
  });

  test("exits 2 for bad usage and 1 for a failed operation, one line each, no stack", () => {
    const usage = runBin(["flags", "map", "not_a_flag"]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stdout, "");
    assert.match(usage.stderr, /^bpftypes: flags: "not_a_flag" is not a flag name or number.*\n$/);
    const failed = runBin(["decode", "map-info", "@/nonexistent/file"]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^bpftypes: open \/nonexistent\/file: no such file \(ENOENT\)/);
    assert.doesNotMatch(usage.stderr + failed.stderr, /\n\s+at /);
  });
});

describe("the bin's code cache", () => {
  /** Runs the bin with its cache in `dir` and the launcher's debug lines on. */
  const runCached = (dir: string, args: readonly string[]) => runBin(args, { BPFTYPES_CACHE_DIR: dir, BPFTYPES_DEBUG: "1" });
  const cacheLines = (stderr: string) => stderr.split("\n").filter((line) => line.includes("code cache"));
  const withDir = (use: (dir: string) => void) => withTempDir("bpftypes-code-cache-", use);

  test("the first run of a command writes it, later runs use it and print the same", () => {
    withDir((dir) => {
      const first = runCached(dir, ["types", "map", "--json"]);
      assert.equal(first.code, 0, first.stderr);
      const files = readdirSync(dir);
      assert.equal(files.length, 1);
      const file = join(dir, files[0]!);
      assert.match(files[0]!, new RegExp(`^cli-code-[0-9a-f]{16}-${process.version.replace(/\./g, "\\.")}-${process.arch}-types\\.v8$`));
      assert.deepEqual(cacheLines(first.stderr), [`bpftypes: no code cache yet: ${file}`, `bpftypes: code cache written: ${file}`]);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const second = runCached(dir, ["types", "map", "--json"]);
      assert.deepEqual(cacheLines(second.stderr), [`bpftypes: code cache used: ${file}`]);
      assert.equal(second.stdout, first.stdout);
      assert.equal(second.code, 0);
      runCached(dir, ["-j", "flags", "map", "0x81"]);
      assert.deepEqual(readdirSync(dir).map((name) => name.replace(/^.*-/, "")).sort(), ["flags.v8", "types.v8"], "one file per command");
    });
  });

  test("a corrupt file is rejected and rewritten; one others may write is not read", () => {
    withDir((dir) => {
      const clean = runCached(dir, ["explain", "lpm_trie"]);
      const file = join(dir, readdirSync(dir)[0]!);
      const header = readFileSync(file).subarray(0, 8);
      assert.equal(header.toString("latin1", 0, 4), "bpfc");
      writeFileSync(file, Buffer.concat([header, Buffer.from("not compiled code at all")]));
      const corrupt = runCached(dir, ["explain", "lpm_trie"]);
      assert.equal(corrupt.stdout, clean.stdout);
      assert.deepEqual(cacheLines(corrupt.stderr), [`bpftypes: code cache rejected by V8: ${file}`, `bpftypes: code cache written: ${file}`]);
      writeFileSync(file, "no header at all");
      const foreign = runCached(dir, ["explain", "lpm_trie"]);
      assert.equal(foreign.stdout, clean.stdout);
      assert.deepEqual(cacheLines(foreign.stderr), [`bpftypes: no code cache yet: ${file}`, `bpftypes: code cache written: ${file}`]);
      chmodSync(file, 0o666);
      const shared = runCached(dir, ["explain", "lpm_trie"]);
      assert.equal(shared.stdout, clean.stdout);
      assert.equal(cacheLines(shared.stderr)[0], `bpftypes: no code cache yet: ${file}`);
      assert.equal(statSync(file).mode & 0o777, 0o600, "replaced by a private file");
    });
  });

  test("a run much longer than the one that made the cache saves its code anew", () => {
    withDir((dir) => {
      runCached(dir, ["types", "attach"]);
      const file = join(dir, readdirSync(dir)[0]!);
      const bytes = readFileSync(file);
      assert.ok(bytes.readUInt32LE(4) > 0, "the run's milliseconds are in the header");
      bytes.writeUInt32LE(0, 4);
      writeFileSync(file, bytes);
      const longer = runCached(dir, ["types", "attach"]);
      assert.deepEqual(cacheLines(longer.stderr), [`bpftypes: code cache used: ${file}`, `bpftypes: code cache written: ${file}`]);
      assert.ok(readFileSync(file).readUInt32LE(4) > 0);
      const same = runCached(dir, ["types", "attach"]);
      assert.deepEqual(cacheLines(same.stderr), [`bpftypes: code cache used: ${file}`], "a run like the cache's own leaves it");
    });
  });

  test("files of other builds go, other files stay; an unwritable directory only costs the cache", () => {
    withDir((dir) => {
      writeFileSync(join(dir, `cli-code-0000000000000000-${process.version}-${process.arch}-types.v8`), "old build");
      writeFileSync(join(dir, "kernel-types-00000000-1111-2222-3333-444444444444.json"), "{}");
      runCached(dir, ["types"]);
      const names = readdirSync(dir).sort();
      assert.equal(names.length, 2);
      assert.match(names[0]!, /^cli-code-(?!0{16})[0-9a-f]{16}-.*-types\.v8$/);
      assert.equal(names[1], "kernel-types-00000000-1111-2222-3333-444444444444.json");
    });
    const unwritable = runCached("/proc/no-such-directory", ["types", "map"]);
    assert.equal(unwritable.code, 0);
    assert.match(unwritable.stdout, /BPF_MAP_TYPE_HASH/);
    assert.match(unwritable.stderr, /code cache not written: \/proc\/no-such-directory\//);
  });
});
