/**
 * FOCUS conformance validation of the rows in the cost store.
 *
 * All rules run in one scan of `focus_costs`: a single aggregate query with, per rule,
 * `count_if(<violation>)`, plus `count(<column>)` per FOCUS column for coverage and for
 * the presence of Recommended/Conditional columns. Only when some rule fails, a second aggregate
 * over the rows violating a failing rule finds the first such row per rule (`min(rowid)`, i.e. by
 * insertion order), and a lookup by rowid reads those example rows: at most one row per failing rule
 * reaches JavaScript.
 */
import { assertNever, CostwiseError } from "../../core/errors.js";
import { FOCUS_COLUMNS, focusColumn, type FeatureLevel, type FocusColumnName } from "../../core/focus/columns.js";
import {
  CONFORMANCE_RULES,
  FOCUS_CONFORMANCE_VERSION,
  columnSql,
  ruleColumns,
  violationSql,
  type ConformanceRule,
  type RuleKind,
  type RuleSeverity,
} from "../../core/focus/conformance-rules.js";
import type { CostStore, Row, SqlValue } from "../store/cost-store.js";
import { col, decodeRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";

/** Which rows to check. Every given field must match (they combine with AND). */
export interface ValidateScope {
  /** x_Source: the source format id (aws-cur, focus, ...). */
  source?: string;
  /** x_IngestId: one ingest run. */
  ingestId?: string;
  /** x_SourceFile: one loaded file. */
  file?: string;
}

export interface ValidateOptions {
  scope?: ValidateScope;
  /** The rules to run (default: the full FOCUS 1.2 rule set). */
  rules?: readonly ConformanceRule[];
}

export const RULE_STATUSES = ["pass", "fail", "not-applicable"] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

export type ExampleValue = string | number | boolean | null | ExampleValue[] | { [key: string]: ExampleValue };

/** One violating row, enough to find it: where it came from and the values the rule looked at. */
export interface ViolationExample {
  sourceFile: string | null;
  ingestId: string | null;
  /** The rule's columns, as text (money and quantities as decimal strings, timestamps as ISO 8601 UTC). */
  values: Record<string, ExampleValue>;
}

export interface RuleResult {
  id: string;
  column: FocusColumnName;
  kind: RuleKind;
  severity: RuleSeverity;
  status: RuleStatus;
  /** Violating rows (0 when the rule passes or does not apply). */
  violations: number;
  requirement: string;
  description: string;
  specUrl: string;
  /** Why the rule did not apply (a column it depends on holds no value). */
  notApplicableReason?: string;
  example?: ViolationExample;
}

export interface ColumnCoverage {
  column: FocusColumnName;
  featureLevel: FeatureLevel;
  nonNullRows: number;
  /** Share of checked rows with a value, 0..100 with one decimal. */
  percentNonNull: number;
  /** No checked row holds a value (the column is absent from the data in scope). */
  entirelyNull: boolean;
}

export interface ValidationReport {
  focusVersion: typeof FOCUS_CONFORMANCE_VERSION;
  scope: ValidateScope;
  rowsChecked: number;
  /** True when no error-severity rule has a violation. */
  conformant: boolean;
  summary: {
    rules: number;
    passed: number;
    failedErrors: number;
    failedWarnings: number;
    notApplicable: number;
    /** Violating rows summed over failing error rules (a row may count under several rules). */
    errorViolations: number;
    warningViolations: number;
  };
  /** Every rule, failing ones first (errors before warnings), then in rule-set order. */
  rules: RuleResult[];
  /** Coverage of every FOCUS column, in catalogue order. */
  coverage: ColumnCoverage[];
}

/**
 * Runs the conformance rules over the rows in scope: one scan of the cost table, plus one pass over
 * the violating rows for examples when some rule fails.
 */
export async function validateStore(store: CostStore, options: ValidateOptions = {}): Promise<ValidationReport> {
  const scope = normalizeScope(options.scope ?? {});
  const rules = options.rules ?? CONFORMANCE_RULES;
  const { where, params } = scopeSql(scope);

  const select: string[] = ['count(*) AS "rows"'];
  FOCUS_COLUMNS.forEach((c, i) => select.push(`count(${columnSql(c.name)}) AS "nn_${i}"`));
  // count_if(p) counts the rows count(*) FILTER (WHERE p) would; it measured faster in DuckDB 1.5
  rules.forEach((r, i) => select.push(`count_if(${violationSql(r)}) AS "v_${i}"`));
  const sqlText = `SELECT\n  ${select.join(",\n  ")}\nFROM ${COST_TABLE}${where}`;

  let raw: Row[];
  try {
    raw = await store.all({ sql: sqlText, params });
  } catch (e) {
    throw new CostwiseError("STORE", `conformance validation query failed: ${firstLine(e)}`, { cause: e });
  }
  // every column of the scan is a row count (count_if over no rows is NULL: 0)
  const countShape: Record<string, typeof nullableCount> = Object.fromEntries(
    ["rows", ...FOCUS_COLUMNS.map((_, i) => `nn_${i}`), ...rules.map((_, i) => `v_${i}`)].map((k) => [k, nullableCount]),
  );
  const [counts] = decodeRows(countShape, raw);
  if (!counts) throw new CostwiseError("STORE", "conformance validation query returned no row");
  const count = (k: string): number => counts[k] ?? 0;

  const rowsChecked = count("rows");
  const coverage: ColumnCoverage[] = FOCUS_COLUMNS.map((c, i) => {
    const nonNullRows = count(`nn_${i}`);
    return {
      column: c.name,
      featureLevel: c.featureLevel,
      nonNullRows,
      percentNonNull: rowsChecked === 0 ? 0 : Math.round((nonNullRows * 1000) / rowsChecked) / 10,
      entirelyNull: nonNullRows === 0,
    };
  });
  const present = new Set(coverage.filter((c) => !c.entirelyNull).map((c) => c.column));

  const failing = rules
    .map((_, i) => i)
    .filter((i) => count(`v_${i}`) > 0 && rules[i]!.appliesWhenPresent.every((c) => present.has(c)));
  const examples = await fetchExamples(store, rules, failing, where, params);

  const results: RuleResult[] = rules.map((r, i) => {
    const base = {
      id: r.id,
      column: r.column,
      kind: r.kind,
      severity: r.severity,
      requirement: r.requirement,
      description: r.description,
      specUrl: r.specUrl,
    };
    const absent = r.appliesWhenPresent.filter((c) => !present.has(c));
    if (absent.length > 0) {
      return {
        ...base,
        status: "not-applicable" as const,
        violations: 0,
        notApplicableReason: `${absent.join(", ")} ${absent.length === 1 ? "holds" : "hold"} no value in the checked rows (treated as absent)`,
      };
    }
    const violations = count(`v_${i}`);
    if (violations === 0) return { ...base, status: "pass" as const, violations };
    const example = examples.get(i);
    return { ...base, status: "fail" as const, violations, ...(example ? { example } : {}) };
  });

  const order = (r: RuleResult): number =>
    r.status === "fail" ? (r.severity === "error" ? 0 : 1) : r.status === "pass" ? 2 : 3;
  const sorted = results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order(a.r) - order(b.r) || a.i - b.i)
    .map((x) => x.r);

  const failed = results.filter((r) => r.status === "fail");
  const failedErrors = failed.filter((r) => r.severity === "error");
  const failedWarnings = failed.filter((r) => r.severity === "warning");
  return {
    focusVersion: FOCUS_CONFORMANCE_VERSION,
    scope,
    rowsChecked,
    conformant: failedErrors.length === 0,
    summary: {
      rules: results.length,
      passed: results.filter((r) => r.status === "pass").length,
      failedErrors: failedErrors.length,
      failedWarnings: failedWarnings.length,
      notApplicable: results.filter((r) => r.status === "not-applicable").length,
      errorViolations: failedErrors.reduce((n, r) => n + r.violations, 0),
      warningViolations: failedWarnings.reduce((n, r) => n + r.violations, 0),
    },
    rules: sorted,
    coverage,
  };
}

function normalizeScope(scope: ValidateScope): ValidateScope {
  const out: ValidateScope = {};
  if (scope.source !== undefined) out.source = scope.source;
  if (scope.ingestId !== undefined) out.ingestId = scope.ingestId;
  if (scope.file !== undefined) out.file = scope.file;
  return out;
}

function scopeSql(scope: ValidateScope): { where: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (scope.source !== undefined) {
    clauses.push('"x_Source" = ?');
    params.push(scope.source);
  }
  if (scope.ingestId !== undefined) {
    clauses.push('"x_IngestId" = ?');
    params.push(scope.ingestId);
  }
  if (scope.file !== undefined) {
    clauses.push('"x_SourceFile" = ?');
    params.push(scope.file);
  }
  return { where: clauses.length ? `\nWHERE ${clauses.join(" AND ")}` : "", params };
}

/**
 * Fetches the example rows (one per failing rule, by rowid) and picks each rule's columns from them.
 * Values come back as text: money and quantities as decimal strings, timestamps as ISO 8601 UTC.
 */
async function fetchExamples(
  store: CostStore,
  rules: readonly ConformanceRule[],
  failing: readonly number[],
  where: string,
  scopeParams: SqlValue[],
): Promise<Map<number, ViolationExample>> {
  const out = new Map<number, ViolationExample>();
  if (failing.length === 0) return out;

  // the first violating row of each failing rule, in one pass over the violating rows only
  const preds = failing.map((i) => violationSql(rules[i]!));
  const firstSql =
    `SELECT ${failing.map((i, k) => `CAST(min(rowid) FILTER (WHERE ${preds[k]}) AS VARCHAR) AS "x_${i}"`).join(", ")} ` +
    `FROM ${COST_TABLE}${where ? `${where} AND` : "\nWHERE"} (${preds.join(" OR ")})`;
  let firstRows: Row[];
  try {
    firstRows = await store.all({ sql: firstSql, params: scopeParams });
  } catch (e) {
    throw new CostwiseError("STORE", `finding conformance examples failed: ${firstLine(e)}`, { cause: e });
  }
  // per failing rule, the rowid of its first violating row (text; NULL when none is left)
  const [first] = decodeRows(textColumns(failing.map((i) => `x_${i}`)), firstRows);
  const rowids = new Map<number, string>();
  for (const i of failing) {
    const id = first?.[`x_${i}`];
    if (typeof id === "string") rowids.set(i, id);
  }
  if (rowids.size === 0) return out;
  const wanted = new Set<FocusColumnName>();
  for (const i of rowids.keys()) for (const c of ruleColumns(rules[i]!)) wanted.add(c);
  const columns = FOCUS_COLUMNS.map((c) => c.name).filter((n) => wanted.has(n));
  const distinct = [...new Set(rowids.values())];
  const sqlText =
    `SELECT CAST(rowid AS VARCHAR) AS "__rowid", "x_SourceFile", "x_IngestId", ` +
    columns.map((n) => `${valueAsTextSql(n)} AS ${columnSql(n)}`).join(", ") +
    ` FROM ${COST_TABLE} WHERE rowid IN (${distinct.map(() => "?").join(", ")})`;
  let raw: Row[];
  try {
    raw = await store.all({ sql: sqlText, params: distinct.map((id) => BigInt(id)) });
  } catch (e) {
    throw new CostwiseError("STORE", `reading conformance examples failed: ${firstLine(e)}`, { cause: e });
  }
  // every value comes back as text (valueAsTextSql)
  const rows = decodeRows(textColumns(["__rowid", "x_SourceFile", "x_IngestId", ...columns]), raw);
  const byRowid = new Map(rows.map((r) => [r["__rowid"], r]));
  for (const [i, rowid] of rowids) {
    const r = byRowid.get(rowid);
    if (!r) continue; // the row went away between the two queries: report the count without an example
    const values: Record<string, ExampleValue> = {};
    for (const c of ruleColumns(rules[i]!)) values[c] = exampleValue(c, r[c] ?? null);
    out.set(i, { sourceFile: r["x_SourceFile"] ?? null, ingestId: r["x_IngestId"] ?? null, values });
  }
  return out;
}

const nullableText = col.text.nullable();
const nullableCount = col.int.nullable();

/** A row shape of text columns that may be NULL. */
function textColumns(names: readonly string[]): Record<string, typeof nullableText> {
  return Object.fromEntries(names.map((k) => [k, nullableText]));
}

function valueAsTextSql(name: FocusColumnName): string {
  const col = columnSql(name);
  if (name === "Tags") return `CAST(to_json(${col}) AS VARCHAR)`;
  const dataType = focusColumn(name)?.dataType ?? "String";
  switch (dataType) {
    case "DateTime":
      return `strftime(${col}, '%Y-%m-%dT%H:%M:%SZ')`;
    case "Decimal":
    case "JSON":
      return `CAST(${col} AS VARCHAR)`;
    case "String":
      return col;
    default:
      return assertNever(dataType, "FOCUS data type");
  }
}

function exampleValue(name: FocusColumnName, v: string | null): ExampleValue {
  if (v === null) return null;
  if (name === "Tags") {
    try {
      return JSON.parse(v) as ExampleValue;
    } catch {
      return v;
    }
  }
  return v;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0] ?? msg;
}
