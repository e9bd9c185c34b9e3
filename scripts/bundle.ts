// Second build step: bundles each entry point into one file, since loading ~60 small modules
// costs Node ~40 ms more than one file. tsc's multi-file output stays beside it for the types.
//
//   dist/bpftypes.js  the pure core ("bpftypes"), for any JavaScript engine
//   dist/node.js      the Node layer ("bpftypes/node"); it imports the core by name, so a program
//                     using both entry points has one copy of the core
//   dist/cli.js       the `bpftypes` command, everything but koffi in one file

import { build, type BuildOptions } from "esbuild";
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

await build({ ...common, entryPoints: [`${dist}index.js`], outfile: `${dist}bpftypes.js`, platform: "neutral" });
await build({ ...common, entryPoints: [`${dist}node/index.js`], outfile: `${dist}node.js`, platform: "node", external: ["bpftypes", "koffi"] });
await build({ ...common, entryPoints: [`${dist}cli/main.js`], outfile: `${dist}cli.js`, platform: "node", external: ["koffi"] });
