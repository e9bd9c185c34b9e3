// `bpftypes check [--btf PATH]`: compares the library's tables and struct layouts with a kernel's BTF; the exit code says whether they agree.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { infoLayouts } from "bpftypes/codec";
import { parseBtf, type Btf, type BtfType } from "bpftypes/btf";
import { valueSets, type StructLayout, type ValueSet } from "bpftypes";
import { parseCommandLine } from "./args.js";
import { CommandError, EXIT_CODES_HELP, ExitCode, UsageError } from "./errors.js";
import { VMLINUX_BTF_PATH } from "./kernel-names.js";
import type { Output } from "./output.js";

/** Help text of `bpftypes check`. */
export const CHECK_HELP = `Usage: bpftypes check [--btf PATH] [--json|--pretty]

Compares the library's tables (Linux 7.1) with a kernel's BTF: every enum and flag set value by
value, and the byte layout of every info struct field by field. Lists what the kernel has that the
library lacks, and what differs. Values and fields the library has but the kernel lacks (a kernel
older than 7.1) are listed too, but are not disagreement.

Flags the kernel defines with #define (most program-load and attach flags, the log levels) are not
in BTF; those are checked only where BTF has them.

Options:
  --btf PATH     the BTF to compare with (raw BTF, or gzip-compressed raw BTF):
                 default ${VMLINUX_BTF_PATH}, the running kernel's
  -j, --json     print JSON: {"btf", "agree", "sets": [...], "structs": [...]}
  -p, --pretty   print indented JSON
  -h, --help     show this help

Exit status: 0 the kernel and the library agree, 1 they differ (or the BTF cannot be read), 2 bad usage.
(${EXIT_CODES_HELP})`;

/** A value the kernel has and the library lacks, or one whose value differs. */
export interface ValueDrift {
  /** The kernel name of the value. */
  readonly name: string;
  /** The library's value, `null` when the library lacks the name. */
  readonly library: number | null;
  /** The kernel's value. */
  readonly kernel: number;
}

/** How one enum or flag set compares. */
export interface SetReport {
  /** The set's id (`map`, `map-flags` ...). */
  readonly kind: string;
  /** The C type of the set (`bpf_map_type`), or its descriptive name for flag sets (`map_flags`). */
  readonly cType: string;
  /** Where the kernel keeps it: `enum bpf_map_type`, `an anonymous enum`, `enumerators by name`, or `not in BTF`. */
  readonly source: string;
  /** Names compared and found equal. */
  readonly agree: number;
  /** In the kernel, not in the library. */
  readonly missingInLibrary: readonly ValueDrift[];
  /** In both, with different values. */
  readonly differ: readonly ValueDrift[];
  /** In the library, not in the kernel (a kernel older than the tables). */
  readonly missingInKernel: readonly string[];
  /** Library names the BTF cannot say anything about (#defines). */
  readonly notInBtf: readonly string[];
}

/** A field's place: byte offset and size, with bit position and width for bitfields. */
export interface FieldPlace {
  /** Byte offset from the start of the struct (of the storage unit, for a bitfield). */
  readonly offset: number;
  /** Bytes (of the storage unit, for a bitfield). */
  readonly size: number;
  /** For a bitfield: its first bit inside the unit. */
  readonly bitOffset?: number;
  /** For a bitfield: how many bits it has. */
  readonly bitSize?: number;
}

/** A field the kernel has that the library lacks, or one that sits elsewhere. */
export interface FieldDrift {
  /** The field's dotted path (`map_ids`, `perf_event.kprobe.addr`). */
  readonly field: string;
  /** Where the library has it, `null` when the library lacks it. */
  readonly library: FieldPlace | null;
  /** Where the kernel has it. */
  readonly kernel: FieldPlace;
}

/** How one struct layout compares. */
export interface StructReport {
  /** The C struct name. */
  readonly struct: string;
  /** `sizeof` the struct in the library's layout. */
  readonly librarySize: number;
  /** `null` when the kernel has no such struct (older than the struct). */
  readonly kernelSize: number | null;
  /** Fields compared and found at the same place. */
  readonly agree: number;
  /** Fields the kernel has and the library lacks. */
  readonly missingInLibrary: readonly FieldDrift[];
  /** Fields both have, at different places. */
  readonly differ: readonly FieldDrift[];
  /** Fields the library has and the kernel lacks (a kernel older than the layouts). */
  readonly missingInKernel: readonly string[];
}

/** The whole comparison. */
export interface CheckReport {
  /** Where the BTF came from. */
  readonly btf: string;
  /** True when nothing is missing from the library and nothing differs. */
  readonly agree: boolean;
  /** One report per enum or flag set. */
  readonly sets: readonly SetReport[];
  /** One report per struct layout. */
  readonly structs: readonly StructReport[];
}

/** The structs compared, as the library lays them out. */
const LAYOUTS: readonly StructLayout[] = Object.values(infoLayouts);

/** Flag sets whose every value lives in one (anonymous) enum, found by its first name. */
const WHOLE_ENUM_FLAGS: ReadonlySet<string> = new Set(["map-flags"]);

function enumValues(type: BtfType): Map<string, number> {
  const out = new Map<string, number>();
  if (type.kind !== "enum" && type.kind !== "enum64") return out;
  for (const value of type.values) {
    // `__MAX_BPF_MAP_TYPE` and the like are counts, not values.
    if (!value.name.startsWith("__")) out.set(value.name, Number(value.value));
  }
  return out;
}

/** Compares one set with the kernel's BTF. */
export function compareSet(set: ValueSet, btf: Btf): SetReport {
  const library = new Map(set.entries.map((entry) => [entry.name, entry.value]));
  let kernel: Map<string, number> | undefined;
  let source: string;
  if (set.kind === "enum") {
    const type = btf.findByName(set.cName, "enum") ?? btf.findByName(set.cName, "enum64");
    kernel = type ? enumValues(type) : undefined;
    source = type ? `enum ${set.cName}` : "not in BTF";
  } else if (WHOLE_ENUM_FLAGS.has(set.id)) {
    const first = set.entries[0];
    const type = first ? btf.findEnumWithValue(first.name) : undefined;
    kernel = type ? enumValues(type) : undefined;
    source = type ? (type.name ? `enum ${type.name}` : "an anonymous enum") : "not in BTF";
  } else {
    source = "enumerators by name";
  }
  const missingInLibrary: ValueDrift[] = [];
  const differ: ValueDrift[] = [];
  const missingInKernel: string[] = [];
  const notInBtf: string[] = [];
  let agree = 0;
  if (kernel) {
    for (const [name, value] of kernel) {
      const ours = library.get(name);
      if (ours === undefined) missingInLibrary.push({ name, library: null, kernel: value });
      else if (ours !== value) differ.push({ name, library: ours, kernel: value });
      else agree++;
    }
    for (const name of library.keys()) if (!kernel.has(name)) missingInKernel.push(name);
  } else if (source === "enumerators by name") {
    for (const [name, value] of library) {
      const type = btf.findEnumWithValue(name);
      const found = type ? enumValues(type).get(name) : undefined;
      if (found === undefined) notInBtf.push(name);
      else if (found !== value) differ.push({ name, library: value, kernel: found });
      else agree++;
    }
  } else {
    missingInKernel.push(...library.keys());
  }
  return { kind: set.id, cType: set.cName, source, agree, missingInLibrary, differ, missingInKernel, notInBtf };
}

/** Every named scalar field of a BTF struct by dotted path (union arms and nested structs as in the library's layouts). */
function kernelFields(btf: Btf, type: BtfType & { kind: "struct" | "union" }, baseBits: number, prefix: string, out: Map<string, FieldPlace>, top: boolean): Map<string, FieldPlace> {
  for (const member of type.members) {
    const resolved = btf.type(btf.resolve(member.type));
    const bits = baseBits + member.bitOffset;
    if (resolved.kind === "struct" || resolved.kind === "union") {
      if (member.name === "") {
        // An anonymous union at the top holds the arms; deeper ones hold variants: both add no name.
        kernelFields(btf, resolved, bits, prefix, out, top && resolved.kind === "union" ? false : top);
      } else {
        kernelFields(btf, resolved, bits, `${prefix}${member.name}.`, out, false);
      }
      continue;
    }
    if (member.name === "") continue;
    let bitSize = member.bitfieldSize;
    if (bitSize === 0 && resolved.kind === "int" && resolved.bits < resolved.size * 8) bitSize = resolved.bits;
    if (bitSize > 0) {
      const unit = resolved.kind === "int" || resolved.kind === "enum" ? resolved.size : 4;
      const offset = Math.floor(bits / (unit * 8)) * unit;
      out.set(prefix + member.name, { offset, size: unit, bitOffset: bits - offset * 8, bitSize });
    } else {
      out.set(prefix + member.name, { offset: bits / 8, size: btf.sizeof(resolved.id) });
    }
  }
  return out;
}

/** Every named field of a library layout by dotted path. */
function libraryFields(layout: StructLayout): Map<string, FieldPlace> {
  const out = new Map<string, FieldPlace>();
  const add = (name: string, field: StructLayout["fields"][number]): void => {
    out.set(name, field.bitSize === undefined ? { offset: field.offset, size: field.size } : { offset: field.offset, size: field.size, bitOffset: field.bitOffset ?? 0, bitSize: field.bitSize });
  };
  for (const field of layout.fields) if (field.name !== "" && field.type !== "pad" && field.type !== "union") add(field.name, field);
  for (const arm of layout.arms ?? []) for (const field of arm.fields) if (field.name !== "" && field.type !== "pad") add(`${arm.name}.${field.name}`, field);
  return out;
}

function samePlace(a: FieldPlace, b: FieldPlace): boolean {
  return a.offset === b.offset && a.size === b.size && (a.bitOffset ?? 0) === (b.bitOffset ?? 0) && (a.bitSize ?? a.size * 8) === (b.bitSize ?? b.size * 8);
}

/** Compares one struct layout with the kernel's BTF. */
export function compareStruct(layout: StructLayout, btf: Btf): StructReport {
  const type = btf.findByName(layout.name, "struct");
  const ours = libraryFields(layout);
  if (!type) return { struct: layout.name, librarySize: layout.size, kernelSize: null, agree: 0, missingInLibrary: [], differ: [], missingInKernel: [...ours.keys()] };
  const theirs = kernelFields(btf, type, 0, "", new Map(), true);
  const missingInLibrary: FieldDrift[] = [];
  const differ: FieldDrift[] = [];
  let agree = 0;
  for (const [field, place] of theirs) {
    const mine = ours.get(field);
    if (!mine) missingInLibrary.push({ field, library: null, kernel: place });
    else if (!samePlace(mine, place)) differ.push({ field, library: mine, kernel: place });
    else agree++;
  }
  const missingInKernel = [...ours.keys()].filter((field) => !theirs.has(field));
  return { struct: layout.name, librarySize: layout.size, kernelSize: type.size, agree, missingInLibrary, differ, missingInKernel };
}

/** Compares every set and struct with a parsed BTF. */
export function compareWithBtf(btf: Btf, source: string): CheckReport {
  const sets = Object.values(valueSets).map((set) => compareSet(set, btf));
  const structs = LAYOUTS.map((layout) => compareStruct(layout, btf));
  const agree = sets.every((s) => s.missingInLibrary.length === 0 && s.differ.length === 0) && structs.every((s) => s.missingInLibrary.length === 0 && s.differ.length === 0);
  return { btf: source, agree, sets, structs };
}

/** Reads raw BTF from a file, gunzipping it when it is gzip-compressed. */
function readBtf(path: string): Btf {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    const hint = path === VMLINUX_BTF_PATH ? "this kernel publishes no BTF (CONFIG_DEBUG_INFO_BTF); give one with --btf PATH" : "check the path";
    throw new CommandError(`check: cannot read ${path}: ${why}`, hint, { cause: error });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // zlib is loaded only here: every other command would pay for it at start-up.
    const zlib = createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
    bytes = new Uint8Array(zlib.gunzipSync(bytes));
  }
  try {
    return parseBtf(bytes);
  } catch (error) {
    throw new CommandError(`check: ${path} is not raw BTF: ${(error as Error).message}`, "give a raw BTF file such as /sys/kernel/btf/vmlinux", { cause: error });
  }
}

function place(p: FieldPlace): string {
  return p.bitSize !== undefined ? `bits ${p.offset * 8 + (p.bitOffset ?? 0)}+${p.bitSize}` : `offset ${p.offset}, ${p.size} bytes`;
}

/** Options of {@link check}. */
export interface CheckOptions {
  /** The BTF file to compare with; the running kernel's by default. */
  readonly btf?: string;
}

/** Compares the library with a kernel's BTF and prints the differences; returns 0 when they agree, 1 when not. */
export async function check(options: CheckOptions, out: Output): Promise<number> {
  const path = options.btf ?? VMLINUX_BTF_PATH;
  const report = compareWithBtf(readBtf(path), path);
  if (out.json) {
    out.printJson({
      btf: report.btf,
      agree: report.agree,
      sets: report.sets.map((s) => ({
        kind: s.kind,
        c_type: s.cType,
        source: s.source,
        agree: s.agree,
        missing_in_library: s.missingInLibrary.map((d) => ({ name: d.name, kernel: d.kernel })),
        differ: s.differ.map((d) => ({ name: d.name, library: d.library, kernel: d.kernel })),
        missing_in_kernel: s.missingInKernel,
        not_in_btf: s.notInBtf,
      })),
      structs: report.structs.map((s) => ({
        struct: s.struct,
        library_size: s.librarySize,
        kernel_size: s.kernelSize,
        agree: s.agree,
        missing_in_library: s.missingInLibrary.map((d) => ({ field: d.field, kernel: { ...d.kernel } })),
        differ: s.differ.map((d) => ({ field: d.field, library: d.library ? { ...d.library } : null, kernel: { ...d.kernel } })),
        missing_in_kernel: s.missingInKernel,
      })),
    });
    return report.agree ? ExitCode.OK : ExitCode.FAILED;
  }
  out.line(`Comparing the library's Linux 7.1 tables and layouts with ${path}`);
  out.line();
  const bad = (text: string): string => out.style("red", text);
  const note = (text: string): string => out.style("dim", text);
  for (const s of report.sets) {
    const head = `${s.kind.padEnd(13)} ${s.source === "not in BTF" ? note("not in this BTF") : `${s.agree} agree`}`;
    const parts = [head];
    if (s.missingInLibrary.length) parts.push(bad(`${s.missingInLibrary.length} missing from the library`));
    if (s.differ.length) parts.push(bad(`${s.differ.length} differ`));
    if (s.missingInKernel.length && s.source !== "not in BTF") parts.push(note(`${s.missingInKernel.length} newer than this kernel`));
    if (s.notInBtf.length) parts.push(note(`${s.notInBtf.length} #defines not in BTF`));
    out.line(parts.join(", "));
    for (const d of s.missingInLibrary) out.line(`  ${bad("+")} ${d.name} = ${d.kernel}  (the kernel has it, the library does not)`);
    for (const d of s.differ) out.line(`  ${bad("!")} ${d.name}: library ${d.library}, kernel ${d.kernel}`);
    if (s.missingInKernel.length && s.source !== "not in BTF") out.line(note(`  - ${s.missingInKernel.join(", ")}`));
  }
  out.line();
  for (const s of report.structs) {
    if (s.kernelSize === null) {
      out.line(`${`struct ${s.struct}`.padEnd(28)} ${note(`not in this BTF (newer than this kernel)`)}`);
      continue;
    }
    const parts = [`${`struct ${s.struct}`.padEnd(28)} ${s.agree} fields agree, ${s.kernelSize} bytes here, ${s.librarySize} in the library`];
    if (s.missingInLibrary.length) parts.push(bad(`${s.missingInLibrary.length} missing from the library`));
    if (s.differ.length) parts.push(bad(`${s.differ.length} differ`));
    if (s.missingInKernel.length) parts.push(note(`${s.missingInKernel.length} newer than this kernel`));
    out.line(parts.join(", "));
    for (const d of s.missingInLibrary) out.line(`  ${bad("+")} ${d.field} at ${place(d.kernel)}  (the kernel has it, the library does not)`);
    for (const d of s.differ) out.line(`  ${bad("!")} ${d.field}: library ${d.library ? place(d.library) : "-"}, kernel ${place(d.kernel)}`);
    if (s.missingInKernel.length) out.line(note(`  - ${s.missingInKernel.join(", ")}`));
  }
  out.line();
  out.line(report.agree ? out.style("green", "The kernel and the library agree.") : bad("The kernel and the library differ: see the lines marked + and ! above."));
  return report.agree ? ExitCode.OK : ExitCode.FAILED;
}

/** Parses `bpftypes check ...` and runs it. */
export async function runCheck(argv: readonly string[], out: Output): Promise<number> {
  const { positionals, values, global } = parseCommandLine("check", argv, { btf: { type: "string" } });
  if (global.help || positionals[0] === "help") {
    out.line(CHECK_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 0) throw new UsageError(`check: unexpected "${positionals[0]}"`, "use bpftypes check [--btf PATH]");
  if (values.btf === "") throw new UsageError("check: --btf needs a path", "for example: --btf /sys/kernel/btf/vmlinux");
  return check(values.btf === undefined ? {} : { btf: values.btf }, out);
}
