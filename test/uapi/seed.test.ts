// Every identifier of the Go package bpftypes v0.3.0 exists here with the value it had there,
// except where that value was wrong (documented in src/uapi/seed.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as bpftypes from "bpftypes";
import { readTestdataTsv } from "../support/testdata.js";
import type * as Types from "bpftypes";

const exported = bpftypes as unknown as Record<string, unknown>;
const rows = readTestdataTsv("seed-identifiers.tsv");

test("every constant of the seed exists with the seed's value", () => {
  const constants = rows.filter((row) => row.kind === "const");
  assert.ok(constants.length > 170, `${constants.length} constants`);
  for (const row of constants) {
    assert.equal(exported[row.name ?? ""], Number(row.value), `${row.name} = ${row.value}`);
  }
});

test("the seed's BPFMapFlagsMax is the real BPF_F_LINK, not a bound", () => {
  assert.equal(bpftypes.BPFMapFlagsMax, bpftypes.BPF_F_LINK);
  assert.ok(bpftypes.mapFlags.knownMask > bpftypes.BPFMapFlagsMax);
});

test("every String() method of the seed has a function that keeps unknown numbers", () => {
  const methods = rows.filter((row) => row.kind === "method");
  assert.equal(methods.length, 7);
  for (const row of methods) {
    const name = (row.name ?? "").replace(".String", "String");
    const fn = exported[name];
    assert.equal(typeof fn, "function", name);
    const rendered = (fn as (value: number) => string)(0x4000_0000);
    assert.match(rendered, /1073741824|0x40000000/, `${name} keeps the number: ${rendered}`);
  }
  assert.equal(bpftypes.BPFMapTypeString(bpftypes.BPF_MAP_TYPE_LPM_TRIE), "BPF_MAP_TYPE_LPM_TRIE");
  assert.equal(bpftypes.BPFMapFlagsString(bpftypes.BPFMapFlagsNoPreAlloc | bpftypes.BPFMapFlagsMMapable), "BPF_F_NO_PREALLOC|BPF_F_MMAPABLE");
});

test("the seed's sizes are the kernel's real ones", () => {
  assert.equal(bpftypes.BPFMapInfoSize, 104);
  assert.equal(bpftypes.BPFProgInfoSize, 232);
});

test("every type and variable of the seed is exported", () => {
  // Types exist at compile time: this list fails to compile if one is missing.
  type SeedTypes = [
    Types.BPFAttachType,
    Types.BPFCommand,
    Types.BPFLinkType,
    Types.BPFLogLevel,
    Types.BPFMapFlags,
    Types.BPFMapType,
    Types.BPFProgAttachFlags,
    Types.BPFProgInfoFlags,
    Types.BPFProgLoadFlags,
    Types.BPFProgType,
    Types.BPFTaskFDType,
  ];
  const seedTypes: SeedTypes | undefined = undefined;
  assert.equal(seedTypes, undefined);
  for (const row of rows.filter((row) => row.kind === "type" || row.kind === "var")) {
    const name = row.name ?? "";
    // Struct types are interfaces (checked by the codec tests); the others have a runtime group too.
    if (["BPFMapInfo", "BPFProgInfo", "BPFFuncInfo", "BPFLineInfo", "BPFProgInfoFlags"].includes(name)) continue;
    assert.ok(name in exported, `${name} is exported`);
  }
});
