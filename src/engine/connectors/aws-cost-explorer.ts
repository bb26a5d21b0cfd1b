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
import { createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { CostExplorerClient, GetCostAndUsageCommand, type GroupDefinition } from "@aws-sdk/client-cost-explorer";
import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import type { AwsCostExplorerSource } from "../../core/config/sections/sources.js";
import { trimMoney } from "../../core/money.js";
import { ingestFiles } from "../ingest/ingest.js";
import { quoteIdent, quoteString } from "../mapping/compile.js";
import type { DuckDbStore } from "../store/duckdb-store.js";
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

/** SQL over the raw pages: one row per (day, group), as the aws-ce mapping's columns. */
function pagesSql(pagesFile: string, groupBy: readonly GroupDefinition[], billingAccountId: string): string {
  const keyCols = groupBy.map((g, i) => {
    const key = `json_extract_string(g, '$.Keys[${i}]')`;
    if (g.Type === "TAG") return `nullif(substr(${key}, strpos(${key}, '$') + 1), '') AS ${quoteIdent(`ce_tag:${g.Key}`)}`;
    return `nullif(${key}, '') AS ${DIMENSION_COLUMNS[g.Key ?? ""] ?? quoteIdent(`ce_${String(g.Key).toLowerCase()}`)}`;
  });
  const nullKeys = groupBy.map((g) => (g.Type === "TAG" ? `NULL AS ${quoteIdent(`ce_tag:${g.Key}`)}` : `NULL AS ${DIMENSION_COLUMNS[g.Key ?? ""]}`));
  const hasAccount = groupBy.some((g) => g.Type === "DIMENSION" && g.Key === "LINKED_ACCOUNT");
  const metric = (src: string, m: string, f: string) => `json_extract_string(${src}, '$.Metrics.${m}.${f}')`;
  const total = (m: string, f: string) => `json_extract_string(d, '$.Total.${m}.${f}')`;
  return `
    WITH pages AS (SELECT json AS j FROM read_json_objects(${quoteString(pagesFile)}, format = 'newline_delimited')),
    days AS (SELECT unnest(from_json(json_extract(j, 'ResultsByTime'), '["JSON"]')) AS d FROM pages),
    grouped AS (
      SELECT json_extract_string(d, '$.TimePeriod.Start') AS ce_start, json_extract_string(d, '$.TimePeriod.End') AS ce_end, coalesce(json_extract_string(d, '$.Estimated'), 'false') AS ce_estimated,
             unnest(from_json(coalesce(json_extract(d, 'Groups'), '[]'), '["JSON"]')) AS g
      FROM days),
    rows AS (
      SELECT ce_start, ce_end, ce_estimated, ${keyCols.join(", ")},
             ${metric("g", "UnblendedCost", "Amount")} AS ce_unblended_cost, ${metric("g", "UnblendedCost", "Unit")} AS ce_currency,
             ${metric("g", "AmortizedCost", "Amount")} AS ce_amortized_cost,
             ${metric("g", "UsageQuantity", "Amount")} AS ce_usage_quantity, ${metric("g", "UsageQuantity", "Unit")} AS ce_usage_unit
      FROM grouped
      UNION ALL BY NAME
      -- a day without groups but with a total (no grouping matched) keeps its money
      SELECT json_extract_string(d, '$.TimePeriod.Start'), json_extract_string(d, '$.TimePeriod.End'), coalesce(json_extract_string(d, '$.Estimated'), 'false'), ${nullKeys.join(", ")},
             ${total("UnblendedCost", "Amount")}, ${total("UnblendedCost", "Unit")}, ${total("AmortizedCost", "Amount")},
             ${total("UsageQuantity", "Amount")}, ${total("UsageQuantity", "Unit")}
      FROM days WHERE json_array_length(coalesce(json_extract(d, 'Groups'), '[]')) = 0 AND ${total("UnblendedCost", "Amount")} IS NOT NULL
    )
    ${
      hasAccount
        ? `, names AS (
      SELECT json_extract_string(a, '$.Value') AS v, any_value(json_extract_string(a, '$.Attributes.description')) AS n
      FROM (SELECT unnest(from_json(coalesce(json_extract(j, 'DimensionValueAttributes'), '[]'), '["JSON"]')) AS a FROM pages) GROUP BY 1)`
        : ""
    }
    SELECT rows.*, ${hasAccount ? "names.n" : "NULL"} AS ce_linked_account_name, ${quoteString(billingAccountId)} AS ce_billing_account_id,
           strftime(date_trunc('month', ce_start::DATE), '%Y-%m-%d') AS ce_billing_period_start,
           strftime(date_trunc('month', ce_start::DATE) + INTERVAL 1 MONTH, '%Y-%m-%d') AS ce_billing_period_end
    FROM rows ${hasAccount ? "LEFT JOIN names ON names.v = rows.ce_linked_account" : ""}
    ORDER BY ce_start`;
}

/**
 * Stages Cost Explorer pages (an NDJSON file, one GetCostAndUsage response per line) as a CSV the aws-ce
 * mapping reads; returns its row count. Exported for the golden tests over saved responses.
 */
export async function stageCostExplorerPages(store: DuckDbStore, pagesFile: string, csv: string, groupBy: readonly GroupDefinition[], billingAccountId: string): Promise<number> {
  const sql = pagesSql(pagesFile, groupBy, billingAccountId);
  await store.run(`COPY (${sql}) TO ${quoteString(csv)} (FORMAT csv, HEADER true)`);
  const n = await store.all(`SELECT count(*)::BIGINT AS n FROM (${sql})`);
  return Number(n[0]?.["n"] ?? 0);
}

/** Replaces the source's recorded days with the fetched window's, with Cost Explorer's Estimated flag. */
async function recordDays(ctx: ConnectorContext, sourceName: string, billingAccountId: string, pagesFile: string, now: Date): Promise<void> {
  await ctx.store.transaction(async () => {
    await ctx.store.run({ sql: `DELETE FROM ${CE_DAYS_TABLE} WHERE source_name = ?`, params: [sourceName] });
    await ctx.store.run({
      sql: `INSERT INTO ${CE_DAYS_TABLE}
            SELECT ?, ?, (json_extract_string(d, '$.TimePeriod.Start'))::DATE, bool_or(coalesce((json_extract_string(d, '$.Estimated'))::BOOLEAN, false)), ?::TIMESTAMP
            FROM (SELECT unnest(from_json(json_extract(json, 'ResultsByTime'), '["JSON"]')) AS d FROM read_json_objects(${quoteString(pagesFile)}, format = 'newline_delimited'))
            GROUP BY 3`,
      params: [sourceName, billingAccountId, sqlTimestamp(now)],
    });
  });
}
