// A set of live bpf objects for the inspection tests: maps of several types, programs (one with BTF func info), a BTF object, an XDP link in a test netns.

import {
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_BLOOM_FILTER,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_RINGBUF,
  BPF_PROG_TYPE_SOCKET_FILTER,
  BPF_PROG_TYPE_XDP,
  BPF_XDP,
} from "bpftypes";
import { Assembler, type BpfFd, HOST_LITTLE_ENDIAN, type MapFd, PSEUDO_MAP_FD, createMap, createXdpLink, loadBtf, loadProgram, mapFreeze } from "bpftypes/node";
import { BtfBuilder } from "../btf/builder.js";
import { XDP_PASS, returnImm } from "../support/insns.js";
import { createTestNetns, type TestNetns } from "../support/netns.js";
import { idOf } from "../support/objects.js";

/** The full name of the program with BTF func info; the kernel keeps its first 15 bytes. */
export const LONG_NAME = "bpftypes_a_very_long_program_name";

/** A BTF blob with `int` (id 1), `int (void)` (id 2) and the function `LONG_NAME` (id 3). */
function funcBtf(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const proto = b.funcProto(int, []);
  b.func(LONG_NAME, proto, 0);
  return b.build({ littleEndian: HOST_LITTLE_ENDIAN });
}

/** One created map and what it was created with. */
export interface CreatedMap {
  readonly fd: MapFd;
  readonly id: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
}

/** The objects, their ids, and a way to remove them all. */
export interface LiveObjects {
  readonly maps: readonly CreatedMap[];
  /** The program array, owned by `mapUser` once it loads. */
  readonly progArray: CreatedMap;
  /** A map made frozen with BPF_MAP_FREEZE. */
  readonly frozen: CreatedMap;
  /** Two maps whose key and value types come from `btf`, in the order they were made. */
  readonly btfMaps: readonly CreatedMap[];
  readonly socketFilter: BpfFd;
  /** A socket filter that references the program array and the hash map. */
  readonly mapUser: BpfFd;
  /** A socket filter loaded with BTF func info, whose name the kernel cut. */
  readonly longName: BpfFd;
  readonly xdp: BpfFd;
  readonly btf: BpfFd;
  /** The XDP link, `undefined` when no test netns could be made. */
  readonly link: BpfFd | undefined;
  readonly netns: TestNetns | undefined;
  readonly progIds: readonly number[];
  readonly mapIds: readonly number[];
  /** Removes everything: closes every fd and deletes the netns. */
  dispose(): void;
}

/** Makes the objects. Needs root. On failure, whatever was made is removed before the error is thrown. */
export function createLiveObjects(): LiveObjects {
  const fds: BpfFd[] = [];
  let netns: TestNetns | undefined;
  const keep = <T extends BpfFd>(fd: T): T => {
    fds.push(fd);
    return fd;
  };
  const dispose = (): void => {
    for (const fd of fds.reverse()) fd.close();
    fds.length = 0;
    netns?.dispose();
  };
  try {
    const btf = keep(loadBtf(funcBtf()));
    const made: CreatedMap[] = [];
    const map = (name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0, extra: Partial<Parameters<typeof createMap>[0]> = {}): CreatedMap => {
      const fd = keep(createMap({ mapType: type, keySize, valueSize, maxEntries, mapFlags: flags, name, ...extra }));
      const created = { fd, id: idOf(fd), name, type, flags };
      made.push(created);
      return created;
    };
    const hash = map("bpft_hash", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_PREALLOC);
    map("bpft_array", BPF_MAP_TYPE_ARRAY, 4, 4, 8, BPF_F_RDONLY_PROG);
    map("bpft_pcpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4);
    map("bpft_pcpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 2);
    map("bpft_lru", BPF_MAP_TYPE_LRU_HASH, 8, 8, 32);
    map("bpft_lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC);
    map("bpft_ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
    map("bpft_bloom", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, { mapExtra: 3n });
    map("", BPF_MAP_TYPE_ARRAY, 4, 4, 1);
    const progArray = map("bpft_progs", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
    const frozen = map("bpft_frozen", BPF_MAP_TYPE_ARRAY, 4, 4, 1);
    const btfMap = map("bpft_btf_map", BPF_MAP_TYPE_HASH, 4, 4, 4, 0, { btf, btfKeyTypeId: 1, btfValueTypeId: 1 });
    const btfMap2 = map("bpft_btf_map2", BPF_MAP_TYPE_ARRAY, 4, 4, 2, 0, { btf, btfKeyTypeId: 1, btfValueTypeId: 1 });
    mapFreeze(frozen.fd);

    const socketFilter = keep(loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", name: "bpft_filter" }).fd);
    const mapUser = keep(
      loadProgram({
        progType: BPF_PROG_TYPE_SOCKET_FILTER,
        insns: new Assembler().loadImm64(1, PSEUDO_MAP_FD, progArray.fd.fd).loadImm64(2, PSEUDO_MAP_FD, hash.fd.fd).movImm(0, 0).exit().assemble(),
        license: "Dual MIT/GPL",
        name: "bpft_map_user",
      }).fd,
    );
    const funcInfo = new Uint8Array(8);
    new DataView(funcInfo.buffer).setUint32(4, 3, HOST_LITTLE_ENDIAN); // insn_off 0, type_id 3
    const longName = keep(
      loadProgram({
        progType: BPF_PROG_TYPE_SOCKET_FILTER,
        insns: returnImm(0),
        license: "proprietary",
        name: LONG_NAME.slice(0, 15),
        btf,
        funcInfo: { recordSize: 8, records: funcInfo },
      }).fd,
    );
    const xdp = keep(loadProgram({ progType: BPF_PROG_TYPE_XDP, insns: returnImm(XDP_PASS), license: "GPL", expectedAttachType: BPF_XDP, name: "bpft_xdp" }).fd);
    let link: BpfFd | undefined;
    try {
      netns = createTestNetns();
    } catch {
      netns = undefined; // no iproute2 or no netns support: the link tests skip
    }
    if (netns) {
      const ns = netns;
      link = keep(ns.run(() => createXdpLink(xdp, ns.ifindex)));
    }
    const progs = [socketFilter, mapUser, longName, xdp];
    return {
      maps: made,
      progArray,
      frozen,
      btfMaps: [btfMap, btfMap2],
      socketFilter,
      mapUser,
      longName,
      xdp,
      btf,
      link,
      netns,
      progIds: progs.map(idOf),
      mapIds: made.map((m) => m.id),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
