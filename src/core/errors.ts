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

/** Failures of the machine, not of costwise: out of space, no permission, a read-only file system. */
export const SYSTEM_ERROR_KINDS = ["disk-full", "quota", "permission", "read-only"] as const;
export type SystemErrorKind = (typeof SYSTEM_ERROR_KINDS)[number];

/** Classifies an error by its errno code or, for errors that only carry text (DuckDB's IO errors), its message. */
export function systemErrorKind(e: unknown): SystemErrorKind | undefined {
  const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
  const text = `${typeof code === "string" ? code : ""} ${e instanceof Error ? e.message : String(e)}`;
  if (/\bENOSPC\b|No space left on device/i.test(text)) return "disk-full";
  if (/\bEDQUOT\b|Disk quota exceeded/i.test(text)) return "quota";
  if (/\bEROFS\b|Read-only file system/i.test(text)) return "read-only";
  if (/\bEACCES\b|\bEPERM\b|Permission denied|Operation not permitted/i.test(text)) return "permission";
  return undefined;
}

/** The words for a system error kind. */
export function describeSystemError(kind: SystemErrorKind): string {
  switch (kind) {
    case "disk-full":
      return "disk full (ENOSPC / No space left on device)";
    case "quota":
      return "disk quota exceeded (EDQUOT)";
    case "permission":
      return "permission denied (EACCES / EPERM)";
    case "read-only":
      return "read-only file system (EROFS)";
    default:
      return assertNever(kind, "system error kind");
  }
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
