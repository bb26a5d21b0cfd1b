/**
 * Exchange-rate tables (issue 27 item 3). Created on first use by engine/fx/load-rates.ts; reloaded whole when the
 * rates file changes. Rates never touch the billed amounts in the cost table.
 */
/** As published: one row per day and currency, the rate per 1 unit of the base currency. */
export const FX_RATES_TABLE = "fx_rates";
/** Every calendar day of the covered range per currency: the rate in force (last published on or before, ≤ maxAgeDays old) as integer units of 10^-10; the base at 1. */
export const FX_RATE_DAYS_TABLE = "fx_rate_days";
/** The load in force: source, content hash, base, range, count. */
export const FX_LOADS_TABLE = "fx_loads";
/** Scratch table of a load (temporary, per connection). */
export const FX_RAW_TABLE = "fx_raw";
export const FX_LONG_TABLE = "fx_long";

export const FX_DDL = [
  `CREATE TABLE IF NOT EXISTS ${FX_RATES_TABLE} (fx_day DATE NOT NULL, fx_currency VARCHAR NOT NULL, fx_rate DECIMAL(38,10) NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${FX_RATE_DAYS_TABLE} (fx_day DATE NOT NULL, fx_currency VARCHAR NOT NULL, fx_units HUGEINT NOT NULL, fx_published DATE NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${FX_LOADS_TABLE} (source VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, base VARCHAR NOT NULL, max_age_days INTEGER NOT NULL, first_day DATE, last_day DATE, rates BIGINT NOT NULL, currencies VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL)`,
] as const;
