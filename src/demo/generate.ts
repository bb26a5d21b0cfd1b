/**
 * Deterministic demo data: a year of a realistic organisation's cloud bills, written as real files in
 * real formats (AWS CUR legacy CSV with per-period manifests, and a FOCUS 1.2 CSV for a second
 * provider), so that the demo goes through the normal ingest path.
 *
 * Same options => byte-identical files. All randomness is a hash of (seed, what, which); all money is
 * exact (BigInt counts of 10^-10 USD), formatted as plain decimal strings.
 *
 * CUR semantics followed (legacy CUR, per the AWS Data Exports user guide):
 * - Usage: UnblendedCost = UsageAmount x UnblendedRate (public on-demand rate); pricing/term OnDemand.
 * - SavingsPlanCoveredUsage: UnblendedRate/UnblendedCost = the on-demand rate/cost of the covered usage
 *   (pricing/term stays OnDemand, pricing/publicOnDemandCost = on-demand cost);
 *   savingsPlan/SavingsPlanRate = the plan's rate; savingsPlan/SavingsPlanEffectiveCost = usage x that
 *   rate (the share of the commitment this usage consumed).
 * - SavingsPlanNegation: one per covered line, same usage and resource, UnblendedRate = -on-demand
 *   rate, UnblendedCost = -(on-demand cost), so covered usage nets to 0 in unblended terms;
 *   pricing/term and pricing/publicOnDemand* empty. Its UsageAmount repeats the covered usage: do not
 *   sum usage over negation lines.
 * - SavingsPlanRecurringFee (No Upfront plan): one per Savings Plan per usage period (hour or day) in
 *   the owning (payer) account; UnblendedCost = savingsPlan/TotalCommitmentToDate = commitment for the
 *   period; savingsPlan/UsedCommitment = sum of SavingsPlanEffectiveCost in that period;
 *   RecurringCommitmentForBillingPeriod = the period's commitment, AmortizedUpfront... = 0.
 * - DiscountedUsage (RDS RI, Partial Upfront): UnblendedRate = UnblendedCost = 0 (the RI is paid by the
 *   Fee and RIFee lines); reservation/RecurringFeeForUsage = hourly fee x hours,
 *   reservation/AmortizedUpfrontCostForUsage = the month's amortized upfront fee prorated to the hours,
 *   reservation/EffectiveCost = their sum; pricing/term Reserved; publicOnDemandCost = on-demand value.
 * - RIFee: one per month on the first day, UsageAmount = reserved hours in the month, UnblendedCost =
 *   hourly fee x reserved hours; AmortizedUpfrontFeeForBillingPeriod = upfront x month hours / 8760;
 *   UnusedAmortizedUpfrontFeeForBillingPeriod and UnusedRecurringFee = what DiscountedUsage did not use.
 * - Fee: the RI's one-time upfront payment (with reservation/ReservationARN), and the monthly Business
 *   support charge (AWSSupportBusiness, AWS's tiered percentage of the month's charges).
 * - EdpDiscount (negative, per account and product, monthly; BlendedCost empty), Credit (negative),
 *   Refund (negative), Tax (per account and product code, monthly, on the month's net charges).
 * - Amortized ("effective") cost, as reported in the manifest: Usage/Fee/Tax/Credit/Refund/EdpDiscount =
 *   UnblendedCost; SavingsPlanCoveredUsage = SavingsPlanEffectiveCost; SavingsPlanNegation = 0;
 *   SavingsPlanRecurringFee = TotalCommitmentToDate - UsedCommitment (the unused commitment);
 *   DiscountedUsage = reservation/EffectiveCost; RIFee = UnusedAmortizedUpfront + UnusedRecurringFee;
 *   the RI upfront Fee = 0 (it is spread through the two previous items).
 * - Resource ids: EC2 instance ids, vol- ids, bucket names for S3 (as in CUR), ARNs elsewhere.
 */

import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { injectAnomalies } from "./generate/anomalies.js";
import { AwsTotals } from "./generate/aws-totals.js";
import { billingWindow, DAY_MS, isoDate } from "./generate/calendar.js";
import { ACCOUNTS, PAYER, TEAMS } from "./generate/catalog.js";
import { demoCommitments } from "./generate/commitments.js";
import { CsvSink } from "./generate/csv-sink.js";
import { writeCurMonth } from "./generate/cur-month.js";
import { fmt } from "./generate/decimal.js";
import { buildAzureDemo, FOCUS_DEMO_HEADER, writeAzureFocusMonth } from "./generate/focus-azure.js";
import type { DemoFile, DemoManifest } from "./generate/manifest.js";
import { buildOrg } from "./generate/model.js";
import { validateOptions, type DemoOptions } from "./generate/options.js";
import { hash32, hex } from "./generate/prng.js";

export type { DemoAnomaly, DemoFile, DemoManifest, DemoTruths } from "./generate/manifest.js";
export { DEMO_DEFAULTS, GRANULARITIES, type DemoOptions, type Granularity } from "./generate/options.js";

/**
 * Write the demo organisation's bills under `outDir` (created; an existing `aws-cur/` and `focus/`
 * inside it are replaced) and return what was written, with exact totals and the injected anomalies.
 *
 * Layout:
 *   <outDir>/aws-cur/<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json
 *   <outDir>/aws-cur/<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-<n>.csv.gz
 *   <outDir>/focus/azure-<YYYY-MM>.csv
 *   <outDir>/demo-manifest.json
 * The CUR manifests' reportKeys are S3-style keys with prefix "aws-cur" in a bucket rooted at outDir:
 * resolve them relative to outDir (or take their last two segments relative to the manifest's folder).
 *
 * Order of operations:
 *  1. check the options; lay out the billing window (months, window days);
 *  2. build the organisation from the seed and scale (generate/model.ts: fleets, steady resources, tags) and the
 *     Azure estate (generate/focus-azure.ts);
 *  3. clear aws-cur/ and focus/;
 *  4. inject the anomalies into the organisation (generate/anomalies.ts);
 *  5. write the CUR month by month (generate/cur-month.ts: usage, Reserved Instance, Savings Plan, the month's
 *     fees, discounts, credits and tax), the latest month in two parts, adding up the AWS truths as lines are
 *     written (generate/aws-totals.ts);
 *  6. write the Azure FOCUS export month by month;
 *  7. write demo-manifest.json: the files, the anomalies with their exact extra cost, the truths.
 */
export async function generateDemoData(outDir: string, options: DemoOptions = {}): Promise<DemoManifest> {
  // 1. options and window
  const o = validateOptions(options);
  const seed = o.seed;
  const months = billingWindow(o.endMonth, o.months);
  const first = months[0];
  const last = months[months.length - 1];
  if (!first || !last) throw new RangeError("empty billing window");
  const windowStartMs = first.startMs;
  const totalDays = Math.round((last.endMs - windowStartMs) / DAY_MS);
  const monthStartDay = months.map((m) => Math.round((m.startMs - windowStartMs) / DAY_MS));
  const dayOf = (monthIdx: number, dom: number): number => (monthStartDay[monthIdx] ?? 0) + dom - 1;

  // 2. the organisation
  const org = buildOrg(seed, o.scale, { totalDays, monthStartDay });
  const azure = buildAzureDemo(seed, o.scale);
  const report = o.reportName;
  const hourly = o.granularity === "hourly";

  // 3. clear the output
  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, "aws-cur"), { recursive: true, force: true });
  await rm(join(outDir, "focus"), { recursive: true, force: true });

  // 4. anomalies
  const n = months.length;
  const anomalies = injectAnomalies(org, { months: n, totalDays, windowStartMs, dayOf });

  // 5. the CUR, month by month
  const commitments = demoCommitments(n);
  const totals = new AwsTotals();
  const files: DemoFile[] = [];
  const curManifests: string[] = [];
  const skuCache = new Map<string, string>();
  const skuOf = (usageType: string): string => {
    let s = skuCache.get(usageType);
    if (!s) {
      s = hex(16, seed, 0x5c0, usageType.length, hash32(...[...usageType].map((c) => c.charCodeAt(0)))).toUpperCase();
      skuCache.set(usageType, s);
    }
    return s;
  };
  const cur = { seed, outDir, report, hourly, org, months: n, usage: { seed, anomalies }, commitments, totals, skuOf, dayOf };
  const splitMonth = last.index; // the latest (largest) month is delivered in 2 parts
  for (const m of months) {
    const written = await writeCurMonth(cur, m, m.index === splitMonth ? 2 : 1);
    curManifests.push(written.manifestPath);
    files.push(...written.files);
  }

  // 6. FOCUS (second provider)
  await mkdir(join(outDir, "focus"), { recursive: true });
  const focusTotals = { rows: 0, billed: 0n, effective: 0n, untagged: 0n };
  for (const m of months) {
    const rel = `focus/azure-${m.ym}.csv`;
    const sink = new CsvSink(join(outDir, rel), { gzip: false });
    sink.line(FOCUS_DEMO_HEADER);
    const stats = await writeAzureFocusMonth(seed, azure, m, months[m.index - 1], windowStartMs, sink);
    await sink.close();
    focusTotals.rows += stats.rows;
    focusTotals.billed += stats.billed;
    focusTotals.effective += stats.effective;
    focusTotals.untagged += stats.untaggedEffective;
    files.push({
      path: rel,
      provider: "Microsoft",
      format: "focus-1.2-csv",
      billingPeriod: m.ym,
      part: 1,
      parts: 1,
      rows: stats.rows,
      costColumn: "BilledCost",
      totalCost: fmt(stats.billed),
      totalEffectiveCost: fmt(stats.effective),
    });
  }

  // 7. manifest
  const manifest: DemoManifest = {
    generator: "costwise-demo",
    version: 1,
    seed,
    months: n,
    endMonth: o.endMonth,
    granularity: o.granularity,
    scale: o.scale,
    startDate: isoDate(windowStartMs),
    endDate: isoDate(last.endMs - DAY_MS),
    currency: "USD",
    payerAccountId: PAYER.id,
    accounts: Object.values(ACCOUNTS).map((a) => ({ id: a.id, name: a.name })),
    teams: [...TEAMS],
    files,
    curManifests,
    anomalies: anomalies.map((a) => ({ ...a.meta, resourceIds: [...a.resources].sort(), extraCost: fmt(a.extra) })),
    truths: {
      aws: totals.truths(commitments, months, windowStartMs),
      focus: {
        provider: "Microsoft",
        rows: focusTotals.rows,
        billedCost: fmt(focusTotals.billed),
        effectiveCost: fmt(focusTotals.effective),
        untaggedEffectiveCost: fmt(focusTotals.untagged),
      },
    },
  };
  await writeFile(join(outDir, "demo-manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}
