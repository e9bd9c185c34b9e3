// Live tests of ids, opening by id, raw object info, and BTF objects (load, read back, by id).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BPF_MAP_TYPE_ARRAY } from "bpftypes";
import { decodeMapInfo } from "bpftypes/codec";
import {
  type KeepAlive,
  allIds,
  bpfCall,
  createMap,
  fdKindOf,
  getBtfBytes,
  getFdById,
  getInfoRaw,
  getNextId,
  infoAttr,
  isBpfError,
  isErrno,
  loadBtf,
  tryGetFdById,
} from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { idOf, loadSocketFilter, tinyBtf } from "../support/objects.js";

checkFdLeaks();

/** An id no object of this kind has: well past the largest one now. */
function unusedId(kind: "prog" | "map" | "btf"): number {
  let last = 0;
  for (const id of allIds(kind)) last = id;
  return last + 1_000_000;
}

describe("ids", { skip: liveSkip }, () => {
  test("get-next-id walks find the objects just created, in increasing order", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    using prog = loadSocketFilter();
    using btf = loadBtf(tinyBtf());
    for (const fd of [map, prog, btf]) {
      const kind = fd.kind as "map" | "prog" | "btf";
      const ids = [...allIds(kind)];
      assert.ok(ids.includes(idOf(fd)), `${kind} id ${idOf(fd)} in ${ids.join(",")}`);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.equal(getNextId(kind, idOf(fd) - 1), idOf(fd));
    }
  });

  test("past the last id, get-next-id ends the walk (ENOENT is undefined)", () => {
    using _map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    const ids = [...allIds("map")];
    assert.ok(ids.length > 0);
    assert.equal(getNextId("map", ids[ids.length - 1] as number), undefined);
    // Ids are positive ints: the kernel refuses a start id of INT_MAX or more outright.
    assert.throws(() => getNextId("map", 0x7fff_ffff), (error) => isErrno(error, "EINVAL"));
  });

  test("an id that is not a u32 is refused before any system call", () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
      const refused = (error: unknown) => error instanceof RangeError && error.message.includes(String(bad));
      assert.throws(() => getNextId("map", bad), refused);
      assert.throws(() => getFdById("map", bad), refused);
      assert.throws(() => tryGetFdById("prog", bad), refused);
    }
  });

  test("get-fd-by-id opens the same object", () => {
    using prog = loadSocketFilter();
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    using progAgain = getFdById("prog", idOf(prog));
    using mapAgain = getFdById("map", idOf(map));
    assert.equal(progAgain.kind, "prog");
    assert.equal(fdKindOf(progAgain.fd), "prog");
    assert.notEqual(progAgain.fd, prog.fd);
    assert.equal(idOf(progAgain), idOf(prog));
    assert.equal(idOf(mapAgain), idOf(map));
  });

  test("an id nobody has: ENOENT with a hint, or undefined from tryGetFdById", () => {
    for (const kind of ["prog", "map", "btf"] as const) {
      const id = unusedId(kind);
      assert.equal(tryGetFdById(kind, id), undefined);
      assert.throws(
        () => getFdById(kind, id),
        (error) =>
          isBpfError(error) &&
          error.code === "ENOENT" &&
          error.command === `BPF_${kind.toUpperCase()}_GET_FD_BY_ID` &&
          error.message === `opening ${kind} id ${id}: no such entry (ENOENT): no object has this id (it may have been freed)`,
      );
    }
  });
});

describe("raw info", { skip: liveSkip }, () => {
  test("info_len: a short buffer is filled to its length, a long zero one to the kernel's size", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 3 });
    const short = new Uint8Array(12);
    assert.equal(getInfoRaw(map, short), 12);
    const decoded = decodeMapInfo(short);
    assert.equal(decoded.type, BPF_MAP_TYPE_ARRAY);
    assert.equal(decoded.key_size, 4);
    assert.ok(decoded.absent.includes("value_size"));
    const long = new Uint8Array(4096);
    const filled = getInfoRaw(map, long);
    assert.ok(filled >= 80 && filled < 4096, `${filled}`);
  });

  test("a long buffer with non-zero bytes past the kernel's struct is E2BIG", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 3 });
    const long = new Uint8Array(4096);
    long[4095] = 1;
    // Sent as it is: getInfoRaw refuses it first (below).
    const keep: KeepAlive = [];
    assert.throws(
      () => bpfCall("BPF_OBJ_GET_INFO_BY_FD", infoAttr(map.fd, long, keep), keep),
      (error) => isErrno(error, "E2BIG") && /^getting object info: /.test(error.message),
    );
  });

  test("getInfoRaw refuses non-zero bytes past the struct this package knows: they may be a newer kernel's pointer", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 3 });
    const long = new Uint8Array(4096);
    long[4095] = 1;
    assert.throws(() => getInfoRaw(map, long), /^RangeError: getting info of map fd \d+: byte 4095 is past the \d+-byte bpf_map_info this package knows/);
  });
});

describe("btf objects", { skip: liveSkip }, () => {
  test("a loaded blob reads back byte for byte, also when opened by id", () => {
    const blob = tinyBtf();
    using btf = loadBtf(blob);
    assert.equal(btf.kind, "btf");
    assert.equal(fdKindOf(btf.fd), "btf");
    assert.deepEqual(getBtfBytes(btf), blob);
    using again = getFdById("btf", idOf(btf));
    assert.deepEqual(getBtfBytes(again), blob);
  });

  test("the kernel's own BTF reads back as the file in /sys", async () => {
    const { readFileSync } = await import("node:fs");
    // The vmlinux BTF object has the smallest id with kernel_btf set; bpftool finds it by name too.
    let found = false;
    for (const id of allIds("btf")) {
      using fd = tryGetFdById("btf", id);
      if (!fd) continue;
      const bytes = getBtfBytes(fd);
      const vmlinux = readFileSync("/sys/kernel/btf/vmlinux");
      if (bytes.byteLength === vmlinux.byteLength && Buffer.compare(bytes, vmlinux) === 0) {
        found = true;
        break;
      }
    }
    assert.ok(found, "no btf object matches /sys/kernel/btf/vmlinux");
  });

  test("a broken blob is refused, and the log says why", () => {
    const blob = tinyBtf();
    blob[0] = 0; // break the magic
    assert.throws(
      () => loadBtf(blob, { logLevel: 1 }),
      (error) => isBpfError(error) && error.command === "BPF_BTF_LOAD" && error.code === "EINVAL" && /magic/i.test(error.log) && /\nbtf log:\n/.test(error.message),
    );
  });

  test("bpftool sees the btf object", { skip: haveBpftool ? false : "bpftool is not installed" }, () => {
    using btf = loadBtf(tinyBtf());
    const shown = bpftoolJson("btf", "show", "id", String(idOf(btf))) as Record<string, unknown>;
    assert.equal(shown["id"], idOf(btf));
    assert.equal(shown["size"], tinyBtf().byteLength);
  });
});
