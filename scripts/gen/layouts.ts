// Reads the exact byte layouts of the kernel's info structs from BTF.

import type { Btf, BtfType } from "bpftypes/btf";
import type { ArmLayout, FieldLayout, FieldType, StructLayout } from "../../src/uapi/layout.js";

/** The structs the package decodes, by C name, with the TypeScript name of their layout constant. */
export const structConfigs = [
  { cName: "bpf_prog_info", constName: "bpfProgInfoLayout" },
  { cName: "bpf_map_info", constName: "bpfMapInfoLayout" },
  { cName: "bpf_link_info", constName: "bpfLinkInfoLayout" },
  { cName: "bpf_btf_info", constName: "bpfBtfInfoLayout" },
  { cName: "bpf_func_info", constName: "bpfFuncInfoLayout" },
  { cName: "bpf_line_info", constName: "bpfLineInfoLayout" },
  { cName: "bpf_token_info", constName: "bpfTokenInfoLayout" },
] as const;

/** The layout of a named struct, padding made explicit and its anonymous union split into arms. */
export function structLayout(btf: Btf, cName: string): StructLayout {
  const type = btf.findByName(cName, "struct");
  if (!type || type.kind !== "struct") throw new Error(`pinned BTF: no struct ${cName}`);
  const fields: FieldLayout[] = [];
  let arms: ArmLayout[] | undefined;
  for (const member of type.members) {
    const memberType = btf.type(btf.resolve(member.type));
    const offset = member.bitOffset / 8;
    if (member.name === "" && memberType.kind === "union") {
      if (arms) throw new Error(`${cName}: more than one anonymous union`);
      arms = memberType.members.map((arm) => {
        const armType = btf.type(btf.resolve(arm.type));
        if (arm.name === "" || armType.kind !== "struct") throw new Error(`${cName}: union arm ${arm.name || "(anonymous)"} is not a named struct`);
        const armOffset = offset + arm.bitOffset / 8;
        return { name: arm.name, offset: armOffset, size: armType.size, fields: withPadding(flatten(btf, armType, armOffset, "", undefined), armOffset, armOffset + armType.size) };
      });
      fields.push({ name: "", offset, size: memberType.size, type: "union" });
      continue;
    }
    fields.push(...flattenMember(btf, member, offset * 8, "", undefined));
  }
  const layout: StructLayout = { name: cName, size: type.size, fields: withPadding(fields, 0, type.size) };
  return arms ? { ...layout, arms } : layout;
}

/** Every scalar field of a struct type placed at `base` bytes, nested named structs as dotted paths. */
function flatten(btf: Btf, type: BtfType & { kind: "struct" | "union" }, base: number, prefix: string, variant: string | undefined): FieldLayout[] {
  const out: FieldLayout[] = [];
  for (const member of type.members) {
    const memberType = btf.type(btf.resolve(member.type));
    if (member.name === "" && memberType.kind === "union") {
      // A union nested in an arm: each named alternative is a variant sharing the same bytes.
      for (const alternative of memberType.members) {
        const alternativeType = btf.type(btf.resolve(alternative.type));
        const at = base * 8 + member.bitOffset + alternative.bitOffset;
        if (alternativeType.kind === "struct" || alternativeType.kind === "union") {
          out.push(...flatten(btf, alternativeType, at / 8, `${prefix}${alternative.name}.`, alternative.name));
        } else {
          out.push(...flattenMember(btf, alternative, at, prefix, alternative.name));
        }
      }
      continue;
    }
    out.push(...flattenMember(btf, member, base * 8 + member.bitOffset, prefix, variant));
  }
  return out;
}

function flattenMember(
  btf: Btf,
  member: { name: string; type: number; bitfieldSize: number },
  bitPosition: number,
  prefix: string,
  variant: string | undefined,
): FieldLayout[] {
  const type = btf.type(btf.resolve(member.type));
  const name = member.name === "" ? "" : prefix + member.name;
  const withVariant = (field: FieldLayout): FieldLayout => (variant === undefined ? field : { ...field, variant });
  if (member.bitfieldSize > 0) {
    if (type.kind !== "int" && type.kind !== "enum") throw new Error(`bitfield ${name} is a ${type.kind}`);
    const unit = type.size;
    const offset = Math.floor(bitPosition / (unit * 8)) * unit;
    if (name === "") return [{ name: "", offset, size: unit, type: "pad" }];
    return [withVariant({ name, offset, size: unit, type: intType(unit, false), bitOffset: bitPosition - offset * 8, bitSize: member.bitfieldSize })];
  }
  if (bitPosition % 8 !== 0) throw new Error(`member ${name} is not byte aligned`);
  const offset = bitPosition / 8;
  if ((type.kind === "struct" || type.kind === "union") && name !== "") {
    return flatten(btf, type, offset, `${name}.`, variant);
  }
  const size = btf.sizeof(type.id);
  if (name === "") return [{ name: "", offset, size, type: "pad" }];
  return [withVariant({ name, offset, size, type: scalarType(btf, type, name) })];
}

function scalarType(btf: Btf, type: BtfType, name: string): FieldType {
  if (type.kind === "int") return intType(type.size, type.encoding.signed);
  if (type.kind === "enum" || type.kind === "enum64") return intType(type.size, type.signed);
  if (type.kind === "array") {
    const element = btf.type(btf.resolve(type.elemType));
    // `char` arrays hold NUL-padded text; `__u8` arrays hold raw bytes (the tag).
    if (element.kind === "int" && element.size === 1) return element.encoding.char || element.name === "char" ? "string" : "bytes";
  }
  throw new Error(`field ${name}: cannot lay out a ${type.kind}`);
}

function intType(size: number, signed: boolean): FieldType {
  const bits = size * 8;
  if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) throw new Error(`no ${bits}-bit integer field type`);
  return `${signed ? "s" : "u"}${bits}` as FieldType;
}

/**
 * Sorts fields by offset and fills every hole between `start` and `end` with a `pad` field. Several
 * bitfields may share a storage unit; a field already covering a range is not padded again.
 */
function withPadding(fields: readonly FieldLayout[], start: number, end: number): FieldLayout[] {
  const sorted = [...fields].sort((a, b) => a.offset - b.offset);
  const out: FieldLayout[] = [];
  let covered = start;
  for (const field of sorted) {
    if (field.type === "pad" && field.offset < covered) continue;
    if (field.offset > covered) out.push({ name: "", offset: covered, size: field.offset - covered, type: "pad" });
    out.push(field);
    covered = Math.max(covered, field.offset + field.size);
  }
  if (covered < end) out.push({ name: "", offset: covered, size: end - covered, type: "pad" });
  return out;
}
