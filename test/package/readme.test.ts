// The README's code examples: every TypeScript block is type-checked as strict nodenext code and run, and `expr; // value` comments are asserted.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { BPF_MAP_TYPE_ARRAY } from "bpftypes";
import { createMap } from "bpftypes/node";
import { liveSkip } from "../support/live.js";
import { repoRoot } from "../support/testdata.js";

/** One fenced ```ts block of the README. */
interface Block {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  /** Whether it lies between the examples markers. */
  readonly example: boolean;
}

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

/** Every ```ts (or ```typescript) block, in order. */
function blocks(text: string): Block[] {
  const found: Block[] = [];
  const lines = text.split("\n");
  let inExamples = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes("<!-- examples:start -->")) inExamples = true;
    if (lines[i]!.includes("<!-- examples:end -->")) inExamples = false;
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) body.push(lines[i]!);
    found.push({ line: start + 1, code: body.join("\n"), example: inExamples });
  }
  return found;
}

/** A literal at the start of a comment: a JSON string, number, array, true, false, null, or undefined. */
const LITERAL = /^("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null|undefined|\[[^\]]*\])(?=$|[\s:,.;(])/;
/** Statements that are not expressions, whose trailing comments are prose. */
const NOT_EXPRESSION = /^\s*(import|export|const|let|var|if|for|while|try|catch|return|throw|function|class|\}|\/\/)/;

/**
 * Turns `expr; // "value"` lines into assertions, keeping every other line as written (so line
 * numbers stay the README's), and adds the assertion helper on the first line.
 */
export function withAssertions(code: string, firstLine: number): { source: string; asserted: number } {
  let asserted = 0;
  const lines = code.split("\n").map((line, i) => {
    const match = /^(\s*)(.*?);\s*\/\/\s?(.*)$/.exec(line);
    if (!match || NOT_EXPRESSION.test(line)) return line;
    const literal = LITERAL.exec(match[3]!)?.[1];
    if (literal === undefined) return line;
    asserted++;
    return `${match[1]}__expect(${match[2]}, ${literal}, ${firstLine + i + 1});`;
  });
  const helper =
    `import { deepStrictEqual as __deepEqual } from "node:assert"; ` +
    `function __expect(actual: unknown, expected: unknown, line: number): void { ` +
    `__deepEqual(actual, expected, \`README.md line \${line}: got \${JSON.stringify(actual)}\`); }`;
  return { source: `${helper}\n${lines.join("\n")}\n`, asserted };
}

const all = blocks(readme);
const dir = join(repoRoot, "build", "readme");

describe("the README's examples", () => {
  let diagnostics: string[] = [];

  before(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = all.map((block, i) => {
      const file = join(dir, `block-${i + 1}.ts`);
      writeFileSync(file, withAssertions(block.code, block.line).source);
      return file;
    });
    // Compiled inside the repository, so `bpftypes` resolves to this package by its own name.
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
      types: ["node"],
      typeRoots: [join(repoRoot, "node_modules/@types")],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: true,
      outDir: dir,
      rootDir: dir,
    });
    const result = program.emit();
    diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const block = d.file ? Number(/block-(\d+)\.ts$/.exec(d.file.fileName)?.[1] ?? 0) : 0;
      const line = where && block ? all[block - 1]!.line + where.line : 0;
      return `README.md line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  });

  test("the examples section is there, between its markers, with at least four blocks", () => {
    assert.ok(readme.includes("<!-- examples:start -->") && readme.includes("<!-- examples:end -->"));
    assert.ok(all.filter((b) => b.example).length >= 4);
  });

  test("every block type-checks as strict TypeScript", () => {
    assert.deepEqual(diagnostics, []);
  });

  all.forEach((block, i) => {
    const live = /from "bpftypes\/node"/.test(block.code);
    const needsBtf = block.code.includes("/sys/kernel/btf/vmlinux");
    const skip = live && liveSkip ? liveSkip : needsBtf && !existsSync("/sys/kernel/btf/vmlinux") ? "this kernel has no BTF" : false;
    test(`the block at README.md line ${block.line} runs and its asserted values hold`, { skip }, () => {
      const { asserted } = withAssertions(block.code, block.line);
      if (block.example && !live && !needsBtf) assert.ok(asserted > 0, "an example without a single asserted value");
      // A map of ours exists while a live example runs, so a listing has at least one to show.
      using _map = live ? createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "readme_example" }) : undefined;
      const ran = spawnSync(process.execPath, [join(dir, `block-${i + 1}.js`)], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
      assert.equal(ran.status, 0, `exit ${ran.status}\n${ran.stdout}\n${ran.stderr}`);
      if (live) assert.match(ran.stdout, /^map \d+ array readme_example /m, "the listing did not show our map");
    });
  });

  test("the assertion rewriting keeps prose comments and rewrites value comments", () => {
    const { source, asserted } = withAssertions('f(1);  // "one": a string\nconst x = 1; // 1\ng(); // says hello\nh([1]); // [1]', 10);
    assert.equal(asserted, 2);
    assert.match(source, /__expect\(f\(1\), "one", 11\);/);
    assert.match(source, /const x = 1; \/\/ 1/);
    assert.match(source, /g\(\); \/\/ says hello/);
    assert.match(source, /__expect\(h\(\[1\]\), \[1\], 14\);/);
  });
});
