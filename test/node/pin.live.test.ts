// Live tests of pinning: into a bpffs the test mounts on a temp dir, then getting the objects back.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BPF_F_RDONLY, BPF_MAP_TYPE_HASH } from "bpftypes";
import { createMap, getPinned, isErrno, loadBtf, mapFromFd, mapLookup, mapUpdate, pinObject } from "bpftypes/node";
import { type TempBpffs, mountBpffs } from "../support/bpffs.js";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { idOf, loadSocketFilter, tinyBtf } from "../support/objects.js";

checkFdLeaks();

const u32 = (value: number): Uint8Array => new Uint8Array(new Uint32Array([value]).buffer);

describe("pinning", { skip: liveSkip }, () => {
  let fs: TempBpffs;
  before(() => (fs = mountBpffs()));
  after(() => fs?.dispose());

  test("a pinned map comes back with its contents, and a read-only fd if asked", () => {
    const path = join(fs.dir, "map");
    {
      using map = createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 4, name: "bpftypes_pin" });
      mapUpdate(map, u32(1), u32(11));
      pinObject(map, path);
    }
    // The only fd is closed: the pin alone keeps the map.
    assert.ok(existsSync(path));
    using map = mapFromFd(getPinned(path));
    assert.equal(map.kind, "map");
    assert.deepEqual(mapLookup(map, u32(1)), u32(11));
    using readOnly = mapFromFd(getPinned(path, BPF_F_RDONLY));
    assert.throws(() => mapUpdate(readOnly, u32(2), u32(2)), (error) => isErrno(error, "EPERM"));
    rmSync(path);
  });

  test("a pinned program comes back as the same object", () => {
    using prog = loadSocketFilter();
    const path = join(fs.dir, "prog");
    pinObject(prog, path);
    using again = getPinned(path);
    assert.equal(again.kind, "prog");
    assert.equal(idOf(again), idOf(prog));
    rmSync(path);
  });

  test("btf objects cannot be pinned (only maps, programs and links)", () => {
    using btf = loadBtf(tinyBtf());
    assert.throws(() => pinObject(btf, join(fs.dir, "btf")), (error) => isErrno(error, "EINVAL"));
  });

  test("pinning where something is already pinned is EEXIST", () => {
    using prog = loadSocketFilter();
    const path = join(fs.dir, "twice");
    pinObject(prog, path);
    try {
      assert.throws(
        () => pinObject(prog, path),
        (error) => isErrno(error, "EEXIST") && error.message.startsWith(`pinning prog fd ${prog.fd} at ${path}: already exists (EEXIST)`),
      );
    } finally {
      rmSync(path);
    }
  });

  test("getting a path with nothing pinned is ENOENT", () => {
    const path = join(fs.dir, "nothing");
    assert.throws(
      () => getPinned(path),
      (error) => isErrno(error, "ENOENT") && error.message === `opening the object pinned at ${path}: no such entry (ENOENT): nothing is pinned at this path`,
    );
  });

  test("a path with a NUL byte is refused before the call", () => {
    using prog = loadSocketFilter();
    assert.throws(() => pinObject(prog, join(fs.dir, "a\0b")), /NUL/);
  });
});
