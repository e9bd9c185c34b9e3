// Shared output of the command: buffered text, plain tables, JSON (streamed for long lists) and colour only where it belongs.

/** Where output goes and how it should look. */
export interface OutputOptions {
  /** Receives every chunk of standard output (default: `process.stdout`). */
  readonly write?: (chunk: string) => void;
  /** Receives warnings and notes meant for a person (default: `process.stderr`). */
  readonly warn?: (line: string) => void;
  /** Print JSON instead of text (`--json`). */
  readonly json?: boolean;
  /** Indent JSON (`--pretty`); implies `json`. */
  readonly pretty?: boolean;
  /** Use ANSI colours. Decide it with {@link wantsColor}; default `false`. */
  readonly color?: boolean;
}

/**
 * Whether a stream should get colour: only a terminal, and never when `NO_COLOR` is set to anything
 * but the empty string (https://no-color.org).
 */
export function wantsColor(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const noColor = env["NO_COLOR"];
  return isTTY === true && (noColor === undefined || noColor === "");
}

/** A JSON value as this module writes it: `bigint` becomes a bare number (a u64 counter stays exact). */
export type JsonValue = string | number | bigint | boolean | null | undefined | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Text is flushed to the writer once this many characters are buffered. */
const FLUSH_AT = 1 << 16;

/**
 * Serializes a value as JSON. Unlike `JSON.stringify` it writes `bigint`s as numbers (exact, as
 * bpftool prints u64 counters) and drops `undefined` members. `indent` > 0 pretty-prints.
 */
export function toJson(value: JsonValue, indent = 0): string {
  return indent > 0 ? serialize(value, indent, "") : compact(value);
}

/** Strings that need no escaping in JSON: printable ASCII without `"` and `\`. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** Object keys already written as `"key":`. */
const QUOTED_KEYS = new Map<string, string>();

/**
 * Compact JSON by concatenation: the hot path of a long list (faster here than JSON.stringify,
 * which also refuses bigints). Keys are quoted once and remembered; plain strings skip escaping.
 */
function compact(value: JsonValue): string {
  switch (typeof value) {
    case "string":
      return PLAIN_STRING.test(value) ? '"' + value + '"' : JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? "" + value : "null";
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "null";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    const items = value as readonly JsonValue[];
    if (items.length === 0) return "[]";
    let out = "[";
    for (let i = 0; i < items.length; i++) out += (i === 0 ? "" : ",") + compact(items[i]);
    return out + "]";
  }
  const object = value as { readonly [key: string]: JsonValue };
  let out = "";
  for (const key in object) {
    const member = object[key];
    if (member === undefined) continue;
    let quoted = QUOTED_KEYS.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key) + ":";
      if (QUOTED_KEYS.size < 1024) QUOTED_KEYS.set(key, quoted);
    }
    out += (out === "" ? "{" : ",") + quoted + compact(member);
  }
  return out === "" ? "{}" : out + "}";
}

function serialize(value: JsonValue, indent: number, pad: string): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "null";
  }
  if (value === null) return "null";
  // Built by concatenation: listing thousands of objects makes this the hottest code of a list.
  const inner = indent > 0 ? pad + " ".repeat(indent) : "";
  const open = indent > 0 ? "\n" + inner : "";
  const close = indent > 0 ? "\n" + pad : "";
  if (Array.isArray(value)) {
    const items = value as readonly JsonValue[];
    if (items.length === 0) return "[]";
    let out = "[" + open;
    for (let i = 0; i < items.length; i++) out += (i === 0 ? "" : "," + open) + serialize(items[i], indent, inner);
    return out + close + "]";
  }
  const object = value as { readonly [key: string]: JsonValue };
  const colon = indent > 0 ? ": " : ":";
  let out = "";
  for (const key in object) {
    const member = object[key];
    if (member === undefined) continue;
    out += (out === "" ? "{" + open : "," + open) + JSON.stringify(key) + colon + serialize(member, indent, inner);
  }
  return out === "" ? "{}" : out + close + "}";
}

/** One column of a {@link Output.table}. */
export interface Column {
  /** The header text. */
  readonly title: string;
  /** Right-align the column (numbers). */
  readonly right?: boolean;
}

const ANSI = { bold: "\u001b[1m", dim: "\u001b[2m", red: "\u001b[31m", green: "\u001b[32m", yellow: "\u001b[33m", reset: "\u001b[0m" } as const;

/** A style that can be applied to text: a no-op without colour. */
export type Style = "bold" | "dim" | "red" | "green" | "yellow";

/** Visible width of text that may hold ANSI escapes. */
function visibleLength(text: string): number {
  // Most cells have no escape: no new string for them (a table of 10,000 rows measures ~80,000 cells twice).
  if (!text.includes("\u001b")) return text.length;
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/**
 * Everything a command prints goes through one of these. Text is buffered and written in large
 * chunks (one write per 64 KiB, not one per line), so listing ten thousand objects costs a handful
 * of writes; call {@link Output.flush} at the end (the entry file does).
 */
export class Output {
  /** JSON mode (`--json` or `--pretty`). */
  readonly json: boolean;
  /** Indented JSON. */
  readonly pretty: boolean;
  /** ANSI colour on. */
  readonly color: boolean;
  readonly #write: (chunk: string) => void;
  readonly #warn: (line: string) => void;
  #buffer = "";

  constructor(options: OutputOptions = {}) {
    this.pretty = options.pretty ?? false;
    this.json = (options.json ?? false) || this.pretty;
    this.color = options.color ?? false;
    this.#write = options.write ?? ((chunk) => void process.stdout.write(chunk));
    this.#warn = options.warn ?? ((line) => void process.stderr.write(line + "\n"));
  }

  /** Appends text as is. */
  write(text: string): void {
    this.#buffer += text;
    if (this.#buffer.length >= FLUSH_AT) this.flush();
  }

  /** Appends a line. */
  line(text = ""): void {
    this.write(text + "\n");
  }

  /** Writes out whatever is buffered. */
  flush(): void {
    if (this.#buffer === "") return;
    const chunk = this.#buffer;
    this.#buffer = "";
    this.#write(chunk);
  }

  /** Drops whatever is buffered and not yet written (a failed JSON command must not leave half a document). */
  discard(): void {
    this.#buffer = "";
  }

  /** Tells the person at the terminal something on standard error (never mixed into JSON). */
  warn(text: string): void {
    this.#warn(text);
  }

  /** Applies a style when colour is on. */
  style(style: Style, text: string): string {
    return this.color ? ANSI[style] + text + ANSI.reset : text;
  }

  /** Prints one JSON document (an object or a whole array) on its own line. */
  printJson(value: JsonValue): void {
    this.line(toJson(value, this.pretty ? 4 : 0));
  }

  /**
   * Starts a JSON array whose items are written as they come, so a list of any length never sits in
   * memory whole. Call `end()` exactly once, also when there were no items.
   */
  jsonArray(): JsonArrayWriter {
    const indent = this.pretty ? 4 : 0;
    let count = 0;
    this.write("[");
    return {
      push: (item) => {
        const text = indent > 0 ? toJson(item, indent).replace(/\n/g, "\n    ") : toJson(item);
        this.write((count++ === 0 ? "" : ",") + (indent > 0 ? "\n    " : "") + text);
      },
      end: () => {
        this.write(count > 0 && indent > 0 ? "\n]\n" : "]\n");
      },
    };
  }

  /**
   * Prints rows under a header, columns padded to their widest cell and separated by two spaces.
   * The header is bold on a colour terminal.
   */
  table(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
    // Plain loops: with ten thousand rows, arrays made per row and a spread of every row's width
    // into Math.max were most of the time a list took to print.
    const widths = columns.map((column) => column.title.length);
    for (const row of rows) {
      for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, visibleLength(row[i] ?? ""));
    }
    const render = (cells: readonly string[]): string => {
      let line = "";
      for (let i = 0; i < cells.length; i++) {
        const cell = cells[i]!;
        const gap = " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell)));
        if (i > 0) line += "  ";
        line += columns[i]?.right ? gap + cell : i === cells.length - 1 ? cell : cell + gap;
      }
      return line.trimEnd();
    };
    this.line(this.style("bold", render(columns.map((column) => column.title))));
    for (const row of rows) this.line(render(row));
  }

  /** Prints `key  value` lines with the keys padded to one width (a detail view of one object). */
  fields(pairs: readonly (readonly [string, string])[], indent = ""): void {
    const width = Math.max(0, ...pairs.map(([key]) => key.length));
    for (const [key, value] of pairs) this.line(`${indent}${this.style("dim", key.padEnd(width))}  ${value}`.trimEnd());
  }
}

/** A JSON array being streamed by {@link Output.jsonArray}. */
export interface JsonArrayWriter {
  /** Writes one item. */
  push(item: JsonValue): void;
  /** Closes the array and ends the line. */
  end(): void;
}
