// Public entry of the pure BTF parser: parse raw BTF blobs and look types up by id, name or enumerator.

export { Btf, parseBtf, type ParseBtfOptions } from "./btf.js";
export { BtfError, isBtfError, type BtfErrorCode } from "./errors.js";
export * from "./types.js";
