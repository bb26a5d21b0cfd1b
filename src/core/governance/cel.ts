/**
 * CEL (the Common Expression Language Kubernetes admission policies use) through `cel-js`. Expressions are
 * parsed once per policy; evaluation gets `resource`, `tags` and `attributes`. cel-js has no string methods, so
 * the usual ones are offered as functions: startsWith(s, p), endsWith(s, p), contains(s, p), matches(s, re),
 * lower(s), upper(s). Missing map keys are errors in CEL: guard with `has(tags.env)` or `"env" in tags`.
 *
 * Member access reads own properties only: `tags.toString` or `tags.constructor` is a missing key (as in CEL),
 * never a JavaScript built-in, and tags are null-prototype maps so a `__proto__` tag is an ordinary key.
 * A call to a function that does not exist is a load-time problem (celCallProblems), not a per-resource error.
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
let VisitorClass: (new (context: unknown, functions: unknown) => ReusableVisitor & { getIdentifier(o: unknown, id: unknown): unknown }) | undefined;
try {
  const url = new URL("./visitor.js", import.meta.resolve("cel-js"));
  VisitorClass = ((await import(url.href)) as { CelVisitor?: typeof VisitorClass }).CelVisitor;
} catch {
  VisitorClass = undefined;
}
let shared: ReusableVisitor | undefined;

/** cel-js reads `obj[id]`, which finds prototype members (`toString`); only own properties are CEL fields. */
function ownIdentifier(searchContext: unknown, identifier: unknown): unknown {
  if (typeof searchContext !== "object" || searchContext === null) throw new Error(`Cannot obtain "${String(identifier)}" from non-object context: ${String(searchContext)}`);
  const k = typeof identifier === "number" ? identifier : String(identifier);
  const value = Object.hasOwn(searchContext, k) ? (searchContext as Record<string | number, unknown>)[k] : undefined;
  if (value === undefined) throw new Error(`Identifier "${String(identifier)}" not found`);
  return value;
}

function sharedVisitor(): ReusableVisitor | undefined {
  if (!shared && VisitorClass) {
    const v = new VisitorClass({}, CEL_FUNCTIONS);
    v.getIdentifier = ownIdentifier;
    shared = v;
  }
  return shared;
}

/** Functions CEL expressions may call: cel-js's own (has, size), ours, and the collection macros as methods. */
export const CEL_BUILTINS = ["has", "size"] as const;
export const CEL_METHODS = ["all", "exists", "exists_one", "filter", "map"] as const;

export interface CelCallProblem {
  name: string;
  /** 0-based offset of the name in the expression. */
  offset: number;
  message: string;
}

/** Calls of functions or methods that do not exist (`foo(tags.Name)`, `tags.bar(x)`), with their offsets. */
export function celCallProblems(c: CompiledCel): CelCallProblem[] {
  const known = [...CEL_BUILTINS, ...Object.keys(CEL_FUNCTIONS)];
  const out: CelCallProblem[] = [];
  const walk = (n: unknown): void => {
    if (typeof n !== "object" || n === null) return;
    const node = n as { name?: string; children?: Record<string, unknown[]> };
    if (!node.children) return;
    const id = (node.children["Identifier"]?.[0] ?? undefined) as { image: string; startOffset: number } | undefined;
    if (id && node.name === "macrosExpression" && !known.includes(id.image)) {
      out.push({ name: id.image, offset: id.startOffset, message: `unknown function "${id.image}"; known functions: ${known.join(", ")}` });
    }
    if (id && node.name === "identifierDotExpression" && node.children["OpenParenthesis"] && !(CEL_METHODS as readonly string[]).includes(id.image)) {
      const hint = known.includes(id.image) ? ` (call it as ${id.image}(value, ...), not value.${id.image}(...))` : "";
      out.push({ name: id.image, offset: id.startOffset, message: `unknown method ".${id.image}()"${hint}; methods: ${CEL_METHODS.join(", ")}` });
    }
    for (const v of Object.values(node.children)) for (const child of v) walk(child);
  };
  walk(c.cst);
  return out;
}

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
  const tags = Object.assign(Object.create(null) as Record<string, string>, r.tags);
  const ctx: Record<string, unknown> = {
    tags,
    attributes: r.attributes,
    resource: {
      id: r.id,
      type: r.type,
      origin: r.origin,
      actions: r.actions,
      account: r.account ?? "",
      region: r.region ?? "",
      attributes: r.attributes,
      tags,
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
    const visitor = sharedVisitor();
    if (visitor) {
      visitor.context = context;
      visitor.mode = 0;
      v = visitor.visit(c.cst);
    } else v = evaluate(c.cst as Parameters<typeof evaluate>[0], nullProto(context) as Record<string, unknown>, CEL_FUNCTIONS);
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

/** Fallback (public cel-js evaluate): a deep copy without prototypes, so `x.toString` is not found. */
function nullProto(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(nullProto);
  if (typeof v !== "object" || v === null) return v;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) out[k] = nullProto(x);
  return out;
}
