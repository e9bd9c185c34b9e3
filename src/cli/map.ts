// `bpftypes map [show|list] [id N | pinned PATH]`: the kernel's maps, as a table or as bpftool's JSON.

import { mapFlags, mapTypes, progTypes } from "bpftypes";
import { mapById, mapByPin, maps, type MapDetails } from "bpftypes/node";
import { devJson, parseShow, runShow, showHelp, typeJson, typeNameJson, typeSinceJson, typeText, type ShowOptions } from "./inspect.js";
import type { JsonValue, Output } from "./output.js";

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
      flags: flags === 0 ? [] : mapFlags.members(flags).map((entry) => entry.name),
      unknown_flags: mapFlags.unknownBits(flags) || undefined,
      map_extra: info.map_extra ? info.map_extra : undefined,
      btf_key_type_id: info.btf_key_type_id ? info.btf_key_type_id : undefined,
      btf_value_type_id: info.btf_value_type_id ? info.btf_value_type_id : undefined,
      btf_vmlinux_value_type_id: info.btf_vmlinux_value_type_id ? info.btf_vmlinux_value_type_id : undefined,
      absent: info.absent.length > 0 ? info.absent : undefined,
    },
  };
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
