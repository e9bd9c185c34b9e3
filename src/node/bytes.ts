// Host-endian reads and writes of the integers in kernel structs (attr and info buffers), bounds-checked.

import { endianness } from "node:os";

/** True on a little-endian host. Kernel structs passed to bpf(2) are in the host's byte order. */
export const HOST_LITTLE_ENDIAN = endianness() === "LE";

/** A view over exactly the bytes of `u8` (right for subarrays too). */
export function viewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** A Buffer over exactly the bytes of `u8`, no copy: for Buffer's native searches and decoding. */
export function bufferOf(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/**
 * A plain Uint8Array over exactly the bytes of `u8`, which may be a Buffer: a Buffer's `subarray()`
 * builds another Buffer, ~1 µs each, which adds up when every record of a long list is cut out.
 */
export function plainBytes(u8: Uint8Array): Uint8Array {
  return new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength);
}

function check(u8: Uint8Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > u8.byteLength) {
    throw new RangeError(`a ${size}-byte field at offset ${offset} does not fit in ${u8.byteLength} bytes`);
  }
}

/** Writes an unsigned 32-bit integer; throws for a value that is not one. */
export function putU32(u8: Uint8Array, offset: number, value: number): void {
  check(u8, offset, 4);
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${value} is not an unsigned 32-bit integer`);
  }
  viewOf(u8).setUint32(offset, value, HOST_LITTLE_ENDIAN);
}

/** Writes a signed 32-bit integer; throws for a value that is not one. */
export function putS32(u8: Uint8Array, offset: number, value: number): void {
  check(u8, offset, 4);
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`${value} is not a signed 32-bit integer`);
  }
  viewOf(u8).setInt32(offset, value, HOST_LITTLE_ENDIAN);
}

/** Writes an unsigned 64-bit integer; throws for a value that is not one. */
export function putU64(u8: Uint8Array, offset: number, value: bigint): void {
  check(u8, offset, 8);
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`${value} is not an unsigned 64-bit integer`);
  }
  viewOf(u8).setBigUint64(offset, value, HOST_LITTLE_ENDIAN);
}

/** Reads an unsigned 32-bit integer. */
export function getU32(u8: Uint8Array, offset: number): number {
  check(u8, offset, 4);
  return viewOf(u8).getUint32(offset, HOST_LITTLE_ENDIAN);
}

/** Reads an unsigned 64-bit integer. */
export function getU64(u8: Uint8Array, offset: number): bigint {
  check(u8, offset, 8);
  return viewOf(u8).getBigUint64(offset, HOST_LITTLE_ENDIAN);
}

/** The text the kernel wrote into a buffer (a name, a path, a verifier log): up to its first NUL, as UTF-8. */
export function textUntilNul(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(end < 0 ? buffer : buffer.subarray(0, end));
}
