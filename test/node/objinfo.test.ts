// Tests of info requests: built pair by pair from their buffers, and hand-written ones checked against keep before the call (no kernel: a fake answers).

import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { BPFCommand, linkTypes } from "bpftypes";
import { fieldLayout, fieldOffset, infoLayouts, type InfoStructName } from "bpftypes/codec";
import {
  type BpfBackend,
  type KeepAlive,
  ATTR_LAYOUT,
  BpfFd,
  INFO_POINTER_FIELDS,
  addressOf,
  getInfo,
  getInfoRaw,
  infoRequest,
  setBpfBackend,
} from "bpftypes/node";

const le = (u8: Uint8Array): DataView => new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
const INFO = ATTR_LAYOUT.info.fields;

/**
 * A stand-in kernel: buffer addresses are (n << 32) + byte offset, so it can find the buffer an info
 * pointer names; BPF_OBJ_GET_INFO_BY_FD writes `type` into the first 4 bytes (a link's type, for the
 * probe of its arm) and records each request as it arrived.
 */
function fakeKernel(type = 0): { requests: Uint8Array[]; calls: number; type: number } {
  const bases = new Map<ArrayBufferLike, bigint>();
  const buffers = new Map<bigint, ArrayBufferLike>();
  const state = { requests: [] as Uint8Array[], calls: 0, type };
  const backend: BpfBackend = {
    name: "fake kernel",
    bpf(cmd, attr) {
      state.calls++;
      if (cmd !== BPFCommand.BPF_OBJ_GET_INFO_BY_FD) return 0;
      const pointer = le(attr).getBigUint64(INFO.info.offset, true);
      const length = le(attr).getUint32(INFO.info_len.offset, true);
      const buffer = buffers.get(pointer >> 32n);
      assert.ok(buffer, "the info pointer names no buffer");
      const info = new Uint8Array(buffer, Number(pointer & 0xffff_ffffn), length);
      state.requests.push(info.slice());
      if (length >= 4) le(info).setUint32(0, state.type, true);
      return 0;
    },
    addressOf(buffer) {
      let base = bases.get(buffer.buffer);
      if (base === undefined) {
        base = BigInt(bases.size + 1);
        bases.set(buffer.buffer, base);
        buffers.set(base, buffer.buffer);
      }
      return (base << 32n) + BigInt(buffer.byteOffset);
    },
    close(fd) {
      closeSync(fd);
      return 0;
    },
  };
  const previous = setBpfBackend(backend);
  if (!faked) restore = previous;
  faked = true;
  return state;
}
let restore: BpfBackend | undefined;
let faked = false;
afterEach(() => {
  if (faked) setBpfBackend(restore);
  faked = false;
});

/** A handle over /dev/null: /proc names no bpf object, so its kind is taken at its word. */
function fakeFd(kind: "prog" | "map" | "link" | "btf"): BpfFd {
  return new BpfFd(openSync("/dev/null", "r"), kind);
}

const STRUCT = { prog: "bpf_prog_info", map: "bpf_map_info", link: "bpf_link_info", btf: "bpf_btf_info" } as const satisfies Record<string, InfoStructName>;
const linkTypeOf = (arm: string): number => linkTypes.entryByName(arm)!.value;

describe("infoRequest", () => {
  test("program arrays: each count from its buffer, record sizes stated", () => {
    fakeKernel();
    const keep: KeepAlive = [];
    const ids = new Uint8Array(12);
    const funcs = new Uint8Array(16);
    const info = infoRequest("prog", { map_ids: ids, func_info: funcs, line_info: new Uint8Array(32), jited_line_info: new Uint8Array(16) }, keep);
    assert.equal(info.byteLength, infoLayouts.bpf_prog_info.size);
    const at = (field: string): number => fieldOffset("bpf_prog_info", field);
    assert.equal(le(info).getUint32(at("nr_map_ids"), true), 3);
    assert.equal(le(info).getBigUint64(at("map_ids"), true), addressOf(ids, []));
    assert.equal(le(info).getUint32(at("nr_func_info"), true), 2);
    assert.equal(le(info).getUint32(at("func_info_rec_size"), true), infoLayouts.bpf_func_info.size);
    assert.equal(le(info).getUint32(at("nr_line_info"), true), 2);
    assert.equal(le(info).getUint32(at("line_info_rec_size"), true), infoLayouts.bpf_line_info.size);
    assert.equal(le(info).getUint32(at("nr_jited_line_info"), true), 2);
    assert.equal(le(info).getUint32(at("jited_line_info_rec_size"), true), 8);
    assert.equal(keep.length, 4);
  });

  test("no buffers: zeros, and no record size an older kernel would refuse", () => {
    fakeKernel();
    for (const kind of ["prog", "map", "link", "btf"] as const) {
      const info = infoRequest(kind, {}, []);
      assert.equal(info.byteLength, infoLayouts[STRUCT[kind]].size);
      assert.ok(info.every((b) => b === 0), kind);
    }
    assert.ok(infoRequest("prog", { map_ids: null, func_info: new Uint8Array(0) }, []).every((b) => b === 0));
  });

  test("byte buffers: the length is the buffer's", () => {
    fakeKernel();
    const name = new Uint8Array(20);
    const info = infoRequest("btf", { name }, []);
    assert.equal(le(info).getUint32(fieldOffset("bpf_btf_info", "name_len"), true), 20);
    const link = infoRequest("link", { "raw_tracepoint.tp_name": new Uint8Array(33) }, []);
    assert.equal(le(link).getUint32(fieldOffset("bpf_link_info", "raw_tracepoint.tp_name_len"), true), 33);
  });

  test("arrays sharing a count get what every one of them holds", () => {
    fakeKernel();
    const info = infoRequest("link", { "kprobe_multi.addrs": new Uint8Array(24), "kprobe_multi.cookies": new Uint8Array(16) }, []);
    assert.equal(le(info).getUint32(fieldOffset("bpf_link_info", "kprobe_multi.count"), true), 2);
    const uprobes = infoRequest("link", { "uprobe_multi.offsets": new Uint8Array(40), "uprobe_multi.cookies": new Uint8Array(40), "uprobe_multi.path": new Uint8Array(7) }, []);
    assert.equal(le(uprobes).getUint32(fieldOffset("bpf_link_info", "uprobe_multi.count"), true), 5);
    assert.equal(le(uprobes).getUint32(fieldOffset("bpf_link_info", "uprobe_multi.path_size"), true), 7);
    assert.equal(le(uprobes).getBigUint64(fieldOffset("bpf_link_info", "uprobe_multi.ref_ctr_offsets"), true), 0n);
  });

  test("refused: two link arms, two perf_event variants, a field the struct lacks, part elements", () => {
    fakeKernel();
    assert.throws(() => infoRequest("link", { "raw_tracepoint.tp_name": new Uint8Array(8), "iter.target_name": new Uint8Array(8) }, []), /arms share bytes/);
    assert.throws(
      () => infoRequest("link", { "perf_event.kprobe.func_name": new Uint8Array(8), "perf_event.uprobe.file_name": new Uint8Array(8) }, []),
      /share a pointer field/,
    );
    assert.throws(() => infoRequest("prog", { nr_map_ids: new Uint8Array(4) } as never, []), /no pointer field nr_map_ids/);
    assert.throws(() => infoRequest("prog", { map_ids: new Uint8Array(6) }, []), /not whole 4-byte elements/);
    assert.throws(() => infoRequest("prog", { func_info: new Uint8Array(12) }, []), /not whole 8-byte elements/);
  });
});

describe("getInfoRaw checks every pointer field against keep", () => {
  /** Each pointer field with its arm's link type, for the fake kernel's probe. */
  const cases = (Object.keys(INFO_POINTER_FIELDS) as (keyof typeof INFO_POINTER_FIELDS)[]).flatMap((kind) =>
    INFO_POINTER_FIELDS[kind].map((field) => ({ kind, field: field as { pointer: string; count: string; elementSize: number; recordSize?: string } })),
  );

  for (const { kind, field } of cases) {
    const struct = STRUCT[kind];
    const type = kind === "link" ? linkTypeOf(field.pointer.slice(0, field.pointer.indexOf("."))) : 0;
    /** A hand-written request for `count` elements into `room` bytes; what the fake kernel saw. */
    const attempt = (count: number, room: number): { calls: number; infoCalls: number } => {
      const kernel = fakeKernel(type);
      const fd = fakeFd(kind);
      try {
        const info = new Uint8Array(infoLayouts[struct].size);
        const keep: KeepAlive = [];
        le(info).setBigUint64(fieldOffset(struct, field.pointer), addressOf(new Uint8Array(room), keep), true);
        const width = fieldLayout(struct, field.count).size;
        if (width === 4) le(info).setUint32(fieldOffset(struct, field.count), count, true);
        else le(info).setBigUint64(fieldOffset(struct, field.count), BigInt(count), true);
        if (field.recordSize !== undefined) le(info).setUint32(fieldOffset(struct, field.recordSize), field.elementSize, true);
        getInfoRaw(fd, info, keep);
      } finally {
        fd.close();
      }
      // The full-size requests are the info calls; a link's 4-byte probe is not.
      return { calls: kernel.calls, infoCalls: kernel.requests.filter((r) => r.byteLength > 4).length };
    };

    test(`${struct}.${field.pointer}: room for its count (${field.count}) passes, one byte less does not`, () => {
      assert.equal(attempt(3, 3 * field.elementSize).infoCalls, 1);
      assert.throws(() => attempt(3, 3 * field.elementSize - 1), new RegExp(`${field.pointer.replaceAll(".", "\\.")}( / [\\w.]+)* points to no buffer held in keep`));
      assert.equal(attempt(0, 1).infoCalls, 1, "a count of 0 writes nothing");
    });
  }

  test("a record size larger than the kernel's counts as it is stated", () => {
    fakeKernel();
    const fd = fakeFd("prog");
    try {
      const info = new Uint8Array(infoLayouts.bpf_prog_info.size);
      const keep: KeepAlive = [];
      le(info).setBigUint64(fieldOffset("bpf_prog_info", "line_info"), addressOf(new Uint8Array(32), keep), true);
      le(info).setUint32(fieldOffset("bpf_prog_info", "nr_line_info"), 2, true);
      le(info).setUint32(fieldOffset("bpf_prog_info", "line_info_rec_size"), 17, true);
      assert.throws(() => getInfoRaw(fd, info, keep), /line_info points to no buffer held in keep with room for 2 elements of 17 bytes/);
    } finally {
      fd.close();
    }
  });

  test("a pointer field cut short by the request's end is read as the kernel reads it", () => {
    const kernel = fakeKernel();
    const fd = fakeFd("btf");
    try {
      // 12 bytes: the btf pointer and btf_size, nothing after them.
      const info = new Uint8Array(12);
      const keep: KeepAlive = [];
      le(info).setBigUint64(0, addressOf(new Uint8Array(4), keep), true);
      le(info).setUint32(8, 5, true);
      assert.throws(() => getInfoRaw(fd, info, keep), /btf points to no buffer/);
      assert.equal(kernel.calls, 0);
    } finally {
      fd.close();
    }
  });

  test("links: which bytes are pointers is the link type's to say, asked of the kernel", () => {
    // The same bytes: a pointer at 16 to 8 held bytes, 8 in the u32 at 24.
    const request = (type: number): (() => number) => {
      fakeKernel(type);
      return () => {
        const fd = fakeFd("link");
        try {
          const info = new Uint8Array(infoLayouts.bpf_link_info.size);
          const keep: KeepAlive = [];
          le(info).setBigUint64(16, addressOf(new Uint8Array(8), keep), true);
          le(info).setUint32(24, 8, true);
          return getInfoRaw(fd, info, keep);
        } finally {
          fd.close();
        }
      };
    };
    // raw_tracepoint and iter: an 8-byte name buffer.
    request(linkTypeOf("raw_tracepoint"))();
    request(linkTypeOf("iter"))();
    // kprobe_multi: 8 addresses of 8 bytes each into 8 bytes.
    assert.throws(request(linkTypeOf("kprobe_multi")), /kprobe_multi\.addrs points to no buffer held in keep with room for 8 elements of 8 bytes/);
    // uprobe_multi: the u32 at 24 is the low half of the `offsets` pointer, which names no buffer.
    assert.throws(request(linkTypeOf("uprobe_multi")), /uprobe_multi\.offsets points to no buffer/);
    // perf_event: the same, as its string pointer.
    assert.throws(request(linkTypeOf("perf_event")), /perf_event\.\w+\.\w+ points to no buffer/);
    // An arm without pointers: the kernel only writes the arm's fields.
    request(linkTypeOf("xdp"))();
    // A link type this package does not know: it may have pointers anywhere in the union.
    assert.throws(request(0x7fff), /arm this package does not know/);
  });

  test("a link request whose union is zero needs no probe", () => {
    const kernel = fakeKernel(linkTypeOf("kprobe_multi"));
    const fd = fakeFd("link");
    try {
      const info = new Uint8Array(infoLayouts.bpf_link_info.size);
      info[0] = 1; // the type field: an output, overwritten by the kernel
      getInfoRaw(fd, info);
      assert.equal(kernel.calls, 1);
    } finally {
      fd.close();
    }
  });
});

describe("getInfo", () => {
  test("builds, checks and sends the request, and clears the pointers it wrote in the reply", () => {
    const kernel = fakeKernel(linkTypeOf("kprobe_multi"));
    const fd = fakeFd("link");
    try {
      const reply = getInfo(fd, "link", { "kprobe_multi.addrs": new Uint8Array(16), "kprobe_multi.cookies": new Uint8Array(16) });
      assert.equal(kernel.calls, 2, "the probe of the link's type, then the info call");
      const sent = kernel.requests[1]!;
      assert.notEqual(le(sent).getBigUint64(fieldOffset("bpf_link_info", "kprobe_multi.addrs"), true), 0n);
      assert.equal(le(reply.info).getBigUint64(fieldOffset("bpf_link_info", "kprobe_multi.addrs"), true), 0n);
      assert.equal(le(reply.info).getBigUint64(fieldOffset("bpf_link_info", "kprobe_multi.cookies"), true), 0n);
      assert.equal(le(reply.info).getUint32(fieldOffset("bpf_link_info", "kprobe_multi.count"), true), 2, "the count is kept");
      assert.equal(reply.length, infoLayouts.bpf_link_info.size);
    } finally {
      fd.close();
    }
  });

  test("a request for no arrays is one call", () => {
    const kernel = fakeKernel();
    const fd = fakeFd("map");
    try {
      getInfo(fd, "map");
      assert.equal(kernel.calls, 1);
    } finally {
      fd.close();
    }
  });
});
