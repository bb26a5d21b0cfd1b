/**
 * Runs the FinOps Foundation's FOCUS requirements model (e.g. model-1.2.json) over the cost store, or over an
 * exported dataset file (CSV or Parquet), as set-based SQL.
 *
 * Order of operations in runModel:
 *  1. the relation: the store's cost table (rows in scope) or the file (CSV read as text, so the type and format
 *     rules see what the file holds; Parquet with its own types); DESCRIBE gives its columns and types;
 *  2. applicability: the given criteria, else the defaults of the sources in scope (x_Source; "focus" for files);
 *  3. compile (core/focus/requirements/compile.ts): rules become skipped, not applicable, presence, grouped,
 *     composite or row rules;
 *  4. a first scan counts rows and values per column (validity only, cheap); then ONE scan with count_if(violation)
 *     per distinct predicate of the row rules whose columns hold values;
 *  5. one grouped query per CheckDistinctCount rule;
 *  6. only when row rules fail: one pass over the violating rows for up to 3 examples per failing rule
 *     (min_by over the row id, so the first rows of the store in insertion order);
 *  7. outcomes: in the store a non-Mandatory column with no value is one the source does not provide, so the
 *     rules reading it do not apply; composites from the rules they reference.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { CostwiseError } from "../../core/errors.js";
import { focusColumn } from "../../core/focus/columns.js";
import { defaultApplicability } from "../../core/focus/requirements/applicability.js";
import { compileModel, type CompiledRule } from "../../core/focus/requirements/compile.js";
import { isMandatoryKeyword, parseRequirementsModel, type RequirementsModel } from "../../core/focus/requirements/model.js";
import { resolveOutcomes, summarize, type OutcomeSummary, type RuleExample, type RuleOutcome } from "../../core/focus/requirements/resolve.js";
import { quoteIdent } from "../../core/sql.js";
import { packageRoot } from "../mapping/lookups.js";
import type { CostStore, Row, SqlValue } from "../store/cost-store.js";
import { col, decodeRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import type { ValidateScope } from "./validate-store.js";

export type ModelTarget =
  | { kind: "store"; scope: ValidateScope }
  | { kind: "dataset"; file: string }
  /** A table or view already in the store (tests, benchmarks). */
  | { kind: "table"; table: string; sources?: string[] };

export interface RunModelOptions {
  /** Applicability criteria declared for the data; default: the sources' defaults. */
  applicability?: ReadonlySet<string>;
  /** ISO 4217 codes; default: currency_codes.csv beside the model, else the copy shipped in data/lookups. */
  currencyCodes?: readonly string[];
  /** Examples per failing rule (default 3; 0 = none, no second pass). */
  examples?: number;
  /**
   * Treat a non-Mandatory column that holds no value in the checked rows as a column the data does not have: the
   * rules reading it do not apply (its presence rule still passes: the store's schema has it). Default: true for
   * the store and tables (the store has every FOCUS column, whatever the source provides), false for a dataset
   * file (its columns are what it declares).
   */
  emptyColumnsAbsent?: boolean;
}

export interface ModelReport {
  model: { modelVersion: string; focusVersion: string };
  target: { kind: "store"; scope: ValidateScope } | { kind: "dataset"; file: string } | { kind: "table"; table: string };
  rowsChecked: number;
  applicability: string[];
  /** No MUST / MUST NOT rule fails. */
  conformant: boolean;
  summary: OutcomeSummary;
  /** Every rule, in model order. */
  rules: RuleOutcome[];
}

/** Reads and parses a requirements model file; a broken file is a usage error naming the path and the JSON path. */
export function loadRequirementsModel(path: string): RequirementsModel {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CostwiseError("USAGE", `cannot read the requirements model ${path}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CostwiseError("USAGE", `requirements model ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const parsed = parseRequirementsModel(json);
  if (!parsed.value) {
    const first = parsed.problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`);
    const more = parsed.problems.length > 5 ? ` (and ${parsed.problems.length - 5} more)` : "";
    throw new CostwiseError("USAGE", `requirements model ${path} is not a FOCUS requirements model: ${first.join("; ")}${more}`, {
      details: { problems: parsed.problems.slice(0, 50) },
    });
  }
  return parsed.value;
}

/** ISO 4217 codes: `currency_codes.csv` beside the model when there is one (the validator's layout), else ours. */
export function loadCurrencyCodes(modelPath?: string): string[] {
  const beside = modelPath ? join(dirname(resolve(modelPath)), "currency_codes.csv") : undefined;
  const file = beside && existsSync(beside) ? beside : join(packageRoot(), "data", "lookups", "iso4217_currency_codes.csv");
  const lines = readFileSync(file, "utf8").replace(/^\uFEFF/, "").split(/\r?\n/).slice(1);
  // either "code" or the validator's ",currency_codes" layout (index,code)
  const codes = lines.map((l) => l.split(",").pop()!.trim()).filter((c) => /^[A-Z]{3}$/.test(c));
  if (codes.length === 0) throw new CostwiseError("USAGE", `${file} holds no currency codes`);
  return [...new Set(codes)].sort();
}

interface Relation {
  from: string;
  /** Bound in `from` (the file path of read_csv/read_parquet). */
  fromParams: SqlValue[];
  where: string;
  whereParams: SqlValue[];
  rowId: string;
  sourceFileColumn: boolean;
}

function relationOf(target: ModelTarget): Relation {
  switch (target.kind) {
    case "store": {
      const clauses: string[] = [];
      const params: SqlValue[] = [];
      if (target.scope.source !== undefined) {
        clauses.push('"x_Source" = ?');
        params.push(target.scope.source);
      }
      if (target.scope.ingestId !== undefined) {
        clauses.push('"x_IngestId" = ?');
        params.push(target.scope.ingestId);
      }
      if (target.scope.file !== undefined) {
        clauses.push('"x_SourceFile" = ?');
        params.push(target.scope.file);
      }
      return { from: COST_TABLE, fromParams: [], where: clauses.length ? clauses.join(" AND ") : "TRUE", whereParams: params, rowId: "rowid", sourceFileColumn: true };
    }
    case "dataset": {
      const ext = extname(target.file).toLowerCase();
      if (!existsSync(target.file)) throw new CostwiseError("USAGE", `dataset file ${target.file} does not exist`);
      const from =
        ext === ".parquet"
          ? `(SELECT * FROM read_parquet(?))`
          : ext === ".csv" || ext === ".gz"
            ? `(SELECT * FROM read_csv(?, header = true, all_varchar = true, nullstr = ['NULL', '']))`
            : undefined;
      if (!from) throw new CostwiseError("USAGE", `dataset file ${target.file}: expected a .csv, .csv.gz or .parquet file`);
      return { from, fromParams: [target.file], where: "TRUE", whereParams: [], rowId: "0", sourceFileColumn: false };
    }
    case "table":
      return { from: quoteIdent(target.table), fromParams: [], where: "TRUE", whereParams: [], rowId: "rowid", sourceFileColumn: false };
  }
}

/** The params of a query `... FROM <from> WHERE <where> ...` over the relation. */
function withParams(rel: Relation): SqlValue[] {
  return [...rel.fromParams, ...rel.whereParams];
}

export async function runModel(store: CostStore, model: RequirementsModel, target: ModelTarget, options: RunModelOptions = {}): Promise<ModelReport> {
  const rel = relationOf(target);
  const described = decodeRows(
    { column_name: col.text, column_type: col.text },
    await query(store, `DESCRIBE SELECT * FROM ${rel.from}`, rel.fromParams, "reading the dataset's columns"),
  );
  const types = new Map<string, string>(described.map((r) => [r.column_name, r.column_type]));

  let applicability = options.applicability;
  if (!applicability) {
    let sources: string[] = ["focus"];
    if (target.kind === "store") {
      const rows = await query(store, `SELECT DISTINCT "x_Source" AS s FROM ${rel.from} WHERE ${rel.where}`, withParams(rel), "reading the sources in scope");
      sources = decodeRows({ s: col.text.nullable() }, rows).flatMap((r) => (r.s === null ? [] : [r.s]));
    } else if (target.kind === "table" && target.sources) sources = target.sources;
    applicability = defaultApplicability(sources);
  }
  const compiled = compileModel(model, { types }, { applicability, currencyCodes: options.currencyCodes ?? loadCurrencyCodes() });

  // 4a. a cheap first scan (validity only): rows and non-NULL counts of the columns the rules read
  const readColumns = new Set<string>();
  for (const c of compiled.rules) {
    if (c.kind === "row" || c.kind === "distinct") c.columns.forEach((x) => readColumns.add(x));
    if (c.kind === "presence" && c.present) readColumns.add(c.column);
  }
  const columnList = [...readColumns];
  const pre = await query(
    store,
    `SELECT ${['count(*) AS "rows"', ...columnList.map((c, i) => `count(${quoteIdent(c)}) AS "nn_${i}"`)].join(", ")} FROM ${rel.from} WHERE ${rel.where}`,
    withParams(rel),
    "counting values per column",
  );
  const [preCounts] = decodeRows(Object.fromEntries(["rows", ...columnList.map((_, i) => `nn_${i}`)].map((k) => [k, nullableCount])), pre);
  const rowsChecked = preCounts?.["rows"] ?? 0;

  // 7a. absent columns: in the store, a non-Mandatory column with no value is one the source does not provide
  const absentColumns = new Set<string>();
  if (options.emptyColumnsAbsent ?? target.kind !== "dataset") {
    columnList.forEach((c, i) => {
      if ((preCounts?.[`nn_${i}`] ?? 0) === 0 && focusColumn(c)?.featureLevel !== "Mandatory") absentColumns.add(c);
    });
  }
  const runs = (c: { columns: string[] }): boolean => !c.columns.some((x) => absentColumns.has(x));

  // 4b. the one scan: count_if(violation) per distinct predicate of the row rules that apply
  const predicateIndex = new Map<string, number>();
  const rowRules = compiled.rules.filter((c): c is Extract<CompiledRule, { kind: "row" }> => c.kind === "row" && runs(c));
  for (const r of rowRules) if (r.violation !== "FALSE" && !predicateIndex.has(r.violation)) predicateIndex.set(r.violation, predicateIndex.size);
  const predicates = [...predicateIndex.keys()];
  const violations = new Map<string, number>();
  if (predicates.length > 0 && rowsChecked > 0) {
    // count_if(p) is count(*) FILTER (WHERE p), faster in DuckDB 1.5
    const select = predicates.map((p, i) => `count_if(${p}) AS "v_${i}"`);
    const scan = await query(store, `SELECT ${select.join(", ")} FROM ${rel.from} WHERE ${rel.where}`, withParams(rel), "the conformance scan");
    const [counts] = decodeRows(Object.fromEntries(predicates.map((_, i) => [`v_${i}`, nullableCount])), scan);
    for (const r of rowRules) violations.set(r.rule.id, r.violation === "FALSE" ? 0 : (counts?.[`v_${predicateIndex.get(r.violation)!}`] ?? 0));
  }

  // 5. grouped rules
  const groups = new Map<string, number>();
  for (const c of compiled.rules) {
    if (c.kind !== "distinct" || !runs(c) || rowsChecked === 0) continue;
    const rows = await query(store, c.groupSql(rel.from, rel.where), withParams(rel), `rule ${c.rule.id}`);
    const [g] = decodeRows({ groups: nullableCount, rows: nullableCount }, rows);
    groups.set(c.rule.id, g?.groups ?? 0);
    violations.set(c.rule.id, g?.rows ?? 0);
  }

  // 6. examples of failing row rules
  const failing = rowRules.filter((r) => (violations.get(r.rule.id) ?? 0) > 0);
  const examples = await fetchExamples(store, rel, failing, options.examples ?? 3);

  const outcomes = resolveOutcomes(compiled.rules, { violations, groups, absentColumns, examples });
  const summary = summarize(outcomes);
  return {
    model: { modelVersion: model.modelVersion, focusVersion: model.focusVersion },
    target: target.kind === "store" ? { kind: "store", scope: target.scope } : target.kind === "dataset" ? { kind: "dataset", file: target.file } : { kind: "table", table: target.table },
    rowsChecked,
    applicability: [...applicability].sort(),
    conformant: !outcomes.some((o) => o.status === "fail" && isMandatoryKeyword(o.keyword)),
    summary,
    rules: outcomes,
  };
}

async function fetchExamples(
  store: CostStore,
  rel: Relation,
  failing: readonly Extract<CompiledRule, { kind: "row" }>[],
  perRule: number,
): Promise<Map<string, RuleExample[]>> {
  const out = new Map<string, RuleExample[]>();
  if (failing.length === 0 || perRule <= 0) return out;
  const n = Math.min(Math.max(1, Math.floor(perRule)), 10);
  const select = failing.map((r, i) => {
    const fields = r.columns.map((c) => `${quoteIdent(c)} := CAST(${quoteIdent(c)} AS VARCHAR)`);
    if (rel.sourceFileColumn) fields.push(`"__file" := "x_SourceFile"`);
    return `CAST(to_json(min_by(struct_pack(${fields.join(", ")}), ${rel.rowId}, ${n}) FILTER (WHERE ${r.violation})) AS VARCHAR) AS "e_${i}"`;
  });
  const any = failing.map((r) => `(${r.violation})`).join(" OR ");
  const rows = await query(store, `SELECT ${select.join(", ")} FROM ${rel.from} WHERE (${rel.where}) AND (${any})`, withParams(rel), "finding example rows");
  const [row] = decodeRows(Object.fromEntries(failing.map((_, i) => [`e_${i}`, col.text.nullable()])), rows);
  failing.forEach((r, i) => {
    const json = row?.[`e_${i}`];
    if (!json) return;
    const list = JSON.parse(json) as Record<string, string | null>[];
    out.set(
      r.rule.id,
      list.map((v) => {
        const { __file, ...values } = v;
        return rel.sourceFileColumn ? { values, sourceFile: __file ?? null } : { values };
      }),
    );
  });
  return out;
}

const nullableCount = col.int.nullable();

async function query(store: CostStore, sqlText: string, params: SqlValue[], what: string): Promise<Row[]> {
  try {
    return await store.all({ sql: sqlText, params });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new CostwiseError("STORE", `requirements model: ${what} failed: ${msg}`, { cause: e });
  }
}
