/**
 * The id of an anomaly: stable across detector re-runs (a multi-day anomaly keeps its row and its id), short enough
 * for a URL, and computable both here and in SQL. It is the first 16 hex digits of the SHA-256 of the anomaly's key
 * (monitor, series key, start day, currency), joined by NUL.
 */
import { createHash } from "node:crypto";

export interface AnomalyKey {
  monitor: string;
  seriesKey: string;
  /** YYYY-MM-DD */
  startDay: string;
  currency: string;
}

export function anomalyId(k: AnomalyKey): string {
  return createHash("sha256").update([k.monitor, k.seriesKey, k.startDay, k.currency].join("\0")).digest("hex").slice(0, 16);
}

/** The same id as a DuckDB expression over `detect_anomalies` columns (optionally qualified by `alias`). */
export function anomalyIdSql(alias = ""): string {
  const c = (n: string) => (alias ? `${alias}.${n}` : n);
  return `substr(sha256(${c("monitor")} || chr(0) || ${c("series_key")} || chr(0) || strftime(${c("start_day")}, '%Y-%m-%d') || chr(0) || ${c("currency")}), 1, 16)`;
}
