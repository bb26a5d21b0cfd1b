/**
 * FOCUS conformance rules compiled to SQL: a rule's violation condition as a DuckDB predicate that is never NULL,
 * over catalogue columns only (anything else is refused), and the columns a condition reads. Pure text.
 */
import { assertNever, CostwiseError } from "../errors.js";
import { quoteIdent, quoteString } from "../sql.js";
import { isFocusColumn, type FocusColumnName } from "./columns.js";
import type { Condition, ConformanceRule } from "./conformance-model.js";

/** A catalogue column as a quoted SQL identifier. Refuses anything that is not a catalogue name. */
export function columnSql(name: string): string {
  if (!isFocusColumn(name) || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
    throw new CostwiseError("INTERNAL", `conformance rule names an unknown column: ${JSON.stringify(name)}`);
  }
  return quoteIdent(name);
}

/** A constant as a SQL string literal (single quotes doubled). */
export function stringLiteralSql(value: string): string {
  if (/[\u0000-\u001f]/.test(value)) {
    throw new CostwiseError("INTERNAL", `conformance rule constant has a control character: ${JSON.stringify(value)}`);
  }
  return quoteString(value);
}

function decimalLiteralSql(value: string): string {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new CostwiseError("INTERNAL", `conformance rule tolerance is not a decimal: ${JSON.stringify(value)}`);
  }
  return value;
}

function listSql(values: readonly string[]): string {
  if (values.length === 0) throw new CostwiseError("INTERNAL", "conformance rule has an empty value list");
  return values.map(stringLiteralSql).join(", ");
}

/** Compiles a condition to a DuckDB boolean expression that is never NULL. */
export function conditionSql(c: Condition): string {
  switch (c.op) {
    case "is-null":
      return `${columnSql(c.column)} IS NULL`;
    case "is-not-null":
      return `${columnSql(c.column)} IS NOT NULL`;
    case "equals":
      return `${columnSql(c.column)} IS NOT DISTINCT FROM ${stringLiteralSql(c.value)}`;
    case "not-equals":
      return `${columnSql(c.column)} IS DISTINCT FROM ${stringLiteralSql(c.value)}`;
    case "in": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND ${col} IN (${listSql(c.values)}))`;
    }
    case "not-in": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND ${col} NOT IN (${listSql(c.values)}))`;
    }
    case "and":
    case "or": {
      if (c.items.length === 0) throw new CostwiseError("INTERNAL", `empty '${c.op}' in a conformance rule`);
      if (c.items.length === 1) return conditionSql(c.items[0]!);
      return `(${c.items.map(conditionSql).join(c.op === "and" ? " AND " : " OR ")})`;
    }
    case "not":
      return `(NOT ${conditionSql(c.item)})`;
    case "not-currency-code": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND NOT regexp_full_match(${col}, '[A-Z]{3}'))`;
    }
    case "not-before": {
      const start = columnSql(c.start);
      const end = columnSql(c.end);
      return `(${start} IS NOT NULL AND ${end} IS NOT NULL AND ${start} >= ${end})`;
    }
    case "negative": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND ${col} < 0)`;
    }
    case "blank-key": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND len(list_filter(map_keys(${col}), k -> k IS NULL OR trim(k) = '')) > 0)`;
    }
    case "not-json-object": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND json_type(${col}) IS DISTINCT FROM 'OBJECT')`;
    }
    case "product-mismatch": {
      const [a, b] = c.factors.map(columnSql) as [string, string];
      const p = columnSql(c.product);
      return (
        `(${a} IS NOT NULL AND ${b} IS NOT NULL AND ${p} IS NOT NULL AND ` +
        `abs(CAST(${a} AS DOUBLE) * CAST(${b} AS DOUBLE) - CAST(${p} AS DOUBLE)) > ${decimalLiteralSql(c.tolerance)})`
      );
    }
    default:
      return assertNever(c, "condition");
  }
}

/** The SQL predicate matching the rows that violate `rule`. */
export function violationSql(r: ConformanceRule): string {
  return conditionSql(r.violation);
}

/** The columns a condition reads, in first-mention order (the values worth showing in an example). */
export function conditionColumns(c: Condition): FocusColumnName[] {
  const out: FocusColumnName[] = [];
  const add = (n: FocusColumnName): void => {
    if (!out.includes(n)) out.push(n);
  };
  const walk = (x: Condition): void => {
    switch (x.op) {
      case "is-null":
      case "is-not-null":
      case "equals":
      case "not-equals":
      case "in":
      case "not-in":
      case "not-currency-code":
      case "negative":
      case "blank-key":
      case "not-json-object":
        add(x.column);
        return;
      case "and":
      case "or":
        x.items.forEach(walk);
        return;
      case "not":
        walk(x.item);
        return;
      case "not-before":
        add(x.start);
        add(x.end);
        return;
      case "product-mismatch":
        add(x.factors[0]);
        add(x.factors[1]);
        add(x.product);
        return;
      default:
        assertNever(x, "condition");
    }
  };
  walk(c);
  return out;
}

/** The columns to show for a violating row: the rule's own column first, then the others it reads. */
export function ruleColumns(r: ConformanceRule): FocusColumnName[] {
  return [r.column, ...conditionColumns(r.violation).filter((n) => n !== r.column)];
}
