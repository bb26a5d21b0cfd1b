/**
 * GET /api/v1/commitments tells each commitment's end from the bill's end-time columns (CUR reservation/EndTime,
 * savingsPlan/EndTime), on any of its rows: the dashboard's "Ends" shows the date, not "unknown", though no
 * purchase row is in the window.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestFiles } from "../../engine/ingest/ingest.js";
import { LOCAL_FIXTURES, tempStore } from "../../../test/helpers/store.js";
import { buildServer, type App } from "../app.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
let app: App;

beforeAll(async () => {
  ctx = await tempStore();
  await ingestFiles(ctx.store, [join(LOCAL_FIXTURES, "cur-commitment-end-times.csv")]);
  app = await buildServer({ store: ctx.store, logLevel: false, webDir: join(ctx.dir, "no-web"), warm: false, rollup: false });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await ctx?.cleanup();
});

describe("GET /api/v1/commitments: Ends", () => {
  it("is the term's end from the end-time columns, for reservations and Savings Plans, with no purchase row in the window", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/commitments?days=30" });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { window: { start: string; end: string }; commitments: { commitmentId: string; endsAt: string | null }[] };
    expect(body.window).toMatchObject({ start: "2024-06-01", end: "2024-07-01" });
    // the bill has no one-time purchase row at all: before the end-time columns were read, all three were "unknown"
    expect(Object.fromEntries(body.commitments.map((c) => [c.commitmentId, c.endsAt]))).toEqual({
      "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1": "2025-01-05T00:00:00Z",
      "arn:aws:rds:us-east-1:111111111111:ri:ri-2": "2026-02-28T11:00:00Z",
      "arn:aws:savingsplans::111111111111:savingsplan/sp-1": "2027-03-31T23:59:59Z",
    });
  });
});
