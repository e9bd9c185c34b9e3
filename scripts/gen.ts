// The generator: reads the pinned Linux 7.1 BTF and #define tables and writes src/uapi/gen/.
// Run with `npm run gen`; CI runs it again and fails if the committed output differs.

import { mkdirSync, writeFileSync } from "node:fs";
import type { FieldLayout, StructLayout } from "../src/uapi/layout.js";
import { docComment, generatedHeader, str } from "./gen/emit.js";
import { inputPaths, loadPinnedBtf, readTsv, repoPath } from "./gen/inputs.js";
import { structConfigs, structLayout } from "./gen/layouts.js";
import { buildSets, type GeneratedSet } from "./gen/sets.js";

const outDir = "src/uapi/gen/";

function main(): void {
  const strict = process.argv.includes("--strict");
  const btf = loadPinnedBtf();
  const { sets, constants, warnings } = buildSets(btf);
  const layouts = structConfigs.map((config) => ({ ...config, layout: annotateFields(structLayout(btf, config.cName), warnings) }));

  mkdirSync(repoPath(outDir), { recursive: true });
  write("constants.ts", constantsFile(sets, constants));
  write("groups.ts", groupsFile(sets));
  write("tables.ts", tablesFile(sets));
  write("layouts.ts", layoutsFile(layouts));

  for (const warning of warnings) console.warn(`gen: warning: ${warning}`);
  if (strict && warnings.length > 0) process.exitCode = 1;
  console.log(`gen: wrote ${outDir} (${sets.reduce((n, set) => n + set.entries.length, 0)} values in ${sets.length} sets, ${layouts.length} struct layouts)`);
}

function write(name: string, text: string): void {
  writeFileSync(repoPath(outDir + name), text);
}

function sinceWords(since: string): string {
  if (since === "") return "";
  const bounds = /^>([\d.]+),<=([\d.]+)$/.exec(since);
  return bounds ? `First in a kernel after Linux ${bounds[1]}, present by Linux ${bounds[2]}.` : `Since Linux ${since}.`;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** Where a value sits, in words: its C type and, for flags, its bit. */
function placeWords(set: GeneratedSet, value: number): string {
  if (set.kind === "flags") return `Bit ${hex(value)} of the ${set.cName.replaceAll("_", " ")} (${set.typeName}).`;
  return `Value ${value} of \`enum ${set.cName}\` (${set.typeName}).`;
}

function constantsFile(sets: readonly GeneratedSet[], constants: readonly { name: string; value: number; description: string }[]): string {
  let out = generatedHeader("Every enumerator and flag of the bpf(2) ABI as a top-level constant with its kernel value.", ["btf", "defines", "logLevels", "since", "descriptions"]);
  const byName = new Map<string, { value: number; lines: string[] }>();
  for (const set of sets) {
    for (const entry of set.entries) {
      const lines = [`${entry.description}.`, "", [placeWords(set, entry.value), entry.aliasOf ? `Alias of ${entry.aliasOf}.` : "", sinceWords(entry.since)].filter(Boolean).join(" ")];
      const seen = byName.get(entry.name);
      if (seen) {
        if (seen.value !== entry.value) throw new Error(`${entry.name} has two values: ${seen.value} and ${entry.value}`);
        seen.lines.push("", ...lines);
      } else {
        byName.set(entry.name, { value: entry.value, lines });
      }
    }
  }
  for (const [name, { value, lines }] of byName) out += `\n${docComment(lines)}export const ${name} = ${value};\n`;
  for (const constant of constants) out += `\n${docComment([`${constant.description}.`])}export const ${constant.name} = ${constant.value};\n`;
  return out;
}

function groupsFile(sets: readonly GeneratedSet[]): string {
  let out = generatedHeader("Each enum and flag set of the bpf(2) ABI as a typed group of named values.", ["btf", "defines", "logLevels", "since", "descriptions"]);
  for (const set of sets) {
    const what = set.kind === "enum" ? `\`enum ${set.cName}\`` : `the ${set.cName.replaceAll("_", " ")}`;
    out += `\n${docComment([`${set.description}.`, "", `The values of ${what} by kernel name.`])}export const ${set.typeName} = {\n`;
    for (const entry of set.entries) {
      out += docComment([`${entry.description}${entry.aliasOf ? ` (alias of ${entry.aliasOf})` : ""}.`], "  ");
      out += `  ${entry.name}: ${entry.value},\n`;
    }
    out += "} as const;\n";
    if (set.kind === "enum") {
      out += docComment([`A value of ${what} this package knows; a newer kernel may report others, so code reading the kernel should accept any number.`]);
      out += `export type ${set.typeName} = (typeof ${set.typeName})[keyof typeof ${set.typeName}];\n`;
    } else {
      out += docComment([`A word of ${what}: any unsigned 32-bit number, bits this package does not name included.`]);
      out += `export type ${set.typeName} = number;\n`;
    }
  }
  return out;
}

function tablesFile(sets: readonly GeneratedSet[]): string {
  let out = generatedHeader("The rows behind the runtime name tables: name, value, first kernel, description, canonical name of an alias.", ["btf", "defines", "logLevels", "since", "descriptions"]);
  out += `\nimport { specWithJsonRows, type ValueSetSpec } from "../value-set.js";\n`;
  for (const set of sets) {
    const head = { id: set.id, cName: set.cName, kind: set.kind, prefix: set.prefix, typeName: set.typeName, description: set.description };
    const rows = set.entries.map((entry) => [entry.name, entry.value, entry.since, entry.description, ...(entry.aliasOf ? [entry.aliasOf] : [])]);
    out += `\n${docComment([`The rows of ${set.cName}.`])}export const ${specName(set)}: ValueSetSpec = /* @__PURE__ */ specWithJsonRows(\n`;
    out += `  {\n${Object.entries(head).map(([key, value]) => `    ${key}: ${str(value)},\n`).join("")}  },\n`;
    out += `  ${jsonText(jsonLines(rows))},\n);\n`;
  }
  return out;
}

/**
 * JSON text as a `String.raw` template. The data is shipped as JSON rather than as
 * array and object literals because V8 parses JSON several times faster than the same literals,
 * and every module importing the package pays that parse.
 */
/** A JSON array with one item a line, so that a change to one row or field is a one-line diff. */
function jsonLines(items: readonly unknown[]): string {
  return `[\n${items.map((item) => JSON.stringify(item)).join(",\n")}\n]`;
}

function jsonText(json: string): string {
  if (json.includes("`") || json.includes("${")) throw new Error("generated JSON holds a backtick or ${, which a template cannot");
  return `String.raw\`${json}\``;
}

/** The exported name of a set's rows: `map-flags` -> `mapFlagsSpec`. */
export function specName(set: { id: string }): string {
  return set.id.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()) + "Spec";
}

/** Adds each field's first kernel and description from the tables, checking the 7.1 offsets they record. */
function annotateFields(layout: StructLayout, warnings: string[]): StructLayout {
  const group = layout.name.replace(/^bpf_/, "") + "_field";
  const since = new Map(readTsv(inputPaths.since).filter((row) => row.group === group).map((row) => [row.name ?? "", row]));
  const descriptions = new Map(readTsv(inputPaths.descriptions).filter((row) => row.group === group).map((row) => [row.name ?? "", row.description ?? ""]));
  const annotate = (field: FieldLayout, path: string): FieldLayout => {
    if (field.type === "pad" || field.type === "union") return field;
    const row = since.get(path);
    if (row && Number(row.value) !== field.offset) throw new Error(`${inputPaths.since}: ${layout.name}.${path} is at offset ${row.value} there but ${field.offset} in the pinned BTF`);
    const description = descriptions.get(path);
    if (!description) warnings.push(`${inputPaths.descriptions}: no description for ${group} ${path}`);
    return { ...field, ...(row?.since ? { since: row.since } : {}), ...(description ? { description } : {}) };
  };
  const fields = layout.fields.map((field) => annotate(field, field.name));
  const arms = layout.arms?.map((arm) => ({ ...arm, fields: arm.fields.map((field) => annotate(field, `${arm.name}.${field.name}`)) }));
  return arms ? { ...layout, fields, arms } : { ...layout, fields };
}

function layoutsFile(layouts: readonly { cName: string; constName: string; layout: StructLayout }[]): string {
  let out = generatedHeader("The exact byte layouts of the kernel's BPF info structs.", ["btf", "since", "descriptions"]);
  out += `\nimport type { StructLayout } from "../layout.js";\n`;
  for (const { cName, constName, layout } of layouts) {
    const arms = layout.arms?.map((arm) => `{"name":${str(arm.name)},"offset":${arm.offset},"size":${arm.size},"fields":${jsonLines(arm.fields)}}`);
    const json = `{"name":${str(layout.name)},"size":${layout.size},"fields":${jsonLines(layout.fields)}${arms ? `,"arms":[\n${arms.join(",\n")}\n]` : ""}}`;
    if (JSON.stringify(JSON.parse(json)) !== JSON.stringify(layout)) throw new Error(`the JSON of ${cName}'s layout does not read back as the layout`);
    out += `\n${docComment([`The layout of \`struct ${cName}\`: ${layout.size} bytes in Linux 7.1.`])}export const ${constName}: StructLayout = /* @__PURE__ */ JSON.parse(${jsonText(json)});\n`;
  }
  return out;
}

main();
