/**
 * Names and times in a cost query: resolving dimension and metric names against the whitelist (with "did you
 * mean" suggestions), checking user text, and normalizing ISO-8601 times. Pure; shared by both input forms.
 */
import { FOCUS_COLUMNS } from "../focus/columns.js";
import { type Dimension, DIMENSION_COLUMNS, isDimensionColumn, MAX_TAG_KEY_LENGTH, QUERY_METRICS, type QueryMetric, type QueryProblemCode, TAG_PREFIX, X_DIMENSIONS } from "./cost-query-model.js";
// ─── name resolution and suggestions ────────────────────────────────────────────────────────────

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Up to `max` candidates close to `input`: case-insensitive edit distance on the whole name or a prefix, or substring. */
export function suggestNames(input: string, candidates: readonly string[], max = 3): string[] {
  const needle = input.toLowerCase().replace(/[\s_-]/g, "");
  if (!needle || needle.length > 64) return [];
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const hay = name.toLowerCase().replace(/[\s_-]/g, "");
    if (hay === needle) return [name];
    const whole = editDistance(needle, hay);
    let prefix = Infinity;
    if (needle.length >= 4) {
      for (let k = needle.length - 1; k <= needle.length + 1; k++) prefix = Math.min(prefix, editDistance(needle, hay.slice(0, k)));
    }
    if (whole <= Math.max(2, Math.floor(needle.length / 3))) scored.push({ name, score: whole });
    else if (prefix <= Math.max(1, Math.floor(needle.length / 4))) scored.push({ name, score: 10 + prefix + whole / 100 });
    else if (needle.length >= 3 && hay.includes(needle)) scored.push({ name, score: 20 + hay.length / 100 });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

export function quoteList(names: readonly string[]): string {
  return names.join(", ");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a piece of user text cannot be used as a value or tag key, or undefined when it can. */
export function textProblem(s: string, what: string, maxLength: number): string | undefined {
  if (s.length > maxLength) return `${what} is ${s.length} characters long; at most ${maxLength} are allowed`;
  if (LONE_SURROGATE.test(s)) return `${what} is not valid Unicode (it holds a lone surrogate)`;
  return undefined;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; code: QueryProblemCode; message: string };

/** Resolves a dimension name (`ServiceName`, `x_Source`, `tag:team`) against the whitelist. */
export function resolveDimension(name: string): Resolved<Dimension> {
  if (name.startsWith(TAG_PREFIX)) {
    const key = name.slice(TAG_PREFIX.length);
    if (key.length === 0) {
      return { ok: false, code: "BAD_DIMENSION", message: `"tag:" needs a tag key after it, e.g. tag:team` };
    }
    const bad = textProblem(key, "the tag key", MAX_TAG_KEY_LENGTH);
    if (bad) return { ok: false, code: "BAD_DIMENSION", message: bad };
    return { ok: true, value: { kind: "tag", key } };
  }
  if (isDimensionColumn(name)) return { ok: true, value: { kind: "column", column: name } };
  return { ok: false, code: "UNKNOWN_DIMENSION", message: unknownDimensionMessage(name) };
}

function unknownDimensionMessage(name: string): string {
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
  if (name === "Tags") return `Tags is not a dimension itself; name one tag key as tag:<key>, e.g. tag:team`;
  if ((QUERY_METRICS as readonly string[]).includes(name) || FOCUS_COLUMNS.some((c) => c.name === name && c.columnType === "metric")) {
    return `${name} is a metric, not a dimension; pick it with the metric instead`;
  }
  if (/^tags?[.:=/]/i.test(name)) {
    return `unknown dimension ${shown}; tag dimensions are written tag:<key> (lowercase "tag:"), e.g. tag:${name.replace(/^tags?[.:=/]/i, "")}`;
  }
  const near = suggestNames(name, DIMENSION_COLUMNS);
  const simple = /^[\w.\-/@]+$/.test(name);
  if (near.length === 1 && near[0]!.toLowerCase() === name.toLowerCase()) {
    return `unknown dimension ${shown}; names are case-sensitive: ${near[0]}`;
  }
  if (near.length > 0) {
    return `unknown dimension ${shown}; did you mean ${quoteList(near)}?${simple ? ` (for a tag, write tag:${name})` : ""}`;
  }
  return (
    `unknown dimension ${shown}; ${simple ? `for a tag, write tag:${name}; ` : ""}dimensions are FOCUS columns ` +
    `(e.g. ServiceName, RegionId, SubAccountName), costwise columns (${quoteList(X_DIMENSIONS)}) or tag:<key>`
  );
}

export function resolveMetric(name: string): Resolved<QueryMetric> {
  if ((QUERY_METRICS as readonly string[]).includes(name)) return { ok: true, value: name as QueryMetric };
  const near = suggestNames(name, QUERY_METRICS);
  const hint = near.length > 0 ? `did you mean ${quoteList(near)}? ` : "";
  let why = "";
  if (FOCUS_COLUMNS.some((c) => c.name === name && c.columnType === "metric")) why = ` (unit prices cannot be summed)`;
  else if (isDimensionColumn(name)) why = ` (it is a dimension: group by it instead)`;
  return {
    ok: false,
    code: "BAD_METRIC",
    message: `unknown metric ${JSON.stringify(name)}${why}; ${hint}metrics are ${quoteList(QUERY_METRICS)}`,
  };
}

// ─── time ───────────────────────────────────────────────────────────────────────────────────────

const ISO_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses an ISO-8601 date or date-time to normalized UTC `YYYY-MM-DDTHH:MM:SSZ`. A date is midnight
 * UTC; a time without an offset is UTC (billing data is UTC); an offset is converted.
 */
export function parseIsoTime(text: string): { ok: true; value: string } | { ok: false; message: string } {
  const s = text.trim();
  const m = ISO_TIME_RE.exec(s);
  const expected = `expected an ISO-8601 date or UTC date-time such as 2024-09-01 or 2024-09-01T13:00:00Z`;
  if (!m) return { ok: false, message: `${JSON.stringify(text)} is not a date; ${expected}` };
  const [, y, mo, d, h = "00", mi = "00", sec = "00", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(base);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return { ok: false, message: `${JSON.stringify(text)} is not a real calendar date or time; ${expected}` };
  }
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const oh = Number(z[2]);
    const om = Number(z[3] ?? "0");
    if (oh > 23 || om > 59) return { ok: false, message: `${JSON.stringify(text)} has a bad UTC offset; ${expected}` };
    offsetMinutes = (z[1] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(base - offsetMinutes * 60_000);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) {
    return { ok: false, message: `${JSON.stringify(text)} is out of range; ${expected}` };
  }
  return { ok: true, value: `${utc.toISOString().slice(0, 19)}Z` };
}

