// `bpftypes flags <map|prog|attach|log-level> <number | names>`: decodes a flag word into names, or encodes names into a word.

import { attachFlags, describeSince, FlagSet, isValueNameError, logLevels, mapFlags, parseU32, progLoadFlags } from "bpftypes";
import { parseCommandLine } from "./args.js";
import { EXIT_CODES_HELP, UsageError } from "./errors.js";
import type { Output } from "./output.js";

/** Help text of `bpftypes flags`. */
export const FLAGS_HELP = `Usage: bpftypes flags <map | prog | attach | log-level> <NUMBER | NAMES> [--json|--pretty]

Decodes a flag word into the flags it holds, or encodes flag names into the word.

  bpftypes flags map 0x81                       -> BPF_F_NO_PREALLOC|BPF_F_RDONLY_PROG
  bpftypes flags map no_prealloc rdonly_prog    -> 0x81 (129)
  bpftypes flags prog 'BPF_F_SLEEPABLE|0x100'   names and numbers can be mixed

Sets: map (BPF_MAP_CREATE map_flags), prog (BPF_PROG_LOAD prog_flags), attach (attach_flags),
log-level (the verifier's log_level). Names are kernel names or short names, any case, joined by
'|', ',' or spaces. Bits the tables do not name stay visible as a hex number.

Options:
  -j, --json     print JSON: {"value", "hex", "names", "flags", "unknown_bits"}
  -p, --pretty   print indented JSON
  -h, --help     show this help

${EXIT_CODES_HELP}`;

const SETS: Readonly<Record<string, FlagSet>> = {
  map: mapFlags,
  "map-flags": mapFlags,
  prog: progLoadFlags,
  "prog-flags": progLoadFlags,
  "prog-load": progLoadFlags,
  attach: attachFlags,
  "attach-flags": attachFlags,
  "log-level": logLevels,
  log: logLevels,
};

/** Options of {@link flags}. */
export interface FlagsOptions {
  /** Which flag set: `map`, `prog`, `attach` or `log-level` (or the `*-flags` ids). */
  readonly kind: string;
  /** A number (decimal or 0x), or names and numbers; several arguments are joined with `|`. */
  readonly value: string | readonly string[];
}

/** What {@link flags} worked out: the word and its parts. */
export interface FlagsResult {
  /** The flag word, unsigned 32-bit. */
  readonly value: number;
  /** The named flags it holds, lowest bit first. */
  readonly names: readonly string[];
  /** Bits no name covers. */
  readonly unknownBits: number;
  /** Whether the input was a number (decoded) or names (encoded). */
  readonly decoded: boolean;
}

/** Decodes a number into flag names, or encodes names into a number, and prints both. */
export async function flags(options: FlagsOptions, out: Output): Promise<FlagsResult> {
  const set = SETS[options.kind.trim().toLowerCase().replaceAll("_", "-")];
  if (!set) throw new UsageError(`flags: "${options.kind}" is not a flag set`, "use map, prog, attach or log-level");
  const text = (typeof options.value === "string" ? [options.value] : options.value).join("|");
  if (text.trim() === "") throw new UsageError("flags: no number or names given", "for example: bpftypes flags map 0x81");
  const number = parseU32(text);
  let value: number;
  try {
    value = number ?? set.parse(text);
  } catch (error) {
    if (!isValueNameError(error)) throw error;
    throw new UsageError(`flags: ${error.message.replace(/^reading [a-z_]+: /, "")}`, `see bpftypes types ${set.id} for the names`);
  }
  const members = set.members(value);
  const unknownBits = set.unknownBits(value);
  const result: FlagsResult = { value, names: members.map((entry) => entry.name), unknownBits, decoded: number !== undefined };
  const hex = `0x${value.toString(16)}`;
  if (out.json) {
    out.printJson({
      value,
      hex,
      names: result.names,
      flags: members.map((entry) => ({ name: entry.name, short_name: entry.shortName, value: entry.value, since: entry.since?.text ?? null })),
      unknown_bits: unknownBits,
      formatted: set.format(value),
    });
    return result;
  }
  out.line(`${out.style("bold", hex)} (${value})  ${set.format(value)}`);
  const rows = members.map((entry) => [`0x${entry.value.toString(16)}`, entry.name, entry.shortName, entry.since ? describeSince(entry.since) : "-", entry.description]);
  if (unknownBits !== 0) rows.push([`0x${unknownBits.toString(16)}`, out.style("yellow", "(unknown bits)"), "-", "-", "not named in the Linux 7.1 tables"]);
  if (rows.length > 0) {
    out.line();
    out.table([{ title: "BIT", right: true }, { title: "NAME" }, { title: "SHORT" }, { title: "SINCE" }, { title: "DESCRIPTION" }], rows);
  }
  return result;
}

/** Parses `bpftypes flags ...` and runs it. */
export async function runFlags(argv: readonly string[], out: Output): Promise<void> {
  const { positionals, global } = parseCommandLine("flags", argv, {});
  if (global.help || positionals[0] === "help") {
    out.line(FLAGS_HELP);
    return;
  }
  const [kind, ...value] = positionals;
  if (kind === undefined) throw new UsageError("flags: which flag set?", "use bpftypes flags <map|prog|attach|log-level> <number|names>");
  if (value.length === 0) throw new UsageError(`flags ${kind}: no number or names given`, `for example: bpftypes flags ${kind} 0x1`);
  await flags({ kind, value }, out);
}
