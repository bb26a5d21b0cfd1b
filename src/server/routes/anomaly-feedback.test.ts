/**
 * Anomaly feedback over the API, in-process (fastify.inject): who and when are recorded from the token, team tokens
 * act only on their team's anomalies (owner monitors), unscoped viewers are refused, and the anomaly list shows it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectionSection } from "../../core/config/sections/detection.js";
import { defaultConfig } from "../../core/config/schema.js";
import { createToken } from "../../engine/auth/tokens.js";
import { anomalyId } from "../../engine/detect/anomaly-id.js";
import { listFeedback } from "../../engine/detect/feedback.js";
import { ANOMALIES_TABLE } from "../../engine/detect/tables.js";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "../app.js";

// the anomalies table as detect would have left it
//   monitor | series_key | start_day  | end_day    | currency
const ANOMALIES = [
  ["owners", "payments", "2026-11-02", "2026-11-04", "USD"],
  ["owners", "search", "2026-11-03", "2026-11-03", "USD"],
  ["total", "total", "2026-11-03", "2026-11-04", "USD"],
] as const;
const ID = ANOMALIES.map(([monitor, seriesKey, startDay, , currency]) => anomalyId({ monitor, seriesKey, startDay, currency }));

let dir: string;
let store: DuckDbStore;
let app: App;
let admin: string;
let viewer: string;
let payments: string;

async function inject(method: "GET" | "POST" | "DELETE", url: string, token: string, body?: unknown) {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: () => res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-feedback-api-"));
  store = await DuckDbStore.open(join(dir, "s.duckdb"));
  for (const [monitor, series, start, end, cur] of ANOMALIES) {
    await store.run({
      sql: `INSERT INTO ${ANOMALIES_TABLE} (monitor, series_key, start_day, currency, kind, direction, severity, end_day, detected_day, is_open, actual, expected, impact, impact_pct, max_z, alert, alerted_at, root_cause, first_seen_at, updated_at)
            VALUES (?, ?, CAST(? AS DATE), ?, 'spike', 'up', 'high', CAST(? AS DATE), CAST(? AS DATE), true, 300, 100, 200, 2.0, 9.5, true, TIMESTAMP '2026-11-05 06:00:00', NULL, TIMESTAMP '2026-11-05 06:00:00', TIMESTAMP '2026-11-05 06:00:00')`,
      params: [monitor, series, start, cur, end, start],
    });
  }
  admin = (await createToken(store, { name: "ops", role: "admin" })).token;
  viewer = (await createToken(store, { name: "grafana", role: "viewer" })).token;
  payments = (await createToken(store, { name: "pay-lead", role: "viewer", team: "payments" })).token;
  const config = { ...defaultConfig(), detection: detectionSection.parse({ monitors: [{ name: "owners", dimension: "owner" }, { name: "total" }] }) };
  app = await buildServer({ store, auth: "tokens", logLevel: false, rollup: false, warm: false, webDir: join(dir, "no-web"), workspace: { config, baseDir: dir } });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("POST /api/v1/anomalies/:id/feedback", () => {
  it("an admin acknowledges any anomaly; the token's name and the time are recorded", async () => {
    const before = new Date().toISOString().slice(0, 19);
    const r = await inject("POST", `/api/v1/anomalies/${ID[2]}/feedback`, admin, { action: "ack" });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ anomaly: { id: ID[2], monitor: "total" }, feedback: { acknowledged: { by: "ops", team: null, reason: null }, expected: null } });
    expect(r.json().feedback.acknowledged.at >= before).toBe(true);
  });

  it("a team token marks its own team's anomaly expected (reason required), recorded with its name and team", async () => {
    const noReason = await inject("POST", `/api/v1/anomalies/${ID[0]}/feedback`, payments, { action: "expected" });
    expect(noReason.status).toBe(400);
    const r = await inject("POST", `/api/v1/anomalies/${ID[0]}/feedback`, payments, { action: "expected", reason: "quarter-end batch" });
    expect(r.status).toBe(200);
    expect(r.json().feedback.expected).toMatchObject({ by: "pay-lead", team: "payments", reason: "quarter-end batch" });
    const rows = await listFeedback(store, { anomalyId: ID[0] });
    expect(rows.map((x) => [x.action, x.by_name, x.by_team, x.reason])).toEqual([["expected", "pay-lead", "payments", "quarter-end batch"]]);
  });

  it("refuses a team token on another team's or an organisation-wide anomaly (404), and unscoped viewers (403)", async () => {
    expect((await inject("POST", `/api/v1/anomalies/${ID[1]}/feedback`, payments, { action: "ack" })).status).toBe(404);
    expect((await inject("POST", `/api/v1/anomalies/${ID[2]}/feedback`, payments, { action: "ack" })).status).toBe(404);
    expect((await inject("POST", `/api/v1/anomalies/${ID[1]}/feedback`, viewer, { action: "ack" })).status).toBe(403);
    expect((await inject("POST", `/api/v1/anomalies/0000000000000000/feedback`, admin, { action: "ack" })).status).toBe(404);
    expect((await inject("POST", `/api/v1/anomalies/${ID[1]}/feedback`, admin, { action: "reopen" })).status).toBe(400);
    expect(await listFeedback(store, { anomalyId: ID[1] })).toEqual([]);
  });

  it("the anomaly list answers each anomaly's feedback", async () => {
    const r = await inject("GET", "/api/v1/anomalies", admin);
    expect(r.status).toBe(200);
    const items = r.json().items as { id: string; feedback: { acknowledged: { by: string } | null; expected: { by: string; reason: string } | null } }[];
    const byId = new Map(items.map((a) => [a.id, a.feedback]));
    expect(byId.get(ID[0]!)!.expected).toMatchObject({ by: "pay-lead", reason: "quarter-end batch" });
    expect(byId.get(ID[2]!)!.acknowledged).toMatchObject({ by: "ops" });
    expect(byId.get(ID[1]!)).toEqual({ acknowledged: null, expected: null, snoozed_until: null });
  });
});

describe("POST/DELETE /api/v1/monitors/:monitor/snooze", () => {
  it("an admin snoozes a monitor until a time; the list shows it; DELETE ends it", async () => {
    const r = await inject("POST", "/api/v1/monitors/total/snooze", admin, { until: "2099-01-01", reason: "migration" });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ monitor: "total", series_key: null, until: "2099-01-01T00:00:00Z", by_name: "ops", by_team: null, reason: "migration", cleared_at: null });
    const listed = (await inject("GET", "/api/v1/anomalies", admin)).json().items as { id: string; feedback: { snoozed_until: string | null } }[];
    expect(listed.find((a) => a.id === ID[2])!.feedback.snoozed_until).toBe("2099-01-01T00:00:00Z");
    expect(listed.find((a) => a.id === ID[0])!.feedback.snoozed_until).toBeNull();
    const d = await inject("DELETE", "/api/v1/monitors/total/snooze", admin);
    expect(d.json()).toEqual({ cleared: 1 });
    const after = (await inject("GET", "/api/v1/anomalies", admin)).json().items as { id: string; feedback: { snoozed_until: string | null } }[];
    expect(after.find((a) => a.id === ID[2])!.feedback.snoozed_until).toBeNull();
  });

  it("a team token snoozes only its own series of an owner monitor", async () => {
    expect((await inject("POST", "/api/v1/monitors/owners/snooze", payments, { until: "2099-01-01" })).status).toBe(403);
    expect((await inject("POST", "/api/v1/monitors/owners/snooze", payments, { until: "2099-01-01", series: "search" })).status).toBe(403);
    expect((await inject("POST", "/api/v1/monitors/total/snooze", payments, { until: "2099-01-01", series: "payments" })).status).toBe(403);
    const ok = await inject("POST", "/api/v1/monitors/owners/snooze", payments, { until: "2099-01-01T08:00:00Z", series: "payments" });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ monitor: "owners", series_key: "payments", by_name: "pay-lead", by_team: "payments" });
    expect((await inject("DELETE", "/api/v1/monitors/owners/snooze?series=search", payments)).status).toBe(403);
    expect((await inject("DELETE", "/api/v1/monitors/owners/snooze?series=payments", payments)).json()).toEqual({ cleared: 1 });
  });

  it("a snooze that runs out is over in the (cached) anomaly list without any write", async () => {
    const until = new Date(Date.now() + 1500).toISOString();
    expect((await inject("POST", "/api/v1/monitors/total/snooze", admin, { until })).status).toBe(200);
    const list = async () => ((await inject("GET", "/api/v1/anomalies", admin)).json().items as { id: string; feedback: { snoozed_until: string | null } }[]).find((a) => a.id === ID[2])!.feedback.snoozed_until;
    expect(await list()).toBe(`${until.slice(0, 19)}Z`);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await list()).toBeNull();
  });

  it("refuses unknown monitors (404), a past or malformed until (400), and unscoped viewers (403)", async () => {
    expect((await inject("POST", "/api/v1/monitors/nope/snooze", admin, { until: "2099-01-01" })).status).toBe(404);
    expect((await inject("POST", "/api/v1/monitors/total/snooze", admin, { until: "2001-01-01" })).status).toBe(400);
    expect((await inject("POST", "/api/v1/monitors/total/snooze", admin, { until: "soon" })).status).toBe(400);
    expect((await inject("POST", "/api/v1/monitors/total/snooze", viewer, { until: "2099-01-01" })).status).toBe(403);
  });
});
