/**
 * One error family for I/O code: a stable code, a public message meant for the user, and a cause.
 * Pure code returns problems as values instead (see `Problem`).
 */

export const ERROR_CODES = [
  "BAD_INPUT", // a file the user gave us is malformed (names file, row, column)
  "UNKNOWN_FORMAT", // header matches no known source format
  "EMPTY_FILE",
  "DUPLICATE_FILE",
  "NOT_FOUND",
  "CONTROL_TOTAL_MISMATCH", // loaded money differs from the source's money
  "BAD_QUERY", // a query names an unknown column/operator
  "BAD_CONFIG",
  "USAGE",
  "STORE", // the database failed for a reason that is not the user's input
  "REMOTE", // a remote service (cloud API, webhook, OpenCost) failed or refused, after retries
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorLocation {
  file?: string;
  /** 1-based data row (header excluded) or physical line, as `lineKind` says. */
  row?: number;
  line?: number;
  column?: string;
}

export class CostwiseError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; location?: ErrorLocation; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CostwiseError";
    this.code = code;
    this.location = options.location;
    this.details = options.details;
  }

  /** True when the error is the user's to fix (bad file, bad query, bad config), not a bug. */
  get isUserError(): boolean {
    return this.code !== "INTERNAL" && this.code !== "STORE";
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, location: this.location, details: this.details };
  }
}

export function isCostwiseError(e: unknown): e is CostwiseError {
  return e instanceof CostwiseError;
}

/** A problem found by pure code: a value, not an exception. */
export interface Problem {
  code: string;
  message: string;
  path?: string;
}

export function assertNever(x: never, what = "value"): never {
  throw new CostwiseError("INTERNAL", `unexpected ${what}: ${JSON.stringify(x)}`);
}
