// What the prog, map, link and btf commands share: their arguments, the show/list flow, type names and bpftool's value forms.

import { readdirSync, readFileSync, statSync } from "node:fs";
import type { ValueSet } from "bpftypes";
import type { TextPiece } from "bpftypes/node";
import { parseCommandLine, parseId } from "./args.js";
import { EXIT_CODES_HELP, UsageError } from "./errors.js";
import { runningKernelNames } from "./kernel-names.js";
import { toJson, type Column, type JsonValue, type Output } from "./output.js";

/** Which objects `show` prints: one by id, one by pin, or (neither) all of them. */
export interface ShowOptions {
  /** Show only the object with this id. */
  readonly id?: number;
  /** Show only the object pinned at this path. */
  readonly pinned?: string;
}

/** The object kinds with a `show` command. */
export type ObjectKind = "prog" | "map" | "link" | "btf";

const NOUNS: Readonly<Record<ObjectKind, [one: string, many: string, bpftool: string]>> = {
  prog: ["program", "programs", "bpftool prog show"],
  map: ["map", "maps", "bpftool map show"],
  link: ["link", "links", "bpftool link show"],
  btf: ["BTF object", "BTF objects", "bpftool btf show"],
};

/** The help text of `bpftypes <kind>`, with the fields its JSON has; `pinnable` says whether `pinned PATH` applies. */
export function showHelp(kind: ObjectKind, jsonFields: string, pinnable = true): string {
  const [one, many, bpftool] = NOUNS[kind];
  const selector = pinnable ? "[id ID | pinned PATH]" : "[id ID]";
  const which = pinnable ? "one by id or by the path it is pinned at in a bpf file\nsystem" : `one by id (${many} cannot be pinned)`;
  return `Usage: bpftypes ${kind} [show | list] ${selector} [--json|--pretty]
       bpftypes ${kind} help

Shows the kernel's ${many}: all of them, or ${which}.
"show" and "list" are the same, and are what "bpftypes ${kind}" does with no verb (verbs may be
shortened, as in bpftool: "bpftypes ${kind} s").

Plain output is a table (a list of fields for one ${one}). JSON output is what ${bpftool} -j
prints, with the same keys and value types:
  ${jsonFields}
Types the tables do not know are bare numbers, as in bpftool. What bpftool does not print (kernel
names of types and flags, the first kernel of a type, ...) is under the key "bpftypes". A list is a
JSON array, written as the ${many} are read; one ${one} is a JSON object.

Needs root, or CAP_BPF and CAP_SYS_ADMIN.

Options:
  -j, --json     print JSON
  -p, --pretty   print indented JSON
  -h, --help     show this help

${EXIT_CODES_HELP}`;
}

/** What `bpftypes <kind> ...` asked for. */
export interface ParsedShow {
  /** `help` when help was asked for, else `show`. */
  readonly verb: "show" | "help";
  /** Which objects to show. */
  readonly options: ShowOptions;
}

/** Whether `word` is a prefix of `verb` (bpftool lets verbs be shortened). */
function isPrefix(word: string, verb: string): boolean {
  return word.length > 0 && verb.startsWith(word);
}

/** Parses `[show|list|help] [id N | pinned PATH]` after `bpftypes <kind>`. */
export function parseShow(kind: ObjectKind, argv: readonly string[]): ParsedShow {
  const { positionals, global } = parseCommandLine(kind, argv, {});
  if (global.help) return { verb: "help", options: {} };
  const words = [...positionals];
  const first = words[0];
  if (first !== undefined && first !== "id" && first !== "pinned") {
    if (isPrefix(first, "help")) return { verb: "help", options: {} };
    if (!isPrefix(first, "show") && !isPrefix(first, "list")) {
      throw new UsageError(`${kind}: there is no "${first}" command`, `use bpftypes ${kind} show [id ID | pinned PATH]`);
    }
    words.shift();
  }
  if (words.length === 0) return { verb: "show", options: {} };
  const [selector, value, ...rest] = words;
  if (rest.length > 0) throw new UsageError(`${kind}: unexpected "${rest[0]}"`, `use bpftypes ${kind} show [id ID | pinned PATH]`);
  if (selector === "id") return { verb: "show", options: { id: parseId(kind, value) } };
  if (selector === "pinned") {
    if (value === undefined || value === "") throw new UsageError(`${kind}: "pinned" needs a path after it`, `for example: bpftypes ${kind} show pinned /sys/fs/bpf/my_${kind}`);
    return { verb: "show", options: { pinned: value } };
  }
  throw new UsageError(`${kind}: expected "id" or "pinned", got "${selector}"`, `use bpftypes ${kind} show [id ID | pinned PATH]`);
}

/** How one kind of object is read and printed. */
export interface ShowSpec<T> {
  /** Reads the one object asked for by id or pin. */
  readonly one: (options: ShowOptions) => T;
  /** Reads every object, one at a time. */
  readonly all: () => Iterable<T>;
  /** The bpftool-compatible JSON of one object. */
  readonly json: (item: T) => JsonValue;
  /**
   * The compact JSON of every object, comma-separated, made some faster way than item by item
   * (printed by the kernel); undefined when it cannot be, and the list is then read one object at a time.
   */
  readonly jsonText?: () => Iterable<string> | undefined;
  /** Table columns of a list. */
  readonly columns: readonly Column[];
  /** One table row. */
  readonly row: (item: T) => string[];
  /** Field list of one object (`show id N`). */
  readonly detail: (item: T) => [string, string][];
}

/**
 * The show flow every object kind shares: one object as a JSON object or a field list, or all of
 * them as a streamed JSON array or a table.
 */
export function runShow<T>(options: ShowOptions, out: Output, spec: ShowSpec<T>): void {
  if (options.id !== undefined || options.pinned !== undefined) {
    const item = spec.one(options);
    if (out.json) out.printJson(spec.json(item));
    else out.fields(spec.detail(item));
    return;
  }
  const text = out.json && !out.pretty ? spec.jsonText?.() : undefined;
  if (text) {
    out.write("[");
    for (const chunk of text) out.write(chunk);
    out.write("]\n");
    return;
  }
  if (out.json) {
    const array = out.jsonArray();
    for (const item of spec.all()) array.push(spec.json(item));
    array.end();
    return;
  }
  const rows: string[][] = [];
  for (const item of spec.all()) rows.push(spec.row(item));
  out.table(spec.columns, rows);
}

/**
 * A type in bpftool's JSON form: the short name when the tables know the value (libbpf's name, which
 * is the same), else the bare number.
 */
export function typeJson(set: ValueSet, value: number | undefined): string | number {
  const v = value ?? 0;
  return set.entry(v)?.shortName ?? v;
}

/** A type for people: the short name, else the running kernel's BTF name (read only now), else the number. */
export function typeText(set: ValueSet, value: number | undefined): string {
  const v = value ?? 0;
  const entry = set.entry(v);
  if (entry) return entry.shortName;
  const fromKernel = runningKernelNames().shortName(set, v);
  return fromKernel === undefined ? String(v) : `${fromKernel} (${v})`;
}

/** The kernel name of a value for the extras: the tables' name, else the running kernel's BTF name, else `null`. */
export function typeNameJson(set: ValueSet, value: number | undefined): string | null {
  const v = value ?? 0;
  return set.entry(v)?.name ?? runningKernelNames().name(set, v) ?? null;
}

/** The first kernel of a value for the extras, `null` when unknown. */
export function typeSinceJson(set: ValueSet, value: number | undefined): string | null {
  return set.entry(value ?? 0)?.since?.text ?? null;
}

/** A JSON member in a template the kernel prints (see `programsAsText`): `,"key":` and its value. */
export function member(key: string, value: TextPiece): TextPiece[] {
  return [`,"${key}":`, value];
}

/** A member the kernel prints only when the number `name` is not zero, as `value ? value : undefined` leaves it out of JSON. */
export function memberIfSet(key: string, name = key): TextPiece {
  return { when: name, then: member(key, { number: name }) };
}

/**
 * What the templates the kernel prints for programs and maps (see `programsAsText`) share, for the
 * values of `set` the tables know (numbered from 0 without gaps; a value past the end is printed by
 * user space instead): the start of every object, `{"id":N,"type":...` and `,"name":"..."` when it
 * has one, and the extras' `"type_name":...,"type_since":...` members, as {@link typeJson},
 * {@link typeNameJson} and {@link typeSinceJson} make them.
 */
export function templateParts(set: ValueSet): { readonly head: TextPiece[]; readonly typeExtras: TextPiece } {
  const type: string[] = [];
  const extras: string[] = [];
  for (let value = 0; set.entry(value) !== undefined; value++) {
    type.push(toJson(typeJson(set, value)));
    extras.push(toJson({ type_name: typeNameJson(set, value), type_since: typeSinceJson(set, value) }).slice(1, -1));
  }
  return {
    head: ['{"id":', { number: "id" }, ...member("type", { pick: "type", texts: type }), { when: "name", then: [',"name":"', { text: "name" }, '"'] }],
    typeExtras: { pick: "type", texts: extras },
  };
}

/** Epoch milliseconds as local time in bpftool's plain form, `2026-11-25T12:28:57+0000`. */
export function localTime(ms: number): string {
  // Objects loaded together share their second, and a Date's local-time getters are slow: the last
  // second's text is kept (a table of 10,000 programs asked ~10,000 times for a handful of seconds).
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = formatLocalTime(ms);
  }
  return lastText;
}

let lastSecond = Number.NaN;
let lastText = "";

function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

let interfaces: Map<number, string> | undefined;

/**
 * The name of a network device in this process's network namespace (from /sys/class/net), or
 * `undefined`. Like bpftool's if_indextoname, it answers for this namespace even when the device
 * the kernel means lives in another one.
 */
export function interfaceName(ifindex: number): string | undefined {
  if (!interfaces) {
    interfaces = new Map();
    try {
      for (const name of readdirSync("/sys/class/net")) {
        try {
          interfaces.set(Number(readFileSync(`/sys/class/net/${name}/ifindex`, "latin1").trim()), name);
        } catch {
          // A device that went away while being listed.
        }
      }
    } catch {
      // No sysfs: no names.
    }
  }
  return interfaces.get(ifindex);
}

/** Forgets the device names read so far (they change when devices come and go). */
export function forgetInterfaceNames(): void {
  interfaces = undefined;
}

let ownNetns: { dev: bigint; ino: bigint } | null | undefined;

/** bpftool's `dev` object of an offloaded or device-bound program or map; `undefined` for host objects. */
export function devJson(ifindex: number | undefined, nsDev: bigint | undefined, nsIno: bigint | undefined): JsonValue {
  if (!ifindex) return undefined;
  if (ownNetns === undefined) {
    try {
      const stat = statSync("/proc/self/ns/net", { bigint: true });
      ownNetns = { dev: stat.dev, ino: stat.ino };
    } catch {
      ownNetns = null;
    }
  }
  // The name is only meaningful when the device is in this namespace (bpftool's ifindex_to_name_ns).
  const here = ownNetns !== null && ownNetns.ino === nsIno;
  const ifname = here ? interfaceName(ifindex) : undefined;
  return { ifindex, ns_dev: nsDev ?? 0n, ns_inode: nsIno ?? 0n, ...(ifname !== undefined && { ifname }) };
}

/** Joins numbers with commas, or `-` for none. */
export function idList(ids: readonly number[]): string {
  return ids.length === 0 ? "-" : ids.join(",");
}
