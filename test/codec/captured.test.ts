// Bytes this project captured from a real kernel (testdata/captured/) decode to the values that created the objects; no kernel needed.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { repoRoot } from "../support/testdata.js";
import { checkSample, fromJson, type CaptureFile } from "./samples.js";

const dir = `${repoRoot}testdata/captured/`;
const files = readdirSync(dir).filter((name) => name.endsWith(".json"));

test("there is at least one capture", () => {
  assert.ok(files.length > 0, `no captures in ${dir}`);
});

for (const name of files) {
  const captured = fromJson(readFileSync(dir + name, "utf8")) as CaptureFile;
  describe(`${name} (Linux ${captured.kernel}, ${captured.arch})`, () => {
    test("holds a map, a program with its arrays, BTF objects and a link", () => {
      const kinds = new Set(captured.samples.map((sample) => sample.kind));
      for (const kind of ["bpf_map_info", "bpf_prog_info", "bpf_btf_info", "bpf_link_info", "u32 array", "bpf_line_info records"]) {
        assert.ok(kinds.has(kind as never), `a ${kind} sample`);
      }
    });
    for (const sample of captured.samples) {
      test(sample.what, () => checkSample(sample, captured.littleEndian));
    }
  });
}
