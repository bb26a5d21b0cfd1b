/**
 * `costwise detect` (definition in ./detect.ts): the monitors over the cost store, or the detector over a CSV
 * series with `--series`; prints the anomalies found with expected, actual, impact and root cause.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { detectionSection } from "../../core/config/sections/detection.js";
import { CostwiseError } from "../../core/errors.js";
import { trimMoney, toCents } from "../../core/money.js";
import { runMonitors, type MonitorAnomaly } from "../../engine/detect/monitors.js";
import { detectSeriesFile, SERIES_INTERVALS, type SeriesAlertThresholds, type SeriesInterval } from "../../engine/detect/series-file.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { dayOption } from "./date-options.js";

interface DetectOptions {
  series?: string;
  interval?: string;
  z?: string;
  asOf?: string;
  save?: boolean;
  alerts?: boolean;
  exitCode?: boolean;
  minDeviation?: string;
  minPercent?: string;
  direction?: string;
}

export async function detect(opts: DetectOptions, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  dayOption(opts.asOf, "--as-of");
  const z = opts.z === undefined ? undefined : Number(opts.z);
  if (z !== undefined && !(z > 0)) throw usageError(`--z must be a positive number, got ${JSON.stringify(opts.z)}`);
  if (opts.series !== undefined) {
    if (!(SERIES_INTERVALS as readonly string[]).includes(opts.interval ?? "auto")) throw usageError(`--interval must be one of ${SERIES_INTERVALS.join(", ")}`);
    const thresholds = seriesThresholds(opts);
    const r = detectSeriesFile(opts.series, (opts.interval ?? "auto") as SeriesInterval, z === undefined ? {} : { z }, thresholds);
    const list = opts.alerts ? r.anomalies.filter((a) => a.alert) : r.anomalies;
    if (opts.exitCode && r.anomalies.some((a) => a.alert)) setExit(cmd, EXIT.findings);
    if (g.json) return stdio.json({ ...r, anomalies: list });
    const step = r.bucketSeconds % 3600 === 0 ? `${r.bucketSeconds / 3600} h` : `${r.bucketSeconds / 60} min`;
    stdio.out(`${r.file}: ${r.points} points in ${r.buckets} buckets of ${step}; seasonality: ${r.seasonality}`);
    stdio.out(r.message);
    if (r.status === "too_short") return;
    const what = opts.alerts ? "alert" : "anomal";
    stdio.out(`${list.length} ${what}${opts.alerts ? (list.length === 1 ? "" : "s") : list.length === 1 ? "y" : "ies"}${opts.alerts ? ` (of ${r.anomalies.length} anomalies)` : ""}`);
    if (list.length > 0) {
      stdio.out(
        renderTable(
          ["detected", "start", "end", "kind", "dir", "severity", "peak", "value", "expected", "deviation", "dev %", "max z"],
          list.map((a) => [a.detected, a.start, a.end + (a.open ? "…" : ""), a.kind, a.direction, a.severity, a.peak, num(a.peakValue), num(a.expectedAtPeak), num(a.deviation), a.deviationPercent === null ? "" : pct(a.deviationPercent / 100), a.maxZ.toFixed(1)]),
          { rightAlign: [7, 8, 9, 10, 11] },
        ),
      );
    }
    return;
  }
  if (g.store !== ":memory:" && !existsSync(g.store)) throw new CostwiseError("NOT_FOUND", `no cost store at ${g.store}; ingest a bill first (costwise ingest) or pass --store`);
  const config = g.workspace.config;
  const detection = config.detection ? { ...config.detection, detector: { ...config.detection.detector, ...(z === undefined ? {} : { z }) } } : undefined;
  const r = await withStore(g, (store) =>
    runMonitors(store, detection ? { detection } : z === undefined ? {} : { detection: { ...defaultsWithZ(z) } }, { ...(opts.asOf ? { asOf: opts.asOf } : {}), persist: opts.save !== false }),
  );
  const list = opts.alerts ? r.anomalies.filter((a) => a.alert) : r.anomalies;
  if (opts.exitCode && r.anomalies.some((a) => a.newAlert)) setExit(cmd, EXIT.findings);
  if (g.json) return stdio.json({ asOf: r.asOf, monitors: r.monitors, anomalies: list });
  if (r.asOf === null) return stdio.out("the store is empty: load bills with `costwise ingest <files>`");
  stdio.out(`scored through ${r.asOf} (last complete day); ${r.monitors.map((m) => `${m.name}: ${m.series} series`).join(", ")}`);
  if (list.length === 0) return stdio.out("no anomalies");
  printAnomalies(list);
}

function seriesThresholds(opts: DetectOptions): SeriesAlertThresholds {
  const minDeviation = Number(opts.minDeviation ?? "0");
  const minPercent = Number(opts.minPercent ?? "0");
  if (!(minDeviation >= 0)) throw usageError(`--min-deviation must be a number ≥ 0, got ${JSON.stringify(opts.minDeviation)}`);
  if (!(minPercent >= 0)) throw usageError(`--min-percent must be a number ≥ 0, got ${JSON.stringify(opts.minPercent)}`);
  const direction = opts.direction ?? "both";
  if (direction !== "up" && direction !== "down" && direction !== "both") throw usageError(`--direction must be up, down or both, got ${JSON.stringify(direction)}`);
  return { minDeviation, minPercent, direction };
}

function defaultsWithZ(z: number) {
  return detectionSection.parse({ detector: { z } });
}

function num(x: number): string {
  if (!Number.isFinite(x)) return "";
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x === 0 ? "0" : x.toPrecision(4);
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}

export function printAnomalies(list: readonly MonitorAnomaly[]): void {
  stdio.out(
    renderTable(
      ["monitor", "series", "start", "end", "kind", "severity", "actual", "expected", "impact", "impact %", "alert", "top contributor"],
      list.map((a) => [
        a.monitor,
        a.seriesKey,
        a.start,
        a.end + (a.open ? "…" : ""),
        `${a.kind} ${a.direction === "up" ? "↑" : "↓"}`,
        a.severity,
        `${trimMoney(toCents(a.actual))} ${a.currency}`,
        trimMoney(toCents(a.expected)),
        trimMoney(toCents(a.impact)),
        a.impactPercent === null ? "" : pct(a.impactPercent),
        a.newAlert ? "new" : a.alert ? "yes" : "",
        a.rootCause?.headline ? `${a.rootCause.headline.kind} ${a.rootCause.headline.value} (${trimMoney(toCents(a.rootCause.headline.contribution))})` : "",
      ]),
      { rightAlign: [6, 7, 8, 9] },
    ),
  );
}
