/**
 * `costwise demo`: generate a year of a fictional organisation's AWS and Azure bills, ingest them (and
 * the real FOCUS sample) into a fresh demo store, and print what a FinOps practitioner looks at first.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { DEMO_CONFIG_FILE, runDemoAnalyses, type DemoAnalyses } from "../../demo/analyses.js";
import { printDemoAllocation } from "./allocate.js";
import { existsSync, rmSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { Command, Option } from "commander";
import cliProgress from "cli-progress";
import { CostwiseError } from "../../core/errors.js";
import { addMoney } from "../../core/money.js";
import {
  addMonths,
  bar,
  DEFAULT_DEMO_DATA_DIR,
  DEMO_STORE_FILE,
  defaultFocusSamplePath,
  maxMoney,
  percentOf,
  query,
  runDemo,
  type Change,
  type DemoProgress,
  type DemoSummary,
  type Ranking,
} from "../../demo/run-demo.js";
import { displayPath } from "../../engine/ingest/files.js";
import { formatAmount } from "../../engine/query/run-query.js";
import { DuckDbStore } from "../../engine/store/duckdb-store.js";
import type { AnalysisStore } from "../../engine/store/cost-store.js";
import { EXIT, backendOf, globalOptions, setExit, stdio, usageError, withStore, type Output } from "../context.js";
import { openClickHouseFromConfig } from "../../engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../../engine/ingest/sinks/clickhouse.js";
import { replicaOptionsOf, syncReplica } from "../../engine/store/clickhouse/analysis-replica.js";
import type { IngestOptions } from "../../engine/ingest/ingest.js";
import { renderTable } from "../table.js";

interface DemoCliOptions {
  dataDir: string;
  seed: string;
  keepStore?: boolean;
  progress: boolean;
  months?: string;
  scale?: string;
  serve?: boolean;
  port: string;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("generate a year of demo AWS + Azure bills, ingest them into a fresh demo store and summarise it")
    .option("--data-dir <dir>", "where the demo bills are written (its aws-cur/ and focus/ are replaced)", DEFAULT_DEMO_DATA_DIR)
    .option("--seed <n>", "generator seed: the same seed gives the same bills", "42")
    .option("--keep-store", "ingest into the existing demo store instead of re-creating it (re-delivered periods replace themselves: totals do not change)")
    .option("--no-progress", "no progress bar, even on a terminal")
    .option("--serve", "end by serving the dashboard and API on the demo store (default when run from a terminal)")
    .option("--no-serve", "do not start the dashboard at the end")
    .option("--port <n>", "dashboard port for --serve (127.0.0.1)", "8787")
    .addOption(new Option("--months <n>", "billing months to generate (1-60)").hideHelp())
    .addOption(new Option("--scale <x>", "generator size factor").hideHelp())
    .addHelpText(
      "after",
      `
The store is the global --store when given, else <data-dir>/${DEMO_STORE_FILE}. It is re-created on every run
so the demo is repeatable; an existing --store holding data that is not the demo's is never deleted.
The real FOCUS sample (../shared/fixtures/focus/focus_sample.csv beside the package) is loaded too when present.

Examples:
  costwise demo
  costwise --json demo --seed 7 > demo-summary.json`,
    )
    .action(async (opts: DemoCliOptions, cmd: Command) => {
      const g = globalOptions(cmd);
      const seed = integer(opts.seed, "--seed");
      const months = opts.months === undefined ? undefined : integer(opts.months, "--months");
      const scale = opts.scale === undefined ? undefined : Number(opts.scale);
      if (scale !== undefined && !Number.isFinite(scale)) throw usageError(`--scale takes a number, not ${JSON.stringify(opts.scale)}`);
      if (months !== undefined && (months < 1 || months > 60)) throw usageError(`--months takes a whole number from 1 to 60, not ${months}`);

      const dataDir = resolve(opts.dataDir);
      const explicitStore = (cmd.optsWithGlobals() as { store?: string }).store;
      const storePath = resolve(explicitStore ?? join(dataDir, DEMO_STORE_FILE));
      if (!opts.keepStore) await freshStore(storePath, dataDir, explicitStore !== undefined);

      const reporter = g.json ? undefined : Boolean(process.stderr.isTTY) && opts.progress ? barReporter() : lineReporter();
      const t0 = performance.now();
      let analyses: DemoAnalyses | undefined;
      let demoConfig: CostwiseConfig | undefined;
      // a ClickHouse workspace loads the demo bills into ClickHouse; the analyses run on its replica (the demo store)
      const warehouse = backendOf(g) === "clickhouse" ? await openClickHouseFromConfig(g.workspace.config.store!.clickhouse!) : undefined;
      const summary = await withStore({ ...g, store: storePath }, async (store) => {
        const s = await runDemo(store, {
          ...(warehouse
            ? {
                ingest: async (paths: string[], o: IngestOptions) => {
                  const r = await ingestToClickHouse(warehouse, paths, o);
                  await syncReplica(warehouse, store, replicaOptionsOf(g.workspace.config.store!.clickhouse));
                  return r;
                },
              }
            : {}),
          dataDir,
          seed,
          ...(months !== undefined ? { months } : {}),
          ...(scale !== undefined ? { scale } : {}),
          ...(reporter ? { onProgress: reporter.update } : {}),
        });
        // every analysis the dashboard shows, through the real engine: allocation, anomalies, budgets and
        // forecasts (a demo costwise.yaml beside the store), recommendations, commitments, a governance scan
        const r = await runDemoAnalyses(store, s, { configDir: dataDir });
        analyses = r.analyses;
        demoConfig = r.config;
        return s;
      }).finally(async () => {
        reporter?.stop();
        await warehouse?.close();
      });
      const totalSeconds = (performance.now() - t0) / 1000;

      if (g.json) stdio.json({ ...summary, allocation: analyses?.allocation, analyses: analyses ? analysesJson(analyses) : undefined });
      else {
        const a = analyses;
        printSummary(summary, stdio, {
          totalSeconds,
          prefix: commandPrefix(),
          beforeNextSteps: () => {
            if (a) {
              printDemoAllocation(a.allocation, stdio);
              printAnalyses(a, stdio);
            }
          },
        });
      }
      if (!summary.check.loadedEqualsGenerated) {
        stdio.err("error: the loaded demo data does not match what was generated (a bug in costwise, please report it)");
        setExit(cmd, EXIT.failure);
        return;
      }
      const serve = opts.serve ?? (Boolean(process.stdout.isTTY) && !g.json);
      if (serve) await serveDemo(storePath, integer(opts.port, "--port"), g.json, demoConfig ? { config: demoConfig, baseDir: dataDir } : undefined);
    });
}

/** The analyses' counts for --json (the allocation is printed whole under `allocation`). */
function analysesJson(a: DemoAnalyses) {
  const { allocation: _allocation, ...rest } = a;
  return rest;
}

function printAnalyses(a: DemoAnalyses, out: Output): void {
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
}

/** `npm run demo` ends here: the dashboard on the demo store, until Ctrl-C. */
async function serveDemo(storePath: string, port: number, json: boolean, workspace: { config: CostwiseConfig; baseDir: string } | undefined): Promise<void> {
  const { startServer } = await import("../../server/serve.js");
  const { announce, waitForSignal } = await import("./serve.js");
  const store = await DuckDbStore.open(storePath);
  try {
    const running = await startServer(store, { store, host: "127.0.0.1", port, logLevel: "warn", ...(workspace ? { workspace } : {}) });
    announce(running.url, json);
    await waitForSignal();
    await running.close();
  } finally {
    await store.close();
  }
}

function integer(text: string, option: string): number {
  if (!/^-?\d{1,15}$/.test(text.trim())) throw usageError(`${option} takes a whole number, not ${JSON.stringify(text)}`);
  return Number(text.trim());
}

/**
 * Deletes the demo store so the run starts empty. A store named with --store that holds anything other
 * than demo data (files outside the data folder, other than the FOCUS sample) is left alone: usage error.
 */
async function freshStore(path: string, dataDir: string, explicit: boolean): Promise<void> {
  if (!existsSync(path)) return;
  if (explicit) {
    let foreign: string[];
    try {
      const store = await DuckDbStore.open(path, { readOnly: true });
      try {
        const r = await query(store, { metric: "BilledCost", groupBy: ["x_SourceFile"] });
        const sample = defaultFocusSamplePath();
        const mine = (f: string): boolean => f.startsWith(dataDir + sep) || f === sample || basename(f) === "focus_sample.csv";
        foreign = r.rows.map((row) => row["x_SourceFile"] ?? "").filter((f) => !mine(f));
      } finally {
        await store.close();
      }
    } catch (e) {
      throw new CostwiseError("USAGE", `${path} is not a costwise demo store (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); the demo starts from an empty store: give a new --store path`, { cause: e });
    }
    if (foreign.length > 0) {
      throw usageError(
        `the store ${displayPath(path)} holds cost data that is not the demo's (e.g. ${displayPath(foreign[0]!)}); the demo re-creates its store, ` +
          `so it will not touch this one: give a new --store path, or --keep-store to add the demo data to it`,
      );
    }
  }
  for (const p of [path, `${path}.wal`, `${path}.tmp`]) rmSync(p, { recursive: true, force: true });
}

// ─── progress (stderr) ──────────────────────────────────────────────────────────────────────────

interface Reporter {
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

function lineReporter(): Reporter {
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

function barReporter(): Reporter {
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
    `${base} sources`,
    `${base} validate`,
  ];
}

/** How the user ran us: `node bin/costwise.js` from a checkout, else the installed `costwise`. */
function commandPrefix(): string {
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
