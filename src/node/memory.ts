// The one module that turns buffers into the addresses the kernel gets, and writes (pointer, length) pairs.
//
// Every length the kernel is told comes from the buffer it describes: a wrong length here would let
// the kernel read or write past the end of a buffer, so no other module writes a pointer.

import { bpfBackend } from "./ffi.js";
import { putU32, putU64 } from "./bytes.js";

/**
 * The buffers whose addresses went into one call's attr. The caller makes one, lets the writers
 * below fill it, and passes it through the bpf(2) call, so every buffer stays referenced (and its
 * memory alive) until the kernel has returned.
 */
export type KeepAlive = Uint8Array[];

/** Byte width of a length or count field. */
export type CountWidth = 4 | 8;

const MAX_BY_WIDTH: Readonly<Record<CountWidth, number>> = { 4: 0xffff_ffff, 8: Number.MAX_SAFE_INTEGER };

/**
 * The address the kernel gets for `buffer`, and `buffer` is added to `keep`. An empty buffer or
 * `null` is the null pointer (`0n`): the kernel reads a null pointer with a zero length as "none".
 */
export function addressOf(buffer: Uint8Array | null, keep: KeepAlive): bigint {
  if (buffer === null || buffer.byteLength === 0) return 0n;
  const address = bpfBackend().addressOf(buffer);
  if (address === 0n) throw new Error(`taking the address of a ${buffer.byteLength}-byte buffer: got the null pointer`);
  keep.push(buffer);
  return address;
}

/**
 * True when the `bytes` bytes from `address` lie inside one buffer that `keep` holds, at the address
 * the backend gives for it (the one {@link addressOf} wrote: a backend gives a buffer the same
 * address every time). A buffer transferred away since holds nothing. This is how a pointer found
 * in bytes this layer did not build is traced to its buffer before the kernel writes through it.
 */
export function keepHolds(keep: KeepAlive, address: bigint, bytes: number): boolean {
  if (address === 0n || !Number.isSafeInteger(bytes) || bytes < 0) return false;
  const end = address + BigInt(bytes);
  const backend = bpfBackend();
  for (const buffer of keep) {
    if (buffer.byteLength === 0) continue;
    const start = backend.addressOf(buffer);
    if (address >= start && end <= start + BigInt(buffer.byteLength)) return true;
  }
  return false;
}

function checkField(target: Uint8Array, offset: number, size: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > target.byteLength) {
    throw new RangeError(`writing ${what}: a ${size}-byte field at offset ${offset} does not fit in ${target.byteLength} bytes`);
  }
}

function putCount(target: Uint8Array, offset: number, width: CountWidth, value: number): void {
  if (width === 4) putU32(target, offset, value);
  else putU64(target, offset, BigInt(value));
}

/**
 * Writes the address of a buffer whose size the kernel knows from elsewhere (a map key or value:
 * the map's key or value size) as a u64 at `offset`. The buffer must be exactly `size` bytes; a
 * size of 0 writes the null pointer and takes `null` or an empty buffer.
 */
export function writeSizedPointer(
  target: Uint8Array,
  offset: number,
  buffer: Uint8Array | null,
  size: number,
  keep: KeepAlive,
  what = "a buffer",
): void {
  const bytes = buffer?.byteLength ?? 0;
  if (bytes !== size) {
    throw new RangeError(`passing ${what}: the kernel uses ${size} bytes, but the buffer has ${bytes}`);
  }
  checkField(target, offset, 8, "a pointer");
  putU64(target, offset, addressOf(buffer, keep));
}

/**
 * Writes the address of a NUL-terminated string (see {@link cString}) as a u64 at `offset`: the
 * kernel reads up to the first NUL, so the last byte must be one.
 */
export function writeStringPointer(target: Uint8Array, offset: number, text: Uint8Array, keep: KeepAlive): void {
  if (text.byteLength === 0 || text[text.byteLength - 1] !== 0) {
    throw new RangeError("passing a string: it does not end with a NUL byte");
  }
  checkField(target, offset, 8, "a string pointer");
  putU64(target, offset, addressOf(text, keep));
}

/** Where a (pointer, byte length) pair lives in an attr or info struct. */
export interface BufferRefFields {
  /** Offset of the u64 pointer. */
  readonly pointer: number;
  /** Offset of the length in bytes. */
  readonly length: number;
  /** Width of the length field; 4 unless said. */
  readonly lengthWidth?: CountWidth;
}

/**
 * Writes a (pointer, byte length) pair describing `buffer`: the length is always
 * `buffer.byteLength`, never a number given separately. `null` writes (0, 0). Checks everything
 * before writing anything.
 */
export function writeBufferRef(target: Uint8Array, fields: BufferRefFields, buffer: Uint8Array | null, keep: KeepAlive): void {
  const width = fields.lengthWidth ?? 4;
  const length = buffer?.byteLength ?? 0;
  checkField(target, fields.pointer, 8, "a buffer pointer");
  checkField(target, fields.length, width, "a buffer length");
  if (length > MAX_BY_WIDTH[width]) {
    throw new RangeError(`writing a buffer length: ${length} bytes do not fit in a ${width}-byte field`);
  }
  putU64(target, fields.pointer, addressOf(buffer, keep));
  putCount(target, fields.length, width, length);
}

/** Where a (pointer, element count) pair lives in an attr or info struct. */
export interface ArrayRefFields {
  /** Offset of the u64 pointer. */
  readonly pointer: number;
  /** Offset of the element count. */
  readonly count: number;
  /** Width of the count field; 4 unless said. */
  readonly countWidth?: CountWidth;
}

/**
 * Writes a (pointer, element count) pair describing an array of `elementSize`-byte records held in
 * `buffer` (map ids, func info records ...). Without `count`, the count is every whole record the
 * buffer holds and the buffer must hold whole records only. A `count` the buffer cannot hold
 * (which would let the kernel write past its end) throws, before anything is written.
 */
export function writeArrayRef(
  target: Uint8Array,
  fields: ArrayRefFields,
  buffer: Uint8Array | null,
  elementSize: number,
  keep: KeepAlive,
  count?: number,
): void {
  const width = fields.countWidth ?? 4;
  const bytes = buffer?.byteLength ?? 0;
  if (!Number.isInteger(elementSize) || elementSize <= 0) {
    throw new RangeError(`writing an array pointer: the element size ${elementSize} is not a positive integer`);
  }
  if (count === undefined && bytes % elementSize !== 0) {
    throw new RangeError(`writing an array pointer: ${bytes} bytes are not a whole number of ${elementSize}-byte elements`);
  }
  const n = count ?? bytes / elementSize;
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`writing an array pointer: the count ${n} is not a non-negative integer`);
  }
  if (n * elementSize > bytes) {
    throw new RangeError(
      `writing an array pointer: ${n} elements of ${elementSize} bytes need ${n * elementSize} bytes, but the buffer has ${bytes}`,
    );
  }
  if (n > MAX_BY_WIDTH[width]) {
    throw new RangeError(`writing an array pointer: the count ${n} does not fit in a ${width}-byte field`);
  }
  checkField(target, fields.pointer, 8, "an array pointer");
  checkField(target, fields.count, width, "an array count");
  putU64(target, fields.pointer, n === 0 ? 0n : addressOf(buffer, keep));
  putCount(target, fields.count, width, n);
}

/**
 * A NUL-terminated copy of a string (a path, a license) for the kernel to read through a pointer.
 * Throws for a string holding a NUL byte, which the kernel would cut short.
 */
export function cString(text: string): Uint8Array {
  if (text.includes("\0")) throw new RangeError(`a string passed to the kernel holds a NUL byte: ${JSON.stringify(text)}`);
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(encoded.byteLength + 1);
  out.set(encoded);
  return out;
}
