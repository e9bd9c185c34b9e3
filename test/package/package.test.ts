// The package as npm users get it: packed, installed into a fresh folder, imported, run, type-checked, linted, and its core bundled for and run in a browser.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createServer, type Server } from "node:http";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as core from "bpftypes";
import * as btf from "bpftypes/btf";
import * as codec from "bpftypes/codec";
import { liveSkip } from "../support/live.js";
import { repoRoot } from "../support/testdata.js";
import { check } from "./browser-check.js";

/** Under CI (or BPFTYPES_REQUIRE_LIVE=1) a missing tool fails the test instead of skipping it. */
const required = process.env["BPFTYPES_REQUIRE_LIVE"] === "1" || process.env["CI"] === "true";

const started = Date.now();

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** Runs a command to completion (bounded by `timeout`, 120 s unless said) and returns its output. */
function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): Ran {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20, ...options });
  return {
    status: result.status,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    ...(result.error ? { error: result.error } : {}),
  };
}

/** Like {@link run}, but fails the test unless the command exits 0, with its output in the message. */
function mustRun(command: string, args: readonly string[], options: SpawnSyncOptions = {}): Ran {
  const ran = run(command, args, options);
  assert.equal(
    ran.status,
    0,
    `${command} ${args.join(" ")} exited ${ran.status}${ran.error ? ` (${ran.error.message})` : ""}\n${ran.stdout}\n${ran.stderr}`,
  );
  return ran;
}

/** Skips (loudly) when a tool is unavailable, or fails when the environment requires everything to run. */
function unavailable(what: string): string {
  const reason = `${what} is not available`;
  if (required) throw new Error(`CI requires the package tests to run, but ${reason}`);
  console.warn(`\n*** SKIPPING PACKAGE TEST: ${reason} ***\n`);
  return reason;
}

/** The path of an installed dev tool's command, from its package.json `bin`. */
function binOf(pkg: string, name: string): string {
  const manifestPath = join(repoRoot, "node_modules", pkg, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin[name];
  assert.ok(bin, `${pkg} has no bin ${name}`);
  return join(manifestPath, "..", bin);
}

const work = mkdtempSync(join(tmpdir(), "bpftypes-package-"));
const consumer = join(work, "consumer");
const installed = join(consumer, "node_modules", "bpftypes");
let tarball = "";
let packedFiles: string[] = [];
/** Why the installed package is missing, when it is. */
let installSkip: string | false = false;

before(() => {
  const npm = run("npm", ["--version"]);
  if (npm.status !== 0) {
    installSkip = unavailable("npm");
    return;
  }
  const packed = mustRun("npm", ["pack", "--json", "--pack-destination", work], { cwd: repoRoot });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info, "npm pack printed no package");
  tarball = join(work, info.filename);
  packedFiles = info.files.map((file) => file.path);

  mkdirSync(consumer);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // @types/node at the version this repository uses, so npm finds it in its cache.
  const typesNode = (JSON.parse(readFileSync(join(repoRoot, "node_modules/@types/node/package.json"), "utf8")) as { version: string }).version;
  const install = run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, `@types/node@${typesNode}`],
    { cwd: consumer, timeout: 300_000 },
  );
  if (install.status !== 0) {
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(install.stderr);
    if (offline) installSkip = unavailable(`the npm registry (npm install said: ${install.stderr.trim().split("\n")[0]})`);
    else assert.fail(`npm install ${tarball} failed:\n${install.stdout}\n${install.stderr}`);
  }
});

after(() => {
  rmSync(work, { recursive: true, force: true });
  console.log(`# package tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

/** Runs an ES module given as text with Node, inside the consumer folder, and returns its stdout. */
function runModule(source: string): string {
  const file = join(consumer, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  return mustRun(process.execPath, [file], { cwd: consumer }).stdout;
}

describe("the packed tarball", () => {
  test("holds the built entry points, their types, the license and nothing from the source tree", (t) => {
    if (installSkip) return t.skip(installSkip);
    for (const file of [
      "package.json",
      "README.md",
      "LICENSE",
      "NOTICE.md",
      "dist/bpftypes.js",
      "dist/index.d.ts",
      "dist/codec.js",
      "dist/codec/index.d.ts",
      "dist/btf.js",
      "dist/btf/index.d.ts",
      "dist/node.js",
      "dist/node/index.d.ts",
      "dist/cli.cjs",
      "dist/cli-main.cjs",
    ]) {
      assert.ok(packedFiles.includes(file), `the tarball lacks ${file}`);
    }
    const stray = packedFiles.filter((file) => /^(src|test|build|bench|scripts|testdata|docs|node_modules)\//.test(file));
    assert.deepEqual(stray, [], "the tarball holds files from outside dist/");
    // Tests, benchmarks and scripts compile into build/, never into dist/.
    assert.deepEqual(
      packedFiles.filter((file) => /\.test\.|^dist\/(test|bench|scripts)\//.test(file)),
      [],
      "the tarball holds test or tooling output",
    );
  });

  test("every JavaScript file in dist/ comes from a source file that still exists", (t) => {
    if (installSkip) return t.skip(installSkip);
    // tsc -b never deletes the output of a removed source: a build in a used checkout can ship it.
    // The bundles scripts/bundle.ts writes have no source file of their own.
    const bundles = ["dist/bpftypes.js", "dist/codec.js", "dist/btf.js", "dist/node.js", "dist/cli.cjs"];
    const stale = packedFiles.filter(
      (file) => /^dist\/.*\.js$/.test(file) && !bundles.includes(file) && !existsSync(join(repoRoot, file.replace(/^dist\//, "src/").replace(/\.js$/, ".ts"))),
    );
    // Only CI builds from a fresh clone; a used checkout may hold stale files that a clean build would not.
    if (stale.length > 0 && process.env["CI"] !== "true") {
      t.diagnostic(`stale build output in the tarball (delete dist/ and rebuild before packing): ${stale.join(", ")}`);
      console.warn(`\n*** the tarball would ship stale build output: ${stale.join(", ")}; delete dist/ and rebuild ***\n`);
      return;
    }
    assert.deepEqual(stale, [], "the tarball holds build output of deleted sources");
  });

  test("publint finds no problem (strict)", (t) => {
    if (installSkip) return t.skip(installSkip);
    const ran = run(process.execPath, [binOf("publint", "publint"), "run", tarball, "--strict"]);
    assert.equal(ran.status, 0, `publint:\n${ran.stdout}\n${ran.stderr}`);
    assert.doesNotMatch(ran.stdout + ran.stderr, /Errors:|Warnings:|Suggestions:/, `publint:\n${ran.stdout}\n${ran.stderr}`);
  });

  test("are-the-types-wrong finds no problem for an ESM-only package", (t) => {
    if (installSkip) return t.skip(installSkip);
    const ran = run(process.execPath, [binOf("@arethetypeswrong/cli", "attw"), tarball, "--profile", "esm-only", "--format", "ascii"], {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    // attw exits non-zero for any problem its profile does not ignore.
    assert.equal(ran.status, 0, `attw:\n${ran.stdout}\n${ran.stderr}`);
  });
});

describe("the installed package", () => {
  test("the core imports under its package name and gives the same answers as in the repository", (t) => {
    if (installSkip) return t.skip(installSkip);
    copyFileSync(new URL("./browser-check.js", import.meta.url), join(consumer, "browser-check.mjs"));
    const out = runModule(
      `import * as core from "bpftypes";\nimport * as codec from "bpftypes/codec";\nimport * as btf from "bpftypes/btf";\n` +
        `import { check } from "./browser-check.mjs";\nconsole.log(JSON.stringify(check({ core, codec, btf })));\n`,
    );
    assert.deepEqual(JSON.parse(out), check({ core, codec, btf }));
  });

  test("bpftypes/node imports, finds koffi through the package's own dependency, and calls bpf(2)", (t) => {
    if (installSkip) return t.skip(installSkip);
    const out = runModule(`
      import { BPF_MAP_TYPE_ARRAY } from "bpftypes";
      import { bpfBackend, createMap, isBpfError, openFdCount } from "bpftypes/node";
      const result = { backend: bpfBackend().name };
      try {
        const map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 2, name: "pkg_smoke" });
        result.created = map.valueSize;
        map.close();
      } catch (error) {
        if (!isBpfError(error)) throw error;
        result.refused = error.code;
      }
      result.open = openFdCount();
      console.log(JSON.stringify(result));
    `);
    const result = JSON.parse(out) as { backend: string; created?: number; refused?: string; open: number };
    assert.equal(result.backend, "koffi");
    assert.equal(result.open, 0);
    if (liveSkip) assert.ok(result.refused === "EPERM" || result.refused === "EACCES", out);
    else assert.equal(result.created, 8, out);
  });

  test("the bpftypes command runs from node_modules/.bin", (t) => {
    if (installSkip) return t.skip(installSkip);
    if (!existsSync(join(repoRoot, "src/cli/main.ts"))) return t.skip("the command line (src/cli/main.ts) does not exist yet");
    const bin = join(consumer, "node_modules", ".bin", "bpftypes");
    assert.ok(existsSync(bin), "npm did not link the bpftypes bin");
    assert.match(readFileSync(join(installed, "dist/cli.cjs"), "utf8"), /^#!\/usr\/bin\/env sh\n":" \/\/; [^\n]*exec node "\$0" "\$@"\n/, "the bin does not start Node on itself");
    const help = mustRun(bin, ["--help"], { cwd: consumer });
    assert.match(help.stdout, /bpftypes/);
    const types = mustRun(bin, ["types", "map", "--json"], { cwd: consumer });
    const listed = JSON.stringify(JSON.parse(types.stdout));
    assert.match(listed, /BPF_MAP_TYPE_HASH/);
    assert.match(listed, /lpm_trie/);
    const flags = mustRun(bin, ["flags", "map", "0x81"], { cwd: consumer });
    assert.match(flags.stdout, /BPF_F_NO_PREALLOC/);
  });

  test("a strict TypeScript consumer (module nodenext) type-checks against the shipped declarations", (t) => {
    if (installSkip) return t.skip(installSkip);
    const project = join(consumer, "ts");
    mkdirSync(project, { recursive: true });
    const compilerOptions = {
      target: "ES2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      noEmit: true,
      // Check the shipped .d.ts files themselves, not only their use.
      skipLibCheck: false,
    };
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ["ES2022", "ESNext.Disposable"], types: ["node"] }, files: ["node.ts"] }),
    );
    writeFileSync(
      join(project, "node.ts"),
      `import { BPF_MAP_TYPE_HASH, mapFlags, mapTypes } from "bpftypes";
import { parseBtf, isBtfError, type Btf, type BtfType } from "bpftypes/btf";
import { createMap, isBpfError, type MapFd, type BpfError } from "bpftypes/node";

export const name: string = mapTypes.name(BPF_MAP_TYPE_HASH);
export const short: string = mapTypes.shortName(11);
export const flags: string = mapFlags.format(0x81);
export const word: number = mapFlags.parse("no_prealloc");

export function tryParse(bytes: Uint8Array): Btf | undefined {
  try {
    return parseBtf(bytes);
  } catch (error) {
    if (isBtfError(error)) return undefined;
    throw error;
  }
}

export function firstType(btf: Btf): BtfType {
  return btf.type(1);
}

export function makeMap(): MapFd | BpfError {
  try {
    using map = createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 16 });
    return map;
  } catch (error) {
    if (isBpfError(error)) return error;
    throw error;
  }
}

export function wrong(): void {
  // @ts-expect-error: a map needs its key size
  createMap({ mapType: BPF_MAP_TYPE_HASH, valueSize: 8, maxEntries: 16 });
  // @ts-expect-error: names are looked up by number
  mapTypes.name(BPF_MAP_TYPE_HASH.toString(), 1);
}
`,
    );
    // A browser-style consumer: no Node types, an ES-only lib; the core's declarations must not need Node.
    writeFileSync(
      join(project, "tsconfig.core.json"),
      JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ["ES2022"], types: [] }, files: ["core.ts"] }),
    );
    writeFileSync(
      join(project, "core.ts"),
      `import { mapTypes } from "bpftypes";
import { parseBtf, type Btf } from "bpftypes/btf";
export const btf: (bytes: Uint8Array) => Btf = parseBtf;
export const name: string = mapTypes.name(1);
`,
    );
    const tsc = binOf("typescript", "tsc");
    mustRun(process.execPath, [tsc, "-p", join(project, "tsconfig.json")], { cwd: project });
    mustRun(process.execPath, [tsc, "-p", join(project, "tsconfig.core.json")], { cwd: project });
  });
});

describe("the pure core in a browser", () => {
  let bundle = "";
  let www = "";

  test("bundles with esbuild for platform browser without any Node built-in", async (t) => {
    if (installSkip) return t.skip(installSkip);
    const esbuild = (await import("esbuild")) as typeof import("esbuild");
    www = join(work, "www");
    mkdirSync(www, { recursive: true });
    const result = await esbuild.build({
      // The three pure entry points by name, as an application would import them.
      stdin: {
        contents: `export * as core from "bpftypes";\nexport * as codec from "bpftypes/codec";\nexport * as btf from "bpftypes/btf";\n`,
        resolveDir: consumer,
        sourcefile: "pure-entries.js",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      outfile: join(www, "bpftypes.js"),
      // Minified, so comments (which do mention processes) are not searched below.
      minify: true,
      metafile: true,
      logLevel: "silent",
    });
    // For platform "browser", esbuild fails on any Node built-in it cannot resolve, so getting here
    // already says there is none; the checks below say what it would have been.
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((input) => /^node:|koffi|\/node\//.test(input)), [], "the core bundle pulled in Node code");
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    assert.deepEqual(imports, [], "the core bundle imports something at run time");
    bundle = readFileSync(join(www, "bpftypes.js"), "utf8");
    assert.doesNotMatch(bundle, /"node:|\brequire\(|\bprocess\.\w|\bBuffer\.\w/, "the core bundle refers to Node");
    console.log(`# the core's browser bundle: ${inputs.length} modules, ${(bundle.length / 1024).toFixed(0)} KiB minified`);
    copyFileSync(new URL("./browser-check.js", import.meta.url), join(www, "browser-check.js"));
    // The page's script is a file, not inline, so that the strict page's policy allows it.
    writeFileSync(
      join(www, "main.js"),
      `import { btf, codec, core } from "./bpftypes.js";
import { check } from "./browser-check.js";
const out = document.getElementById("out");
// Base64 of the UTF-8 bytes: decoded names may hold any character.
const encode = (value) => {
  let binary = "";
  for (const byte of new TextEncoder().encode(JSON.stringify(value))) binary += String.fromCharCode(byte);
  return btoa(binary);
};
let codeGeneration = true;
try {
  new Function("return 1")();
} catch {
  codeGeneration = false;
}
try {
  const env = { process: typeof process, require: typeof require, Buffer: typeof Buffer, userAgent: navigator.userAgent, codeGeneration };
  out.textContent = encode({ env, result: check({ core, codec, btf }) });
  document.title = "done";
} catch (error) {
  out.textContent = encode({ error: String((error && error.stack) || error) });
  document.title = "failed";
}
`,
    );
    const page = (policy: string): string =>
      `<!doctype html>\n<html><head><meta charset="utf-8">${policy}<title>pending</title></head>\n` +
      `<body><pre id="out"></pre><script type="module" src="./main.js"></script></body></html>\n`;
    writeFileSync(join(www, "index.html"), page(""));
    // No 'unsafe-eval': the codecs' generated decoders are refused, and their fallback must give the same answers.
    writeFileSync(join(www, "strict.html"), page(`<meta http-equiv="Content-Security-Policy" content="script-src 'self'">`));
  });

  for (const [file, strict] of [
    ["index.html", false],
    ["strict.html", true],
  ] as const) {
    const what = strict ? "under a Content-Security-Policy without eval" : "in a plain page";
    test(`runs in headless Chromium ${what} and gives the same answers as Node`, async (t) => {
      if (installSkip) return t.skip(installSkip);
      if (!bundle) return t.skip("no bundle was built");
      const chromium = ["chromium", "chromium-browser", "google-chrome"].find((name) => run(name, ["--version"]).status === 0);
      if (!chromium) return t.skip(unavailable("headless Chromium (apt-get install chromium)"));
      const server = await serve(www);
      try {
        const address = server.address();
        assert.ok(address && typeof address === "object");
        const profile = mkdtempSync(join(work, "chromium-"));
        const ran = await runAsync(chromium, [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-dev-shm-usage",
          `--user-data-dir=${profile}`,
          "--virtual-time-budget=10000",
          "--dump-dom",
          `http://127.0.0.1:${address.port}/${file}`,
        ]);
        const match = /<pre id="out">([^<]*)<\/pre>/.exec(ran.stdout);
        assert.ok(match?.[1], `chromium printed no result (exit ${ran.status}):\n${ran.stdout}\n${ran.stderr.slice(-2000)}`);
        const page = JSON.parse(Buffer.from(match[1], "base64").toString("utf8")) as {
          error?: string;
          env: Record<string, string | boolean>;
          result: unknown;
        };
        assert.equal(page.error, undefined, page.error);
        assert.match(String(page.env["userAgent"]), /HeadlessChrome/);
        assert.deepEqual([page.env["process"], page.env["require"], page.env["Buffer"]], ["undefined", "undefined", "undefined"]);
        assert.equal(page.env["codeGeneration"], !strict, "the page's policy did not do what the test expects");
        assert.deepEqual(page.result, check({ core, codec, btf }));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }
});

/** Serves the files of `root` on a loopback port chosen by the kernel. */
function serve(root: string): Promise<Server> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };
  const server = createServer((request, response) => {
    const name = (request.url ?? "/").split("?")[0]!.replace(/^\/+/, "");
    const file = join(root, name);
    if (name.includes("..") || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": types[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Runs a command without blocking the event loop (the page server answers meanwhile), bounded to 60 s. */
async function runAsync(command: string, args: readonly string[]): Promise<Ran> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
