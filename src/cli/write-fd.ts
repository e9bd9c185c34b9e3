// Writing the command's output straight to a file descriptor, without Node's stream objects: a
// short command spends ~5 ms just loading the stream modules behind process.stdout.

import { writeSync } from "node:fs";

/** What {@link writeFully} does when the reader has gone away (EPIPE): `bpftypes map list | head` is no error. */
export type OnClosed = () => never;

/** Waits this long before trying again to write to a descriptor that would block. */
const RETRY_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `chunk` (as UTF-8) to `fd`, retrying short writes, and waiting a moment and
 * retrying when the descriptor is non-blocking and full (EAGAIN, as a pipe a parent set so can
 * be). A closed reader (EPIPE) calls `onClosed`; other errors are thrown.
 */
export function writeFully(fd: number, chunk: string | Uint8Array, onClosed: OnClosed): void {
  const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPIPE") onClosed();
      if (code !== "EAGAIN") throw error;
      Atomics.wait(sleeper, 0, 0, RETRY_MS);
    }
  }
}
