// Live tests of maps: many types and flags, element round trips, per-CPU values, compared with bpftool.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BPF_F_MMAPABLE,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY,
  BPF_MAP_TYPE_ARENA,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_BLOOM_FILTER,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK,
} from "bpftypes";
import {
  ElemFlags,
  MapFd,
  createMap,
  isBpfError,
  isErrno,
  mapDelete,
  mapFromId,
  mapKeys,
  mapLookup,
  mapNextKey,
  mapUpdate,
  possibleCpuCount,
  readMapShape,
} from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { idOf, loadSocketFilter } from "../support/objects.js";

checkFdLeaks();

const u32 = (value: number): Uint8Array => new Uint8Array(new Uint32Array([value]).buffer);
const u64 = (value: bigint): Uint8Array => new Uint8Array(new BigUint64Array([value]).buffer);
const readU32 = (bytes: Uint8Array | undefined, offset = 0): number | undefined =>
  bytes && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);

describe("maps", { skip: liveSkip }, () => {
  test("hash: update, lookup, next key, delete, and the update flags", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 3, name: "bpftypes_hash" });
    assert.equal(map.kind, "map");
    assert.equal(mapLookup(map, u32(1)), undefined);
    mapUpdate(map, u32(1), u64(10n));
    mapUpdate(map, u32(2), u64(20n), ElemFlags.BPF_NOEXIST);
    mapUpdate(map, u32(2), u64(21n), ElemFlags.BPF_EXIST);
    assert.deepEqual(mapLookup(map, u32(2)), u64(21n));
    assert.throws(() => mapUpdate(map, u32(1), u64(0n), ElemFlags.BPF_NOEXIST), (e) => isErrno(e, "EEXIST"));
    assert.throws(() => mapUpdate(map, u32(9), u64(0n), ElemFlags.BPF_EXIST), (e) => isErrno(e, "ENOENT"));
    mapUpdate(map, u32(3), u64(30n));
    assert.throws(() => mapUpdate(map, u32(4), u64(40n)), (e) => isErrno(e, "E2BIG"), "a full hash map says E2BIG");
    const keys = [...mapKeys(map)].map((key) => readU32(key)).sort();
    assert.deepEqual(keys, [1, 2, 3]);
    assert.equal(mapDelete(map, u32(2)), true);
    assert.equal(mapDelete(map, u32(2)), false);
    assert.equal(mapLookup(map, u32(2)), undefined);
    const into = new Uint8Array(8);
    assert.equal(mapLookup(map, u32(3), { into }), into);
    assert.deepEqual(into, u64(30n));
  });

  test("array: every index exists, delete is refused, keys run 0..max-1", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 });
    assert.deepEqual(mapLookup(map, u32(3)), u32(0));
    assert.equal(mapLookup(map, u32(4)), undefined);
    mapUpdate(map, u32(1), u32(0xdeadbeef));
    assert.equal(readU32(mapLookup(map, u32(1))), 0xdeadbeef);
    assert.throws(() => mapDelete(map, u32(1)), (e) => isErrno(e, "EINVAL"));
    assert.deepEqual([...mapKeys(map)].map((key) => readU32(key)), [0, 1, 2, 3]);
    assert.equal(readU32(mapNextKey(map, u32(3))), undefined);
  });

  test("percpu hash and array: one 8-byte slot per possible CPU", () => {
    const cpus = possibleCpuCount();
    using hash = createMap({ mapType: BPF_MAP_TYPE_PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 2 });
    using array = createMap({ mapType: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 12, maxEntries: 2 });
    assert.equal(hash.valueBufferSize, 8 * cpus);
    assert.equal(array.valueBufferSize, 16 * cpus);
    for (const map of [hash, array]) {
      const value = new Uint8Array(map.valueBufferSize);
      const slot = map.valueBufferSize / cpus;
      for (let cpu = 0; cpu < cpus; cpu++) value.set(u32(100 + cpu), cpu * slot);
      mapUpdate(map, u32(0), value);
      const back = mapLookup(map, u32(0));
      for (let cpu = 0; cpu < cpus; cpu++) assert.equal(readU32(back, cpu * slot), 100 + cpu);
      assert.throws(() => mapUpdate(map, u32(0), new Uint8Array(map.valueSize)), RangeError);
    }
  });

  test("lru hash evicts instead of failing when full", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 64 });
    for (let i = 0; i < 1000; i++) mapUpdate(map, u32(i), u32(i));
    const count = [...mapKeys(map)].length;
    assert.ok(count > 0 && count <= 1000, `${count} keys`);
    assert.deepEqual(mapLookup(map, u32(999)), u32(999));
  });

  test("lpm trie (needs BPF_F_NO_PREALLOC): the longest prefix wins", () => {
    assert.throws(() => createMap({ mapType: BPF_MAP_TYPE_LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 8 }), (e) => isErrno(e, "EINVAL"));
    using map = createMap({ mapType: BPF_MAP_TYPE_LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 8, mapFlags: BPF_F_NO_PREALLOC });
    const key = (prefix: number, ip: [number, number, number, number]): Uint8Array => new Uint8Array([...u32(prefix), ...ip]);
    mapUpdate(map, key(8, [10, 0, 0, 0]), u32(8));
    mapUpdate(map, key(16, [10, 1, 0, 0]), u32(16));
    assert.equal(readU32(mapLookup(map, key(32, [10, 1, 2, 3]))), 16);
    assert.equal(readU32(mapLookup(map, key(32, [10, 2, 2, 3]))), 8);
    assert.equal(mapLookup(map, key(32, [11, 0, 0, 1])), undefined);
    assert.equal(readMapShape(map).mapFlags, BPF_F_NO_PREALLOC);
  });

  test("ring buffer: created with no key or value; element calls are refused", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
    assert.equal(map.valueBufferSize, 0);
    assert.throws(
      () => mapLookup(map, null),
      (e) => isBpfError(e) && ["ENOTSUPP", "EOPNOTSUPP", "EINVAL"].includes(e.code),
    );
  });

  test("prog array: holds programs, and a lookup gives the program's id", () => {
    using prog = loadSocketFilter();
    using map = createMap({ mapType: BPF_MAP_TYPE_PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
    mapUpdate(map, u32(0), u32(prog.fd));
    assert.equal(readU32(mapLookup(map, u32(0))), idOf(prog));
    assert.equal(mapLookup(map, u32(1)), undefined);
    assert.equal(mapDelete(map, u32(0)), true);
  });

  test("array of maps: created from an inner map, holds maps by fd, a lookup gives the map's id", () => {
    using inner = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    using outer = createMap({ mapType: BPF_MAP_TYPE_ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner });
    mapUpdate(outer, u32(1), u32(inner.fd));
    assert.equal(readU32(mapLookup(outer, u32(1))), idOf(inner));
    assert.equal(mapLookup(outer, u32(0)), undefined);
  });

  test("bloom filter: values go in without keys, and a lookup checks one", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_BLOOM_FILTER, keySize: 0, valueSize: 4, maxEntries: 16, mapExtra: 3n });
    mapUpdate(map, null, u32(42));
    assert.deepEqual(mapLookup(map, null, { into: u32(42) }), u32(42));
    assert.throws(() => mapUpdate(map, u32(1), u32(1)), /map key: the kernel uses 0 bytes/);
  });

  test("queue and stack: push, then peek gives the oldest or the newest", () => {
    using queue = createMap({ mapType: BPF_MAP_TYPE_QUEUE, keySize: 0, valueSize: 4, maxEntries: 2 });
    using stack = createMap({ mapType: BPF_MAP_TYPE_STACK, keySize: 0, valueSize: 4, maxEntries: 2 });
    for (const map of [queue, stack]) {
      assert.equal(mapLookup(map, null), undefined, "peek of an empty one");
      mapUpdate(map, null, u32(1));
      mapUpdate(map, null, u32(2));
      assert.throws(() => mapUpdate(map, null, u32(3)), (e) => isErrno(e, "E2BIG"));
      mapUpdate(map, null, u32(3), ElemFlags.BPF_EXIST); // full: drops the oldest
    }
    assert.equal(readU32(mapLookup(queue, null)), 2);
    assert.equal(readU32(mapLookup(stack, null)), 3);
  });

  test("arena with BPF_F_MMAPABLE, if this kernel has arenas", (t) => {
    let map: MapFd;
    try {
      map = createMap({ mapType: BPF_MAP_TYPE_ARENA, keySize: 0, valueSize: 0, maxEntries: 1, mapFlags: BPF_F_MMAPABLE });
    } catch (error) {
      if (isErrno(error, "EINVAL") || isErrno(error, "EOPNOTSUPP")) return t.skip(`no arena here: ${(error as Error).message}`);
      // Some hosts refuse arenas to a process that may create every other map here (seen: a VM whose
      // root has CAP_BPF and CAP_SYS_ADMIN); the other maps of this suite show the privilege is real.
      if (isErrno(error, "EPERM")) return t.skip(`this host refuses arenas to this process: ${(error as Error).message}`);
      throw error;
    }
    using arena = map;
    assert.deepEqual(readMapShape(arena), { mapType: BPF_MAP_TYPE_ARENA, keySize: 0, valueSize: 0, maxEntries: 1, mapFlags: BPF_F_MMAPABLE });
  });

  test("opening by id gives the same shape; a read-only fd refuses updates", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 8, valueSize: 16, maxEntries: 5, name: "bpftypes_byid" });
    mapUpdate(map, u64(7n), new Uint8Array(16).fill(7));
    using again = mapFromId(idOf(map));
    assert.deepEqual(readMapShape(again), { mapType: BPF_MAP_TYPE_HASH, keySize: 8, valueSize: 16, maxEntries: 5, mapFlags: 0 });
    assert.deepEqual(mapLookup(again, u64(7n)), new Uint8Array(16).fill(7));
    using readOnly = mapFromId(idOf(map), BPF_F_RDONLY);
    assert.deepEqual(mapLookup(readOnly, u64(7n)), new Uint8Array(16).fill(7));
    assert.throws(() => mapUpdate(readOnly, u64(8n), new Uint8Array(16)), (e) => isErrno(e, "EPERM"));
  });

  test("an error names what was being done", () => {
    assert.throws(
      () => createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 0, valueSize: 4, maxEntries: 1, name: "bad" }),
      (e: unknown) => isErrno(e, "EINVAL") && /^creating hash map "bad": invalid argument \(EINVAL\): /.test((e as Error).message),
    );
  });

  test("bpftool sees what we created", { skip: haveBpftool ? false : "bpftool is not installed" }, () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 7, mapFlags: BPF_F_NO_PREALLOC, name: "bpftypes_cmp" });
    const shown = bpftoolJson("map", "show", "id", String(idOf(map))) as Record<string, unknown>;
    assert.equal(shown["type"], "lpm_trie");
    assert.equal(shown["name"], "bpftypes_cmp");
    assert.equal(shown["bytes_key"], 8);
    assert.equal(shown["bytes_value"], 4);
    assert.equal(shown["max_entries"], 7);
    assert.equal(shown["flags"], BPF_F_NO_PREALLOC);
  });
});
