/**
 * The anomalies injected on purpose, for the detectors to find (each one is recorded in the manifest with its exact
 * extra cost, which the usage generation adds up while it writes the lines):
 *
 *  1. a 3-day spike: the search-indexer EC2 fleet runs at 4x its size (extra instances and their volumes), from
 *     day 12 of the fourth month from the end;
 *  2. a level shift: a lifecycle rule removed, the raw data-lake bucket stores twice as much from day 10 of the
 *     second month from the end on;
 *  3. a one-day data transfer spike: 12 TB out of one web instance on day 21 of the third month from the end.
 */

import { DAY_MS, isoDate } from "./calendar.js";
import { SERVICES } from "./catalog.js";
import type { DemoAnomaly } from "./manifest.js";
import type { DemoOrg } from "./model.js";
import { usageTypeFor } from "./pricing.js";

/** An anomaly while the bills are written: its description, and the extra cost and resources found so far. */
export interface AnomalyState {
  meta: Omit<DemoAnomaly, "extraCost" | "resourceIds">;
  extra: bigint;
  resources: Set<string>;
}

/** The billing window, in window days. */
export interface AnomalyWindow {
  /** Number of billing months. */
  months: number;
  totalDays: number;
  windowStartMs: number;
  /** Window day of a month's day of month (1-based). */
  dayOf(monthIdx: number, dom: number): number;
}

/** Marks the anomalies on the organisation's fleets and resources; returns them in injection order (their index is their id in the marks). */
export function injectAnomalies(org: DemoOrg, w: AnomalyWindow): AnomalyState[] {
  const { dayOf, totalDays } = w;
  const n = w.months;
  const anomalies: AnomalyState[] = [];
  const dayIso = (day: number): string => isoDate(w.windowStartMs + day * DAY_MS);

  const spikeFleet = org.fleets.find((f) => f.name === "search-indexer");
  const spikeMonth = Math.max(0, n - 4);
  if (spikeFleet) {
    const fromDay = dayOf(spikeMonth, 12);
    spikeFleet.spike = { fromDay, toDay: fromDay + 3, factor: 4, anomaly: anomalies.length };
    anomalies.push({
      meta: {
        id: "ec2-fleet-spike",
        kind: "spike",
        provider: "AWS",
        date: dayIso(fromDay),
        endDate: dayIso(fromDay + 2),
        accountId: spikeFleet.account.id,
        service: SERVICES.ec2.productCode,
        serviceName: SERVICES.ec2.productName,
        usageType: usageTypeFor(spikeFleet.region, `BoxUsage:${spikeFleet.instanceType}`),
        description: `Runaway autoscaling: the ${spikeFleet.name} fleet ran at 4x its size for 3 days (extra instances and their EBS volumes)`,
      },
      extra: 0n,
      resources: new Set(),
    });
  }
  const shiftBucket = org.steady.find((r) => r.name === "acme-data-lake-raw");
  const shiftMonth = Math.max(0, n - 2);
  if (shiftBucket) {
    const fromDay = dayOf(shiftMonth, 10);
    shiftBucket.levelShift = { fromDay, factor: 1, anomaly: anomalies.length };
    anomalies.push({
      meta: {
        id: "s3-level-shift",
        kind: "level-shift",
        provider: "AWS",
        date: dayIso(fromDay),
        endDate: dayIso(totalDays - 1),
        accountId: shiftBucket.account.id,
        service: SERVICES.s3.productCode,
        serviceName: SERVICES.s3.productName,
        usageType: usageTypeFor(shiftBucket.region, "TimedStorage-ByteHrs"),
        description: `A lifecycle rule was removed: ${shiftBucket.name} stores twice as much from this day on`,
      },
      extra: 0n,
      resources: new Set([shiftBucket.resourceId]),
    });
  }
  const dtFleet = org.fleets.find((f) => f.name === "web-frontend");
  const dtMonth = Math.max(0, n - 3);
  if (dtFleet) {
    const day = dayOf(dtMonth, 21);
    dtFleet.dtSpike = { day, extraGb: 12_000, anomaly: anomalies.length };
    anomalies.push({
      meta: {
        id: "data-transfer-spike",
        kind: "spike",
        provider: "AWS",
        date: dayIso(day),
        endDate: dayIso(day),
        accountId: dtFleet.account.id,
        service: SERVICES.dataTransfer.productCode,
        serviceName: SERVICES.dataTransfer.productName,
        usageType: usageTypeFor(dtFleet.region, "DataTransfer-Out-Bytes"),
        description: "A misconfigured sync job sent 12 TB to the internet from one web instance in one day",
      },
      extra: 0n,
      resources: new Set(),
    });
  }
  return anomalies;
}
