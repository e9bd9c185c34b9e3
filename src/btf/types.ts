// The decoded shape of each BTF type kind, and the kind numbers of the on-disk format.

/** The name of a BTF type kind, as the kernel's `BTF_KIND_*` constants without the prefix, in lower case. */
export type BtfKind =
  | "int"
  | "ptr"
  | "array"
  | "struct"
  | "union"
  | "enum"
  | "fwd"
  | "typedef"
  | "volatile"
  | "const"
  | "restrict"
  | "func"
  | "func_proto"
  | "var"
  | "datasec"
  | "float"
  | "decl_tag"
  | "type_tag"
  | "enum64";

/**
 * The number each kind has in bits 24-28 of a type record's `info` word (`BTF_KIND_INT` is 1, ...).
 * Kind 0 (`BTF_KIND_UNKN`) only ever stands for `void`, which has no record.
 */
export const BtfKindNumber = {
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  union: 5,
  enum: 6,
  fwd: 7,
  typedef: 8,
  volatile: 9,
  const: 10,
  restrict: 11,
  func: 12,
  func_proto: 13,
  var: 14,
  datasec: 15,
  float: 16,
  decl_tag: 17, // Linux 5.16
  type_tag: 18, // Linux 5.17
  enum64: 19, // Linux 6.0
} as const;
/** A kind number this parser knows (1 to 19). */
export type BtfKindNumber = (typeof BtfKindNumber)[BtfKind];

/** Kind names indexed by kind number; index 0 is not a kind. */
export const btfKindNames: readonly (BtfKind | undefined)[] = [
  undefined,
  "int",
  "ptr",
  "array",
  "struct",
  "union",
  "enum",
  "fwd",
  "typedef",
  "volatile",
  "const",
  "restrict",
  "func",
  "func_proto",
  "var",
  "datasec",
  "float",
  "decl_tag",
  "type_tag",
  "enum64",
];

/** The `linkage` of a `func` type (`enum btf_func_linkage`). */
export const BtfFuncLinkage = { static: 0, global: 1, extern: 2 } as const;
/** A `func` linkage value; other numbers may appear in newer BTF. */
export type BtfFuncLinkage = (typeof BtfFuncLinkage)[keyof typeof BtfFuncLinkage];

/** The `linkage` of a `var` type (`BTF_VAR_STATIC`, `BTF_VAR_GLOBAL_ALLOCATED`, `BTF_VAR_GLOBAL_EXTERN`). */
export const BtfVarLinkage = { static: 0, globalAllocated: 1, globalExtern: 2 } as const;
/** A `var` linkage value; other numbers may appear in newer BTF. */
export type BtfVarLinkage = (typeof BtfVarLinkage)[keyof typeof BtfVarLinkage];

/** What every decoded type has: its id, its kind, and its name ("" when anonymous). */
export interface BtfTypeCommon<K extends BtfKind> {
  /** The type id: its position in the type section, counting from 1 (after the base's types for split BTF). */
  readonly id: number;
  /** The kind, from bits 24-28 of the record's `info` word; test it to narrow a {@link BtfType} to one kind's interface. */
  readonly kind: K;
  /** The name, or "" for an anonymous type. */
  readonly name: string;
}

/** The `BTF_INT_SIGNED`, `BTF_INT_CHAR` and `BTF_INT_BOOL` bits of an int (none set means unsigned). */
export interface BtfIntEncoding {
  /** `BTF_INT_SIGNED`: the value is a two's-complement signed integer. */
  readonly signed: boolean;
  /** `BTF_INT_CHAR`: a character type, which printers may show as a character; it does not change the layout. */
  readonly char: boolean;
  /** `BTF_INT_BOOL`: a boolean type such as C's `_Bool`. */
  readonly bool: boolean;
}

/** An integer type (`BTF_KIND_INT`). */
export interface BtfInt extends BtfTypeCommon<"int"> {
  /** Storage size in bytes. */
  readonly size: number;
  /** How to read the value's bits: the encoding flags from bits 24-27 of the word that follows the common header. */
  readonly encoding: BtfIntEncoding;
  /** Where the value starts inside the storage, in bits (0 in everything modern compilers emit). */
  readonly bitOffset: number;
  /** How many bits the value has. */
  readonly bits: number;
}

/** A pointer (`BTF_KIND_PTR`); its size is the target's pointer size, see {@link Btf.pointerSize}. */
export interface BtfPtr extends BtfTypeCommon<"ptr"> {
  /** The pointee's id; 0 for `void *`. */
  readonly type: number;
}

/** A fixed-length array (`BTF_KIND_ARRAY`); always anonymous. */
export interface BtfArray extends BtfTypeCommon<"array"> {
  /** The element type's id; the array occupies `length` times that type's size. */
  readonly elemType: number;
  /** The index type (usually an int); carries no layout information. */
  readonly indexType: number;
  /** Number of elements; 0 for a flexible array member. */
  readonly length: number;
}

/** A member of a struct or union. */
export interface BtfMember {
  /** "" for an anonymous member (an unnamed nested struct or union). */
  name: string;
  /** The id of the member's type (possibly a typedef, qualifier or array, to be resolved for its layout). */
  type: number;
  /** Offset from the start of the enclosing struct or union, in bits. */
  bitOffset: number;
  /**
   * Width of a bitfield in bits, or 0 when the member is not a bitfield. Only structs and unions
   * with the kind flag set encode this here; without the flag a bitfield is described by an int type
   * of reduced `bits`, and this is 0 (as in libbpf's `btf_member_bitfield_size`).
   */
  bitfieldSize: number;
}

/** A struct (`BTF_KIND_STRUCT`). */
export interface BtfStruct extends BtfTypeCommon<"struct"> {
  /** Size in bytes. */
  readonly size: number;
  /** The members, in the order the record lists them (declaration order). */
  members: BtfMember[];
}

/** A union (`BTF_KIND_UNION`). */
export interface BtfUnion extends BtfTypeCommon<"union"> {
  /** Size in bytes. */
  readonly size: number;
  /** The members, in the order the record lists them (declaration order). */
  members: BtfMember[];
}

/** One enumerator: its name and value. */
export interface BtfEnumValue {
  /** The enumerator's name, e.g. `BPF_MAP_TYPE_HASH`. */
  name: string;
  /** A `number` in an `enum` (read as signed or unsigned per the type's `signed`); a `bigint` in an `enum64`. */
  value: number | bigint;
}

/** An enumeration with 32-bit values (`BTF_KIND_ENUM`). */
export interface BtfEnum extends BtfTypeCommon<"enum"> {
  /** Size in bytes (1, 2, 4 or 8). */
  readonly size: number;
  /** The kind flag: values are signed (Linux 6.0 and later; before that, always false). */
  readonly signed: boolean;
  /** The enumerators in the order the record lists them; each `value` is a `number`. */
  values: BtfEnumValue[];
}

/** An enumeration with 64-bit values (`BTF_KIND_ENUM64`, Linux 6.0); every value is a `bigint`. */
export interface BtfEnum64 extends BtfTypeCommon<"enum64"> {
  /** Size in bytes. */
  readonly size: number;
  /** The kind flag: values are signed. */
  readonly signed: boolean;
  /** The enumerators in the order the record lists them; each `value` is a `bigint`. */
  values: BtfEnumValue[];
}

/** A forward declaration (`BTF_KIND_FWD`) of a struct or union whose body is not in this BTF. */
export interface BtfFwd extends BtfTypeCommon<"fwd"> {
  /** The kind flag: true for `union foo;`, false for `struct foo;`. */
  readonly union: boolean;
}

/** A typedef (`BTF_KIND_TYPEDEF`). */
export interface BtfTypedef extends BtfTypeCommon<"typedef"> {
  /** The id of the type this name stands for; 0 for `void`. */
  readonly type: number;
}

/** A `volatile` qualifier (`BTF_KIND_VOLATILE`). */
export interface BtfVolatile extends BtfTypeCommon<"volatile"> {
  /** The id of the qualified type; 0 for `void` (as in `volatile void *`). */
  readonly type: number;
}

/** A `const` qualifier (`BTF_KIND_CONST`). */
export interface BtfConst extends BtfTypeCommon<"const"> {
  /** The id of the qualified type; 0 for `void` (as in `const void *`). */
  readonly type: number;
}

/** A `restrict` qualifier (`BTF_KIND_RESTRICT`). */
export interface BtfRestrict extends BtfTypeCommon<"restrict"> {
  /** The id of the qualified type, which C allows only to be a pointer (as in `int *restrict p`). */
  readonly type: number;
}

/** A function (`BTF_KIND_FUNC`): a name and linkage over a `func_proto`. */
export interface BtfFunc extends BtfTypeCommon<"func"> {
  /** The id of the `func_proto` giving the signature. */
  readonly type: number;
  /** See {@link BtfFuncLinkage}. */
  readonly linkage: number;
}

/** A function parameter; the last one of a variadic function has name "" and type 0. */
export interface BtfParam {
  /** The parameter's name; "" when the prototype does not name it, and for the variadic marker. */
  name: string;
  /** The id of the parameter's type; 0 only for the variadic marker. */
  type: number;
}

/** A function signature (`BTF_KIND_FUNC_PROTO`); always anonymous. */
export interface BtfFuncProto extends BtfTypeCommon<"func_proto"> {
  /** 0 for a function returning `void`. */
  readonly returnType: number;
  /** The parameters in order; a variadic function ends with the marker described at {@link BtfParam}. */
  params: BtfParam[];
}

/** A variable (`BTF_KIND_VAR`). */
export interface BtfVar extends BtfTypeCommon<"var"> {
  /** The id of the variable's type. */
  readonly type: number;
  /** See {@link BtfVarLinkage}. */
  readonly linkage: number;
}

/** One variable placed in a data section. */
export interface BtfDatasecVar {
  /** The id of the `var` (or, for externs, `func`). */
  type: number;
  /** Byte offset inside the section. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

/** A data section (`BTF_KIND_DATASEC`) such as `.data..percpu` in vmlinux. */
export interface BtfDatasec extends BtfTypeCommon<"datasec"> {
  /** Size of the whole section in bytes. */
  readonly size: number;
  /** The variables placed in the section, in the order the record lists them. */
  vars: BtfDatasecVar[];
}

/** A floating-point type (`BTF_KIND_FLOAT`, Linux 5.13). */
export interface BtfFloat extends BtfTypeCommon<"float"> {
  /** Size in bytes; the kernel accepts 2, 4, 8, 12 or 16. */
  readonly size: number;
}

/** A declaration tag (`BTF_KIND_DECL_TAG`, Linux 5.16): the name is the tag's text. */
export interface BtfDeclTag extends BtfTypeCommon<"decl_tag"> {
  /** The tagged struct, union, var, func or typedef. */
  readonly type: number;
  /** -1 when the tag is on `type` itself, else the index of the member or parameter it is on. */
  readonly componentIdx: number;
  /** The kind flag (recent kernels): the text is a whole C `__attribute__`, not a `btf_decl_tag` string. */
  readonly attribute: boolean;
}

/** A type tag (`BTF_KIND_TYPE_TAG`, Linux 5.17) such as `__user` or `__rcu`: the name is the tag's text. */
export interface BtfTypeTag extends BtfTypeCommon<"type_tag"> {
  /** The id of the annotated type; the tag sits in the chain like a qualifier (`int __user *` is ptr, type_tag, int). */
  readonly type: number;
  /** The kind flag (recent kernels): the text is a whole C `__attribute__`, not a `btf_type_tag` string. */
  readonly attribute: boolean;
}

/** A decoded BTF type: switch on `kind` to reach the fields of each kind. */
export type BtfType =
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfStruct
  | BtfUnion
  | BtfEnum
  | BtfFwd
  | BtfTypedef
  | BtfVolatile
  | BtfConst
  | BtfRestrict
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag
  | BtfTypeTag
  | BtfEnum64;

/** The decoded type of kind `K`, e.g. `BtfTypeOf<"struct">` is {@link BtfStruct}. */
export type BtfTypeOf<K extends BtfKind> = Extract<BtfType, { kind: K }>;
