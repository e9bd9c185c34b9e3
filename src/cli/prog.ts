// `bpftypes prog [show|list] [id N | pinned PATH]`: the kernel's programs, as a table or as bpftool's JSON.

import { progTypes } from "bpftypes";
import { bootNsToEpochNs, programById, programByPin, programs, programsAsText, type ProgramDetails, type TextPiece } from "bpftypes/node";
import { devJson, idList, localTime, member, memberIfSet, parseShow, runShow, showHelp, typeJson, typeNameJson, templateParts, typeSinceJson, typeText, type ShowOptions } from "./inspect.js";
import { toJson, type JsonValue, type Output } from "./output.js";

/** Help text of `bpftypes prog`. */
export const PROG_HELP = showHelp(
  "prog",
  "id, type, name, tag, gpl_compatible, run_time_ns, run_cnt, recursion_misses, dev, loaded_at,\n  uid, orphaned, bytes_xlated, jited, bytes_jited, bytes_memlock, map_ids, btf_id",
);

/**
 * A program as `bpftool -j prog show` prints it: the same keys, in the same order, with the same
 * value types; counters that are zero and facts the kernel did not give are left out as bpftool
 * leaves them out. Our additions are under `bpftypes`.
 */
export function progJson(prog: ProgramDetails): JsonValue {
  const info = prog.info;
  // One object literal with every key (undefined ones are not written): a fixed shape the engine
  // builds fast, and bpftool's key order.
  const ran = info.run_time_ns ? true : false;
  const loaded = info.load_time !== undefined && info.load_time !== 0n && prog.loadedAt !== undefined;
  // Whole seconds and milliseconds of one exact instant, as the kernel prints them (see PROG_JSON_TEMPLATE).
  const loadedNs = loaded ? bootNsToEpochNs(info.load_time!) : 0n;
  return {
    id: prog.id,
    type: typeJson(progTypes, info.type),
    name: info.name ? prog.name : undefined,
    tag: info.tag ?? "0000000000000000",
    gpl_compatible: info.gpl_compatible ?? false,
    run_time_ns: ran ? info.run_time_ns : undefined,
    run_cnt: ran ? (info.run_cnt ?? 0n) : undefined,
    recursion_misses: info.recursion_misses ? info.recursion_misses : undefined,
    dev: info.ifindex ? devJson(info.ifindex, info.netns_dev, info.netns_ino) : undefined,
    loaded_at: loaded ? Number(loadedNs / 1_000_000_000n) : undefined,
    uid: loaded ? (info.created_by_uid ?? 0) : undefined,
    orphaned: prog.orphaned,
    bytes_xlated: info.xlated_prog_len ?? 0,
    jited: (info.jited_prog_len ?? 0) > 0,
    bytes_jited: info.jited_prog_len ? info.jited_prog_len : undefined,
    bytes_memlock: prog.bytesMemlock,
    map_ids: prog.mapIds.length > 0 ? prog.mapIds : undefined,
    btf_id: info.btf_id ? info.btf_id : undefined,
    bpftypes: {
      type_name: typeNameJson(progTypes, info.type),
      type_since: typeSinceJson(progTypes, info.type),
      // Whole milliseconds since the epoch: finer than bpftool's seconds.
      loaded_at_ms: loaded ? Number(loadedNs / 1_000_000n) : undefined,
      verified_insns: info.verified_insns,
      attach_btf_obj_id: info.attach_btf_obj_id ? info.attach_btf_obj_id : undefined,
      attach_btf_id: info.attach_btf_id ? info.attach_btf_id : undefined,
      short_name: info.name !== undefined && info.name !== prog.name ? info.name : undefined,
      absent: info.absent.length > 0 ? info.absent : undefined,
    },
  };
}

/** Keys of a program's JSON that count runs and may grow between two reads. */
export const PROG_COUNTERS = ["run_time_ns", "run_cnt", "recursion_misses"];

/**
 * {@link progJson}'s compact text as a template the kernel prints for each program when a long list
 * is read through a BPF iterator (`programsAsText`). Objects it cannot print (offloaded, cut names)
 * are rendered by progJson itself, and the walk checks the kernel's text for the first program
 * against progJson's; the live tests compare the two for every program.
 */
export function progJsonTemplate(): TextPiece[] {
  const { head, typeExtras } = templateParts(progTypes);
  return [
    ...head,
    ',"tag":"',
    { hex: "tag" },
    '"',
    ...member("gpl_compatible", { pick: "gpl_compatible", texts: ["false", "true"] }),
    { when: "run_time_ns", then: [...member("run_time_ns", { number: "run_time_ns" }), ...member("run_cnt", { number: "run_cnt" })] },
    memberIfSet("recursion_misses"),
    { when: "load_time", then: [...member("loaded_at", { number: "loaded_at" }), ...member("uid", { number: "created_by_uid" })] },
    ',"orphaned":false',
    ...member("bytes_xlated", { number: "xlated_prog_len" }),
    { when: "jited_prog_len", then: [',"jited":true', ...member("bytes_jited", { number: "jited_prog_len" })], otherwise: [',"jited":false'] },
    ...member("bytes_memlock", { number: "bytes_memlock" }),
    { when: "nr_map_ids", then: [',"map_ids":[', { list: "map_ids" }, "]"] },
    memberIfSet("btf_id"),
    ',"bpftypes":{',
    typeExtras,
    { when: "load_time", then: member("loaded_at_ms", { number: "loaded_at_ms" }) },
    ...member("verified_insns", { number: "verified_insns" }),
    memberIfSet("attach_btf_obj_id"),
    memberIfSet("attach_btf_id"),
    "}}",
  ];
}

/** Every program as compact JSON items printed by the kernel, or undefined when a walk should read them one by one. */
function progJsonText(): Iterable<string> | undefined {
  return programsAsText({ template: progJsonTemplate(), render: (prog) => toJson(progJson(prog)), counters: PROG_COUNTERS });
}

function readOne(options: ShowOptions): ProgramDetails {
  return options.pinned !== undefined ? programByPin(options.pinned) : programById(options.id!);
}

/** Prints programs: all of them, or the one with `id`, or the one pinned at `pinned`. */
export async function progShow(options: ShowOptions, out: Output): Promise<void> {
  runShow(options, out, {
    one: readOne,
    all: () => programs(),
    json: progJson,
    jsonText: progJsonText,
    columns: [
      { title: "ID", right: true },
      { title: "TYPE" },
      { title: "NAME" },
      { title: "TAG" },
      { title: "GPL" },
      { title: "LOADED AT" },
      { title: "UID", right: true },
      { title: "XLATED", right: true },
      { title: "JITED", right: true },
      { title: "MEMLOCK", right: true },
      { title: "MAPS" },
      { title: "BTF", right: true },
    ],
    row: (prog) => [
      String(prog.id),
      typeText(progTypes, prog.info.type),
      prog.name || "-",
      prog.info.tag ?? "-",
      prog.info.gpl_compatible ? "yes" : "no",
      prog.loadedAt === undefined ? "-" : localTime(prog.loadedAt),
      prog.loadedAt === undefined ? "-" : String(prog.info.created_by_uid ?? "-"),
      String(prog.info.xlated_prog_len ?? 0),
      prog.info.jited_prog_len ? String(prog.info.jited_prog_len) : "-",
      prog.bytesMemlock === undefined ? "-" : String(prog.bytesMemlock),
      idList(prog.mapIds),
      prog.info.btf_id ? String(prog.info.btf_id) : "-",
    ],
    detail: (prog) => {
      const info = prog.info;
      const entry = progTypes.entry(info.type ?? 0);
      const rows: [string, string][] = [
        ["id", String(prog.id)],
        ["type", `${typeText(progTypes, info.type)}${entry ? ` (${entry.name}, ${entry.since ? `Linux ${entry.since.text}` : "?"})` : ""}`],
        ["name", prog.name || "-"],
        ["tag", info.tag ?? "-"],
        ["gpl compatible", info.gpl_compatible ? "yes" : "no"],
        ["loaded at", prog.loadedAt === undefined ? "-" : `${localTime(prog.loadedAt)}  uid ${info.created_by_uid ?? "?"}`],
        ["xlated", `${info.xlated_prog_len ?? 0} bytes`],
        ["jited", info.jited_prog_len ? `${info.jited_prog_len} bytes` : "no"],
        ["memlock", prog.bytesMemlock === undefined ? "-" : `${prog.bytesMemlock} bytes`],
        ["map ids", idList(prog.mapIds)],
        ["btf id", info.btf_id ? String(info.btf_id) : "-"],
      ];
      if (info.run_time_ns) rows.push(["run time", `${info.run_time_ns} ns in ${info.run_cnt ?? 0n} runs`]);
      if (info.recursion_misses) rows.push(["recursion misses", String(info.recursion_misses)]);
      if (info.verified_insns !== undefined) rows.push(["verified insns", String(info.verified_insns)]);
      if (info.attach_btf_obj_id) rows.push(["attach btf", `object ${info.attach_btf_obj_id}, type ${info.attach_btf_id ?? 0}`]);
      if (prog.orphaned) rows.push(["orphaned", "yes: its device is gone"]);
      return rows;
    },
  });
}

/** Prints every program (the same as {@link progShow} with no id or pin). */
export async function progList(out: Output): Promise<void> {
  await progShow({}, out);
}

/** Parses `bpftypes prog ...` and runs it. */
export async function runProg(argv: readonly string[], out: Output): Promise<void> {
  const parsed = parseShow("prog", argv);
  if (parsed.verb === "help") out.line(PROG_HELP);
  else await progShow(parsed.options, out);
}
