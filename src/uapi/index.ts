// The ABI's names and values: generated constants and groups, runtime tables, seed-compatible names.

export * from "./gen/constants.js";
export * from "./gen/groups.js";
export * from "./gen/layouts.js";
export type { ArmLayout, FieldLayout, FieldType, StructLayout } from "./layout.js";
export { ValueNameError, isValueNameError } from "./errors.js";
export { compareKernelReleases, describeSince, isAvailableIn, parseKernelRelease, parseSince, type Since } from "./kernel-version.js";
export { FlagSet, ValueSet, parseU32, type ValueEntry, type ValueRow, type ValueSetId, type ValueSetSpec } from "./value-set.js";
export * from "./sets.js";
export * from "./seed.js";
