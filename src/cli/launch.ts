#!/usr/bin/env node
// The installed `bpftypes` command (dist/cli.cjs): runs the bundled command line (dist/cli-main.cjs)
// through V8's code cache. Parsing and compiling the bundle is a fair share of a short command's
// run; the code an earlier run of the same command compiled, saved in the cache directory, lets V8
// skip most of that work.
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

const bundle = fileURLToPath(new URL("cli-main.cjs", import.meta.url));
const debug = process.env["BPFTYPES_DEBUG"] ? (line: string): void => void process.stderr.write(`bpftypes: ${line}\n`) : (): void => {};
const directory = cacheDirectory();
const { name, ofThisBuild } = cacheName(BPFTYPES_CLI_BUILD, process.argv.slice(2));
const cacheFile = directory === undefined ? undefined : join(directory, name);
const cached = cacheFile === undefined ? undefined : readCacheFile(cacheFile);
const script = new Script(asFunction(readFileSync(bundle, "utf8")), { filename: bundle, ...(cached ? { cachedData: cached } : {}) });

if (cacheFile !== undefined) {
  if (cached && !script.cachedDataRejected) debug(`code cache used: ${cacheFile}`);
  else {
    debug(cached ? `code cache rejected by V8: ${cacheFile}` : `no code cache yet: ${cacheFile}`);
    // Made at exit, the cache holds every function the run compiled, not only the top level.
    process.once("exit", () => {
      const written = writeCacheFile(cacheFile, script.createCachedData(), (file) => file.startsWith(CACHE_PREFIX) && !file.startsWith(ofThisBuild));
      debug(written ? `code cache written: ${cacheFile}` : `code cache not written: ${cacheFile}`);
    });
  }
}

const commonJs = { exports: {} };
const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
run.call(commonJs.exports, commonJs.exports, createRequire(bundle), commonJs, bundle, dirname(bundle));
