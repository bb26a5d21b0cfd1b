/**
 * The demo's allocation: rules over the demo organisation's tags and accounts (src/demo), applied at
 * the end of `costwise demo` to show spend by team, with `__unallocated__` and tag coverage.
 */
import { allocationSection } from "../core/config/sections/allocation.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { applyAllocation, type AllocationRunResult } from "../engine/allocation/allocate.js";
import { compileLoaded } from "../engine/allocation/load-rules.js";
import { allocationSummary, type SummaryResult } from "../engine/allocation/reports.js";
import { configSchema } from "../core/config/schema.js";
import { billingMonths, taggedSpend, type TaggedSpendResult } from "../engine/kpi/tagged-spend.js";

/** What a costwise.yaml `allocation:` section for the demo organisation looks like. */
export const DEMO_ALLOCATION = {
  dimensions: ["team", "product", "environment", "cost_center"],
  tags: {
    aliases: { environment: ["env"], cost_center: ["cost-center", "costcenter"] },
    values: { environment: { map: { production: "prod" } } },
  },
  rules: [
    // the support plan is everybody's: split by each team's direct cost
    { id: "support-fee", match: { ServiceName: { glob: "*Support*" } }, shared: { method: "proportional" } },
    // what the payer (management) account runs is the shared platform
    { id: "payer-platform", match: { SubAccountId: "123456789012" }, shared: { pool: "platform", method: "proportional" } },
    // a team tag (any spelling: team, Team, ...) names the owner
    { id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}" } },
    // untagged resources in a team's own account belong to that team
    { id: "account-payments", match: { SubAccountId: "012345678901" }, set: { team: "payments" } },
    { id: "account-search", match: { SubAccountId: "098765432109" }, set: { team: "search" } },
    { id: "account-data", match: { SubAccountId: "004455667788" }, set: { team: "data" } },
    { id: "account-ml", match: { SubAccountId: "210987654321" }, set: { team: "ml" } },
    { id: "account-web", match: { SubAccountId: "345678901234" }, set: { team: "web" } },
    // untagged nonprod stays __unallocated__: that is the work left for tagging
  ],
  coverage: { requiredTags: ["team", "environment"], target: 85 },
};

export interface DemoAllocation {
  run: AllocationRunResult;
  teams: SummaryResult;
  /** Tagged spend % of the latest billing month (the KPI `costwise kpi` shows). */
  coverage: TaggedSpendResult;
}

export async function runDemoAllocation(store: AnalysisStore): Promise<DemoAllocation> {
  const loaded = compileLoaded(allocationSection.parse(DEMO_ALLOCATION), null, "costwise demo");
  const run = await applyAllocation(store, loaded);
  const teams = await allocationSummary(store, { by: "team" });
  const month = (await billingMonths(store)).at(-1);
  const coverage = await taggedSpend(store, { config: configSchema.parse({ allocation: DEMO_ALLOCATION }), baseDir: "." }, { by: "none", top: 5, ...(month ? { month } : {}) }, loaded.model);
  return { run, teams, coverage };
}
