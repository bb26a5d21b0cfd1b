import { describe, expect, it } from "vitest";
import type { CommitmentEndDate } from "../optimize/commitment-analysis.js";
import { expiryMessages } from "./commitment-expiry.js";

const DAY = 86_400_000;
const END = "2027-03-01T00:00:00Z";
const ri: CommitmentEndDate = { commitmentId: "arn:aws:ec2:us-east-1:111:reserved-instances/ri-1", type: "reservation", endDate: "2027-03-01", endsAt: END, basis: "end-time", subAccountId: "111", lastSeen: "2026-12-01" };
const sp: CommitmentEndDate = { commitmentId: "arn:aws:savingsplans::111:savingsplan/sp-1", type: "savings-plan", endDate: "2027-03-01", endsAt: END, basis: "purchase-row", subAccountId: null, lastSeen: "2026-12-01" };

/** `now` so much time before the end. */
const before = (days: number, extraMs = 0) => new Date(Date.parse(END) - days * DAY - extraMs);

describe("expiryMessages", () => {
  // time left before the end → the notice due (its dedupe key suffix and severity), or none
  const table: [string, Date, string | null, string | null][] = [
    ["91 days", before(91), null, null],
    ["90 days and 1 second", before(90, 1000), null, null],
    ["exactly 90 days", before(90), "90d", "info"],
    ["75 days", before(75), "90d", "info"],
    ["60 days and 1 second", before(60, 1000), "90d", "info"],
    ["exactly 60 days", before(60), "60d", "info"],
    ["exactly 30 days", before(30), "30d", "warning"],
    ["8 days", before(8), "30d", "warning"],
    ["exactly 7 days", before(7), "7d", "warning"],
    ["1 hour", new Date(Date.parse(END) - 3_600_000), "7d", "warning"],
    ["the end itself", new Date(END), "7d", "warning"],
    ["ended a second ago", new Date(Date.parse(END) + 1000), null, null],
  ];
  it.each(table)("%s before the end: %s", (_what, now, suffix, severity) => {
    const ns = expiryMessages([ri], { now, dashboardUrl: "https://c.example/" });
    expect(ns.map((n) => [n.key, n.severity])).toEqual(suffix === null ? [] : [[`commitment:${ri.commitmentId}:${suffix}`, severity]]);
  });

  it("one notice per commitment, owned by no team, linking to the commitment", () => {
    const ns = expiryMessages([ri, sp], { now: before(30), dashboardUrl: "https://c.example" });
    expect(ns.map((n) => [n.kind, n.team, n.title, n.link])).toEqual([
      ["commitment", "__unallocated__", "Reservation ends in 30 days or less: ri-1", `https://c.example/commitments?id=${encodeURIComponent(ri.commitmentId)}`],
      ["commitment", "__unallocated__", "Savings Plan ends in 30 days or less: sp-1", `https://c.example/commitments?id=${encodeURIComponent(sp.commitmentId)}`],
    ]);
    expect(ns[0]!.facts).toContainEqual({ label: "Days left", value: "30" });
    expect(ns[0]!.facts).toContainEqual({ label: "Account", value: "111" });
    expect(ns[1]!.facts).toContainEqual({ label: "End date from", value: "the purchase row" });
  });

  it("a job run every day sends each threshold's notice once (the key repeats until the next threshold)", () => {
    const keys = new Set<string>();
    for (let d = 100; d >= 0; d--) for (const n of expiryMessages([ri], { now: before(d), dashboardUrl: "https://c.example" })) keys.add(n.key);
    expect([...keys]).toEqual(["90d", "60d", "30d", "7d"].map((s) => `commitment:${ri.commitmentId}:${s}`));
  });
});
