/** A small synthetic bill for the feedback-loop tests: two teams, a weekly pattern, an optional spike. */
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";

/** 60 days for two teams, a steady weekly pattern; `spikeDay` adds +900 on payments' i-pay-1. */
export async function loadBill(store: DuckDbStore, days: number, spike: boolean, start = "2026-09-01"): Promise<void> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new Error(`bad start ${start}`);
  await store.run(`DELETE FROM focus_costs`);
  await store.run(`
    INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingCurrency", "BilledCost", "EffectiveCost",
                             "ServiceName", "ResourceId", "SubAccountId", "RegionId", "ProviderName", "ChargeCategory", "Tags", "x_Source",
                             "BillingPeriodEnd", "BillingAccountId", "BillingAccountName", "ChargeDescription", "ChargeFrequency", "ListCost", "ContractedCost",
                             "InvoiceIssuerName", "PublisherName", "PricingQuantity", "PricingUnit", "ServiceCategory", "ConsumedQuantity", "ConsumedUnit", "SubAccountName")
    SELECT TIMESTAMP '${start}' + INTERVAL (d) DAY, TIMESTAMP '${start}' + INTERVAL (d + 1) DAY, date_trunc('month', TIMESTAMP '${start}' + INTERVAL (d) DAY),
           'USD', c, c, svc, rid, '111122223333', 'us-east-1', 'AWS', 'Usage', MAP {'team': team, 'env': 'prod'}, 'test',
           date_trunc('month', TIMESTAMP '${start}' + INTERVAL (d) DAY) + INTERVAL 1 MONTH, '999988887777', 'Example Org', svc || ' usage', 'Usage-Based', c, c,
           'Amazon Web Services, Inc.', 'Amazon Web Services, Inc.', 24, 'Hours', 'Compute', 24, 'Hours', 'prod-' || team
    FROM (
      SELECT d, team, svc, rid,
             CAST(base + (CASE WHEN dayofweek(TIMESTAMP '${start}' + INTERVAL (d) DAY) IN (0, 6) THEN -10 ELSE 5 END)
                  + (CASE WHEN ${spike ? "TRUE" : "FALSE"} AND d = ${days - 2} AND rid = 'i-pay-1' THEN 900 ELSE 0 END) AS DECIMAL(38,10)) AS c
      FROM range(${days}) t(d),
           (VALUES ('payments', 'Amazon EC2', 'i-pay-1', 100), ('payments', 'Amazon RDS', 'db-pay', 80), ('search', 'Amazon OpenSearch', 'os-search', 120)) v(team, svc, rid, base)
    )`);
  // the data landed now (alert latency starts here)
  await store.run(`DELETE FROM ingest_runs`);
  await store.run(`INSERT INTO ingest_runs VALUES ('ing_test', now()::TIMESTAMP - INTERVAL 1 MINUTE, now()::TIMESTAMP - INTERVAL 1 MINUTE, 'test', '[]', '[]', 0, 0, 0, 0, 0, '{}')`);
}

