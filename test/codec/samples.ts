// Captured info bytes and the facts that made them: the file format under testdata/captured/, and the check that decodes them.

import assert from "node:assert/strict";
import * as codec from "bpftypes/codec";
import type { InfoStructName } from "bpftypes/codec";

/**
 * What a sample decodes with: an info struct (with the `info_len` the kernel wrote back), or one
 * of the arrays a second `BPF_OBJ_GET_INFO_BY_FD` call fills.
 */
export type SampleKind = InfoStructName | "u32 array" | "tag array" | "bpf_func_info records" | "bpf_line_info records";

/** One buffer the kernel filled, and what decoding it must give. */
export interface Sample {
  /** What the bytes are, in words. */
  readonly what: string;
  readonly kind: SampleKind;
  /** The bytes as the kernel left them, as hex: the whole buffer passed in. */
  readonly bytes: string;
  /** For an info struct: the `info_len` the kernel wrote back (fields past it are absent). */
  readonly infoLen?: number;
  /** For record arrays: the record size the kernel reported. */
  readonly recSize?: number;
  /**
   * Values the decoded result must have, by dotted path: the values that created the object, and
   * what bpftool (the kernel's own tool) reported about it. u64s are written as `"123n"`.
   */
  readonly expect: Readonly<Record<string, unknown>>;
}

/** One capture run: where the bytes came from, and the samples. */
export interface CaptureFile {
  readonly comment: string;
  /** `uname -r` of the kernel that filled the bytes. */
  readonly kernel: string;
  readonly arch: string;
  readonly littleEndian: boolean;
  readonly samples: readonly Sample[];
}

/** JSON with u64s as `"123n"`. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? `${inner}n` : inner), 2)}\n`;
}

/** Reads JSON written by {@link toJson}: strings like `"123n"` become bigints. */
export function fromJson(text: string): unknown {
  return JSON.parse(text, (_key, inner: unknown) => (typeof inner === "string" && /^\d+n$/.test(inner) ? BigInt(inner.slice(0, -1)) : inner));
}

function valueAt(source: unknown, path: string): unknown {
  let at = source;
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Decodes a sample's bytes the way the live layer would. */
export function decodeSample(sample: Sample, littleEndian: boolean): unknown {
  const bytes = Uint8Array.from(Buffer.from(sample.bytes, "hex"));
  const info = { length: sample.infoLen, littleEndian };
  switch (sample.kind) {
    case "bpf_prog_info":
      return codec.decodeProgInfo(bytes, info);
    case "bpf_map_info":
      return codec.decodeMapInfo(bytes, info);
    case "bpf_link_info":
      return codec.decodeLinkInfo(bytes, info);
    case "bpf_btf_info":
      return codec.decodeBtfInfo(bytes, info);
    case "bpf_func_info":
      return codec.decodeFuncInfo(bytes, info);
    case "bpf_line_info":
      return codec.decodeLineInfo(bytes, info);
    case "bpf_token_info":
      return codec.decodeTokenInfo(bytes, info);
    case "u32 array":
      return codec.decodeU32Array(bytes, { littleEndian });
    case "tag array":
      return codec.decodeTagArray(bytes);
    case "bpf_func_info records":
      return codec.decodeFuncInfos(bytes, { recSize: sample.recSize, littleEndian });
    case "bpf_line_info records":
      return codec.decodeLineInfos(bytes, { recSize: sample.recSize, littleEndian });
  }
}

/** Asserts that a sample decodes to every value it expects (`""` as a path means the whole result). */
export function checkSample(sample: Sample, littleEndian: boolean): void {
  const decoded = decodeSample(sample, littleEndian);
  for (const [path, want] of Object.entries(sample.expect)) {
    assert.deepEqual(path === "" ? decoded : valueAt(decoded, path), want, `${sample.what}: ${path || "the result"}`);
  }
}
