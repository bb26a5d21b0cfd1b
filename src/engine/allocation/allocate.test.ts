/**
 * Hand-computed allocation scenarios: each fixture is drawn as a table, with the totals per owner worked
 * out by hand in the comments (largest remainder in cents).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allocationSection, type AllocationConfig } from "../../core/config/sections/allocation.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { insertCostRows, type CostRow } from "../../../test/helpers/allocation-rows.js";
import { tempStore } from "../../../test/helpers/store.js";
import { applyAllocation, previewAllocation } from "./allocate.js";
import { compileLoaded } from "./load-rules.js";
import { allocationSummary } from "./reports.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
});
afterEach(async () => cleanup());

const cfg = (raw: unknown): AllocationConfig => allocationSection.parse(raw);
const loaded = (raw: unknown) => compileLoaded(cfg(raw), null, null);
/** A model holding a regex only the store refuses: config loading now refuses it first (RE2 syntax, test/hostile/regex.test.ts), so the runtime path is reached by swapping the pattern in after compiling. */
const withStoreRefusedRegex = (l: ReturnType<typeof loaded>): ReturnType<typeof loaded> => {
  for (const r of l.model.rules) for (const c of r.conditions) if (c.condition.op === "regex") c.condition = { op: "regex", pattern: "i-(?=1)" };
  return l;
};

async function byTeam(s: DuckDbStore, extra: Partial<Parameters<typeof allocationSummary>[1]> = {}): Promise<Record<string, string>> {
  const r = await allocationSummary(s, { by: "team", ...extra });
  return Object.fromEntries(r.rows.map((x) => [x.key, x.billedCost]));
}

//  account        tags                        billed
//  111 (payments) team=payments               100.00
//  111            "Team "=" Payments"          50.00   (key case + trim, value case)
//  222 (search)   owner-team=search            30.00   (alias)
//  333 (platform) -                            10.00   -> shared pool
//  444            -                             7.00   -> __unallocated__
const BASE: CostRow[] = [
  { date: "2026-01-05", billed: "100.00", account: "111", tags: { team: "payments" }, resource: "i-1" },
  { date: "2026-01-06", billed: "50.00", account: "111", tags: { "Team ": " Payments" }, resource: "i-2" },
  { date: "2026-01-07", billed: "30.00", account: "222", tags: { "owner-team": "search" }, resource: "i-3" },
  { date: "2026-01-08", billed: "10.00", account: "333", service: "AWS Support", resource: null },
  { date: "2026-01-09", billed: "7.00", account: "444", resource: "i-4" },
];
const teamRule = { id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}" } };
const aliases = { aliases: { team: ["owner-team"] } };

describe("shared costs, hand-computed", () => {
  it("proportional: 10.00 over payments 150 / search 30 = 8.33 / 1.67 (search has the larger remainder)", async () => {
    // cents: payments floor(1000*150/180)=833 rem 60; search floor(1000*30/180)=166 rem 120; leftover 1 -> search
    await insertCostRows(store, BASE);
    const run = await applyAllocation(
      store,
      loaded({ tags: aliases, rules: [{ id: "platform", match: { SubAccountId: "333" }, shared: { method: "proportional" } }, teamRule] }),
    );
    expect(run.conservation.every((c) => c.ok)).toBe(true);
    expect(await byTeam(store)).toEqual({ payments: "158.3300000000", search: "31.6700000000", __unallocated__: "7.0000000000" });
    // each line item is counted once, though the pool's row became two shares
    expect(run.lineItems).toBe(5);
    const rules = await store.all(`SELECT rule_id, shared_pool, team, sum(billed_cost)::VARCHAR AS v FROM cost_allocation GROUP BY ALL ORDER BY ALL`);
    expect(rules).toEqual([
      { rule_id: "__unallocated__", shared_pool: null, team: "__unallocated__", v: "7.0000000000" },
      { rule_id: "platform", shared_pool: "platform", team: "payments", v: "8.3300000000" },
      { rule_id: "platform", shared_pool: "platform", team: "search", v: "1.6700000000" },
      { rule_id: "team-tag", shared_pool: null, team: "payments", v: "150.0000000000" },
      { rule_id: "team-tag", shared_pool: null, team: "search", v: "30.0000000000" },
    ]);
  });

  it("even over a receiver list: 10.00 / 3 = 3.34 (payments, first by name) + 3.33 + 3.33", async () => {
    await insertCostRows(store, BASE);
    await applyAllocation(
      store,
      loaded({ tags: aliases, rules: [{ id: "platform", match: { SubAccountId: "333" }, shared: { method: "even", receivers: ["web", "search", "payments"] } }, teamRule] }),
    );
    expect(await byTeam(store)).toEqual({ payments: "153.3400000000", search: "33.3300000000", web: "3.3300000000", __unallocated__: "7.0000000000" });
  });

  it("fixed 50/30/20 of 10.01: 500.5 / 300.3 / 200.2 cents -> 5.01 / 3.00 / 2.00", async () => {
    await insertCostRows(store, [...BASE.filter((r) => r.account !== "333"), { date: "2026-01-08", billed: "10.01", account: "333" }]);
    await applyAllocation(
      store,
      loaded({ tags: aliases, rules: [{ id: "support", match: { SubAccountId: "333" }, shared: { method: "fixed", percentages: { payments: 50, search: "30", web: 20 } } }, teamRule] }),
    );
    expect(await byTeam(store)).toEqual({ payments: "155.0100000000", search: "33.0000000000", web: "2.0000000000", __unallocated__: "7.0000000000" });
  });

  it("a pool with no receiver in its period stays __unallocated__ with its pool named", async () => {
    await insertCostRows(store, [{ date: "2026-02-01", billed: "5.00", account: "333" }, ...BASE]);
    await applyAllocation(store, loaded({ tags: aliases, rules: [{ id: "platform", match: { SubAccountId: "333" }, shared: { method: "proportional" } }, teamRule] }));
    const feb = await store.all(`SELECT team, shared_pool, sum(billed_cost)::VARCHAR AS v FROM cost_allocation WHERE billing_period_start = '2026-02-01' GROUP BY ALL`);
    expect(feb).toEqual([{ team: "__unallocated__", shared_pool: "platform", v: "5.0000000000" }]);
  });
});

describe("tag normalization", () => {
  it("folds key case and aliases, trims and cases values, maps values, inherits account and resource-group defaults", async () => {
    await insertCostRows(store, [
      { date: "2026-01-01", billed: "1", account: "a1", tags: { "Owner-Team": "PAY " } },
      { date: "2026-01-01", billed: "2", account: "a1", tags: { team: "payments" } },
      { date: "2026-01-01", billed: "4", account: "a2" }, // inherits team=platform from the account
      { date: "2026-01-01", billed: "8", account: "a3", resource: "/subscriptions/s/resourceGroups/RG-Data/providers/x/y" },
      { date: "2026-01-01", billed: "16", account: "a2", tags: { team: "" } }, // empty = absent -> inherited
    ]);
    await applyAllocation(
      store,
      loaded({
        tags: {
          aliases: { team: ["owner-team"] },
          values: { team: { map: { pay: "payments" } } },
          accountDefaults: { a2: { Team: "Platform" } },
          resourceGroupDefaults: { "rg-data": { team: "data" } },
        },
        rules: [teamRule],
      }),
    );
    expect(await byTeam(store)).toEqual({ payments: "3.0000000000", platform: "20.0000000000", data: "8.0000000000" });
    // the raw tags are untouched
    const raw = await store.all(`SELECT count(*)::INT AS n FROM focus_costs WHERE "Tags"['Owner-Team'] = 'PAY '`);
    expect(raw[0]!["n"]).toBe(1);
  });
});

//  Kubernetes cluster prod-eks, January 2026, USD
//  cloud node rows (tag eks:cluster-name=prod-eks)     60.00 + 40.00 = 100.00
//  OpenCost rows:  payments-ns 30.00, search-ns 10.00, __idle__ 10.00  = 50.00
//  scaled to the cloud cost (x2): payments 60.00, search 20.00, idle 20.00
//  idle distribute (60:20): payments +15.00, search +5.00  -> payments 75.00, search 25.00
//  idle keep:               payments 60.00, search 20.00, __idle__ 20.00
const K8S: CostRow[] = [
  { date: "2026-01-03", billed: "60.00", account: "555", tags: { "eks:cluster-name": "prod-eks" }, resource: "i-node1" },
  { date: "2026-01-03", billed: "40.00", account: "555", tags: { "eks:cluster-name": "prod-eks" }, resource: "i-node2" },
  { date: "2026-01-03", billed: "30.00", source: "opencost", provider: "Kubernetes", k8sCluster: "prod-eks", k8sNamespace: "payments-ns", tags: { "k8s:label:team": "payments" } },
  { date: "2026-01-03", billed: "10.00", source: "opencost", provider: "Kubernetes", k8sCluster: "prod-eks", k8sNamespace: "search-ns" },
  { date: "2026-01-03", billed: "10.00", source: "opencost", provider: "Kubernetes", k8sCluster: "prod-eks", k8sNamespace: "__idle__" },
];
const k8sRules = [
  { id: "ns-label", match: { "tag:k8s:label:team": { present: true } }, set: { team: "${tag:k8s:label:team}" } },
  { id: "ns-search", match: { x_k8s_Namespace: "search-ns" }, set: { team: "search" } },
];

describe("Kubernetes, hand-computed", () => {
  it("replaces the cluster's node cost by the OpenCost allocation scaled to it, idle distributed", async () => {
    await insertCostRows(store, K8S);
    const run = await applyAllocation(store, loaded({ rules: k8sRules, kubernetes: { clusters: [{ name: "prod-eks", match: { "tag:eks:cluster-name": "prod-eks" } }] } }));
    expect(await byTeam(store)).toEqual({ payments: "75.0000000000", search: "25.0000000000" });
    expect(run.reconciled).toEqual([{ period: "2026-01-01", currency: "USD", cluster: "prod-eks", cloudBilled: "100.0000000000", cloudEffective: "100.0000000000" }]);
    expect(run.conservation).toEqual([{ period: "2026-01-01", currency: "USD", expected: "100.0000000000", allocated: "100.0000000000", unallocated: "0.0000000000", ok: true }]);
    const idle = await store.all(`SELECT team, rule_id, shared_pool, billed_cost::VARCHAR AS v FROM cost_allocation WHERE k8s_namespace = '__idle__' ORDER BY team`);
    expect(idle).toEqual([
      { team: "payments", rule_id: "k8s:idle", shared_pool: "k8s-idle", v: "15.0000000000" },
      { team: "search", rule_id: "k8s:idle", shared_pool: "k8s-idle", v: "5.0000000000" },
    ]);
  });

  it("keeps idle as its own line when configured", async () => {
    await insertCostRows(store, K8S);
    await applyAllocation(store, loaded({ rules: k8sRules, kubernetes: { idle: "keep", clusters: [{ name: "prod-eks", match: { "tag:eks:cluster-name": "prod-eks" } }] } }));
    expect(await byTeam(store)).toEqual({ payments: "60.0000000000", search: "20.0000000000", __idle__: "20.0000000000" });
  });

  it("without a cloud cost for the cluster the OpenCost rows count as they are", async () => {
    await insertCostRows(store, K8S.filter((r) => r.source === "opencost"));
    await applyAllocation(store, loaded({ rules: k8sRules, kubernetes: { idle: "keep", clusters: [{ name: "prod-eks", match: { "tag:eks:cluster-name": "prod-eks" } }] } }));
    expect(await byTeam(store)).toEqual({ payments: "30.0000000000", search: "10.0000000000", __idle__: "10.0000000000" });
  });
});

describe("preview", () => {
  it("reports exactly the money a rule change moves, which is what applying it then changes", async () => {
    await insertCostRows(store, BASE);
    const v1 = loaded({ tags: aliases, rules: [{ id: "platform", match: { SubAccountId: "333" }, shared: { method: "proportional" } }, teamRule] });
    await applyAllocation(store, v1);
    const before = await byTeam(store);
    // v2: account 444 now belongs to web, and the platform pool is split evenly
    const v2 = loaded({
      tags: aliases,
      rules: [
        { id: "platform", match: { SubAccountId: "333" }, shared: { method: "even" } },
        { id: "web-account", match: { SubAccountId: "444" }, set: { team: "web" } },
        teamRule,
      ],
    });
    const preview = await previewAllocation(store, v2);
    await applyAllocation(store, v2);
    const after = await byTeam(store);
    for (const o of preview.owners) {
      const { parseMoney } = await import("../../core/money.js");
      expect(parseMoney(after[o.owner] ?? "0") - parseMoney(before[o.owner] ?? "0")).toBe(parseMoney(o.change));
    }
    // web: 7.00 direct + a third of 10.00 (3.33; payments takes the extra cent: 3.34)
    expect(Object.fromEntries(preview.owners.map((o) => [o.owner, o.change]))).toEqual({
      __unallocated__: "-7.0000000000",
      payments: "-4.9900000000",
      search: "1.6600000000",
      web: "10.3300000000",
    });
    expect(preview.moved).toEqual([{ currency: "USD", amount: "11.9900000000" }]);
  });
});

describe("store errors while writing the allocation", () => {
  it("a regex RE2 rejects (valid in JS) is a BAD_CONFIG error naming RE2, and cost_allocation keeps the applied rows", async () => {
    await insertCostRows(store, BASE);
    await applyAllocation(store, loaded({ tags: aliases, rules: [teamRule] }));
    const before = await byTeam(store);
    const bad = withStoreRefusedRegex(loaded({ tags: aliases, rules: [{ id: "lookahead", match: { ResourceId: { regex: "i-1" } }, set: { team: "x" } }, teamRule] }));
    await expect(applyAllocation(store, bad)).rejects.toMatchObject({ name: "CostwiseError", code: "BAD_CONFIG", message: expect.stringMatching(/RE2/) });
    await expect(previewAllocation(store, bad)).rejects.toMatchObject({ code: "BAD_CONFIG" });
    expect(await byTeam(store)).toEqual(before);
    // no temp table of the failed runs is left behind
    expect(await store.all(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '_alloc%'`)).toEqual([]);
  });
});

describe("large amounts and owner dimensions", () => {
  //  account   tags            billed
  //  111       team=payments                200.00
  //  222       team=search                  100.00
  //  333       -               12,000,000,000,000.01   -> shared pool, proportional 2:1 (1.2e15 + 1 cents: past
  //                                                       2^50, the split's exact 128-bit division branch)
  // cents: payments floor((1.2e15+1)*2/3) = 800000000000000 (remainder 2/3), search floor((1.2e15+1)/3) =
  // 400000000000000 (remainder 1/3); leftover 1 cent -> payments (larger remainder)
  it("splits a pool beyond 2^50 minor units exactly (largest remainder)", async () => {
    await insertCostRows(store, [
      { date: "2026-01-05", billed: "200.00", account: "111", tags: { team: "payments" } },
      { date: "2026-01-05", billed: "100.00", account: "222", tags: { team: "search" } },
      { date: "2026-01-06", billed: "12000000000000.01", account: "333" },
    ]);
    const run = await applyAllocation(store, loaded({ rules: [{ id: "platform", match: { SubAccountId: "333" }, shared: { method: "proportional" } }, teamRule] }));
    expect(run.conservation.every((c) => c.ok)).toBe(true);
    const shares = await store.all(`SELECT team, billed_cost::VARCHAR AS v FROM cost_allocation WHERE shared_pool = 'platform' ORDER BY team`);
    expect(shares).toEqual([
      { team: "payments", v: "8000000000000.0100000000" },
      { team: "search", v: "4000000000000.0000000000" },
    ]);
  });

  it("owners holds the configured dimensions, reshaped when they change; an unknown dimension reads as (none)", async () => {
    await insertCostRows(store, BASE);
    const rules = (team: string) => [{ id: "t", match: { "tag:team": { present: true } }, set: { [team]: "${tag:team}", env: "prod" } }];
    await applyAllocation(store, loaded({ tags: aliases, dimensions: ["squad", "env"], rules: rules("squad") }));
    const fields = async () => (await store.all(`SELECT data_type AS t FROM duckdb_columns() WHERE table_name = 'cost_allocation' AND column_name = 'owners'`))[0]!["t"];
    expect(await fields()).toBe("STRUCT(squad VARCHAR, env VARCHAR)");
    expect((await allocationSummary(store, { by: "env" })).rows.map((r) => [r.key, r.billedCost])).toEqual([
      ["prod", "180.0000000000"],
      ["(none)", "17.0000000000"],
    ]);
    await applyAllocation(store, loaded({ tags: aliases, rules: [teamRule] }));
    expect(await fields()).toBe("STRUCT(team VARCHAR, product VARCHAR, environment VARCHAR, cost_center VARCHAR)");
    expect((await allocationSummary(store, { by: "env" })).rows.map((r) => [r.key, r.billedCost])).toEqual([["(none)", "197.0000000000"]]);
    expect(await byTeam(store)).toEqual({ payments: "150.0000000000", search: "30.0000000000", __unallocated__: "17.0000000000" });
  });
});

describe("line items grouped before they are classified", () => {
  //  one resource (i-9), one day, four line items
  //  ResourceName   tags              billed
  //  db-primary     team=payments       5.00   -> rule "db" (matches ResourceName, not part of the output grain)
  //  db-replica     team=payments       2.00   -> team-tag: payments
  //  db-replica     team=search         1.00   -> team-tag: search
  //  db-replica     -                   0.50   -> __unallocated__
  // grouping by the output grain alone would merge rows a rule tells apart
  it("rows sharing the output grain but differing in a matched column or in tags keep their own owners", async () => {
    const row = (resourceName: string, billed: string, tags: Record<string, string> | null): CostRow => ({ date: "2026-01-05", billed, account: "111", resource: "i-9", resourceName, tags });
    await insertCostRows(store, [row("db-primary", "5.00", { team: "payments" }), row("db-replica", "2.00", { team: "payments" }), row("db-replica", "1.00", { team: "search" }), row("db-replica", "0.50", null)]);
    const run = await applyAllocation(store, loaded({ rules: [{ id: "db", match: { ResourceName: "db-primary" }, set: { team: "dba" } }, teamRule] }));
    expect(run.conservation.every((c) => c.ok)).toBe(true);
    expect(run.lineItems).toBe(4);
    expect(await byTeam(store)).toEqual({ dba: "5.0000000000", payments: "2.0000000000", search: "1.0000000000", __unallocated__: "0.5000000000" });
    const rules = await store.all(`SELECT rule_id, sum(line_items)::INTEGER AS n FROM cost_allocation GROUP BY ALL ORDER BY ALL`);
    expect(rules).toEqual([
      { rule_id: "__unallocated__", n: 1 },
      { rule_id: "db", n: 1 },
      { rule_id: "team-tag", n: 2 },
    ]);
  });

  //  rules (first match wins): r0 account 555 -> early;  r1..r5 one account each (a run of equality rules on
  //  one column, looked up in one join); r3 and r5 both list 222 -> r3 wins; r6..r9 tag team values (a run on a
  //  normalized tag) ; account NULL matches nothing
  //  account  tags             billed   owner
  //  555      -                  1.00   early      (r0, before the run)
  //  111      -                  2.00   t1         (r1)
  //  222      -                  3.00   t3         (r3, not r5)
  //  999      team=" Blue "      4.00   blue-team  (r6: value trimmed and lower-cased before the lookup)
  //  NULL     -                  5.00   __unallocated__
  it("runs of equality rules become lookups with the same first-match precedence", async () => {
    await insertCostRows(store, [
      { date: "2026-01-05", billed: "1.00", account: "555" },
      { date: "2026-01-05", billed: "2.00", account: "111" },
      { date: "2026-01-05", billed: "3.00", account: "222" },
      { date: "2026-01-05", billed: "4.00", account: "999", tags: { team: " Blue " } },
    ]);
    await store.run(`INSERT INTO focus_costs ("BillingPeriodStart", "ChargePeriodStart", "BillingCurrency", "BilledCost", "EffectiveCost", "ChargeCategory") VALUES ('2026-01-01', '2026-01-05', 'USD', 5.00, 5.00, 'Usage')`);
    const acct = (id: string, account: string | string[], team: string) => ({ id, match: { SubAccountId: account }, set: { team } });
    const tag = (id: string, value: string, team: string) => ({ id, match: { "tag:team": value }, set: { team } });
    const run = await applyAllocation(
      store,
      loaded({
        rules: [acct("r0", "555", "early"), acct("r1", "111", "t1"), acct("r2", "333", "t2"), acct("r3", ["444", "222"], "t3"), acct("r4", "666", "t4"), acct("r5", "222", "t5"),
          tag("r6", "blue", "blue-team"), tag("r7", "red", "red-team"), tag("r8", "green", "green-team"), tag("r9", "blue", "never")],
      }),
    );
    expect(run.conservation.every((c) => c.ok)).toBe(true);
    expect(await byTeam(store)).toEqual({ early: "1.0000000000", t1: "2.0000000000", t3: "3.0000000000", "blue-team": "4.0000000000", __unallocated__: "5.0000000000" });
  });
});

describe("store settings around an allocation", () => {
  const settings = async (s: DuckDbStore) =>
    Object.fromEntries((await s.all(`SELECT name, value FROM duckdb_settings() WHERE name IN ('preserve_insertion_order', 'disabled_compression_methods')`)).map((r) => [r["name"], r["value"]]));

  it("are restored after a run, a failed run and a preview, including a user's own choice", async () => {
    await insertCostRows(store, BASE);
    const before = await settings(store);
    expect(before).toEqual({ preserve_insertion_order: "true", disabled_compression_methods: "" });
    await applyAllocation(store, loaded({ tags: aliases, rules: [teamRule] }));
    expect(await settings(store)).toEqual(before);
    const bad = withStoreRefusedRegex(loaded({ rules: [{ id: "lookahead", match: { ResourceId: { regex: "i-1" } }, set: { team: "x" } }] }));
    await expect(applyAllocation(store, bad)).rejects.toMatchObject({ code: "BAD_CONFIG" });
    expect(await settings(store)).toEqual(before);
    await store.run("SET disabled_compression_methods = 'chimp'");
    await store.run("SET preserve_insertion_order = false");
    await previewAllocation(store, loaded({ rules: [teamRule] }));
    expect(await settings(store)).toEqual({ preserve_insertion_order: "false", disabled_compression_methods: expect.stringMatching(/^chimp$/i) });
  });
});
