// Bad input on the command line: every mistake gets a one-line explanation and exit code 2 (or 1 for a failed operation), never a stack trace.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath, runCliAll, runCliInProcess, type Ran } from "./cli-support.js";

const work = mkdtempSync(join(tmpdir(), "bpftypes-cli-input-"));
after(() => rmSync(work, { recursive: true, force: true }));
const notBtf = join(work, "not-btf.bin");
writeFileSync(notBtf, "this is text, not a BTF blob\n");
const emptyFile = join(work, "empty.bin");
writeFileSync(emptyFile, "");
const missing = join(work, "missing.bin");

/** One bad command line and the exit codes that are right for it (2 bad usage, 1 a failed operation). */
interface Case {
  readonly args: readonly string[];
  readonly codes: readonly number[];
  /** What the explanation must mention. */
  readonly mentions?: RegExp;
}

const USAGE = [2];
const FAILED = [1];
const EITHER = [1, 2];

const CASES: readonly Case[] = [
  // Commands, kinds and options that do not exist.
  { args: ["bogus"], codes: USAGE, mentions: /bogus/ },
  { args: ["--bogus", "types", "map"], codes: USAGE, mentions: /--bogus/ },
  { args: ["types", "map", "--bogus"], codes: USAGE, mentions: /--bogus/ },
  { args: ["types", "bogus"], codes: USAGE, mentions: /bogus/ },
  { args: ["map", "frobnicate"], codes: USAGE, mentions: /frobnicate/ },
  { args: ["map", "list", "extra"], codes: USAGE, mentions: /extra/ },
  { args: ["explain"], codes: USAGE },
  { args: ["explain", "12", "--kind", "bogus"], codes: USAGE, mentions: /bogus/ },
  { args: ["explain", "12", "--kind"], codes: USAGE },
  { args: ["flags"], codes: USAGE },
  { args: ["flags", "bogus", "1"], codes: USAGE, mentions: /bogus/ },
  { args: ["flags", "map"], codes: USAGE },
  { args: ["flags", "map", "not_a_flag"], codes: USAGE, mentions: /not_a_flag/ },
  { args: ["decode"], codes: USAGE },
  { args: ["decode", "bogus-info", "00"], codes: USAGE, mentions: /bogus-info/ },
  { args: ["decode", "prog-info"], codes: USAGE },
  // Numbers: too large, negative, not numbers at all.
  { args: ["flags", "map", "0x1ffffffff"], codes: USAGE, mentions: /0x1ffffffff/ },
  { args: ["flags", "map", "4294967296"], codes: USAGE, mentions: /4294967296/ },
  { args: ["flags", "map", "-1"], codes: USAGE, mentions: /-1/ },
  { args: ["flags", "map", "0x"], codes: USAGE },
  { args: ["flags", "map", "1e3"], codes: USAGE },
  { args: ["explain", "-1", "--kind", "map"], codes: USAGE, mentions: /-1/ },
  { args: ["explain", "99999999999999999999", "--kind", "map"], codes: EITHER, mentions: /99999999999999999999/ },
  { args: ["map", "show", "id", "abc"], codes: USAGE, mentions: /abc/ },
  { args: ["map", "show", "id", "-5"], codes: USAGE, mentions: /-5/ },
  { args: ["map", "show", "id", "99999999999"], codes: USAGE, mentions: /99999999999/ },
  { args: ["map", "show", "id", "1.5"], codes: USAGE, mentions: /1\.5/ },
  { args: ["map", "show", "id", ""], codes: USAGE },
  { args: ["prog", "show", "id", "0"], codes: EITHER },
  { args: ["prog", "show", "id", "1e3"], codes: USAGE, mentions: /1e3/ },
  { args: ["link", "show", "id"], codes: USAGE },
  { args: ["btf", "show", "id", "x"], codes: USAGE, mentions: /x/ },
  // Hex: bad digits, odd length.
  { args: ["decode", "prog-info", "zz"], codes: USAGE, mentions: /hex/i },
  { args: ["decode", "map-info", "abc"], codes: USAGE, mentions: /hex|odd|even/i },
  { args: ["decode", "link-info", "0x0"], codes: USAGE },
  { args: ["decode", "btf-info", "00 0g"], codes: USAGE },
  // Files: missing, empty, not BTF, a directory.
  { args: ["decode", "prog-info", `@${missing}`], codes: EITHER, mentions: /missing\.bin/ },
  { args: ["decode", "map-info", `@${work}`], codes: EITHER },
  { args: ["check", "--btf", missing], codes: EITHER, mentions: /missing\.bin/ },
  { args: ["check", "--btf", notBtf], codes: EITHER, mentions: /btf/i },
  { args: ["check", "--btf", emptyFile], codes: EITHER, mentions: /btf/i },
  { args: ["check", "--btf", work], codes: EITHER },
  { args: ["check", "--btf"], codes: USAGE },
  // Objects that do not exist: a failed operation, not bad usage.
  { args: ["map", "show", "id", "4294967295"], codes: FAILED },
  { args: ["map", "show", "pinned", missing], codes: FAILED, mentions: /missing\.bin/ },
  { args: ["prog", "show", "pinned", missing], codes: FAILED, mentions: /missing\.bin/ },
];

/** A stack trace line, or the name of a JavaScript error class leaking into the message. */
const TRACE = /^\s+at .+\(.*:\d+:\d+\)|^\s+at .*:\d+:\d+$|\b(TypeError|RangeError|SyntaxError|ReferenceError|AssertionError|BpfError|CodecError|BtfError)\b|node:internal/m;

describe("bad input on the command line", { skip: cliPath ? false : "the command line (src/cli/main.ts) does not exist yet" }, () => {
  // Every case runs through the command's main() in this process; a sample also runs as a real
  // process through the bin, where an uncaught error would print a stack trace and exit 1.
  const plain: Ran[] = [];
  let json: Ran[] = [];
  const JSON_CASES = CASES.filter((_, i) => i % 4 === 0);
  const PROCESS_CASES = CASES.filter((_, i) => i % 6 === 1);
  before(async () => {
    for (const c of CASES) plain.push(await runCliInProcess(c.args));
    json = await runCliAll(JSON_CASES.map((c) => ["--json", ...c.args]));
  });

  CASES.forEach((c, index) => {
    const line = `bpftypes ${c.args.map((a) => (a === "" ? '""' : a)).join(" ")}`.replace(work, "$TMP");
    test(line, (t) => {
      const ran = plain[index]!;
      if (/not implemented yet/.test(ran.stderr)) {
        t.todo("the command is not implemented yet");
        return;
      }
      const lines = ran.stderr.split("\n").filter((l) => l !== "");
      const shown = `exit ${ran.status}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`;
      assert.ok(c.codes.includes(ran.status ?? -1), `expected exit ${c.codes.join(" or ")}, got ${shown}`);
      assert.equal(lines.length, 1, `expected one line of explanation on stderr, got ${shown}`);
      assert.match(lines[0]!, /^bpftypes: \S/, shown);
      assert.doesNotMatch(ran.stderr, TRACE, `a stack trace or an error class name: ${shown}`);
      assert.doesNotMatch(ran.stderr, /looks like a bug/, shown);
      assert.equal(ran.stdout, "", `a failed command printed on stdout: ${shown}`);
      if (c.mentions) assert.match(lines[0]!, c.mentions, `the explanation does not say what was wrong: ${shown}`);
    });
  });

  test("run as a process, the same mistakes exit the same way with the same one line", async () => {
    const ran = await runCliAll(PROCESS_CASES.map((c) => c.args));
    PROCESS_CASES.forEach((c, i) => {
      const inProcess = plain[CASES.indexOf(c)]!;
      if (/not implemented yet/.test(inProcess.stderr)) return;
      const shown = `bpftypes ${c.args.join(" ")}: exit ${ran[i]!.status}\nstdout: ${ran[i]!.stdout}\nstderr: ${ran[i]!.stderr}`;
      assert.equal(ran[i]!.status, inProcess.status, shown);
      assert.equal(ran[i]!.stderr, inProcess.stderr, shown);
      assert.equal(ran[i]!.stdout, "", shown);
    });
  });

  test("with --json, the same mistakes are one {\"error\": ...} object on stdout and nothing on stderr", (t) => {
    JSON_CASES.forEach((c, index) => {
      const ran = json[index]!;
      if (/not implemented yet/.test(ran.stdout + ran.stderr)) return;
      const shown = `bpftypes --json ${c.args.join(" ")}: exit ${ran.status}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`;
      assert.ok(c.codes.includes(ran.status ?? -1), shown);
      assert.equal(ran.stderr, "", shown);
      const parsed = JSON.parse(ran.stdout) as { error?: unknown };
      assert.equal(typeof parsed.error, "string", shown);
      assert.deepEqual(Object.keys(parsed), ["error"], shown);
    });
    t.diagnostic(`checked ${JSON_CASES.length} cases in JSON mode`);
  });

  test("the cases cover every command that takes input", () => {
    const commands = new Set(CASES.map((c) => c.args.find((a) => !a.startsWith("-"))));
    for (const command of ["types", "explain", "flags", "decode", "check", "map", "prog", "link", "btf"]) {
      assert.ok(commands.has(command), `no bad-input case for ${command}`);
    }
    assert.ok(cliPath && existsSync(cliPath));
  });
});
