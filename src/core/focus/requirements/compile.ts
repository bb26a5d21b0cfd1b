/**
 * The requirements model's static rules compiled to set-based DuckDB SQL. Pure text: the engine runs it.
 *
 * Order of operations in compileModel:
 *  0. a rule's condition is its own AND those of the composites that reference it (inheritedConditions);
 *  1. Dynamic rules are skipped (they need knowledge outside the dataset), with that reason;
 *  2. a rule whose ApplicabilityCriteria are not all declared for the data does not apply;
 *  2b. MAY / OPTIONAL rules grant a permission ("Tags MAY be null"): nothing to violate, skipped with that reason;
 *  3. a rule whose requirement is only CheckModelRule references (through AND/OR) is a composite, decided later
 *     from the referenced rules' statuses (resolveStatuses);
 *  4. a rule that reads a column the relation does not hold does not apply (its presence rule reports the gap);
 *     whether an all-NULL column counts as absent is the runner's choice (after the scan, see `columnsRead`);
 *  5. ColumnPresent is decided from the relation's columns; CheckDistinctCount becomes one grouped query;
 *  6. every other check becomes a row predicate "passes", null-safe; the rule's violation predicate is
 *     `condition AND NOT passes`, counted with count_if in the one scan that serves every row rule.
 *
 * Check semantics (as the FinOps Foundation's focus_validator applies them): a NULL value passes every value and
 * format check except CheckValue/CheckNotValue with a null Value; in a Condition, CheckNotValue(c, v) selects rows
 * where c is not NULL and differs from v.
 */
import { assertNever, CostwiseError } from "../../errors.js";
import { quoteIdent, quoteString } from "../../sql.js";
import { nodeColumns, referencedRules, type CheckNode, type ModelRule, type RequirementsModel } from "./model.js";

/** The relation the rules run over: its columns and their DuckDB types (as DESCRIBE prints them). */
export interface RelationColumns {
  types: ReadonlyMap<string, string>;
}

export interface CompileOptions {
  /** Applicability criteria declared true for the data. */
  applicability: ReadonlySet<string>;
  /** ISO 4217 national currency codes (CheckNationalCurrency). */
  currencyCodes: readonly string[];
  /** Tolerance of ColumnByColumnEqualsColumnValue (|a×b − result| ≤ tolerance), a decimal string. */
  productTolerance?: string;
}

export type CompiledRule =
  | { kind: "skipped"; rule: ModelRule; reason: string }
  | { kind: "not-applicable"; rule: ModelRule; reason: string }
  | { kind: "composite"; rule: ModelRule; references: string[] }
  | { kind: "presence"; rule: ModelRule; column: string; present: boolean }
  /** `sql` counts the violating groups and their rows over `{relation}`; read `groups`, `rows`. */
  | { kind: "distinct"; rule: ModelRule; columns: string[]; groupSql: (relation: string, where: string) => string }
  /** `violation` is a predicate true on each violating row ("FALSE" when no row can violate). */
  | { kind: "row"; rule: ModelRule; columns: string[]; violation: string };

export interface CompiledModel {
  rules: CompiledRule[];
}

const DEFAULT_TOLERANCE = "0.01";

/** Compiles every rule of `model` for a relation with `relation` columns. */
export function compileModel(model: RequirementsModel, relation: RelationColumns, options: CompileOptions): CompiledModel {
  const ctx: Ctx = {
    types: relation.types,
    codes: options.currencyCodes,
    tolerance: options.productTolerance ?? DEFAULT_TOLERANCE,
  };
  if (!/^\d+(\.\d+)?$/.test(ctx.tolerance)) throw new CostwiseError("USAGE", `product tolerance must be a decimal, got ${JSON.stringify(ctx.tolerance)}`);
  const inherited = inheritedConditions(model);
  return {
    rules: model.rules.map((r) => {
      const up = inherited.get(r.id) ?? [];
      const own = r.condition ? [r.condition] : [];
      const all = [...up, ...own];
      const condition: CheckNode | undefined = all.length === 0 ? undefined : all.length === 1 ? all[0] : { fn: "AND", items: all };
      const { condition: _own, ...rest } = r;
      return compileRule(condition ? { ...rest, condition } : rest, ctx, options.applicability);
    }),
  };
}

/**
 * The conditions a rule inherits from the composites that reference it ("When ResourceId is not null, ResourceId
 * adheres to the following requirements: …"): the referencing composite's own condition and what it inherits,
 * outermost first. A rule referenced from several composites takes the first path in model order.
 */
export function inheritedConditions(model: RequirementsModel): Map<string, CheckNode[]> {
  const out = new Map<string, CheckNode[]>();
  const visit = (rule: ModelRule, chain: CheckNode[], seen: Set<string>): void => {
    if (!rule.requirement) return;
    const next = rule.condition ? [...chain, rule.condition] : chain;
    for (const id of referencedRules(rule.requirement)) {
      if (seen.has(id) || out.has(id)) continue;
      const child = model.byId.get(id);
      if (!child) continue;
      out.set(id, next);
      visit(child, next, new Set([...seen, id]));
    }
  };
  // roots: rules no composite references
  const referenced = new Set(model.rules.flatMap((r) => (r.requirement ? referencedRules(r.requirement) : [])));
  for (const r of model.rules) if (!referenced.has(r.id)) visit(r, [], new Set([r.id]));
  return out;
}

interface Ctx {
  types: ReadonlyMap<string, string>;
  codes: readonly string[];
  tolerance: string;
}

function compileRule(rule: ModelRule, ctx: Ctx, applicability: ReadonlySet<string>): CompiledRule {
  if (rule.type === "Dynamic") {
    return { kind: "skipped", rule, reason: "Dynamic: the rule needs knowledge outside the dataset (not decidable from the rows)" };
  }
  const missing = rule.applicabilityCriteria.filter((c) => !applicability.has(c));
  if (missing.length > 0) {
    return { kind: "not-applicable", rule, reason: `applicability criteria not declared for this data: ${missing.join(", ")}` };
  }
  const requirement = rule.requirement;
  if (!requirement) return { kind: "skipped", rule, reason: "the model gives no requirement to check" };
  if (rule.keyword === "MAY" || rule.keyword === "OPTIONAL") {
    return { kind: "skipped", rule, reason: `${rule.keyword}: the rule grants a permission, which data cannot violate` };
  }
  const refs = referencedRules(requirement);
  if (refs.length > 0) {
    if (!onlyReferences(requirement)) {
      return { kind: "skipped", rule, reason: "mixes CheckModelRule references with row checks (not supported)" };
    }
    return { kind: "composite", rule, references: refs };
  }
  if (requirement.fn === "ColumnPresent") {
    return { kind: "presence", rule, column: requirement.column, present: ctx.types.has(requirement.column) };
  }
  const columns = columnsRead(rule);
  const absent = columns.filter((c) => !ctx.types.has(c));
  if (absent.length > 0) {
    return { kind: "not-applicable", rule, reason: `${absent.join(", ")} ${absent.length === 1 ? "is" : "are"} not present in the dataset` };
  }
  const cond = rule.condition ? predicate(rule.condition, "condition", ctx) : "TRUE";
  const req = requirement;
  if (req.fn === "CheckDistinctCount") {
    const a = col(req.columnA);
    const b = col(req.columnB);
    const expected = String(req.expected);
    return {
      kind: "distinct",
      rule,
      columns,
      groupSql: (relation, where) =>
        `SELECT count(*) AS "groups", coalesce(sum(n), 0) AS "rows" FROM (` +
        `SELECT ${a}, count(*) AS n FROM ${relation} WHERE (${where}) AND ${a} IS NOT NULL AND ${cond} ` +
        `GROUP BY ${a} HAVING count(DISTINCT ${b}) <> ${expected})`,
    };
  }
  const passes = predicate(req, "requirement", ctx);
  const violation = passes === "TRUE" || cond === "FALSE" ? "FALSE" : cond === "TRUE" ? `NOT (${passes})` : `(${cond}) AND NOT (${passes})`;
  return { kind: "row", rule, columns, violation };
}

/** The columns a rule reads in its requirement and condition. */
export function columnsRead(rule: ModelRule): string[] {
  const out = rule.requirement ? nodeColumns(rule.requirement) : [];
  if (rule.condition) for (const c of nodeColumns(rule.condition)) if (!out.includes(c)) out.push(c);
  return out;
}

function onlyReferences(n: CheckNode): boolean {
  if (n.fn === "CheckModelRule") return true;
  if (n.fn === "AND" || n.fn === "OR") return n.items.every(onlyReferences);
  return false;
}

/** A column of the dataset as a quoted identifier; refuses names that are not plain identifiers. */
function col(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new CostwiseError("USAGE", `requirements model names a column that is not a plain identifier: ${JSON.stringify(name)}`);
  }
  return quoteIdent(name);
}

type TypeClass = "string" | "numeric" | "temporal" | "map" | "json" | "other";

/** The class of a DuckDB type name as DESCRIBE prints it. */
export function typeClass(sqlType: string | undefined): TypeClass {
  const t = (sqlType ?? "").toUpperCase();
  if (t === "VARCHAR" || t.startsWith("VARCHAR(")) return "string";
  if (/^(DECIMAL|NUMERIC|DOUBLE|FLOAT|REAL|HUGEINT|UHUGEINT|BIGINT|UBIGINT|INTEGER|UINTEGER|SMALLINT|USMALLINT|TINYINT|UTINYINT)\b/.test(t)) return "numeric";
  if (t.startsWith("TIMESTAMP") || t === "DATE") return "temporal";
  if (t.startsWith("MAP(")) return "map";
  if (t === "JSON") return "json";
  return "other";
}

const DATETIME_FORMAT = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z";
const NUMERIC_FORMAT = "[+-]?([0-9]*[.])?[0-9]+([eE][+-]?[0-9]+)?";

/** The FOCUS Unit Format (UnitFormat-A-000-M), as the official validator spells it. */
export const UNIT_FORMAT: string = (() => {
  const data = ["b", "Kb", "Mb", "Gb", "Tb", "Pb", "Eb", "B", "KB", "MB", "GB", "TB", "PB", "EB", "Kib", "Mib", "Gib", "Tib", "Pib", "Eib", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"].join("|");
  const one = "Year|Month|Day|Hour|Minute|Second";
  const many = "Years|Months|Days|Hours|Minutes|Seconds";
  const count = "[A-Za-z][A-Za-z0-9]*(?:\\s+[A-Za-z][A-Za-z0-9]*)*";
  return [
    `(${data}|${one}|${many}|${count})`,
    `(${data}|${count})-(${many})`,
    `(${data}|${count}|${many})/(${one})`,
    `[0-9]+ (${data}|${one}|${many}|${count})`,
    `(${data}|${count}|${many})/[0-9]+ (${many})`,
  ]
    .map((p) => `(${p})`)
    .join("|");
})();

function literal(v: string | number): string {
  return typeof v === "number" ? numberLiteral(v) : quoteString(v);
}

function numberLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new CostwiseError("USAGE", `requirements model holds a non-finite number: ${v}`);
  return String(v);
}

/**
 * A null-safe boolean SQL expression: in "requirement" mode, true when the row passes the check; in "condition"
 * mode, true when the row is one the rule applies to.
 */
export function predicate(n: CheckNode, mode: "requirement" | "condition", ctx: Ctx): string {
  switch (n.fn) {
    case "AND":
    case "OR": {
      const compact = n.fn === "OR" ? valueSetPredicate(n.items, mode, ctx) : undefined;
      if (compact) return compact;
      const parts = n.items.map((i) => predicate(i, mode, ctx));
      const neutral = n.fn === "AND" ? "TRUE" : "FALSE";
      const absorbing = n.fn === "AND" ? "FALSE" : "TRUE";
      if (parts.includes(absorbing)) return absorbing;
      const kept = parts.filter((p) => p !== neutral);
      if (kept.length === 0) return neutral;
      if (kept.length === 1) return kept[0]!;
      return `(${kept.join(n.fn === "AND" ? " AND " : " OR ")})`;
    }
    case "CheckModelRule":
      throw new CostwiseError("INTERNAL", "CheckModelRule inside a row predicate");
    case "ColumnPresent":
      return ctx.types.has(n.column) ? "TRUE" : "FALSE";
    case "CheckDistinctCount":
      throw new CostwiseError("INTERNAL", "CheckDistinctCount inside a row predicate");
    case "CheckValue": {
      const c = col(n.column);
      if (n.value === null) return `${c} IS NULL`;
      return `coalesce(${typed(n.column, n.value, ctx)} = ${literal(n.value)}, ${mode === "condition" ? "FALSE" : "TRUE"})`;
    }
    case "CheckNotValue": {
      const c = col(n.column);
      if (n.value === null) return `${c} IS NOT NULL`;
      const eq = `${typed(n.column, n.value, ctx)} = ${literal(n.value)}`;
      return mode === "condition" ? `coalesce(NOT (${eq}), FALSE)` : `coalesce(NOT (${eq}), TRUE)`;
    }
    case "CheckSameValue":
    case "CheckNotSameValue": {
      const [a, b] = comparable(n.columnA, n.columnB, ctx);
      const cmp = n.fn === "CheckSameValue" ? `${a} = ${b}` : `${a} <> ${b}`;
      return `coalesce(${cmp}, ${mode === "condition" ? "FALSE" : "TRUE"})`;
    }
    case "CheckGreaterOrEqualThanValue": {
      const v = numberLiteral(n.value);
      return `coalesce(${asNumber(n.column, ctx)} >= ${v}, ${mode === "condition" ? "FALSE" : "TRUE"})`;
    }
    case "ColumnByColumnEqualsColumnValue": {
      const a = asNumber(n.columnA, ctx);
      const b = asNumber(n.columnB, ctx);
      const r = asNumber(n.result, ctx);
      const ok = `abs(CAST(${a} AS DOUBLE) * CAST(${b} AS DOUBLE) - CAST(${r} AS DOUBLE)) <= ${ctx.tolerance}`;
      return `coalesce(${ok}, ${mode === "condition" ? "FALSE" : "TRUE"})`;
    }
    case "CheckDecimalValue":
    case "TypeDecimal":
    case "FormatNumeric": {
      const c = col(n.column);
      switch (typeClass(ctx.types.get(n.column))) {
        case "numeric":
          return "TRUE";
        case "string":
          return n.fn === "FormatNumeric"
            ? `(${c} IS NULL OR regexp_full_match(${c}, ${quoteString(NUMERIC_FORMAT)}))`
            : `(${c} IS NULL OR TRY_CAST(trim(${c}) AS DECIMAL(38, 10)) IS NOT NULL)`;
        default:
          return `${c} IS NULL`;
      }
    }
    case "TypeString": {
      const c = col(n.column);
      return typeClass(ctx.types.get(n.column)) === "string" ? "TRUE" : `${c} IS NULL`;
    }
    case "TypeDateTime":
    case "FormatDateTime": {
      const c = col(n.column);
      switch (typeClass(ctx.types.get(n.column))) {
        case "temporal":
          return "TRUE";
        case "string":
          return n.fn === "FormatDateTime"
            ? `(${c} IS NULL OR regexp_full_match(${c}, ${quoteString(DATETIME_FORMAT)}))`
            : `(${c} IS NULL OR TRY_CAST(${c} AS TIMESTAMP) IS NOT NULL)`;
        default:
          return `${c} IS NULL`;
      }
    }
    case "FormatString": {
      const c = col(n.column);
      // ASCII exactly when the UTF-8 byte length equals the character count (a regex per row is 10× slower)
      return typeClass(ctx.types.get(n.column)) === "string" ? `(${c} IS NULL OR strlen(${c}) = length(${c}))` : "TRUE";
    }
    case "FormatUnit": {
      const c = col(n.column);
      return `(${c} IS NULL OR (length(${text(n.column, ctx)}) <= 50 AND regexp_full_match(${text(n.column, ctx)}, ${quoteString(UNIT_FORMAT)})))`;
    }
    case "FormatCurrency": {
      const c = col(n.column);
      return `(${c} IS NULL OR regexp_full_match(trim(${text(n.column, ctx)}), '[A-Z]{3}'))`;
    }
    case "CheckNationalCurrency": {
      const c = col(n.column);
      if (ctx.codes.length === 0) throw new CostwiseError("INTERNAL", "no national currency codes given");
      // three capitals found in "AED|AFN|…" are exactly one of the codes (a 180-item IN list plans as a join)
      const codes = ctx.codes.filter((x) => /^[A-Z]{3}$/.test(x)).join("|");
      const t = `trim(${text(n.column, ctx)})`;
      return `(${c} IS NULL OR (regexp_full_match(${t}, '[A-Z]{3}') AND contains(${quoteString(codes)}, ${t})))`;
    }
    case "FormatKeyValue": {
      const c = col(n.column);
      switch (typeClass(ctx.types.get(n.column))) {
        case "map":
          return "TRUE";
        case "json":
          return `(${c} IS NULL OR json_type(${c}) = 'OBJECT')`;
        case "string":
          // CASE, not AND: json_type raises on invalid JSON and AND does not promise to short-circuit
          return `(${c} IS NULL OR CASE WHEN json_valid(${c}) THEN json_type(${c}) = 'OBJECT' ELSE FALSE END)`;
        default:
          return `${c} IS NULL`;
      }
    }
    default:
      return assertNever(n, "check function");
  }
}

/**
 * An OR of allowed values as one set lookup, for the two shapes the model uses: CheckValue on one column
 * ("one of the allowed values") and AND-tuples of CheckValue over the same columns (allowed ServiceCategory /
 * ServiceSubcategory pairs). Same result as the OR of the items; undefined when the items have another shape.
 */
function valueSetPredicate(items: readonly CheckNode[], mode: "requirement" | "condition", ctx: Ctx): string | undefined {
  const tuple = (n: CheckNode): [string, string][] | undefined => {
    const leaves = n.fn === "AND" ? n.items : [n];
    const out: [string, string][] = [];
    for (const l of leaves) {
      if (l.fn !== "CheckValue" || typeof l.value !== "string") return undefined;
      out.push([l.column, l.value]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  };
  const tuples = items.map(tuple);
  if (tuples.length < 2 || tuples.some((t) => t === undefined)) return undefined;
  const cols = tuples[0]!.map(([c]) => c);
  if (new Set(cols).size !== cols.length) return undefined;
  if (!tuples.every((t) => t!.length === cols.length && t!.every(([c], i) => c === cols[i]))) return undefined;
  const key = (parts: string[]): string => (parts.length === 1 ? parts[0]! : parts.join(" || chr(31) || "));
  const inSet = `${key(cols.map((c) => text(c, ctx)))} IN (${tuples.map((t) => key(t!.map(([, v]) => quoteString(v)))).join(", ")})`;
  const anyNull = cols.map((c) => `${col(c)} IS NULL`).join(" OR ");
  if (mode === "condition") return `CASE WHEN ${anyNull} THEN FALSE ELSE ${inSet} END`;
  if (cols.length === 1) return `(${anyNull} OR ${inSet})`;
  // a NULL column passes its own CheckValue: rows with a NULL fall back to the item-by-item OR
  const slow = `(${items.map((i) => predicate(i, mode, ctx)).join(" OR ")})`;
  return `CASE WHEN ${anyNull} THEN ${slow} ELSE ${inSet} END`;
}

/** The column as text. */
function text(name: string, ctx: Ctx): string {
  return typeClass(ctx.types.get(name)) === "string" ? col(name) : `CAST(${col(name)} AS VARCHAR)`;
}

/** The column as a number (text parsed; unparseable text is NULL, which the type rules report). */
function asNumber(name: string, ctx: Ctx): string {
  return typeClass(ctx.types.get(name)) === "numeric" ? col(name) : `TRY_CAST(${text(name, ctx)} AS DOUBLE)`;
}

/** The column in a form comparable with `value`. */
function typed(name: string, value: string | number, ctx: Ctx): string {
  if (typeof value === "number") return asNumber(name, ctx);
  return text(name, ctx);
}

/** Two columns in a comparable form: as they are when both are of one class, else both as text. */
function comparable(a: string, b: string, ctx: Ctx): [string, string] {
  if (typeClass(ctx.types.get(a)) === typeClass(ctx.types.get(b))) return [col(a), col(b)];
  return [text(a, ctx), text(b, ctx)];
}
