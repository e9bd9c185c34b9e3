// Live tests of the high-level inspection layer: walks, look-ups by id, fd and pin, fdinfo facts, full names, and walks on a busy host.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PROG_ARRAY, BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP, BPFCommand } from "bpftypes";
import {
  allIds,
  type BpfBackend,
  bpfBackend,
  btfById,
  btfObjects,
  btfUsers,
  createMap,
  isErrno,
  IteratorUnavailableError,
  linkById,
  linkByFd,
  links,
  mapById,
  mapByFd,
  mapByPin,
  maps,
  mapsAsText,
  openFdCount,
  pinObject,
  programById,
  programByFd,
  programByPin,
  programs,
  setBpfBackend,
  type MapFd,
} from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { mountBpffs, type TempBpffs } from "../support/bpffs.js";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { idOf, loadSocketFilter, tinyBtf } from "../support/objects.js";
import { createLiveObjects, LONG_NAME, type LiveObjects } from "../cli/live-objects.js";

checkFdLeaks();

describe("inspecting live objects", { skip: liveSkip }, () => {
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

  test("programs(): each of ours once, with decoded info and the facts beyond it", () => {
    const seen = [...programs()].filter((p) => live().progIds.includes(p.id));
    assert.deepEqual(seen.map((p) => p.id), [...live().progIds].sort((a, b) => a - b));
    const filter = seen.find((p) => p.id === idOf(live().socketFilter))!;
    assert.equal(filter.info.type, BPF_PROG_TYPE_SOCKET_FILTER);
    assert.equal(filter.name, "bpft_filter");
    assert.equal(filter.info.gpl_compatible, true);
    assert.match(filter.info.tag ?? "", /^[0-9a-f]{16}$/);
    assert.ok((filter.bytesMemlock ?? 0) > 0, "memlock from fdinfo");
    assert.ok(filter.loadedAt !== undefined && Math.abs(filter.loadedAt - Date.now()) < 120_000, `loaded at ${filter.loadedAt}, now ${Date.now()}`);
    assert.deepEqual(filter.mapIds, []);
    assert.equal(filter.orphaned, false);
    const user = seen.find((p) => p.id === idOf(live().mapUser))!;
    assert.deepEqual([...user.mapIds].sort(), [live().progArray.id, live().maps[0]!.id].sort());
    assert.equal(user.info.gpl_compatible, true, "Dual MIT/GPL is GPL-compatible");
    const xdp = seen.find((p) => p.id === idOf(live().xdp))!;
    assert.equal(xdp.info.type, BPF_PROG_TYPE_XDP);
  });

  test("a name the kernel cut at 15 bytes is read in full from the program's BTF func info", () => {
    const prog = programByFd(live().longName);
    assert.equal(prog.info.name, LONG_NAME.slice(0, 15));
    assert.equal(prog.name, LONG_NAME);
    assert.equal(prog.info.btf_id, idOf(live().btf));
    assert.equal(prog.info.gpl_compatible, false);
    assert.equal(programByFd(live().longName, { fullName: false }).name, LONG_NAME.slice(0, 15));
  });

  test("the wall-clock load time is bpftool's, within a second", { skip: haveBpftool ? false : "no bpftool" }, () => {
    const id = idOf(live().socketFilter);
    const shown = bpftoolJson("prog", "show", "id", String(id)) as { loaded_at: number };
    const ours = programById(id).loadedAt!;
    assert.ok(Math.abs(Math.floor(ours / 1000) - shown.loaded_at) <= 1, `ours ${ours / 1000}, bpftool ${shown.loaded_at}`);
  });

  test("maps(): each of ours, with fdinfo's memlock and frozen, and a program array's owner", () => {
    const seen = new Map([...maps()].filter((m) => live().mapIds.includes(m.id)).map((m) => [m.id, m]));
    assert.equal(seen.size, live().maps.length);
    for (const made of live().maps) {
      const map = seen.get(made.id)!;
      assert.equal(map.info.type, made.type, made.name);
      assert.equal(map.info.name, made.name);
      assert.equal(map.info.map_flags, made.flags);
      assert.equal(typeof map.bytesMemlock, "number", `${made.name} memlock`);
      assert.equal(map.frozen, made === live().frozen, `${made.name} frozen`);
    }
    const owned = seen.get(live().progArray.id)!;
    assert.equal(owned.info.type, BPF_MAP_TYPE_PROG_ARRAY);
    assert.equal(owned.ownerProgType, BPF_PROG_TYPE_SOCKET_FILTER, "owned by the program that references it");
    assert.equal(typeof owned.ownerJited, "boolean");
    assert.equal(seen.get(live().maps[0]!.id)!.ownerProgType, undefined, "only program arrays have owners");
    assert.equal(seen.get(live().btfMaps[0]!.id)!.info.btf_id, idOf(live().btf));
    assert.equal(mapByFd(live().frozen.fd, { fdinfo: false }).frozen, undefined, "fdinfo can be left out");
  });

  test("links(): the XDP link on the test netns device", (t) => {
    if (!live().link) return t.skip("no test netns here");
    const found = [...links()].find((l) => l.id === idOf(live().link!));
    assert.ok(found);
    assert.equal(found.info.prog_id, idOf(live().xdp));
    assert.equal(found.info.xdp?.ifindex, live().netns!.ifindex);
    assert.deepEqual(linkById(found.id), found);
    assert.deepEqual(linkByFd(live().link!), found);
  });

  test("btfObjects(): the kernel's vmlinux and our BTF, and who uses it", () => {
    const all = [...btfObjects()];
    const vmlinux = all.find((b) => b.name === "vmlinux");
    assert.ok(vmlinux && vmlinux.kernel && vmlinux.size > 1000);
    const ours = all.find((b) => b.id === idOf(live().btf));
    assert.ok(ours);
    assert.equal(ours.kernel, false);
    assert.equal(ours.name, "");
    const users = btfUsers();
    assert.deepEqual(users.progs.get(ours.id), [idOf(live().longName)]);
    assert.deepEqual(users.maps.get(ours.id), live().btfMaps.map((m) => m.id));
    assert.deepEqual(btfById(ours.id), ours);
  });

  test("look-ups by id, fd and pin agree; a pin of another kind is refused; a missing id is ENOENT", () => {
    const dir = bpffs!.dir;
    const map = live().maps[1]!;
    pinObject(map.fd, join(dir, "map"));
    pinObject(live().socketFilter, join(dir, "prog"));
    assert.deepEqual(mapByPin(join(dir, "map")), mapById(map.id));
    assert.deepEqual(mapByFd(map.fd), mapById(map.id));
    const prog = programById(idOf(live().socketFilter));
    assert.deepEqual(programByPin(join(dir, "prog")), prog);
    assert.throws(() => programByPin(join(dir, "map")), (error) => error instanceof Error && error.name === "ObjectKindError" && /pinned at .*: it is a map/.test(error.message));
    assert.throws(() => mapById(0xffff_fff0), (error) => isErrno(error, "ENOENT"));
    assert.throws(() => programByPin(join(dir, "nothing")), (error) => isErrno(error, "ENOENT"));
  });

  test("leaving a walk early leaks no descriptor", () => {
    const before = openFdCount();
    for (const map of maps()) {
      assert.ok(map.id > 0);
      break;
    }
    const first = programs().next();
    assert.equal(first.done, false);
    assert.equal(openFdCount(), before);
  });
});

describe("walks on a busy host", { skip: liveSkip }, () => {
  test("maps destroyed while the walk runs are skipped, maps made meanwhile may appear, nothing throws", () => {
    // A walk reads up to 256 objects ahead of what it hands out, so the maps destroyed mid-walk are
    // the last 40 of 340: whatever else the host holds, the walk cannot have read them yet.
    const made: MapFd[] = [];
    try {
      for (let i = 0; i < 340; i++) made.push(createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: `bpft_busy_${i}` }));
      const ids = made.map(idOf);
      const destroyed = new Set<number>();
      const seen: number[] = [];
      let step = 0;
      for (const map of maps()) {
        seen.push(map.id);
        if (step++ === 0) {
          // Destroy every other one of the last 40 maps, and make a few new ones.
          for (let i = 300; i < ids.length; i += 2) {
            destroyed.add(ids[i]!);
            made[i]!.close();
          }
          for (let i = 0; i < 3; i++) made.push(createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_busy_new" }));
        }
      }
      assert.ok(destroyed.size > 0, "the walk started before our maps");
      for (const id of destroyed) assert.ok(!seen.includes(id), `map ${id} was destroyed before the walk reached it`);
      for (const id of ids.filter((id) => !destroyed.has(id))) assert.ok(seen.includes(id), `map ${id} was alive all along`);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "ids come in order");
    } finally {
      for (const fd of made) fd.close();
    }
  });

  /** Runs `fn` with a backend that fails chosen calls, then puts the real one back. */
  function withFaults<T>(fail: (cmd: number, attr: Uint8Array) => number | undefined, fn: () => T): T {
    const real = bpfBackend();
    const faulty: BpfBackend = {
      name: "faulty",
      addressOf: (b) => real.addressOf(b),
      bpf: (cmd, attr) => fail(cmd, attr) ?? real.bpf(cmd, attr),
      close: (fd) => real.close(fd),
      ...(real.withSignalsBlocked && { withSignalsBlocked: <R>(run: () => R): R => real.withSignalsBlocked!(run) }),
    };
    setBpfBackend(faulty);
    try {
      return fn();
    } finally {
      setBpfBackend(real);
    }
  }
  const idIn = (attr: Uint8Array): number => new DataView(attr.buffer, attr.byteOffset).getUint32(0, true);
  const ENOENT = -2;
  const EPERM = -1;

  test("an object that vanishes between its id and its fd (ENOENT from get-fd-by-id) is skipped", () => {
    using a = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_vanish_a" });
    using b = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_vanish_b" });
    const gone = idOf(a);
    const seen = withFaults((cmd, attr) => (cmd === BPFCommand.BPF_MAP_GET_FD_BY_ID && idIn(attr) === gone ? ENOENT : undefined), () => [...maps()].map((m) => m.id));
    assert.ok(!seen.includes(gone));
    assert.ok(seen.includes(idOf(b)));
  });

  test("walking by descriptors, ENOENT from get-next-id ends the walk; other errors are thrown, and every fd is closed", () => {
    using a = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_fault" });
    const before = openFdCount();
    const byDescriptors = () => [...maps({ via: "descriptors" })];
    const none = withFaults((cmd) => (cmd === BPFCommand.BPF_MAP_GET_NEXT_ID ? ENOENT : undefined), byDescriptors);
    assert.deepEqual(none, []);
    assert.throws(
      () => withFaults((cmd) => (cmd === BPFCommand.BPF_OBJ_GET_INFO_BY_FD ? EPERM : undefined), byDescriptors),
      (error) => isErrno(error, "EPERM"),
    );
    assert.throws(
      () => withFaults((cmd) => (cmd === BPFCommand.BPF_MAP_GET_NEXT_ID ? EPERM : undefined), byDescriptors),
      (error) => isErrno(error, "EPERM") && /getting the next map id/.test(error.message),
    );
    assert.equal(openFdCount(), before, "the fd open when the info call failed was closed");
    assert.ok(idOf(a) > 0);
  });

  test("when the kernel refuses the iterator program, 'auto' walks by descriptors and 'iterator' says why", () => {
    using a = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_no_iter" });
    const before = openFdCount();
    const refuseLoad = (cmd: number) => (cmd === BPFCommand.BPF_PROG_LOAD ? EPERM : undefined);
    const auto = { via: "auto", iteratorFrom: 1 } as const;
    for (const walk of [() => [...maps({ ...auto, fdinfo: false })].map((m) => m.id), () => [...programs(auto)].map((p) => p.id)]) {
      const fallback = withFaults(refuseLoad, walk);
      const iterated = walk();
      assert.deepEqual(fallback.filter((id) => iterated.includes(id)), iterated.filter((id) => fallback.includes(id)));
    }
    assert.ok(withFaults(refuseLoad, () => [...maps({ ...auto, fdinfo: false })]).some((m) => m.id === idOf(a)));
    for (const walk of [() => [...maps({ via: "iterator" })].length, () => [...programs({ via: "iterator" })].length]) {
      assert.throws(
        () => withFaults(refuseLoad, walk),
        (error) => error instanceof IteratorUnavailableError && /through an iterator: loading tracing program "bpftypes_iter": operation not permitted/.test(error.message),
      );
    }
    assert.equal(openFdCount(), before, "an fd of the iterator's program, link or maps was left open");
  });

  /** How many programs `walk` loaded (an iterator run loads one). */
  const loads = (walk: () => unknown[]) => {
    let count = 0;
    withFaults((cmd) => {
      if (cmd === BPFCommand.BPF_PROG_LOAD) count++;
      return undefined;
    }, walk);
    return count;
  };

  test("'auto' loads an iterator only from iteratorFrom objects on, and for maps only without fdinfo", () => {
    using _prog = loadSocketFilter("bpft_threshold");
    using _map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_threshold" });
    assert.equal(loads(() => [...programs({ iteratorFrom: 1_000_000 })]), 0);
    assert.equal(loads(() => [...programs({ iteratorFrom: 1 })]), 1);
    assert.equal(loads(() => [...maps({ iteratorFrom: 1 })]), 0, "maps with fdinfo are opened anyway, so no iterator");
    assert.equal(loads(() => [...maps({ iteratorFrom: 1, fdinfo: false })]), 1);
    assert.equal(loads(() => [...maps({ iteratorFrom: 1_000_000, fdinfo: false })]), 0);
  });

  test("text walks have the kernel print from iteratorFrom objects on, by default from 512", () => {
    using _map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: "bpft_text_from" });
    const template = ['{"id":', { number: "id" }, "}"];
    const text = (iteratorFrom?: number) => [...(mapsAsText({ template, render: (map) => `{"id":${map.id}}`, ...(iteratorFrom === undefined ? {} : { iteratorFrom }) }) ?? [])];
    assert.equal(loads(() => text(1_000_000)), 0);
    assert.equal(loads(() => text(1)), 1);
    const count = [...allIds("map")].length;
    assert.equal(loads(() => text()), count >= 512 ? 1 : 0, `${count} maps`);
  });

  test("a verifier interrupted by a signal (EAGAIN) is asked again, once, with signals blocked", () => {
    using prog = loadSocketFilter("bpft_eagain");
    let refusals = 1;
    const interrupted = (cmd: number) => (cmd === BPFCommand.BPF_PROG_LOAD && refusals-- > 0 ? -11 : undefined);
    const ids = withFaults(interrupted, () => [...programs({ via: "iterator" })].map((p) => p.id));
    assert.equal(refusals, -1, "the second load was the last");
    assert.ok(ids.includes(idOf(prog)));
    refusals = 2;
    assert.throws(() => withFaults(interrupted, () => [...programs({ via: "iterator" })]), /EAGAIN/);
    assert.equal(refusals, 0, "no third load");
  });

  test("a BTF object's name longer than the first buffer is fetched again whole", () => {
    // Every kernel BTF has a name; vmlinux is short, so this checks the one-call path on real objects.
    const loaded = [...btfObjects()].filter((b) => b.kernel);
    assert.ok(loaded.every((b) => b.name !== ""));
    assert.ok(tinyBtf().length > 0);
  });
});
