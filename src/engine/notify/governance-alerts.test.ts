import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempStore } from "../../../test/helpers/store.js";
import { configSchema } from "../../core/config/schema.js";
import { GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { governanceFindingAlerts } from "./governance-alerts.js";

const config = configSchema.parse({});
const dashboardUrl = "https://c.example";

describe("governanceFindingAlerts", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => cleanup());

  async function scan(id: string, at: string, findings: [string, boolean, string | null, string | null][]): Promise<void> {
    await store.run({ sql: `INSERT INTO ${GOVERNANCE_SCANS_TABLE} VALUES (?, CAST(? AS TIMESTAMP), 'test', NULL, 10, 10, 5, ?, 0)`, params: [id, at, findings.length] });
    for (const [fid, blocking, team, cost] of findings) {
      await store.run({
        sql: `INSERT INTO ${GOVERNANCE_FINDINGS_TABLE} (scan_id, finding_id, rule_id, kind, severity, blocking, resource_id, resource_type, team, message, monthly_cost, currency)
              VALUES (?, ?, ?, 'tag', 'high', ?, ?, 'ec2:instance', ?, 'missing tag team', CAST(? AS DECIMAL(38,10)), ?)`,
        params: [id, fid, `rule-${fid.split("-")[0]}`, blocking, `i-${fid}`, team, cost, cost === null ? null : "USD"],
      });
    }
  }

  it("no scan, no alert", async () => {
    expect(await governanceFindingAlerts(store, config, { now: new Date("2026-12-07T12:00:00Z"), dashboardUrl })).toEqual([]);
  });

  it("the first scan: every blocking finding is new, one message per team", async () => {
    // finding id, blocking, team, monthly cost
    await scan("s1", "2026-12-06 10:00:00", [
      ["a-1", true, "payments", "12.5"],
      ["a-2", true, "payments", "99"],
      ["b-1", false, "payments", "500"], // not blocking: never alerted
      ["a-3", true, "(unowned)", null], // the scan's "no team" → unallocated
      ["a-4", true, null, null],
    ]);
    const ns = await governanceFindingAlerts(store, config, { now: new Date("2026-12-07T12:00:00Z"), dashboardUrl });
    expect(ns.map((n) => [n.team, n.key, n.kind, n.severity, n.link, n.sections[0]!.lines.length])).toEqual([
      ["__unallocated__", "governance:__unallocated__:s1", "governance", "warning", "https://c.example/governance?finding=a-3", 2],
      ["payments", "governance:payments:s1", "governance", "warning", "https://c.example/governance?finding=a-2", 2],
    ]);
    expect(ns[1]!.title).toBe("2 new blocking governance findings for payments");
    expect(ns[1]!.sections[0]!.lines[0]).toBe("rule-a on i-a-2: missing tag team (99.00 USD a month) https://c.example/governance?finding=a-2");
  });

  it("a later scan alerts only the blocking findings the scan before did not report", async () => {
    await scan("s1", "2026-12-06 10:00:00", [
      ["a-1", true, "payments", "10"],
      ["a-2", true, "search", "10"],
    ]);
    await scan("s2", "2026-12-07 10:00:00", [
      ["a-1", true, "payments", "10"], // still there: not new
      ["a-5", true, "payments", "20"], // new
      ["b-6", false, "search", "20"], // new but not blocking
    ]);
    const ns = await governanceFindingAlerts(store, config, { now: new Date("2026-12-07T12:00:00Z"), dashboardUrl });
    expect(ns.map((n) => [n.key, n.facts[0]!.value, n.link])).toEqual([["governance:payments:s2", "1", "https://c.example/governance?finding=a-5"]]);
    // seen from before s2 was recorded, s1 is the latest scan
    const before = await governanceFindingAlerts(store, config, { now: new Date("2026-12-07T09:00:00Z"), dashboardUrl });
    expect(before.map((n) => n.key)).toEqual(["governance:payments:s1", "governance:search:s1"]);
  });

  it("a finding fixed and back again is new again", async () => {
    await scan("s1", "2026-12-05 10:00:00", [["a-1", true, "payments", null]]);
    await scan("s2", "2026-12-06 10:00:00", []);
    await scan("s3", "2026-12-07 10:00:00", [["a-1", true, "payments", null]]);
    const ns = await governanceFindingAlerts(store, config, { now: new Date("2026-12-07T12:00:00Z"), dashboardUrl });
    expect(ns.map((n) => n.key)).toEqual(["governance:payments:s3"]);
  });
});
