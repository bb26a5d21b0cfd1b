/**
 * CEL (the Common Expression Language Kubernetes admission policies use) through `cel-js`. Expressions are
 * parsed once per policy; evaluation gets `resource`, `tags` and `attributes`. cel-js has no string methods, so
 * the usual ones are offered as functions: startsWith(s, p), endsWith(s, p), contains(s, p), matches(s, re),
 * lower(s), upper(s). Missing map keys are errors in CEL: guard with `has(tags.env)` or `"env" in tags`.
 */
import { evaluate, parse } from "cel-js";
import { compileRe2 } from "../re2.js";
import type { NormalizedResource } from "./resource.js";

/**
 * cel-js builds (and validates) a new CST visitor for every `evaluate` call, which dominates the cost on large
 * plans. Its visitor class is not exported, so we load it from the package's own files once and reuse one
 * instance, resetting its context and mode per evaluation; if that ever fails (a different cel-js layout), we
 * fall back to the public `evaluate`.
 */
interface ReusableVisitor {
  context: unknown;
  mode: number;
  visit(cst: unknown): unknown;
}
let VisitorClass: (new (context: unknown, functions: unknown) => ReusableVisitor) | undefined;
try {
  const url = new URL("./visitor.js", import.meta.resolve("cel-js"));
  VisitorClass = ((await import(url.href)) as { CelVisitor?: typeof VisitorClass }).CelVisitor;
} catch {
  VisitorClass = undefined;
}
let shared: ReusableVisitor | undefined;

export interface CompiledCel {
  source: string;
  cst: unknown;
}

export const CEL_FUNCTIONS: Record<string, CallableFunction> = {
  startsWith: (s: unknown, p: unknown) => String(s).startsWith(String(p)),
  endsWith: (s: unknown, p: unknown) => String(s).endsWith(String(p)),
  contains: (s: unknown, p: unknown) => String(s).includes(String(p)),
  matches: (s: unknown, re: unknown) => {
    // RE2 (linear time, cached), as CEL specifies for matches(); an invalid pattern throws, reported per resource
    return compileRe2(String(re)).test(String(s));
  },
  lower: (s: unknown) => String(s).toLowerCase(),
  upper: (s: unknown) => String(s).toUpperCase(),
};

/** Parses; on failure returns the first error line (cel-js gives long token lists). */
export function compileCel(source: string): { value?: CompiledCel; error?: string } {
  let result: ReturnType<typeof parse>;
  try {
    result = parse(source);
  } catch (e) {
    return { error: (e as Error).message.split("\n")[0] ?? "cannot parse" };
  }
  if (!result.isSuccess) {
    const first = result.errors[0] ?? "cannot parse";
    const found = /but found: '([^']*)'/.exec(first);
    return { error: `not a valid CEL expression${found ? ` (unexpected ${found[1] === "" ? "end of expression" : `"${found[1]}"`})` : `: ${first.split("\n")[0]}`}` };
  }
  return { value: { source, cst: result.cst } };
}

export function celContext(r: NormalizedResource): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    tags: r.tags,
    attributes: r.attributes,
    resource: {
      id: r.id,
      type: r.type,
      origin: r.origin,
      actions: r.actions,
      account: r.account ?? "",
      region: r.region ?? "",
      attributes: r.attributes,
      tags: r.tags,
    },
  };
  // cel-js serializes the whole context into the message of every missing-identifier error, including the
  // ones `has()` catches; a tiny toJSON keeps that O(1) (10× faster on large plans) and the messages short
  Object.defineProperty(ctx, "toJSON", { value: () => `resource ${r.id}`, enumerable: false });
  return ctx;
}

export type CelOutcome = { ok: true; value: boolean } | { ok: false; error: string };

/** Evaluates to a boolean; a non-boolean result or an evaluation error is an error value (never thrown). */
export function evalCelBool(c: CompiledCel, context: Record<string, unknown>): CelOutcome {
  // cel-js signals a missing key (which `has()` then catches) by throwing; stack capture dominates the cost
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    let v: unknown;
    if (VisitorClass) shared ??= new VisitorClass({}, CEL_FUNCTIONS);
    if (shared) {
      shared.context = context;
      shared.mode = 0;
      v = shared.visit(c.cst);
    } else v = evaluate(c.cst as Parameters<typeof evaluate>[0], context, CEL_FUNCTIONS);
    if (typeof v !== "boolean") return { ok: false, error: `\`${c.source}\` gave ${JSON.stringify(v)}, not true/false` };
    return { ok: true, value: v };
  } catch (e) {
    // cel-js appends the whole context to "not found" errors: keep the first clause only
    const msg = ((e as Error).message ?? String(e)).split(" in context:")[0]!.split("\n")[0]!;
    return { ok: false, error: msg };
  } finally {
    Error.stackTraceLimit = limit;
  }
}
