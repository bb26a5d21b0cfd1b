/**
 * AWS Cost Explorer connector: `GetCostAndUsage` daily, grouped, every page (NextPageToken) → FOCUS rows.
 *
 * 1. The window runs from the first day of the month that holds (today − lookbackDays) up to today
 *    (exclusive): whole billing months, so a re-sync replaces each fetched month completely (the ingest
 *    replaces a (source, billing account, billing period) partition atomically; nothing doubles).
 * 2. Every page is appended to an NDJSON file as the API returned it.
 * 3. DuckDB unnests the pages (days × groups) into a staged CSV with the `aws-ce` mapping's columns; the
 *    CSV goes through `ingestFiles` (control totals to the cent, one transaction). No row passes through JS.
 * 4. The days fetched and whether Cost Explorer marked each one Estimated are recorded
 *    (connector_ce_days): freshness stops before the first estimated day.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { CostExplorerClient, GetCostAndUsageCommand, type GroupDefinition } from "@aws-sdk/client-cost-explorer";
import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import type { AwsCostExplorerSource } from "../../core/config/sections/sources.js";
import { trimMoney } from "../../core/money.js";
import { ingestFiles } from "../ingest/ingest.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { readerPath } from "../store/duckdb/literal-path.js";
import { col, readRow } from "../store/read-rows.js";
import { CE_DAYS_TABLE } from "./tables.js";
import { awsCall, clientConfigFor, sqlTimestamp, stagingFolder, type ConnectorContext, type ConnectorResult } from "./context.js";

const DAY = 86_400_000;

/** The window fetched for `now`: [first of the month of now − lookback, today). Dates as YYYY-MM-DD. */
export function costExplorerWindow(now: Date, lookbackDays: number): { start: string; end: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const back = new Date(today - lookbackDays * DAY);
  const start = new Date(Date.UTC(back.getUTCFullYear(), back.getUTCMonth(), 1));
  return { start: start.toISOString().slice(0, 10), end: new Date(today).toISOString().slice(0, 10) };
}

const DIMENSION_COLUMNS: Record<string, string> = {
  SERVICE: "ce_service",
  LINKED_ACCOUNT: "ce_linked_account",
  REGION: "ce_region",
  USAGE_TYPE: "ce_usage_type",
};

export async function syncCostExplorer(ctx: ConnectorContext, source: AwsCostExplorerSource): Promise<ConnectorResult> {
  const config = clientConfigFor(source, ctx, "us-east-1");
  const client = new CostExplorerClient(config);
  const now = ctx.now ?? new Date();
  const window = costExplorerWindow(now, source.lookbackDays);
  if (window.start >= window.end) return { status: "empty", ingestIds: [], rowsLoaded: 0, message: "the window is empty (today is the first day fetched)" };
  const billingAccountId = source.billingAccountId ?? (await managementAccount(ctx, source)) ?? source.name;
  const groupBy: GroupDefinition[] = [
    ...source.groupBy.map((key) => ({ Type: "DIMENSION" as const, Key: key })),
    ...source.tagKeys.map((key) => ({ Type: "TAG" as const, Key: key })),
  ];
  const dir = stagingFolder(ctx, source.name);
  try {
    const pagesFile = join(dir, "pages.ndjson");
    const out = createWriteStream(pagesFile);
    let token: string | undefined;
    let pages = 0;
    try {
      do {
        const page = await awsCall(client, "Cost Explorer", "GetCostAndUsage", () =>
          client.send(
            new GetCostAndUsageCommand({
              TimePeriod: { Start: window.start, End: window.end },
              Granularity: "DAILY",
              Metrics: ["UnblendedCost", "AmortizedCost", "UsageQuantity"],
              GroupBy: groupBy,
              ...(token ? { NextPageToken: token } : {}),
            }),
          ),
        );
        pages++;
        const line = JSON.stringify({ ResultsByTime: page.ResultsByTime ?? [], DimensionValueAttributes: page.DimensionValueAttributes ?? [] });
        if (!out.write(`${line}\n`)) await once(out, "drain");
        token = page.NextPageToken || undefined;
        ctx.onProgress?.(`Cost Explorer page ${pages}${token ? " (more to come)" : ""}`);
      } while (token);
    } finally {
      out.end();
      await once(out, "close");
    }

    const csv = join(dir, `cost-explorer-${window.start}-${window.end}.csv`);
    const rows = await stageCostExplorerPages(ctx.store, pagesFile, csv, groupBy, billingAccountId);
    if (rows === 0) {
      return { status: "empty", ingestIds: [], rowsLoaded: 0, message: `no costs in ${window.start}..${window.end} (${pages} page${pages === 1 ? "" : "s"})` };
    }
    const result = await ingestFiles(ctx.store, [csv], { format: "aws-ce" });
    await recordDays(ctx, source.name, billingAccountId, pagesFile, now);
    return {
      status: "ok",
      ingestIds: [result.ingestId],
      rowsLoaded: result.rowsLoaded,
      message: `${window.start}..${window.end}: ${pages} page${pages === 1 ? "" : "s"}, ${result.rowsLoaded} rows, ${Object.entries(result.currencyTotals).map(([c, t]) => `${trimMoney(t)} ${c}`).join(", ")}${result.rowsReplaced ? `, replaced ${result.rowsReplaced} rows of the previous sync` : ""}`,
      details: { window, pages, billingAccountId, replaced: result.rowsReplaced, currencyTotals: result.currencyTotals },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The organization's management (payer) account, when the caller is in an organization. */
async function managementAccount(ctx: ConnectorContext, source: AwsCostExplorerSource): Promise<string | undefined> {
  const org = new OrganizationsClient(clientConfigFor({ ...source, maxAttempts: 2 }, ctx, "us-east-1"));
  try {
    const out = await org.send(new DescribeOrganizationCommand({}));
    return out.Organization?.MasterAccountId;
  } catch {
    // not in an organization, or no permission to ask: the rows are billed to the source's own name
    return undefined;
  }
}

const METRICS_TYPE = "MAP(VARCHAR, STRUCT(Amount VARCHAR, Unit VARCHAR))";
/** The parts of a GetCostAndUsage response the connector reads, typed for DuckDB's JSON reader. */
const PAGE_COLUMNS = `{ResultsByTime: 'STRUCT(TimePeriod STRUCT(Start VARCHAR, "End" VARCHAR), Estimated BOOLEAN, Groups STRUCT(Keys VARCHAR[], Metrics ${METRICS_TYPE})[], Total ${METRICS_TYPE})[]', DimensionValueAttributes: 'STRUCT("Value" VARCHAR, Attributes MAP(VARCHAR, VARCHAR))[]'}`;

/** DuckDB's reader over the pages file: one row per page, typed; the path bound literally (store/duckdb/literal-path.ts), so a TMPDIR with glob characters opens only this file. */
async function readPages(store: AnalysisStore, pagesFile: string): Promise<string> {
  return `read_json(${await readerPath(store, pagesFile)}, format = 'newline_delimited', maximum_object_size = 1073741824, columns = ${PAGE_COLUMNS})`;
}

/**
 * Stages Cost Explorer pages (an NDJSON file, one GetCostAndUsage response per line) as a CSV the aws-ce
 * mapping reads: one row per (day, group), or per day for a day with a total but no groups. Returns the
 * row count. Exported for the golden tests over saved responses and the benchmark.
 */
export async function stageCostExplorerPages(store: AnalysisStore, pagesFile: string, csv: string, groupBy: readonly GroupDefinition[], billingAccountId: string): Promise<number> {
  const t = `ce_stage_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const keyCols = groupBy.map((g, i) => {
    const key = `g.Keys[${i + 1}]`;
    if (g.Type === "TAG") return `nullif(substr(${key}, strpos(${key}, '$') + 1), '') AS ${quoteIdent(`ce_tag:${g.Key}`)}`;
    return `nullif(${key}, '') AS ${DIMENSION_COLUMNS[g.Key ?? ""] ?? quoteIdent(`ce_${String(g.Key).toLowerCase()}`)}`;
  });
  const nullKeys = groupBy.map((g) => (g.Type === "TAG" ? `NULL AS ${quoteIdent(`ce_tag:${g.Key}`)}` : `NULL AS ${DIMENSION_COLUMNS[g.Key ?? ""]}`));
  const hasAccount = groupBy.some((g) => g.Type === "DIMENSION" && g.Key === "LINKED_ACCOUNT");
  const m = (src: string, metric: string, field: "Amount" | "Unit") => `${src}[${quoteString(metric)}].${field}`;
  try {
    await store.run(`CREATE TEMP TABLE ${t}_days AS SELECT unnest(ResultsByTime) AS d FROM ${await readPages(store, pagesFile)}`);
    await store.run(`CREATE TEMP TABLE ${t}_rows AS
      SELECT d.TimePeriod.Start AS ce_start, d.TimePeriod."End" AS ce_end, coalesce(d.Estimated, false)::VARCHAR AS ce_estimated, ${keyCols.join(", ")},
             ${m("g.Metrics", "UnblendedCost", "Amount")} AS ce_unblended_cost, ${m("g.Metrics", "UnblendedCost", "Unit")} AS ce_currency,
             ${m("g.Metrics", "AmortizedCost", "Amount")} AS ce_amortized_cost,
             ${m("g.Metrics", "UsageQuantity", "Amount")} AS ce_usage_quantity, ${m("g.Metrics", "UsageQuantity", "Unit")} AS ce_usage_unit
      FROM (SELECT d, unnest(d.Groups) AS g FROM ${t}_days)
      UNION ALL BY NAME
      -- a day without groups but with a total (nothing to group by) keeps its money
      SELECT d.TimePeriod.Start, d.TimePeriod."End", coalesce(d.Estimated, false)::VARCHAR, ${nullKeys.join(", ")},
             ${m("d.Total", "UnblendedCost", "Amount")}, ${m("d.Total", "UnblendedCost", "Unit")}, ${m("d.Total", "AmortizedCost", "Amount")},
             ${m("d.Total", "UsageQuantity", "Amount")}, ${m("d.Total", "UsageQuantity", "Unit")}
      FROM ${t}_days WHERE coalesce(len(d.Groups), 0) = 0 AND ${m("d.Total", "UnblendedCost", "Amount")} IS NOT NULL`);
    if (hasAccount) {
      await store.run(`CREATE TEMP TABLE ${t}_names AS SELECT a."Value" AS v, any_value(a.Attributes['description']) AS n
        FROM (SELECT unnest(DimensionValueAttributes) AS a FROM ${await readPages(store, pagesFile)}) GROUP BY 1`);
    }
    // the payer account id is bound into a one-row table (COPY takes no parameters)
    await store.run(sql(`CREATE TEMP TABLE ${t}_payer AS SELECT CAST(? AS VARCHAR) AS id`, billingAccountId));
    // the target path is a bound parameter (COPY … TO ? takes one in DuckDB 1.5; a write target is not a glob)
    await store.run(sql(`COPY (
      SELECT r.*, ${hasAccount ? "names.n" : "NULL"} AS ce_linked_account_name, (SELECT id FROM ${t}_payer) AS ce_billing_account_id,
             strftime(date_trunc('month', ce_start::DATE), '%Y-%m-%d') AS ce_billing_period_start,
             strftime(date_trunc('month', ce_start::DATE) + INTERVAL 1 MONTH, '%Y-%m-%d') AS ce_billing_period_end
      FROM ${t}_rows r ${hasAccount ? `LEFT JOIN ${t}_names names ON names.v = r.ce_linked_account` : ""}
      ORDER BY ce_start) TO ? (FORMAT csv, HEADER true)`, csv));
    const n = await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM ${t}_rows`);
    return n?.n ?? 0;
  } finally {
    for (const x of ["days", "rows", "names", "payer"]) await store.run(`DROP TABLE IF EXISTS ${t}_${x}`).catch(() => undefined);
  }
}

/** Replaces the source's recorded days with the fetched window's, with Cost Explorer's Estimated flag. */
async function recordDays(ctx: ConnectorContext, sourceName: string, billingAccountId: string, pagesFile: string, now: Date): Promise<void> {
  await ctx.store.transaction(async () => {
    await ctx.store.run({ sql: `DELETE FROM ${CE_DAYS_TABLE} WHERE source_name = ?`, params: [sourceName] });
    await ctx.store.run({
      sql: `INSERT INTO ${CE_DAYS_TABLE}
            SELECT ?, ?, d.TimePeriod.Start::DATE, bool_or(coalesce(d.Estimated, false)), ?::TIMESTAMP
            FROM (SELECT unnest(ResultsByTime) AS d FROM ${await readPages(ctx.store, pagesFile)})
            GROUP BY 3`,
      params: [sourceName, billingAccountId, sqlTimestamp(now)],
    });
  });
}
