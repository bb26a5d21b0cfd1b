/**
 * Mappings explained for reviewers who are not programmers: for every column of the cost table, the
 * rule that fills it in plain words, the source columns it reads, and the audited raw-SQL uses with
 * their reasons. `costwise mappings` prints it; docs/mappings.md is generated from it (and a test keeps
 * the two in step).
 *
 * Pure: reads only the mapping object given (no disk, no database).
 */
import { assertNever } from "../../core/errors.js";
import { FOCUS_COLUMNS, type FeatureLevel } from "../../core/focus/columns.js";
import { renderConformanceLimits } from "../../core/focus/requirements/limits.js";
import { X_COLUMNS } from "../store/schema.js";
import { strptimeExample } from "./compile.js";
import { FORMAT_EXPECTED, sourceColumnOf, type MappingExpr, type SourceMapping, type SourceType, type TargetColumn } from "./mapping.js";

/** How a column of the cost table gets its value. */
export const RULE_STATUSES = ["mapped", "provenance", "not-produced"] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

/** FOCUS feature level, or "Custom" for costwise's own `x_` columns. */
export type ColumnLevel = FeatureLevel | "Custom";

export interface SourceColumnRef {
  /** a source column, or a pattern such as `resourceTags/*` (every column starting with the prefix) */
  name: string;
  /** a file without this column is not this format */
  required: boolean;
}

export interface ColumnRuleDescription {
  target: TargetColumn;
  level: ColumnLevel;
  status: RuleStatus;
  /** the rule in plain words, e.g. "constant 'AWS'" */
  rule: string;
  /** the same rule with column names and values as Markdown code */
  ruleMarkdown: string;
  /** source columns the rule reads, in order of first use */
  reads: SourceColumnRef[];
}

export interface RawSqlUse {
  target: TargetColumn;
  /** why the closed set of operations was not enough */
  reason: string;
  /** the SQL as written; `{{name}}` stands for source column `name` */
  sql: string;
}

export interface SourceColumnDescription {
  name: string;
  type: SourceType;
  required: boolean;
  /** target columns whose rule reads it (empty: declared but not used) */
  usedBy: TargetColumn[];
}

export interface RowCheckDescription {
  /** `format`: a source value that cannot be read; `not-null`: a target column left empty */
  kind: "not-null" | "format";
  /** the source column (format) or target column (not-null) checked */
  column: string;
  /** for not-null checks, the source columns the target is read from */
  readFrom: string[];
  /** the condition that stops the ingest, in plain words */
  when: string;
  /** the same as Markdown */
  whenMarkdown: string;
  expected: string;
}

export interface LookupDescription {
  name: string;
  source: string;
  entries: number;
  usedBy: TargetColumn[];
}

export interface MappingDescription {
  id: string;
  title: string;
  fileKinds: readonly ("csv" | "parquet" | "json")[];
  focusVersion: string;
  /** every FOCUS column in catalogue order, then the x_ columns */
  columns: ColumnRuleDescription[];
  sourceColumns: SourceColumnDescription[];
  controlTotal: { sourceColumn: string; target: string; rule: string };
  checks: RowCheckDescription[];
  rawSql: RawSqlUse[];
  lookups: LookupDescription[];
  summary: { focusColumns: number; focusProduced: number; focusNotProduced: number; rawSqlUses: number };
}

export const NOT_PRODUCED = "not produced (NULL)";

/** Columns the compiler fills with provenance, whatever the mapping says. */
const PROVENANCE: Readonly<Record<string, (m: SourceMapping, s: Style) => string>> = {
  x_Source: (m, s) => `constant ${s.lit(m.id)} (the format id)`,
  x_SourceFile: () => "the path of the file being loaded",
  x_IngestId: () => "the id of the ingest run",
  x_DeliveryId: () => "the id of the delivery (report version) the file belongs to",
};

export function describeMapping(m: SourceMapping): MappingDescription {
  const required = new Map(m.columns.map((c) => [c.name, Boolean(c.required)]));
  const ref = (name: string): SourceColumnRef => ({ name, required: required.get(name) ?? false });

  const targets: { name: TargetColumn; level: ColumnLevel }[] = [
    ...FOCUS_COLUMNS.map((c) => ({ name: c.name as TargetColumn, level: c.featureLevel as ColumnLevel })),
    ...X_COLUMNS.map((c) => ({ name: c.name as TargetColumn, level: "Custom" as const })),
  ];
  const columns: ColumnRuleDescription[] = targets.map(({ name, level }) => {
    const provenance = PROVENANCE[name];
    if (provenance) {
      return { target: name, level, status: "provenance", rule: provenance(m, PLAIN), ruleMarkdown: provenance(m, MARKDOWN), reads: [] };
    }
    const e = m.targets[name];
    if (!e) return { target: name, level, status: "not-produced", rule: NOT_PRODUCED, ruleMarkdown: NOT_PRODUCED, reads: [] };
    return { target: name, level, status: "mapped", rule: describeExpr(e, PLAIN), ruleMarkdown: describeExpr(e, MARKDOWN), reads: readsOf(e).map(ref) };
  });

  const rawSql: RawSqlUse[] = [];
  const lookups = new Map<string, LookupDescription>();
  const formatChecks = new Map<string, RowCheckDescription>();
  for (const c of columns) {
    const e = m.targets[c.target];
    if (!e || c.status !== "mapped") continue;
    walk(e, (x) => {
      if (x.op === "sql") rawSql.push({ target: c.target, reason: x.reason, sql: dedent(x.sql) });
      if (x.op === "lookup") {
        const l = lookups.get(x.table.name) ?? { name: x.table.name, source: x.table.source, entries: x.table.entries.size, usedBy: [] };
        if (!l.usedBy.includes(c.target)) l.usedBy.push(c.target);
        lookups.set(x.table.name, l);
      }
      const fmt = (column: string, what: string, expected: string) => {
        if (formatChecks.has(column)) return;
        const when = (st: Style) => `a value in ${st.col(column)} is not ${what}`;
        formatChecks.set(column, { kind: "format", column, readFrom: [], when: when(PLAIN), whenMarkdown: when(MARKDOWN), expected });
      };
      if (x.op === "timestamp") {
        const formats = m.columns.find((d) => d.name === x.column)?.formats ?? [];
        fmt(x.column, "a date and time (CSV files)", formats.length ? `${FORMAT_EXPECTED.timestamp} (or ${formats.map(strptimeExample).join(", or ")})` : FORMAT_EXPECTED.timestamp);
      }
      if (x.op === "tagsJson") fmt(x.column, "a JSON object", FORMAT_EXPECTED.tagsJson);
      if (x.op === "tagsKeyValueList") for (const col of x.columns) fmt(col, "a JSON list of key/value objects", FORMAT_EXPECTED.keyValueList);
      if (x.op === "sumJsonList") fmt(x.column, `a JSON list of objects with a decimal ${x.field}`, FORMAT_EXPECTED.jsonList.replace("amount", x.field));
    });
  }

  const checks: RowCheckDescription[] = [
    ...formatChecks.values(),
    ...m.checks.map((chk): RowCheckDescription => {
      const e = m.targets[chk.notNull];
      const from = e ? readsOf(e).filter((r) => !r.endsWith("*")) : [];
      const shown = from.length === 1 && from[0] === chk.notNull ? [] : from;
      const when = (st: Style) => `${st.col(chk.notNull)} would be empty${shown.length > 0 ? ` (read from ${shown.map(st.col).join(", ")})` : ""}`;
      return { kind: "not-null", column: chk.notNull, readFrom: from, when: when(PLAIN), whenMarkdown: when(MARKDOWN), expected: chk.expected };
    }),
  ];

  const usedBy = new Map<string, TargetColumn[]>();
  for (const c of columns) for (const r of c.reads) usedBy.set(r.name, [...(usedBy.get(r.name) ?? []), c.target]);
  const declared = new Set(m.columns.map((c) => c.name));
  const sourceColumns: SourceColumnDescription[] = [
    ...m.columns.map((c) => ({ name: c.name, type: c.type, required: Boolean(c.required), usedBy: usedBy.get(c.name) ?? [] })),
    // patterns (tag columns) and columns a rule reads without declaring them are read as text
    ...[...usedBy.keys()].filter((n) => !declared.has(n)).map((n) => ({ name: n, type: "string" as const, required: false, usedBy: usedBy.get(n) ?? [] })),
  ];

  const { sourceColumn, target, description } = m.controlTotal;
  const focus = columns.filter((c) => !c.target.startsWith("x_"));
  const focusProduced = focus.filter((c) => c.status !== "not-produced").length;
  return {
    id: m.id,
    title: m.title,
    fileKinds: m.fileKinds,
    focusVersion: m.focusVersion,
    columns,
    sourceColumns,
    controlTotal: {
      sourceColumn,
      target,
      rule: `the sum of ${description ?? sourceColumn} in each file must equal the sum of the mapped ${target}, to the cent; otherwise nothing is loaded`,
    },
    checks,
    rawSql,
    lookups: [...lookups.values()],
    summary: { focusColumns: focus.length, focusProduced, focusNotProduced: focus.length - focusProduced, rawSqlUses: rawSql.length },
  };
}

// ---------------------------------------------------------------------------------------------------
// rules in words

interface Style {
  /** a source column name */
  col(name: string): string;
  /** a value in a value map (a key, or a fixed value it maps to) */
  key(value: string): string;
  /** a fixed value standing on its own */
  lit(value: string): string;
  /** free text from the mapping (a reason) */
  text(s: string): string;
}

const PLAIN: Style = { col: (n) => n, key: (v) => v, lit: (v) => `'${v}'`, text: (s) => s };

const MARKDOWN: Style = { col: code, key: code, lit: (v) => code(`'${v}'`), text: escapeMarkdown };

/** The rule of one expression, in plain words. */
function describeExpr(e: MappingExpr, s: Style): string {
  switch (e.op) {
    case "column":
      return s.col(e.column);
    case "constant":
      return e.value === null ? "NULL" : `constant ${s.lit(e.value)}`;
    case "timestamp":
      return `${s.col(e.column)} (date and time, converted to UTC)`;
    case "map": {
      const entries = Object.entries(e.values).map(([k, v]) => `${s.key(k)}→${mapValue(v, s)}`);
      const otherwise = `otherwise ${fallback(e.default, s)}`;
      return entries.length === 0 ? fallback(e.default, s) : `by ${s.col(e.column)}: ${entries.join(", ")}, ${otherwise}`;
    }
    case "lookup":
      return `lookup ${s.col(e.column)} in ${s.text(e.table.name)} (${e.table.entries.size} entries), otherwise ${fallback(e.default, s)}`;
    case "coalesce":
      return `first non-empty of: ${e.args.map((a) => nested(a, s)).join(", ")}`;
    case "tagColumns":
      return `tags from columns ${s.col(`${e.prefix}*`)}${stripped(e.stripKeyPrefixes, s)}`;
    case "tagsJson":
      return `tags from the JSON object in ${s.col(e.column)}`;
    case "tagsMap":
      return `tags from the map column ${s.col(e.column)}${stripped(e.stripKeyPrefixes, s)}`;
    case "tagsKeyValueList":
      return `tags from the key/value lists in ${e.columns.map(s.col).join(", ")}${e.columns.length > 1 ? " (later ones win on the same key)" : ""}`;
    case "sumJsonList":
      return `the sum of ${s.col(e.field)} over the list in ${s.col(e.column)}`;
    case "add":
      return `the sum of: ${e.args.map((a) => nested(a, s)).join(", ")}`;
    case "sql":
      return `raw SQL — reason: ${s.text(e.reason)}`;
    default:
      return assertNever(e, "mapping operation");
  }
}

/** A sub-expression, in parentheses when its words would run into the surrounding list. */
function nested(e: MappingExpr, s: Style): string {
  const simple = e.op === "column" || e.op === "constant" || e.op === "timestamp";
  return simple ? describeExpr(e, s) : `(${describeExpr(e, s)})`;
}

function mapValue(v: MappingExpr | string | null, s: Style): string {
  if (v === null) return "NULL";
  return typeof v === "string" ? s.key(v) : nested(v, s);
}

function fallback(v: MappingExpr | string | null, s: Style): string {
  if (v === null) return "NULL";
  return typeof v === "string" ? s.lit(v) : nested(v, s);
}

function stripped(prefixes: readonly string[] | undefined, s: Style): string {
  if (!prefixes || prefixes.length === 0) return "";
  return ` (${prefixes.length === 1 ? "prefix" : "prefixes"} ${prefixes.map(s.key).join(", ")} removed)`;
}

/** Source columns an expression reads, in order of first use; tag columns as `prefix*`. */
function readsOf(e: MappingExpr): string[] {
  const out: string[] = [];
  const add = (n: string) => {
    if (!out.includes(n)) out.push(n);
  };
  walk(e, (x) => {
    const direct = sourceColumnOf(x);
    if (direct !== undefined) return add(direct);
    switch (x.op) {
      case "column":
      case "timestamp":
      case "map":
      case "lookup":
      case "tagsJson":
      case "tagsMap":
      case "sumJsonList":
        break; // read directly, above
      case "tagsKeyValueList":
        for (const c of x.columns) add(c);
        break;
      case "tagColumns":
        add(`${x.prefix}*`);
        break;
      case "sql":
        for (const [, name] of x.sql.matchAll(/\{\{([^}]+)\}\}/g)) add(name!);
        break;
      case "constant":
      case "coalesce":
      case "add":
        break;
      default:
        assertNever(x, "mapping operation");
    }
  });
  return out;
}

/** Visits an expression and every expression inside it, depth first, in reading order. */
function walk(e: MappingExpr, visit: (e: MappingExpr) => void): void {
  visit(e);
  const inner = (v: MappingExpr | string | null) => {
    if (v !== null && typeof v !== "string") walk(v, visit);
  };
  if (e.op === "map") {
    for (const v of Object.values(e.values)) inner(v);
    inner(e.default);
  } else if (e.op === "lookup") inner(e.default);
  else if (e.op === "coalesce" || e.op === "add") for (const a of e.args) walk(a, visit);
}

/** Removes the common indentation of a multi-line SQL string's continuation lines. */
function dedent(sql: string): string {
  const lines = sql.split("\n").map((l) => l.trimEnd());
  const rest = lines.slice(1).filter((l) => l.trim() !== "");
  if (rest.length === 0) return lines[0] ?? "";
  const indent = Math.min(...rest.map((l) => l.length - l.trimStart().length));
  return [lines[0], ...lines.slice(1).map((l) => `  ${l.slice(indent)}`)].join("\n");
}

// ---------------------------------------------------------------------------------------------------
// Markdown

/** Inline code that survives backticks in the value. */
function code(s: string): string {
  return s.includes("`") ? `\`\` ${s} \`\`` : `\`${s}\``;
}

/** Escapes free text for Markdown (emphasis, links, HTML, table pipes). */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*[\]<>|]/g, (c) => `\\${c}`).replace(/(^|[^A-Za-z0-9])_|_(?=$|[^A-Za-z0-9])/g, (m) => m.replace("_", "\\_"));
}

/** A table cell: pipes escaped (also inside code spans, as GFM wants), no line breaks. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A table row; an empty cell is a single space. */
function row(cells: readonly string[]): string {
  return `|${cells.map((c) => (c === "" ? " " : ` ${c} `)).join("|")}|`;
}

function cellOfCode(s: string): string {
  return code(s).replace(/\|/g, "\\|");
}

/** One mapping as Markdown: the rule table, the audited raw-SQL uses, row checks, lookups, source columns. */
export function renderMappingMarkdown(desc: MappingDescription): string {
  const s = desc.summary;
  const out: string[] = [];
  out.push(`## \`${desc.id}\`: ${escapeMarkdown(desc.title)}`, "");
  out.push(
    `Reads ${desc.fileKinds.join(" and ")} files; writes FOCUS ${desc.focusVersion}. ` +
      `Produces ${s.focusProduced} of the ${s.focusColumns} FOCUS columns (${s.focusNotProduced} not produced); ` +
      `${s.rawSqlUses} raw SQL ${s.rawSqlUses === 1 ? "use" : "uses"}.`,
    "",
  );
  out.push(
    `**Control total:** the sum of ${code(desc.controlTotal.sourceColumn)} in each file must equal the sum of the mapped ` +
      `${code(desc.controlTotal.target)}, to the cent; otherwise nothing is loaded.`,
    "",
  );

  out.push(`### Columns`, "");
  out.push("| column | level | rule | reads |", "|---|---|---|---|");
  for (const c of desc.columns) {
    const rule = c.status === "not-produced" ? `*${NOT_PRODUCED}*` : c.ruleMarkdown;
    const reads = c.reads.map((r) => `${cellOfCode(r.name)}${r.required ? " (required)" : ""}`).join(", ");
    out.push(row([c.target, c.level, cell(rule), reads]));
  }
  out.push("");

  out.push(`### Raw SQL (audited)`, "");
  if (desc.rawSql.length === 0) out.push("None: every column uses the closed set of operations.", "");
  else {
    out.push("Each use of the escape hatch, with the reason the closed set of operations was not enough. " +
      "`{{name}}` stands for the source column `name`.", "");
    for (const [i, r] of desc.rawSql.entries()) {
      out.push(`${i + 1}. **${r.target}**: ${escapeMarkdown(r.reason)}`, "", "   ```sql", ...r.sql.split("\n").map((l) => `   ${l}`), "   ```", "");
    }
  }

  out.push(`### Row checks`, "");
  out.push("A row that breaks one of these stops the ingest with the file, row and column, and nothing is loaded:", "");
  for (const c of desc.checks) out.push(`- ${c.whenMarkdown}: expected ${escapeMarkdown(c.expected)}`);
  out.push("");

  if (desc.lookups.length > 0) {
    out.push(`### Lookup tables`, "");
    for (const l of desc.lookups) {
      out.push(`- ${code(l.name)} (${l.entries} entries, from ${escapeMarkdown(l.source)}; \`data/lookups/${l.name}.csv\`), used by ${l.usedBy.join(", ")}`);
    }
    out.push("");
  }

  out.push(`### Source columns`, "");
  out.push("| column | read as | required | used by |", "|---|---|---|---|");
  for (const c of desc.sourceColumns) {
    out.push(row([cellOfCode(c.name), c.type, c.required ? "yes" : "", c.usedBy.length > 0 ? c.usedBy.join(", ") : "*not used*"]));
  }
  out.push("");
  return out.join("\n");
}

/** The whole reference page, docs/mappings.md: how mappings work, then every mapping. */
export function renderMappingsDoc(descs: readonly MappingDescription[], mappings?: readonly SourceMapping[]): string {
  const intro = [
    "# Source mappings",
    "",
    "<!-- Generated from the mapping definitions; do not edit by hand. Regenerate with",
    "     UPDATE_DOCS=1 npx vitest run src/engine/mapping/describe.test.ts",
    "     (or `costwise mappings --markdown > docs/mappings.md`). A test fails when this page is out of date. -->",
    "",
    "How costwise turns each source format into FOCUS 1.2 rows, column by column, for review by people",
    "who do not read the code.",
    "",
    "## How mappings work",
    "",
    "- **Declared as data.** Each source format has one mapping (`src/engine/mapping/sources/`): the source",
    "  columns it reads, with the type to read them as and whether a file must have them, and for each",
    "  target column one rule from a closed set: a source column, a constant, a value map with an explicit",
    "  default, a lookup in a CSV table (`data/lookups/`), a date and time converted to UTC, the first",
    "  non-empty of several rules, or tags (one column per tag key, a JSON object, or a Parquet map).",
    "- **Raw SQL is the audited exception.** A rule the closed set cannot express is raw SQL, and every such",
    "  use states its reason; each mapping below lists them.",
    "- **Compiled to one SELECT.** The mapping compiles to a single SQL `SELECT` that runs inside the store",
    "  (DuckDB) over the whole file; rows never pass through JavaScript one at a time.",
    "- **Absent optional columns are NULL.** A source column the mapping declares but the file lacks reads as",
    "  NULL (and an empty text value counts as absent), so rules fall through to their next choice or default.",
    "  A file without a *required* column is not that format, and the error names what is missing.",
    "  A FOCUS column a mapping does not produce is NULL in every row (\"not produced\" below).",
    "- **Dates are checked row by row.** In CSV files dates are read as text and parsed in the mapping, with a",
    "  check per row: a value that is not a date and time stops the ingest, naming the file, row and column",
    "  (the CSV reader alone would turn it into NULL without a word). Dates with an offset are converted to",
    "  UTC; dates without one are taken as UTC.",
    "  A mapping may declare other spellings for a date column (Azure's MM/DD/YYYY, BigQuery's `... UTC`, OCI's",
    "  minutes-only times); a value no spelling reads is an error the same way.",
    "- **Header spellings.** A mapping may match headers loosely (the Azure mapping does): case-insensitively,",
    "  under declared aliases (`PreTaxCost` is `CostInBillingCurrency`), without a byte-order mark, and by the",
    "  English name in parentheses of a localized header (`Ressourcengruppe (ResourceGroup)`).",
    "- **JSON input.** Newline-delimited JSON (BigQuery's export) is flattened on read: nested records become",
    "  `parent.child` columns, lists (labels, credits) their JSON text, and every value is checked per row as in CSV.",
    "- **Control totals.** Each mapping names the source column that holds the money. Per file, its sum must",
    "  equal the sum of the mapped `BilledCost` to the cent, and the store must hold exactly the rows and",
    "  money the files did; otherwise the ingest is refused and nothing is loaded.",
    "- **FOCUS files of any version.** A FOCUS file is read with the mapping for the version its columns",
    "  show (1.0, 1.1 or 1.2; columns renamed between versions are read under either name), and",
    "  `x_FocusVersion` holds that version. The `focus` section below shows the mapping for 1.2.",
    "- **Provenance.** `x_Source`, `x_SourceFile`, `x_IngestId` and `x_DeliveryId` are filled on every row by",
    "  the loader, whatever the mapping says.",
    "",
    "Formats:",
    "",
    ...descs.map((d) => `- [\`${d.id}\`](#${anchor(`${d.id}: ${d.title}`)}): ${escapeMarkdown(d.title)} (${d.fileKinds.join(", ")})`),
    "",
  ].join("\n");
  const coverage = ["## Coverage", "", "How each source format fills each FOCUS 1.2 column.", "", renderCoverageMarkdown(coverageTable(mappings ?? [])), ""].join("\n");
  return `${intro}\n${mappings ? `${coverage}\n${renderConformanceLimits()}\n` : ""}${descs.map(renderMappingMarkdown).join("\n")}`;
}

// ---------------------------------------------------------------------------------------------------
// coverage: every FOCUS column against every source format

/** How a mapping fills one FOCUS column, in one word for the coverage table. */
export type CoverageCell = "source" | "derived" | "constant" | "none";

export const COVERAGE_LEGEND: Readonly<Record<CoverageCell, string>> = {
  source: "read from the source (a column, a value map, a lookup, tags)",
  derived: "computed from source columns by audited raw SQL",
  constant: "the same value on every row (e.g. the provider's name)",
  none: "not produced (NULL)",
};

const COVERAGE_MARK: Readonly<Record<CoverageCell, string>> = { source: "✓", derived: "SQL", constant: "const", none: "—" };

export interface CoverageTable {
  formats: string[];
  rows: { column: string; level: ColumnLevel; cells: CoverageCell[] }[];
  /** FOCUS columns produced, per format */
  produced: number[];
}

function coverageCell(e: MappingExpr | undefined): CoverageCell {
  if (!e) return "none";
  if (e.op === "constant") return e.value === null ? "none" : "constant";
  if (e.op === "sql") return "derived";
  if (e.op === "coalesce" || e.op === "add") {
    const inner = e.args.map(coverageCell);
    return inner.includes("source") ? "source" : inner.includes("derived") ? "derived" : inner.includes("constant") ? "constant" : "none";
  }
  return "source";
}

/** The FOCUS columns (catalogue order) against the source formats: how each mapping fills each column. */
export function coverageTable(mappings: readonly SourceMapping[]): CoverageTable {
  const rows = FOCUS_COLUMNS.map((c) => ({
    column: c.name,
    level: c.featureLevel as ColumnLevel,
    cells: mappings.map((m) => coverageCell(m.targets[c.name as TargetColumn])),
  }));
  return { formats: mappings.map((m) => m.id), rows, produced: mappings.map((_, i) => rows.filter((r) => r.cells[i] !== "none").length) };
}

/** The coverage table as Markdown (a legend, then one row per FOCUS column). */
export function renderCoverageMarkdown(t: CoverageTable): string {
  const out = [
    "| FOCUS column | level | " + t.formats.map((f) => code(f)).join(" | ") + " |",
    "|---|---|" + t.formats.map(() => ":-:").join("|") + "|",
    ...t.rows.map((r) => `| ${r.column} | ${r.level} | ${r.cells.map((c) => COVERAGE_MARK[c]).join(" | ")} |`),
    `| **produced** | | ${t.produced.map((n) => `**${n} of ${t.rows.length}**`).join(" | ")} |`,
    "",
    (Object.keys(COVERAGE_LEGEND) as CoverageCell[]).map((k) => `${COVERAGE_MARK[k]} ${COVERAGE_LEGEND[k]}`).join("; ") + ".",
  ];
  return out.join("\n");
}

/** The coverage table as aligned text for a terminal. */
export function renderCoverageText(t: CoverageTable): string {
  const colW = Math.max(...t.rows.map((r) => r.column.length), "FOCUS column".length);
  const levelW = Math.max(...t.rows.map((r) => r.level.length), "level".length);
  const w = t.formats.map((f) => Math.max(f.length, 8));
  const line = (a: string, b: string, cells: string[]) => `${a.padEnd(colW)}  ${b.padEnd(levelW)}  ${cells.map((c, i) => c.padEnd(w[i]!)).join("  ")}`.trimEnd();
  return [
    line("FOCUS column", "level", t.formats),
    ...t.rows.map((r) => line(r.column, r.level, r.cells.map((c) => COVERAGE_MARK[c]))),
    line("produced", "", t.produced.map((n) => `${n}/${t.rows.length}`)),
    "",
    ...(Object.keys(COVERAGE_LEGEND) as CoverageCell[]).map((k) => `${COVERAGE_MARK[k].padEnd(5)} ${COVERAGE_LEGEND[k]}`),
  ].join("\n");
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

// ---------------------------------------------------------------------------------------------------
// terminal

/** One mapping as aligned text for a terminal, rules wrapped at `width`. */
export function renderMappingText(desc: MappingDescription, width = 100): string {
  const s = desc.summary;
  const out: string[] = [];
  out.push(`${desc.id}: ${desc.title}`);
  out.push(`reads ${desc.fileKinds.join(", ")}; writes FOCUS ${desc.focusVersion}; ${s.focusProduced} of ${s.focusColumns} FOCUS columns produced; ${s.rawSqlUses} raw SQL use(s)`);
  out.push(`control total: ${desc.controlTotal.rule}`);
  out.push("");
  const nameW = Math.max(...desc.columns.map((c) => c.target.length));
  const levelW = Math.max(...desc.columns.map((c) => c.level.length));
  const indent = " ".repeat(nameW + levelW + 4);
  for (const c of desc.columns) {
    const lines = wrapWords(c.rule, Math.max(30, width - indent.length));
    out.push(`${c.target.padEnd(nameW)}  ${c.level.padEnd(levelW)}  ${lines[0] ?? ""}`.trimEnd());
    for (const l of lines.slice(1)) out.push(`${indent}${l}`);
  }
  if (desc.rawSql.length > 0) {
    out.push("", "raw SQL (audited):");
    for (const r of desc.rawSql) {
      out.push(`  ${r.target}: ${r.reason}`);
      for (const l of r.sql.split("\n")) out.push(`      ${l}`);
    }
  }
  out.push("", "row checks (a failing row stops the ingest, naming file, row and column):");
  for (const c of desc.checks) out.push(`  ${c.when}: expected ${c.expected}`);
  for (const l of desc.lookups) {
    out.push("", `lookup ${l.name}: ${l.entries} entries, from ${l.source} (data/lookups/${l.name}.csv)`);
  }
  const req = desc.sourceColumns.filter((c) => c.required).map((c) => c.name);
  const unused = desc.sourceColumns.filter((c) => c.usedBy.length === 0).map((c) => c.name);
  out.push("", ...wrapWords(`required source columns: ${req.join(", ")}`, width));
  if (unused.length > 0) out.push(...wrapWords(`declared but not used: ${unused.join(", ")}`, width));
  return out.join("\n");
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
