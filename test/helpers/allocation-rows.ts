/** Test helper (allocation): cost rows written straight into focus_costs with only the columns allocation reads. */
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../../src/engine/store/schema.js";

export interface CostRow {
  /** ISO date of ChargePeriodStart (the billing period is its month). */
  date: string;
  billed: string;
  /** Default: billed. */
  effective?: string;
  currency?: string;
  account?: string;
  service?: string;
  resource?: string | null;
  resourceName?: string | null;
  region?: string | null;
  provider?: string;
  tags?: Record<string, string> | null;
  source?: string;
  k8sCluster?: string;
  k8sNamespace?: string;
}

function lit(v: string | null | undefined): string {
  return v === null || v === undefined ? "NULL" : `'${v.replace(/'/g, "''")}'`;
}

export async function insertCostRows(store: DuckDbStore, rows: readonly CostRow[]): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows.slice(i, i + chunk).map((r) => {
      const month = `${r.date.slice(0, 7)}-01`;
      const tags = r.tags ? `MAP {${Object.entries(r.tags).map(([k, v]) => `${lit(k)}: ${lit(v)}`).join(", ")}}::MAP(VARCHAR, VARCHAR)` : "NULL";
      return `(${lit(month)}::TIMESTAMP, (${lit(month)}::TIMESTAMP + INTERVAL 1 MONTH), ${lit(r.date)}::TIMESTAMP, (${lit(r.date)}::TIMESTAMP + INTERVAL 1 DAY), ${lit(r.currency ?? "USD")},
        ${r.billed}::DECIMAL(38,10), ${r.effective ?? r.billed}::DECIMAL(38,10), ${lit(r.account ?? "111111111111")}, ${lit(r.service ?? "Amazon EC2")},
        ${lit(r.resource === undefined ? null : r.resource)}, ${lit(r.resourceName ?? null)}, ${lit(r.region ?? "us-east-1")}, ${lit(r.provider ?? "AWS")}, ${tags}, ${lit(r.source ?? "test")},
        ${lit(r.k8sCluster ?? null)}, ${lit(r.k8sNamespace ?? null)}, 'Usage')`;
    });
    await store.run(`INSERT INTO ${COST_TABLE} ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency",
      "BilledCost", "EffectiveCost", "SubAccountId", "ServiceName", "ResourceId", "ResourceName", "RegionId", "ProviderName", "Tags", x_Source,
      x_k8s_Cluster, x_k8s_Namespace, "ChargeCategory") VALUES ${values.join(",\n")}`);
  }
}
