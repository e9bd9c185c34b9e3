// `bpftypes types [kind]`: every value of one enum or flag set of the ABI, or the list of sets.

import { describeSince, valueSets, type ValueEntry, type ValueSet, type ValueSetId } from "bpftypes";
import { parseCommandLine } from "./args.js";
import { EXIT_CODES_HELP, UsageError } from "./errors.js";
import type { JsonValue, Output } from "./output.js";

/** Help text of `bpftypes types`. */
export const TYPES_HELP = `Usage: bpftypes types [KIND] [--json|--pretty]

Lists every value of one enum or flag set of the eBPF ABI (Linux 7.1 tables): its number, kernel
name, short name (as libbpf and bpftool write it), the first kernel that has it, and what it is for.
Without KIND, lists the sets.

KIND is one of: ${Object.keys(valueSets).join(", ")}
(the C type name, such as bpf_map_type, works too).

Options:
  -j, --json     print JSON: an array with one object per value
  -p, --pretty   print indented JSON
  -h, --help     show this help

${EXIT_CODES_HELP}`;

/**
 * Finds a set by its command-line id (`map`, `map-flags`), its C type (`bpf_map_type`), its
 * TypeScript group name (`BPFMapType`), or a plural or underscore spelling (`maps`, `map_flags`).
 * `undefined` when nothing matches.
 */
export function findValueSet(text: string): ValueSet | undefined {
  const want = text.trim().toLowerCase().replaceAll("_", "-");
  for (const set of Object.values(valueSets)) {
    const ids = [set.id, set.cName.toLowerCase().replaceAll("_", "-"), set.typeName.toLowerCase(), `${set.id}s`];
    if (set.kind === "enum") ids.push(`${set.id}-type`, `${set.id}-types`);
    if (ids.includes(want)) return set;
  }
  return undefined;
}

/** Like {@link findValueSet}, but a {@link UsageError} listing the kinds when nothing matches. */
export function requireValueSet(command: string, text: string): ValueSet {
  const set = findValueSet(text);
  if (!set) {
    throw new UsageError(`${command}: "${text}" is not a kind of value`, `use one of ${Object.keys(valueSets).join(", ")}`);
  }
  return set;
}

/** A value written for people: decimal for enums, hex for flag bits. */
export function formatValue(set: ValueSet, value: number): string {
  return set.kind === "flags" ? `0x${value.toString(16)}` : String(value);
}

/** The JSON form of one value (keys in snake case, as the rest of the command's JSON). */
export function entryJson(entry: ValueEntry): { readonly [key: string]: JsonValue } {
  return {
    value: entry.value,
    name: entry.name,
    short_name: entry.shortName,
    since: entry.since?.text ?? null,
    description: entry.description,
    ...(entry.aliasOf !== undefined && { alias_of: entry.aliasOf }),
    kind: entry.setId,
  };
}

/** Options of {@link types}. */
export interface TypesOptions {
  /** The set to list (`map`, `map-flags` ...); all sets when absent. */
  readonly kind?: string;
}

/** Prints one set's values, or the list of sets when no kind is given. */
export async function types(options: TypesOptions, out: Output): Promise<void> {
  if (options.kind === undefined) {
    const sets = Object.values(valueSets);
    if (out.json) {
      out.printJson(sets.map((set) => ({ kind: set.id, c_type: set.cName, flags: set.kind === "flags", count: set.entries.length, description: set.description })));
      return;
    }
    out.table(
      [{ title: "KIND" }, { title: "C TYPE" }, { title: "VALUES", right: true }, { title: "DESCRIPTION" }],
      sets.map((set) => [set.id, set.kind === "flags" ? `${set.cName} (flags)` : `enum ${set.cName}`, String(set.entries.length), set.description]),
    );
    return;
  }
  const set = requireValueSet("types", options.kind);
  if (out.json) {
    out.printJson(set.entries.map(entryJson));
    return;
  }
  out.table(
    [{ title: "VALUE", right: true }, { title: "NAME" }, { title: "SHORT" }, { title: "SINCE" }, { title: "DESCRIPTION" }],
    set.entries.map((entry) => [
      formatValue(set, entry.value),
      entry.name,
      entry.shortName,
      entry.since ? describeSince(entry.since).replace(/^Linux /, "") : "-",
      entry.aliasOf ? `alias of ${entry.aliasOf}` : entry.description,
    ]),
  );
}

/** Parses `bpftypes types ...` and runs it. */
export async function runTypes(argv: readonly string[], out: Output): Promise<void> {
  const { positionals, global } = parseCommandLine("types", argv, {});
  if (global.help || positionals[0] === "help") {
    out.line(TYPES_HELP);
    return;
  }
  if (positionals.length > 1) throw new UsageError(`types: one kind at a time, got ${positionals.length}`, "see bpftypes types --help");
  await types(positionals[0] === undefined ? {} : { kind: positionals[0] }, out);
}

/** The ids of every set, for messages. */
export const SET_IDS: readonly ValueSetId[] = Object.keys(valueSets) as ValueSetId[];
