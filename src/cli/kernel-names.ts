// Names from the running kernel's BTF for values newer than the library's tables, read only when such a value is met.

import { readFileSync } from "node:fs";
import { parseBtf, type Btf, type BtfTypeOf } from "bpftypes/btf";
import type { ValueSet } from "bpftypes";

/** Where the running kernel publishes its own BTF. */
export const VMLINUX_BTF_PATH = "/sys/kernel/btf/vmlinux";

/** An enumerator found in a kernel's BTF: its name, value, and the enum it belongs to. */
export interface KernelEnumerator {
  /** The kernel's name, `BPF_MAP_TYPE_ARENA`. */
  readonly name: string;
  /** The enumerator's value. */
  readonly value: number;
  /** The enum's C name, or `""` for an anonymous enum (where most flag values live). */
  readonly enumName: string;
}

/**
 * Reads a kernel's BTF on first use only (parsing vmlinux costs tens of milliseconds, which a
 * listing of objects whose values the tables all know never pays), and answers name questions
 * from it. An unreadable or absent BTF answers `undefined` to everything.
 */
export class KernelNames {
  /** Where the BTF is read from. */
  readonly path: string;
  #btf: Btf | null | undefined;
  readonly #bySet = new Map<string, ReadonlyMap<number, string> | null>();

  /** Names from the BTF at `path` (the running kernel's by default), or from an already parsed `btf`. */
  constructor(path: string = VMLINUX_BTF_PATH, btf?: Btf) {
    this.path = path;
    if (btf) this.#btf = btf;
  }

  /** The parsed BTF, or `undefined` when it cannot be read or parsed. */
  btf(): Btf | undefined {
    if (this.#btf === undefined) {
      try {
        this.#btf = parseBtf(new Uint8Array(readFileSync(this.path)));
      } catch {
        this.#btf = null;
      }
    }
    return this.#btf ?? undefined;
  }

  /** The BTF enum behind a set: the named enum (`bpf_map_type`), or the anonymous one holding the set's first flag. */
  enumOf(set: ValueSet): BtfTypeOf<"enum" | "enum64"> | undefined {
    const btf = this.btf();
    if (!btf) return undefined;
    const named = btf.findByName(set.cName, "enum") ?? btf.findByName(set.cName, "enum64");
    if (named) return named;
    const first = set.entries.find((entry) => entry.aliasOf === undefined);
    return first ? btf.findEnumWithValue(first.name) : undefined;
  }

  /** value -> kernel name for one set, built once per set. */
  #names(set: ValueSet): ReadonlyMap<number, string> | null {
    let names = this.#bySet.get(set.id);
    if (names === undefined) {
      const type = this.enumOf(set);
      if (type) {
        const map = new Map<number, string>();
        for (const value of type.values) {
          const number = Number(value.value);
          if (!value.name.startsWith("__") && !map.has(number)) map.set(number, value.name);
        }
        names = map;
      } else {
        names = null;
      }
      this.#bySet.set(set.id, names);
    }
    return names;
  }

  /** The kernel's name for a value of a set, `undefined` when the BTF has none. */
  name(set: ValueSet, value: number): string | undefined {
    return this.#names(set)?.get(value);
  }

  /** The short name (prefix dropped, lower case) the kernel's name gives a value, `undefined` when it has none. */
  shortName(set: ValueSet, value: number): string | undefined {
    const name = this.name(set, value);
    if (name === undefined) return undefined;
    return name.startsWith(set.prefix) ? name.slice(set.prefix.length).toLowerCase() : name.toLowerCase();
  }

  /** An enumerator by its full kernel name (any case), in any enum of the BTF. */
  enumerator(name: string): KernelEnumerator | undefined {
    const btf = this.btf();
    const upper = name.trim().toUpperCase();
    if (!btf || !/^[A-Z0-9_]+$/.test(upper)) return undefined;
    const type = btf.findEnumWithValue(upper);
    const value = type?.values.find((entry) => entry.name === upper);
    if (!type || !value) return undefined;
    return { name: upper, value: Number(value.value), enumName: type.name };
  }
}

let shared: KernelNames | undefined;

/** The process-wide {@link KernelNames} of the running kernel. */
export function runningKernelNames(): KernelNames {
  shared ??= new KernelNames();
  return shared;
}

/**
 * The short name of a value for display: the library's, else the running kernel's BTF name (read
 * now, once), else the bare number.
 */
export function displayShortName(set: ValueSet, value: number, names: KernelNames = runningKernelNames()): string {
  const entry = set.entry(value);
  if (entry) return entry.shortName;
  return names.shortName(set, value) ?? String(value);
}
