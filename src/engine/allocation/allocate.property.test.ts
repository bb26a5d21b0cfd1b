/**
 * Property tests over generated line items and rule sets: allocated + unallocated = billed exactly per
 * billing period and currency; the result does not depend on row order or on the order of rules that
 * cannot claim the same rows; running twice gives the same table.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocationSection } from "../../core/config/sections/allocation.js";
import { formatMoney } from "../../core/money.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { insertCostRows, type CostRow } from "../../../test/helpers/allocation-rows.js";
import { tempStore } from "../../../test/helpers/store.js";
import { applyAllocation } from "./allocate.js";
import { compileLoaded } from "./load-rules.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
});
afterAll(async () => cleanup());

const ACCOUNTS = ["a1", "a2", "a3", "a4", "a5", "a6"];
const TEAMS = ["payments", "search", "web", "data"];

const rowArb: fc.Arbitrary<CostRow> = fc.record({
  date: fc.constantFrom("2026-01-03", "2026-01-20", "2026-02-11", "2026-03-01"),
  billed: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 14n }).map((u) => formatMoney(u)),
  effective: fc.bigInt({ min: 0n, max: 10n ** 14n }).map((u) => formatMoney(u)),
  currency: fc.constantFrom("USD", "EUR", "JPY"),
  account: fc.constantFrom(...ACCOUNTS),
  service: fc.constantFrom("Amazon EC2", "Amazon S3", "AWS Support"),
  resource: fc.option(fc.constantFrom("r1", "r2", "r3", "r4"), { nil: null }),
  tags: fc.option(
    fc.record({ key: fc.constantFrom("team", "Team", "owner-team", " TEAM"), value: fc.constantFrom(...TEAMS, "Payments ", "") }).map((t) => ({ [t.key]: t.value })),
    { nil: null },
  ),
});

/** One rule per distinct account (so no two can claim the same row), then a tag rule last. */
const ruleSetArb = fc
  .uniqueArray(fc.constantFrom(...ACCOUNTS), { minLength: 0, maxLength: 5 })
  .chain((accounts) =>
    fc.tuple(
      ...accounts.map((account, i) =>
        fc.oneof(
          fc.constantFrom(...TEAMS).map((team) => ({ id: `acct-${account}`, match: { SubAccountId: account }, set: { team } })),
          fc.constant({ id: `even-${account}`, match: { SubAccountId: account }, shared: { pool: `p${i}`, method: "even" } }),
          fc.constant({ id: `prop-${account}`, match: { SubAccountId: account }, shared: { pool: `p${i}`, method: "proportional" } }),
          fc.constant({ id: `fixed-${account}`, match: { SubAccountId: account }, shared: { pool: `p${i}`, method: "fixed", percentages: { payments: "33.3", web: "66.7" } } }),
        ),
      ),
    ),
  );

async function tableDump(): Promise<string> {
  const rows = await store.all(
    `SELECT charge_date::VARCHAR AS d, currency, team, owners::VARCHAR AS o, rule_id, shared_pool, sub_account_id, service_name, resource_id, billed_cost::VARCHAR AS b, effective_cost::VARCHAR AS e
     FROM cost_allocation ORDER BY ALL`,
  );
  return JSON.stringify(rows);
}

async function run(rows: CostRow[], rules: unknown[]): Promise<string> {
  await store.run("DELETE FROM focus_costs");
  await insertCostRows(store, rows);
  const loaded = compileLoaded(allocationSection.parse({ tags: { aliases: { team: ["owner-team"] } }, rules: [...rules, { id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}" } }] }), null, null);
  await applyAllocation(store, loaded);
  return tableDump();
}

describe("allocation properties", () => {
  it("conserves money per period and currency, independent of row and (disjoint) rule order, idempotent", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 30 }), ruleSetArb, fc.integer(), async (rows, rules, seed) => {
        const first = await run(rows, rules);
        const check = await store.all(`
          WITH s AS (SELECT "BillingPeriodStart" AS p, "BillingCurrency" AS c, sum("BilledCost") AS v, sum("EffectiveCost") AS ve FROM focus_costs GROUP BY ALL),
               a AS (SELECT billing_period_start AS p, currency AS c, sum(billed_cost) AS v, sum(effective_cost) AS ve FROM cost_allocation GROUP BY ALL)
          SELECT count(*)::INT AS bad FROM s FULL JOIN a USING (p, c) WHERE s.v IS DISTINCT FROM a.v OR s.ve IS DISTINCT FROM a.ve`);
        expect(check[0]!["bad"]).toBe(0);
        const again = await run(rows, rules);
        expect(again).toBe(first);
        const shuffledRows = fc.sample(fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }), { seed, numRuns: 1 })[0]!;
        const shuffledRules = fc.sample(fc.shuffledSubarray(rules, { minLength: rules.length, maxLength: rules.length }), { seed: seed + 1, numRuns: 1 })[0]!;
        expect(await run(shuffledRows, shuffledRules)).toBe(first);
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
