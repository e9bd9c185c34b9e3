// The `bpftypes` command line: global options, one module per command loaded on demand, and errors mapped to exit codes.

import { readFileSync } from "node:fs";
import { describeError, EXIT_CODES_HELP, ExitCode, exitCodeOf, isExpectedError, UsageError } from "./errors.js";
import { Output, toJson, wantsColor } from "./output.js";

/** A command's runner: parses its own arguments and prints to `out`; may return a non-zero exit code. */
type Runner = (argv: readonly string[], out: Output) => Promise<number | void>;

/** Every command, each loaded only when asked for (a `types` run never loads the bpf(2) layer). */
const COMMANDS: Readonly<Record<string, { readonly summary: string; readonly load: () => Promise<Runner> }>> = {
  prog: { summary: "list or show loaded programs (like bpftool prog show)", load: async () => (await import("./prog.js")).runProg },
  map: { summary: "list or show maps (like bpftool map show)", load: async () => (await import("./map.js")).runMap },
  link: { summary: "list or show links (like bpftool link show)", load: async () => (await import("./link.js")).runLink },
  btf: { summary: "list or show BTF objects (like bpftool btf show)", load: async () => (await import("./btf.js")).runBtf },
  types: { summary: "list the values of an enum or flag set", load: async () => (await import("./types.js")).runTypes },
  explain: { summary: "everything about one value, by name or number", load: async () => (await import("./explain.js")).runExplain },
  flags: { summary: "decode a flag word into names, or names into a word", load: async () => (await import("./flags.js")).runFlags },
  decode: { summary: "decode raw bytes of an info struct", load: async () => (await import("./decode.js")).runDecode },
  check: { summary: "compare the library's tables and layouts with a kernel's BTF", load: async () => (await import("./check.js")).runCheck },
};

/** The top-level help text. */
export const MAIN_HELP = `Usage: bpftypes [--json|--pretty] <command> [arguments]

The Linux eBPF ABI as names, values and byte layouts, and the live kernel's BPF objects.

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`)
  .join("\n")}
  help     show this help, or a command's: bpftypes help map

Inspection (prog, map, link, btf) needs root, or CAP_BPF and CAP_SYS_ADMIN.
With no verb, prog/map/link/btf show everything: "bpftypes map" is "bpftypes map show".

Options (anywhere on the line):
  -j, --json     print JSON; for prog/map/link/btf the same keys and types as bpftool -j
  -p, --pretty   print indented JSON (implies --json)
  -h, --help     show help for the command
  -V, --version  print the version

Colour is used only on a terminal, and never when NO_COLOR is set.
Errors are one line on standard error ({"error": "..."} on standard output with --json).

${EXIT_CODES_HELP}`;

/**
 * The package version, from the package's package.json: one directory up from the bundled command
 * (dist/cli-main.cjs), two from the unbundled module (dist/cli/main.js).
 */
function version(): string {
  for (const path of ["../package.json", "../../package.json"]) {
    try {
      const json = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (json.name === "bpftypes" && json.version) return json.version;
    } catch {
      // Not here: try the next place.
    }
  }
  return "unknown";
}

/** How {@link main} talks to the world; tests pass their own. */
export interface MainIo {
  /** Standard output. */
  readonly write: (chunk: string) => void;
  /** Standard error. */
  readonly writeError: (chunk: string) => void;
  /** Whether standard output is a terminal (for colour). */
  readonly isTTY: boolean;
  /** The environment (for `NO_COLOR` and `BPFTYPES_DEBUG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Splits global flags (before the command name) from the rest; the command module parses the rest, global flags included. */
function splitCommand(argv: readonly string[]): { command: string | undefined; before: string[]; rest: string[] } {
  const before: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return { command: argv[i + 1], before, rest: argv.slice(i + 2) };
    if (!arg.startsWith("-") || arg === "-") return { command: arg, before, rest: argv.slice(i + 1) };
    before.push(arg);
  }
  return { command: undefined, before, rest: [] };
}

/** Global flags seen before the command (the command's parser sees them again). */
function globalFlags(args: readonly string[]): { json: boolean; pretty: boolean; help: boolean; version: boolean } {
  const flags = { json: false, pretty: false, help: false, version: false };
  for (const arg of args) {
    if (arg === "--json" || arg === "-j") flags.json = true;
    else if (arg === "--pretty" || arg === "-p") flags.pretty = true;
    else if (arg === "--help" || arg === "-h") flags.help = true;
    else if (arg === "--version" || arg === "-V") flags.version = true;
    else if (GLOBAL_SHORT.test(arg)) {
      for (const c of arg.slice(1)) {
        if (c === "j") flags.json = true;
        if (c === "p") flags.pretty = true;
        if (c === "h") flags.help = true;
        if (c === "V") flags.version = true;
      }
    } else throw new UsageError(`unknown option ${arg}`, "see bpftypes --help");
  }
  return flags;
}

/** A group of global short flags (`-j`, `-jp`). */
const GLOBAL_SHORT = /^-[jphV]+$/;

/** Whether the command line asks for JSON (`-j`, `--json`, `-p`, `--pretty`) anywhere before `--`: errors must then be JSON too. */
function asks(argv: readonly string[], long: string, short: string): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === long || (GLOBAL_SHORT.test(arg) && arg.includes(short)));
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code. Nothing
 * here exits the process; output goes through `io`.
 */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  const pretty = asks(argv, "--pretty", "p");
  const json = pretty || asks(argv, "--json", "j");
  const out = new Output({
    write: io.write,
    warn: (line) => io.writeError(line + "\n"),
    json,
    pretty,
    color: !json && wantsColor(io.isTTY, io.env),
  });
  let code: number;
  try {
    code = await dispatch(argv, out);
  } catch (error) {
    code = exitCodeOf(error);
    const message = describeError(error);
    if (json) {
      out.discard();
      io.write(toJson({ error: message }) + "\n");
    } else {
      out.flush();
      io.writeError(`bpftypes: ${message}\n`);
    }
    if (!isExpectedError(error) && io.env["BPFTYPES_DEBUG"]) io.writeError(`${(error as Error).stack ?? ""}\n`);
    else if (!isExpectedError(error)) io.writeError("bpftypes: this looks like a bug; run with BPFTYPES_DEBUG=1 for details and report it\n");
  }
  out.flush();
  return code;
}

async function dispatch(argv: readonly string[], out: Output): Promise<number> {
  const { command, before, rest } = splitCommand(argv);
  const flags = globalFlags(before);
  if (flags.version) {
    out.line(version());
    return ExitCode.OK;
  }
  if (command === "help") {
    const topic = rest.find((arg) => !arg.startsWith("-"));
    if (topic === undefined) {
      out.line(MAIN_HELP);
      return ExitCode.OK;
    }
    const entry = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
    if (!entry) throw new UsageError(`help: there is no command "${topic}"`, `commands: ${Object.keys(COMMANDS).join(", ")}`);
    return (await (await entry.load())(["--help"], out)) ?? ExitCode.OK;
  }
  if (command === undefined) {
    if (!flags.help) throw new UsageError("no command given", "see bpftypes --help");
    out.line(MAIN_HELP);
    return ExitCode.OK;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) throw new UsageError(`there is no command "${command}"`, `commands: ${Object.keys(COMMANDS).join(", ")}; see bpftypes --help`);
  const runner = await entry.load();
  return (await runner([...before, ...rest], out)) ?? ExitCode.OK;
}
