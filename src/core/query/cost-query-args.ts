/**
 * The CLI form of a cost query (`QueryArgs`: the raw strings of `costwise query`'s options), its grammar for
 * `--help`, and `parseQueryArgs`, which parses the strings into the JSON form and validates that.
 */
import { type CostQueryInput, type FilterInput, type OrderInput, parseCostQuery } from "./cost-query-json.js";
import { type QueryParseResult, type QueryProblem, type SortDirection, TAG_PREFIX, X_DIMENSIONS } from "./cost-query-model.js";
// ─── the CLI form ───────────────────────────────────────────────────────────────────────────────

/** The raw strings of `costwise query`'s options. */
export interface QueryArgs {
  metric?: string;
  /** Each a comma-separated list; the option may repeat. */
  groupBy?: readonly string[];
  /** Each one filter expression; the option may repeat. */
  filter?: readonly string[];
  start?: string;
  end?: string;
  granularity?: string;
  /** Each a comma-separated list of `key[:asc|:desc]`. */
  order?: readonly string[];
  limit?: string;
  /** Reporting currency (ISO 4217); money is converted at query time (docs/fx.md). */
  currency?: string;
}

/** The grammar of the CLI form, for `--help`. */
export const QUERY_GRAMMAR_HELP = `Dimensions (--group-by, filters):
  a FOCUS column         ServiceName, ServiceCategory, RegionId, SubAccountName, ResourceId, ChargeCategory, ...
  a costwise column      ${X_DIMENSIONS.join(", ")}
  a tag                  tag:<key>    e.g. tag:team, tag:aws:createdBy; quote keys holding , = ! ~ or spaces:
                                      tag:"cost center"
  --group-by takes a comma-separated list and may repeat: --group-by ServiceName,tag:team

Filters (--filter, repeatable, all must hold):
  <dim>=<value>              equals
  <dim>!=<value>             not equal (rows where <dim> is missing are kept)
  <dim> in <v1>,<v2>,...     one of; quote items holding commas: in "a,b",c
  <dim> not in <v1>,...      none of (missing values are kept)
  <dim>~<pattern>            SQL LIKE: % any run, _ one character, \\ escapes; also <dim> like <pattern>
  <dim> contains <text>      substring (case-sensitive)
  <dim>=   or <dim> is null      missing: NULL or empty (e.g. untagged: tag:team=)
  <dim>!=  or <dim> is not null  present and not empty
  A value in double quotes is taken literally ("" for a quote): ServiceName=" padded ", tag:team=""
  means an empty value (not missing). Date-time columns (BillingPeriodStart, ...) take ISO dates.

Time window: --start (inclusive) and --end (exclusive) on ChargePeriodStart, as ISO dates or UTC
  date-times (2024-09-01, 2024-09-01T12:00:00Z). --granularity hour|day|month adds a "period" column.

Order: --order <key>[:asc|:desc], comma-separated or repeated; <key> is metric, period or a group-by
  dimension. Default: period ascending (when bucketed), then the metric descending.

Money of different currencies is never added: rows are always split by BillingCurrency (by the unit
  column for quantity metrics), and totals are given per currency.`;

type TextResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Splits a comma-separated list. An item may be double-quoted (`"a,b"`), or hold a quoted part right
 * after `tag:` (`tag:"a,b"`); inside quotes `""` is one quote. Unquoted whitespace at the ends of an
 * item is trimmed.
 */
export function splitList(text: string): TextResult<string[]> {
  const items: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && /\s/.test(text[i]!)) i++;
    let item = "";
    let quoted = false;
    let keep = 0; // leading part of `item` that came from quotes (never trimmed)
    if (text.startsWith(`${TAG_PREFIX}"`, i)) {
      item = TAG_PREFIX;
      i += TAG_PREFIX.length;
    }
    if (text[i] === '"') {
      quoted = true;
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '"' && text[i + 1] === '"') {
          item += '"';
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          item += c;
          i++;
        }
      }
      if (!closed) return { ok: false, message: `unterminated quote in ${JSON.stringify(text)}` };
      keep = item.length;
    }
    while (i < n && text[i] !== ",") item += text[i++]!;
    item = item.slice(0, keep) + item.slice(keep).trimEnd();
    if (item === "" && !quoted) {
      return { ok: false, message: `empty item in the list ${JSON.stringify(text)} (write "" for an empty value)` };
    }
    items.push(item);
    if (i >= n) return { ok: true, value: items };
    i++; // the comma
  }
}

/** A single value: verbatim but trimmed, or, when wholly double-quoted, the quoted text. */
function singleValue(text: string): TextResult<{ value: string; quoted: boolean }> {
  const t = text.trim();
  if (!t.startsWith('"')) return { ok: true, value: { value: t, quoted: false } };
  const r = /^"((?:[^"]|"")*)"$/s.exec(t);
  if (!r) return { ok: false, message: `a quoted value must be wholly in double quotes (write "" for a quote inside): ${t}` };
  return { ok: true, value: { value: r[1]!.replace(/""/g, '"'), quoted: true } };
}

const WORD_OPERATOR_RE = /\s+(not\s+in|in|like|contains|is\s+not\s+null|is\s+null)(?=\s|$)/i;

/**
 * Parses one CLI filter expression (see `QUERY_GRAMMAR_HELP`) into the JSON form. Names are not
 * checked here; `parseCostQuery` checks them.
 */
export function parseFilterExpression(text: string): TextResult<FilterInput> {
  const lead = text.length - text.trimStart().length;
  let target: string;
  let rest: string;
  if (text.startsWith(`${TAG_PREFIX}"`, lead)) {
    const r = /^tag:"((?:[^"]|"")*)"/s.exec(text.slice(lead));
    if (!r) return { ok: false, message: `unterminated quote in the tag key of ${JSON.stringify(text)}` };
    target = `${TAG_PREFIX}${r[1]!.replace(/""/g, '"')}`;
    rest = text.slice(lead + r[0].length);
    if (!/^\s*(!=|=|~|(not\s+in|in|like|contains|is\s+not\s+null|is\s+null)(\s|$))/i.test(rest)) {
      return { ok: false, message: `expected an operator after ${JSON.stringify(target)} in ${JSON.stringify(text)}` };
    }
    rest = rest.trimStart();
    if (/^[a-z]/i.test(rest)) rest = ` ${rest}`;
  } else {
    const sym = /!=|=|~/.exec(text);
    const word = WORD_OPERATOR_RE.exec(text);
    const at = Math.min(sym?.index ?? Infinity, word?.index ?? Infinity);
    if (at === Infinity) {
      return {
        ok: false,
        message: `no operator in ${JSON.stringify(text)}; write e.g. ProviderName=AWS, "tag:env in prod,staging" or "tag:team is null"`,
      };
    }
    target = text.slice(0, at).trim();
    rest = text.slice(at);
  }
  if (target === "") return { ok: false, message: `no dimension before the operator in ${JSON.stringify(text)}` };

  const sym = /^(!=|=|~)/.exec(rest);
  if (sym) {
    const op = sym[1]!;
    const v = singleValue(rest.slice(op.length));
    if (!v.ok) return v;
    const { value, quoted } = v.value;
    if (op === "~") {
      if (value === "") return { ok: false, message: `"~" needs a LIKE pattern in ${JSON.stringify(text)}` };
      return { ok: true, value: { on: target, op: "like", value } };
    }
    if (value === "" && !quoted) return { ok: true, value: { on: target, op: op === "=" ? "is_null" : "is_not_null" } };
    return { ok: true, value: { on: target, op: op === "=" ? "eq" : "neq", value } };
  }
  const word = /^\s+(not\s+in|in|like|contains|is\s+not\s+null|is\s+null)(?=\s|$)/i.exec(rest)!;
  const op = word[1]!.toLowerCase().replace(/\s+/g, " ");
  const arg = rest.slice(word[0].length);
  switch (op) {
    case "is null":
    case "is not null":
      if (arg.trim() !== "") return { ok: false, message: `"${op}" takes no value, found ${JSON.stringify(arg.trim())}` };
      return { ok: true, value: { on: target, op: op === "is null" ? "is_null" : "is_not_null" } };
    case "in":
    case "not in": {
      if (arg.trim() === "") return { ok: false, message: `"${op}" needs a comma-separated list of values in ${JSON.stringify(text)}` };
      const list = splitList(arg);
      if (!list.ok) return list;
      return { ok: true, value: { on: target, op: op === "in" ? "in" : "not_in", values: list.value } };
    }
    default: {
      const v = singleValue(arg);
      if (!v.ok) return v;
      if (v.value.value === "") return { ok: false, message: `"${op}" needs a value in ${JSON.stringify(text)}` };
      return { ok: true, value: { on: target, op: op === "like" ? "like" : "contains", value: v.value.value } };
    }
  }
}

/** Parses `costwise query`'s option strings into a `CostQuery`. Problem paths name the option. */
export function parseQueryArgs(args: QueryArgs): QueryParseResult {
  const problems: QueryProblem[] = [];
  const input: CostQueryInput = {};
  if (args.metric !== undefined) input.metric = args.metric;

  const groupBy: string[] = [];
  for (const g of args.groupBy ?? []) {
    const r = splitList(g);
    if (r.ok) groupBy.push(...r.value);
    else problems.push({ code: "BAD_DIMENSION", message: r.message, path: "--group-by" });
  }
  if (groupBy.length) input.groupBy = groupBy;

  const filters: FilterInput[] = [];
  const filterFlag: number[] = []; // filters[i] came from --filter number filterFlag[i]
  (args.filter ?? []).forEach((f, i) => {
    const r = parseFilterExpression(f);
    if (r.ok) {
      filters.push(r.value);
      filterFlag.push(i);
    } else problems.push({ code: "BAD_FILTER", message: r.message, path: `--filter ${JSON.stringify(f)}` });
  });
  if (filters.length) input.filters = filters;

  if (args.start !== undefined) input.start = args.start;
  if (args.end !== undefined) input.end = args.end;
  if (args.granularity !== undefined) input.granularity = args.granularity;

  const orderBy: OrderInput[] = [];
  for (const o of args.order ?? []) {
    const r = splitList(o);
    if (!r.ok) {
      problems.push({ code: "BAD_ORDER", message: r.message, path: "--order" });
      continue;
    }
    for (const item of r.value) {
      const m = /^(.*?):(asc|desc)$/i.exec(item);
      orderBy.push(m ? { by: m[1]!, direction: m[2]!.toLowerCase() as SortDirection } : { by: item });
    }
  }
  if (orderBy.length) input.orderBy = orderBy;

  if (args.limit !== undefined) {
    const t = args.limit.trim();
    if (/^\d{1,9}$/.test(t)) input.limit = Number(t);
    else problems.push({ code: "BAD_LIMIT", message: `--limit takes a whole number such as 20, not ${JSON.stringify(args.limit)}`, path: "--limit" });
  }

  if (args.currency !== undefined) input.currency = args.currency.trim().toUpperCase();

  const parsed = parseCostQuery(input);
  if (!parsed.ok) {
    for (const p of parsed.problems) problems.push({ ...p, ...cliPath(p.path, args, filterFlag) });
  }
  if (problems.length > 0) {
    // in the order of the options in --help, whichever step found them
    const rank = (p: QueryProblem): number => OPTION_ORDER.findIndex((o) => p.path?.startsWith(o));
    return { ok: false, problems: problems.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p) };
  }
  return parsed;
}

const OPTION_ORDER = ["--metric", "--group-by", "--filter", "--start", "--end", "--granularity", "--order", "--limit", "--currency"];

function cliPath(path: string | undefined, args: QueryArgs, filterFlag: readonly number[]): { path?: string } {
  if (!path) return {};
  const m = /^(\w+)(?:\[(\d+)\])?/.exec(path);
  if (!m) return { path };
  switch (m[1]) {
    case "metric":
      return { path: "--metric" };
    case "groupBy":
      return { path: "--group-by" };
    case "filters": {
      const flag = filterFlag[Number(m[2])];
      const text = flag === undefined ? undefined : args.filter?.[flag];
      return { path: text === undefined ? "--filter" : `--filter ${JSON.stringify(text)}` };
    }
    case "start":
      return { path: "--start" };
    case "end":
      return { path: "--end" };
    case "granularity":
      return { path: "--granularity" };
    case "orderBy":
      return { path: "--order" };
    case "limit":
      return { path: "--limit" };
    case "currency":
      return { path: "--currency" };
    default:
      return { path };
  }
}

