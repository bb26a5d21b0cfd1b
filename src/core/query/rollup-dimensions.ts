/**
 * What a cost rollup keeps, whichever store builds it (the server's DuckDB star rollups, ClickHouse's rollup
 * tables maintained at ingest): the dimensions rows are grouped by (plus Tags), and the column counting the line
 * items each rollup row stands for. A query whose every dimension is one of these (or a `tag:` key) can be
 * answered from a rollup exactly.
 */
export const ROLLUP_DIMENSIONS = [
  "BillingCurrency",
  "ProviderName",
  "BillingAccountId",
  "BillingAccountName",
  "SubAccountId",
  "SubAccountName",
  "ServiceName",
  "ServiceCategory",
  "RegionId",
  "RegionName",
  "ChargeCategory",
  "ChargeClass",
  "PricingCategory",
  "x_Source",
] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

export const ROLLUP_COUNT_COLUMN = "x_LineItems";
