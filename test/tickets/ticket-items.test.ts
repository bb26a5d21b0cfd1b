/**
 * What the rules make a ticket besides recommendations: blocking governance findings open longer than N days,
 * alerting anomalies above an impact, commitments ending within N days; each with its key, team, money and link.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { ticketsSection } from "../../src/core/config/sections/tickets.js";
import { UNALLOCATED } from "../../src/core/allocation/model.js";
import { ticketItems } from "../../src/engine/tickets/items.js";
import { tempStore } from "../helpers/store.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
beforeEach(async () => {
  ctx = await tempStore();
});
afterEach(async () => ctx.cleanup());

it("findings open ≥ N days, anomalies ≥ impact, commitments ending within N days", async () => {
  const s = ctx.store;
  // two scans; f-old first seen 20 days before now, f-new 3 days before; f-fixed resolved; f-warn not blocking
  await s.run(`INSERT INTO governance_scans VALUES ('s1', TIMESTAMP '2026-02-10 05:00:00', 'aws-runtime', NULL, 3, 3, 0, 3, 3), ('s2', TIMESTAMP '2026-03-01 05:00:00', 'aws-runtime', NULL, 3, 3, 0, 3, 2)`);
  await s.run(`INSERT INTO governance_findings VALUES
    ('s2', 'f-old', 'require-team-tag', 'missing-tag', 'error', true, 'i-old', NULL, 'ec2-instance', '1', 'eu-west-1', 'payments', 'team', NULL, 'tag it team=payments', 'missing tag team', 42.5, 'USD'),
    ('s2', 'f-new', 'require-team-tag', 'missing-tag', 'error', true, 'i-new', NULL, 'ec2-instance', '1', 'eu-west-1', 'search', 'team', NULL, NULL, 'missing tag team', 10, 'USD'),
    ('s2', 'f-warn', 'prefer-env-tag', 'missing-tag', 'warning', false, 'i-old', NULL, 'ec2-instance', '1', 'eu-west-1', 'payments', 'env', NULL, NULL, 'missing tag env', 42.5, 'USD')`);
  await s.run(`INSERT INTO governance_finding_history VALUES
    ('f-old', 'require-team-tag', 'i-old', '1', 'eu-west-1', 'error', 'payments', TIMESTAMP '2026-02-10 05:00:00', TIMESTAMP '2026-03-01 05:00:00', NULL, NULL),
    ('f-new', 'require-team-tag', 'i-new', '1', 'eu-west-1', 'error', 'search', TIMESTAMP '2026-02-27 05:00:00', TIMESTAMP '2026-03-01 05:00:00', NULL, NULL),
    ('f-warn', 'prefer-env-tag', 'i-old', '1', 'eu-west-1', 'warning', 'payments', TIMESTAMP '2026-02-01 05:00:00', TIMESTAMP '2026-03-01 05:00:00', NULL, NULL)`);
  // anomalies: a spike of 800 driven 70% by team data; a spike of 100 (below the impact); a drop of 900 (not a spike)
  const rc = JSON.stringify({ days: { from: "2026-02-25", to: "2026-02-26" }, baselineWeeks: 4, actual: "1800", expected: "1000", deviation: "800", headline: { kind: "resource", value: "i-hot", actual: "700", expected: "100", contribution: "600", share: 0.75 }, top: [{ kind: "resource", value: "i-hot", actual: "700", expected: "100", contribution: "600", share: 0.75 }], byKind: { owner: [{ kind: "owner", value: "data", actual: "900", expected: "340", contribution: "560", share: 0.7 }], resource: [{ kind: "resource", value: "i-hot", actual: "700", expected: "100", contribution: "600", share: 0.75 }] } });
  await s.run({
    sql: `INSERT INTO detect_anomalies (monitor, series_key, start_day, currency, kind, direction, severity, end_day, detected_day, is_open, actual, expected, impact, impact_pct, max_z, alert, root_cause, alerted_at, first_seen_at, updated_at) VALUES
      ('total', '(none)', DATE '2026-02-25', 'USD', 'spike', 'up', 'high', DATE '2026-02-26', DATE '2026-02-26', true, 1800, 1000, 800, 80, 6, true, CAST(? AS JSON), NULL, TIMESTAMP '2026-02-26 06:00:00', TIMESTAMP '2026-02-26 06:00:00'),
      ('total', '(none)', DATE '2026-02-10', 'USD', 'spike', 'up', 'low', DATE '2026-02-10', DATE '2026-02-10', false, 1100, 1000, 100, 10, 3, true, NULL, NULL, TIMESTAMP '2026-02-10 06:00:00', TIMESTAMP '2026-02-10 06:00:00'),
      ('total', '(none)', DATE '2026-02-15', 'USD', 'drop', 'down', 'high', DATE '2026-02-15', DATE '2026-02-15', false, 100, 1000, -900, -90, -6, true, NULL, NULL, TIMESTAMP '2026-02-15 06:00:00', TIMESTAMP '2026-02-15 06:00:00')`,
    params: [rc],
  });
  // a Savings Plan whose end time is 2026-03-20 (18 days after now), another ending in 2027
  await s.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency", "ServiceName", "CommitmentDiscountId", "CommitmentDiscountType", x_CommitmentDiscountEndTime)
    VALUES (TIMESTAMP '2026-02-01', TIMESTAMP '2026-02-02', TIMESTAMP '2026-02-01', 1, 1, 'USD', 'Savings Plans', 'arn:aws:savingsplans::1:savingsplan/sp-soon', 'Savings Plan', TIMESTAMP '2026-03-20 00:00:00'),
           (TIMESTAMP '2026-02-01', TIMESTAMP '2026-02-02', TIMESTAMP '2026-02-01', 1, 1, 'USD', 'Savings Plans', 'arn:aws:savingsplans::1:savingsplan/sp-later', 'Savings Plan', TIMESTAMP '2027-03-20 00:00:00')`);

  const cfg = ticketsSection.parse({ rules: { governance: { minDaysOpen: 14 }, anomalies: { minImpact: "500" }, commitments: { withinDays: 30 } } });
  const items = await ticketItems(s, cfg, { now: new Date("2026-03-02T12:00:00Z"), dashboardUrl: "https://c.example" });
  expect(items.map((i) => [i.key, i.team, i.money.map((m) => `${m.label} ${m.amount}`).join(", "), i.link])).toEqual([
    ["governance:f-old", "payments", "Monthly cost of the resource 42.5000000000", "https://c.example/governance?finding=f-old"],
    [expect.stringMatching(/^anomaly:[0-9a-f]{16}$/), "data", "Impact 800.0000000000", expect.stringMatching(/^https:\/\/c\.example\/anomalies\?anomaly=[0-9a-f]{16}$/)],
    ["commitment:arn:aws:savingsplans::1:savingsplan/sp-soon:2026-03-20", UNALLOCATED, "", "https://c.example/commitments?id=arn%3Aaws%3Asavingsplans%3A%3A1%3Asavingsplan%2Fsp-soon"],
  ]);
  expect(items[0]!.action).toBe("tag it team=payments");
  expect(items[0]!.why).toContain("Open since 2026-02-10 (20 days).");
  expect(items[1]!.resource.id).toBe("i-hot");
  expect(items[1]!.why.join("\n")).toContain("resource i-hot: 600.00 USD (75% of the deviation)");
  // without those rules: none of them
  expect(await ticketItems(s, ticketsSection.parse({}), { now: new Date("2026-03-02T12:00:00Z"), dashboardUrl: "https://c.example" })).toEqual([]);
});
