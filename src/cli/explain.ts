// `bpftypes explain <name | short name | number> [--kind K]`: everything known about one value of the ABI.

import { release } from "node:os";
import { describeSince, findByName, isAvailableIn, parseU32, valueSets, type ValueEntry, type ValueSet } from "bpftypes";
import { parseCommandLine } from "./args.js";
import { CommandError, EXIT_CODES_HELP, UsageError } from "./errors.js";
import { KernelNames, runningKernelNames, type KernelEnumerator } from "./kernel-names.js";
import type { JsonValue, Output } from "./output.js";
import { entryJson, requireValueSet, SET_IDS } from "./types.js";

/** Help text of `bpftypes explain`. */
export const EXPLAIN_HELP = `Usage: bpftypes explain <NAME | SHORT-NAME | NUMBER> [--kind KIND] [--json|--pretty]

Tells everything known about one value of the eBPF ABI: its kind and C type, number, kernel and short
names, aliases, the first kernel that has it (and whether the running one does), and what it is for.

  bpftypes explain BPF_MAP_TYPE_LPM_TRIE
  bpftypes explain ringbuf            a short name can match in several kinds (xdp is a program,
                                      attach and link type): all matches are shown
  bpftypes explain 27 --kind map      a number needs --kind to be unambiguous; without it, every
                                      kind that has the number is shown

A name newer than the library's Linux 7.1 tables is looked up in the running kernel's BTF.

Options:
  -k, --kind KIND  only look in one kind: ${SET_IDS.join(", ")}
  -j, --json       print JSON: an array with one object per match
  -p, --pretty     print indented JSON
  -h, --help       show this help

${EXIT_CODES_HELP}`;

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** A kernel name, a short name (any case), or a number. */
  readonly query: string;
  /** Restrict the search to one set (`map`, `map-flags` ...). */
  readonly kind?: string;
  /** Where to look up values the tables lack (the running kernel's BTF by default). */
  readonly kernelNames?: KernelNames;
  /** The kernel release to judge availability against (the running one by default). */
  readonly kernelRelease?: string;
}

/** A value the library's tables lack but a kernel's BTF names. */
interface KernelOnly {
  readonly set: ValueSet | undefined;
  readonly enumerator: KernelEnumerator;
}

/** Entries of every set (or one) matching a query: by name, or by number. */
function findEntries(query: string, only: ValueSet | undefined): ValueEntry[] {
  const number = parseU32(query);
  const sets = only ? [only] : Object.values(valueSets);
  if (number !== undefined) {
    return sets.flatMap((set) => {
      const entry = set.entry(number);
      return entry ? [entry] : [];
    });
  }
  if (only) {
    const entry = only.entryByName(query);
    return entry ? [entry] : [];
  }
  return findByName(query);
}

/** Looks a query up in the kernel's BTF when the tables have nothing: full names, prefixed short names, or numbers with a kind. */
function findInKernel(query: string, only: ValueSet | undefined, names: KernelNames): KernelOnly[] {
  const number = parseU32(query);
  if (number !== undefined) {
    if (!only) return [];
    const name = names.name(only, number);
    return name ? [{ set: only, enumerator: { name, value: number, enumName: names.enumOf(only)?.name ?? "" } }] : [];
  }
  const sets = only ? [only] : Object.values(valueSets);
  const found: KernelOnly[] = [];
  const seen = new Set<string>();
  for (const candidate of [query, ...sets.map((set) => set.prefix + query)]) {
    const enumerator = names.enumerator(candidate);
    if (!enumerator || seen.has(enumerator.name)) continue;
    // Which set it belongs to: the one whose enum holds it.
    const set = sets.find((s) => names.enumOf(s)?.values.some((v) => v.name === enumerator.name));
    if (only && set !== only) continue;
    seen.add(enumerator.name);
    found.push({ set, enumerator });
  }
  return found;
}

/** Names sharing an entry's value in its set (aliases both ways). */
function aliasesOf(entry: ValueEntry): string[] {
  const set = valueSets[entry.setId];
  return set.entries.filter((other) => other.value === entry.value && other.name !== entry.name).map((other) => other.name);
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** Prints what the tables (or, for newer values, the kernel's BTF) know about one value. */
export async function explain(options: ExplainOptions, out: Output): Promise<void> {
  const query = options.query.trim();
  if (query === "") throw new UsageError("explain: the name or number is empty", "for example: bpftypes explain lpm_trie");
  // A number the kernel could never use is a mistake in the input, not a value that is merely unknown.
  if (/^[-+]?(?:0x[0-9a-f]*|[\d.]+)$/i.test(query) && parseU32(query) === undefined) {
    throw new UsageError(`explain: "${query}" is not a value the kernel uses`, "values are whole numbers from 0 to 4294967295, decimal or 0x hex");
  }
  const only = options.kind === undefined ? undefined : requireValueSet("explain", options.kind);
  const kernelRelease = options.kernelRelease ?? release();
  const entries = findEntries(query, only);
  const kernelOnly = entries.length === 0 ? findInKernel(query, only, options.kernelNames ?? runningKernelNames()) : [];
  if (entries.length === 0 && kernelOnly.length === 0) {
    const where = only ? `among the ${only.id} values` : "in any kind";
    throw new CommandError(`explain: nothing is named or numbered "${query}" ${where}`, `see bpftypes types${only ? ` ${only.id}` : ""} for the names`);
  }

  if (out.json) {
    const items: JsonValue[] = entries.map((entry) => {
      const set = valueSets[entry.setId];
      return {
        ...entryJson(entry),
        c_type: set.cName,
        flag: set.kind === "flags",
        aliases: aliasesOf(entry),
        kernel_release: kernelRelease,
        in_kernel: entry.since ? (isAvailableIn(entry.since, kernelRelease) ?? null) : null,
        source: "tables",
      };
    });
    for (const { set, enumerator } of kernelOnly) {
      items.push({
        value: enumerator.value,
        name: enumerator.name,
        short_name: set && enumerator.name.startsWith(set.prefix) ? enumerator.name.slice(set.prefix.length).toLowerCase() : null,
        kind: set?.id ?? null,
        c_type: set?.cName ?? (enumerator.enumName || null),
        kernel_release: kernelRelease,
        in_kernel: true,
        source: "kernel-btf",
      });
    }
    out.printJson(items);
    return;
  }

  let first = true;
  for (const entry of entries) {
    if (!first) out.line();
    first = false;
    const set = valueSets[entry.setId];
    const flag = set.kind === "flags";
    const bit = flag && entry.value !== 0 && (entry.value & (entry.value - 1)) === 0 ? `, bit ${Math.log2(entry.value)}` : "";
    const available = entry.since ? isAvailableIn(entry.since, kernelRelease) : undefined;
    const verdict = available === true ? "has it" : available === false ? "does not have it" : "may have it";
    const aliases = aliasesOf(entry);
    out.line(out.style("bold", `${entry.name} = ${flag ? hex(entry.value) : entry.value}`));
    out.fields(
      [
        ["kind", `${set.id}: ${flag ? `${set.cName} flag` : `enum ${set.cName}`}`],
        ["value", `${entry.value} (${hex(entry.value)}${bit})`],
        ["short name", entry.shortName],
        ["since", entry.since ? `${describeSince(entry.since)}; this kernel (${kernelRelease}) ${verdict}` : "not recorded"],
        ...(entry.aliasOf ? ([["alias of", entry.aliasOf]] as [string, string][]) : []),
        ...(aliases.length > 0 ? ([["same value", aliases.join(", ")]] as [string, string][]) : []),
        ["description", entry.description || "-"],
      ],
      "  ",
    );
  }
  for (const { set, enumerator } of kernelOnly) {
    if (!first) out.line();
    first = false;
    out.line(out.style("bold", `${enumerator.name} = ${enumerator.value}`));
    out.fields(
      [
        ["kind", set ? `${set.id}: ${set.kind === "flags" ? `${set.cName} flag` : `enum ${set.cName}`}` : enumerator.enumName ? `enum ${enumerator.enumName}` : "an anonymous enum"],
        ["value", `${enumerator.value} (${hex(enumerator.value)})`],
        ["source", `the running kernel's BTF (${kernelRelease}); newer than the library's Linux 7.1 tables`],
      ],
      "  ",
    );
  }
}

/** Parses `bpftypes explain ...` and runs it. */
export async function runExplain(argv: readonly string[], out: Output): Promise<void> {
  const { positionals, values, global } = parseCommandLine("explain", argv, { kind: { type: "string", short: "k" } });
  if (global.help || (positionals.length === 1 && positionals[0] === "help")) {
    out.line(EXPLAIN_HELP);
    return;
  }
  if (positionals.length === 0) throw new UsageError("explain: which value?", "give a name, short name or number, e.g. bpftypes explain lpm_trie");
  if (positionals.length > 1) throw new UsageError(`explain: one value at a time, got ${positionals.length}`, "see bpftypes explain --help");
  await explain({ query: positionals[0]!, ...(values.kind !== undefined && { kind: values.kind }) }, out);
}
