// Tests of the memory module: addresses, (pointer, length) pairs, and that a bad length throws before any call.

import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import fc from "fast-check";
import {
  type BpfBackend,
  type KeepAlive,
  addressOf,
  bpfBackend,
  bpfCall,
  cString,
  getInfoRaw,
  infoAttr,
  loadProgram,
  mapLookup,
  mapUpdate,
  createMap,
  keepHolds,
  setBpfBackend,
  writeArrayRef,
  writeBufferRef,
  writeSizedPointer,
  writeStringPointer,
  ATTR_LAYOUT,
  BPF_ATTR_SIZE,
  BpfFd,
} from "bpftypes/node";
import { BPFCommand, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_PROG_TYPE_SOCKET_FILTER } from "bpftypes";
import { returnImm } from "../support/insns.js";
import { checkFdLeaks } from "../support/fds.js";

checkFdLeaks();

const le = (u8: Uint8Array): DataView => new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
const u64At = (u8: Uint8Array, offset: number): bigint => le(u8).getBigUint64(offset, true);
const u32At = (u8: Uint8Array, offset: number): number => le(u8).getUint32(offset, true);

/**
 * A backend that records calls and hands out made-up addresses: no kernel involved. A map it
 * "creates" is a /dev/null descriptor, so a map handle of any shape can be had without a kernel.
 */
function fakeBackend(result = 0): BpfBackend & { calls: { cmd: number; attr: Uint8Array }[] } {
  const addresses = new Map<ArrayBufferLike, bigint>();
  const calls: { cmd: number; attr: Uint8Array }[] = [];
  return {
    name: "fake",
    calls,
    bpf(cmd, attr) {
      calls.push({ cmd, attr: attr.slice() });
      return cmd === BPFCommand.BPF_MAP_CREATE ? devNullFd() : result;
    },
    close(fd) {
      closeSync(fd);
      return 0;
    },
    addressOf(buffer) {
      let base = addresses.get(buffer.buffer);
      if (base === undefined) {
        base = 0x1000_0000n * BigInt(addresses.size + 1);
        addresses.set(buffer.buffer, base);
      }
      return base + BigInt(buffer.byteOffset);
    },
  };
}

let restore: BpfBackend | undefined;
let faked = false;
function useFake(result = 0): ReturnType<typeof fakeBackend> {
  const fake = fakeBackend(result);
  restore = setBpfBackend(fake);
  faked = true;
  return fake;
}
afterEach(() => {
  if (faked) setBpfBackend(restore);
  faked = false;
});

/** A descriptor number that is not a bpf object, for handles that never reach the kernel. */
function devNullFd(): number {
  return openSync("/dev/null", "r");
}

describe("addressOf", () => {
  test("null and empty buffers are the null pointer and are not kept", () => {
    useFake();
    const keep: KeepAlive = [];
    assert.equal(addressOf(null, keep), 0n);
    assert.equal(addressOf(new Uint8Array(0), keep), 0n);
    assert.equal(keep.length, 0);
  });

  test("a buffer is kept alive by the call's keep list", () => {
    useFake();
    const keep: KeepAlive = [];
    const buffer = new Uint8Array(16);
    assert.notEqual(addressOf(buffer, keep), 0n);
    assert.deepEqual(keep, [buffer]);
  });

  test("a backend giving the null pointer for a real buffer is an error", () => {
    restore = setBpfBackend({ name: "broken", bpf: () => 0, addressOf: () => 0n, close: () => 0 });
    faked = true;
    assert.throws(() => addressOf(new Uint8Array(4), []), /null pointer/);
  });

  test("koffi: real addresses, with subarrays at their byte offset", { skip: process.platform !== "linux" }, () => {
    assert.equal(bpfBackend().name, "koffi");
    const keep: KeepAlive = [];
    const buffer = new Uint8Array(64);
    const base = addressOf(buffer, keep);
    assert.ok(base > 0n);
    assert.equal(addressOf(buffer.subarray(5), keep) - base, 5n);
    assert.equal(addressOf(buffer, keep), base, "the address is stable");
    // A small typed array may start inside V8's heap: asking for its address must give a stable one too.
    const tiny = new Uint8Array(8);
    const first = addressOf(tiny, keep);
    assert.equal(addressOf(tiny, keep), first);
  });
});

describe("keepHolds", () => {
  test("a range inside a buffer keep holds, and nothing past it", () => {
    useFake();
    const keep: KeepAlive = [];
    const buffer = new Uint8Array(64).subarray(8, 24);
    const address = addressOf(buffer, keep);
    assert.ok(keepHolds(keep, address, 16));
    assert.ok(keepHolds(keep, address + 4n, 12));
    assert.ok(keepHolds(keep, address + 16n, 0), "an empty range at the end");
    assert.ok(!keepHolds(keep, address, 17));
    assert.ok(!keepHolds(keep, address + 4n, 13));
    assert.ok(!keepHolds(keep, address - 1n, 2), "a range starting before the buffer");
    assert.ok(!keepHolds(keep, 0n, 0), "the null pointer");
    assert.ok(!keepHolds(keep, address, -1));
    assert.ok(!keepHolds(keep, address, Number.NaN));
    assert.ok(!keepHolds([], address, 1), "another keep list");
  });

  test("a call empties keep, and the buffers it held no longer count", () => {
    useFake();
    const keep: KeepAlive = [];
    const address = addressOf(new Uint8Array(8), keep);
    bpfCall("BPF_OBJ_GET_INFO_BY_FD", new Uint8Array(BPF_ATTR_SIZE), keep);
    assert.ok(!keepHolds(keep, address, 8));
    // A reused list holds what was added since.
    const next = new Uint8Array(4);
    const again = addressOf(next, keep);
    assert.ok(keepHolds(keep, again, 4));
    assert.ok(!keepHolds(keep, address, 8));
  });

  test("a buffer pushed by hand counts too, at the address the backend gives for it", () => {
    const fake = useFake();
    const buffer = new Uint8Array(32);
    const keep: KeepAlive = [buffer];
    assert.ok(keepHolds(keep, fake.addressOf(buffer) + 8n, 24));
    assert.ok(!keepHolds(keep, fake.addressOf(buffer) + 8n, 25));
  });

  test("a buffer transferred away holds nothing", () => {
    useFake();
    const keep: KeepAlive = [];
    const buffer = new Uint8Array(8);
    const address = addressOf(buffer, keep);
    structuredClone(buffer.buffer, { transfer: [buffer.buffer] });
    assert.ok(!keepHolds(keep, address, 1));
  });
});

describe("writeBufferRef", () => {
  test("the length is the buffer's byte length, next to its address", () => {
    const fake = useFake();
    const target = new Uint8Array(32);
    const buffer = new Uint8Array(100).subarray(10, 42);
    const keep: KeepAlive = [];
    writeBufferRef(target, { pointer: 8, length: 4 }, buffer, keep);
    assert.equal(u64At(target, 8), fake.addressOf(buffer));
    assert.equal(u32At(target, 4), 32);
    assert.deepEqual(keep, [buffer]);
  });

  test("a 64-bit length field", () => {
    useFake();
    const target = new Uint8Array(32);
    writeBufferRef(target, { pointer: 0, length: 8, lengthWidth: 8 }, new Uint8Array(7), []);
    assert.equal(u64At(target, 8), 7n);
  });

  test("null writes (0, 0)", () => {
    useFake();
    const target = new Uint8Array(16).fill(0xff);
    writeBufferRef(target, { pointer: 0, length: 8 }, null, []);
    assert.equal(u64At(target, 0), 0n);
    assert.equal(u32At(target, 8), 0);
  });

  test("a field outside the target throws and writes nothing", () => {
    useFake();
    const target = new Uint8Array(16);
    assert.throws(() => writeBufferRef(target, { pointer: 0, length: 14 }, new Uint8Array(4), []), RangeError);
    assert.throws(() => writeBufferRef(target, { pointer: 12, length: 0 }, new Uint8Array(4), []), RangeError);
    assert.throws(() => writeBufferRef(target, { pointer: -8, length: 0 }, new Uint8Array(4), []), RangeError);
    assert.deepEqual(target, new Uint8Array(16));
  });
});

describe("writeArrayRef", () => {
  test("without a count, the count is every whole element", () => {
    const fake = useFake();
    const target = new Uint8Array(16);
    const ids = new Uint8Array(12);
    writeArrayRef(target, { pointer: 0, count: 8 }, ids, 4, []);
    assert.equal(u64At(target, 0), fake.addressOf(ids));
    assert.equal(u32At(target, 8), 3);
  });

  test("a smaller explicit count is allowed", () => {
    useFake();
    const target = new Uint8Array(16);
    writeArrayRef(target, { pointer: 0, count: 8 }, new Uint8Array(16), 4, [], 2);
    assert.equal(u32At(target, 8), 2);
  });

  test("a count the buffer cannot hold throws before anything is written", () => {
    useFake();
    const target = new Uint8Array(16);
    const keep: KeepAlive = [];
    assert.throws(() => writeArrayRef(target, { pointer: 0, count: 8 }, new Uint8Array(12), 4, keep, 4), /need 16 bytes, but the buffer has 12/);
    assert.throws(() => writeArrayRef(target, { pointer: 0, count: 8 }, null, 4, keep, 1), RangeError);
    assert.deepEqual(target, new Uint8Array(16));
    assert.equal(keep.length, 0);
  });

  test("a partial element without a count throws", () => {
    useFake();
    assert.throws(() => writeArrayRef(new Uint8Array(16), { pointer: 0, count: 8 }, new Uint8Array(10), 4, []), /whole number/);
  });

  test("bad counts and element sizes throw", () => {
    useFake();
    const target = new Uint8Array(16);
    for (const count of [-1, 1.5, Number.NaN]) {
      assert.throws(() => writeArrayRef(target, { pointer: 0, count: 8 }, new Uint8Array(16), 4, [], count), RangeError);
    }
    for (const size of [0, -4, 2.5]) {
      assert.throws(() => writeArrayRef(target, { pointer: 0, count: 8 }, new Uint8Array(16), size, []), RangeError);
    }
    assert.deepEqual(target, new Uint8Array(16));
  });

  test("a zero count writes the null pointer", () => {
    useFake();
    const target = new Uint8Array(16).fill(0xff);
    const keep: KeepAlive = [];
    writeArrayRef(target, { pointer: 0, count: 8 }, new Uint8Array(16), 4, keep, 0);
    assert.equal(u64At(target, 0), 0n);
    assert.equal(u32At(target, 8), 0);
    assert.equal(keep.length, 0);
  });

  test("property: it throws exactly when count * elementSize exceeds the buffer, else writes that count", () => {
    useFake();
    fc.assert(
      fc.property(fc.nat(256), fc.integer({ min: 1, max: 32 }), fc.nat(64), (bytes, elementSize, count) => {
        const target = new Uint8Array(16);
        const fits = count * elementSize <= bytes;
        let threw = false;
        try {
          writeArrayRef(target, { pointer: 0, count: 8 }, new Uint8Array(bytes), elementSize, [], count);
        } catch (error) {
          threw = error instanceof RangeError;
          assert.deepEqual(target, new Uint8Array(16));
        }
        assert.equal(threw, !fits);
        if (fits) assert.equal(u32At(target, 8), count);
      }),
    );
  });
});

describe("sized and string pointers", () => {
  test("a sized pointer needs exactly its size", () => {
    useFake();
    const target = new Uint8Array(8);
    assert.throws(() => writeSizedPointer(target, 0, new Uint8Array(3), 4, [], "a map key"), /passing a map key: the kernel uses 4 bytes, but the buffer has 3/);
    assert.throws(() => writeSizedPointer(target, 0, new Uint8Array(5), 4, []), RangeError);
    assert.throws(() => writeSizedPointer(target, 0, null, 4, []), RangeError);
    assert.deepEqual(target, new Uint8Array(8));
    writeSizedPointer(target, 0, null, 0, []);
    assert.equal(u64At(target, 0), 0n);
  });

  test("a string pointer needs a NUL at the end, and cString adds one", () => {
    useFake();
    assert.throws(() => writeStringPointer(new Uint8Array(8), 0, new TextEncoder().encode("GPL"), []), /NUL/);
    assert.throws(() => writeStringPointer(new Uint8Array(8), 0, new Uint8Array(0), []), /NUL/);
    assert.deepEqual(cString("GPL"), new Uint8Array([71, 80, 76, 0]));
    assert.deepEqual(cString("é"), new Uint8Array([0xc3, 0xa9, 0]));
    assert.throws(() => cString("a\0b"), /NUL/);
  });
});

describe("nothing reaches the kernel when a length is wrong", () => {
  test("an info buffer whose array count overruns its array throws before the call", () => {
    const fake = useFake();
    const info = new Uint8Array(232);
    const mapIds = new Uint8Array(8); // room for 2 ids
    // bpf_prog_info: nr_map_ids at 32, map_ids at 40 (the layout is another module's: any pair will do here).
    assert.throws(() => writeArrayRef(info, { pointer: 40, count: 32 }, mapIds, 4, [], 3), RangeError);
    assert.equal(fake.calls.length, 0);
  });

  test("the info length the kernel is told is the buffer's", () => {
    const fake = useFake();
    const fd = new BpfFd(devNullFd(), "object");
    try {
      getInfoRaw(fd, new Uint8Array(104));
      const [call] = fake.calls;
      assert.ok(call);
      assert.equal(call.attr.byteLength, BPF_ATTR_SIZE);
      assert.equal(u32At(call.attr, ATTR_LAYOUT.info.fields.info_len.offset), 104);
    } finally {
      fd.close();
    }
  });

  test("map keys and values of the wrong size throw before the call", () => {
    const fake = useFake();
    const map = createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 1 });
    fake.calls.length = 0;
    try {
      assert.throws(() => mapLookup(map, new Uint8Array(3)), /map key/);
      assert.throws(() => mapLookup(map, null), /map key/);
      assert.throws(() => mapLookup(map, new Uint8Array(4), { into: new Uint8Array(4) }), /map value/);
      assert.throws(() => mapUpdate(map, new Uint8Array(4), new Uint8Array(9)), /map value/);
      assert.equal(fake.calls.length, 0);
    } finally {
      map.close();
    }
  });

  test("a per-CPU value must hold a slot per possible CPU", () => {
    const fake = useFake();
    const map = createMap({ mapType: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    fake.calls.length = 0;
    try {
      assert.ok(map.valueBufferSize >= 8 && map.valueBufferSize % 8 === 0);
      assert.throws(() => mapUpdate(map, new Uint8Array(4), new Uint8Array(4)), /map value/);
      assert.equal(fake.calls.length, 0);
    } finally {
      map.close();
    }
  });

  test("bad names and partial instructions throw before the call", () => {
    const fake = useFake();
    assert.throws(() => createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 1, name: "x".repeat(16) }), /longer than 15/);
    assert.throws(() => createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 1, name: "a-b" }), /characters/);
    const insns = returnImm(0);
    assert.throws(() => loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: insns.subarray(0, 12), license: "GPL" }), /whole 8-byte/);
    assert.equal(fake.calls.length, 0);
  });
});

describe("bpfCall", () => {
  test("keeps buffers through the call, then lets go of them", () => {
    const fake = useFake(3);
    const keep: KeepAlive = [];
    const fd = new BpfFd(devNullFd(), "object");
    try {
      const attr = infoAttr(fd.fd, new Uint8Array(16), keep);
      assert.equal(keep.length, 1);
      assert.equal(bpfCall("BPF_OBJ_GET_INFO_BY_FD", attr, keep), 3);
      assert.equal(keep.length, 0);
      assert.equal(fake.calls[0]?.cmd, 15);
    } finally {
      fd.close();
    }
  });

  test("a negative result becomes a BpfError with the errno's name", () => {
    useFake(-2);
    assert.throws(
      () => bpfCall("BPF_MAP_GET_FD_BY_ID", new Uint8Array(BPF_ATTR_SIZE), [], { doing: "opening map id 9" }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.name, "BpfError");
        assert.match(error.message, /^opening map id 9: no such entry \(ENOENT\): /);
        return true;
      },
    );
  });
});
