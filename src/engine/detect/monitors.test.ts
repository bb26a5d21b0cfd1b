import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectionSection } from "../../core/config/sections/detection.js";
import { addMoney, compareMoney, subMoney } from "../../core/money.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { tempStore } from "../../../test/helpers/store.js";
import { seedDetectStore as seed } from "../../../test/helpers/detect-seed.js";
import { listAnomalies, runMonitors } from "./monitors.js";
import { rootCause } from "./root-cause.js";
import { focusScope } from "./scope.js";
import { lastCompleteDayFromStore } from "./load-series.js";

describe("monitors over the store", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
    await seed(store);
  });
  afterEach(async () => cleanup());

  it("knows the last complete billing day (the day before the latest charge day)", async () => {
    expect(await lastCompleteDayFromStore(store)).toBe("2024-03-29");
  });

  it("finds the spike on the total and per service, names the resource, and never scores the partial day", async () => {
    const config = { detection: detectionSection.parse({ monitors: [{ name: "total" }, { name: "services", dimension: "ServiceName" }] }) };
    const r = await runMonitors(store, config, { now: new Date("2024-03-30T06:00:00Z") });
    expect(r.asOf).toBe("2024-03-29");
    const total = r.anomalies.filter((a) => a.monitor === "total");
    expect(total).toHaveLength(1);
    const a = total[0]!;
    expect(a).toMatchObject({ kind: "spike", direction: "up", start: "2024-03-26", end: "2024-03-26", detected: "2024-03-26", alert: true, newAlert: true });
    // impact ≈ 500 (the extra resource), expected from the weekly baseline
    expect(Number(a.impact)).toBeGreaterThan(450);
    expect(Number(a.impact)).toBeLessThan(550);
    expect(compareMoney(subMoney(a.actual, a.expected), a.impact)).toBe(0);
    expect(a.rootCause?.headline).toMatchObject({ kind: "resource", value: "i-bad", actual: "500.0000000000" });
    expect(a.rootCause?.byKind["service"]?.[0]?.value).toBe("EC2");
    expect(a.rootCause?.byKind["account"]?.[0]?.value).toBe("A");
    expect(a.rootCause?.byKind["region"]?.[0]?.value).toBe("eu-west-1");
    expect(a.rootCause?.byKind["sku"]?.[0]?.value).toBe("EC2:BoxUsage:p4d.24xlarge");
    expect(a.rootCause?.byKind["tag:team"]?.[0]?.value).toBe("web");
    // nothing on or after the partial day
    expect(r.anomalies.every((x) => x.end <= "2024-03-29")).toBe(true);
    const svc = r.anomalies.filter((x) => x.monitor === "services");
    expect(svc.map((x) => x.seriesKey)).toEqual(["EC2"]);
  });

  it("alerts a multi-run anomaly once and keeps one row per monitor, series and start day", async () => {
    const config = { detection: detectionSection.parse({ monitors: [{ name: "total" }] }) };
    const first = await runMonitors(store, config, { now: new Date("2024-03-27T06:00:00Z"), asOf: "2024-03-26" });
    expect(first.anomalies.map((a) => [a.start, a.newAlert])).toEqual([["2024-03-26", true]]);
    const second = await runMonitors(store, config, { now: new Date("2024-03-30T06:00:00Z") });
    expect(second.anomalies.map((a) => [a.start, a.newAlert])).toEqual([["2024-03-26", false]]);
    const rows = await listAnomalies(store);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ monitor: "total", series_key: "total", start_day: "2024-03-26", alerted_at: "2024-03-27T06:00:00Z", alert: true });
  });

  it("alert thresholds are separate from detection", async () => {
    const config = { detection: detectionSection.parse({ monitors: [{ name: "total" }], alert: { minImpact: "1000" } }) };
    const r = await runMonitors(store, config, { persist: false });
    expect(r.anomalies).toHaveLength(1);
    expect(r.anomalies[0]!.alert).toBe(false);
  });

  it("root cause: contributions of every value of a kind add up to the deviation, to the cent", async () => {
    const rc = await rootCause(store, { scope: focusScope("EffectiveCost", []), currency: "USD", startDay: "2024-03-26", days: 1, direction: "up", perKind: 50 });
    for (const kind of ["service", "account", "region", "resource"]) {
      const list = rc.byKind[kind]!;
      expect(addMoney(...list.map((c) => c.contribution))).toBe(rc.deviation);
    }
    const direct = await store.all(`SELECT CAST(sum("EffectiveCost") AS VARCHAR) AS s FROM focus_costs WHERE CAST("ChargePeriodStart" AS DATE) = DATE '2024-03-26'`);
    expect(rc.actual).toBe(String(direct[0]!["s"]));
    expect(rc.top[0]!.value === "i-bad" || rc.headline?.value === "i-bad").toBe(true);
  });
  it("owner monitors read the allocation table when it has rows, and root cause names the resource", async () => {
    await store.run(`INSERT INTO cost_allocation (charge_date, billing_period_start, currency, team, rule_id, provider, sub_account_id, service_name, region_id, resource_id, billed_cost, effective_cost, line_items)
      SELECT CAST("ChargePeriodStart" AS DATE), "BillingPeriodStart", "BillingCurrency", "Tags"['team'], 'r1', 'AWS', "SubAccountId", "ServiceName", "RegionId", "ResourceId",
             sum("BilledCost"), sum("EffectiveCost"), count(*)
      FROM focus_costs GROUP BY ALL`);
    const config = { detection: detectionSection.parse({ monitors: [{ name: "owners", dimension: "owner" }] }) };
    const r = await runMonitors(store, config, { persist: false });
    expect(r.monitors).toEqual([{ name: "owners", series: 2 }]);
    expect(r.anomalies.map((a) => [a.seriesKey, a.start, a.kind])).toEqual([["web", "2024-03-26", "spike"]]);
    expect(r.anomalies[0]!.rootCause?.headline).toMatchObject({ kind: "resource", value: "i-bad" });
  });

  it("hourly monitors score hours", async () => {
    await store.run(`DELETE FROM focus_costs`);
    await store.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "BilledCost", "BillingCurrency", "ServiceName", "ResourceId")
      SELECT TIMESTAMP '2024-05-01' + INTERVAL (i) HOUR, TIMESTAMP '2024-05-01' + INTERVAL (i + 1) HOUR,
             CASE WHEN i = 600 THEN 60 ELSE 10 + (hash(i) % 100)::INTEGER / 100.0 END, 0, 'USD', 'EC2', CASE WHEN i = 600 THEN 'i-burst' ELSE 'i-1' END
      FROM range(24 * 30) t(i)`);
    const config = { detection: detectionSection.parse({ monitors: [{ name: "hourly", granularity: "hour" }] }) };
    const r = await runMonitors(store, config, { persist: false, rootCause: false });
    expect(r.asOf).toBe("2024-05-29");
    expect(r.anomalies.map((a) => [a.start, a.kind, a.direction])).toEqual([["2024-05-26T00:00:00Z", "spike", "up"]]);
  });
});
