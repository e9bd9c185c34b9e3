// Second build step: bundles each entry point into one file, since loading ~60 small modules
// costs Node ~40 ms more than one file. tsc's multi-file output stays beside it for the types.
//
//   dist/bpftypes.js  the pure core's names, values and layouts ("bpftypes"), for any JavaScript engine
//   dist/codec.js     the struct decoders and encoders ("bpftypes/codec"), pure too
//   dist/btf.js       the BTF parser ("bpftypes/btf"), pure too
//   dist/node.js      the Node layer ("bpftypes/node")
//   dist/cli-main.cjs the `bpftypes` command, everything but koffi in one CommonJS file
//   dist/cli.cjs      the bin: runs cli-main.cjs through V8's code cache (src/cli/launch.ts)
//
// Each entry imports the others by name, so a program using several has one copy of each (one
// copy of the tables above all). The three pure entries are separate so that importing the names
// and values does not also parse the decoders and the BTF parser: Node's first import costs about
// 0.02 ms per KB of source before any of it runs.

import { build, type BuildOptions, type Plugin } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

const common: BuildOptions = {
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: "linked",
  logLevel: "warning",
  // The sources are side-effect free; let unused tables drop out of the bundles.
  treeShaking: true,
  // Comments and spaces only cost parse time here (the docs live in the .d.ts files); names are
  // kept so that stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
};

/** Makes the codec's relative imports of the names and tables into imports of "bpftypes" by name. */
const uapiByName: Plugin = {
  name: "uapi-by-name",
  setup(build) {
    build.onResolve({ filter: /\/uapi\// }, (args) => (args.importer.startsWith(`${dist}codec/`) ? { path: "bpftypes", external: true } : undefined));
  },
};

await build({ ...common, entryPoints: [`${dist}index.js`], outfile: `${dist}bpftypes.js`, platform: "neutral" });
await build({ ...common, entryPoints: [`${dist}codec/index.js`], outfile: `${dist}codec.js`, platform: "neutral", plugins: [uapiByName] });
await build({ ...common, entryPoints: [`${dist}btf/index.js`], outfile: `${dist}btf.js`, platform: "neutral" });
await build({ ...common, entryPoints: [`${dist}node/index.js`], outfile: `${dist}node.js`, platform: "node", external: ["bpftypes", "bpftypes/codec", "bpftypes/btf", "koffi"] });

// The command is CommonJS: its launcher compiles it with a code cache (node:vm takes scripts, not
// ES modules), and a CommonJS entry spares Node the ES module loader. import.meta.url becomes the
// file's own URL.
const commonJs: BuildOptions = {
  ...common,
  format: "cjs",
  platform: "node",
  external: ["koffi"],
  define: { "import.meta.url": "__bpftypesFileUrl" },
  banner: { js: 'var __bpftypesFileUrl=require("node:url").pathToFileURL(__filename).href;' },
};
await build({ ...commonJs, entryPoints: [`${dist}cli/bin.js`], outfile: `${dist}cli-main.cjs` });
const cliMain = readFileSync(`${dist}cli-main.cjs`);
// The launcher reads the bundle as latin1, a plain copy, which is the same text only while every
// byte is ASCII (esbuild escapes other characters by default).
const nonAscii = cliMain.findIndex((byte) => byte > 0x7f);
if (nonAscii >= 0) throw new Error(`bundling: dist/cli-main.cjs has a non-ASCII byte at ${nonAscii}; the launcher reads it as latin1`);
const cliBuild = createHash("sha256").update(cliMain).digest("hex").slice(0, 16);
await build({
  ...commonJs,
  entryPoints: [`${dist}cli/launch.js`],
  outfile: `${dist}cli.cjs`,
  define: { ...commonJs.define, BPFTYPES_CLI_BUILD: JSON.stringify(cliBuild) },
  // The launcher needs only the cache file helpers: take their module, not the whole Node layer.
  alias: { "bpftypes/node": `${dist}node/cache-files.js` },
  // After its `#!/usr/bin/env sh` line, the line the shell runs and Node reads as a string and a comment
  // (src/cli/launch.ts says why).
  banner: { js: `":" //; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"\n${commonJs.banner!.js}` },
});
// The ES module bin of earlier builds.
rmSync(`${dist}cli.js`, { force: true });
rmSync(`${dist}cli.js.map`, { force: true });
