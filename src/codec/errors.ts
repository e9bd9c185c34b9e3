// The one error class the struct codecs throw, with a code for each way an input can be wrong.

/**
 * What went wrong while decoding or encoding a kernel struct.
 *
 * - `BAD_LENGTH`: a length, count, record size or offset is negative, not an integer, or larger
 *   than the bytes given (the codecs never read or write past a buffer).
 * - `BAD_VALUE`: a value cannot be written into its field: out of the integer's range, not an
 *   integer, a name too long or holding a NUL, a tag that is not 16 hex digits.
 * - `UNKNOWN_FIELD`: a key that the struct does not have (a typo, or a field of another link arm).
 * - `FIELD_PAST_LENGTH`: a value was given for a field that does not fit in the requested length.
 * - `WRONG_ARM`: a `bpf_link_info` arm (or a perf_event variant) that does not match the `type` given,
 *   or two union alternatives that disagree about the bytes they share.
 */
export type CodecErrorCode = "BAD_LENGTH" | "BAD_VALUE" | "UNKNOWN_FIELD" | "FIELD_PAST_LENGTH" | "WRONG_ARM";

/**
 * Thrown for every bad input to a decoder or encoder; the message reads "doing what: why", in
 * lower case, and names the struct and field.
 */
export class CodecError extends Error {
  /** Always `"CodecError"`: what {@link isCodecError} checks, so it works across copies of the package. */
  override readonly name = "CodecError";
  /** Which kind of problem this is; stable across releases, unlike the message. */
  readonly code: CodecErrorCode;
  /** The C struct being decoded or encoded (`bpf_prog_info`), where there is one. */
  readonly struct: string | undefined;
  /** The field at fault, as a dotted path (`perf_event.kprobe.addr`), where there is one. */
  readonly field: string | undefined;

  constructor(
    code: CodecErrorCode,
    message: string,
    options?: { struct?: string | undefined; field?: string | undefined; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.struct = options?.struct;
    this.field = options?.field;
  }
}

/**
 * Whether `error` is a {@link CodecError}. It checks the `name` rather than `instanceof`, so it also
 * recognizes errors thrown by another copy of this package.
 */
export function isCodecError(error: unknown): error is CodecError {
  return error instanceof Error && error.name === "CodecError";
}
