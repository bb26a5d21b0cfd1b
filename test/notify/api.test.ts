/** The feedback loop over HTTP: delivery status and KPI history, with team scoping (in-process, no ports). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifySection } from "../../src/core/config/sections/notify.js";
import { createToken } from "../../src/engine/auth/tokens.js";
import { enqueue } from "../../src/engine/notify/outbox.js";
import { computeKpis } from "../../src/engine/kpi/history.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "../../src/server/app.js";
import { loadBill } from "../helpers/bill.js";
import { tempStore } from "../helpers/store.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let app: App;
let admin: string;
let payments: string;

beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
  await loadBill(store, 40, false); // 2026-09-01 .. 2026-10-10
  const cfg = notifySection.parse({
    channels: { a: { type: "webhook", url: "http://127.0.0.1:9/a" }, b: { type: "webhook", url: "http://127.0.0.1:9/b" } },
    routes: [{ team: "payments", channels: ["a"] }, { team: "search", channels: ["b"] }],
  });
  for (const team of ["payments", "search"]) {
    await enqueue(store, cfg, { kind: "anomaly", key: `anomaly:x:${team}`, team, severity: "warning", title: `spike for ${team}`, summary: "s", facts: [], sections: [] });
  }
  await computeKpis(store, { config: {} as never, file: undefined, baseDir: "." }, { now: new Date("2026-10-20T06:00:00Z") });
  admin = (await createToken(store, { name: "admin", role: "admin" })).token;
  payments = (await createToken(store, { name: "pay", role: "viewer", team: "payments" })).token;
  app = await buildServer({ store, logLevel: false, warm: false, webDir: "/nonexistent" });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

async function get(url: string, token: string) {
  const r = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, json: () => r.json() as unknown };
}

describe("notifications and KPI history over the API", () => {
  it("an admin sees every notification with its delivery status", async () => {
    const r = await get("/api/v1/notifications", admin);
    expect(r.status).toBe(200);
    const rows = r.json() as { team: string; status: string; channel: string }[];
    expect(rows.map((x) => x.team).sort()).toEqual(["payments", "search"]);
    expect(rows.every((x) => x.status === "pending")).toBe(true);
  });

  it("a team token sees only its team's notifications, whatever it asks", async () => {
    const r = await get("/api/v1/notifications?limit=1000", payments);
    expect(r.status).toBe(200);
    expect((r.json() as { team: string }[]).map((x) => x.team)).toEqual(["payments"]);
    const sneaky = await get("/api/v1/notifications?team=search", payments);
    expect(sneaky.status === 400 || (sneaky.json() as { team: string }[]).every((x) => x.team === "payments")).toBe(true);
  });

  it("KPI history is organisation-wide: admins read it, team tokens are refused", async () => {
    const r = await get("/api/v1/kpis/history?days=3650", admin);
    expect(r.status).toBe(200);
    const rows = r.json() as { kpi: string; value: string | null }[];
    expect(rows.find((x) => x.kpi === "tagged-spend")?.value).toBe("100.00");
    expect((await get("/api/v1/kpis/history", payments)).status).toBe(403);
  });

  it("the routes are in the OpenAPI document", async () => {
    const doc = (await get("/openapi.json", admin)).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/notifications", "/api/v1/kpis/history"]));
  });
});
