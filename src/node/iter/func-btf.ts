// The BTF an iterator program with more than one function must be loaded with: the kernel wants
// a BTF function for each of a tracing program's functions. Two are enough here: the program,
// `int f(void *ctx)`, and a callback, `int f(unsigned long index, void *ctx)`.

import { HOST_LITTLE_ENDIAN } from "../bytes.js";

const BTF_MAGIC = 0xeb9f;
const HEADER_SIZE = 24;
/** BTF kinds used here (`BTF_KIND_*`). */
const KIND = { int: 1, ptr: 2, func: 12, funcProto: 13 } as const;
/** `BTF_INT_SIGNED`, in the encoding byte of an int's extra word. */
const INT_SIGNED = 1;
/** `BTF_FUNC_STATIC`: a function only the program itself calls. */
const STATIC = 0;

/** A BTF blob and the type ids of its two functions. */
export interface IteratorFunctionsBtf {
  readonly blob: Uint8Array;
  /** Type id of the program's own function (`func_info` record of instruction 0). */
  readonly programFunc: number;
  /** Type id of the callback function. */
  readonly callbackFunc: number;
}

/** Builds the BTF of an iterator program and one callback (names are what `bpftool btf dump` would show). */
export function iteratorFunctionsBtf(programName: string, callbackName: string): IteratorFunctionsBtf {
  const strings: string[] = [""];
  let stringBytes = 1;
  const name = (text: string): number => {
    const at = stringBytes;
    strings.push(text);
    stringBytes += new TextEncoder().encode(text).byteLength + 1;
    return at;
  };
  const words: number[] = [];
  const info = (kind: number, vlen: number) => ((kind << 24) | vlen) >>> 0;
  // 1: int
  words.push(name("int"), info(KIND.int, 0), 4, ((INT_SIGNED << 24) | 32) >>> 0);
  // 2: void *
  words.push(0, info(KIND.ptr, 0), 0);
  // 3: int (void *ctx)
  words.push(0, info(KIND.funcProto, 1), 1, name("ctx"), 2);
  // 4: the program
  words.push(name(programName), info(KIND.func, STATIC), 3);
  // 5: unsigned long
  words.push(name("unsigned long"), info(KIND.int, 0), 8, 64);
  // 6: int (unsigned long index, void *ctx)
  words.push(0, info(KIND.funcProto, 2), 1, name("index"), 5, name("ctx"), 2);
  // 7: the callback
  words.push(name(callbackName), info(KIND.func, STATIC), 6);
  const stringSection = new TextEncoder().encode(strings.join("\0") + "\0");
  const typeLength = words.length * 4;
  const blob = new Uint8Array(HEADER_SIZE + typeLength + stringSection.byteLength);
  const view = new DataView(blob.buffer);
  view.setUint16(0, BTF_MAGIC, HOST_LITTLE_ENDIAN);
  blob[2] = 1; // version
  view.setUint32(4, HEADER_SIZE, HOST_LITTLE_ENDIAN);
  view.setUint32(8, 0, HOST_LITTLE_ENDIAN);
  view.setUint32(12, typeLength, HOST_LITTLE_ENDIAN);
  view.setUint32(16, typeLength, HOST_LITTLE_ENDIAN);
  view.setUint32(20, stringSection.byteLength, HOST_LITTLE_ENDIAN);
  words.forEach((word, i) => view.setUint32(HEADER_SIZE + i * 4, word, HOST_LITTLE_ENDIAN));
  blob.set(stringSection, HEADER_SIZE + typeLength);
  return { blob, programFunc: 4, callbackFunc: 7 };
}
