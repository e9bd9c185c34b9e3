// The syscall boundary: through the public bpftypes/node API, try to make the kernel write past a buffer, and check the library refuses before the call.
//
// Where the kernel is really called, every buffer is a view in the middle of a larger buffer filled
// with a canary byte: a write past the view lands in the canary, never in memory we do not own.

import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import {
  BPFCommand,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_PROG_TYPE_SOCKET_FILTER,
  bpfBtfInfoLayout,
  bpfMapInfoLayout,
  bpfProgInfoLayout,
} from "bpftypes";
import { fieldOffset } from "bpftypes/codec";
import {
  type BpfBackend,
  type KeepAlive,
  type MapShape,
  BpfFd,
  MapFd,
  addressOf,
  bpfBackend,
  createMap,
  getInfoRaw,
  getPinned,
  loadBtf,
  loadProgram,
  mapDelete,
  getFdById,
  getInfo,
  mapByFd,
  mapFromFd,
  mapLookup,
  mapNextKey,
  mapUpdate,
  pinObject,
  programByFd,
  setBpfBackend,
  writeArrayRef,
  writeBufferRef,
  writeSizedPointer,
  writeStringPointer,
} from "bpftypes/node";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";

checkFdLeaks();

const CANARY = 0xa5;

/** A `size`-byte view at offset 16 of a buffer that has `slack` canary bytes after it. */
function fenced(size: number, slack = 256): { view: Uint8Array; intact: () => boolean } {
  const whole = new Uint8Array(16 + size + slack).fill(CANARY);
  const view = whole.subarray(16, 16 + size);
  view.fill(0);
  const intact = (): boolean => whole.subarray(0, 16).every((b) => b === CANARY) && whole.subarray(16 + size).every((b) => b === CANARY);
  return { view, intact };
}

/**
 * Replaces the backend with one that counts calls and runs none; restored after each test. A map it
 * "creates" is a /dev/null descriptor with the shape asked for (the test's own setup, not counted).
 */
let restore: BpfBackend | undefined;
let replaced = false;
function noKernel(): { calls: number } {
  const seen = { calls: 0 };
  // A made-up address per buffer, the same each time it is asked (as a real backend's is).
  const bases = new Map<ArrayBufferLike, bigint>();
  restore = setBpfBackend({
    name: "no kernel",
    bpf: (cmd) => {
      if (cmd === BPFCommand.BPF_MAP_CREATE) return openSync("/dev/null", "r");
      seen.calls++;
      return 0;
    },
    addressOf: (buffer) => {
      let base = bases.get(buffer.buffer);
      if (base === undefined) bases.set(buffer.buffer, (base = BigInt(bases.size + 1) << 32n));
      return base + BigInt(buffer.byteOffset);
    },
    close: (fd) => {
      closeSync(fd);
      return 0;
    },
  });
  replaced = true;
  return seen;
}
afterEach(() => {
  if (replaced) setBpfBackend(restore);
  replaced = false;
});

/** A map handle over a descriptor that is not a map, "created" by the no-kernel backend: the kernel is never reached. */
function fakeMap(shape: Partial<MapShape> = {}): MapFd {
  return createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 4, mapFlags: 0, ...shape });
}

/** A handle of this kind over /dev/null: /proc does not name it a bpf object, so its kind is taken at its word. */
function fakeFd(kind: "prog" | "map" | "btf" | "object"): BpfFd {
  return new BpfFd(openSync("/dev/null", "r"), kind);
}

const progField = (name: string): number => fieldOffset("bpf_prog_info", name);

/** An info request for `fd` with one (pointer, count) pair written by hand, to a buffer of `room` bytes held in keep. */
function handWritten(
  fd: BpfFd,
  size: number,
  pointer: number,
  count: number,
  value: number,
  room: number,
  extra: (info: DataView) => void = () => {},
): () => number {
  const info = new Uint8Array(size);
  const keep: KeepAlive = [];
  const dv = new DataView(info.buffer);
  dv.setBigUint64(pointer, addressOf(new Uint8Array(room), keep), true);
  dv.setUint32(count, value, true);
  extra(dv);
  return () => {
    try {
      return getInfoRaw(fd, info, keep);
    } finally {
      fd.close();
    }
  };
}

const RETURN_ZERO = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

describe("refused before the call", () => {
  /** Each attempt must throw and must not reach bpf(2). */
  const refuses = (what: string, attempt: () => unknown, error: RegExp | typeof RangeError = RangeError): void => {
    test(what, () => {
      const seen = noKernel();
      assert.throws(attempt, error);
      assert.equal(seen.calls, 0, "the call reached bpf(2)");
    });
  };

  const withMap = (shape: Parameters<typeof fakeMap>[0], use: (map: MapFd) => unknown) => () => {
    const map = fakeMap(shape);
    try {
      return use(map);
    } finally {
      map.close();
    }
  };

  refuses("a value shorter than the map's value size", withMap({}, (m) => mapUpdate(m, new Uint8Array(4), new Uint8Array(7))));
  refuses("a value longer than the map's value size", withMap({}, (m) => mapUpdate(m, new Uint8Array(4), new Uint8Array(9))));
  refuses("a key shorter than the map's key size", withMap({}, (m) => mapLookup(m, new Uint8Array(3))));
  refuses("a null key for a map with keys", withMap({}, (m) => mapDelete(m, null)));
  refuses("a next-key lookup from a key of the wrong size", withMap({}, (m) => mapNextKey(m, new Uint8Array(8))));
  refuses("a lookup into a buffer smaller than a value", withMap({}, (m) => mapLookup(m, new Uint8Array(4), { into: new Uint8Array(4) })));
  refuses("a lookup into a buffer larger than a value", withMap({}, (m) => mapLookup(m, new Uint8Array(4), { into: new Uint8Array(64) })));
  refuses(
    "a per-CPU lookup into one value's size, not one slot per possible CPU",
    withMap({ mapType: BPF_MAP_TYPE_PERCPU_ARRAY, valueSize: 8 }, (m) => {
      if (m.valueBufferSize === m.valueSize) throw new RangeError("one possible CPU: nothing to test");
      return mapLookup(m, new Uint8Array(4), { into: new Uint8Array(8) });
    }),
  );
  refuses(
    "a per-CPU update with one value's size",
    withMap({ mapType: BPF_MAP_TYPE_PERCPU_ARRAY, valueSize: 12 }, (m) => {
      if (m.valueBufferSize === m.valueSize) throw new RangeError("one possible CPU: nothing to test");
      return mapUpdate(m, new Uint8Array(4), new Uint8Array(16));
    }),
  );
  refuses(
    "a value whose buffer was transferred away (detached, now 0 bytes)",
    withMap({}, (m) => {
      const value = new Uint8Array(8);
      structuredClone(value.buffer, { transfer: [value.buffer] });
      return mapUpdate(m, new Uint8Array(4), value);
    }),
  );
  refuses(
    "a handle already closed (its number may name another file by now)",
    () => {
      const map = fakeMap();
      map.close();
      return mapLookup(map, new Uint8Array(4));
    },
    /closed/,
  );
  refuses("instructions that are not whole 8-byte instructions", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO.subarray(0, 12), license: "GPL" }),
  );
  refuses("func info records that do not fill their array", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL", funcInfo: { records: new Uint8Array(12), recordSize: 8 } }),
  );
  refuses("func info records of size 0", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL", funcInfo: { records: new Uint8Array(8), recordSize: 0 } }),
  );
  refuses("line info records that do not fill their array", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL", lineInfo: { records: new Uint8Array(20), recordSize: 16 } }),
  );
  refuses("a license with a NUL byte, which the kernel would cut short", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL\0MIT" }),
  );
  refuses("a program name longer than the kernel's 16-byte field", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL", name: "a_name_of_twenty_chars" }),
  );
  refuses("a negative verifier log size", () =>
    loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL", logLevel: 1, logSize: -1 }),
  );
  refuses("a pin path with a NUL byte", () => {
    const map = fakeMap();
    try {
      pinObject(map, "/sys/fs/bpf/a\0b");
    } finally {
      map.close();
    }
  });
  refuses("getting a pin whose path has a NUL byte", () => getPinned("/sys/fs/bpf/a\0b"));
  refuses("a negative BTF log size", () => loadBtf(new Uint8Array(24), { logLevel: 1, logSize: -1 }));

  // The writers every command goes through.
  refuses("an element count larger than the array's buffer holds", () =>
    writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(12), 4, [], 4),
  );
  refuses("a count that is not an integer", () => writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(16), 4, [], 1.5));
  refuses("a negative count", () => writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(16), 4, [], -1));
  refuses("a NaN count", () => writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(16), 4, [], NaN));
  refuses("an element size of 0", () => writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(16), 0, []));
  refuses("a buffer that is not whole elements", () => writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(10), 4, []));
  refuses("a count too wide for a 4-byte count field", () =>
    writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, { byteLength: 2 ** 33 } as unknown as Uint8Array, 1, []),
  );
  refuses("a length field outside the attr", () => writeBufferRef(new Uint8Array(16), { pointer: 0, length: 14 }, new Uint8Array(4), []));
  refuses("a pointer field at a NaN offset", () => writeBufferRef(new Uint8Array(16), { pointer: NaN, length: 8 }, new Uint8Array(4), []));
  refuses("a sized pointer to a buffer of another size", () => writeSizedPointer(new Uint8Array(16), 0, new Uint8Array(3), 4, []));
  refuses("a string without its NUL", () => writeStringPointer(new Uint8Array(16), 0, new TextEncoder().encode("GPL"), []));

  // Info requests with pointers written by hand: every pointer field of the object's struct is checked.
  const PROG = bpfProgInfoLayout.size;
  refuses("prog info: 3 map ids into room for 1", () => handWritten(fakeFd("prog"), PROG, progField("map_ids"), progField("nr_map_ids"), 3, 4)());
  refuses("prog info: jited instructions longer than their buffer", () =>
    handWritten(fakeFd("prog"), PROG, progField("jited_prog_insns"), progField("jited_prog_len"), 65, 64)(),
  );
  refuses("prog info: xlated instructions longer than their buffer", () =>
    handWritten(fakeFd("prog"), PROG, progField("xlated_prog_insns"), progField("xlated_prog_len"), 9, 8)(),
  );
  refuses("prog info: 2 jited ksyms (u64) into 12 bytes", () =>
    handWritten(fakeFd("prog"), PROG, progField("jited_ksyms"), progField("nr_jited_ksyms"), 2, 12)(),
  );
  refuses("prog info: 3 jited func lengths (u32) into 8 bytes", () =>
    handWritten(fakeFd("prog"), PROG, progField("jited_func_lens"), progField("nr_jited_func_lens"), 3, 8)(),
  );
  refuses("prog info: 2 func info records into room for 1", () =>
    handWritten(fakeFd("prog"), PROG, progField("func_info"), progField("nr_func_info"), 2, 8, (dv) =>
      dv.setUint32(progField("func_info_rec_size"), 8, true),
    )(),
  );
  refuses("prog info: a func info record size larger than the buffer allows", () =>
    handWritten(fakeFd("prog"), PROG, progField("func_info"), progField("nr_func_info"), 1, 8, (dv) =>
      dv.setUint32(progField("func_info_rec_size"), 64, true),
    )(),
  );
  refuses("prog info: 2 line info records into room for 1", () =>
    handWritten(fakeFd("prog"), PROG, progField("line_info"), progField("nr_line_info"), 2, 16, (dv) =>
      dv.setUint32(progField("line_info_rec_size"), 16, true),
    )(),
  );
  refuses("prog info: 3 jited line addresses into 16 bytes", () =>
    handWritten(fakeFd("prog"), PROG, progField("jited_line_info"), progField("nr_jited_line_info"), 3, 16, (dv) =>
      dv.setUint32(progField("jited_line_info_rec_size"), 8, true),
    )(),
  );
  refuses("prog info: 2 program tags into 8 bytes", () => handWritten(fakeFd("prog"), PROG, progField("prog_tags"), progField("nr_prog_tags"), 2, 8)());
  refuses("btf info: a blob longer than its buffer", () =>
    handWritten(fakeFd("btf"), bpfBtfInfoLayout.size, fieldOffset("bpf_btf_info", "btf"), fieldOffset("bpf_btf_info", "btf_size"), 100, 99)(),
  );
  refuses("btf info: a name longer than its buffer", () =>
    handWritten(fakeFd("btf"), bpfBtfInfoLayout.size, fieldOffset("bpf_btf_info", "name"), fieldOffset("bpf_btf_info", "name_len"), 17, 16)(),
  );
  refuses("map info: a 32-byte hash into 16 bytes", () =>
    handWritten(fakeFd("map"), bpfMapInfoLayout.size, fieldOffset("bpf_map_info", "hash"), fieldOffset("bpf_map_info", "hash_size"), 32, 16)(),
  );
  refuses("prog info: a pointer to a buffer not held in keep", () => {
    const fd = fakeFd("prog");
    const info = new Uint8Array(PROG);
    const dv = new DataView(info.buffer);
    dv.setBigUint64(progField("map_ids"), addressOf(new Uint8Array(64), []), true);
    dv.setUint32(progField("nr_map_ids"), 1, true);
    try {
      return getInfoRaw(fd, info, []);
    } finally {
      fd.close();
    }
  });
  refuses("prog info: a non-zero byte past the struct this package knows (maybe a newer kernel's pointer)", () => {
    const fd = fakeFd("prog");
    const info = new Uint8Array(PROG + 16);
    info[PROG + 8] = 1;
    try {
      return getInfoRaw(fd, info);
    } finally {
      fd.close();
    }
  });
  refuses("info with non-zero bytes for a descriptor of no known kind", () => {
    const fd = fakeFd("object");
    const info = new Uint8Array(PROG);
    info[60] = 1;
    try {
      return getInfoRaw(fd, info);
    } finally {
      fd.close();
    }
  });
});

describe("passed to the kernel", () => {
  test("pointers written by the memory module, in room for their counts, and requests of zeros", () => {
    const seen = noKernel();
    const fd = fakeFd("prog");
    try {
      const info = new Uint8Array(bpfProgInfoLayout.size);
      const keep: KeepAlive = [];
      writeArrayRef(info, { pointer: progField("map_ids"), count: progField("nr_map_ids") }, new Uint8Array(12), 4, keep);
      writeBufferRef(info, { pointer: progField("jited_prog_insns"), length: progField("jited_prog_len") }, new Uint8Array(100), keep);
      getInfoRaw(fd, info, keep);
      getInfoRaw(fd, new Uint8Array(bpfProgInfoLayout.size));
      getInfo(fd, "prog", { map_ids: new Uint8Array(8), func_info: new Uint8Array(16), prog_tags: new Uint8Array(8) });
      assert.equal(seen.calls, 3);
    } finally {
      fd.close();
    }
  });
});

describe("the kernel writes exactly the bytes it was given", { skip: liveSkip }, () => {
  test("keys, values and lookups through views in the middle of larger buffers", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 12, maxEntries: 4 });
    const key = fenced(4);
    key.view.set([1, 2, 3, 4]);
    const value = fenced(12);
    value.view.set([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2]);
    mapUpdate(map, key.view, value.view);
    const out = fenced(12);
    assert.deepEqual(mapLookup(map, key.view, { into: out.view }), value.view);
    const next = mapNextKey(map, null);
    assert.deepEqual(next, key.view);
    assert.ok(key.intact() && value.intact() && out.intact(), "the kernel wrote outside a view");
  });

  test("a per-CPU lookup fills one 8-byte slot per possible CPU and nothing past them", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    const out = fenced(map.valueBufferSize);
    out.view.fill(0xee);
    mapLookup(map, new Uint8Array(4), { into: out.view });
    assert.ok(out.view.every((b) => b === 0), "the kernel did not fill every slot");
    assert.ok(out.intact(), "the kernel wrote past the per-CPU value buffer");
  });

  test("a program using 64 maps, the kernel's most (MAX_USED_MAPS): every id comes back", () => {
    const count = 64;
    const held: MapFd[] = [];
    try {
      const insns = new Uint8Array(count * 16 + RETURN_ZERO.length);
      const view = new DataView(insns.buffer);
      for (let i = 0; i < count; i++) {
        const map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
        held.push(map);
        // ld_imm64 r1, map fd (BPF_PSEUDO_MAP_FD): the verifier records the map as used.
        insns[i * 16] = 0x18;
        insns[i * 16 + 1] = (1 << 4) | 1;
        view.setInt32(i * 16 + 4, map.fd, true);
      }
      insns.set(RETURN_ZERO, count * 16);
      using prog = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns, license: "GPL" }).fd;
      const details = programByFd(prog);
      assert.equal(details.mapIds.length, count);
      assert.equal(new Set(details.mapIds).size, count);
    } finally {
      for (const map of held) map.close();
    }
  });
});

describe("handles and requests from outside the library", { skip: liveSkip }, () => {
  test("a map handle cannot claim a smaller value size than the map's: its shape comes from the kernel", () => {
    using real = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 64, maxEntries: 1 });
    mapUpdate(real, new Uint8Array(4), new Uint8Array(64).fill(0x11));
    // A second descriptor for the same map, and a shape claiming 8-byte values.
    using other = getFdById("map", mapByFd(real).id);
    const shape: MapShape = { mapType: real.mapType, keySize: real.keySize, valueSize: 8, maxEntries: real.maxEntries, mapFlags: real.mapFlags };
    // The constructor is private to TypeScript, and at run time throws for anyone but the maps module.
    const construct = MapFd as unknown as new (fd: number, shape: MapShape) => MapFd;
    assert.throws(() => new construct(other.fd, shape), /use createMap, mapFromFd or mapFromId/);
    assert.equal(other.closed, false, "a refused construction does not take the descriptor");
    // Nor can a handle's shape be changed once it is built.
    assert.throws(() => {
      (real as unknown as { valueSize: number }).valueSize = 8;
    }, TypeError);
    assert.equal(real.valueSize, 64);
    // The public way to wrap a descriptor reads the shape from the kernel.
    using wrapped = mapFromFd(other);
    assert.equal(wrapped.valueSize, 64);
    const small = fenced(8);
    assert.throws(() => mapLookup(wrapped, new Uint8Array(4), { into: small.view }), RangeError);
    assert.ok(small.intact(), "the kernel wrote into an 8-byte view");
    const whole = fenced(64);
    mapLookup(wrapped, new Uint8Array(4), { into: whole.view });
    assert.ok(whole.view.every((b) => b === 0x11));
    assert.ok(whole.intact(), "the kernel wrote past a 64-byte view");
  });

  test("getInfoRaw with a pointer and count written into the info by hand: a count larger than the buffer is refused", () => {
    const maps = [0, 1, 2].map(() => createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 }));
    try {
      const insns = new Uint8Array(3 * 16 + 16);
      maps.forEach((map, i) => {
        insns[i * 16] = 0x18;
        insns[i * 16 + 1] = (1 << 4) | 1;
        new DataView(insns.buffer).setInt32(i * 16 + 4, map.fd, true);
      });
      insns.set(RETURN_ZERO, 48);
      using prog = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns, license: "GPL" }).fd;
      const info = new Uint8Array(bpfProgInfoLayout.size);
      const field = (name: string): number => bpfProgInfoLayout.fields.find((f) => f.name === name)!.offset;
      const ids = fenced(4);
      const keep: KeepAlive = [];
      const dv = new DataView(info.buffer);
      dv.setBigUint64(field("map_ids"), addressOf(ids.view, keep), true);
      dv.setUint32(field("nr_map_ids"), 3, true); // three ids, room for one
      assert.throws(() => getInfoRaw(prog, info, keep), /map_ids points to no buffer held in keep with room for 3 elements of 4 bytes/);
      assert.ok(ids.intact(), "the kernel wrote 3 map ids into a 4-byte view");
      // With room for them, the same hand-written request goes through, and the kernel fills exactly that room.
      const room = fenced(12);
      const keep2: KeepAlive = [];
      dv.setBigUint64(field("map_ids"), addressOf(room.view, keep2), true);
      getInfoRaw(prog, info, keep2);
      assert.ok(room.intact());
      const expected = maps.map((map) => mapByFd(map).id).sort((a, b) => a - b);
      const got = [0, 1, 2].map((i) => new DataView(room.view.buffer, room.view.byteOffset).getUint32(i * 4, true)).sort((a, b) => a - b);
      assert.deepEqual(got, expected);
      // Built from the buffers, a request for fewer ids than the program has gets the first ones, and the kernel's count.
      const two = fenced(8);
      const reply = getInfo(prog, "prog", { map_ids: two.view });
      assert.equal(new DataView(reply.info.buffer).getUint32(field("nr_map_ids"), true), 3);
      assert.equal(new DataView(reply.info.buffer).getBigUint64(field("map_ids"), true), 0n, "the pointer is cleared in the reply");
      assert.ok(two.intact());
    } finally {
      for (const map of maps) map.close();
    }
  });

  test("a request built for one kind of object is refused for another", () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    // A handle that says "prog" about a map: /proc names the real kind, and the map's struct is checked.
    using other = getFdById("map", mapByFd(map).id);
    using lying = new BpfFd(other.release(), "prog");
    assert.throws(() => getInfo(lying, "prog", { map_ids: new Uint8Array(4) }), /it is a map, not a prog/);
  });

  test("the koffi backend is the one under test", { skip: process.platform !== "linux" }, () => {
    assert.equal(bpfBackend().name, "koffi");
  });
});
