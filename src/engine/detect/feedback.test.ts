/**
 * Anomaly feedback on a hand-drawn anomalies table (acknowledge, expected, snooze: who, when, why), and its two
 * effects on the detector: expected days leave the baseline, snoozed monitors raise no alerts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectionSection } from "../../core/config/sections/detection.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { tempStore } from "../../../test/helpers/store.js";
import { seedDetectStore } from "../../../test/helpers/detect-seed.js";
import { anomalyId } from "./anomaly-id.js";
import {
  activeSnoozes,
  anomalyTeam,
  expectedDays,
  giveFeedback,
  listFeedback,
  listSnoozes,
  markExpected,
  parseUntil,
  seriesKeyOf,
  snoozeMonitor,
  unsnoozeMonitor,
  acknowledgeAnomaly,
} from "./feedback.js";
import { listAnomalies, runMonitors } from "./monitors.js";
import { ANOMALIES_TABLE } from "./tables.js";

// the anomalies table as detect would have left it
//   monitor | series_key | start_day  | end_day    | currency | open
const ANOMALIES = [
  ["owners", "payments", "2026-11-02", "2026-11-04", "USD", true],
  ["owners", "search", "2026-11-03", "2026-11-03", "USD", false],
  ["total", "total", "2026-11-03", "2026-11-04", "USD", true],
] as const;

const idOf = (i: number) => {
  const [monitor, seriesKey, startDay, , currency] = ANOMALIES[i]!;
  return anomalyId({ monitor, seriesKey, startDay, currency });
};

async function drawAnomalies(store: DuckDbStore): Promise<void> {
  for (const [monitor, series, start, end, cur, open] of ANOMALIES) {
    await store.run({
      sql: `INSERT INTO ${ANOMALIES_TABLE} (monitor, series_key, start_day, currency, kind, direction, severity, end_day, detected_day, is_open, actual, expected, impact, impact_pct, max_z, alert, alerted_at, root_cause, first_seen_at, updated_at)
            VALUES (?, ?, CAST(? AS DATE), ?, 'spike', 'up', 'high', CAST(? AS DATE), CAST(? AS DATE), ?, 300, 100, 200, 2.0, 9.5, true, TIMESTAMP '2026-11-05 06:00:00', NULL, TIMESTAMP '2026-11-05 06:00:00', TIMESTAMP '2026-11-05 06:00:00')`,
      params: [monitor, series, start, cur, end, start, open],
    });
  }
}

const ANA = { name: "ana", team: null };
const PAY = { name: "pay-bot", team: "payments" };

describe("anomaly feedback (hand-drawn anomalies)", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
    await drawAnomalies(store);
  });
  afterEach(async () => cleanup());

  it("acknowledges and marks expected with who, when and why; the list shows the latest mark of each", async () => {
    await acknowledgeAnomaly(store, idOf(0), PAY, { now: new Date("2026-11-05T08:00:00Z") });
    const r = await markExpected(store, idOf(0), ANA, { reason: "  load test  ", now: new Date("2026-11-05T09:30:00Z") });
    expect(r.anomaly).toMatchObject({ id: idOf(0), monitor: "owners", series_key: "payments", start_day: "2026-11-02", end_day: "2026-11-04" });
    expect(r.feedback).toEqual({
      acknowledged: { by: "pay-bot", team: "payments", at: "2026-11-05T08:00:00Z", reason: null },
      expected: { by: "ana", team: null, at: "2026-11-05T09:30:00Z", reason: "load test" },
      snoozed_until: null,
    });
    // acknowledged again later: the latest one is shown, the history keeps both
    await acknowledgeAnomaly(store, idOf(0), ANA, { now: new Date("2026-11-06T10:00:00Z") });
    expect(await listFeedback(store, { anomalyId: idOf(0) })).toEqual([
      { anomaly_id: idOf(0), action: "ack", reason: null, by_name: "pay-bot", by_team: "payments", at: "2026-11-05T08:00:00Z" },
      { anomaly_id: idOf(0), action: "expected", reason: "load test", by_name: "ana", by_team: null, at: "2026-11-05T09:30:00Z" },
      { anomaly_id: idOf(0), action: "ack", reason: null, by_name: "ana", by_team: null, at: "2026-11-06T10:00:00Z" },
    ]);
    const listed = await listAnomalies(store, { now: new Date("2026-11-07T00:00:00Z") });
    const byId = new Map(listed.map((a) => [a.id, a]));
    expect(byId.get(idOf(0))!.feedback.acknowledged).toMatchObject({ by: "ana", at: "2026-11-06T10:00:00Z" });
    expect(byId.get(idOf(0))!.feedback.expected).toMatchObject({ by: "ana", reason: "load test" });
    // marking expected closes the anomaly (its days are out of the baseline; later days are scored afresh)
    expect(byId.get(idOf(0))!.is_open).toBe(false);
    expect(byId.get(idOf(2))!.is_open).toBe(true);
    // the others have none
    expect(byId.get(idOf(1))!.feedback).toEqual({ acknowledged: null, expected: null, snoozed_until: null });
  });

  it("refuses an expected mark without a reason, an unknown id, and an unknown action", async () => {
    await expect(giveFeedback(store, idOf(1), "expected", ANA, { reason: "  " })).rejects.toMatchObject({ code: "USAGE" });
    await expect(acknowledgeAnomaly(store, "0123456789abcdef", ANA)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(acknowledgeAnomaly(store, "x'; DROP TABLE detect_anomalies; --", ANA)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(giveFeedback(store, idOf(1), "reopen" as never, ANA)).rejects.toMatchObject({ code: "USAGE" });
    expect(await listFeedback(store)).toEqual([]);
  });

  it("expected days are every day of the expected anomalies of a monitor, per series and currency", async () => {
    await markExpected(store, idOf(0), ANA, { reason: "load test" });
    await markExpected(store, idOf(2), ANA, { reason: "migration" });
    const owners = await expectedDays(store, "owners");
    expect([...owners.keys()]).toEqual([seriesKeyOf("payments", "USD")]);
    expect([...owners.get(seriesKeyOf("payments", "USD"))!]).toEqual(["2026-11-02", "2026-11-03", "2026-11-04"]);
    expect([...(await expectedDays(store, "total")).get(seriesKeyOf("total", "USD"))!]).toEqual(["2026-11-03", "2026-11-04"]);
    expect((await expectedDays(store, "services")).size).toBe(0);
  });

  it("snoozes a monitor or one series until a time, replaces an active snooze, and records who ended it", async () => {
    const t0 = new Date("2026-11-05T08:00:00Z");
    const s = await snoozeMonitor(store, { monitor: "owners", series: "payments", until: parseUntil("2026-11-10"), reason: "migration week" }, PAY, t0);
    expect(s).toMatchObject({ monitor: "owners", series_key: "payments", until: "2026-11-10T00:00:00Z", by_name: "pay-bot", by_team: "payments", at: "2026-11-05T08:00:00Z", cleared_at: null });
    await snoozeMonitor(store, { monitor: "total", until: parseUntil("2026-11-06T12:00:00Z") }, ANA, t0);
    let listed = await listAnomalies(store, { now: new Date("2026-11-06T00:00:00Z") });
    const until = (i: number) => listed.find((a) => a.id === idOf(i))!.feedback.snoozed_until;
    expect([until(0), until(1), until(2)]).toEqual(["2026-11-10T00:00:00Z", null, "2026-11-06T12:00:00Z"]);
    // after its `until`, a snooze is over by itself
    listed = await listAnomalies(store, { now: new Date("2026-11-07T00:00:00Z") });
    expect([until(0), until(2)]).toEqual(["2026-11-10T00:00:00Z", null]);
    // snoozing the same series again replaces the active snooze
    await snoozeMonitor(store, { monitor: "owners", series: "payments", until: parseUntil("2026-11-20") }, ANA, new Date("2026-11-07T00:00:00Z"));
    expect((await activeSnoozes(store, new Date("2026-11-07T01:00:00Z"))).map((x) => [x.monitor, x.series_key, x.until])).toEqual([["owners", "payments", "2026-11-20T00:00:00Z"]]);
    // unsnooze: ends it now, records who
    expect(await unsnoozeMonitor(store, { monitor: "owners", series: "payments" }, ANA, new Date("2026-11-08T00:00:00Z"))).toBe(1);
    expect(await unsnoozeMonitor(store, { monitor: "owners", series: "payments" }, ANA, new Date("2026-11-08T00:00:00Z"))).toBe(0);
    expect(await activeSnoozes(store, new Date("2026-11-08T01:00:00Z"))).toEqual([]);
    const history = await listSnoozes(store);
    expect(history.map((x) => [x.monitor, x.series_key, x.by_name, x.cleared_by, x.cleared_at])).toEqual([
      ["owners", "payments", "ana", "ana", "2026-11-08T00:00:00Z"],
      ["owners", "payments", "pay-bot", "ana", "2026-11-07T00:00:00Z"],
      ["total", null, "ana", null, null],
    ]);
    await expect(snoozeMonitor(store, { monitor: "owners", until: parseUntil("2026-11-01") }, ANA, t0)).rejects.toMatchObject({ code: "USAGE" });
    expect(() => parseUntil("next week")).toThrow(/expected a date/);
  });

  it("an anomaly belongs to a team when its monitor splits by owner", () => {
    const monitors = detectionSection.parse({ monitors: [{ name: "owners", dimension: "owner" }, { name: "total" }] }).monitors!;
    expect(anomalyTeam({ monitor: "owners", series_key: "payments" }, monitors)).toBe("payments");
    expect(anomalyTeam({ monitor: "total", series_key: "total" }, monitors)).toBeNull();
    expect(anomalyTeam({ monitor: "gone", series_key: "payments" }, monitors)).toBeNull();
  });
});

describe("feedback and the detector", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  afterEach(async () => cleanup());

  it("a snoozed monitor still records its anomalies but raises no alert; after the snooze it alerts", async () => {
    ({ store, cleanup } = await tempStore());
    await seedDetectStore(store);
    const config = { detection: detectionSection.parse({ monitors: [{ name: "total" }, { name: "services", dimension: "ServiceName" }] }) };
    await snoozeMonitor(store, { monitor: "total", until: parseUntil("2024-04-01") }, ANA, new Date("2024-03-25T00:00:00Z"));
    await snoozeMonitor(store, { monitor: "services", series: "S3", until: parseUntil("2024-04-01") }, ANA, new Date("2024-03-25T00:00:00Z"));
    const r = await runMonitors(store, config, { now: new Date("2024-03-30T06:00:00Z") });
    const total = r.anomalies.find((a) => a.monitor === "total")!;
    const ec2 = r.anomalies.find((a) => a.monitor === "services" && a.seriesKey === "EC2")!;
    expect(total).toMatchObject({ start: "2024-03-26", alert: false, newAlert: false, snoozed: true });
    // a snooze on another series of the monitor does not silence this one
    expect(ec2).toMatchObject({ start: "2024-03-26", alert: true, newAlert: true, snoozed: false });
    const stored = (await listAnomalies(store, { now: new Date("2024-03-30T06:00:00Z") })).find((a) => a.monitor === "total")!;
    expect(stored).toMatchObject({ alert: false, alerted_at: null, feedback: { snoozed_until: "2024-04-01T00:00:00Z" } });
    // once the snooze is over, the anomaly (still within the lookback) alerts on the next run
    const later = await runMonitors(store, config, { now: new Date("2024-04-01T06:00:00Z") });
    expect(later.anomalies.find((a) => a.monitor === "total")).toMatchObject({ alert: true, newAlert: true, snoozed: false });
  });

  /**
   * 84 days at 100/day (±1% noise), then a 6-day plateau at 260/day (a planned load test), then 100/day again
   * for 4 weeks. The plateau is long enough to be a level shift: left in the baseline, the detector rebases to
   * it and the return to 100 is a new (downward) anomaly; marked expected, its days leave the baseline and the
   * weeks after it are expected at 100 again: no anomaly.
   */
  async function seedPlateau(s: DuckDbStore): Promise<void> {
    await s.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency", "ServiceName", "ResourceId", "x_Source")
      SELECT d, d + INTERVAL 1 DAY, date_trunc('month', d), c, c, 'USD', 'EC2', 'i-1', 'test'
      FROM (SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) DAY AS d,
                   CAST(CASE WHEN i BETWEEN 84 AND 89 THEN 260 ELSE 100 END * (1 + ((hash(i) % 100)::INTEGER - 50) / 5000.0) AS DECIMAL(38,10)) AS c
            FROM range(119) t(i))`);
  }

  it("an expected plateau does not raise the baseline of the following weeks", async () => {
    ({ store, cleanup } = await tempStore());
    await seedPlateau(store);
    const config = { detection: detectionSection.parse({ monitors: [{ name: "total" }] }) };
    // the day after the plateau ends: it is found
    const first = await runMonitors(store, config, { asOf: "2024-03-30", rootCause: false, now: new Date("2024-03-31T06:00:00Z") });
    const plateau = first.anomalies.find((a) => a.start === "2024-03-25");
    expect(plateau).toBeDefined();
    expect(plateau!.direction).toBe("up");

    // left in the baseline: the detector rebases to the plateau, and the return to normal is itself an anomaly
    const unmarked = await runMonitors(store, config, { asOf: "2024-04-05", persist: false, rootCause: false });
    expect(unmarked.anomalies.filter((a) => a.start > "2024-03-30").map((a) => [a.start, a.kind, a.direction])).toEqual([["2024-03-31", "level_shift", "down"]]);

    // marked expected: its days leave the baseline, nothing after it is anomalous, a week later or four
    const [row] = await listAnomalies(store);
    await markExpected(store, row!.id, ANA, { reason: "load test, planned" });
    const weekAfter = await runMonitors(store, config, { asOf: "2024-04-05", persist: false, rootCause: false });
    expect(weekAfter.anomalies.filter((a) => a.start > "2024-03-30")).toEqual([]);
    const marked = await runMonitors(store, config, { rootCause: false, now: new Date("2024-04-28T06:00:00Z") });
    expect(marked.asOf).toBe("2024-04-27");
    expect(marked.anomalies.filter((a) => a.start > "2024-03-30")).toEqual([]);
    // and the plateau itself is not scored again (its row and feedback stay)
    expect(marked.anomalies.filter((a) => a.start >= "2024-03-25" && a.start <= "2024-03-30")).toEqual([]);
    const listed = await listAnomalies(store);
    expect(listed.map((a) => [a.start_day, a.feedback.expected?.reason])).toEqual([["2024-03-25", "load test, planned"]]);
  });
});
