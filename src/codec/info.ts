// Decoders and encoders of the kernel's info structs (bpf_prog_info, bpf_map_info, bpf_link_info...), and field offsets for the live layer.

import {
  bpfBtfInfoLayout,
  bpfFuncInfoLayout,
  bpfLineInfoLayout,
  bpfLinkInfoLayout,
  bpfMapInfoLayout,
  bpfProgInfoLayout,
  bpfTokenInfoLayout,
} from "../uapi/gen/layouts.js";
import type { ArmLayout, FieldLayout, StructLayout } from "../uapi/layout.js";
import { linkTypes } from "../uapi/sets.js";
import { HOST_LITTLE_ENDIAN } from "./bytes.js";
import { leavesOf, StructCodec, type Leaf, type LeafKind } from "./compile.js";
import { CodecError } from "./errors.js";
import type { BtfInfo, Decoded, FuncInfo, Init, LineInfo, LinkInfo, MapInfo, ProgInfo, TokenInfo } from "./types.js";

/** The C names of the structs this module decodes. */
export type InfoStructName =
  | "bpf_prog_info"
  | "bpf_map_info"
  | "bpf_link_info"
  | "bpf_btf_info"
  | "bpf_func_info"
  | "bpf_line_info"
  | "bpf_token_info";

/** The layout of each struct this module decodes, by C name (the generated Linux 7.1 layouts). */
export const infoLayouts: Readonly<Record<InfoStructName, StructLayout>> = {
  bpf_prog_info: bpfProgInfoLayout,
  bpf_map_info: bpfMapInfoLayout,
  bpf_link_info: bpfLinkInfoLayout,
  bpf_btf_info: bpfBtfInfoLayout,
  bpf_func_info: bpfFuncInfoLayout,
  bpf_line_info: bpfLineInfoLayout,
  bpf_token_info: bpfTokenInfoLayout,
};

/** Options of the decoders. */
export interface DecodeOptions {
  /**
   * How many bytes the kernel filled: the `info_len` it wrote back. Fields that do not fit whole
   * are absent. Defaults to the length of the bytes given; more than that is an error, more than
   * the struct this package knows (a newer kernel's) is fine and the rest is ignored.
   */
  readonly length?: number | undefined;
  /** Byte order of the bytes; defaults to this machine's, which is what its kernel writes. */
  readonly littleEndian?: boolean | undefined;
}

/** Options of the encoders. */
export interface EncodeOptions {
  /** How many bytes to write; defaults to the struct's size. Shorter is what an older kernel takes. */
  readonly length?: number | undefined;
  /** Byte order to write; defaults to this machine's. */
  readonly littleEndian?: boolean | undefined;
  /**
   * Write into this buffer rather than a new one: the `length` bytes at `offset` are overwritten
   * (zero where no field is given), nothing else; on an error, nothing is written.
   */
  readonly into?: Uint8Array | undefined;
  /** Where in `into` the struct starts (default 0). */
  readonly offset?: number | undefined;
}

// --- shared checks -------------------------------------------------------------------------------

function badLength(struct: string, message: string): CodecError {
  return new CodecError("BAD_LENGTH", message, { struct });
}

/** A non-negative integer, or a BAD_LENGTH error saying which. */
export function checkCount(struct: string, what: string, value: unknown, doing: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw badLength(struct, `${doing} ${struct}: ${what} ${String(value)} is not a non-negative integer`);
  }
  return value;
}

/** The `length` to decode: checked against the bytes given. */
function decodeLength(struct: string, bytes: Uint8Array, options: DecodeOptions | undefined): number {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decoding ${struct}: expected a Uint8Array`);
  if (options?.length === undefined) return bytes.length;
  const length = checkCount(struct, "length", options.length, "decoding");
  if (length > bytes.length) {
    throw badLength(struct, `decoding ${struct}: the kernel reported ${length} bytes but only ${bytes.length} were given`);
  }
  return length;
}

/** A view over exactly the bytes of `u8`, wherever it sits in its buffer. */
export function viewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

function endianOf(options: { readonly littleEndian?: boolean | undefined } | undefined): boolean {
  return options?.littleEndian ?? HOST_LITTLE_ENDIAN;
}

/** Encodes with a codec where the options say: checks the length, the target and the offset. */
function encodeWith(codec: StructCodec, struct: string, size: number, value: object, options: EncodeOptions | undefined): Uint8Array {
  const length = options?.length === undefined ? size : checkCount(struct, "length", options.length, "encoding");
  const into = options?.into;
  if (into === undefined) {
    if (options?.offset !== undefined && options.offset !== 0) {
      throw badLength(struct, `encoding ${struct}: an offset needs a buffer to write into`);
    }
    return codec.encodeBytes(value, endianOf(options), length);
  }
  if (!(into instanceof Uint8Array)) throw new TypeError(`encoding ${struct}: into must be a Uint8Array`);
  const offset = options?.offset === undefined ? 0 : checkCount(struct, "offset", options.offset, "encoding");
  if (offset + length > into.length) {
    throw badLength(struct, `encoding ${struct}: ${length} bytes at offset ${offset} do not fit in a ${into.length}-byte buffer`);
  }
  return codec.encodeBytes(value, endianOf(options), length, into, offset);
}

// --- plain structs -------------------------------------------------------------------------------

const specials: Partial<Record<InfoStructName, Record<string, LeafKind>>> = {
  bpf_line_info: { line_col: "linecol" },
};
const derivedKeys: Partial<Record<InfoStructName, readonly string[]>> = {
  bpf_line_info: ["line", "column"],
};

const codecs = new Map<string, StructCodec>();

/** The codec of a struct without a union, built on first use. */
export function plainCodec(struct: Exclude<InfoStructName, "bpf_link_info">): StructCodec {
  let codec = codecs.get(struct);
  if (codec === undefined) {
    const layout = infoLayouts[struct];
    codec = new StructCodec({
      struct,
      leaves: leavesOf(layout.fields, [], specials[struct]),
      extraRootKeys: ["absent", ...(derivedKeys[struct] ?? [])],
    });
    codecs.set(struct, codec);
  }
  return codec;
}

function decodePlain(struct: Exclude<InfoStructName, "bpf_link_info">, bytes: Uint8Array, options: DecodeOptions | undefined): Record<string, unknown> {
  const length = decodeLength(struct, bytes, options);
  return plainCodec(struct).decode(bytes, 0, endianOf(options), length);
}

function encodePlain(struct: Exclude<InfoStructName, "bpf_link_info">, value: object, options: EncodeOptions | undefined): Uint8Array {
  return encodeWith(plainCodec(struct), struct, infoLayouts[struct].size, value, options);
}

/**
 * Decodes `struct bpf_prog_info` from the bytes `BPF_OBJ_GET_INFO_BY_FD` filled. Pass the
 * `info_len` the kernel wrote back as `length`: the fields past it come back absent (missing from the
 * object and named in `absent`), not zero.
 * @throws CodecError for a length that is negative, not an integer, or longer than the bytes.
 */
export function decodeProgInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<ProgInfo> {
  return decodePlain("bpf_prog_info", bytes, options) as Decoded<ProgInfo>;
}

/** Decodes `struct bpf_map_info`; see {@link decodeProgInfo} for `length` and absent fields. */
export function decodeMapInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<MapInfo> {
  return decodePlain("bpf_map_info", bytes, options) as Decoded<MapInfo>;
}

/** Decodes `struct bpf_btf_info`; see {@link decodeProgInfo} for `length` and absent fields. */
export function decodeBtfInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<BtfInfo> {
  return decodePlain("bpf_btf_info", bytes, options) as Decoded<BtfInfo>;
}

/** Decodes one `struct bpf_func_info` record; for an array of them use {@link decodeFuncInfos}. */
export function decodeFuncInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<FuncInfo> {
  return decodePlain("bpf_func_info", bytes, options) as Decoded<FuncInfo>;
}

/**
 * Decodes one `struct bpf_line_info` record, with `line_col` also split into `line` and `column`; for
 * an array of them use {@link decodeLineInfos}.
 */
export function decodeLineInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<LineInfo> {
  return decodePlain("bpf_line_info", bytes, options) as Decoded<LineInfo>;
}

/** Decodes `struct bpf_token_info` (Linux 6.9); see {@link decodeProgInfo} for `length` and absent fields. */
export function decodeTokenInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<TokenInfo> {
  return decodePlain("bpf_token_info", bytes, options) as Decoded<TokenInfo>;
}

/**
 * Encodes `struct bpf_prog_info`: the fields given, every other byte zero. This builds the request
 * of a second `BPF_OBJ_GET_INFO_BY_FD` call, e.g. `{ nr_map_ids: 4, map_ids: address }`. Returns the
 * `length` bytes written (inside `options.into` when given).
 * @throws CodecError for an unknown field, a value that does not fit its field, or a field given past `length`.
 */
export function encodeProgInfo(value: Init<ProgInfo>, options?: EncodeOptions): Uint8Array {
  return encodePlain("bpf_prog_info", value, options);
}

/** Encodes `struct bpf_map_info`; see {@link encodeProgInfo}. */
export function encodeMapInfo(value: Init<MapInfo>, options?: EncodeOptions): Uint8Array {
  return encodePlain("bpf_map_info", value, options);
}

/** Encodes `struct bpf_btf_info`, e.g. `{ btf: address, btf_size: size }` to fetch the raw BTF; see {@link encodeProgInfo}. */
export function encodeBtfInfo(value: Init<BtfInfo>, options?: EncodeOptions): Uint8Array {
  return encodePlain("bpf_btf_info", value, options);
}

/** Encodes one `struct bpf_func_info` record; see {@link encodeProgInfo}. */
export function encodeFuncInfo(value: Init<FuncInfo>, options?: EncodeOptions): Uint8Array {
  return encodePlain("bpf_func_info", value, options);
}

/**
 * Encodes one `struct bpf_line_info` record. The position can be given as `line_col`, or as `line`
 * (22 bits) and `column` (10 bits), or both when they agree.
 */
export function encodeLineInfo(value: Init<LineInfo>, options?: EncodeOptions): Uint8Array {
  return encodePlain("bpf_line_info", value, options);
}

/** Encodes `struct bpf_token_info`; see {@link encodeProgInfo}. */
export function encodeTokenInfo(value: Init<TokenInfo>, options?: EncodeOptions): Uint8Array {
  return encodePlain("bpf_token_info", value, options);
}

// --- bpf_link_info -------------------------------------------------------------------------------

const LINK = "bpf_link_info";
const linkArms: ReadonlyMap<string, ArmLayout> = new Map((bpfLinkInfoLayout.arms ?? []).map((arm) => [arm.name, arm]));
const commonLeaves: readonly Leaf[] = leavesOf(bpfLinkInfoLayout.fields);

/** The perf_event variant each `bpf_perf_event_type` value fills (UNSPEC and unknown ones: none). */
const perfVariants: ReadonlyMap<number, string> = new Map([
  [1, "uprobe"], // BPF_PERF_EVENT_UPROBE
  [2, "uprobe"], // BPF_PERF_EVENT_URETPROBE
  [3, "kprobe"], // BPF_PERF_EVENT_KPROBE
  [4, "kprobe"], // BPF_PERF_EVENT_KRETPROBE
  [5, "tracepoint"], // BPF_PERF_EVENT_TRACEPOINT
  [6, "event"], // BPF_PERF_EVENT_EVENT
]);

/** Variant choice of an arm: every variant (`"*"`), none (`""`), or one by name. */
type VariantChoice = string;

const linkCodecs = new Map<string, StructCodec>();

/** The codec for a link arm (or none, `""`) with a choice of its nested-union variants. */
function linkCodec(armName: string, choice: VariantChoice): StructCodec {
  const key = `${armName}/${choice}`;
  let codec = linkCodecs.get(key);
  if (codec === undefined) {
    const arm = linkArms.get(armName);
    const fields =
      arm === undefined ? [] : arm.fields.filter((field: FieldLayout) => field.variant === undefined || choice === "*" || field.variant === choice);
    codec = new StructCodec({
      struct: LINK,
      leaves: [...commonLeaves, ...leavesOf(fields, [armName])],
      extraRootKeys: ["absent"],
    });
    linkCodecs.set(key, codec);
  }
  return codec;
}

const armByType = new Map<number, string>();

/** The arm a link type selects, by its short name (`linkTypes.shortName`); `""` for unknown types. */
function armOf(type: number | undefined): string {
  if (type === undefined) return "";
  let arm = armByType.get(type);
  if (arm === undefined) {
    const short = linkTypes.entry(type)?.shortName;
    arm = short !== undefined && linkArms.has(short) ? short : "";
    if (armByType.size < 256) armByType.set(type, arm);
  }
  return arm;
}

/** The variants an arm decodes: perf_event follows its type, iter's target is unknowable so all, others have none. */
function variantOf(arm: string, perfType: number | undefined): VariantChoice {
  if (arm !== "perf_event") return "*";
  if (perfType === undefined) return "*"; // not reported: every variant field is past the length anyway
  return perfVariants.get(perfType) ?? "";
}

/** The u32 at `at` of `b`, read from its bytes. */
function u32At(b: Uint8Array, at: number, le: boolean): number {
  return le ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0 : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

const perfTypeOffset = linkArms.get("perf_event")?.fields.find((field) => field.name === "type")?.offset ?? 16;

/**
 * Decodes `struct bpf_link_info`: `type`, `id` and `prog_id`, then the union as the arm `type`
 * selects, under the arm's name (`info.xdp.ifindex`, `info.perf_event.kprobe.func_name`). A perf_event
 * arm decodes the variant its own `type` selects. A link type this package does not know decodes
 * no arm and keeps its number in `type`. See {@link decodeProgInfo} for `length` and absent fields.
 */
export function decodeLinkInfo(bytes: Uint8Array, options?: DecodeOptions): Decoded<LinkInfo> {
  const length = decodeLength(LINK, bytes, options);
  const le = endianOf(options);
  const type = length >= 4 ? u32At(bytes, 0, le) : undefined;
  const arm = armOf(type);
  const perfType = arm === "perf_event" && length >= perfTypeOffset + 4 ? u32At(bytes, perfTypeOffset, le) : undefined;
  return linkCodec(arm, variantOf(arm, perfType)).decode(bytes, 0, le, length) as Decoded<LinkInfo>;
}

/**
 * Encodes `struct bpf_link_info`. At most one arm may be given, the one `type` selects (and in a
 * perf_event arm, only the variant its `type` selects); `iter`'s `cgroup` and `task` share bytes, so
 * give one of them (or both agreeing, as a decoded record has them). See {@link encodeProgInfo}.
 * @throws CodecError `WRONG_ARM` for an arm or variant that does not match its type.
 */
export function encodeLinkInfo(value: Init<LinkInfo>, options?: EncodeOptions): Uint8Array {
  if (typeof value !== "object" || value === null) throw new CodecError("BAD_VALUE", `encoding ${LINK}: the value must be an object`, { struct: LINK });
  const record = value as Record<string, unknown>;
  const type = record["type"];
  const arm = typeof type === "number" ? armOf(type) : "";
  for (const name of linkArms.keys()) {
    if (record[name] === undefined || name === arm) continue;
    const why =
      type === undefined
        ? "no type is given"
        : `type ${String(type)} (${typeof type === "number" ? linkTypes.name(type) : "not a number"}) selects ${arm === "" ? "no arm" : `the ${arm} arm`}`;
    throw new CodecError("WRONG_ARM", `encoding ${LINK}: the ${name} arm is given but ${why}`, { struct: LINK, field: name });
  }
  let choice: VariantChoice = "*";
  if (arm === "perf_event") {
    const perf = record["perf_event"] as Record<string, unknown> | undefined;
    const perfType = perf?.["type"];
    choice = typeof perfType === "number" ? (perfVariants.get(perfType) ?? "") : "";
    for (const variant of new Set(perfVariants.values())) {
      if (perf?.[variant] === undefined || variant === choice) continue;
      throw new CodecError(
        "WRONG_ARM",
        `encoding ${LINK}: perf_event.${variant} is given but perf_event.type ${String(perfType)} selects ${choice === "" ? "no variant" : choice}`,
        { struct: LINK, field: `perf_event.${variant}` },
      );
    }
  }
  return encodeWith(linkCodec(arm, choice), LINK, bpfLinkInfoLayout.size, value, options);
}

// --- offsets for the live layer ------------------------------------------------------------------

/** Every field of a struct by its dotted path (`map_ids`, `xdp.ifindex`, `perf_event.kprobe.func_name`). */
function fieldsOf(struct: InfoStructName): ReadonlyMap<string, FieldLayout> {
  const layout = infoLayouts[struct];
  const out = new Map<string, FieldLayout>();
  for (const field of layout.fields) if (field.name !== "") out.set(field.name, field);
  for (const arm of layout.arms ?? []) {
    for (const field of arm.fields) if (field.name !== "") out.set(`${arm.name}.${field.name}`, { ...field, name: `${arm.name}.${field.name}` });
  }
  return out;
}

const fieldMaps = new Map<InfoStructName, ReadonlyMap<string, FieldLayout>>();

function fieldMapOf(struct: InfoStructName): ReadonlyMap<string, FieldLayout> {
  if (!Object.hasOwn(infoLayouts, struct)) {
    throw new CodecError("UNKNOWN_FIELD", `looking up a field of ${String(struct)}: not a struct this package knows`, { struct: String(struct) });
  }
  let fields = fieldMaps.get(struct);
  if (fields === undefined) {
    fields = fieldsOf(struct);
    fieldMaps.set(struct, fields);
  }
  return fields;
}

/**
 * The layout of one field of a struct, by its C name or, inside `bpf_link_info`'s union, its dotted
 * path (`"perf_event.kprobe.func_name"`): offset from the struct's start, size, type, first kernel.
 * @throws CodecError `UNKNOWN_FIELD` when the struct has no such field.
 */
export function fieldLayout(struct: InfoStructName, field: string): FieldLayout {
  const found = fieldMapOf(struct).get(field);
  if (found === undefined) throw new CodecError("UNKNOWN_FIELD", `looking up ${struct}.${field}: ${struct} has no such field`, { struct, field });
  return found;
}

/**
 * The byte offset of a field from the start of its struct: `fieldOffset("bpf_prog_info", "map_ids")`
 * is 56. For writing a single field into a request buffer without hand-computed offsets.
 * @throws CodecError `UNKNOWN_FIELD` when the struct has no such field.
 */
export function fieldOffset(struct: InfoStructName, field: string): number {
  return fieldLayout(struct, field).offset;
}

/**
 * The dotted paths of the fields that fit whole in the first `length` bytes of a struct, in layout
 * order (for `bpf_link_info`, the common fields and then every arm's): what a kernel that reports
 * that `info_len` fills.
 */
export function fieldsWithin(struct: InfoStructName, length: number): string[] {
  checkCount(struct, "length", length, "listing the fields of");
  return [...fieldMapOf(struct).values()].filter((field) => field.offset + field.size <= length).map((field) => field.name);
}
