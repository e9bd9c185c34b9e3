// The running kernel's type facts an iterator needs, remembered for the rest of the boot.
//
// Reading /sys/kernel/btf/vmlinux costs tens of milliseconds (the kernel hands it out a page per
// read) for some forty numbers. Those numbers cannot change until the next boot, so they are kept
// in a small file named after the boot id, and later runs never read the BTF.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCacheFile, writeCacheFile } from "../cache-files.js";
import { KernelBtf, KernelTypes, type KernelField } from "./kernel-btf.js";

const PREFIX = "kernel-types-";

/** One answer: a number, a field, or null for "the kernel has none". */
type Fact = number | KernelField | null;

/**
 * Kernel type facts answered from the cache file of this boot when it has them, else from the
 * kernel's BTF (read only then). {@link save} writes what was learned.
 */
export class CachedKernelTypes extends KernelTypes {
  readonly #file: string | undefined;
  readonly #bootId: string;
  readonly #facts = new Map<string, Fact>();
  readonly #load: () => KernelTypes;
  #btf: KernelTypes | undefined;
  #learned = false;

  /** `directory` undefined: no file is read or written. `load` reads the BTF (the running kernel's by default). */
  constructor(directory: string | undefined, bootId = readBootId(), load: () => KernelTypes = () => KernelBtf.running()) {
    super();
    this.#bootId = bootId;
    this.#load = load;
    this.#file = directory === undefined ? undefined : join(directory, `${PREFIX}${bootId}.json`);
    if (this.#file === undefined) return;
    try {
      const saved = JSON.parse(readCacheFile(this.#file)?.toString("utf8") ?? "null") as { bootId?: unknown; facts?: unknown } | null;
      if (saved === null) return;
      if (saved.bootId === bootId && saved.facts && typeof saved.facts === "object") {
        for (const [key, value] of Object.entries(saved.facts as Record<string, unknown>)) {
          if (isFact(value)) this.#facts.set(key, value);
        }
      }
    } catch {
      // No file yet, or one that is not ours to read: the facts come from the BTF.
    }
  }

  /** True once some answer had to come from the BTF. */
  get readBtf(): boolean {
    return this.#btf !== undefined;
  }

  #ask<T extends Fact>(key: string, answer: (btf: KernelTypes) => T | undefined): T | undefined {
    if (this.#facts.has(key)) return (this.#facts.get(key) as T | null) ?? undefined;
    this.#btf ??= this.#load();
    const value = answer(this.#btf) ?? null;
    this.#facts.set(key, value);
    this.#learned = true;
    return value ?? undefined;
  }

  funcId(name: string): number | undefined {
    return this.#ask(`func ${name}`, (btf) => btf.funcId(name));
  }

  tryStructSize(name: string): number | undefined {
    return this.#ask(`size ${name}`, (btf) => btf.tryStructSize(name));
  }

  tryField(structName: string, path: string): KernelField | undefined {
    return this.#ask(`field ${structName}.${path}`, (btf) => btf.tryField(structName, path));
  }

  /**
   * Writes the facts to this boot's file if anything new was learned, and removes the files of
   * earlier boots. Failing to write only costs the next run a BTF read, so errors are ignored.
   */
  save(): void {
    if (!this.#learned || this.#file === undefined) return;
    const facts = JSON.stringify({ bootId: this.#bootId, facts: Object.fromEntries(this.#facts) });
    if (writeCacheFile(this.#file, facts, (name) => name.startsWith(PREFIX) && !name.includes(this.#bootId))) this.#learned = false;
  }
}

function isFact(value: unknown): value is Fact {
  if (value === null || (typeof value === "number" && Number.isInteger(value) && value >= 0)) return true;
  if (typeof value !== "object") return false;
  const field = value as Record<string, unknown>;
  return ["offset", "size", "bit", "bits"].every((key) => typeof field[key] === "number" && Number.isInteger(field[key]) && (field[key] as number) >= 0);
}

/** This boot's random id (`/proc/sys/kernel/random/boot_id`): it names the cache file. */
function readBootId(): string {
  const id = readFileSync("/proc/sys/kernel/random/boot_id", "latin1").trim();
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`reading the boot id: ${JSON.stringify(id)} is not one`);
  return id;
}
