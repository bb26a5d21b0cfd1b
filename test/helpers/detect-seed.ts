/** Seeded cost store data for the detect feature tests (a known spike with a known cause). */
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";

/**
 * 90 days (2024-01-01 … 2024-03-30) of 3 services × 2 accounts with a weekend dip and ±2.5% deterministic
 * noise; on 2024-03-26 one extra resource (i-bad: EC2, account A, eu-west-1, team=web) costs 500.00.
 * The last day (2024-03-30) is still being billed and holds a partial, odd-looking amount.
 */
export async function seedDetectStore(store: DuckDbStore): Promise<void> {
  await store.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency",
      "ServiceName", "SubAccountId", "RegionId", "ResourceId", "x_UsageType", "Tags", "x_Source")
    SELECT d, d + INTERVAL 1 DAY, date_trunc('month', d), c, c, 'USD', s, a, 'us-east-1', 'r-' || s || '-' || a, s || ':Usage',
           MAP {'team': CASE s WHEN 'EC2' THEN 'web' ELSE 'data' END}, 'test'
    FROM (
      SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) DAY AS d, s, a,
             CAST(base * (CASE WHEN dayofweek(TIMESTAMP '2024-01-01' + INTERVAL (i) DAY) IN (0, 6) THEN 0.7 ELSE 1 END)
                  * (1 + ((hash(i, s, a) % 100)::INTEGER - 50) / 2000.0) AS DECIMAL(38,10)) AS c
      FROM range(89) t(i), (VALUES ('EC2', 100), ('S3', 40), ('RDS', 60)) sv(s, base), (VALUES ('A'), ('B')) av(a)
    )`);
  await store.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency",
      "ServiceName", "SubAccountId", "RegionId", "ResourceId", "x_UsageType", "Tags", "x_Source")
    VALUES (TIMESTAMP '2024-03-26', TIMESTAMP '2024-03-27', TIMESTAMP '2024-03-01', 500, 500, 'USD', 'EC2', 'A', 'eu-west-1', 'i-bad', 'EC2:BoxUsage:p4d.24xlarge', MAP {'team': 'web'}, 'test'),
           -- the partial day: a few hours billed, 20× a normal hour; it must never be scored
           (TIMESTAMP '2024-03-30 03:00:00', TIMESTAMP '2024-03-30 04:00:00', TIMESTAMP '2024-03-01', 9000, 9000, 'USD', 'S3', 'B', 'us-east-1', 'r-S3-B', 'S3:Usage', MAP {'team': 'data'}, 'test')`);
}

