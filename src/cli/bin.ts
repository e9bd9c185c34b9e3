// The `bpftypes` process: runs the command line on this process's arguments and streams, and sets the exit code.
// Bundled with everything it imports into dist/cli-main.cjs, which dist/cli.cjs (./launch.ts) runs.

import { ExitCode } from "./errors.js";
import { main } from "./main.js";

// `bpftypes map list | head` closes the pipe early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(ExitCode.OK);
  throw error;
});

void main(process.argv.slice(2), {
  write: (chunk) => void process.stdout.write(chunk),
  writeError: (chunk) => void process.stderr.write(chunk),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
