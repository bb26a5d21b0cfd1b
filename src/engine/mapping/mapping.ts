/**
 * Source mappings as data: how one source format becomes FOCUS rows.
 *
 * A mapping declares the source columns it reads (with the type to read them as) and, for each
 * target column, one expression from a closed set of operations. The compiler turns a mapping into
 * one SQL SELECT; rows never pass through JavaScript.
 */
import type { FocusColumnName } from "../../core/focus/columns.js";
import type { XColumnName } from "../store/schema.js";

/**
 * How a source column is read. `decimal` is DECIMAL(38,18); `timestamp` accepts ISO 8601 with or
 * without offset (naive = UTC); `map` is a native MAP column (Parquet only).
 */
export const SOURCE_TYPES = ["string", "decimal", "timestamp", "json", "map"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export interface SourceColumn {
  name: string;
  type: SourceType;
  /** A file without this column is not this format. */
  required?: boolean;
  /** other header spellings of the same column (matched case-insensitively when the mapping's headerMatch is "loose") */
  aliases?: readonly string[];
  /**
   * timestamp columns: strptime patterns tried when the value is not ISO 8601 (e.g. "%m/%d/%Y" for
   * Azure's US dates); a value no pattern reads is an ingest error naming the row.
   */
  formats?: readonly string[];
}

/** A literal lookup table (e.g. AWS product code -> FOCUS ServiceCategory), shipped as CSV data. */
export interface LookupTable {
  name: string;
  /** where the data came from (shown in `mapping docs`) */
  source: string;
  entries: ReadonlyMap<string, string>;
}

/** The closed set of operations. */
export type MappingExpr =
  /** the value of a source column (NULL when an optional column is absent from the file) */
  | { op: "column"; column: string }
  /** a fixed value */
  | { op: "constant"; value: string | null }
  /** map the values of a column; anything not listed takes the explicit default */
  | { op: "map"; column: string; values: Readonly<Record<string, MappingExpr | string | null>>; default: MappingExpr | string | null }
  /** look a column's value up in a lookup table */
  | { op: "lookup"; column: string; table: LookupTable; default: MappingExpr | string | null; caseInsensitive?: boolean }
  /** a timestamp column, converted to UTC */
  | { op: "timestamp"; column: string }
  /** the first non-null (and, for strings, non-empty) of several expressions */
  | { op: "coalesce"; args: readonly MappingExpr[] }
  /** Tags from one column per tag key: `prefix` + key (e.g. resourceTags/user:team) */
  | { op: "tagColumns"; prefix: string; stripKeyPrefixes?: readonly string[] }
  /** Tags from a JSON object column (invalid JSON is an ingest error naming the row) */
  | { op: "tagsJson"; column: string; bracesOptional?: boolean }
  /**
   * Tags from JSON lists of {"key": ..., "value": ...} objects (GCP labels), later columns winning on
   * the same key. Python-style lists (single quotes, None) as some exporters write them are read too.
   */
  | { op: "tagsKeyValueList"; columns: readonly string[] }
  /** the sum of a decimal field over a JSON list of objects (GCP credits' amount); NULL for an empty list */
  | { op: "sumJsonList"; column: string; field: string }
  /** the sum of several decimal expressions; a NULL counts as 0 unless all are NULL */
  | { op: "add"; args: readonly MappingExpr[] }
  /** Tags from a native MAP column (Parquet) */
  | { op: "tagsMap"; column: string; stripKeyPrefixes?: readonly string[] }
  /**
   * The audited escape hatch: raw SQL over source columns written `{{column name}}`. Every use
   * states why the closed set was not enough; `costwise mappings` lists them for review.
   */
  | { op: "sql"; sql: string; reason: string };

export type TargetColumn = FocusColumnName | XColumnName;

/** A rule a source value must pass; a failing row stops the ingest with file, row and column. */
export interface MappingCheck {
  /** target column whose value must not be null after mapping */
  notNull: TargetColumn;
  /** what the user should have given */
  expected: string;
}

export interface SourceMapping {
  /** stable id, stored in x_Source (e.g. "aws-cur") */
  id: string;
  title: string;
  /** file kinds this mapping reads (json: newline-delimited JSON, nested objects flattened to `parent.child` columns) */
  fileKinds: readonly ("csv" | "parquet" | "json")[];
  /**
   * How file headers are matched to the declared columns: "exact" (default), or "loose": case-insensitive,
   * declared aliases, and localized headers that carry the English name in parentheses
   * ("Ressourcengruppe (ResourceGroup)" reads as ResourceGroup).
   */
  headerMatch?: "exact" | "loose";
  /** FOCUS version the output conforms to */
  focusVersion: "1.2";
  columns: readonly SourceColumn[];
  targets: Partial<Record<TargetColumn, MappingExpr>>;
  /** The money the source says it holds, used as the control total: source column summed per file. */
  controlTotal: {
    sourceColumn: string;
    target: "BilledCost";
    /** when the source's own total is more than one column (GCP: cost plus credits): an expression over the source */
    expr?: MappingExpr;
    /** the total in words, for docs */
    description?: string;
  };
  checks: readonly MappingCheck[];
}

/** The columns every cost row needs, whatever the source: without them a row cannot be placed or counted. */
export const KEY_COLUMN_CHECKS: readonly MappingCheck[] = [
  { notNull: "BilledCost", expected: "a decimal cost" },
  { notNull: "BillingCurrency", expected: "a currency code such as USD" },
  { notNull: "BillingPeriodStart", expected: "a timestamp such as 2024-09-01T00:00:00Z" },
  { notNull: "BillingPeriodEnd", expected: "a timestamp such as 2024-10-01T00:00:00Z" },
  { notNull: "ChargePeriodStart", expected: "a timestamp such as 2024-09-01T00:00:00Z" },
  { notNull: "ChargePeriodEnd", expected: "a timestamp such as 2024-09-01T01:00:00Z" },
];

/** What a value must look like, for the ops whose values are parsed row by row (said in errors and docs alike). */
export const FORMAT_EXPECTED = {
  timestamp: "a date and time such as 2024-09-01T00:00:00Z",
  tagsJson: 'a JSON object of tag key/value pairs, e.g. {"team":"search"}',
  keyValueList: 'a JSON list of {"key": ..., "value": ...} objects, e.g. [{"key":"team","value":"search"}]',
  jsonList: 'a JSON list of objects with a decimal field, e.g. [{"name":"promo","amount":-1.5}]',
  json: "a JSON value",
  decimal: "a decimal number such as 12.34",
} as const;

/** The one source column an operation reads directly, for the single-column operations. */
export function sourceColumnOf(e: MappingExpr): string | undefined {
  switch (e.op) {
    case "column":
    case "timestamp":
    case "map":
    case "lookup":
    case "tagsJson":
    case "tagsMap":
    case "sumJsonList":
      return e.column;
    default:
      return undefined;
  }
}
