/**
 * Typed rows: every result read from a store is decoded through a schema here, instead of `String(r["x"])` and
 * `Number(r["x"])` casts at each call site. A row that does not fit its schema is a bug in the SQL beside it, and
 * fails loudly with the row and column instead of turning into "undefined" or NaN further on.
 *
 * The store hands rows over as JSON-safe values (`CostStore.all`): DECIMAL and BIGINT arrive as strings (DuckDB) or
 * as strings/numbers (ClickHouse's JSON), dates and timestamps as ISO-like strings. The column codecs in `col`
 * accept those forms and produce one type each: money stays a decimal string, counts become numbers.
 *
 *   const rows = await readRows(store, { team: col.text, cost: col.money, n: col.int }, sql`SELECT ...`);
 */
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import type { CompiledSql } from "../../core/sql.js";
import type { Row } from "./cost-store.js";

/** What readRows needs of a store: anything that answers SQL with rows. */
export interface RowSource {
  all(q: CompiledSql | string): Promise<Row[]>;
}

const DECIMAL = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** A decimal amount as a string ("12.3400000000"); numbers from a JSON driver are turned into their shortest string. */
const money = z.union([z.string(), z.number(), z.bigint()]).transform((v, ctx) => {
  const s = typeof v === "string" ? v : String(v);
  if (!DECIMAL.test(s)) {
    ctx.addIssue({ code: "custom", message: `expected a decimal amount, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return s;
});

/** An integer count or id that fits a JS number (BIGINT arrives as a string). */
const int = z.union([z.string(), z.number(), z.bigint()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: "custom", message: `expected an integer, got ${JSON.stringify(typeof v === "bigint" ? String(v) : v)}` });
    return z.NEVER;
  }
  return n;
});

/** A floating-point measure (ratios, utilization, scores): never money. */
const num = z.union([z.string(), z.number(), z.bigint()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : Number(v);
  if (typeof v === "string" && v.trim() === "") {
    ctx.addIssue({ code: "custom", message: "expected a number, got an empty string" });
    return z.NEVER;
  }
  if (Number.isNaN(n) && !(typeof v === "string" && /^nan$/i.test(v))) {
    ctx.addIssue({ code: "custom", message: `expected a number, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

/** Text; numbers and booleans are accepted and turned into their string (ClickHouse sends UInt8 flags as numbers). */
const text = z.union([z.string(), z.number(), z.bigint(), z.boolean()]).transform((v) => String(v));

/** A calendar day "YYYY-MM-DD"; a DATE or TIMESTAMP value is cut to its day. */
const day = z.string().transform((v, ctx) => {
  const d = v.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) {
    ctx.addIssue({ code: "custom", message: `expected a date, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return d;
});

/** A timestamp as the store prints it ("2026-01-02 03:04:05" or ISO); kept as text, checked to start with a date. */
const timestamp = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v), { message: "expected a timestamp" });

/** A boolean; DuckDB gives true/false, ClickHouse 0/1. */
const bool = z.union([z.boolean(), z.number(), z.string()]).transform((v, ctx) => {
  if (v === true || v === 1 || v === "true" || v === "1") return true;
  if (v === false || v === 0 || v === "false" || v === "0") return false;
  ctx.addIssue({ code: "custom", message: `expected a boolean, got ${JSON.stringify(v)}` });
  return z.NEVER;
});

/** A JSON column: a value already parsed by the driver, or JSON text parsed here. */
const json = z.unknown().transform((v, ctx) => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "expected JSON text" });
    return z.NEVER;
  }
});

/** A string→string map (tags): a JSON object, or DuckDB's MAP as a list of {key, value}. */
const stringMap = z.unknown().transform((v, ctx): Record<string, string> => {
  let x = v;
  if (typeof x === "string") {
    try {
      x = JSON.parse(x);
    } catch {
      ctx.addIssue({ code: "custom", message: "expected a JSON object" });
      return z.NEVER;
    }
  }
  if (x === null || x === undefined) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(x)) {
    for (const e of x as { key?: unknown; value?: unknown }[]) if (e && e.key !== undefined && e.value !== null && e.value !== undefined) out[String(e.key)] = String(e.value);
    return out;
  }
  if (typeof x === "object") {
    for (const [k, val] of Object.entries(x as Record<string, unknown>)) if (val !== null && val !== undefined) out[k] = String(val);
    return out;
  }
  ctx.addIssue({ code: "custom", message: `expected a map, got ${JSON.stringify(v)}` });
  return z.NEVER;
});

/** The column codecs; `.nullable()` any of them for a column that may be NULL. */
export const col = { money, int, num, text, day, timestamp, bool, json, stringMap } as const;

/** The shape of a row: column name → codec. */
export type RowShape = Record<string, z.ZodType>;
export type RowOf<S extends RowShape> = { [K in keyof S]: z.output<S[K]> };

/** Reads the rows of `q` decoded through `shape`; a row that does not fit fails with its index and column. */
export async function readRows<S extends RowShape>(store: RowSource, shape: S, q: CompiledSql | string): Promise<RowOf<S>[]> {
  return decodeRows(shape, await store.all(q));
}

/** The first row of `q` decoded through `shape`, or undefined when there is none. */
export async function readRow<S extends RowShape>(store: RowSource, shape: S, q: CompiledSql | string): Promise<RowOf<S> | undefined> {
  return (await readRows(store, shape, q))[0];
}

/** Decodes rows already read (e.g. from a driver other than `CostStore.all`). */
export function decodeRows<S extends RowShape>(shape: S, rows: readonly Row[]): RowOf<S>[] {
  const schema = z.object(shape);
  return rows.map((r, i) => {
    const parsed = schema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const column = issue.path.map(String).join(".") || "(row)";
      throw new CostwiseError("INTERNAL", `a store row did not have the expected shape: row ${i + 1}, column ${column}: ${issue.message}`, {
        details: { row: i + 1, column },
      });
    }
    return parsed.data as RowOf<S>;
  });
}
