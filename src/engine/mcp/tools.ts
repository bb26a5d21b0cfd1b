/**
 * costwise as a Model Context Protocol server: the tools and resources an AI agent calls, over stdio
 * (`costwise mcp`, src/cli/commands/mcp-actions.ts) or streamable HTTP (`/mcp` under `costwise serve`,
 * src/server/mcp/http.ts). Both build the same server here; only how the store is reached and who calls differ.
 *
 * One definition per number: every tool calls the engine function the CLI's `--json` output comes from (named in
 * each tool's comment), never a query of its own, so an agent's answer equals `costwise … --json` to the digit.
 * Results are JSON with money as decimal strings and, for the tools that read the bill, the data's last complete day
 * (`lastCompleteDay`, engine/store/sources.ts: where charts and detectors stop).
 *
 * Access, as the REST API's route policies (server/auth.ts), deny by default:
 *   - a tool is `scoped` (a team-bound caller is narrowed to its team: allocation, anomalies of its team's owner
 *     monitors, recommendations it owns, policy_check and explain_mapping which read no costs) or `org` (reads
 *     organisation-wide data: refused to team-bound callers with the API's TEAM_SCOPE message);
 *   - changing a recommendation's status needs the admin role (the stdio user is the local admin).
 *
 * Order of operations in every tool call: check the caller against the tool's policy, check the arguments (the
 * schema's shapes here; everything else by the same engine code as the CLI), open a reader (or the writer for a
 * status change), run the engine function, shape the CLI's JSON, add lastCompleteDay. Any error becomes an MCP tool
 * error (isError) carrying the CostwiseError's message as the CLI prints it after "error: ", secrets redacted.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { UNALLOCATED } from "../../core/allocation/model.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { CostwiseError, describeSystemError, isCostwiseError, systemErrorKind } from "../../core/errors.js";
import { FOCUS_COLUMNS } from "../../core/focus/columns.js";
import { RECOMMENDATION_STATUSES, RECOMMENDATION_TYPES, type RecommendationStatus } from "../../core/optimize/recommendation-model.js";
import { parseQueryArgs, toQueryInput } from "../../core/query/cost-query.js";
import { GRANULARITIES, QUERY_METRICS } from "../../core/query/cost-query.js";
import { redactSecrets } from "../../core/redact.js";
import { SUMMARY_GRANULARITIES, allocationSummary, type SummaryGranularity } from "../allocation/reports.js";
import { budgetStatus } from "../detect/budget-status.js";
import { anomalyTeam } from "../detect/feedback.js";
import { forecastScope, type ForecastScopeDef } from "../detect/forecast-scope.js";
import { defaultMonitors, detectionConfig, listAnomalies } from "../detect/monitors.js";
import { fxContextOf } from "../fx/convert.js";
import { runPolicyCheck } from "../governance/check.js";
import { loadPolicyFile, parsePolicy, type LoadedPolicy } from "../governance/load-policy.js";
import { KPI_DEFINITIONS, kpiSettings } from "../kpi/definitions.js";
import { COVERAGE_DIMENSIONS, taggedSpend, type CoverageDimension } from "../kpi/tagged-spend.js";
import { coverageTable, describeMapping } from "../mapping/describe.js";
import { MAPPINGS, SOURCE_FORMATS, isSourceFormat } from "../mapping/registry.js";
import { budgetImpact, estimateResources, parsePlanText } from "../estimate/run.js";
import { commitmentReport } from "../optimize/commitment-analysis.js";
import { listRecommendations, setRecommendationStatus } from "../optimize/recommendation-store.js";
import { runApiQuery } from "../query/api-query.js";
import { queryOrThrow, runCostQuery, withReportingCurrency } from "../query/run-query.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { lastCompleteDay } from "../store/sources.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Who calls: the stdio user (local admin), or the HTTP request's token. */
export interface McpCaller {
  name: string;
  role: "admin" | "viewer";
  /** A team-bound token's team: it sees only that team's costs. */
  team: string | null;
}

/** How the tools reach the store and the workspace; the transports provide it. */
export interface McpBackend {
  workspace: { config: CostwiseConfig; baseDir: string; file?: string | undefined };
  caller: McpCaller;
  /** Runs `fn` on a store for reading (a reader of the server's pool, or the store the stdio server opens). */
  read<T>(fn: (store: AnalysisStore) => Promise<T>): Promise<T>;
  /** Runs `fn` on the writer (serialised with the server's other writes); the server's caches are dropped after. */
  write<T>(fn: (store: AnalysisStore) => Promise<T>): Promise<T>;
  /**
   * True when the server's daily rollup is built: query_costs then answers as the API's explorer does (runApiQuery:
   * from the rollup when it holds the query exactly, the same numbers to the digit), else from the line items.
   */
  rollupReady?: () => boolean;
  /** Version shown to clients (default the CLI's, cli/main.ts). */
  version?: string;
}

/** The tools, in the order `tools/list` shows them. */
export const MCP_TOOLS = [
  "query_costs",
  "allocation",
  "anomalies",
  "forecast",
  "budgets",
  "recommendations",
  "tag_coverage",
  "commitments",
  "policy_check",
  "estimate",
  "explain_mapping",
] as const;
export type McpToolName = (typeof MCP_TOOLS)[number];

/** Resources: reference text an agent reads to use the tools well. */
export const MCP_RESOURCES = { focusColumns: "costwise://focus/columns", kpiDefinitions: "costwise://kpi/definitions" } as const;

type Scope = "scoped" | "org";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;
const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const day = (what: string) => z.string().regex(DAY, "a date YYYY-MM-DD such as 2024-09-01").describe(what);
const month = (what: string) => z.string().regex(MONTH, "a month YYYY-MM such as 2024-09").describe(what);
const dateOrTime = (what: string) => z.string().regex(DATE_OR_TIME, "an ISO date (YYYY-MM-DD) or UTC date-time").describe(what);
const name = (what: string, max = 200) => z.string().min(1).max(max).describe(what);

/** The message a CLI user reads after "error: " (reportError in cli/context.ts), redacted; the same rule for system errors. */
export function toolErrorMessage(e: unknown): string {
  if (isCostwiseError(e)) return redactSecrets(e.message);
  const err = e instanceof Error ? e : new Error(String(e));
  const system = systemErrorKind(err);
  if (system) return redactSecrets(`${describeSystemError(system)}: ${err.message.split("\n")[0]}`);
  return redactSecrets(`internal error (a bug in costwise, please report it): ${err.message}`);
}

function ok(value: unknown): CallToolResult {
  const structured = (value !== null && typeof value === "object" && !Array.isArray(value) ? value : { result: value }) as Record<string, unknown>;
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}

function fail(e: unknown): CallToolResult {
  return { content: [{ type: "text", text: toolErrorMessage(e) }], isError: true };
}

/** The API's refusal of a team-bound token on an organisation-wide read (server/auth.ts), worded for a tool. */
function teamScopeError(team: string, tool: string): CostwiseError {
  return new CostwiseError(
    "USAGE",
    `this token is bound to team ${JSON.stringify(team)} and the ${tool} tool reads unallocated or organisation-wide data; use the allocation, anomalies or recommendations tools`,
  );
}

/** Builds the MCP server for one caller (a stdio session, or one HTTP request). */
export function createMcpServer(b: McpBackend): McpServer {
  const server = new McpServer(
    { name: "costwise", version: b.version ?? "0.1.0" },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "costwise: FinOps cost data in the FOCUS shape. Money is a decimal string in the bill's currency (never add amounts of different currencies). " +
        "Dates are ISO (YYYY-MM-DD), windows are start inclusive, end exclusive. Each cost answer carries lastCompleteDay: days after it are still being delivered. " +
        `Read ${MCP_RESOURCES.focusColumns} for the dimensions query_costs groups and filters by.`,
    },
  );
  const { caller, workspace } = b;
  const fx = fxContextOf(workspace);

  /** Registers a tool whose handler runs under its access policy and turns every error into a tool error. */
  const tool = <S extends z.ZodRawShape>(
    toolName: McpToolName,
    scope: Scope,
    description: string,
    shape: S,
    run: (args: z.infer<z.ZodObject<S>>) => Promise<unknown>,
    readOnly = true,
  ): void => {
    server.registerTool(
      toolName,
      { description, inputSchema: shape, annotations: { readOnlyHint: readOnly, openWorldHint: false } },
      // the SDK types the callback's arguments from the shape; run() is typed the same way
      (async (args: z.infer<z.ZodObject<S>>): Promise<CallToolResult> => {
        try {
          if (scope === "org" && caller.team !== null) throw teamScopeError(caller.team, toolName);
          return ok(await run(args));
        } catch (e) {
          return fail(e);
        }
      }) as never,
    );
  };

  /** A read that carries the data's last complete day. */
  const withFreshness = async <T extends object>(fn: (store: AnalysisStore) => Promise<T>): Promise<{ lastCompleteDay: string | null } & T> =>
    b.read(async (store) => {
      const value = await fn(store);
      return { lastCompleteDay: await lastCompleteDay(store), ...value };
    });

  // ─── query_costs: `costwise query --json` (core/query parseQueryArgs → engine/query runCostQuery; runApiQuery under serve) ───
  tool(
    "query_costs",
    "org",
    "Sum a cost metric over the FOCUS cost table, grouped by dimensions or tags, filtered, per day/month. Same as `costwise query --json`: rows and totals as exact decimal strings, one total per currency.",
    {
      metric: z.string().max(64).optional().describe(`metric to sum: ${QUERY_METRICS.join(", ")} (default BilledCost)`),
      group_by: z.array(z.string().max(600)).max(16).optional().describe("dimensions (FOCUS column names such as ServiceName, SubAccountName, RegionId) or tag:<key>"),
      filters: z.array(z.string().max(4096)).max(64).optional().describe('filters, all must hold: "ProviderName=AWS", "tag:env in prod,staging", "tag:team=" (no team tag), "ServiceName!=Amazon S3"'),
      start: dateOrTime("window start on ChargePeriodStart, inclusive (ISO date, UTC)").optional(),
      end: dateOrTime("window end, exclusive (ISO date, UTC)").optional(),
      granularity: z.string().max(16).optional().describe(`time buckets: ${GRANULARITIES.join(", ")} (default none)`),
      order: z.array(z.string().max(600)).max(16).optional().describe("key[:asc|:desc], key = metric, period or a group-by dimension"),
      limit: z.number().int().min(1).max(100_000).optional().describe("at most this many rows (totals still cover every row)"),
      currency: z.string().max(8).optional().describe("report money in this ISO 4217 currency, converted with the configured fx rates"),
    },
    async (a) => {
      const query = withReportingCurrency(
        queryOrThrow(
          parseQueryArgs({
            ...(a.metric !== undefined ? { metric: a.metric } : {}),
            groupBy: a.group_by ?? [],
            filter: a.filters ?? [],
            ...(a.start !== undefined ? { start: a.start } : {}),
            ...(a.end !== undefined ? { end: a.end } : {}),
            ...(a.granularity !== undefined ? { granularity: a.granularity } : {}),
            order: a.order ?? [],
            ...(a.limit !== undefined ? { limit: String(a.limit) } : {}),
            ...(a.currency !== undefined ? { currency: a.currency } : {}),
          }),
        ),
        fx,
      );
      return withFreshness(async (store) => {
        const r = b.rollupReady?.() ? await runApiQuery(store, query, true, fx) : await runCostQuery(store, query, {}, fx);
        return { query: toQueryInput(query), columns: r.columns, rows: r.rows, totals: r.totals, truncated: r.truncated, ...(r.fx ? { fx: r.fx } : {}) };
      });
    },
  );

  // ─── allocation: `costwise report allocation --json` (engine/allocation/reports.ts allocationSummary) ───
  tool(
    "allocation",
    "scoped",
    `Showback by owner after allocation: billed, effective and shared cost per team (or another owner dimension), with the ${UNALLOCATED} bucket. Same as \`costwise report allocation --json\`. A team-bound token sees its own team only.`,
    {
      by: name("an owner dimension (team, product, environment, cost_center, ...) or team, rule_id, shared_pool, service_name, sub_account_id (default team)", 134).optional(),
      granularity: z.enum(SUMMARY_GRANULARITIES).optional().describe("period column: none (default), day or month"),
      from: day("first charge date, inclusive").optional(),
      to: day("end charge date, exclusive").optional(),
      team: name("only this primary owner").optional(),
      currency: z.string().max(8).optional().describe("money in this ISO 4217 currency, converted with the configured fx rates (default fx.reportingCurrency)"),
    },
    async (a) => {
      if (caller.team !== null && a.team !== undefined && a.team !== caller.team) {
        throw new CostwiseError("USAGE", `this token is bound to team ${JSON.stringify(caller.team)}: it cannot read team ${JSON.stringify(a.team)}`);
      }
      const team = caller.team ?? a.team;
      const currency = a.currency?.trim().toUpperCase() ?? fx?.config.reportingCurrency;
      if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw new CostwiseError("USAGE", `currency must be an ISO 4217 code (three capital letters, e.g. USD), got "${currency}"`);
      const summary = await withFreshness((store) =>
        allocationSummary(store, {
          by: a.by ?? "team",
          granularity: (a.granularity ?? "none") as SummaryGranularity,
          ...(currency !== undefined ? { currency, fx } : {}),
          ...(a.from !== undefined ? { from: a.from } : {}),
          ...(a.to !== undefined ? { to: a.to } : {}),
          ...(team !== undefined ? { team } : {}),
        }),
      );
      return { ...summary, scope: { team: caller.team } };
    },
  );

  // ─── anomalies: `costwise anomalies --json` (engine/detect/monitors.ts listAnomalies) ───
  const monitors = () => detectionConfig(workspace.config).monitors ?? defaultMonitors(true);
  tool(
    "anomalies",
    "scoped",
    "Cost anomalies recorded by `costwise detect`, newest first: actual vs expected, impact (decimal string), severity and root cause (the dimension values that moved). Same as `costwise anomalies --json`. A team-bound token sees its team's owner-monitor anomalies only.",
    {
      since: day("anomalies that started on or after this day").optional(),
      monitor: name("only this monitor (detection.monitors)").optional(),
      alerts_only: z.boolean().optional().describe("only anomalies that raised an alert"),
      limit: z.number().int().min(1).max(1000).optional().describe("at most this many (default 100)"),
    },
    async (a) => {
      const q = { ...(a.since ? { since: a.since } : {}), ...(a.monitor ? { monitor: a.monitor } : {}), alertsOnly: Boolean(a.alerts_only), limit: a.limit ?? 100 };
      return withFreshness(async (store) => {
        const rows = await listAnomalies(store, q);
        const mine = caller.team === null ? rows : rows.filter((r) => anomalyTeam(r, monitors()) === caller.team);
        return { anomalies: mine };
      });
    },
  );

  // ─── forecast: `costwise forecast --json` (engine/detect/forecast-scope.ts forecastScope, never saved) ───
  tool(
    "forecast",
    "org",
    "Month-end, quarter-end, year-end and monthly spend forecasts with 80% and 95% intervals, for the whole store, a budget's scope or filters. Same as `costwise forecast --json` (nothing is saved).",
    {
      budget: name("forecast this budget's scope (detection.budgets)").optional(),
      filters: z.array(z.string().max(4096)).max(64).optional().describe('scope filters, as query_costs filters ("tag:team=payments")'),
      months: z.number().int().min(1).max(12).optional().describe("monthly forecasts ahead (default detection.forecast.months)"),
      as_of: day("forecast as of this day (default: the last complete day)").optional(),
    },
    async (a) => {
      const d = detectionConfig(workspace.config);
      let defs: ForecastScopeDef[];
      if (a.budget !== undefined) {
        const bud = d.budgets.find((x) => x.name === a.budget);
        if (!bud) throw new CostwiseError("BAD_CONFIG", `no budget named ${JSON.stringify(a.budget)} in detection.budgets (${d.budgets.map((x) => x.name).join(", ") || "none configured"})`);
        defs = [{ name: `budget:${bud.name}`, scope: bud.scope }];
      } else if (a.filters?.length) defs = [{ name: `filter:${a.filters.join(";")}`, scope: { filters: a.filters } }];
      else defs = [{ name: "total" }];
      return withFreshness(async (store) => {
        const forecasts = [];
        for (const def of defs) forecasts.push(...(await forecastScope(store, def, { metric: d.metric, months: a.months ?? d.forecast.months, persist: false, ...(a.as_of ? { asOf: a.as_of } : {}) })));
        return { forecasts };
      });
    },
  );

  // ─── budgets: `costwise budget status --json` (engine/detect/budget-status.ts budgetStatus, records nothing) ───
  tool(
    "budgets",
    "org",
    "Budgets from costwise.yaml: amount, actual to date, burn, period-end forecast, thresholds crossed, days left. Same as `costwise budget status --json` (records nothing).",
    { as_of: day("status as of this day (default: the data's last complete day)").optional() },
    async (a) =>
      withFreshness(async (store) => ({
        budgets: await budgetStatus(store, workspace.config, { persist: false, baseDir: workspace.baseDir, ...(a.as_of ? { asOf: a.as_of } : {}) }),
      })),
  );

  // ─── recommendations: `costwise recommend list --json`; accept/dismiss/done/reopen as `costwise recommend <action>` ───
  tool(
    "recommendations",
    "scoped",
    "Optimization recommendations (rightsizing, idle, commitments) with monthly savings as decimal strings, owner and status. Same as `costwise recommend list --json`. " +
      "action accept | dismiss (reason required) | done | reopen changes one recommendation's status: admin callers only. A team-bound token lists its own team's (owner) recommendations.",
    {
      action: z.enum(["list", "accept", "dismiss", "done", "reopen"]).optional().describe("list (default), or a status change of recommendation `id`"),
      id: z.string().max(64).optional().describe("the recommendation's id (for a status change)"),
      reason: z.string().max(2000).optional().describe("why (required to dismiss)"),
      status: z.array(z.enum(RECOMMENDATION_STATUSES)).optional().describe("only these statuses"),
      type: z.array(z.enum(RECOMMENDATION_TYPES)).optional().describe("only these types"),
      owner: name("only this owner (team)").optional(),
      all: z.boolean().optional().describe("include recommendations the latest run no longer found"),
    },
    async (a) => {
      const action = a.action ?? "list";
      if (action === "list") {
        if (caller.team !== null && a.owner !== undefined && a.owner !== caller.team) {
          throw new CostwiseError("USAGE", `this token is bound to team ${JSON.stringify(caller.team)}: it cannot read owner ${JSON.stringify(a.owner)}`);
        }
        const owner = caller.team ?? a.owner;
        return withFreshness(async (store) => ({
          recommendations: await listRecommendations(store, {
            ...(a.status ? { status: a.status as RecommendationStatus[] } : {}),
            ...(a.type ? { type: a.type } : {}),
            ...(owner !== undefined ? { owner } : {}),
            includeResolved: Boolean(a.all),
          }),
        }));
      }
      if (caller.role !== "admin" || caller.team !== null) throw new CostwiseError("USAGE", "changing a recommendation's status needs a token with the admin role");
      if (a.id === undefined) throw new CostwiseError("USAGE", `${action} needs the recommendation's id`);
      if (action === "dismiss" && !a.reason) throw new CostwiseError("USAGE", `dismiss needs --reason "<why>"`);
      const to: RecommendationStatus = action === "accept" ? "accepted" : action === "dismiss" ? "dismissed" : action === "done" ? "done" : "open";
      const id = a.id;
      return { recommendation: await b.write((store) => setRecommendationStatus(store, id, to, a.reason)) };
    },
  );

  // ─── tag_coverage: `costwise report coverage --json` (engine/kpi/tagged-spend.ts taggedSpend) ───
  tool(
    "tag_coverage",
    "org",
    "Tagged spend: each required tag's share of a billing month's allocable EffectiveCost (tax, credits and adjustments apart), against the KPI target, with the top untagged resources. Same as `costwise report coverage --json`.",
    {
      by: z.enum(COVERAGE_DIMENSIONS).optional().describe("split by account, service or team (default none)"),
      month: month("one billing month (default: every month)").optional(),
      tags: z.array(name("a tag key", 512)).max(50).optional().describe("required tags (default allocation.coverage.requiredTags and kpis.taggedSpend.tag)"),
      top: z.number().int().min(0).max(1000).optional().describe("untagged resources to list (default 10)"),
    },
    async (a) =>
      withFreshness((store) =>
        taggedSpend(store, workspace, { by: (a.by ?? "none") as CoverageDimension, top: a.top ?? 10, ...(a.tags ? { tags: a.tags } : {}), ...(a.month !== undefined ? { month: a.month } : {}) }),
      ),
  );

  // ─── commitments: `costwise commitments --json` (engine/optimize/commitment-analysis.ts commitmentReport) ───
  tool(
    "commitments",
    "org",
    "Reserved Instance and Savings Plan utilization, coverage, net savings, effective savings rate and expiry, per commitment and overall. Same as `costwise commitments --json`.",
    {
      start: dateOrTime("window start, inclusive (default: 30 days before the bill's last charge)").optional(),
      end: dateOrTime("window end, exclusive").optional(),
    },
    async (a) => {
      const time = (v: string | undefined, what: string): Date | undefined => {
        if (v === undefined) return undefined;
        const d = new Date(/T/.test(v) ? (/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`) : `${v}T00:00:00Z`);
        if (Number.isNaN(d.getTime())) throw new CostwiseError("USAGE", `${what} must be a date YYYY-MM-DD or a UTC date-time, got ${JSON.stringify(v)}`);
        return d;
      };
      const start = time(a.start, "start");
      const end = time(a.end, "end");
      const cfg = workspace.config.optimization ?? optimizationDefaults();
      return withFreshness((store) => commitmentReport(store, cfg, { ...(start ? { start } : {}), ...(end ? { end } : {}) }));
    },
  );

  // ─── policy_check: `costwise policy check --json` (engine/governance/check.ts runPolicyCheck) ───
  tool(
    "policy_check",
    "scoped",
    "Check a Terraform plan (JSON of `terraform show -json plan.out`) or Terraform .tf text against the tag policy (governance.policy in costwise.yaml, or the policy YAML given): findings with severity, rule and resource, whether they block, and the resources skipped with the reason. Same as `costwise policy check --json`.",
    {
      plan_json: z.string().max(20_000_000).optional().describe("Terraform plan JSON text"),
      tf: z.string().max(5_000_000).optional().describe("Terraform configuration (.tf) text, one module"),
      policy: z.string().max(1_000_000).optional().describe("policy YAML text (default: the workspace's governance.policy)"),
      now: dateOrTime("evaluate exemptions as of this time (default now)").optional(),
    },
    async (a) => {
      if ((a.plan_json === undefined) === (a.tf === undefined)) throw new CostwiseError("USAGE", "give one of plan_json (a Terraform plan JSON) or tf (.tf text)");
      let loaded: LoadedPolicy;
      if (a.policy !== undefined) loaded = parsePolicy(a.policy, "policy.yaml");
      else {
        const p = workspace.config.governance?.policy;
        if (!p) throw new CostwiseError("USAGE", "no policy file: pass policy (YAML text) or set governance.policy in costwise.yaml");
        loaded = loadPolicyFile(resolve(workspace.baseDir, p));
      }
      const now = a.now === undefined ? new Date() : new Date(/T/.test(a.now) ? a.now : `${a.now}T00:00:00Z`);
      if (Number.isNaN(now.getTime())) throw new CostwiseError("USAGE", `now must be a date or UTC date-time, got ${JSON.stringify(a.now)}`);
      // the check reads files: the text goes into a private folder of its own (also the root module directory, so no
      // other .tf file is looked at), and the folder's name is taken out of the answer again
      const input = a.plan_json !== undefined ? "plan.json" : "main.tf";
      const dir = mkdtempSync(join(tmpdir(), "costwise-mcp-check-"));
      try {
        const file = join(dir, input);
        writeFileSync(file, a.plan_json ?? a.tf!, { mode: 0o600 });
        const { policy, input: read, result } = await runPolicyCheck([file], loaded, { now, configDir: dir });
        const answer = { policy: policy.file, inputs: [input], notes: read.notes, summary: result.summary, blocking: result.blocking, findings: result.findings, exempted: result.exempted, expiredExemptions: result.expiredExemptions, skipped: result.skipped };
        return JSON.parse(JSON.stringify(answer).split(JSON.stringify(file).slice(1, -1)).join(input).split(JSON.stringify(dir).slice(1, -1)).join(".")) as typeof answer;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  // ─── estimate: `costwise estimate plan.json --json` (engine/estimate/run.ts estimateResources + budgetImpact) ───
  tool(
    "estimate",
    "scoped",
    "Estimate the monthly cost change of a Terraform plan (JSON of `terraform show -json plan.out`): per resource and component, priced from the bill's own rates first, then the shipped list prices, with owners and the budgets the change would cross. Same as `costwise estimate plan.json --json` (nothing recorded). A team-bound token sees the budget impact of its own team only.",
    {
      plan_json: z.string().min(1).max(20_000_000).describe("Terraform plan JSON text"),
      region: z.string().max(64).optional().describe("region for resources whose provider names none"),
    },
    async (a) => {
      const file = "plan.json";
      const resources = parsePlanText(a.plan_json, file, a.region ?? null);
      return b.read(async (store) => {
        const run = await estimateResources(resources, { store, config: workspace.config, baseDir: workspace.baseDir }, []);
        const e = run.estimate;
        const budgets = (await budgetImpact(store, workspace.config, e, workspace.baseDir)).filter((x) => caller.team === null || x.owner === caller.team);
        return {
          lastCompleteDay: await lastCompleteDay(store),
          currency: e.currency,
          totalMonthlyCost: e.totalMonthlyCost,
          totalPreviousMonthlyCost: e.totalPreviousMonthlyCost,
          totalMonthlyDelta: e.totalMonthlyDelta,
          resources: e.resources,
          owners: e.owners,
          unpriced: e.unpriced,
          budgets,
          notes: run.notes,
        };
      });
    },
  );

  // ─── explain_mapping: `costwise mappings [<format>] --json` (engine/mapping/describe.ts describeMapping) ───
  tool(
    "explain_mapping",
    "scoped",
    `How a billing format's columns become FOCUS, rule by rule (the source columns each FOCUS column is read from, checks, the control total). Same as \`costwise mappings <format> --json\`. Formats: ${SOURCE_FORMATS.join(", ")}; without one, the list with coverage.`,
    {
      format: z.string().max(64).optional().describe(`a source format: ${SOURCE_FORMATS.join(", ")}`),
      column: z.string().max(200).optional().describe("only the rules producing this FOCUS column or reading this source column (case-insensitive)"),
    },
    async (a) => {
      if (a.format === undefined) {
        const descs = SOURCE_FORMATS.map((f) => describeMapping(MAPPINGS[f]));
        return { formats: descs.map((d) => ({ id: d.id, title: d.title, fileKinds: d.fileKinds, focusVersion: d.focusVersion, ...d.summary })), coverage: coverageTable(SOURCE_FORMATS.map((f) => MAPPINGS[f])) };
      }
      if (!isSourceFormat(a.format)) throw new CostwiseError("USAGE", `unknown source format "${a.format}": known formats are ${SOURCE_FORMATS.join(", ")}`);
      const desc = describeMapping(MAPPINGS[a.format]);
      if (a.column === undefined) return desc;
      const c = a.column.toLowerCase();
      const columns = desc.columns.filter((r) => String(r.target).toLowerCase() === c || r.reads.some((x) => x.name.toLowerCase() === c));
      if (columns.length === 0) throw new CostwiseError("USAGE", `no rule of ${a.format} produces or reads a column "${a.column}" (see explain_mapping with format ${a.format})`);
      return { id: desc.id, title: desc.title, focusVersion: desc.focusVersion, column: a.column, columns, sourceColumns: desc.sourceColumns.filter((s) => s.name.toLowerCase() === c || columns.some((r) => r.reads.some((x) => x.name === s.name))) };
    },
  );

  // ─── resources ───
  server.registerResource(
    "focus-columns",
    MCP_RESOURCES.focusColumns,
    { title: "FOCUS column catalogue", description: "Every FOCUS 1.2 column costwise knows: name, feature level, dimension or metric, data type, version introduced, allowed values", mimeType: "application/json" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify({ columns: FOCUS_COLUMNS }) }] }),
  );
  server.registerResource(
    "kpi-definitions",
    MCP_RESOURCES.kpiDefinitions,
    { title: "KPI definitions", description: "The FinOps KPIs costwise computes: id, title, unit, formula in words, which direction is better, and the workspace's targets", mimeType: "application/json" },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify({ kpis: Object.values(KPI_DEFINITIONS), settings: kpiSettings(workspace.config) }) }],
    }),
  );
  return server;
}
