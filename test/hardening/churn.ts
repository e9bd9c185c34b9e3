// A busy host in one process: creates and destroys maps and programs as fast as it can until its time is up (run by busy-host.test).
//
// Usage: node churn.js SECONDS. Prints "started" once the first objects exist, then at the end one
// JSON line with how many maps and programs it created; exits 1 on any error. Without SECONDS it
// does nothing: the test runner runs every file under a test/ folder, this one included.

import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_RINGBUF,
  BPF_PROG_TYPE_SOCKET_FILTER,
} from "bpftypes";
import { type BpfFd, createMap, loadProgram } from "bpftypes/node";

/** `r0 = 0; exit`. */
const RETURN_ZERO = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

const SHAPES = [
  { mapType: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 64 },
  { mapType: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 16, maxEntries: 8 },
  { mapType: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
  { mapType: BPF_MAP_TYPE_LRU_HASH, keySize: 8, valueSize: 8, maxEntries: 32 },
  { mapType: BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 },
] as const;

const seconds = Number(process.argv[2] ?? "0");
const deadline = Date.now() + seconds * 1000;
let maps = 0;
let progs = 0;
let round = 0;
while (Date.now() < deadline) {
  const held: BpfFd[] = [];
  for (let i = 0; i < 8; i++) {
    held.push(createMap({ ...SHAPES[(round + i) % SHAPES.length]!, name: `churn_${i}` }));
    maps++;
  }
  for (let i = 0; i < 3; i++) {
    held.push(loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: RETURN_ZERO, license: "GPL", name: `churn_${i}` }).fd);
    progs++;
  }
  if (round === 0) console.log("started");
  // Close in a scrambled order, so freed ids are scattered among live ones.
  for (let i = 0; i < held.length; i++) held[(i * 5 + round) % held.length]!.close();
  round++;
}
console.log(JSON.stringify({ maps, progs, rounds: round }));
