// Output written straight to a descriptor: everything arrives through a full non-blocking pipe, and
// a reader that went away ends the command quietly.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { withTempDir } from "../support/temp-dir.js";
import { repoRoot } from "../support/testdata.js";

const { writeFully } = (await import(pathToFileURL(`${repoRoot}dist/cli/write-fd.js`).href)) as typeof import("../../src/cli/write-fd.js");

/** Opens the writing end of a FIFO without blocking, once a reader has it open (ENXIO until then). */
function openWriter(fifo: string): number {
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENXIO" || Date.now() > deadline) throw error;
    }
  }
}

/** Runs `reader` on a new FIFO, writes `text` into it through writeFully, and returns what writeFully did and what the reader got. */
async function throughFifo(reader: (fifo: string, out: string) => string[], text: string | readonly string[]): Promise<{ readonly closed: boolean; readonly got: Buffer }> {
  return withTempDir("bpftypes-fifo-", async (dir) => {
    const fifo = join(dir, "fifo");
    const out = join(dir, "out");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo");
    const [command, ...args] = reader(fifo, out);
    const child = spawn(command!, args, { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const fd = openWriter(fifo);
    let closed = false;
    try {
      for (const chunk of typeof text === "string" ? [text] : text) {
        writeFully(fd, chunk, () => {
          closed = true;
          throw new Error("the reader is gone");
        });
      }
    } catch (error) {
      if (!closed) throw error;
    } finally {
      closeSync(fd);
    }
    await exited;
    return { closed, got: readFileSync(out) };
  });
}

describe("writeFully", () => {
  // Four times a pipe's default capacity, with characters of two, three and four UTF-8 bytes.
  const text = "ä€😀 json\n".repeat(256 * 1024 / 12);

  test("everything arrives through a non-blocking pipe that fills up", async () => {
    const { closed, got } = await throughFifo((fifo, out) => ["sh", "-c", 'sleep 0.2; cat "$0" > "$1"', fifo, out], text);
    assert.equal(closed, false);
    assert.equal(got.toString("utf8"), text);
  });

  test("chunks small enough to be encoded in the reused buffer arrive whole and in order, also when the pipe is full", async () => {
    // 64 KiB pieces, as the listings write them, some with multibyte characters and a lone surrogate (written as U+FFFD).
    const chunks = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? "ä€😀 json\n".repeat(2000) : String.fromCharCode(97 + i).repeat(65536)) + (i === 5 ? "\ud800" : ""));
    const { closed, got } = await throughFifo((fifo, out) => ["sh", "-c", 'sleep 0.2; cat "$0" > "$1"', fifo, out], chunks);
    assert.equal(closed, false);
    assert.equal(got.toString("utf8"), chunks.join("").replace("\ud800", "\ufffd"));
  });

  test("a reader that stops early ends the writing through onClosed (EPIPE)", async () => {
    const { closed, got } = await throughFifo((fifo, out) => ["sh", "-c", 'head -c 10 "$0" > "$1"', fifo, out], text);
    assert.equal(closed, true);
    assert.equal(got.length, 10);
  });

  test("other errors are thrown", () => {
    const readOnly = openSync("/dev/null", "r");
    try {
      assert.throws(() => writeFully(readOnly, "x", () => { throw new Error("not this"); }), /EBADF/);
    } finally {
      closeSync(readOnly);
    }
  });
});
