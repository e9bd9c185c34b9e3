// The helpers of the inspection layer that need no privilege: fdinfo parsing and the boot instant behind wall-clock load times.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { openSync, readdirSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { BPF_MAP_TYPE_ARRAY } from "bpftypes";
import { BpfFd, bpfBackend, createMap, bootNsToEpochMs, bootNsToEpochNs, bootTimeMs, bootTimeNs, FdinfoReader, fdinfoField, fdinfoNumber, objectId, parseFdinfo, readFdinfoNumbers, resetBootTime, type BpfBackend } from "bpftypes/node";
import { withBackend } from "../support/backend.js";
import { checkFdLeaks } from "../support/fds.js";
import { liveSkip } from "../support/live.js";
import { repoRoot } from "../support/testdata.js";

// The text reader behind FdinfoReader and the id opener are internal: load them from the modules tsc built.
const { FdinfoText } = (await import(pathToFileURL(`${repoRoot}dist/node/fdinfo.js`).href)) as typeof import("../../src/node/fdinfo.js");
const { IdOpener } = (await import(pathToFileURL(`${repoRoot}dist/node/ids.js`).href)) as typeof import("../../src/node/ids.js");
// Those modules reach native code through the per-module ffi.js, not through the bundle's copy.
const moduleFfi = (await import(pathToFileURL(`${repoRoot}dist/node/ffi.js`).href)) as typeof import("../../src/node/ffi.js");


/** FdinfoText over `text`, with `stale` bytes after it that are not part of the text. */
function textOf(text: string, stale = ""): InstanceType<typeof FdinfoText> {
  const bytes = Buffer.from(text + stale, "latin1");
  const fdinfo = new FdinfoText(bytes);
  fdinfo.take(text.length);
  return fdinfo;
}

checkFdLeaks();

const SAMPLE = "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nmap_type:\t3\nmemlock:\t344\nmap_id:\t8\nfrozen:\t1\nowner_prog_type:\t1\nowner_jited:\t1\n";

describe("fdinfo text", () => {
  test("one field by key: first line, middle, last, missing", () => {
    assert.equal(fdinfoField(SAMPLE, "pos"), "0");
    assert.equal(fdinfoField(SAMPLE, "memlock"), "344");
    assert.equal(fdinfoField(SAMPLE, "owner_jited"), "1");
    assert.equal(fdinfoField(SAMPLE, "owner"), undefined, "a key is matched whole, not by prefix");
    assert.equal(fdinfoField(SAMPLE, "nope"), undefined);
    assert.equal(fdinfoNumber(SAMPLE, "frozen"), 1);
    assert.equal(fdinfoNumber("x:\tabc\n", "x"), undefined);
    assert.equal(fdinfoNumber("x:\t-5", "x"), -5);
  });

  test("every field, in order", () => {
    const all = parseFdinfo(SAMPLE);
    assert.deepEqual([...all.keys()].slice(0, 3), ["pos", "flags", "mnt_id"]);
    assert.equal(all.get("map_id"), "8");
  });
});

describe("fdinfo text read from bytes", () => {
  test("keys on the first line, in the middle and on a last line with no newline", () => {
    const fdinfo = textOf("pos:\t0\nmemlock:\t344\nmap_id:\t8\nfrozen:\t1");
    assert.equal(fdinfo.number("pos"), 0);
    assert.equal(fdinfo.number("memlock"), 344);
    assert.equal(fdinfo.number("frozen"), 1);
  });

  test("missing keys, prefixes and suffixes of keys are no match", () => {
    const fdinfo = textOf(SAMPLE);
    assert.equal(fdinfo.number("nope"), undefined);
    assert.equal(fdinfo.number("owner"), undefined, "a prefix of a key");
    assert.equal(fdinfo.number("id"), undefined, "the end of map_id");
    assert.equal(fdinfo.number("map_id"), 8);
    assert.equal(fdinfo.number(""), undefined);
    assert.equal(textOf("").number("pos"), undefined, "an empty text");
    assert.equal(fdinfo.number("\u0170os"), undefined, "a key with a character wider than a byte (its low byte is a 'p')");
  });

  test("negative numbers, and values that are not decimal numbers", () => {
    const fdinfo = textOf("a:\t-5\nb:\t0x0\nc:\tabc\nd:\t12a\ne:\t\nf:\t-\ng:  7\nh:7\ni:\t1 \nj:\t-0\n");
    assert.equal(fdinfo.number("a"), -5);
    assert.equal(fdinfo.number("b"), undefined);
    assert.equal(fdinfo.number("c"), undefined);
    assert.equal(fdinfo.number("d"), undefined);
    assert.equal(fdinfo.number("e"), undefined, "an empty value");
    assert.equal(fdinfo.number("f"), undefined, "a sign alone");
    assert.equal(fdinfo.number("g"), 7, "spaces before the value");
    assert.equal(fdinfo.number("h"), 7, "nothing before the value");
    assert.equal(fdinfo.number("i"), undefined, "a space after the value");
    assert.equal(fdinfo.number("j"), -0);
  });

  test("bytes past the text's length are not read", () => {
    assert.equal(textOf("pos:\t0\n", "memlock:\t1\n").number("memlock"), undefined);
    assert.equal(textOf("memlock:\t12", "3\n").number("memlock"), 12);
    assert.equal(textOf("memlock", ":\t1\n").number("memlock"), undefined, "a key cut off before its colon");
    assert.equal(textOf("pos:\t0", "\nmemlock:\t1\n").number("memlock"), undefined, "a line that starts right after the text");
    assert.equal(textOf("pos:\t0\nmem", "lock:\t1\n").number("memlock"), undefined, "a key the text's end cuts in two");
  });

  test("a text of many lines, then a shorter one in the same buffer", () => {
    const long = Array.from({ length: 100 }, (_, i) => `k${i}:\t${i}\n`).join("");
    const bytes = Buffer.from(long, "latin1");
    const fdinfo = new FdinfoText(bytes);
    fdinfo.take(long.length);
    assert.equal(fdinfo.number("k0"), 0);
    assert.equal(fdinfo.number("k99"), 99);
    bytes.write("k7:\t3\n", "latin1");
    fdinfo.take(6);
    assert.equal(fdinfo.number("k7"), 3);
    assert.equal(fdinfo.number("k99"), undefined, "lines of the longer text before are forgotten");
  });

  test("agrees with fdinfoNumber on any text of key: value lines", () => {
    const key = fc.constantFrom("pos", "memlock", "frozen", "map_id", "id", "owner_jited", "owner");
    const value = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }).map(String), fc.constantFrom("", "-", "0x0", "1 ", " 3", "abc", "-0"));
    const line = fc.tuple(key, fc.constantFrom(":", ":\t", ": ", ":\t\t", " :"), value).map(([k, sep, v]) => `${k}${sep}${v}`);
    const text = fc.tuple(fc.array(line, { maxLength: 20 }), fc.boolean()).map(([all, newline]) => all.join("\n") + (newline && all.length > 0 ? "\n" : ""));
    fc.assert(
      fc.property(text, key, (t, k) => {
        assert.equal(textOf(t, "\nfrozen:\t1\n").number(k), fdinfoNumber(t, k));
      }),
    );
  });
});

describe("FdinfoReader", () => {
  test("reads a descriptor's fdinfo once and answers numbers from its bytes", () => {
    // Any descriptor has fdinfo; /dev/null's has pos, flags, mnt_id and ino.
    using fd = new BpfFd(openSync("/dev/null", "r"), "object");
    const reader = new FdinfoReader().load(fd);
    assert.match(reader.text(), /^pos:\s+0\n/);
    assert.equal(reader.number("pos"), 0, "the first line has no newline before it");
    assert.equal(typeof reader.number("mnt_id"), "number");
    assert.equal(reader.number("ino"), Number(fdinfoField(reader.text(), "ino")));
    assert.equal(reader.number("memlock"), undefined);
    assert.equal(reader.number("o"), undefined, "a prefix of a key is no key");
  });

  test("a shorter text read later does not answer from the longer one before it", { skip: liveSkip }, () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    using devNull = new BpfFd(openSync("/dev/null", "r"), "object");
    const reader = new FdinfoReader();
    assert.equal(typeof reader.load(map).number("memlock"), "number");
    assert.equal(reader.load(map).number("frozen"), 0);
    assert.equal(reader.load(devNull).number("memlock"), undefined, "the map's bytes are still in the buffer, past the end");
  });
});

describe("FdinfoReader keeps its proc file open between reads", () => {
  const openCount = (): number => readdirSync("/proc/self/fd").length;

  test("and reads whatever file the descriptor number holds now; release() closes it", { skip: liveSkip }, () => {
    const before = openCount();
    const reader = new FdinfoReader();
    const devNull = new BpfFd(openSync("/dev/null", "r"), "object");
    const number = devNull.fd;
    assert.equal(reader.load(devNull).number("memlock"), undefined);
    devNull.close();
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    assert.equal(map.fd, number, "the lowest free number comes back");
    assert.equal(typeof reader.load(map).number("memlock"), "number", "the open proc file now shows the map");
    assert.equal(openCount(), before + 2, "the map and the proc file");
    reader.release();
    reader.release();
    assert.equal(openCount(), before + 1);
  });

  test("a different descriptor number opens the right file", () => {
    using a = new BpfFd(openSync("/dev/null", "r"), "object");
    using b = new BpfFd(openSync("/proc/self/status", "r"), "object");
    using reader = new FdinfoReader();
    const inoA = reader.load(a).number("ino");
    const inoB = reader.load(b).number("ino");
    assert.notEqual(inoA, inoB);
    assert.equal(reader.load(a).number("ino"), inoA);
  });
});

describe("FdinfoReader reads through the backend's pread when it has one", () => {
  test("and through node:fs when it has none, to the same text", () => {
    using fd = new BpfFd(openSync("/dev/null", "r"), "object");
    const real = bpfBackend();
    assert.equal(typeof real.readAt, "function", "the koffi backend has pread");
    const throughBackend = new FdinfoReader().load(fd).text();
    const { readAt: _unused, ...withoutPread } = real;
    const throughFs = withBackend({ ...withoutPread, name: "no pread" }, () => new FdinfoReader().load(fd).text());
    assert.equal(throughFs, throughBackend);
    assert.match(throughFs, /^pos:\s+0\n/);
  });

  test("a failed pread is an error that names the errno", () => {
    using fd = new BpfFd(openSync("/dev/null", "r"), "object");
    const EIO = 5;
    const failing: BpfBackend = { ...bpfBackend(), name: "failing pread", readAt: () => -EIO };
    using reader = new FdinfoReader();
    assert.throws(() => withBackend(failing, () => reader.load(fd)), /reading a bpf object's fdinfo: pread failed with EIO/);
  });
});

describe("opening by id for a moment", () => {
  const openCount = (): number => readdirSync("/proc/self/fd").length;
  const NO_SUCH_ID = 0x7fff_fff0;

  test("peek hands over the descriptor and closes it, also when the use throws", { skip: liveSkip }, () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    const id = objectId(map, "bpf_map_info");
    const opener = new IdOpener("map");
    const before = openCount();
    let seen = -1;
    assert.equal(opener.peek(id, (fd) => ((seen = fd), "used")), "used");
    assert.ok(seen >= 0 && seen !== map.fd, "a descriptor of its own");
    assert.equal(openCount(), before, "closed after the use");
    assert.throws(() => opener.peek(id, () => { throw new Error("boom"); }), /boom/);
    assert.equal(openCount(), before, "closed after a throw");
    assert.equal(opener.peek(NO_SUCH_ID, () => "used"), undefined, "no object, no use");
  });

  test("an error other than a missing object is thrown with the id", () => {
    const EPERM = 1;
    const refusing: BpfBackend = { ...moduleFfi.bpfBackend(), name: "refusing", bpf: () => -EPERM };
    const opener = new IdOpener("prog");
    assert.throws(() => withBackend(refusing, () => opener.peek(1, () => 0), moduleFfi), /opening prog id 1: .*\(EPERM\)/);
    assert.throws(() => withBackend(refusing, () => opener.tryOpen(1), moduleFfi), /opening prog id 1: .*\(EPERM\)/);
  });

  test("readFdinfoNumbers reads what FdinfoReader reads, NaN for a missing object", { skip: liveSkip }, () => {
    using map = createMap({ mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 3 });
    const id = objectId(map, "bpf_map_info");
    using reader = new FdinfoReader();
    reader.load(map);
    const numbers = readFdinfoNumbers("map", [id, NO_SUCH_ID, id], ["memlock", "frozen", "no_such_key"]);
    assert.deepEqual([...numbers], [reader.number("memlock"), 0, Number.NaN, Number.NaN, Number.NaN, Number.NaN, reader.number("memlock"), 0, Number.NaN]);
    assert.ok(numbers[0]! > 0);
  });
});

describe("boot time", () => {
  test("the boot instant agrees with /proc/stat's btime, to the second", () => {
    resetBootTime();
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"))?.[1]);
    assert.ok(Math.abs(bootTimeMs() / 1000 - btime) < 2, `${bootTimeMs() / 1000} vs ${btime}`);
    assert.equal(bootTimeMs(), bootTimeMs(), "measured once");
  });

  test("with clock_gettime the instant is the same to a few microseconds each time it is measured, and agrees with /proc/uptime", { skip: process.platform !== "linux" }, () => {
    assert.ok(bpfBackend().clockNs, "the koffi backend reads clocks");
    const instants = Array.from({ length: 5 }, () => {
      resetBootTime();
      return bootTimeNs();
    });
    const spread = instants.reduce((max, ns) => (ns > max ? ns : max)) - instants.reduce((min, ns) => (ns < min ? ns : min));
    assert.ok(spread < 1_000_000n, `measurements spread over ${spread} ns`);
    // /proc/uptime counts the same BOOTTIME clock to the hundredth of a second.
    const uptime = Number(readFileSync("/proc/uptime", "latin1").split(" ")[0]);
    const fromUptime = Date.now() - uptime * 1000;
    assert.ok(Math.abs(bootTimeMs() - fromUptime) < 25, `${bootTimeMs()} vs ${fromUptime}`);
  });

  test("without a clock in the backend, the instant comes from /proc/uptime", () => {
    const precise = bootTimeNs();
    const backend: BpfBackend = { name: "no clocks", bpf: () => -38, addressOf: () => 0x1000n, close: () => 0 };
    try {
      const coarse = withBackend(backend, () => {
        resetBootTime();
        return bootTimeNs();
      });
      const apart = coarse > precise ? coarse - precise : precise - coarse;
      assert.ok(apart < 25_000_000n, `${coarse} vs ${precise}`);
    } finally {
      resetBootTime();
    }
  });

  test("nanoseconds since boot become epoch milliseconds", () => {
    assert.equal(bootNsToEpochMs(0n), bootTimeMs());
    // Epoch milliseconds are about 1.8e12: a double holds them to a fraction of a microsecond.
    assert.ok(Math.abs(bootNsToEpochMs(1_500_000_000n) - bootTimeMs() - 1500) < 1e-3);
    assert.equal(bootNsToEpochNs(1_500_000_000n) - bootTimeNs(), 1_500_000_000n);
  });
});
