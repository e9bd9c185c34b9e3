// Captures info bytes from the running kernel with real objects of known attributes: a live test uses it, and with --write it saves them under testdata/captured/.
//
// Run as root:  npm run build && node build/test/codec/capture.js --write
// (Without --write, as when the test runner loads this file, it does nothing.)

import { statSync, writeFileSync } from "node:fs";
import { arch, endianness, release } from "node:os";
import * as codec from "bpftypes/codec";
import {
  BPF_F_NO_PREALLOC,
  BPF_LINK_TYPE_XDP,
  BPF_MAP_TYPE_HASH,
  BPF_PROG_TYPE_SOCKET_FILTER,
  BPF_PROG_TYPE_XDP,
  BPF_XDP,
} from "bpftypes";
import {
  decodeMapInfo,
  decodeProgInfo,
  encodeBtfInfo,
  encodeFuncInfos,
  encodeLineInfos,
  encodeProgInfo,
} from "bpftypes/codec";
import { addressOf, Assembler, createMap, createXdpLink, getFdById, getInfoRaw, loadBtf, loadProgram, PSEUDO_MAP_FD, type BpfFd, type KeepAlive } from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { returnImm, XDP_PASS } from "../support/insns.js";
import { createTestNetns } from "../support/netns.js";
import { repoRoot } from "../support/testdata.js";
import { toJson, type CaptureFile, type Sample } from "./samples.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/** BTF for the socket filter: `int`, a function type `int codec_prog(void)`, a file name and two source lines. */
function programBtf(): { blob: Uint8Array; funcTypeId: number; strings: Record<string, number> } {
  const names = ["int", "codec_prog", "codec.c", "r1 = &codec_map;", "return 0;"];
  const strings: Record<string, number> = {};
  let text = "\0";
  for (const name of names) {
    strings[name] = text.length;
    text += `${name}\0`;
  }
  const words = [
    // [1] INT "int": 4 bytes, signed, 32 bits.
    strings["int"]!, 0x0100_0000, 4, (1 << 24) | 32,
    // [2] FUNC_PROTO returning [1], no parameters.
    0, 0x0d00_0000, 1,
    // [3] FUNC "codec_prog" of type [2], static linkage.
    strings["codec_prog"]!, 0x0c00_0000, 2,
  ];
  const types = new Uint8Array(words.length * 4);
  const typeView = new DataView(types.buffer);
  words.forEach((word, i) => typeView.setUint32(i * 4, word >>> 0, true));
  const strs = new TextEncoder().encode(text);
  const blob = new Uint8Array(24 + types.length + strs.length);
  const view = new DataView(blob.buffer);
  view.setUint16(0, 0xeb9f, true);
  blob[2] = 1; // version
  view.setUint32(4, 24, true); // header length
  view.setUint32(8, 0, true); // type section offset
  view.setUint32(12, types.length, true);
  view.setUint32(16, types.length, true); // string section offset
  view.setUint32(20, strs.length, true);
  blob.set(types, 24);
  blob.set(strs, 24 + types.length);
  return { blob, funcTypeId: 3, strings };
}

function infoOf(fd: BpfFd, size: number): { bytes: Uint8Array; infoLen: number } {
  const bytes = new Uint8Array(size);
  const infoLen = getInfoRaw(fd, bytes);
  return { bytes, infoLen };
}

function bpftool(...args: string[]): Record<string, unknown> | undefined {
  return haveBpftool ? (bpftoolJson(...args) as Record<string, unknown>) : undefined;
}

/**
 * Creates a hash map, a socket filter that uses it (with BTF func and line info), and an XDP link
 * in a throwaway network namespace; returns the bytes the kernel filled for each and the values
 * they must decode to. Needs root (CAP_BPF, CAP_SYS_ADMIN, CAP_NET_ADMIN), iproute2, and bpftool
 * for the cross-checks. Every descriptor is closed before it returns.
 */
export function captureSamples(): CaptureFile {
  const le = endianness() === "LE";
  const samples: Sample[] = [];
  const fds: BpfFd[] = [];
  const own = <F extends BpfFd>(fd: F): F => {
    fds.push(fd);
    return fd;
  };
  try {
    // A hash map with known attributes, asked with a longer buffer than the kernel's struct.
    const map = own(createMap({ mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 16, mapFlags: BPF_F_NO_PREALLOC, name: "codec_map" }));
    const mapInfo = infoOf(map, 128);
    const mapId = decodeMapInfo(mapInfo.bytes, { length: mapInfo.infoLen }).id!;
    const mapTool = bpftool("map", "show", "id", String(mapId));
    samples.push({
      what: "hash map, 128-byte buffer",
      kind: "bpf_map_info",
      bytes: hex(mapInfo.bytes),
      infoLen: mapInfo.infoLen,
      expect: {
        absent: [],
        type: BPF_MAP_TYPE_HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 16,
        map_flags: BPF_F_NO_PREALLOC,
        name: "codec_map",
        ifindex: 0,
        btf_id: 0,
        ...(mapTool && { id: mapTool["id"] }),
      },
    });
    if (mapTool && (mapTool["name"] !== "codec_map" || mapTool["type"] !== "hash")) throw new Error("bpftool sees another map under that id");
    // The same map asked with only 24 bytes: the kernel fills those and says so.
    const shortInfo = infoOf(map, 24);
    samples.push({
      what: "hash map, 24-byte buffer",
      kind: "bpf_map_info",
      bytes: hex(shortInfo.bytes),
      infoLen: shortInfo.infoLen,
      expect: {
        type: BPF_MAP_TYPE_HASH,
        id: mapId,
        key_size: 4,
        value_size: 8,
        max_entries: 16,
        map_flags: BPF_F_NO_PREALLOC,
        absent: codec.fieldsWithin("bpf_map_info", 1 << 20).filter((field) => !codec.fieldsWithin("bpf_map_info", 24).includes(field)),
      },
    });

    // A socket filter referencing the map, with BTF func and line info.
    const btf = programBtf();
    const btfFd = own(loadBtf(btf.blob));
    const lines = [
      { insn_off: 0, file_name_off: btf.strings["codec.c"]!, line_off: btf.strings["r1 = &codec_map;"]!, line: 3, column: 5 },
      { insn_off: 2, file_name_off: btf.strings["codec.c"]!, line_off: btf.strings["return 0;"]!, line: 4, column: 2 },
    ];
    // r1 = map; r0 = 0; exit
    const insns = new Assembler().loadImm64(1, PSEUDO_MAP_FD, map.fd).movImm(0, 0).exit().assemble();
    const prog = own(
      loadProgram({
        progType: BPF_PROG_TYPE_SOCKET_FILTER,
        insns,
        license: "GPL",
        name: "codec_prog",
        btf: btfFd,
        funcInfo: { records: encodeFuncInfos([{ insn_off: 0, type_id: btf.funcTypeId }]), recordSize: 8 },
        lineInfo: { records: encodeLineInfos(lines), recordSize: 16 },
      }).fd,
    );
    const first = infoOf(prog, 232);
    const progInfo = decodeProgInfo(first.bytes, { length: first.infoLen });
    const progTool = bpftool("prog", "show", "id", String(progInfo.id));
    samples.push({
      what: "socket filter with a map, BTF, func and line info (first call)",
      kind: "bpf_prog_info",
      bytes: hex(first.bytes),
      infoLen: first.infoLen,
      expect: {
        absent: [],
        type: BPF_PROG_TYPE_SOCKET_FILTER,
        name: "codec_prog",
        gpl_compatible: true,
        created_by_uid: process.getuid?.() ?? 0,
        nr_map_ids: 1,
        nr_func_info: 1,
        func_info_rec_size: 8,
        nr_line_info: 2,
        line_info_rec_size: 16,
        nr_prog_tags: 1,
        map_ids: 0n,
        ...(progTool && {
          id: progTool["id"],
          tag: progTool["tag"],
          xlated_prog_len: progTool["bytes_xlated"],
          jited_prog_len: progTool["bytes_jited"] ?? 0,
          btf_id: progTool["btf_id"],
        }),
      },
    });

    // The second call: buffers for the arrays, their addresses and counts written by the encoder.
    const keep: KeepAlive = [];
    const mapIds = new Uint8Array(4 * progInfo.nr_map_ids!);
    const funcInfo = new Uint8Array(8 * progInfo.nr_func_info!);
    const lineInfo = new Uint8Array(16 * progInfo.nr_line_info!);
    const progTags = new Uint8Array(8 * progInfo.nr_prog_tags!);
    const request = encodeProgInfo({
      nr_map_ids: progInfo.nr_map_ids!,
      map_ids: addressOf(mapIds, keep),
      nr_func_info: progInfo.nr_func_info!,
      func_info_rec_size: 8,
      func_info: addressOf(funcInfo, keep),
      nr_line_info: progInfo.nr_line_info!,
      line_info_rec_size: 16,
      line_info: addressOf(lineInfo, keep),
      nr_prog_tags: progInfo.nr_prog_tags!,
      prog_tags: addressOf(progTags, keep),
    });
    getInfoRaw(prog, request, keep);
    samples.push(
      { what: "map ids of the socket filter", kind: "u32 array", bytes: hex(mapIds), expect: { "": [mapId] } },
      {
        what: "func info of the socket filter",
        kind: "bpf_func_info records",
        bytes: hex(funcInfo),
        recSize: 8,
        expect: { "": [{ insn_off: 0, type_id: btf.funcTypeId, absent: [] }] },
      },
      {
        what: "line info of the socket filter",
        kind: "bpf_line_info records",
        bytes: hex(lineInfo),
        recSize: 16,
        expect: { "": lines.map((line) => ({ ...line, line_col: (line.line << 10) | line.column, absent: [] })) },
      },
      { what: "function tags of the socket filter", kind: "tag array", bytes: hex(progTags), expect: progTool ? { "": [progTool["tag"]] } : {} },
    );

    // The program's BTF object, and the kernel's own.
    const btfInfo = infoOf(btfFd, 32);
    samples.push({
      what: "the socket filter's BTF object",
      kind: "bpf_btf_info",
      bytes: hex(btfInfo.bytes),
      infoLen: btfInfo.infoLen,
      expect: { absent: [], btf_size: btf.blob.length, kernel_btf: 0, btf: 0n, ...(progTool && { id: progTool["btf_id"] }) },
    });
    const vmlinux = own(getFdById("btf", 1));
    const nameBuffer = new Uint8Array(64);
    const btfKeep: KeepAlive = [];
    const vmlinuxInfo = encodeBtfInfo({ name: addressOf(nameBuffer, btfKeep), name_len: nameBuffer.length });
    const vmlinuxLen = getInfoRaw(vmlinux, vmlinuxInfo, btfKeep);
    samples.push({
      what: "BTF object 1, the kernel's vmlinux",
      kind: "bpf_btf_info",
      bytes: hex(vmlinuxInfo),
      infoLen: vmlinuxLen,
      expect: { absent: [], id: 1, kernel_btf: 1, name_len: "vmlinux".length, btf: 0n, btf_size: statSync("/sys/kernel/btf/vmlinux").size },
    });
    if (Buffer.from(nameBuffer.subarray(0, 8)).toString("latin1") !== "vmlinux\0") throw new Error("btf object 1 is not vmlinux");

    // An XDP program attached through a link to a device in a throwaway network namespace.
    const netns = createTestNetns();
    try {
      const xdp = own(loadProgram({ progType: BPF_PROG_TYPE_XDP, insns: returnImm(XDP_PASS), license: "GPL", name: "codec_xdp", expectedAttachType: BPF_XDP }).fd);
      const xdpId = decodeProgInfo(infoOf(xdp, 232).bytes).id;
      const link = own(netns.run(() => createXdpLink(xdp, netns.ifindex)));
      const linkInfo = infoOf(link, 64);
      const linkTool = bpftool("link", "show", "id", String(codec.decodeLinkInfo(linkInfo.bytes).id));
      samples.push({
        what: "XDP link on a dummy device",
        kind: "bpf_link_info",
        bytes: hex(linkInfo.bytes),
        infoLen: linkInfo.infoLen,
        expect: {
          absent: [],
          type: BPF_LINK_TYPE_XDP,
          prog_id: xdpId,
          xdp: { ifindex: netns.ifindex },
          ...(linkTool && { id: linkTool["id"] }),
        },
      });
      if (linkTool && linkTool["prog_id"] !== xdpId) throw new Error("bpftool disagrees about the link's program");
    } finally {
      netns.dispose();
    }
    return {
      comment: "Bytes filled by BPF_OBJ_GET_INFO_BY_FD for objects test/codec/capture.ts created; checked by test/codec/captured.test.ts. Regenerate as root: npm run build && node build/test/codec/capture.js --write",
      kernel: release(),
      arch: arch(),
      littleEndian: le,
      samples,
    };
  } finally {
    for (const fd of fds.reverse()) fd.close();
  }
}

if (process.argv.includes("--write")) {
  const captured = captureSamples();
  const path = `${repoRoot}testdata/captured/${captured.arch}-${captured.kernel.split(/[^0-9.]/)[0]}.json`;
  writeFileSync(path, toJson(captured));
  console.log(`wrote ${captured.samples.length} samples to ${path}`);
}
