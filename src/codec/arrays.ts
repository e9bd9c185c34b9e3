// The arrays a second BPF_OBJ_GET_INFO_BY_FD call fills: func/line info records at the kernel's stride, u32 ids, u64 addresses, 8-byte tags.

import { HOST_LITTLE_ENDIAN, bytesOfHex, tagOf } from "./bytes.js";
import { CodecError } from "./errors.js";
import { checkCount, plainCodec, viewOf } from "./info.js";
import type { Decoded, FuncInfo, Init, LineInfo } from "./types.js";

/** Options of the array decoders. */
export interface ArrayDecodeOptions {
  /**
   * How many elements to read; defaults to as many as the bytes hold, which must then be a whole
   * number of elements. More than the bytes hold is an error.
   */
  readonly count?: number | undefined;
  /** Byte order of the bytes; defaults to this machine's. */
  readonly littleEndian?: boolean | undefined;
}

/** Options of the record-array decoders. */
export interface RecordArrayDecodeOptions extends ArrayDecodeOptions {
  /**
   * Bytes from one record to the next: the `func_info_rec_size` or `line_info_rec_size` the kernel
   * reported (default: the size this package knows, 8 or 16). A larger stride (a newer kernel's
   * records) reads the fields this package knows of each; a smaller one leaves the fields past it
   * absent, as a short `info_len` does.
   */
  readonly recSize?: number | undefined;
}

/** Options of the array encoders. */
export interface ArrayEncodeOptions {
  /** Byte order to write; defaults to this machine's. */
  readonly littleEndian?: boolean | undefined;
}

/** Options of the record-array encoders. */
export interface RecordArrayEncodeOptions extends ArrayEncodeOptions {
  /** Bytes from one record to the next (default: the record's size); the bytes past a record's fields are zero. */
  readonly recSize?: number | undefined;
}

/** How many elements of `stride` bytes to read from `bytes`, checked. */
function countOf(what: string, bytes: Uint8Array, stride: number, count: number | undefined, last: number): number {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decoding ${what}: expected a Uint8Array`);
  if (count === undefined) {
    if (bytes.length % stride !== 0) {
      throw new CodecError("BAD_LENGTH", `decoding ${what}: ${bytes.length} bytes are not a whole number of ${stride}-byte elements`, { struct: what });
    }
    return bytes.length / stride;
  }
  checkCount(what, "count", count, "decoding");
  // The last element needs only the bytes it is read from (`last`), not a whole stride.
  const needed = count === 0 ? 0 : (count - 1) * stride + last;
  if (needed > bytes.length) {
    throw new CodecError("BAD_LENGTH", `decoding ${what}: ${count} elements of ${stride} bytes need ${needed} bytes, only ${bytes.length} were given`, {
      struct: what,
    });
  }
  return count;
}

function strideOf(what: string, recSize: number | undefined, size: number, doing: string): number {
  if (recSize === undefined) return size;
  if (!Number.isInteger(recSize) || recSize < 1) {
    throw new CodecError("BAD_LENGTH", `${doing} ${what}: record size ${String(recSize)} is not a positive integer`, { struct: what });
  }
  return recSize;
}

function decodeRecords(struct: "bpf_func_info" | "bpf_line_info", bytes: Uint8Array, options: RecordArrayDecodeOptions | undefined): Record<string, unknown>[] {
  const codec = plainCodec(struct);
  const stride = strideOf(`${struct} records`, options?.recSize, codec.extent, "decoding");
  // Each record's reported length is its stride; the last one is only read up to the fields that fit.
  const count = countOf(`${struct} records`, bytes, stride, options?.count, Math.min(stride, codec.extent));
  const le = options?.littleEndian ?? HOST_LITTLE_ENDIAN;
  const view = viewOf(bytes);
  const out = new Array<Record<string, unknown>>(count);
  for (let i = 0; i < count; i++) out[i] = codec.decode(bytes, i * stride, le, stride, view);
  return out;
}

function encodeRecords(struct: "bpf_func_info" | "bpf_line_info", records: readonly object[], options: RecordArrayEncodeOptions | undefined): Uint8Array {
  const codec = plainCodec(struct);
  const stride = strideOf(`${struct} records`, options?.recSize, codec.extent, "encoding");
  const le = options?.littleEndian ?? HOST_LITTLE_ENDIAN;
  const bytes = new Uint8Array(records.length * stride);
  const view = viewOf(bytes);
  records.forEach((record, i) => codec.encode(view, bytes, i * stride, le, record, Math.min(stride, bytes.length - i * stride)));
  return bytes;
}

/**
 * Decodes the `bpf_func_info` records a program's `func_info` buffer received: `nr_func_info` of
 * them, `func_info_rec_size` bytes apart.
 */
export function decodeFuncInfos(bytes: Uint8Array, options?: RecordArrayDecodeOptions): Decoded<FuncInfo>[] {
  return decodeRecords("bpf_func_info", bytes, options) as Decoded<FuncInfo>[];
}

/**
 * Decodes the `bpf_line_info` records a program's `line_info` buffer received: `nr_line_info` of
 * them, `line_info_rec_size` bytes apart, each with `line` and `column` split out.
 */
export function decodeLineInfos(bytes: Uint8Array, options?: RecordArrayDecodeOptions): Decoded<LineInfo>[] {
  return decodeRecords("bpf_line_info", bytes, options) as Decoded<LineInfo>[];
}

/** Encodes `bpf_func_info` records back to back (the `func_info` array of a `BPF_PROG_LOAD`). */
export function encodeFuncInfos(records: readonly Init<FuncInfo>[], options?: RecordArrayEncodeOptions): Uint8Array {
  return encodeRecords("bpf_func_info", records, options);
}

/** Encodes `bpf_line_info` records back to back (the `line_info` array of a `BPF_PROG_LOAD`). */
export function encodeLineInfos(records: readonly Init<LineInfo>[], options?: RecordArrayEncodeOptions): Uint8Array {
  return encodeRecords("bpf_line_info", records, options);
}

/** Decodes an array of u32s: `map_ids`, `jited_func_lens`. */
export function decodeU32Array(bytes: Uint8Array, options?: ArrayDecodeOptions): number[] {
  const count = countOf("u32 array", bytes, 4, options?.count, 4);
  const le = options?.littleEndian ?? HOST_LITTLE_ENDIAN;
  const view = viewOf(bytes);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, le);
  return out;
}

/** Decodes an array of u64s as bigints: `jited_ksyms`, `jited_line_info`, kprobe_multi `addrs` and `cookies`. */
export function decodeU64Array(bytes: Uint8Array, options?: ArrayDecodeOptions): bigint[] {
  const count = countOf("u64 array", bytes, 8, options?.count, 8);
  const le = options?.littleEndian ?? HOST_LITTLE_ENDIAN;
  const view = viewOf(bytes);
  const out = new Array<bigint>(count);
  for (let i = 0; i < count; i++) out[i] = view.getBigUint64(i * 8, le);
  return out;
}

/** Decodes an array of 8-byte tags (`prog_tags`), each as 16 lowercase hex digits. Byte order plays no part. */
export function decodeTagArray(bytes: Uint8Array, options?: Omit<ArrayDecodeOptions, "littleEndian">): string[] {
  const count = countOf("tag array", bytes, 8, options?.count, 8);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = tagOf(bytes, i * 8);
  return out;
}

function badElement(what: string, index: number, value: unknown, why: string): CodecError {
  const shown = typeof value === "bigint" ? `${value}n` : typeof value === "string" ? JSON.stringify(value) : String(value);
  return new CodecError("BAD_VALUE", `encoding ${what}: element ${index} = ${shown} ${why}`, { struct: what, field: String(index) });
}

/** Encodes u32s back to back. */
export function encodeU32Array(values: readonly number[], options?: ArrayEncodeOptions): Uint8Array {
  const le = options?.littleEndian ?? HOST_LITTLE_ENDIAN;
  const bytes = new Uint8Array(values.length * 4);
  const view = viewOf(bytes);
  values.forEach((value, i) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw badElement("u32 array", i, value, "is not an integer from 0 to 4294967295");
    }
    view.setUint32(i * 4, value, le);
  });
  return bytes;
}

/** Encodes u64s (bigints, or safe integer numbers) back to back. */
export function encodeU64Array(values: readonly (bigint | number)[], options?: ArrayEncodeOptions): Uint8Array {
  const le = options?.littleEndian ?? HOST_LITTLE_ENDIAN;
  const bytes = new Uint8Array(values.length * 8);
  const view = viewOf(bytes);
  values.forEach((value, i) => {
    const big = typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value) : undefined;
    if (big === undefined || big < 0n || big > 0xffff_ffff_ffff_ffffn) throw badElement("u64 array", i, value, "is not a u64");
    view.setBigUint64(i * 8, big, le);
  });
  return bytes;
}

/** Encodes 8-byte tags, each given as 16 hex digits, back to back. */
export function encodeTagArray(tags: readonly string[]): Uint8Array {
  const bytes = new Uint8Array(tags.length * 8);
  tags.forEach((tag, i) => {
    const tagBytes = typeof tag === "string" ? bytesOfHex(tag, 8) : undefined;
    if (tagBytes === undefined) throw badElement("tag array", i, tag, "is not 16 hex digits");
    bytes.set(tagBytes, i * 8);
  });
  return bytes;
}
