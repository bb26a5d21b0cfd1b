/**
 * Errors as RFC 9457 `application/problem+json`. CostwiseError codes map to HTTP statuses; HTTP-only
 * conditions (401, 403, 404 route) are `HttpProblem`s. Internal details never reach the client: a 5xx
 * says only that the server failed and gives the request id to find the log line.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { CostwiseError, assertNever, isCostwiseError, type ErrorCode } from "../core/errors.js";
import { redactSecrets } from "../core/redact.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  requestId?: string;
  problems?: unknown[];
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case "BAD_INPUT":
    case "UNKNOWN_FORMAT":
    case "EMPTY_FILE":
    case "BAD_QUERY":
    case "USAGE":
      return 400;
    case "NOT_FOUND":
      return 404;
    case "DUPLICATE_FILE":
      return 409;
    case "CONTROL_TOTAL_MISMATCH":
      return 422;
    case "REMOTE":
      return 502;
    case "STORE":
    case "BAD_CONFIG":
    case "INTERNAL":
      return 500;
    default:
      return assertNever(code, "error code");
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export function problemType(code: string): string {
  return `https://costwise.dev/problems/${code.toLowerCase().replace(/_/g, "-")}`;
}

/** The problem body for any error; `internal` is true when it should be logged as a server fault. */
export function toProblem(err: unknown, instance: string, requestId: string): { body: ProblemBody; internal: boolean } {
  let status = 500;
  let code = "INTERNAL";
  let detail = "the server failed to handle this request; the request id identifies it in the server log";
  let problems: unknown[] | undefined;
  let internal = true;
  if (err instanceof HttpProblem) {
    status = err.status;
    code = err.code;
    detail = err.message;
    internal = status >= 500;
    if (Array.isArray(err.extra["problems"])) problems = err.extra["problems"];
  } else if (isCostwiseError(err)) {
    status = statusForCode(err.code);
    code = err.code;
    internal = status >= 500;
    if (!internal) {
      detail = err.message;
      const p = err.details?.["problems"];
      if (Array.isArray(p)) problems = p;
    }
  } else if (isFastifyClientError(err)) {
    status = err.statusCode;
    code = err.code && /^[A-Z_]+$/.test(err.code) ? err.code.replace(/^FST_ERR_/, "") : "BAD_REQUEST";
    detail = err.message;
    internal = false;
  }
  const body: ProblemBody = {
    type: problemType(code),
    title: TITLES[status] ?? "Error",
    status,
    // one redactor for every message that leaves the process (a user's mistake may quote a secret back)
    detail: redactSecrets(detail),
    instance,
    code,
    requestId,
  };
  if (problems) body.problems = problems.map(redactDeep);
  return { body, internal };
}

/** Every string inside a problem entry, redacted (entries quote user input: a path, a value). */
function redactDeep(v: unknown): unknown {
  if (typeof v === "string") return redactSecrets(v);
  if (Array.isArray(v)) return v.map(redactDeep);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x)]));
  return v;
}

function isFastifyClientError(e: unknown): e is { statusCode: number; code?: string; message: string } {
  if (typeof e !== "object" || e === null) return false;
  const s = (e as { statusCode?: unknown }).statusCode;
  return typeof s === "number" && s >= 400 && s < 500;
}

export function badQuery(message: string, problems?: unknown[]): CostwiseError {
  return new CostwiseError("BAD_QUERY", message, problems ? { details: { problems } } : {});
}

/**
 * Fastify's `frameworkErrors` option: errors its router raises before any route runs (a path parameter longer than
 * the router allows: 414; a URL whose percent-encoding does not decode: 400) answered as problem+json like every
 * other error, instead of Fastify's own JSON shape.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  const detail =
    err.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? "a path parameter is too long (at most 100 characters)"
      : err.code === "FST_ERR_BAD_URL"
        ? "the URL is not valid: a path segment's percent-encoding does not decode"
        : "the request could not be routed";
  const code = (err.code ?? "BAD_REQUEST").replace(/^FST_ERR_/, "");
  const { body } = toProblem(new HttpProblem(status, code, detail), (req.url.split("?")[0] ?? "/").slice(0, 200), req.id);
  void reply.header("x-request-id", req.id).status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
