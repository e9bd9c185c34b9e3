// The one error class the BTF parser throws, with a machine-readable code for each way a blob can be wrong.

/**
 * What went wrong while reading BTF.
 *
 * - `TRUNCATED`: the blob, or a type record in it, ends before the data it announces.
 * - `BAD_MAGIC`: the first two bytes are not 0xEB9F in either byte order.
 * - `BAD_VERSION`: the header's version is not 1.
 * - `BAD_HEADER`: the header's own length or its section layout makes no sense (overlapping
 *   sections, a string section that does not start or end with a NUL byte).
 * - `SECTION_OUT_OF_BOUNDS`: a section the header describes does not fit inside the blob.
 * - `UNKNOWN_KIND`: a type record has a kind number this parser does not know.
 * - `STRING_OUT_OF_RANGE`: a string offset points outside the string section(s).
 * - `TYPE_ID_OUT_OF_RANGE`: a type id passed to a lookup is not a type of this BTF.
 * - `REFERENCE_CYCLE`: following typedefs, modifiers or array elements loops back on itself.
 * - `BAD_TYPE`: a type record is well-formed bytes but meaningless (a reference to a type id
 *   that does not exist, an int wider than its size, the size of something that has none).
 */
export type BtfErrorCode =
  | "TRUNCATED"
  | "BAD_MAGIC"
  | "BAD_VERSION"
  | "BAD_HEADER"
  | "SECTION_OUT_OF_BOUNDS"
  | "UNKNOWN_KIND"
  | "STRING_OUT_OF_RANGE"
  | "TYPE_ID_OUT_OF_RANGE"
  | "REFERENCE_CYCLE"
  | "BAD_TYPE";

/**
 * Thrown for every problem with a BTF blob or a lookup in it; nothing else escapes the parser.
 * The message reads "doing what: why", in lower case.
 */
export class BtfError extends Error {
  /** Which kind of problem this is; stable across releases, unlike the message. */
  readonly code: BtfErrorCode;

  constructor(code: BtfErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BtfError";
    this.code = code;
  }
}

/**
 * Whether `e` is a {@link BtfError}. Checks the `name` and `code` rather than `instanceof`, so it
 * also recognizes errors thrown by another copy of this package.
 */
export function isBtfError(e: unknown): e is BtfError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "BtfError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}
