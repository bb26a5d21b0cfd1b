import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { FIXTURES } from "../../../test/helpers/store.js";
import { seedDetectStore } from "../../../test/helpers/detect-seed.js";
import { EXIT, reportError } from "../context.js";
import { registerAnomalies } from "./anomalies.js";
import { registerBudget } from "./budget.js";
import { registerDetect } from "./detect.js";
import { registerForecast } from "./forecast.js";

let dir: string;
let storePath: string;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-detect-"));
  storePath = join(dir, "costs.duckdb");
  configPath = join(dir, "costwise.yaml");
  const store = await DuckDbStore.open(storePath);
  await seedDetectStore(store);
  await store.close();
  writeFileSync(
    configPath,
    `detection:\n  monitors:\n    - name: total\n    - name: services\n      dimension: ServiceName\n      top: 5\n  budgets:\n    - name: march\n      amount: "10000"\n      thresholds: [{ actual: 80 }, { forecast: 100 }]\n    - name: big\n      amount: "1000000"\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().option("--store <path>").option("--config <file>").option("--json", "", false).exitOverride();
  registerDetect(program);
  registerAnomalies(program);
  registerForecast(program);
  registerBudget(program);
  const out: string[] = [];
  const err: string[] = [];
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  let code: number = EXIT.ok;
  program.hook("postAction", (_t, action) => {
    const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
    if (c !== undefined) code = c;
  });
  try {
    await program.parseAsync(["node", "costwise", "--store", storePath, "--config", configPath, ...args]);
  } catch (x) {
    code = x instanceof CommanderError ? (x.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage) : reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, out: out.join(""), err: err.join("") };
}

describe("costwise detect / anomalies / forecast / budget", () => {
  it("detect --series scores any CSV series (NAB CloudWatch, 5-minute points averaged per hour)", async () => {
    const file = join(FIXTURES, "nab", "realAWSCloudwatch", "ec2_network_in_257a54.csv");
    const r = await cli("--json", "detect", "--series", file);
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out) as { bucketSeconds: number; points: number; anomalies: { start: string; kind: string }[] };
    expect(doc.bucketSeconds).toBe(3600);
    expect(doc.points).toBe(4032);
    // the labelled window 2014-04-14 23:59 … 2014-04-16 09:29 is found
    expect(doc.anomalies.some((a) => a.start >= "2014-04-14T23" && a.start <= "2014-04-16T09")).toBe(true);
  });

  it("detect --series is honest: warm-up and gaps counted, anomalies at their peak in series units", async () => {
    const file = join(FIXTURES, "nab", "realAWSCloudwatch", "ec2_network_in_257a54.csv");
    const r = await cli("--json", "detect", "--series", file, "--interval", "native");
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out) as { bucketSeconds: number; status: string; scored: number; buckets: number; notScored: { warmUp: number; missing: number; afterGap: number; total: number }; anomalies: { peakValue: number; expectedAtPeak: number; deviation: number }[] };
    expect(doc.bucketSeconds).toBe(300);
    expect(doc.status).toBe("scored");
    // the first day at 5 minutes (288 buckets) is warm-up, except the buckets with no point, counted as missing
    expect(doc.notScored.warmUp).toBeGreaterThan(280);
    expect(doc.notScored.warmUp).toBeLessThanOrEqual(288);
    expect(doc.notScored.warmUp + doc.notScored.missing).toBeGreaterThanOrEqual(288);
    expect(doc.scored + doc.notScored.total).toBe(doc.buckets);
    expect(doc.anomalies.length).toBeGreaterThan(0);
    for (const a of doc.anomalies) expect(a.deviation).toBeCloseTo(a.peakValue - a.expectedAtPeak, 6);
  });

  it("detect --series on a 2-point series says it cannot be scored (not '0 anomalies'); quoted decimal commas read", async () => {
    const short = join(dir, "short.csv");
    writeFileSync(short, '\uFEFFtimestamp;value\n2024-01-01T00:00:00Z;"1,5"\n2024-01-01T01:00:00Z;"2,5"\n');
    const r = await cli("detect", "--series", short);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain("cannot be scored: 2 buckets of 1 h with a value");
    expect(r.out).not.toContain("0 anomalies");
  });

  it("detect --series --alerts / --exit-code / thresholds: exit 3 only when an anomaly passes them", async () => {
    const spiky = join(dir, "spiky.csv");
    const rows = ["timestamp,value"];
    for (let i = 0; i < 24 * 10; i++) rows.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()},${i === 200 ? 300 : 100 + 10 * Math.sin((2 * Math.PI * i) / 24) + (i % 7) * 0.5}`);
    writeFileSync(spiky, rows.join("\n") + "\n");
    const found = await cli("--json", "detect", "--series", spiky, "--alerts", "--exit-code", "--min-percent", "50");
    expect(found.code).toBe(EXIT.findings);
    const doc = JSON.parse(found.out) as { anomalies: { peak: string; deviationPercent: number; alert: boolean }[] };
    expect(doc.anomalies.map((a) => a.peak)).toEqual(["2024-01-09T08:00:00Z"]);
    expect(doc.anomalies[0]!.deviationPercent).toBeGreaterThan(150);
    const quiet = await cli("--json", "detect", "--series", spiky, "--alerts", "--exit-code", "--min-percent", "500");
    expect(quiet.code).toBe(EXIT.ok);
    expect((JSON.parse(quiet.out) as { anomalies: unknown[] }).anomalies).toEqual([]);
    const down = await cli("detect", "--series", spiky, "--alerts", "--exit-code", "--direction", "down");
    expect(down.code).toBe(EXIT.ok);
    expect(down.out).toContain("0 alerts (of 1 anomalies)");
    expect((await cli("detect", "--series", spiky, "--direction", "sideways")).code).toBe(EXIT.usage);
  });

  it("detect --series names the line and column of bad input", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "timestamp,value\n2024-01-01,1\n2024-01-02,abc\n");
    const r = await cli("detect", "--series", bad);
    expect(r.code).toBe(EXIT.failure);
    expect(r.err).toContain("line 3, column value: expected a number");
    expect(r.err).not.toContain("    at ");
  });

  it("detect runs the configured monitors, records anomalies, and anomalies lists them", async () => {
    const r = await cli("--json", "detect");
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out) as { asOf: string; anomalies: { monitor: string; seriesKey: string; start: string; rootCause: { headline: { value: string } } }[] };
    expect(doc.asOf).toBe("2024-03-29");
    const total = doc.anomalies.find((a) => a.monitor === "total")!;
    expect(total.start).toBe("2024-03-26");
    expect(total.rootCause.headline.value).toBe("i-bad");
    const listed = await cli("anomalies", "--alerts");
    expect(listed.out).toContain("resource i-bad");
    expect(listed.out).toContain("2024-03-26");
  });

  it("forecast prints month, quarter and year with intervals", async () => {
    const r = await cli("forecast", "--months", "3");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain("month 2024-03");
    expect(r.out).toContain("80% interval");
    const bad = await cli("forecast", "--months", "13");
    expect(bad.code).toBe(EXIT.usage);
  });

  it("budget status shows burn; budget check exits 3 when a threshold is crossed", async () => {
    const s = await cli("--json", "budget", "status");
    expect(s.code).toBe(EXIT.ok);
    const list = JSON.parse(s.out) as { budget: string; crossed: string[]; daysLeft: number }[];
    expect(list.find((b) => b.budget === "march")).toMatchObject({ daysLeft: 2, crossed: ["actual:80", "forecast:100"] });
    expect(list.find((b) => b.budget === "big")).toMatchObject({ crossed: [] });
    // status records nothing: check still fires the alerts afterwards
    const c = await cli("budget", "check");
    expect(c.code).toBe(EXIT.findings);
    expect(c.out).toContain("ALERT march: actual 80% crossed");
    const again = await cli("budget", "check");
    expect(again.code).toBe(EXIT.findings); // still crossed this period
    expect(again.out).not.toContain("ALERT"); // but alerted only once
  });
});
