// `bpftypes decode <struct> <hex | @file | ->`: decodes raw bytes of a kernel info struct, naming the fields short input leaves out.

import { readFileSync } from "node:fs";
import {
  decodeBtfInfo,
  decodeFuncInfo,
  decodeLineInfo,
  decodeLinkInfo,
  decodeMapInfo,
  decodeProgInfo,
  decodeTokenInfo,
  infoLayouts,
  isCodecError,
  type InfoStructName,
} from "bpftypes/codec";
import { attachTypes, linkTypes, mapFlags, mapTypes, perfEventTypes, progTypes, type ValueSet } from "bpftypes";
import { parseCommandLine } from "./args.js";
import { CommandError, EXIT_CODES_HELP, UsageError } from "./errors.js";
import type { JsonValue, Output } from "./output.js";

/** The structs `decode` knows, by command-line name. */
const STRUCTS: Readonly<Record<string, { readonly struct: InfoStructName; readonly decode: (bytes: Uint8Array, options: { length?: number; littleEndian?: boolean }) => Record<string, unknown> }>> = {
  "prog-info": { struct: "bpf_prog_info", decode: decodeProgInfo },
  "map-info": { struct: "bpf_map_info", decode: decodeMapInfo },
  "link-info": { struct: "bpf_link_info", decode: decodeLinkInfo },
  "btf-info": { struct: "bpf_btf_info", decode: decodeBtfInfo },
  "func-info": { struct: "bpf_func_info", decode: decodeFuncInfo },
  "line-info": { struct: "bpf_line_info", decode: decodeLineInfo },
  "token-info": { struct: "bpf_token_info", decode: decodeTokenInfo },
};

/** Help text of `bpftypes decode`. */
export const DECODE_HELP = `Usage: bpftypes decode <STRUCT> <HEX | @FILE | -> [--length N] [--big-endian] [--json|--pretty]

Decodes the raw bytes of a kernel info struct, as BPF_OBJ_GET_INFO_BY_FD fills it, into its fields
(the Linux 7.1 layout). Bytes shorter than the struct (what an older kernel fills) decode the fields
that fit; the others are listed as absent, not shown as zero.

STRUCT is one of: ${Object.keys(STRUCTS).join(", ")}
(or the C name: ${Object.values(STRUCTS)
  .map((s) => s.struct)
  .join(", ")}).

The bytes:
  HEX      hex digits, spaces, colons and a leading 0x allowed: "01000000 2a000000 ..."
  @FILE    a file's bytes (a file holding only hex text is read as hex)
  -        standard input, raw or hex the same way

Options:
  --length N     the info_len the kernel reported (default: every byte given)
  --big-endian   the bytes come from a big-endian machine (default: this machine's order)
  -j, --json     print JSON: the struct with the kernel's C field names, and "absent"
  -p, --pretty   print indented JSON
  -h, --help     show this help

${EXIT_CODES_HELP}`;

/** Options of {@link decode}. */
export interface DecodeCommandOptions {
  /** `prog-info`, `map-info`, `link-info`, `btf-info` (or `func-info`, `line-info`, `token-info`, or a C struct name). */
  readonly struct: string;
  /** The bytes, or text saying where they are: hex, `@file` or `-` (see `stdin`). */
  readonly input: string | Uint8Array;
  /** The length the kernel reported; defaults to every byte. */
  readonly length?: number;
  /** The bytes are big-endian (default: this machine's order). */
  readonly bigEndian?: boolean;
  /** Reads standard input for `-` (tests pass their own). */
  readonly stdin?: () => Uint8Array;
}

const HEX_TEXT = /^(?:0x)?[0-9a-f\s:]*$/i;

/** Reads hex text with optional spaces, colons and a leading `0x`; `undefined` when it is not that. */
export function parseHex(text: string): Uint8Array | undefined {
  if (!HEX_TEXT.test(text)) return undefined;
  const digits = text.trim().replace(/^0x/i, "").replace(/[\s:]/g, "");
  if (digits.length % 2 !== 0) return undefined;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes read from a file or stdin: hex text when it is only that, else the raw bytes. */
function rawOrHex(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes;
  const text = new TextDecoder("latin1").decode(bytes);
  return (/[0-9a-f]/i.test(text) && parseHex(text)) || bytes;
}

/** The bytes an `input` argument stands for. */
function readInput(options: DecodeCommandOptions): Uint8Array {
  const input = options.input;
  if (input instanceof Uint8Array) return input;
  if (input === "-") return rawOrHex(options.stdin ? options.stdin() : new Uint8Array(readFileSync(0)));
  if (input.startsWith("@")) {
    const path = input.slice(1);
    if (path === "") throw new UsageError("decode: \"@\" needs a file name after it", "for example: bpftypes decode map-info @info.bin");
    return rawOrHex(new Uint8Array(readFileSync(path)));
  }
  const bytes = parseHex(input);
  if (!bytes) throw new UsageError(`decode: "${input.length > 40 ? input.slice(0, 40) + "..." : input}" is not hex bytes`, "give an even number of hex digits, @FILE, or - for standard input");
  return bytes;
}

/** Finds a struct by command-line name or C name. */
function structOf(name: string): (typeof STRUCTS)[string] {
  const want = name.trim().toLowerCase();
  const found = STRUCTS[want] ?? Object.values(STRUCTS).find((s) => s.struct === want || s.struct === `bpf_${want.replaceAll("-", "_")}`);
  if (!found) throw new UsageError(`decode: "${name}" is not a struct this command decodes`, `use one of ${Object.keys(STRUCTS).join(", ")}`);
  return found;
}

/** Words for some fields' values: enum names and flag names beside the numbers. */
const NAMED: Readonly<Record<string, ValueSet>> = {
  "bpf_prog_info.type": progTypes,
  "bpf_map_info.type": mapTypes,
  "bpf_link_info.type": linkTypes,
  "bpf_link_info.perf_event.type": perfEventTypes,
};

function annotate(struct: InfoStructName, path: string, value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  if (typeof value !== "number") {
    if (typeof value === "bigint" && value > 0xffffn) return `${text} (0x${value.toString(16)})`;
    return text;
  }
  const set = NAMED[`${struct}.${path}`] ?? (path.endsWith("attach_type") ? attachTypes : undefined);
  if (set) return `${text} (${set.entry(value)?.shortName ?? "unknown"})`;
  if (struct === "bpf_map_info" && path === "map_flags" && value !== 0) return `${text} (${mapFlags.format(value)})`;
  return text;
}

/** Flattens a decoded record into dotted paths and values, in field order. */
function flatten(value: Record<string, unknown>, prefix = "", out: [string, unknown][] = []): [string, unknown][] {
  for (const [key, member] of Object.entries(value)) {
    if (prefix === "" && key === "absent") continue;
    if (member !== null && typeof member === "object" && !Array.isArray(member)) flatten(member as Record<string, unknown>, `${prefix}${key}.`, out);
    else out.push([prefix + key, member]);
  }
  return out;
}

/** Decodes the bytes of one struct and prints its fields (JSON: the C field names, and `absent`). */
export async function decode(options: DecodeCommandOptions, out: Output): Promise<Record<string, unknown>> {
  const { struct, decode: decodeStruct } = structOf(options.struct);
  const bytes = readInput(options);
  let decoded: Record<string, unknown>;
  try {
    decoded = decodeStruct(bytes, {
      ...(options.length !== undefined && { length: options.length }),
      ...(options.bigEndian !== undefined && { littleEndian: !options.bigEndian }),
    });
  } catch (error) {
    if (isCodecError(error)) throw new CommandError(`decode: ${error.message}`, "check --length against the number of bytes");
    throw error;
  }
  const absent = (decoded["absent"] as readonly string[] | undefined) ?? [];
  if (out.json) {
    out.printJson(decoded as JsonValue);
    return decoded;
  }
  const size = infoLayouts[struct].size;
  const length = options.length ?? bytes.length;
  out.line(out.style("bold", `struct ${struct}`) + `: ${length} of ${size} bytes${length > size ? " (the rest is newer than the Linux 7.1 layout and not decoded)" : ""}`);
  out.fields(flatten(decoded).map(([path, value]) => [path, annotate(struct, path, value)]), "  ");
  if (absent.length > 0) out.line(`${out.style("dim", "absent")} (past the ${length} bytes given): ${absent.join(", ")}`);
  return decoded;
}

/** Parses `bpftypes decode ...` and runs it. */
export async function runDecode(argv: readonly string[], out: Output): Promise<void> {
  const { positionals, values, global } = parseCommandLine("decode", argv, { length: { type: "string" }, "big-endian": { type: "boolean" } });
  if (global.help || positionals[0] === "help") {
    out.line(DECODE_HELP);
    return;
  }
  const [struct, ...rest] = positionals;
  if (struct === undefined) throw new UsageError("decode: which struct?", `use bpftypes decode <${Object.keys(STRUCTS).join("|")}> <hex|@file|->`);
  if (rest.length === 0) throw new UsageError(`decode ${struct}: no bytes given`, "give hex digits, @FILE, or - for standard input");
  let length: number | undefined;
  if (values.length !== undefined) {
    length = /^\d+$/.test(values.length) ? Number(values.length) : NaN;
    if (!Number.isSafeInteger(length)) throw new UsageError(`decode: --length "${values.length}" is not a number of bytes`, "for example: --length 40");
  }
  // Hex may come split over several arguments ("01 00 00 00"): join them.
  const input = rest.length === 1 ? rest[0]! : rest.join(" ");
  await decode({ struct, input, ...(length !== undefined && { length }), ...(values["big-endian"] && { bigEndian: true }) }, out);
}
