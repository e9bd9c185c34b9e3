// The syscall boundary: through the public bpftypes/node API, try to make the kernel write past a buffer, and check the library refuses before the call.
//
// Where the kernel is really called, every buffer is a view in the middle of a larger buffer filled
// with a canary byte: a write past the view lands in the canary, never in memory we do not own.

import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openSync } from "node:fs";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_PROG_TYPE_SOCKET_FILTER,
  bpfProgInfoLayout,
} from "bpftypes";
import {
  type BpfBackend,
  type KeepAlive,
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
  mapByFd,
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

/** Replaces the backend with one that counts calls and runs none; restored after each test. */
let restore: BpfBackend | undefined;
let replaced = false;
function noKernel(): { calls: number } {
  const seen = { calls: 0 };
  let next = 0x1000_0000n;
  restore = setBpfBackend({
    name: "no kernel",
    bpf: () => {
      seen.calls++;
      return 0;
    },
    addressOf: (buffer) => (next += 0x1000n) + BigInt(buffer.byteOffset),
  });
  replaced = true;
  return seen;
}
afterEach(() => {
  if (replaced) setBpfBackend(restore);
  replaced = false;
});

/** A map handle over a descriptor that is not a map: the kernel is never reached in these tests. */
function fakeMap(shape: Partial<ConstructorParameters<typeof MapFd>[1]> = {}): MapFd {
  return new MapFd(openSync("/dev/null", "r"), { mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 4, mapFlags: 0, ...shape });
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

describe("holes: raw handles the library trusts", { skip: liveSkip }, () => {
  test(
    "a MapFd built by hand with a smaller value size than the map's: a lookup must not let the kernel write past the buffer",
    { todo: "MapFd's constructor trusts the shape it is given; mapLookup then sizes the buffer from it (reported)" },
    () => {
      using real = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 64, maxEntries: 1 });
      mapUpdate(real, new Uint8Array(4), new Uint8Array(64).fill(0x11));
      // A second handle on the same map, claiming 8-byte values.
      const shape = { mapType: real.mapType, keySize: real.keySize, valueSize: 8, maxEntries: real.maxEntries, mapFlags: real.mapFlags };
      using wrong = new MapFd(getFdById("map", mapByFd(real).id).release(), shape);
      const out = fenced(8);
      let refused = false;
      try {
        mapLookup(wrong, new Uint8Array(4), { into: out.view });
      } catch {
        refused = true;
      }
      assert.ok(refused || out.intact(), "the kernel wrote 64 bytes into an 8-byte view");
    },
  );

  test(
    "getInfoRaw with a pointer and count written into the info by hand: the count must not exceed the buffer",
    { todo: "getInfoRaw passes pointer fields inside the info struct unchecked (reported)" },
    () => {
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
        let refused = false;
        try {
          getInfoRaw(prog, info, keep);
        } catch {
          refused = true;
        }
        assert.ok(refused || ids.intact(), "the kernel wrote 3 map ids into a 4-byte view");
      } finally {
        for (const map of maps) map.close();
      }
    },
  );

  test("the koffi backend is the one under test", { skip: process.platform !== "linux" }, () => {
    assert.equal(bpfBackend().name, "koffi");
  });
});
