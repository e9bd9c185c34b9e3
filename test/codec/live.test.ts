// The codecs against this kernel, now: create objects with known attributes and decode what the kernel reports about them.

import { test } from "node:test";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { captureSamples } from "./capture.js";
import { checkSample } from "./samples.js";

checkFdLeaks();

test("a map, a program with func and line info, BTF objects and an XDP link decode to what created them", { skip: liveSkip }, () => {
  const captured = captureSamples();
  for (const sample of captured.samples) checkSample(sample, captured.littleEndian);
});
