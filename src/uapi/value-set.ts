// Runtime views over the generated tables: names both ways, short names, parsing and flag words.

import { ValueNameError } from "./errors.js";
import { parseSince, type Since } from "./kernel-version.js";

/** The sets this package knows, by the id the command line uses for them. */
export type ValueSetId =
  | "cmd"
  | "map"
  | "prog"
  | "attach"
  | "link"
  | "task-fd"
  | "stats"
  | "perf-event"
  | "map-flags"
  | "prog-flags"
  | "attach-flags"
  | "log-level";

/**
 * One row of a generated table: `[kernel name, value, first kernel version or "", description,
 * canonical name when this row is an alias]`.
 */
export type ValueRow = readonly [name: string, value: number, since: string, description: string, aliasOf?: string];

/** What the generator writes for one enum or flag set. */
export interface ValueSetSpec {
  /** The id the command line uses for the set. */
  readonly id: ValueSetId;
  /** The C type, e.g. `bpf_map_type`; for flag sets without a C type, a descriptive name like `map_flags`. */
  readonly cName: string;
  /** `enum` for values that exclude each other, `flags` for single bits that combine into a word. */
  readonly kind: "enum" | "flags";
  /** What every kernel name starts with; the short name is the rest, lower-cased. */
  readonly prefix: string;
  /** The TypeScript name of the typed group (`BPFMapType`). */
  readonly typeName: string;
  /** One line saying what the set is for. */
  readonly description: string;
  /** Every value, aliases included, in the kernel's order. */
  readonly rows: readonly ValueRow[];
}

/**
 * A spec whose rows are JSON text, read the first time they are asked for. The generated tables use
 * it: their text is scanned at import, but parsed only by the sets that are used.
 */
export function specWithJsonRows(head: Omit<ValueSetSpec, "rows">, rowsJson: string): ValueSetSpec {
  let rows: readonly ValueRow[] | undefined;
  return {
    ...head,
    get rows(): readonly ValueRow[] {
      rows ??= JSON.parse(rowsJson) as ValueRow[];
      return rows;
    },
  };
}

/** Everything known about one named value. */
export interface ValueEntry {
  /** The kernel's name, e.g. `BPF_MAP_TYPE_LPM_TRIE`. */
  readonly name: string;
  /** The libbpf/bpftool short name: the kernel name without its prefix, lower-cased (`lpm_trie`). */
  readonly shortName: string;
  /** The number the kernel uses. */
  readonly value: number;
  /** The first kernel that has it, where known. */
  readonly since: Since | undefined;
  /** One line saying what it is for. */
  readonly description: string;
  /** For an alias, the canonical name of the same value; `undefined` for the canonical name itself. */
  readonly aliasOf: string | undefined;
  /** The set it belongs to. */
  readonly setId: ValueSetId;
}

/** Reads a decimal or `0x` hexadecimal unsigned 32-bit number; `undefined` for anything else. */
export function parseU32(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:0x[0-9a-f]+|\d+)$/i.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value <= 0xffff_ffff ? value : undefined;
}

/**
 * An enum of the kernel's ABI with names both ways. Values the table does not know (a newer
 * kernel's) stay visible as numbers: `name(99)` is `"bpf_map_type(99)"`, `shortName(99)` is `"99"`.
 */
export class ValueSet {
  /** The id the command line uses for the set (`"map"`, `"map-flags"`). */
  readonly id: ValueSetId;
  /** The C type (`bpf_map_type`), or a descriptive name for a flag set without one (`map_flags`). */
  readonly cName: string;
  /** `enum` or `flags`. */
  readonly kind: "enum" | "flags";
  /** What every kernel name starts with (`BPF_MAP_TYPE_`). */
  readonly prefix: string;
  /** The TypeScript name of the typed group (`BPFMapType`). */
  readonly typeName: string;
  /** One line saying what the set is for. */
  readonly description: string;
  readonly #spec: ValueSetSpec;
  #entries: readonly ValueEntry[] | undefined;
  #byValue: Map<number, ValueEntry> | undefined;
  #byName: Map<string, ValueEntry> | undefined;

  constructor(spec: ValueSetSpec) {
    this.id = spec.id;
    this.cName = spec.cName;
    this.kind = spec.kind;
    this.prefix = spec.prefix;
    this.typeName = spec.typeName;
    this.description = spec.description;
    this.#spec = spec;
  }

  /** Every name, aliases included, in the kernel's order. */
  get entries(): readonly ValueEntry[] {
    // Built on first use, like the lookups below: importing the package builds no entry of the
    // twelve sets, and a program that names map types never builds the commands'.
    if (!this.#entries) {
      const { id, prefix, rows } = this.#spec;
      this.#entries = rows.map(([name, value, since, description, aliasOf]) => ({
        name,
        shortName: name.slice(prefix.length).toLowerCase(),
        value,
        since: since === "" ? undefined : parseSince(since),
        description,
        aliasOf,
        setId: id,
      }));
    }
    return this.#entries;
  }

  #values(): Map<number, ValueEntry> {
    if (!this.#byValue) {
      this.#byValue = new Map();
      for (const entry of this.entries) if (entry.aliasOf === undefined) this.#byValue.set(entry.value, entry);
    }
    return this.#byValue;
  }

  #names(): Map<string, ValueEntry> {
    if (!this.#byName) {
      this.#byName = new Map();
      for (const entry of this.entries) {
        this.#byName.set(entry.name.toLowerCase(), entry);
        this.#byName.set(entry.shortName, entry);
      }
    }
    return this.#byName;
  }

  /** The canonical entry for a value, or `undefined` when this table does not know it. */
  entry(value: number): ValueEntry | undefined {
    return this.#values().get(value);
  }

  /** The entry for a kernel name or short name, any case (`"BPF_MAP_TYPE_HASH"`, `"hash"`, `"Hash"`). */
  entryByName(name: string): ValueEntry | undefined {
    return this.#names().get(name.trim().toLowerCase());
  }

  /** Whether this table knows the value. */
  has(value: number): boolean {
    return this.#values().has(value);
  }

  /** The canonical kernel name of a value, or `cName(value)` for one this table does not know. */
  name(value: number): string {
    return this.entry(value)?.name ?? `${this.cName}(${value})`;
  }

  /** The canonical short name of a value, or the bare number for one this table does not know. */
  shortName(value: number): string {
    return this.entry(value)?.shortName ?? String(value);
  }

  /**
   * Reads a kernel name, a short name (any case) or a number. Numbers are accepted even when the
   * table does not know them, since a newer kernel may. Returns `undefined` for anything else.
   */
  tryParse(text: string): number | undefined {
    return this.entryByName(text)?.value ?? parseU32(text);
  }

  /** Like {@link tryParse}, but throws a {@link ValueNameError} that says what is accepted. */
  parse(text: string): number {
    const value = this.tryParse(text);
    if (value === undefined) {
      throw new ValueNameError(
        this.id,
        text,
        `reading a ${this.cName} value: "${text}" is neither a name (${this.entries[1]?.name ?? this.entries[0]?.name}, ` +
          `${this.entries[1]?.shortName ?? this.entries[0]?.shortName}, ...) nor a number`,
      );
    }
    return value;
  }
}

/**
 * A set of single-bit flags. Flag words are unsigned 32-bit: `format(-1)` shows all 32 bits,
 * bits the table does not know stay in the output as one hex number.
 */
export class FlagSet extends ValueSet {
  #knownMask: number | undefined;

  /** The union of every bit this table names. */
  get knownMask(): number {
    this.#knownMask ??= this.entries.reduce((mask, entry) => (mask | entry.value) >>> 0, 0);
    return this.#knownMask;
  }

  /** Named flags set in a word, lowest bit first (canonical names only). */
  members(word: number): ValueEntry[] {
    const bits = toU32(word, this.cName);
    return this.entries.filter((entry) => entry.aliasOf === undefined && entry.value !== 0 && (bits & entry.value) >>> 0 === entry.value);
  }

  /** The bits of a word this table does not name. */
  unknownBits(word: number): number {
    return (toU32(word, this.cName) & ~this.knownMask) >>> 0;
  }

  /**
   * Writes a flag word as names joined by `|`, unknown bits last as hex:
   * `BPF_F_NO_PREALLOC|BPF_F_RDONLY_PROG|0x80000000`. Zero is `"0"`.
   */
  format(word: number, style: "name" | "short" = "name"): string {
    const parts = this.members(word).map((entry) => (style === "name" ? entry.name : entry.shortName));
    const unknown = this.unknownBits(word);
    if (unknown !== 0) parts.push(`0x${unknown.toString(16)}`);
    return parts.length === 0 ? "0" : parts.join("|");
  }

  /**
   * Reads a flag word back: names or short names (any case) and numbers, joined by `|`, `,`
   * or spaces. `parse(format(x)) === x` for every unsigned 32-bit `x`.
   */
  override tryParse(text: string): number | undefined {
    const tokens = text.split(/[|,\s]+/).filter((token) => token !== "");
    if (tokens.length === 0) return undefined;
    let word = 0;
    for (const token of tokens) {
      const value = this.entryByName(token)?.value ?? parseU32(token);
      if (value === undefined) return undefined;
      word = (word | value) >>> 0;
    }
    return word;
  }

  override parse(text: string): number {
    const value = this.tryParse(text);
    if (value === undefined) {
      const bad = text.split(/[|,\s]+/).find((token) => token !== "" && this.entryByName(token) === undefined && parseU32(token) === undefined);
      throw new ValueNameError(
        this.id,
        text,
        `reading ${this.cName}: ${bad === undefined ? "no flag given" : `"${bad}" is not a flag name or number`}; ` +
          `write names or numbers joined by "|", e.g. ${this.entries[0]?.name ?? "0"}|0x10`,
      );
    }
    return value;
  }
}

/** Accepts any integer a 32-bit flag word may arrive as (signed or unsigned) and returns it unsigned. */
function toU32(word: number, what: string): number {
  if (!Number.isInteger(word) || word < -0x8000_0000 || word > 0xffff_ffff) {
    throw new RangeError(`reading ${what}: ${word} is not a 32-bit flag word`);
  }
  return word >>> 0;
}
