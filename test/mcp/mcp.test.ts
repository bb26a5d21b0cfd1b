/**
 * The MCP server (issue 25, item 1) driven by the SDK's own client on a demo store:
 *   - over stdio: the BUILT `costwise mcp` spawned as a process (StdioClientTransport);
 *   - over streamable HTTP: /mcp of a real listening `buildServer` app (StreamableHTTPClientTransport), with tokens.
 * Every tool's answer is compared with the CLI's `--json` output for the same question, digit for digit (decimal
 * strings compared as strings, so "to the cent" and beyond); a team token sees only its team; a bad argument is a tool
 * error carrying the CLI's message; requests without a valid token are refused.
 *
 * Build first (`npx tsc -p tsconfig.build.json`); under CI=true a missing build fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FOCUS_COLUMNS } from "../../src/core/focus/columns.js";
import { DEMO_CONFIG_FILE, runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { createToken } from "../../src/engine/auth/tokens.js";
import { parseConfig } from "../../src/engine/config/load-config.js";
import { MCP_TOOLS } from "../../src/engine/mcp/tools.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { lastCompleteDay } from "../../src/engine/store/sources.js";
import { buildServer, type App } from "../../src/server/app.js";
import { BIN, requireBuild } from "../helpers/built-cli.js";
import { runCli } from "../helpers/cli.js";
import { LOCAL_FIXTURES, tempDir } from "../helpers/store.js";

const built = requireBuild();
const PLAN = join(LOCAL_FIXTURES, "governance/plans/default-tags-plan.json");
const TF = join(LOCAL_FIXTURES, "governance/tf/main.tf");
const POLICY = join(LOCAL_FIXTURES, "governance/tags-policy.yaml");
/** A plan adding an instance of a type the demo bill runs (priced from the bill) and a gp3 volume; written in beforeAll. */
let ESTIMATE_PLAN = "";

type Json = Record<string, unknown>;
interface ToolAnswer {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Json;
}

let work: { dir: string; cleanup: () => void };
let storePath: string;
let configPath: string;
let freshDay: string | null;
/** The CLI's --json answer to each tool's question, read before any MCP call. */
const cliJson: Record<string, unknown> = {};
let team: string;

/** Each tool's arguments, the CLI command asking the same, and the part of both answers that must be equal. */
interface Case {
  tool: (typeof MCP_TOOLS)[number];
  args: Json;
  /** the CLI's arguments (a function when they name a file the setup writes) */
  cli: string[] | (() => string[]);
  /** the tool's answer reduced to what the CLI prints (lastCompleteDay and scope are the tool's additions) */
  fromTool: (a: Json) => unknown;
  fromCli?: (c: Json) => unknown;
  /** the answer is not empty (so an equality of two empty answers proves nothing) */
  nonEmpty: (a: Json) => number;
}

const omit = (o: Json, ...keys: string[]): Json => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
/** A finding's id and location name the input file (the CLI's path, the tool's "plan.json"); the rest must match. */
const noLocation = (f: unknown): unknown => omit(f as Json, "location", "id");

const CASES: Case[] = [
  {
    tool: "query_costs",
    args: { group_by: ["ServiceName", "tag:team"], granularity: "month", filters: ["ProviderName=AWS"] },
    cli: ["query", "-g", "ServiceName,tag:team", "--granularity", "month", "-f", "ProviderName=AWS"],
    fromTool: (a) => omit(a, "lastCompleteDay"),
    nonEmpty: (a) => (a["rows"] as unknown[]).length,
  },
  {
    tool: "allocation",
    args: { by: "team", granularity: "month" },
    cli: ["report", "allocation", "--by", "team", "--granularity", "month"],
    fromTool: (a) => omit(a, "lastCompleteDay", "scope"),
    nonEmpty: (a) => (a["rows"] as unknown[]).length,
  },
  { tool: "anomalies", args: {}, cli: ["anomalies"], fromTool: (a) => a["anomalies"], nonEmpty: (a) => (a["anomalies"] as unknown[]).length },
  { tool: "forecast", args: {}, cli: ["forecast"], fromTool: (a) => a["forecasts"], nonEmpty: (a) => (a["forecasts"] as unknown[]).length },
  { tool: "budgets", args: {}, cli: ["budget", "status"], fromTool: (a) => a["budgets"], nonEmpty: (a) => (a["budgets"] as unknown[]).length },
  {
    tool: "recommendations",
    args: {},
    cli: ["recommend", "list"],
    fromTool: (a) => a["recommendations"],
    fromCli: (c) => c["recommendations"],
    nonEmpty: (a) => (a["recommendations"] as unknown[]).length,
  },
  { tool: "tag_coverage", args: {}, cli: ["report", "coverage"], fromTool: (a) => omit(a, "lastCompleteDay"), nonEmpty: (a) => (a["rows"] as unknown[]).length },
  { tool: "commitments", args: {}, cli: ["commitments"], fromTool: (a) => omit(a, "lastCompleteDay"), nonEmpty: (a) => (a["commitments"] as unknown[]).length },
  {
    tool: "policy_check",
    args: {},
    cli: ["policy", "check", PLAN, "--policy", POLICY],
    fromTool: (a) => ({ summary: a["summary"], blocking: a["blocking"], findings: (a["findings"] as unknown[]).map(noLocation), skipped: (a["skipped"] as Json[]).map((x) => omit(x, "file")) }),
    fromCli: (c) => ({ summary: c["summary"], blocking: c["blocking"], findings: (c["findings"] as unknown[]).map(noLocation), skipped: (c["skipped"] as Json[]).map((x) => omit(x, "file")) }),
    nonEmpty: (a) => (a["findings"] as unknown[]).length,
  },
  {
    tool: "estimate",
    args: {},
    cli: () => ["estimate", ESTIMATE_PLAN],
    // a resource names its plan file: the CLI's path, the tool's "plan.json"
    fromTool: (a) => ({ ...omit(a, "lastCompleteDay"), resources: (a["resources"] as Json[]).map((r) => omit(r, "file")) }),
    fromCli: (c) => ({ ...c, resources: (c["resources"] as Json[]).map((r) => omit(r, "file")) }),
    nonEmpty: (a) => (a["resources"] as unknown[]).length,
  },
  { tool: "explain_mapping", args: { format: "aws-cur" }, cli: ["mappings", "aws-cur"], fromTool: (a) => a, nonEmpty: (a) => (a["columns"] as unknown[]).length },
];

function text(a: ToolAnswer): string {
  return a.content.map((c) => c.text ?? "").join("");
}

function answerOf(a: ToolAnswer, tool: string): Json {
  expect(a.isError, `${tool}: ${text(a)}`).toBeFalsy();
  const parsed = JSON.parse(text(a)) as Json;
  expect(a.structuredContent).toEqual(parsed);
  return parsed;
}

async function call(client: Client, tool: string, args: Json): Promise<ToolAnswer> {
  return (await client.callTool({ name: tool, arguments: args })) as ToolAnswer;
}

function argsOf(c: Case): Json {
  if (c.tool === "policy_check") return { plan_json: readFileSync(PLAN, "utf8"), policy: readFileSync(POLICY, "utf8") };
  if (c.tool === "estimate") return { plan_json: readFileSync(ESTIMATE_PLAN, "utf8") };
  return c.args;
}

/** Calls every tool and compares with the CLI. */
async function expectSameAsCli(client: Client): Promise<void> {
  const listed = await client.listTools();
  expect(listed.tools.map((t) => t.name)).toEqual([...MCP_TOOLS]);
  for (const t of listed.tools) expect(t.inputSchema.type, t.name).toBe("object");
  for (const c of CASES) {
    const a = answerOf(await call(client, c.tool, argsOf(c)), c.tool);
    expect(c.nonEmpty(a), `${c.tool} answered nothing`).toBeGreaterThan(0);
    const fromCli = (c.fromCli ?? ((x: Json) => x))(cliJson[c.tool] as Json);
    expect(c.fromTool(a), c.tool).toEqual(fromCli);
    if (!["policy_check", "explain_mapping"].includes(c.tool)) expect(a["lastCompleteDay"], c.tool).toBe(freshDay);
  }
}

beforeAll(async () => {
  if (!built) return;
  work = tempDir("costwise-mcp-");
  storePath = join(work.dir, "s.duckdb");
  const store = await DuckDbStore.open(storePath);
  try {
    const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(work.dir, "demo"), focusSample: null });
    await runDemoAnalyses(store, summary, { configDir: work.dir });
    freshDay = await lastCompleteDay(store);
  } finally {
    await store.close();
  }
  configPath = join(work.dir, DEMO_CONFIG_FILE);
  ESTIMATE_PLAN = join(work.dir, "plan.json");
  writeFileSync(
    ESTIMATE_PLAN,
    JSON.stringify({
      format_version: "1.2",
      configuration: { provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "us-east-1" } } } } },
      resource_changes: [
        { address: "aws_instance.app", mode: "managed", type: "aws_instance", name: "app", change: { actions: ["create"], before: null, after: { instance_type: "m5.large", tags: { team: "payments" }, root_block_device: [{ volume_size: 20, volume_type: "gp3" }] } } },
      ],
    }),
  );
  for (const c of CASES) {
    const args = typeof c.cli === "function" ? c.cli() : c.cli;
    const r = await runCli("--config", configPath, "--store", storePath, "--json", ...args);
    expect([0, 3], `${args.join(" ")}: ${r.err}`).toContain(r.code);
    cliJson[c.tool] = JSON.parse(r.out);
  }
  // a team that owns recommendations (so the team-scoped list is not empty), else the first allocated team
  const owners = ((cliJson["recommendations"] as Json)["recommendations"] as { owner: string | null }[]).map((r) => r.owner);
  const teams = [...new Set(((cliJson["allocation"] as Json)["rows"] as { key: string }[]).map((r) => r.key))].filter((k) => k !== "__unallocated__").sort();
  team = teams.find((t) => owners.includes(t)) ?? teams[0]!;
}, 300_000);

afterAll(() => work?.cleanup());

describe.skipIf(!built)("costwise mcp over stdio (the built CLI as a process)", () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: "costwise-test", version: "1" });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, "--config", configPath, "--store", storePath, "mcp"], cwd: work.dir, env: { ...process.env } as Record<string, string>, stderr: "pipe" }));
  }, 60_000);
  afterAll(async () => client?.close());

  it("lists the tools and answers each exactly as the CLI's --json", async () => {
    await expectSameAsCli(client);
  }, 240_000);

  it("checks .tf text like costwise policy check main.tf", async () => {
    const r = await runCli("--store", storePath, "--json", "policy", "check", TF, "--policy", POLICY);
    const fromCli = JSON.parse(r.out) as Json;
    const a = answerOf(await call(client, "policy_check", { tf: readFileSync(TF, "utf8"), policy: readFileSync(POLICY, "utf8") }), "policy_check");
    expect(a["summary"]).toEqual(fromCli["summary"]);
    expect((a["findings"] as Json[]).map((f) => [f["resourceId"], f["ruleId"], f["message"]])).toEqual((fromCli["findings"] as Json[]).map((f) => [f["resourceId"], f["ruleId"], f["message"]]));
  }, 60_000);

  it("gives a bad argument as a tool error with the CLI's message", async () => {
    const r = await runCli("--config", configPath, "--store", storePath, "query", "-g", "NoSuchColumn");
    expect(r.code).toBe(2);
    const a = await call(client, "query_costs", { group_by: ["NoSuchColumn"] });
    expect(a.isError).toBe(true);
    expect(`error: ${text(a)}\n`).toBe(r.err);
    expect(text(a)).toContain('unknown dimension "NoSuchColumn"');
    // a format the mapping registry does not know: the CLI's usage message
    const m = await runCli("mappings", "no-such-format");
    const b = await call(client, "explain_mapping", { format: "no-such-format" });
    expect(b.isError).toBe(true);
    expect(`error: ${text(b)}\n`).toBe(m.err);
    // a shape the schema refuses is a tool error too (not a protocol failure)
    const c = await call(client, "allocation", { from: "last tuesday" });
    expect(c.isError).toBe(true);
    expect(text(c)).toMatch(/from/);
  }, 60_000);

  it("serves the FOCUS column catalogue and the KPI definitions as resources", async () => {
    const list = await client.listResources();
    expect(list.resources.map((r) => r.uri).sort()).toEqual(["costwise://focus/columns", "costwise://kpi/definitions"]);
    const cols = await client.readResource({ uri: "costwise://focus/columns" });
    const parsed = JSON.parse(String((cols.contents[0] as { text: string }).text)) as { columns: { name: string }[] };
    expect(parsed.columns.map((c) => c.name)).toEqual(FOCUS_COLUMNS.map((c) => c.name));
    const kpis = await client.readResource({ uri: "costwise://kpi/definitions" });
    const k = JSON.parse(String((kpis.contents[0] as { text: string }).text)) as { kpis: { id: string; formula: string }[] };
    expect(k.kpis.find((x) => x.id === "tagged-spend")?.formula).toMatch(/EffectiveCost/);
  });
});

describe.skipIf(!built)("/mcp over streamable HTTP under costwise serve", () => {
  let app: App;
  let store: DuckDbStore;
  let url: URL;
  const tokens: Record<"admin" | "viewer" | "team", string> = { admin: "", viewer: "", team: "" };
  const clients: Client[] = [];

  async function connect(token: string | undefined): Promise<Client> {
    const client = new Client({ name: "costwise-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(url, token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    store = await DuckDbStore.open(storePath);
    tokens.admin = (await createToken(store, { name: "ops", role: "admin" })).token;
    tokens.viewer = (await createToken(store, { name: "finance", role: "viewer" })).token;
    tokens.team = (await createToken(store, { name: "agent", role: "viewer", team })).token;
    const config = parseConfig(readFileSync(configPath, "utf8"), configPath);
    app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, workspace: { config, baseDir: work.dir } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    url = new URL(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/mcp`);
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.close();
    await app?.close();
    await store?.close();
  });

  it("refuses a request without a token, or with a bad one (401), before any tool runs", async () => {
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const none = await fetch(url, { method: "POST", headers, body: JSON.stringify(init) });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe("UNAUTHORIZED");
    const bad = await fetch(url, { method: "POST", headers: { ...headers, authorization: "Bearer cw_not_a_token" }, body: JSON.stringify(init) });
    expect(bad.status).toBe(401);
    await expect(connect(undefined)).rejects.toThrow();
    // with a valid token the same request is answered
    const good = await fetch(url, { method: "POST", headers: { ...headers, authorization: `Bearer ${tokens.viewer}` }, body: JSON.stringify(init) });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe("costwise");
  });

  it("refuses a cross-site POST (a web page's Origin) like every state-changing API request", async () => {
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${tokens.admin}`, origin: "http://evil.example" },
      body: JSON.stringify(init),
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { code: string }).code).toBe("ORIGIN_NOT_ALLOWED");
  });

  it("answers every tool exactly as the CLI's --json (viewer token; query_costs from the server's rollup)", async () => {
    await expectSameAsCli(await connect(tokens.viewer));
  }, 240_000);

  it("a team token's agent sees only its team", async () => {
    const client = await connect(tokens.team);
    // showback: its team's rows only, equal to `costwise report allocation --team <team>`
    const alloc = answerOf(await call(client, "allocation", { by: "team", granularity: "month" }), "allocation");
    const rows = alloc["rows"] as { key: string; billedCost: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set([team]));
    const allRows = ((cliJson["allocation"] as Json)["rows"] as { key: string }[]).filter((r) => r.key === team);
    expect(rows).toEqual(allRows);
    expect(alloc["scope"]).toEqual({ team });
    // asking for another team is refused, not widened
    const other = await call(client, "allocation", { team: "__unallocated__" });
    expect(other.isError).toBe(true);
    expect(text(other)).toContain(`bound to team ${JSON.stringify(team)}`);
    // recommendations: its own only
    const recs = answerOf(await call(client, "recommendations", {}), "recommendations")["recommendations"] as { owner: string | null }[];
    const allRecs = ((cliJson["recommendations"] as Json)["recommendations"] as { owner: string | null }[]).filter((r) => r.owner === team);
    expect(recs).toEqual(allRecs);
    expect(recs.length).toBeGreaterThan(0);
    // anomalies: only its team's series of owner monitors (a subset of everything)
    const anomalies = answerOf(await call(client, "anomalies", {}), "anomalies")["anomalies"] as { series_key: string }[];
    for (const x of anomalies) expect(x.series_key).toBe(team);
    expect(anomalies.length).toBeLessThan((cliJson["anomalies"] as unknown[]).length);
    // organisation-wide reads are refused with the API's reason
    for (const tool of ["query_costs", "forecast", "budgets", "tag_coverage", "commitments"]) {
      const a = await call(client, tool, {});
      expect(a.isError, tool).toBe(true);
      expect(text(a), tool).toContain(`this token is bound to team ${JSON.stringify(team)}`);
    }
  }, 120_000);

  it("changes a recommendation's status only with an admin token", async () => {
    const id = String(((cliJson["recommendations"] as Json)["recommendations"] as { id: number }[])[0]!.id);
    const viewer = await connect(tokens.viewer);
    const refused = await call(viewer, "recommendations", { action: "accept", id });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe("changing a recommendation's status needs a token with the admin role");
    const teamRefused = await call(await connect(tokens.team), "recommendations", { action: "accept", id });
    expect(teamRefused.isError).toBe(true);

    const admin = await connect(tokens.admin);
    const noReason = await call(admin, "recommendations", { action: "dismiss", id });
    expect(noReason.isError).toBe(true);
    const accepted = answerOf(await call(admin, "recommendations", { action: "accept", id }), "recommendations");
    expect((accepted["recommendation"] as { status: string }).status).toBe("accepted");
    // the list reads the change at once (the server's caches were dropped)
    const listed = answerOf(await call(viewer, "recommendations", { status: ["accepted"] }), "recommendations")["recommendations"] as { id: number }[];
    expect(listed.map((r) => String(r.id))).toContain(id);
    const reopened = answerOf(await call(admin, "recommendations", { action: "reopen", id }), "recommendations");
    expect((reopened["recommendation"] as { status: string }).status).toBe("open");
  }, 60_000);
});
