/** `costwise jobs` in process: schedules (defaults and overrides), last run and status, next run, last error. */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { JOB_RUNS_TABLE } from "../../engine/notify/tables.js";
import { JOB_NAMES } from "../../core/config/sections/notify.js";
import type { JobStatus } from "../../engine/jobs/status.js";
import { tempDir } from "../../../test/helpers/store.js";
import { runCli } from "../../../test/helpers/cli.js";
import { startServer } from "../../server/index.js";

describe("costwise jobs", () => {
  const work = tempDir("costwise-jobs-cli-");
  let config: string;

  beforeAll(async () => {
    config = join(work.dir, "costwise.yaml");
    writeFileSync(config, `store:\n  path: ./costs.duckdb\nnotify:\n  jobs:\n    sync: { schedule: "15 * * * *" }\n    summary: { timezone: Europe/Berlin }\n    recommend: { enabled: false }\n`);
    const store = await DuckDbStore.open(join(work.dir, "costs.duckdb"));
    const row = (id: string, job: string, at: string, status: string, error: string | null) =>
      store.run({ sql: `INSERT INTO ${JOB_RUNS_TABLE} VALUES (?, ?, 'schedule', CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, 1, ?, NULL)`, params: [id, job, at, at, status, error] });
    await row("k1", "kpi", "2026-12-06 06:00:00", "failed", "the store is locked");
    await row("k2", "kpi", "2026-12-07 06:00:00", "ok", null);
    await row("s1", "sync", "2026-12-07 10:15:00", "ok", null);
    await row("s2", "sync", "2026-12-07 11:15:00", "failed", "2 source(s) failed: cur: AccessDenied\nmore");
    await store.close();
  });

  afterAll(() => work.cleanup());

  it("--json: every job with its schedule, last run, status, last success, next run and last error", async () => {
    const r = await runCli("--config", config, "--json", "jobs");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as JobStatus[];
    expect(rows.map((x) => x.job)).toEqual([...JOB_NAMES]);
    const by = new Map(rows.map((x) => [x.job, x]));
    expect(by.get("sync")).toMatchObject({
      schedule: "15 * * * *", origin: "config", enabled: true,
      lastRunAt: "2026-12-07T11:15:00Z", lastStatus: "failed", lastSuccessAt: "2026-12-07T10:15:00Z",
      lastError: "2 source(s) failed: cur: AccessDenied\nmore", lastErrorAt: "2026-12-07T11:15:00Z", runs: 2, failures: 1,
    });
    expect(by.get("sync")!.nextRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:15:00Z$/);
    // an earlier error stays visible after a later success
    expect(by.get("kpi")).toMatchObject({ schedule: "0 6 * * *", origin: "default", lastStatus: "ok", lastSuccessAt: "2026-12-07T06:00:00Z", lastError: "the store is locked", runs: 2, failures: 1 });
    expect(by.get("summary")).toMatchObject({ schedule: "0 8 * * *", timezone: "Europe/Berlin", origin: "default", lastRunAt: null, lastStatus: null });
    expect(by.get("recommend")).toMatchObject({ enabled: false, nextRunAt: null });
    expect(by.get("detect")).toMatchObject({ schedule: null, enabled: false, nextRunAt: null });
    const weekly = by.get("summary-weekly")!.nextRunAt!;
    expect(new Date(weekly).getUTCDay()).toBe(1);
    expect(weekly).toMatch(/T08:00:00Z$/);
    expect(Date.parse(weekly)).toBeGreaterThan(Date.now());
  });

  it("prints a table: schedule, last run, status, next run, first line of the last error", async () => {
    const r = await runCli("--config", config, "jobs");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^job\s+schedule\s+last run\s+status\s+next run\s+last error$/);
    const sync = lines.find((l) => l.startsWith("sync "))!;
    expect(sync).toContain("15 * * * *");
    expect(sync).toContain("2026-12-07T11:15:00Z  failed");
    expect(sync).toContain("2 source(s) failed: cur: AccessDenied");
    expect(sync).not.toContain("more");
    expect(lines.find((l) => l.startsWith("detect "))).toContain("after sync");
    expect(lines.find((l) => l.startsWith("recommend "))).toContain("(disabled)");
    expect(lines.find((l) => l.startsWith("summary "))).toContain("0 8 * * * (Europe/Berlin) [default]");
  });

  it("beside a running server (which holds the store) the history comes through it", async () => {
    const file = join(work.dir, "costs.duckdb");
    const store = await DuckDbStore.open(file);
    const running = await startServer(store, { store, host: "127.0.0.1", port: 0, logLevel: false, rollup: false, webDir: join(work.dir, "no-web"), adminEndpoint: { storeFile: file, workspace: { config: {} as never, file: undefined, baseDir: work.dir } } });
    try {
      expect(existsSync(`${file}.serve.json`)).toBe(true);
      const r = await runCli("--config", config, "--json", "jobs");
      expect(r.code).toBe(0);
      const rows = JSON.parse(r.out) as JobStatus[];
      expect(rows.find((x) => x.job === "sync")).toMatchObject({ schedule: "15 * * * *", lastStatus: "failed", lastSuccessAt: "2026-12-07T10:15:00Z", runs: 2, failures: 1 });
    } finally {
      await running.close();
      await store.close();
    }
  });
});
