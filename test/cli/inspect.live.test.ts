// prog, map, link and btf list/show against the real kernel: our JSON equals `bpftool -j ... show` field by field on objects this test makes.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pinObject } from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { mountBpffs, type TempBpffs } from "../support/bpffs.js";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { idOf } from "../support/objects.js";
import { createLiveObjects, LONG_NAME, type LiveObjects } from "./live-objects.js";
import { capture, cli, runBin, runMain } from "./support.js";

checkFdLeaks();

type Json = Record<string, unknown>;

/** Keys bpftool prints that we do not: `pids` (processes holding the object, found by a BPF iterator) and `pinned` (-f only). */
const BPFTOOL_ONLY = new Set(["pids", "pinned", "metadata"]);

/** Asserts every key both print is equal (loaded_at within a second) and that we print every key bpftool does. */
function assertMatchesBpftool(ours: Json, theirs: Json, what: string): void {
  for (const [key, value] of Object.entries(theirs)) {
    if (BPFTOOL_ONLY.has(key)) continue;
    assert.ok(key in ours, `${what}: bpftool prints ${key}, we do not\nours: ${JSON.stringify(ours)}\nbpftool: ${JSON.stringify(theirs)}`);
    if (key === "loaded_at") {
      assert.equal(typeof ours[key], "number", what);
      assert.ok(Math.abs((ours[key] as number) - (value as number)) <= 1, `${what}: loaded_at ${String(ours[key])} vs ${String(value)}`);
      continue;
    }
    assert.deepEqual(ours[key], value, `${what}: ${key}\nours: ${JSON.stringify(ours)}\nbpftool: ${JSON.stringify(theirs)}`);
  }
}

/** Our list of one kind, through the command function, as parsed JSON. */
async function ourList(kind: "prog" | "map" | "link" | "btf"): Promise<Json[]> {
  const c = capture({ json: true });
  const show = { prog: cli.prog.progShow, map: cli.map.mapShow, link: cli.link.linkShow, btf: cli.btf.btfShow }[kind];
  await show({}, c.out);
  const parsed = c.json();
  assert.ok(Array.isArray(parsed), `${kind} list has an array root`);
  return parsed as Json[];
}

function byId(list: readonly Json[]): Map<number, Json> {
  return new Map(list.map((item) => [item["id"] as number, item]));
}

describe("inspection commands against bpftool", { skip: liveSkip || (haveBpftool ? false : "bpftool is not installed") }, () => {
  let objects: LiveObjects | undefined;
  let bpffs: TempBpffs | undefined;
  before(() => {
    objects = createLiveObjects();
    bpffs = mountBpffs();
  });
  after(() => {
    objects?.dispose();
    bpffs?.dispose();
  });
  const live = (): LiveObjects => objects!;

  test("map list: every map we made, field by field", async () => {
    const ours = byId(await ourList("map"));
    const theirs = byId(bpftoolJson("map", "show") as Json[]);
    for (const made of live().maps) {
      const mine = ours.get(made.id);
      const bpftool = theirs.get(made.id);
      assert.ok(mine && bpftool, `map ${made.name} in both lists`);
      assertMatchesBpftool(mine, bpftool, `map ${made.name || "(no name)"}`);
    }
    const frozen = ours.get(live().frozen.id)!;
    assert.equal(frozen["frozen"], 1);
    const owned = ours.get(live().progArray.id)!;
    assert.equal(owned["owner_prog_type"], "socket_filter");
    assert.equal(typeof owned["owner_jited"], "boolean");
    assert.deepEqual((ours.get(live().maps[0]!.id)!["bpftypes"] as Json)["flags"], ["BPF_F_NO_PREALLOC"]);
    assert.equal((ours.get(live().maps[0]!.id)!["bpftypes"] as Json)["type_name"], "BPF_MAP_TYPE_HASH");
  });

  test("prog list: every program we made, field by field, the cut name in full", async () => {
    const ours = byId(await ourList("prog"));
    const theirs = byId(bpftoolJson("prog", "show") as Json[]);
    for (const id of live().progIds) {
      const mine = ours.get(id);
      const bpftool = theirs.get(id);
      assert.ok(mine && bpftool, `program ${id} in both lists`);
      assertMatchesBpftool(mine, bpftool, `program ${id}`);
    }
    assert.equal(ours.get(idOf(live().longName))!["name"], LONG_NAME);
    assert.deepEqual([...(ours.get(idOf(live().mapUser))!["map_ids"] as number[])].sort(), [live().progArray.id, live().maps[0]!.id].sort());
    assert.equal(ours.get(idOf(live().longName))!["btf_id"], idOf(live().btf));
  });

  test("link list: the XDP link, field by field", async (t) => {
    if (!live().link) return t.skip("no test netns here");
    const id = idOf(live().link!);
    const mine = byId(await ourList("link")).get(id);
    const bpftool = byId(bpftoolJson("link", "show") as Json[]).get(id);
    assert.ok(mine && bpftool);
    assertMatchesBpftool(mine, bpftool, "xdp link");
    assert.equal(mine["type"], "xdp");
    assert.equal(mine["prog_id"], idOf(live().xdp));
    assert.equal(mine["ifindex"], live().netns!.ifindex);
    assert.equal(typeof mine["devname"], "string");
  });

  test("btf list: vmlinux and our BTF with the programs and maps using it, in bpftool's order", async () => {
    const ours = byId(await ourList("btf"));
    const theirs = byId(bpftoolJson("btf", "show") as Json[]);
    const id = idOf(live().btf);
    assertMatchesBpftool(ours.get(id)!, theirs.get(id)!, "our btf");
    assert.deepEqual(ours.get(id)!["prog_ids"], [idOf(live().longName)]);
    assert.deepEqual(ours.get(id)!["map_ids"], live().btfMaps.map((m) => m.id).reverse(), "largest id first, as bpftool's hash table gives them");
    assert.equal(ours.get(id)!["kernel"], false);
    assert.equal("name" in ours.get(id)!, false);
    const vmlinux = [...ours.values()].find((b) => b["name"] === "vmlinux")!;
    assertMatchesBpftool(vmlinux, theirs.get(vmlinux["id"] as number)!, "vmlinux");
    assert.equal(vmlinux["kernel"], true);
  });

  test("show id N is one JSON object, the same as bpftool's and as the list's entry", async () => {
    for (const [kind, id] of [
      ["map", live().progArray.id],
      ["prog", idOf(live().mapUser)],
      ["btf", idOf(live().btf)],
      ...(live().link ? [["link", idOf(live().link!)] as const] : []),
    ] as const) {
      const run = await runMain([kind, "show", "id", String(id), "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const mine = JSON.parse(run.stdout) as Json;
      assert.equal(Array.isArray(mine), false);
      assertMatchesBpftool(mine, bpftoolJson(kind, "show", "id", String(id)) as Json, `${kind} show id ${id}`);
    }
  });

  test("show pinned PATH finds the object at the pin", async () => {
    const path = join(bpffs!.dir, "pinned_map");
    pinObject(live().frozen.fd, path);
    const c = capture({ json: true });
    await cli.map.mapShow({ pinned: path }, c.out);
    assert.equal((c.json() as Json)["id"], live().frozen.id);
    assertMatchesBpftool(c.json() as Json, bpftoolJson("map", "show", "pinned", path) as Json, "pinned map");
    const wrongKind = await runMain(["prog", "show", "pinned", path]);
    assert.equal(wrongKind.code, 1);
    assert.match(wrongKind.stderr, /^bpftypes: opening a program pinned at .*: it is a map\n$/);
  });

  test("plain output: a table with a row per object, and fields for one", async () => {
    const c = capture();
    await cli.map.mapShow({}, c.out);
    const text = c.text();
    assert.match(text, /^\s*ID\s+TYPE\s+NAME\s+FLAGS/);
    assert.match(text, new RegExp(`^\\s*${live().maps[0]!.id}\\s+hash\\s+bpft_hash\\s+no_prealloc\\s+4\\s+8\\s+16\\s`, "m"));
    const one = capture();
    await cli.prog.progShow({ id: idOf(live().longName) }, one.out);
    assert.match(one.text(), new RegExp(`^name\\s+${LONG_NAME}$`, "m"));
    assert.match(one.text(), /^type\s+socket_filter \(BPF_PROG_TYPE_SOCKET_FILTER, Linux 3\.19\)$/m);
  });

  test("through the built bin: list as JSON, and an id no object has is exit 1 with one line", () => {
    const run = runBin(["map", "list", "-j"]);
    assert.equal(run.code, 0, run.stderr);
    const ids = (JSON.parse(run.stdout) as Json[]).map((m) => m["id"]);
    assert.ok(ids.includes(live().progArray.id));
    const missing = runBin(["map", "show", "id", "4294967295"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^bpftypes: opening map id 4294967295: no such entry \(ENOENT\): no object has this id/);
    assert.equal(missing.stderr.split("\n").length, 2);
  });
});
