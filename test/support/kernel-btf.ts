// Reads struct and union layouts from a kernel's BTF through bpftool, to check our offsets against the kernel's own.

import { execFileSync } from "node:child_process";

interface RawMember {
  name: string;
  type_id: number;
  bits_offset: number;
}
interface RawType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: RawMember[];
}

/** A field found by flattening a struct or union: anonymous members are looked through. */
export interface BtfField {
  readonly offset: number;
  readonly size: number;
}

/** One member of a union, with its (flattened) fields. */
export interface BtfUnionMember {
  /** The member's name, `"(anon)"` for an anonymous struct or union. */
  readonly name: string;
  readonly size: number;
  readonly fields: ReadonlyMap<string, BtfField>;
}

/** Layout queries over one BTF blob. */
export interface KernelBtf {
  /** `sizeof` of a named struct or union. */
  sizeOf(kind: "STRUCT" | "UNION", name: string): number;
  /** Every field of a named struct, anonymous members flattened, by name. */
  structFields(name: string): ReadonlyMap<string, BtfField>;
  /** Every member of a named union, each with its flattened fields. */
  unionMembers(name: string): BtfUnionMember[];
}

/** Parses `bpftool btf dump file <path> format raw -j` (a raw BTF blob, or /sys/kernel/btf/vmlinux). */
export function loadKernelBtf(path = "/sys/kernel/btf/vmlinux"): KernelBtf {
  const json = execFileSync("bpftool", ["btf", "dump", "file", path, "format", "raw", "-j"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const types = new Map<number, RawType>();
  for (const type of (JSON.parse(json) as { types: RawType[] }).types) types.set(type.id, type);
  const get = (id: number): RawType => {
    const type = types.get(id);
    if (!type) throw new Error(`btf has no type id ${id}`);
    return type;
  };
  const sizeOfId = (id: number): number => {
    let type = get(id);
    while (["TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"].includes(type.kind)) type = get(type.type_id ?? 0);
    if (type.kind === "ARRAY") return (type.nr_elems ?? 0) * sizeOfId(type.type_id ?? 0);
    if (type.kind === "PTR") return 8;
    return type.size ?? 0;
  };
  const named = (kind: string, name: string): RawType => {
    for (const type of types.values()) if (type.kind === kind && type.name === name) return type;
    throw new Error(`btf has no ${kind.toLowerCase()} ${name}`);
  };
  const flatten = (type: RawType, base: number, out: Map<string, BtfField>): Map<string, BtfField> => {
    for (const member of type.members ?? []) {
      const offset = base + member.bits_offset / 8;
      if (member.name === "(anon)" || member.name === "") flatten(get(member.type_id), offset, out);
      else if (!out.has(member.name)) out.set(member.name, { offset, size: sizeOfId(member.type_id) });
    }
    return out;
  };
  return {
    sizeOf: (kind, name) => named(kind, name).size ?? 0,
    structFields: (name) => flatten(named("STRUCT", name), 0, new Map()),
    unionMembers: (name) =>
      (named("UNION", name).members ?? []).map((member) => {
        const type = get(member.type_id);
        return { name: member.name, size: sizeOfId(member.type_id), fields: flatten(type, 0, new Map()) };
      }),
  };
}
