#!/usr/bin/env sh
// The installed `bpftypes` command (dist/cli.cjs): runs the bundled command line (dist/cli-main.cjs)
// through V8's code cache. Parsing and compiling the bundle is a fair share of a short command's
// run; the code an earlier run of the same command compiled, saved in the cache directory, lets V8
// skip most of that work.
//
// The built file is a shell script and a CommonJS module at once. Run as a program, the shell reads
// its second line, which scripts/bundle.ts writes (`":" //; unset NODE_EXTRA_CA_CERTS; exec node
// "$0" "$@"`), and runs Node on the same file; Node skips the first line and reads the second as a
// string and a comment. The shell drops NODE_EXTRA_CA_CERTS on the way: Node 20 builds its whole
// certificate store at start-up when that variable is set, 20 ms before reading the file and ~40 ms
// for a full CA bundle, and this command never opens a TLS connection or starts another program.
//
// scripts/bundle.ts builds this file and the bundle as CommonJS, which also spares Node its ES
// module loader: `import.meta.url` is the file's own URL there too.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { cacheDirectory, readCacheFile, writeCacheFile } from "bpftypes/node";

/** A hash of the bundle this launcher was built beside, set by scripts/bundle.ts: cache files of another build are never read. */
declare const BPFTYPES_CLI_BUILD: string;

const CACHE_PREFIX = "cli-code-";

/**
 * The cache file name for a command line. Each command compiles different functions, so each has
 * its own; V8 also refuses code of another Node version, so that is in the name too, and a newer
 * build's first write removes the older ones.
 */
function cacheName(build: string, argv: readonly string[]): { readonly name: string; readonly ofThisBuild: string } {
  const command = argv.find((arg) => !arg.startsWith("-"));
  const ofThisBuild = `${CACHE_PREFIX}${build}-${process.version}-${process.arch}-`;
  return { name: `${ofThisBuild}${command !== undefined && /^[a-z]{1,16}$/.test(command) ? command : "other"}.v8`, ofThisBuild };
}

/** A CommonJS module's source as the function Node's own loader would make of it. */
function asFunction(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/**
 * A cache file is a header (`MAGIC`, then how many milliseconds the run that wrote it took, as a
 * little-endian u32) and V8's data.
 */
const MAGIC = "bpfc";
const HEADER_SIZE = 8;

/** The cached code and how long the run that made it took, or undefined when the bytes are no cache file of ours. */
function parseCache(bytes: Buffer | undefined): { readonly code: Buffer; readonly tookMs: number } | undefined {
  if (bytes === undefined || bytes.length <= HEADER_SIZE || bytes.toString("latin1", 0, 4) !== MAGIC) return undefined;
  return { code: bytes.subarray(HEADER_SIZE), tookMs: bytes.readUInt32LE(4) };
}

function cacheBytes(code: Buffer, tookMs: number): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(Math.min(Math.round(tookMs), 0xffff_ffff), 4);
  return Buffer.concat([header, code]);
}

/**
 * Whether a run that took `tookMs` should replace a cache made by a run that took `cachedMs`. V8
 * compiles a function the first time it runs, so a short run (an empty list) leaves out what a
 * long one (ten thousand maps) needs: a much longer run than the cache's own saves its code anew.
 */
function outgrew(tookMs: number, cachedMs: number): boolean {
  return tookMs > 2 * cachedMs + 20;
}

const bundle = fileURLToPath(new URL("cli-main.cjs", import.meta.url));
const debug = process.env["BPFTYPES_DEBUG"] ? (line: string): void => void process.stderr.write(`bpftypes: ${line}\n`) : (): void => {};
const directory = cacheDirectory();
const { name, ofThisBuild } = cacheName(BPFTYPES_CLI_BUILD, process.argv.slice(2));
const cacheFile = directory === undefined ? undefined : join(directory, name);
const cached = parseCache(cacheFile === undefined ? undefined : readCacheFile(cacheFile));
// latin1, a plain copy of the bytes, is ~0.7 ms faster here than decoding 290 KB of UTF-8, and the
// same text: scripts/bundle.ts refuses a bundle with a byte that is not ASCII.
const script = new Script(asFunction(readFileSync(bundle, "latin1")), { filename: bundle, ...(cached ? { cachedData: cached.code } : {}) });

if (cacheFile !== undefined) {
  const used = cached !== undefined && !script.cachedDataRejected;
  if (used) debug(`code cache used: ${cacheFile}`);
  else debug(cached ? `code cache rejected by V8: ${cacheFile}` : `no code cache yet: ${cacheFile}`);
  // Made at exit, the cache holds every function the run compiled, not only the top level.
  process.once("exit", () => {
    // Not performance.now(): the global loads the perf_hooks module, ~2 ms.
    const tookMs = process.uptime() * 1000;
    if (used && !outgrew(tookMs, cached.tookMs)) return;
    const written = writeCacheFile(cacheFile, cacheBytes(script.createCachedData(), tookMs), (file) => file.startsWith(CACHE_PREFIX) && !file.startsWith(ofThisBuild));
    debug(written ? `code cache written: ${cacheFile}` : `code cache not written: ${cacheFile}`);
  });
}

const commonJs = { exports: {} };
const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
run.call(commonJs.exports, commonJs.exports, createRequire(bundle), commonJs, bundle, dirname(bundle));
