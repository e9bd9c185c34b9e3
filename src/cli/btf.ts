// `bpftypes btf [show|list] [id N | pinned PATH]`: the kernel's BTF objects and which programs and maps use them.

import { btfById, btfObjects, btfUsers, type BtfDetails, type BtfUsers } from "bpftypes/node";
import { idList, parseShow, runShow, showHelp, type ShowOptions } from "./inspect.js";
import { UsageError } from "./errors.js";
import type { JsonValue, Output } from "./output.js";

/** Help text of `bpftypes btf`. */
export const BTF_HELP = showHelp("btf", "id, size, prog_ids, map_ids, kernel, name", false);

/**
 * The ids of the programs or maps using one BTF object, in bpftool's order: it files them in a hash
 * table whose buckets put the newest entry first, so they come out largest id first.
 */
function usersOf(table: ReadonlyMap<number, readonly number[]>, id: number): number[] {
  return [...(table.get(id) ?? [])].reverse();
}

/**
 * A BTF object as `bpftool -j btf show` prints it: `id`, `size`, `prog_ids` and `map_ids` (the
 * programs and maps loaded with it), `kernel`, and `name` when it has one.
 */
export function btfJson(btf: BtfDetails, users: BtfUsers): JsonValue {
  return {
    id: btf.id,
    size: btf.size,
    prog_ids: usersOf(users.progs, btf.id),
    map_ids: usersOf(users.maps, btf.id),
    kernel: btf.kernel,
    name: btf.name !== "" ? btf.name : undefined,
    bpftypes: btf.info.absent.length > 0 ? { absent: btf.info.absent } : undefined,
  };
}

/** Prints BTF objects: all of them, or the one with `id` (BTF objects cannot be pinned). */
export async function btfShow(options: ShowOptions, out: Output): Promise<void> {
  // Which programs and maps use which BTF takes a walk over all of them: done once, and only when needed.
  let users: BtfUsers | undefined;
  const usersNow = (): BtfUsers => (users ??= btfUsers());
  runShow(options, out, {
    one: (opts) => btfById(opts.id!),
    all: () => btfObjects(),
    json: (btf) => btfJson(btf, usersNow()),
    columns: [{ title: "ID", right: true }, { title: "NAME" }, { title: "SIZE", right: true }, { title: "KERNEL" }, { title: "PROGS" }, { title: "MAPS" }],
    row: (btf) => [
      String(btf.id),
      btf.kernel ? `[${btf.name || "vmlinux"}]` : btf.name || "-",
      String(btf.size),
      btf.kernel ? "yes" : "no",
      idList(usersOf(usersNow().progs, btf.id)),
      idList(usersOf(usersNow().maps, btf.id)),
    ],
    detail: (btf) => [
      ["id", String(btf.id)],
      ["name", btf.name || "-"],
      ["size", `${btf.size} bytes`],
      ["kernel", btf.kernel ? "yes (vmlinux or a module)" : "no (loaded by user space)"],
      ["prog ids", idList(usersOf(usersNow().progs, btf.id))],
      ["map ids", idList(usersOf(usersNow().maps, btf.id))],
    ],
  });
}

/** Prints every BTF object (the same as {@link btfShow} with no id or pin). */
export async function btfList(out: Output): Promise<void> {
  await btfShow({}, out);
}

/** Parses `bpftypes btf ...` and runs it. */
export async function runBtf(argv: readonly string[], out: Output): Promise<void> {
  const parsed = parseShow("btf", argv);
  if (parsed.options.pinned !== undefined) throw new UsageError("btf: BTF objects cannot be pinned", "use bpftypes btf show id ID");
  if (parsed.verb === "help") out.line(BTF_HELP);
  else await btfShow(parsed.options, out);
}
