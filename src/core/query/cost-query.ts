/**
 * The typed cost query: one metric summed over FOCUS rows, grouped by dimensions (FOCUS columns,
 * whitelisted x_ columns or tag keys), filtered, limited to a time window on ChargePeriodStart,
 * optionally bucketed by hour, day or month.
 *
 * Pure: parsing and validation return problems as values. Compile it to SQL with ./compile.ts.
 *
 * This module is the query's public face; the code lives by role in
 * - ./cost-query-model.ts: metrics, dimensions, filters, window, order, `CostQuery` and the problem codes;
 * - ./cost-query-names.ts: name resolution with suggestions, user-text checks, ISO-8601 times;
 * - ./cost-query-json.ts: the JSON form, its schema, `parseCostQuery` and `toQueryInput`;
 * - ./cost-query-args.ts: the CLI form, its grammar and `parseQueryArgs`.
 *
 * Two input forms parse to the same `CostQuery`:
 * - the JSON form (`CostQueryInput`, validated by `costQueryInputSchema` / `parseCostQuery`), for the
 *   API and config files;
 * - the CLI form (`QueryArgs`: strings such as `--filter "tag:env in prod,staging"`), parsed by
 *   `parseQueryArgs`, whose grammar is `QUERY_GRAMMAR_HELP`.
 */

export * from "./cost-query-model.js";
export { parseIsoTime, resolveDimension, resolveMetric, suggestNames } from "./cost-query-names.js";
export * from "./cost-query-json.js";
export * from "./cost-query-args.js";
