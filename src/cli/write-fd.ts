// Writing the command's output straight to a file descriptor, without Node's stream objects: a
// short command spends ~5 ms just loading the stream modules behind process.stdout.

import { writeSync } from "node:fs";

/** What {@link writeFully} does when the reader has gone away (EPIPE): `bpftypes map list | head` is no error. */
export type OnClosed = () => never;

/** Waits this long before trying again to write to a descriptor that would block. */
const RETRY_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Where text is encoded before it is written, reused for every chunk that fits (UTF-8 takes at most
 * three bytes per UTF-16 unit). `Buffer.from` would make new memory for each chunk, and first
 * touches of memory are dear: 3.3 MB of JSON in 64 KiB chunks took 11-12 ms that way, 0.7 ms here.
 */
const scratch = Buffer.allocUnsafeSlow(1 << 18);

/** The UTF-8 bytes of a chunk of text, in {@link scratch} when they fit: valid until the next call. */
function encoded(text: string): Uint8Array {
  if (text.length * 3 > scratch.length) return Buffer.from(text, "utf8");
  return scratch.subarray(0, scratch.write(text, 0, "utf8"));
}

/**
 * Writes all of `chunk` (as UTF-8) to `fd`, retrying short writes, and waiting a moment and
 * retrying when the descriptor is non-blocking and full (EAGAIN, as a pipe a parent set so can
 * be). A closed reader (EPIPE) calls `onClosed`; other errors are thrown.
 */
export function writeFully(fd: number, chunk: string | Uint8Array, onClosed: OnClosed): void {
  const bytes = typeof chunk === "string" ? encoded(chunk) : chunk;
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
