// Shared by the codec tests: every struct and link-arm choice as a case, its fields, and fast-check arbitraries for them.

import fc from "fast-check";
import { fieldLayout, fieldsWithin, infoLayouts, type InfoStructName } from "bpftypes/codec";
import { linkTypes, perfEventTypes, type FieldLayout } from "bpftypes";

/** One shape of record to test: a struct, and for bpf_link_info an arm (and a variant choice). */
export interface Case {
  readonly label: string;
  readonly struct: InfoStructName;
  /** Fixed values that select the arm and variant: `type`, `perf_event.type`. */
  readonly selectors: Readonly<Record<string, number>>;
  /** The dotted paths of every field a decoder returns for this case, in layout order (selectors included). */
  readonly paths: readonly string[];
  /** For a perf_event arm: every variant's paths, listed as absent while `perf_event.type` is. */
  readonly undecided?: readonly string[];
  /** Fields a decoder also returns besides `paths` that the encoder is not given (the other iter view). */
  readonly derivedViews?: readonly string[];
}

const BIG = 1 << 20;

/** Every field path of a struct (all arms, all variants), in layout order. */
export function allPaths(struct: InfoStructName): string[] {
  return fieldsWithin(struct, BIG);
}

/** The layout of a path, with its variant (the layout keeps it on arm fields). */
export function layoutOf(struct: InfoStructName, path: string): FieldLayout {
  return fieldLayout(struct, path);
}

/** Every struct and every bpf_link_info arm/variant, as test cases. */
export function allCases(): Case[] {
  const cases: Case[] = [];
  for (const struct of Object.keys(infoLayouts) as InfoStructName[]) {
    if (struct === "bpf_link_info") continue;
    cases.push({ label: struct, struct, selectors: {}, paths: allPaths(struct) });
  }
  const common = ["type", "id", "prog_id"];
  const link = allPaths("bpf_link_info");
  const armPaths = (arm: string, keep: (field: FieldLayout) => boolean): string[] =>
    link.filter((path) => path.startsWith(`${arm}.`) && keep(layoutOf("bpf_link_info", path)));
  for (const arm of infoLayouts.bpf_link_info.arms ?? []) {
    const type = linkTypes.entryByName(arm.name)?.value;
    if (type === undefined) throw new Error(`no link type named ${arm.name}`);
    if (arm.name === "perf_event") {
      const all = armPaths(arm.name, (field) => field.variant !== undefined);
      for (const entry of [...perfEventTypes.entries, { value: 99, shortName: "99" }]) {
        const variant = { uprobe: "uprobe", uretprobe: "uprobe", kprobe: "kprobe", kretprobe: "kprobe", tracepoint: "tracepoint", event: "event" }[
          entry.shortName
        ];
        cases.push({
          label: `bpf_link_info ${arm.name} ${entry.shortName}`,
          struct: "bpf_link_info",
          selectors: { type, "perf_event.type": entry.value },
          paths: [...common, ...armPaths(arm.name, (field) => field.variant === undefined || field.variant === variant)],
          undecided: all,
        });
      }
      continue;
    }
    if (arm.name === "iter") {
      for (const [view, other] of [
        ["cgroup", "task"],
        ["task", "cgroup"],
      ] as const) {
        cases.push({
          label: `bpf_link_info iter (${view})`,
          struct: "bpf_link_info",
          selectors: { type },
          paths: [...common, ...armPaths(arm.name, (field) => field.variant !== other)],
          derivedViews: armPaths(arm.name, (field) => field.variant === other),
        });
      }
      continue;
    }
    cases.push({ label: `bpf_link_info ${arm.name}`, struct: "bpf_link_info", selectors: { type }, paths: [...common, ...armPaths(arm.name, () => true)] });
  }
  cases.push({ label: "bpf_link_info unknown type 999", struct: "bpf_link_info", selectors: { type: 999 }, paths: common });
  cases.push({ label: "bpf_link_info unspec", struct: "bpf_link_info", selectors: { type: 0 }, paths: common });
  return cases;
}

/** Sets `value` at a dotted path, creating the objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = target;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

/** The value at a dotted path, or undefined. */
export function getPath(source: unknown, path: string): unknown {
  let at = source;
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Removes the value at a dotted path, and any object left empty by it. */
export function deletePath(target: Record<string, unknown>, path: string): void {
  const keys = path.split(".");
  const parents: Record<string, unknown>[] = [target];
  for (const key of keys.slice(0, -1)) {
    const next = parents.at(-1)![key];
    if (typeof next !== "object" || next === null) return;
    parents.push(next as Record<string, unknown>);
  }
  delete parents.at(-1)![keys.at(-1)!];
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]!).length === 0) delete parents[i - 1]![keys[i - 1]!];
  }
}

const encoder = new TextEncoder();

// One character of a name: mostly what names hold, sometimes any code point but a lone surrogate
// (which UTF-8 cannot carry). Built from integers: fast-check's whole-Unicode string unit takes a
// second to set up.
const nameCharArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("a", "_", ".", "Z", "9"),
  fc.integer({ min: 1, max: 0x10_ffff }).filter((code) => code < 0xd800 || code > 0xdfff).map((code) => String.fromCodePoint(code)),
  fc.integer({ min: 0x80, max: 0x7ff }).map((code) => String.fromCodePoint(code)),
);
function nameChar(): fc.Arbitrary<string> {
  return nameCharArbitrary;
}

/** Values of one field's type, as a decoder returns them (so they round-trip exactly). */
export function arbitraryOf(struct: InfoStructName, path: string): fc.Arbitrary<unknown> {
  const field = layoutOf(struct, path);
  if (field.bitSize === 1) return fc.boolean();
  if (field.bitSize !== undefined && field.bitSize < field.size * 8) return fc.integer({ min: 0, max: 2 ** field.bitSize - 1 });
  switch (field.type) {
    case "u8":
      return fc.integer({ min: 0, max: 0xff });
    case "u16":
      return fc.integer({ min: 0, max: 0xffff });
    case "u32":
      return fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 1, 0xffff_ffff, 0x8000_0000));
    case "s32":
      return fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
    case "u64":
      return fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 63n));
    case "s64":
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case "bytes":
      return fc.uint8Array({ minLength: field.size, maxLength: field.size }).map((bytes) => Buffer.from(bytes).toString("hex"));
    case "string":
      // An array of characters joined: fc.string would spend a second setting up each unit.
      return fc
        .array(nameChar(), { maxLength: field.size })
        .map((chars) => chars.join(""))
        .filter((text) => !text.includes("\0") && encoder.encode(text).length <= field.size);
    default:
      throw new Error(`no arbitrary for ${struct}.${path}: ${field.type}`);
  }
}

/** Whole records of a case: every field of `paths` set, selectors fixed. */
export function arbitraryRecord(c: Case): fc.Arbitrary<Record<string, unknown>> {
  const free = c.paths.filter((path) => !(path in c.selectors));
  return fc.tuple(...free.map((path) => arbitraryOf(c.struct, path))).map((values) => {
    const record: Record<string, unknown> = {};
    for (const path of c.paths) {
      if (path in c.selectors) setPath(record, path, c.selectors[path]);
      else setPath(record, path, values[free.indexOf(path)]);
    }
    return record;
  });
}

/** A record of a case with every field nonzero and distinct bytes, fixed (for the truncation walk). */
export function sampleRecord(c: Case, seed = 42): Record<string, unknown> {
  return fc.sample(arbitraryRecord(c), { seed, numRuns: 1 })[0]!;
}

/** The extent of a case: the end of its last field. */
export function extentOf(c: Case): number {
  return Math.max(...[...c.paths, ...(c.undecided ?? [])].map((path) => end(c.struct, path)));
}

/** Where a field's bytes end. */
export function end(struct: InfoStructName, path: string): number {
  const field = layoutOf(struct, path);
  return field.offset + field.size;
}
