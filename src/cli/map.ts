// `bpftypes map [show|list] [id N | pinned PATH]`: the kernel's maps, as a table or as bpftool's JSON.

import { mapFlags, mapTypes, progTypes } from "bpftypes";
import { mapById, mapByPin, maps, mapsAsText, type MapDetails, type TextPiece } from "bpftypes/node";
import { devJson, member, memberIfSet, parseShow, runShow, showHelp, typeJson, typeNameJson, templateParts, typeSinceJson, typeText, type ShowOptions } from "./inspect.js";
import { toJson, type JsonValue, type Output } from "./output.js";

/** Help text of `bpftypes map`. */
export const MAP_HELP = showHelp(
  "map",
  "id, type, name, flags, dev, bytes_key, bytes_value, max_entries, bytes_memlock,\n  owner_prog_type, owner_jited, frozen, btf_id",
);

/**
 * A map as `bpftool -j map show` prints it: the same keys, order and value types (`flags` is the
 * signed decimal bpftool's `%d` prints, `frozen` a number). Our additions are under `bpftypes`.
 */
export function mapJson(map: MapDetails): JsonValue {
  const info = map.info;
  const flags = info.map_flags ?? 0;
  return {
    id: map.id,
    type: typeJson(mapTypes, info.type),
    name: info.name ? info.name : undefined,
    flags: flags | 0,
    dev: info.ifindex ? devJson(info.ifindex, info.netns_dev, info.netns_ino) : undefined,
    bytes_key: info.key_size ?? 0,
    bytes_value: info.value_size ?? 0,
    max_entries: info.max_entries ?? 0,
    bytes_memlock: map.bytesMemlock,
    owner_prog_type: map.ownerProgType === undefined ? undefined : typeJson(progTypes, map.ownerProgType),
    owner_jited: map.ownerJited,
    frozen: map.frozen ? 1 : 0,
    btf_id: info.btf_id ? info.btf_id : undefined,
    bpftypes: {
      type_name: typeNameJson(mapTypes, info.type),
      type_since: typeSinceJson(mapTypes, info.type),
      ...flagsJson(flags),
      map_extra: info.map_extra ? info.map_extra : undefined,
      btf_key_type_id: info.btf_key_type_id ? info.btf_key_type_id : undefined,
      btf_value_type_id: info.btf_value_type_id ? info.btf_value_type_id : undefined,
      btf_vmlinux_value_type_id: info.btf_vmlinux_value_type_id ? info.btf_vmlinux_value_type_id : undefined,
      absent: info.absent.length > 0 ? info.absent : undefined,
    },
  };
}

/** The extras' members for a map's flags: their names, and the bits no name stands for. */
function flagsJson(flags: number): { readonly flags: string[]; readonly unknown_flags: number | undefined } {
  return { flags: flags === 0 ? [] : mapFlags.members(flags).map((entry) => entry.name), unknown_flags: mapFlags.unknownBits(flags) || undefined };
}

const flagsText = new Map<number, string>();

/** {@link flagsJson}'s members as template text, remembered per flag word (a host has few). */
function flagsMembers(flags: number): string {
  let text = flagsText.get(flags);
  if (text === undefined) flagsText.set(flags, (text = "," + toJson(flagsJson(flags)).slice(1, -1)));
  return text;
}

/**
 * {@link mapJson}'s compact text as a template the kernel prints for each map when a long list is
 * read through a BPF iterator (`mapsAsText`). What only fdinfo says (`bytes_memlock`) and the
 * flag names are filled in by user space; maps it cannot print (program arrays, struct_ops,
 * offloaded) are rendered by mapJson itself; the live tests compare the two for every map.
 */
export function mapJsonTemplate(): TextPiece[] {
  const { head, typeExtras } = templateParts(mapTypes);
  return [
    ...head,
    ...member("flags", { number: "map_flags", signed: true }),
    ...member("bytes_key", { number: "key_size" }),
    ...member("bytes_value", { number: "value_size" }),
    ...member("max_entries", { number: "max_entries" }),
    {
      later: "id",
      fdinfo: ["memlock"],
      format: (_, map) => {
        const memlock = map.fdinfo("memlock");
        return memlock === undefined ? "" : `,"bytes_memlock":${memlock}`;
      },
    },
    ...member("frozen", { number: "frozen" }),
    memberIfSet("btf_id"),
    ',"bpftypes":{',
    typeExtras,
    {
      when: "map_flags",
      then: [{ later: "map_flags", format: (value) => flagsMembers(Number(value)) }],
      // Most maps have no flags: their text is printed whole, with nothing left for user space.
      otherwise: [flagsMembers(0)],
    },
    memberIfSet("map_extra"),
    memberIfSet("btf_key_type_id"),
    memberIfSet("btf_value_type_id"),
    memberIfSet("btf_vmlinux_value_type_id"),
    "}}",
  ];
}

/** Every map as compact JSON items printed by the kernel, or undefined when a walk should read them one by one. */
function mapJsonText(): Iterable<string> | undefined {
  return mapsAsText({ template: mapJsonTemplate(), render: (map) => toJson(mapJson(map)) });
}

function readOne(options: ShowOptions): MapDetails {
  return options.pinned !== undefined ? mapByPin(options.pinned) : mapById(options.id!);
}

/** Prints maps: all of them, or the one with `id`, or the one pinned at `pinned`. */
export async function mapShow(options: ShowOptions, out: Output): Promise<void> {
  runShow(options, out, {
    one: readOne,
    all: () => maps(),
    json: mapJson,
    jsonText: mapJsonText,
    columns: [
      { title: "ID", right: true },
      { title: "TYPE" },
      { title: "NAME" },
      { title: "FLAGS" },
      { title: "KEY", right: true },
      { title: "VALUE", right: true },
      { title: "MAX ENTRIES", right: true },
      { title: "MEMLOCK", right: true },
      { title: "FROZEN" },
      { title: "BTF", right: true },
    ],
    row: (map) => [
      String(map.id),
      typeText(mapTypes, map.info.type),
      map.info.name || "-",
      map.info.map_flags ? mapFlags.format(map.info.map_flags, "short") : "-",
      String(map.info.key_size ?? 0),
      String(map.info.value_size ?? 0),
      String(map.info.max_entries ?? 0),
      map.bytesMemlock === undefined ? "-" : String(map.bytesMemlock),
      map.frozen ? "yes" : "no",
      map.info.btf_id ? String(map.info.btf_id) : "-",
    ],
    detail: (map) => {
      const info = map.info;
      const entry = mapTypes.entry(info.type ?? 0);
      const flags = info.map_flags ?? 0;
      const rows: [string, string][] = [
        ["id", String(map.id)],
        ["type", `${typeText(mapTypes, info.type)}${entry ? ` (${entry.name}, ${entry.since ? `Linux ${entry.since.text}` : "?"})` : ""}`],
        ["name", info.name || "-"],
        ["flags", `0x${flags.toString(16)}${flags ? `  ${mapFlags.format(flags)}` : ""}`],
        ["key", `${info.key_size ?? 0} bytes`],
        ["value", `${info.value_size ?? 0} bytes`],
        ["max entries", String(info.max_entries ?? 0)],
        ["memlock", map.bytesMemlock === undefined ? "-" : `${map.bytesMemlock} bytes`],
        ["frozen", map.frozen ? "yes" : "no"],
        ["btf id", info.btf_id ? `${info.btf_id} (key type ${info.btf_key_type_id ?? 0}, value type ${info.btf_value_type_id ?? 0})` : "-"],
      ];
      if (map.ownerProgType !== undefined) rows.push(["owner", `${typeText(progTypes, map.ownerProgType)} programs${map.ownerJited === undefined ? "" : map.ownerJited ? ", jited" : ", not jited"}`]);
      if (info.map_extra) rows.push(["map extra", `0x${info.map_extra.toString(16)}`]);
      return rows;
    },
  });
}

/** Prints every map (the same as {@link mapShow} with no id or pin). */
export async function mapList(out: Output): Promise<void> {
  await mapShow({}, out);
}

/** Parses `bpftypes map ...` and runs it. */
export async function runMap(argv: readonly string[], out: Output): Promise<void> {
  const parsed = parseShow("map", argv);
  if (parsed.verb === "help") out.line(MAP_HELP);
  else await mapShow(parsed.options, out);
}
