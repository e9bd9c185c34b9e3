// Bpf descriptors in a worker thread: closing one must not make Node warn about a descriptor node:fs did not open.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";

checkFdLeaks();

const WARNING = /closed but not opened in unmanaged mode/;

/**
 * Runs `body` (the text of an async function body, with `node` bound to bpftypes/node and `fs` to
 * node:fs) in a worker thread; returns what the worker wrote to stderr.
 */
async function inWorker(body: string): Promise<string> {
  const entry = JSON.stringify(import.meta.resolve("bpftypes/node"));
  const source = `(async () => { const node = await import(${entry}); const fs = await import("node:fs"); ${body} })()
    .catch((error) => { process.stderr.write("worker failed: " + (error && error.stack || error)); process.exitCode = 1; });`;
  const worker = new Worker(source, { eval: true, stderr: true });
  let stderr = "";
  worker.stderr.setEncoding("utf8");
  worker.stderr.on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number>((resolve, reject) => {
    worker.on("error", reject);
    worker.on("exit", resolve);
  });
  // The stream may still hold data when "exit" fires.
  await new Promise<void>((resolve) => (worker.stderr.readableEnded ? resolve() : worker.stderr.once("end", resolve)));
  assert.equal(code, 0, `the worker failed: ${stderr}`);
  return stderr;
}

const CREATE = "node.createMap({ mapType: 2, keySize: 4, valueSize: 4, maxEntries: 1 })"; // BPF_MAP_TYPE_ARRAY

test("a map created and closed in a worker thread: no warning", { skip: liveSkip }, async () => {
  const stderr = await inWorker(`
    const map = ${CREATE};
    node.mapUpdate(map, new Uint8Array(4), new Uint8Array([1, 2, 3, 4]));
    map.close();
    map.close();
    ${CREATE}.close();
    if (node.openFdCount() !== 0) throw new Error("descriptors left open");
  `);
  assert.doesNotMatch(stderr, WARNING);
  assert.equal(stderr, "");
});

test("the control: closing a bpf descriptor with node:fs in a worker does warn (so the test above can see it)", { skip: liveSkip }, async () => {
  const stderr = await inWorker(`fs.closeSync(${CREATE}.release());`);
  assert.match(stderr, WARNING);
});
