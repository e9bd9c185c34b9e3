// Without privileges: as user nobody with no capabilities, inspection fails with one clear line and exit 1, and everything that needs no privilege still works.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bpfMapInfoLayout } from "bpftypes";
import { repoRoot } from "../support/testdata.js";
import { cliPath, runNode, type Ran } from "./cli-support.js";

const required = process.env["BPFTYPES_REQUIRE_LIVE"] === "1" || process.env["CI"] === "true";
const NOBODY = 65534;

/** Why the tests cannot run here, or false. */
function unavailable(): string | false {
  let reason: string | false = false;
  if (!cliPath) reason = "the command line (src/cli/main.ts) does not exist yet";
  else if (process.platform !== "linux") reason = `setpriv and bpf(2) are Linux only, this is ${process.platform}`;
  else if (process.getuid?.() !== 0) reason = "switching to user nobody needs root";
  else if (spawnSync("setpriv", ["--version"]).status !== 0) reason = "setpriv (util-linux) is not installed";
  if (reason && required && cliPath) throw new Error(`CI requires the no-privilege tests to run, but ${reason}`);
  if (reason) console.warn(`\n*** SKIPPING NO-PRIVILEGE TESTS: ${reason} ***\n`);
  return reason;
}
const skip = unavailable();

/** A copy of the built package that user nobody can read: package.json, dist/ and the production dependencies. */
let home = "";

before(() => {
  if (skip) return;
  home = mkdtempSync(join(tmpdir(), "bpftypes-nobody-"));
  cpSync(join(repoRoot, "package.json"), join(home, "package.json"));
  cpSync(join(repoRoot, "dist"), join(home, "dist"), { recursive: true });
  // koffi, and the package holding its native module for this platform.
  const deps = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: repoRoot, encoding: "utf8" });
  for (const path of String(deps.stdout).split("\n").filter((line) => line.startsWith(`${repoRoot}node_modules/`))) {
    cpSync(path, join(home, path.slice(repoRoot.length)), { recursive: true, dereference: true });
  }
  spawnSync("chmod", ["-R", "a+rX", home]);
  chmodSync(home, 0o755);
});

after(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Runs `node ...args` as nobody, without capabilities, in the copy. */
function asNobody(args: readonly string[]): Ran {
  const result = spawnSync(
    "setpriv",
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--inh-caps=-all", process.execPath, ...args],
    { cwd: home, encoding: "utf8", timeout: 30_000, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", NO_COLOR: "1", HOME: "/nonexistent" } },
  );
  return { status: result.status, signal: result.signal, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}

const cli = (): string => join(home, "dist/cli.cjs");
const TRACE = /^\s+at |node:internal|\b(TypeError|RangeError|BpfError)\b/m;

describe("as user nobody, without capabilities", { skip }, () => {
  test("the process really is unprivileged", () => {
    const ran = asNobody(["-e", "console.log(process.getuid(), require('fs').readFileSync('/proc/self/status','utf8').match(/CapEff:\\s*(\\w+)/)[1])"]);
    assert.equal(ran.stdout.trim(), `${NOBODY} 0000000000000000`, ran.stderr);
  });

  for (const args of [
    ["map", "list"],
    ["prog", "list"],
    ["link", "list"],
    ["btf", "list"],
    ["map", "show", "id", "1"],
    ["prog"],
  ]) {
    test(`bpftypes ${args.join(" ")} fails with one line saying which privilege is missing, and exit 1`, () => {
      const ran = asNobody([cli(), ...args]);
      const shown = `exit ${ran.status}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`;
      assert.equal(ran.status, 1, shown);
      assert.equal(ran.stdout, "", shown);
      const lines = ran.stderr.split("\n").filter((line) => line !== "");
      assert.equal(lines.length, 1, shown);
      assert.match(lines[0]!, /^bpftypes: /, shown);
      assert.match(lines[0]!, /root|CAP_BPF|CAP_SYS_ADMIN/, shown);
      assert.doesNotMatch(ran.stderr, TRACE, shown);
    });
  }

  test("with --json, a refused listing is one {\"error\": ...} object, not a broken array", () => {
    const ran = asNobody([cli(), "--json", "map", "list"]);
    const shown = `exit ${ran.status}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`;
    assert.equal(ran.status, 1, shown);
    const parsed = JSON.parse(ran.stdout) as { error?: string };
    assert.match(parsed.error ?? "", /root|CAP_BPF|CAP_SYS_ADMIN/, shown);
    assert.equal(ran.stderr, "", shown);
  });

  const hex = Array.from(new Uint8Array(bpfMapInfoLayout.size), (_, i) => (i === 0 ? "01" : "00")).join("");
  for (const args of [
    ["types", "map"],
    ["types", "map-flags", "--json"],
    ["explain", "lpm_trie"],
    ["explain", "27", "--kind", "map"],
    ["flags", "map", "0x81"],
    ["flags", "prog", "sleepable"],
    ["decode", "map-info", hex],
    ["--json", "decode", "map-info", hex],
    ["check"],
  ]) {
    test(`bpftypes ${args.join(" ").slice(0, 60)} works as it does for root`, () => {
      const ran = asNobody([cli(), ...args]);
      const asRoot = runNode([cli(), ...args], { cwd: home });
      const shown = `as nobody: exit ${ran.status}\nstdout: ${ran.stdout.slice(0, 2000)}\nstderr: ${ran.stderr}`;
      assert.equal(ran.status, asRoot.status, shown);
      if (args[0] !== "check") assert.equal(ran.status, 0, shown);
      assert.equal(ran.stderr, asRoot.stderr, shown);
      assert.equal(ran.stdout, asRoot.stdout, shown);
      assert.notEqual(ran.stdout, "", shown);
    });
  }

  test("the library refuses with BpfError EPERM and a hint, the core works, and nothing is left open", () => {
    const script = join(home, "library.mjs");
    writeFileSync(
      script,
      `import { BPF_MAP_TYPE_HASH, mapTypes } from "bpftypes";
import { allIds, createMap, isBpfError, maps, programs, links, openFdCount } from "bpftypes/node";
const out = { core: mapTypes.name(BPF_MAP_TYPE_HASH) };
const tries = {
  maps: () => [...maps()].length,
  programs: () => [...programs()].length,
  links: () => [...links()].length,
  ids: () => [...allIds("map")].length,
  createMap: () => createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 1 }).close(),
};
for (const [name, run] of Object.entries(tries)) {
  try {
    run();
    out[name] = "worked";
  } catch (error) {
    out[name] = isBpfError(error) ? { code: error.code, message: error.message } : { unexpected: String(error && error.stack) };
  }
}
out.open = openFdCount();
console.log(JSON.stringify(out));
`,
    );
    chmodSync(script, 0o644);
    const ran = asNobody([script]);
    assert.equal(ran.status, 0, `${ran.stdout}\n${ran.stderr}`);
    assert.equal(ran.stderr, "");
    const out = JSON.parse(ran.stdout) as Record<string, unknown>;
    assert.equal(out["core"], "BPF_MAP_TYPE_HASH");
    assert.equal(out["open"], 0);
    for (const name of ["maps", "programs", "links", "ids"]) {
      const result = out[name] as { code?: string; message?: string };
      assert.equal(result.code, "EPERM", `${name}: ${JSON.stringify(result)}`);
      assert.match(result.message ?? "", /root|CAP_BPF|CAP_SYS_ADMIN/, `${name}: ${JSON.stringify(result)}`);
      assert.doesNotMatch(result.message ?? "", /\n/, `${name}: the message is more than one line`);
    }
    // Unprivileged map creation depends on kernel.unprivileged_bpf_disabled (0 allows it).
    const sysctl = "/proc/sys/kernel/unprivileged_bpf_disabled";
    const disabled = existsSync(sysctl) ? readFileSync(sysctl, "utf8").trim() : "unknown";
    const created = out["createMap"] as string | { code?: string };
    if (disabled === "0") assert.equal(created, "worked");
    else assert.equal(typeof created === "object" && created.code, "EPERM", `createMap with ${sysctl} = ${disabled}: ${JSON.stringify(created)}`);
  });
});
