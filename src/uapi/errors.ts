// The named error the pure tables throw for a name or number they cannot accept.

/** Thrown when a name, short name or number cannot be read as a value of a set. */
export class ValueNameError extends Error {
  /** Always `"ValueNameError"`: what {@link isValueNameError} checks. */
  override readonly name = "ValueNameError";
  /** Which set was asked (`"map"`, `"map-flags"`, ...). */
  readonly setId: string;
  /** The text that could not be read. */
  readonly input: string;

  constructor(setId: string, input: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.setId = setId;
    this.input = input;
  }
}

/** True for a {@link ValueNameError}, even one thrown by another copy of this package. */
export function isValueNameError(error: unknown): error is ValueNameError {
  return error instanceof Error && error.name === "ValueNameError";
}
