// The shape of a kernel struct's byte layout, as the generator writes it from BTF.

/**
 * How a field's bytes are read: little or big-endian integers; `bytes` a raw byte array; `string`
 * a NUL-padded char array; `pad` a hole the compiler leaves (or an unnamed member), never data;
 * `union` the bytes of the struct's anonymous union, read through one of its {@link ArmLayout arms}.
 */
export type FieldType = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64" | "bytes" | "string" | "pad" | "union";

/** One field at a fixed byte offset from the start of the outermost struct. */
export interface FieldLayout {
  /** The C member name; a member of a nested struct is written as a dotted path (`uprobe.file_name`). Empty for padding. */
  readonly name: string;
  /** Byte offset from the start of the outermost struct. */
  readonly offset: number;
  /** Size in bytes; for a bitfield, of the storage unit it is read from (1, 2, 4 or 8). */
  readonly size: number;
  /** How to read the bytes. */
  readonly type: FieldType;
  /** For a bitfield: its first bit inside the storage unit, counting from the least significant bit. */
  readonly bitOffset?: number;
  /** For a bitfield: how many bits it has. */
  readonly bitSize?: number;
  /**
   * For a field inside a union nested in an arm: the named alternative it belongs to (`uprobe`,
   * `kprobe`, `cgroup`, ...). Fields of different variants share bytes.
   */
  readonly variant?: string;
  /** The first kernel that fills this field, where known (`"4.15"`). */
  readonly since?: string;
  /** One line saying what the kernel reports in it. */
  readonly description?: string;
}

/** One arm of the anonymous union of a struct (`bpf_link_info`'s `xdp`, `perf_event`, ...). */
export interface ArmLayout {
  /** The C member name of the arm. */
  readonly name: string;
  /** Byte offset of the arm from the start of the struct. */
  readonly offset: number;
  /** Size of the arm's own struct in bytes (the union is as large as its largest arm). */
  readonly size: number;
  /** The arm's fields, names relative to the arm, offsets absolute. */
  readonly fields: readonly FieldLayout[];
}

/** The exact layout of one kernel struct. */
export interface StructLayout {
  /** The C struct name, e.g. `bpf_prog_info`. */
  readonly name: string;
  /** `sizeof` the struct in the kernel the tables were generated from. */
  readonly size: number;
  /** The fields outside the union, in offset order, padding included. */
  readonly fields: readonly FieldLayout[];
  /** The arms of the struct's anonymous union, if it has one (`bpf_link_info`). */
  readonly arms?: readonly ArmLayout[];
}
