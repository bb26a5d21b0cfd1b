import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { loadBill } from "../helpers/bill.js";
import { tempDir } from "../helpers/store.js";
import { runCli } from "../helpers/cli.js";

const cli = (...args: string[]) => runCli(...args);

describe("costwise run / notifications / kpi", () => {
  const work = tempDir("costwise-notify-cli-");
  let http: Server;
  const got: string[] = [];
  let config: string;

  beforeAll(async () => {
    http = createServer((req, res) => {
      let b = "";
      req.on("data", (d: Buffer) => (b += d.toString()));
      req.on("end", () => {
        got.push(b);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/slack`;
    process.env["COSTWISE_TEST_SLACK"] = url;
    config = join(work.dir, "costwise.yaml");
    writeFileSync(
      config,
      `store:\n  path: ./costs.duckdb\ndetection:\n  monitors:\n    - name: teams\n      dimension: "tag:team"\n  alert: { minImpact: "10", minImpactPercent: 10 }\nnotify:\n  channels:\n    pay: { type: slack, webhookUrlEnv: COSTWISE_TEST_SLACK }\n  routes:\n    - { team: payments, channels: [pay] }\n`,
    );
    const store = await DuckDbStore.open(join(work.dir, "costs.duckdb"));
    // the bill ends yesterday, so `costwise kpi` (last 30 days from now) sees it whenever the test runs
    await loadBill(store, 60, true, new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10));
    await store.close();
  });
  afterAll(async () => {
    delete process.env["COSTWISE_TEST_SLACK"];
    await new Promise<void>((r) => http.close(() => r()));
    work.cleanup();
  });

  it("run detect sends the alert; notifications shows it sent with its latency; kpi computes the scorecard", async () => {
    const r = await cli("--config", config, "run", "detect");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^detect: ok/m);
    expect(got).toHaveLength(1);
    const n = await cli("--config", config, "--json", "notifications");
    const rows = JSON.parse(n.out) as { status: string; channel: string; latencySeconds: number }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "sent", channel: "pay" });
    const k = await cli("--config", config, "--json", "kpi");
    expect(k.code).toBe(0);
    expect((JSON.parse(k.out) as { kpis: { id: string }[] }).kpis.map((x) => x.id)).toContain("alert-latency-p50");
    const h = await cli("--config", config, "kpi", "--history", "7");
    expect(h.out).toContain("tagged-spend");
  });

  it("bad config and unknown jobs are usage errors with a message, not a stack trace", async () => {
    const bad = join(work.dir, "bad.yaml");
    writeFileSync(bad, `store:\n  path: ./costs.duckdb\nnotify:\n  routes:\n    - { team: payments, channels: [nowhere] }\n`);
    const r = await cli("--config", bad, "run", "detect");
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown channel "nowhere"');
    const u = await cli("--config", config, "run", "launch-rockets");
    expect(u.code).toBe(2);
    expect(u.err).toContain('unknown job "launch-rockets"');
    expect(r.err + u.err).not.toMatch(/\n\s+at /);
  });
});
