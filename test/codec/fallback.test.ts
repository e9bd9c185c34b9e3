// The codecs where generating code is forbidden (a strict Content-Security-Policy): the same results from the reader closures.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as codec from "bpftypes/codec";
import { allCases } from "./cases.js";
import { checkRoundTrip, checkTruncations } from "./walk.js";

// Refuse to build the codecs' generated decoders, as a browser with CSP would (no 'unsafe-eval').
// Each test file runs in its own process, and the codecs generate nothing until their first use.
let refused = 0;
const original = globalThis.Function;
globalThis.Function = new Proxy(original, {
  construct(target, args: unknown[], newTarget) {
    if (args[0] === "ABSENT") {
      refused++;
      throw new EvalError("code generation from strings disallowed for this context");
    }
    return Reflect.construct(target, args, newTarget) as object;
  },
});

describe("without generated code", () => {
  for (const c of allCases()) {
    test(`${c.label}: round trip and every length`, () => {
      checkRoundTrip(c, 20);
      checkTruncations(c);
    });
  }

  test("code generation was really refused, and arrays decode too", () => {
    const records = codec.decodeLineInfos(codec.encodeLineInfos([{ insn_off: 1, line: 2, column: 3 }]));
    assert.deepEqual(records, [{ insn_off: 1, file_name_off: 0, line_off: 0, line_col: (2 << 10) | 3, line: 2, column: 3, absent: [] }]);
    assert.ok(refused > 0, "the codecs tried to generate code");
  });
});
