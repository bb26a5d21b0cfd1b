/**
 * What `costwise demo` shows on the terminal: progress on stderr (a bar on a terminal, else a line every few
 * seconds) and the summary on stdout (about 55 lines, then the allocation and the analyses, then next steps).
 */
import { basename, join, relative } from "node:path";
import cliProgress from "cli-progress";
import { addMoney } from "../../core/money.js";
import type { DemoAllocation } from "../../demo/allocation.js";
import { DEMO_CONFIG_FILE, type DemoAnalyses } from "../../demo/analyses.js";
import { percentOf as percentOfTotal } from "../../engine/kpi/tagged-spend.js";
import { addMonths, bar, maxMoney, percentOf, type Change, type DemoProgress, type DemoSummary, type Ranking } from "../../demo/run-demo.js";
import { displayPath } from "../../engine/ingest/files.js";
import { formatAmount } from "../../engine/query/run-query.js";
import { stdio, type Output } from "../context.js";
import { renderTable } from "../table.js";

// ─── progress (stderr) ──────────────────────────────────────────────────────────────────────────

export interface Reporter {
  update: (e: DemoProgress) => void;
  stop: () => void;
}

const count = (n: number): string => n.toLocaleString("en-US");
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

function commonLine(e: DemoProgress): string | undefined {
  switch (e.step) {
    case "generate":
      return `generating ${e.months} months of demo bills (seed ${e.seed}) into ${displayPath(e.dataDir)} …`;
    case "generated":
      return `generated ${e.files} files, ${count(e.rows)} rows, ${mb(e.bytes)} MB in ${e.seconds.toFixed(1)} s`;
    case "ingested":
      return `ingested ${count(e.rows)} rows from ${e.files} files in ${e.seconds.toFixed(1)} s (${count(Math.round(e.rows / Math.max(e.seconds, 0.001)))} rows/s)${e.rowsReplaced > 0 ? `, ${count(e.rowsReplaced)} rows of earlier deliveries replaced` : ""}`;
    case "sample": // reported in the summary
    case "summarize":
      return "";
    case "ingest":
      return undefined;
  }
}

export function lineReporter(): Reporter {
  let last = 0;
  let t0 = 0;
  return {
    update: (e) => {
      const line = commonLine(e);
      if (line !== undefined) return line ? stdio.err(line) : undefined;
      if (e.step !== "ingest") return;
      const p = e.progress;
      if (p.phase !== "stage" || !p.file) return;
      const now = performance.now();
      if (t0 === 0) t0 = now;
      if (last === 0) stdio.err(`ingesting ${p.fileCount} files, ${mb(p.bytesTotal)} MB …`);
      if (now - last < 4000) return; // a line every 4 s at most
      const secs = last === 0 ? 0 : (now - t0) / 1000;
      last = now;
      if (secs === 0) return;
      stdio.err(`  file ${p.fileIndex + 1}/${p.fileCount} (${basename(p.file)}): ${count(p.rows)} rows so far, ${mb(p.bytesDone)} MB, ${(p.bytesDone / 1e6 / secs).toFixed(1)} MB/s`);
    },
    stop: () => undefined,
  };
}

export function barReporter(): Reporter {
  const bar = new cliProgress.SingleBar(
    { format: "ingesting {bar} {percentage}% | {value}/{total} MB | {rows} rows | {rate} MB/s | {file}", hideCursor: true, stream: process.stderr, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let t0 = 0;
  const stopBar = () => {
    if (started) bar.stop();
    started = false;
  };
  return {
    update: (e) => {
      if (e.step === "ingest") {
        const p = e.progress;
        const tenths = (n: number) => Math.round(n / 1e5) / 10;
        const secs = t0 === 0 ? 0.001 : Math.max((performance.now() - t0) / 1000, 0.001);
        const payload = { rows: count(p.rows), file: p.file ? basename(p.file) : p.phase, rate: (p.bytesDone / 1e6 / secs).toFixed(1) };
        if (!started) {
          t0 = performance.now();
          bar.start(tenths(p.bytesTotal), tenths(p.bytesDone), payload);
          started = true;
        } else bar.update(tenths(p.bytesDone), payload);
        return;
      }
      stopBar();
      const line = commonLine(e);
      if (line) stdio.err(line);
    },
    stop: stopBar,
  };
}

// ─── the summary (stdout) ───────────────────────────────────────────────────────────────────────

const money = (v: string): string => formatAmount(v, { decimals: 2 });
const signed = (v: string): string => (v.startsWith("-") ? money(v) : `+${money(v)}`);
const pct = (p: string | null): string => (p === null ? "n/a" : `${p}%`);
const signedPct = (p: string | null): string => (p === null ? "n/a" : p.startsWith("-") ? `${p}%` : `+${p}%`);
const indent = (text: string): string[] => text.split("\n").map((l) => `  ${l}`);

/** The human-readable summary (about 55 lines). Exported for tests. */
export function printSummary(s: DemoSummary, out: Output, opts: { totalSeconds: number; prefix: string; beforeNextSteps?: () => void }): void {
  const c = s.currency;
  const g = s.generated;
  const month = s.lastMonth.month;
  out.out(`costwise demo: ${g.months} months (${g.startDate} to ${g.endDate}) of a fictional organisation's AWS and Azure bills, seed ${g.seed}`);
  out.out(
    `  generated ${g.files} files, ${count(g.rows.total)} rows (AWS CUR ${count(g.rows.aws)}, Azure FOCUS ${count(g.rows.focus)}) in ${g.seconds.toFixed(1)} s; ` +
      `ingested in ${s.ingest.seconds.toFixed(1)} s (${count(s.ingest.rowsPerSecond)} rows/s); ${opts.totalSeconds.toFixed(1)} s in all`,
  );
  out.out(
    s.sample.loaded
      ? `  plus the real FOCUS sample: ${count(s.sample.rows)} rows from ${displayPath(s.sample.path)}`
      : `  FOCUS sample not loaded: ${s.sample.path ? `${displayPath(s.sample.path)} ` : ""}${s.sample.reason ?? ""}; the summary covers the generated data only`,
  );
  const ck = s.check;
  out.out(
    `  loaded = generated: ${ck.loadedEqualsGenerated ? "yes" : "NO"} (${count(ck.rows.loaded)} rows, BilledCost ${money(ck.billedCost.loaded)}, ` +
      `EffectiveCost ${money(ck.effectiveCost.loaded)} ${g.currency}, to the cent); untagged spend = generated: ${ck.untaggedEqualsGenerated ? "yes" : "NO"}`,
  );

  // last complete month, month over month
  const mom = s.monthOverMonth;
  const changeText = (ch: Change) => `${signed(ch.change)} (${signedPct(ch.changePercent)})`;
  out.out("");
  out.out(`Last complete month ${month}: billed ${money(mom.billedCost.current)} ${c}, effective (amortized) ${money(mom.effectiveCost.current)} ${c}`);
  out.out(`  vs ${s.previousMonth.month}: billed ${changeText(mom.billedCost)}, effective ${changeText(mom.effectiveCost)}`);
  const others = s.lastMonth.totals.filter((t) => t.currency !== c);
  if (others.length > 0) out.out(`  also in ${month}: ${others.map((t) => `${money(t.billedCost)} ${t.currency} billed`).join(", ")} (currencies are never added)`);

  // rankings
  out.out("");
  out.out(`Top services, ${month} (effective cost, ${c})`);
  printRanking(out, s.topServices, ["service"], (i) => [i.name], "services");
  out.out("");
  out.out(`Top accounts, ${month} (effective cost, ${c})`);
  printRanking(out, s.topAccounts, ["account", "provider"], (i) => [i.name === i.id || !i.id ? i.name : `${i.name} (${shortId(i.id)})`, i.provider ?? ""], "accounts");

  // untagged and the tag key inconsistency
  const u = s.untagged;
  out.out("");
  out.out(`Untagged: ${money(u.lastMonth.cost)} ${c} in ${month} (${pct(u.lastMonth.sharePercent)} of effective cost) has no team tag; ${money(u.window.cost)} (${pct(u.window.sharePercent)}) over ${s.trend.length} months`);
  const keys = u.teamKeys.map((k) => `\`${k.key}\` on ${money(k.cost)} (${count(k.lineItems)} line items)`).join(", ");
  out.out(`  the team tag has two keys in ${month}: ${keys}`);
  const clashes = caseClashes(u.teamKeys.flatMap((k) => k.values));
  out.out(`  ${clashes.length ? `and values differ in case (${clashes.slice(0, 3).join(", ")}${clashes.length > 3 ? ", …" : ""}); ` : ""}normalise them before allocating by team`);

  // trend
  out.out("");
  const top = maxMoney(s.trend.map((t) => t.effectiveCost));
  const trendRows = s.trend.map((t) => [`  ${t.month}`, money(t.billedCost), money(t.effectiveCost), bar(t.effectiveCost, top, 30)]);
  const [head, , ...body] = renderTable([`Monthly trend (${c})`, "billed cost", "effective cost", ""], trendRows, { rightAlign: [1, 2] }).split("\n");
  for (const line of [head, ...body]) out.out(line);

  // sources
  out.out("");
  out.out("Data sources");
  for (const line of sourceLines(s)) out.out(`  ${line}`);

  // conformance
  const f = s.conformance;
  const worst = [...f.failing].sort((a, b) => b.violations - a.violations).slice(0, 3).map((r) => `${r.id} ${count(r.violations)}`);
  out.out("");
  out.out(
    `FOCUS ${f.focusVersion} conformance of ${count(f.rowsChecked)} rows: ${f.failing.length} of ${f.rules} rules fail ` +
      `(${f.failedErrors} ${plural(f.failedErrors, "error")}, ${f.failedWarnings} ${plural(f.failedWarnings, "warning")}), ${f.passed} pass, ${f.notApplicable} not applicable`,
  );
  if (worst.length > 0) out.out(`  most rows: ${worst.join(", ")}${f.failing.length > 3 ? ", …" : ""}`);

  opts.beforeNextSteps?.();

  // next steps
  out.out("");
  out.out("Next steps");
  for (const line of nextSteps(s, opts.prefix)) out.out(`  ${line}`);
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** Values that appear in more than one letter case ("Data/data"). */
function caseClashes(values: readonly string[]): string[] {
  const byLower = new Map<string, Set<string>>();
  for (const v of values) {
    const set = byLower.get(v.toLowerCase()) ?? new Set<string>();
    set.add(v);
    byLower.set(v.toLowerCase(), set);
  }
  return [...byLower.values()].filter((s) => s.size > 1).map((s) => [...s].sort().join("/"));
}

/** One line per source: rows, money per currency, periods, billing accounts. */
function sourceLines(s: DemoSummary): string[] {
  const bySource = new Map<string, DemoSummary["sources"]>();
  for (const x of s.sources) bySource.set(x.source, [...(bySource.get(x.source) ?? []), x]);
  return [...bySource.entries()].map(([source, xs]) => {
    const rows = xs.reduce((a, x) => a + x.rows, 0);
    const perCurrency = new Map<string, string>();
    for (const x of xs) perCurrency.set(x.currency, addMoney(perCurrency.get(x.currency) ?? "0", x.billedCost));
    const moneyText = [...perCurrency.entries()].map(([cur, v]) => `${money(v)} ${cur}`).join(" + ");
    const first = xs.map((x) => x.firstPeriod).sort()[0] ?? "";
    const last = xs.map((x) => x.lastPeriod).sort().reverse()[0] ?? "";
    const names = [...new Set(xs.map((x) => x.billingAccountName || shortId(x.billingAccountId)))];
    const accounts = `${xs.length} billing ${plural(xs.length, "account")}: ${names.join(", ")}`;
    return `${source.padEnd(8)} ${count(rows).padStart(8)} rows  ${moneyText}  ${first === last ? first : `${first}..${last}`}  (${accounts})`;
  });
}

function printRanking(out: Output, r: Ranking, header: string[], cells: (i: Ranking["items"][number]) => string[], noun: string): void {
  const rows = r.items.map((i) => [...cells(i), money(i.cost), pct(i.sharePercent)]);
  const rest = r.groups - r.items.length;
  if (rest > 0) rows.push([`(${rest} other ${noun})`, ...header.slice(1).map(() => ""), money(r.rest), pct(percentOf(r.rest, r.total))]);
  const n = header.length;
  out.out(indent(renderTable([...header, "cost", "share"], rows, { rightAlign: [n, n + 1] })).join("\n"));
}

/** Long ids (Azure paths) shortened for the terminal: the last path segment, at most 14 characters. JSON keeps them whole. */
function shortId(id: string): string {
  const last = id.split("/").filter(Boolean).pop() ?? id;
  return last.length > 14 ? `${last.slice(0, 8)}…` : last;
}

/** Commands to try next on the demo store (each one runs as printed). */
export function nextSteps(s: DemoSummary, prefix: string): string[] {
  const store = shellQuote(displayPath(s.store));
  const base = `${prefix} --store ${store}`;
  const month = `--start ${s.lastMonth.start} --end ${s.lastMonth.end}`;
  const first = s.trend[0]?.month ?? addMonths(s.lastMonth.month, -11);
  return [
    `${base} query --metric EffectiveCost --group-by ServiceName ${month} --limit 10`,
    `${base} query --metric EffectiveCost --group-by SubAccountName,ServiceName --filter tag:team= --filter tag:Team= ${month} --limit 10`,
    `${base} query --metric EffectiveCost --group-by tag:team,tag:Team ${month}`,
    `${base} query --metric EffectiveCost --granularity month --start ${first}-01 --end ${s.lastMonth.end}`,
    `${base} report allocation --by team --granularity month`,
    `${base} --config ${shellQuote(displayPath(join(s.dataDir, DEMO_CONFIG_FILE)))} budget status`,
    `${base} --config ${shellQuote(displayPath(join(s.dataDir, DEMO_CONFIG_FILE)))} report unit-cost`,
    `${base} commitments`,
    `${base} report governance`,
    `${base} --config ${shellQuote(displayPath(join(s.dataDir, DEMO_CONFIG_FILE)))} review --month ${s.lastMonth.month}`,
    `${base} sources`,
    `${base} validate`,
  ];
}

/** The analyses, one line each, with the command that shows each one. */
export function printAnalyses(a: DemoAnalyses, out: Output): void {
  const pct = (r: string | null) => (r === null ? "n/a" : `${(Number(r) * 100).toFixed(1)}%`);
  const gs = a.governance.summary;
  out.out(
    `Anomalies: ${a.anomalies} found (${a.alerts} above the alert thresholds; costwise anomalies). Budgets: ${a.budgets.count} monthly budgets in ${displayPath(a.budgets.file)}; forecasts saved for ${a.forecasts} scope(s).`,
  );
  out.out(
    `Recommendations: ${a.recommendations} (costwise recommend; utilization is synthetic in the demo). Commitments: ${a.commitments.count} RI / Savings Plans, utilization ${pct(a.commitments.utilization)}, coverage ${pct(a.commitments.coverage)} (costwise commitments).`,
  );
  out.out(
    `Unit costs: ${a.metrics.rows} rows of daily business metrics (${displayPath(a.metrics.file)}) give cost per order and per 1,000 searches (costwise report unit-cost).`,
  );
  out.out(
    `Governance: the demo tag policy on ${gs.resources} resources of the demo estate: ${gs.compliant} compliant, ${gs.findings} findings (${gs.blocking} blocking), recorded as ${a.governance.scanId} (costwise report governance).`,
  );
  out.out(`Review: the monthly FinOps review of ${a.review.month} is kept (the dashboard's Reviews page; costwise review --month ${a.review.month} --format pdf prints it).`);
}

/** How the user ran us: `node bin/costwise.js` from a checkout, else the installed `costwise`. */
export function commandPrefix(): string {
  const script = process.argv[1] ?? "";
  if (basename(script) === "costwise.js") {
    const rel = relative(process.cwd(), script);
    return `node ${shellQuote(rel.startsWith("..") ? script : rel)}`;
  }
  return "costwise";
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The demo's closing section: spend by team (with unallocated) and tag coverage. */
export function printDemoAllocation(a: DemoAllocation, out: Output): void {
  out.out("");
  out.out(`Spend by team (allocation rules over tags and accounts; shared support and platform costs split by direct cost; ${a.run.lineItems.toLocaleString("en-US")} line items)`);
  out.out(
    renderTable(
      ["currency", "team", "billed", "of which shared", "share"],
      a.teams.rows.map((r) => {
        const total = a.teams.totals.find((t) => t.currency === r.currency)?.billedCost ?? "0";
        const pct = percentOfTotal(r.billedCost, total);
        return [r.currency, r.key, formatAmount(r.billedCost, { decimals: 2 }), formatAmount(r.sharedCost, { decimals: 2 }), pct === null ? "" : `${pct}%`];
      }),
      { rightAlign: [2, 3, 4] },
    ),
  );
  for (const t of a.teams.totals) {
    out.out(`Total ${t.currency} ${formatAmount(t.billedCost, { decimals: 2 })}: allocated + unallocated = billed, exactly (unallocated ${formatAmount(t.unallocated, { decimals: 2 })})`);
  }
  out.out("");
  out.out(`Tagged spend, ${a.coverage.rows[0]?.period ?? "no month"} (share of allocable EffectiveCost carrying the tag; target ${a.coverage.target}%)`);
  out.out(
    renderTable(
      ["currency", "tag", "spend", "tagged", "coverage", ""],
      a.coverage.rows.map((r) => [r.currency, r.tag, formatAmount(r.spend, { decimals: 2 }), formatAmount(r.tagged, { decimals: 2 }), r.percent === null ? "-" : `${r.percent}%`, r.meetsTarget === false ? "below target" : ""]),
      { rightAlign: [2, 3, 4] },
    ),
  );
}
