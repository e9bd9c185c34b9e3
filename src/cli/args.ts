// Command-line parsing shared by every command: the global options and node:util's parseArgs with friendly errors.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.js";

/** The options every command accepts, before or after its name. */
export interface GlobalOptions {
  /** `--json`, `-j`: print JSON. */
  readonly json: boolean;
  /** `--pretty`, `-p`: print indented JSON (implies `--json`). */
  readonly pretty: boolean;
  /** `--help`, `-h`. */
  readonly help: boolean;
}

/** The parseArgs spec of the global options. */
export const GLOBAL_OPTIONS = {
  json: { type: "boolean", short: "j" },
  pretty: { type: "boolean", short: "p" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** What {@link parseCommandLine} returns: positionals, option values, and the global flags. */
export interface ParsedArgs<V> {
  /** The arguments that are not options, in order. */
  readonly positionals: string[];
  /** The command's own options, by name. */
  readonly values: V;
  /** The global options, wherever they were given. */
  readonly global: GlobalOptions;
}

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

const NEGATIVE_NUMBER = /^-(?:0x[0-9a-f]+|[\d.]+)$/i;
/** Hides a negative number from parseArgs; no real argument starts with a NUL. */
const NEGATIVE_MARK = "\u0000";

/**
 * Parses a command's arguments with its own options plus the global ones. Unknown options and
 * missing option values become a {@link UsageError} naming the command's help.
 */
export function parseCommandLine<O extends OptionSpec>(
  command: string,
  argv: readonly string[],
  options: O,
): ParsedArgs<{ [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string }> {
  let parsed;
  // A negative number ("-1") is a bad value, not an option: keep it positional so that the command
  // itself says what is wrong with it.
  const args = argv.map((arg) => (NEGATIVE_NUMBER.test(arg) ? NEGATIVE_MARK + arg : arg));
  try {
    parsed = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n", 1)[0]!.replace(/\.$/, "") : String(error);
    throw new UsageError(`${command}: ${lowerFirst(message)}`, `see bpftypes ${command} --help`);
  }
  const values = parsed.values as Record<string, unknown>;
  return {
    positionals: parsed.positionals.map((arg) => (arg.startsWith(NEGATIVE_MARK) ? arg.slice(NEGATIVE_MARK.length) : arg)),
    values: values as { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string },
    global: { json: values["json"] === true, pretty: values["pretty"] === true, help: values["help"] === true },
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Reads a decimal or `0x` id argument (`id 42`): a positive 32-bit integer, else a {@link UsageError}.
 */
export function parseId(command: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`${command}: "id" needs a number after it`, `for example: bpftypes ${command} show id 42`);
  const value = /^(?:0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 0xffff_ffff) {
    throw new UsageError(`${command}: "${text}" is not an id`, "an id is a positive whole number, as list prints it");
  }
  return value;
}
