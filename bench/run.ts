// `npm run bench`: every benchmark in one run, ours beside bpftool's where bpftool does the same job.
// `npm run bench -- core btf codec listing` picks some; the listing one needs root.

import { cpus, release } from "node:os";
import { benchBtf } from "./btf.js";
import { benchCodec } from "./codec.js";
import { benchCore } from "./core.js";
import { benchListing } from "./listing.js";

const all = { core: benchCore, codec: benchCodec, btf: benchBtf, listing: () => benchListing() } as const;
const picked = process.argv.slice(2);
const unknown = picked.filter((name) => !(name in all));
if (unknown.length > 0) {
  console.error(`bench: no benchmark called ${unknown.join(", ")}; choose from ${Object.keys(all).join(", ")}`);
  process.exit(2);
}

console.log(`# bpftypes benchmarks — Node ${process.version}, Linux ${release()}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}`);
for (const [name, bench] of Object.entries(all)) {
  if (picked.length === 0 || picked.includes(name)) await bench();
}
