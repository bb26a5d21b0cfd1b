import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMoney, compareMoney, equalToTheCent, subMoney, toCents } from "../core/money.js";
import { DuckDbStore } from "../engine/store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../engine/store/schema.js";
import type { DemoManifest } from "./generate.js";
import { addMonths, bar, defaultFocusSamplePath, lastCompleteMonth, percentOf, runDemo, type DemoSummary } from "./run-demo.js";

// Small config: 3 months ending 2026-10, a fifth of the default organisation.
const CONFIG = { seed: 42, months: 3, scale: 0.2 } as const;

describe("runDemo on a small demo", () => {
  let dir = "";
  let dataDir = "";
  let store: DuckDbStore;
  let first: DemoSummary;
  let manifest: DemoManifest;

  /** Direct SQL, independent of the query layer the summary uses. */
  const one = async (sql: string, ...params: string[]): Promise<Record<string, unknown>> => (await store.all({ sql, params }))[0] ?? {};
  const demoRows = (where = "true") =>
    one(
      `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS billed, coalesce(sum("EffectiveCost"), 0)::VARCHAR AS effective
       FROM ${COST_TABLE} WHERE starts_with(x_SourceFile, ?) AND (${where})`,
      `${dataDir}/`,
    );
  const storeTotals = () => one(`SELECT count(*)::BIGINT AS n, sum("BilledCost")::VARCHAR AS billed, sum("EffectiveCost")::VARCHAR AS effective FROM ${COST_TABLE}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "costwise-run-demo-"));
    dataDir = join(dir, "data");
    store = await DuckDbStore.open(join(dir, "demo.duckdb"));
    first = await runDemo(store, { ...CONFIG, dataDir });
    manifest = JSON.parse(await readFile(join(dataDir, "demo-manifest.json"), "utf8")) as DemoManifest;
  }, 180_000);

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads exactly what the generator wrote: rows, billed and effective cost to the cent", async () => {
    const { aws, focus } = manifest.truths;
    const loaded = await demoRows();
    expect(Number(loaded["n"])).toBe(aws.rows + focus.rows);
    const billed = addMoney(aws.unblendedCost, focus.billedCost);
    const effective = addMoney(aws.amortizedCost, focus.effectiveCost);
    expect(toCents(String(loaded["billed"]))).toBe(toCents(billed));
    expect(toCents(String(loaded["effective"]))).toBe(toCents(effective));
    // the generator's amounts have at most 10 decimals, which DECIMAL(38,10) keeps: the sums are exact
    expect(compareMoney(String(loaded["billed"]), billed)).toBe(0);
    expect(compareMoney(String(loaded["effective"]), effective)).toBe(0);

    expect(first.check.loadedEqualsGenerated).toBe(true);
    expect(first.check.rows).toEqual({ generated: aws.rows + focus.rows, loaded: aws.rows + focus.rows });
    expect(equalToTheCent(first.check.billedCost.loaded, billed)).toBe(true);
    expect(first.generated.rows.total).toBe(aws.rows + focus.rows);
    expect(first.ingest.rows).toBe(aws.rows + focus.rows);
  });

  it("loads the real FOCUS sample when shared/ is beside the package, and says so when it is not", () => {
    if (existsSync(defaultFocusSamplePath())) {
      expect(first.sample.loaded).toBe(true);
      expect(first.sample.rows).toBeGreaterThan(0);
    } else {
      expect(first.sample).toMatchObject({ loaded: false, rows: 0 });
      expect(first.sample.reason).toMatch(/not found/);
    }
  });

  it("summarises the last complete month of the demo, 2026-10, against 2026-09", () => {
    expect(first.lastMonth).toMatchObject({ month: "2026-10", start: "2026-10-01", end: "2026-11-01" });
    expect(first.previousMonth.month).toBe("2026-09");
    expect(first.currency).toBe("USD");
    expect(first.trend.map((t) => t.month)).toEqual(["2026-08", "2026-09", "2026-10"]);
    expect(first.sources.map((s) => s.source)).toContain("aws-cur");
    expect(first.conformance.rules).toBeGreaterThan(0);
    expect(first.conformance.rowsChecked).toBe(first.ingest.rows + first.sample.rows);
  });

  it("ranks the top 5 services and accounts; their sum is at most the month's total", () => {
    for (const r of [first.topServices, first.topAccounts]) {
      expect(r.items.length).toBe(5);
      expect(r.total).toBe(first.lastMonth.totals.find((t) => t.currency === "USD")?.effectiveCost);
      const listed = addMoney("0", ...r.items.map((i) => i.cost));
      expect(compareMoney(listed, r.total)).toBeLessThanOrEqual(0);
      expect(addMoney(listed, r.rest)).toBe(addMoney(r.total));
      // descending, shares of the total
      for (let i = 1; i < r.items.length; i++) expect(compareMoney(r.items[i - 1]!.cost, r.items[i]!.cost)).toBeGreaterThanOrEqual(0);
      expect(r.items[0]!.sharePercent).toBe(percentOf(r.items[0]!.cost, r.total));
    }
    expect(first.topAccounts.items.every((i) => i.id && i.provider)).toBe(true);
  });

  it("computes the month-over-month change as the difference of the two months, queried directly", async () => {
    const month = (start: string, end: string) =>
      one(
        `SELECT sum("BilledCost")::VARCHAR AS billed, sum("EffectiveCost")::VARCHAR AS effective FROM ${COST_TABLE}
         WHERE "BillingCurrency" = 'USD' AND "ChargePeriodStart" >= ?::TIMESTAMP AND "ChargePeriodStart" < ?::TIMESTAMP`,
        start,
        end,
      );
    const oct = await month("2026-10-01", "2026-11-01");
    const sep = await month("2026-09-01", "2026-10-01");
    const mom = first.monthOverMonth;
    expect(mom.effectiveCost.change).toBe(subMoney(String(oct["effective"]), String(sep["effective"])));
    expect(mom.billedCost.change).toBe(subMoney(String(oct["billed"]), String(sep["billed"])));
    expect(compareMoney(mom.effectiveCost.current, String(oct["effective"]))).toBe(0);
    expect(mom.effectiveCost.changePercent).toBe(percentOf(mom.effectiveCost.change, String(sep["effective"])));
  });

  it("finds the untagged spend the generator recorded", async () => {
    // The manifest's truths: AWS rows with neither resourceTags/user:team nor user:Team (all line item
    // types, unblended and amortized), and Azure rows with an empty Tags cell (a tagged Azure row always
    // carries team or Team; billed = effective there). The same definition as "no team tag under either
    // key", so the amounts must agree exactly.
    const { aws, focus } = manifest.truths;
    const noTeam = `coalesce(map_extract_value("Tags", 'team'), '') = '' AND coalesce(map_extract_value("Tags", 'Team'), '') = ''`;
    const direct = await demoRows(noTeam);
    const effective = addMoney(aws.untagged.amortizedCost, focus.untaggedEffectiveCost);
    const billed = addMoney(aws.untagged.unblendedCost, focus.untaggedEffectiveCost);
    expect(compareMoney(String(direct["effective"]), effective)).toBe(0);
    expect(compareMoney(String(direct["billed"]), billed)).toBe(0);
    expect(first.check.untaggedEqualsGenerated).toBe(true);
    // the summary's 12-month window holds all 3 demo months and nothing of the 2024 FOCUS sample
    expect(compareMoney(first.untagged.window.cost, effective)).toBe(0);
    expect(compareMoney(first.untagged.lastMonth.cost, first.untagged.window.cost)).toBeLessThan(0);
    // both spellings of the key carry spend
    expect(first.untagged.teamKeys.map((k) => k.key)).toEqual(["team", "Team"]);
    for (const k of first.untagged.teamKeys) expect(compareMoney(k.cost, "0")).toBe(1);
    expect(manifest.truths.aws.teamTagKeys.upperCaseKeyRows).toBeGreaterThan(0);
  });

  it("is idempotent: re-running into the same store replaces the periods, totals do not change", async () => {
    const before = await storeTotals();
    const again = await runDemo(store, { ...CONFIG, dataDir });
    const after = await storeTotals();
    expect(after).toEqual(before);
    expect(again.ingest.rowsReplaced).toBe(first.ingest.rows);
    expect(again.check.loadedEqualsGenerated).toBe(true);
    const strip = (s: DemoSummary) => ({ ...s, generated: { ...s.generated, seconds: 0 }, ingest: { ...s.ingest, seconds: 0, rowsPerSecond: 0, rowsReplaced: 0, ingestIds: [] }, sources: [] });
    expect(strip(again)).toEqual(strip(first));
  }, 180_000);
});

describe("demo helpers", () => {
  it("percentOf rounds half away from zero, exactly", () => {
    expect(percentOf("1", "3")).toBe("33.3");
    expect(percentOf("2", "3")).toBe("66.7");
    expect(percentOf("-1", "8")).toBe("-12.5");
    expect(percentOf("1", "-8")).toBe("12.5");
    expect(percentOf("0.0000000001", "1", 2)).toBe("0.00");
    expect(percentOf("5", "0")).toBeNull();
  });

  it("bar draws eighths of a cell, nothing for zero or negative", () => {
    expect(bar("10", "10", 4)).toBe("████");
    expect(bar("5", "10", 4)).toBe("██");
    expect(bar("1", "8", 1)).toBe("▏");
    expect(bar("0", "10", 4)).toBe("");
    expect(bar("-3", "10", 4)).toBe("");
  });

  it("addMonths and lastCompleteMonth", () => {
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(addMonths("2025-11", 11)).toBe("2026-10");
    const src = (lastCompleteDay: string | null) => ({
      source: "x", billingAccountId: "a", billingAccountName: "", periods: 1, firstPeriod: "", lastPeriod: "", rows: 1,
      billedCost: "0", currency: "USD", lastCompleteDay, lastChargeAt: null, lastIngestAt: "", configuredSources: [], lastSyncAt: null,
    });
    expect(lastCompleteMonth([src("2026-10-31"), src("2024-09-30")])).toBe("2026-10");
    expect(lastCompleteMonth([src("2026-10-30")])).toBe("2026-09");
    expect(lastCompleteMonth([src("2024-02-29")])).toBe("2024-02");
    expect(() => lastCompleteMonth([src(null)])).toThrow(/no charges/);
  });
});
