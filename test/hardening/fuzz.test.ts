// A quick run of the fuzzer over every decoder and the BTF parser (npm run fuzz runs the long one).

import { test } from "node:test";
import assert from "node:assert/strict";
import { allTargets, formatReport, fuzz } from "../../scripts/fuzz.js";

const CASES = 2000;

test(`every decoder and the BTF parser survive ${CASES} fuzz cases each with only named errors`, async () => {
  // A new seed each run explores new cases; a failure names it: npm run fuzz -- --seed S --target T.
  const seed = Date.now() % 1_000_000;
  console.log(`fuzz seed ${seed}`);
  const reports = await fuzz({ cases: CASES, seed, caseTimeoutMs: 5000 });
  for (const report of reports) console.log(formatReport(report));
  assert.deepEqual(
    reports.filter((r) => r.skipped).map((r) => `${r.target}: ${r.skipped}`),
    [],
    "targets were skipped",
  );
  const failures = reports.flatMap((r) => r.failures);
  assert.deepEqual(
    failures.map((f) => `seed ${seed}, ${f.target} case ${f.index} (${f.how}): ${f.problem}\n  options: ${f.options ?? "none"}\n  bytes: ${f.hex}`),
    [],
  );
  for (const report of reports) {
    assert.equal(report.cases, CASES, `${report.target} ran ${report.cases} cases`);
    // The inputs reach both sides: some decode, some are refused with a named error.
    assert.ok((report.outcomes["ok"] ?? 0) > 0, `${report.target}: no case got through`);
    assert.ok(Object.keys(report.outcomes).some((o) => o !== "ok"), `${report.target}: no case was refused`);
  }
  const btf = reports.find((r) => r.target === "parseBtf");
  assert.ok(btf && Object.keys(btf.outcomes).length >= 6, "the BTF cases reach few of the parser's checks");
});

test("the fuzzer's time box stops a case that hangs and reports its input", async () => {
  assert.ok(!allTargets().some((t) => t.name.startsWith("self-test")));
  const [report] = await fuzz({ cases: 10, targets: ["self-test: hang"], selfTest: true, caseTimeoutMs: 300, live: false });
  assert.ok(report);
  assert.equal(report.failures.length, 1);
  assert.match(report.failures[0]!.problem, /hung/);
  assert.equal(report.failures[0]!.index, 3);
  assert.equal(report.failures[0]!.hex, "03beef");
});
