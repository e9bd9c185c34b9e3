// The `bpftypes` process: runs the command line on this process's arguments and streams, and sets the exit code.
// Bundled with everything it imports into dist/cli-main.cjs, which dist/cli.cjs (./launch.ts) runs.

import { ExitCode } from "./errors.js";
import { main } from "./main.js";
import { writeFully } from "./write-fd.js";

// `bpftypes map list | head` closes the pipe early: that is not an error.
const readerGone = (): never => process.exit(ExitCode.OK);

void main(process.argv.slice(2), {
  write: (chunk) => writeFully(1, chunk, readerGone),
  writeError: (chunk) => writeFully(2, chunk, readerGone),
  // Asked only for colour, which JSON output never has: process.stdout is made only then.
  get isTTY() {
    return process.stdout.isTTY === true;
  },
  env: process.env,
}).then((code) => {
  // Everything was written synchronously: exit now rather than wait for Node to free its heap page
  // by page (~4 ms after listing ten thousand maps).
  process.exit(code);
});
