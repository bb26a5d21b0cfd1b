/** The dashboard's formatting (web/src/format.ts): hand tables of what a reader sees. */
import { describe, expect, it } from "vitest";
import { addDays, commitmentTypeName, hourly, monthAfter, planName, recommendationAction, recommendationTypeName, splitAtComplete, unitPrice } from "../../web/src/format.js";

describe("planName", () => {
  it.each([
    ["ec2-instance-3y-no-upfront", "EC2 Instance Savings Plan, 3 years, no upfront"],
    ["ec2-instance-1y-no-upfront", "EC2 Instance Savings Plan, 1 year, no upfront"],
    ["compute-1y-no-upfront", "Compute Savings Plan, 1 year, no upfront"],
    ["compute-3y-partial-upfront", "Compute Savings Plan, 3 years, partial upfront"],
    ["sagemaker-1y-all-upfront", "SageMaker Savings Plan, 1 year, all upfront"],
    ["mystery-1y-no-upfront", "mystery 1y no upfront"],
    ["custom_plan", "custom plan"],
    [null, "–"],
  ])("%s → %s", (plan, name) => expect(planName(plan)).toBe(name));
});

describe("commitmentTypeName", () => {
  it.each([
    ["Savings Plan", "Savings Plan"],
    ["ComputeSavingsPlans", "Compute Savings Plan"],
    ["reserved-instance", "Reserved Instance"],
    ["Reserved Instance", "Reserved Instance"],
    ["RI", "Reserved Instance"],
    ["CapacityBlock", "Capacity Block"],
    [null, "–"],
  ])("%s → %s", (type, name) => expect(commitmentTypeName(type)).toBe(name));
});

describe("hourly and unit prices", () => {
  it.each([
    ["20.4232840000", "USD", "$20.42/hour"],
    ["20.425", "USD", "$20.43/hour"],
    ["1.5", "EUR", "€1.50/hour"],
    ["100", "JPY", "¥100/hour"],
    [null, "USD", "–"],
  ])("hourly(%s %s) → %s", (a, c, s) => expect(hourly(a, c)).toBe(s));

  it.each([
    // a column of unit prices reads alike: 4 significant digits, whatever the magnitude
    ["0.389", "USD", "$0.3890"],
    ["0.39491", "USD", "$0.3949"],
    ["0.000123456", "USD", "$0.0001235"],
    ["12.5", "USD", "$12.50"],
    ["1234.5", "USD", "$1,235"],
    ["0.5", "XYZ1", "0.5000 XYZ1"],
    [null, "USD", "–"],
  ])("unitPrice(%s %s) → %s", (a, c, s) => expect(unitPrice(a, c)).toBe(s));
});

describe("recommendations as sentences", () => {
  it.each([
    [{ action: "buy a ec2-instance-3y-no-upfront Savings Plan of $20.423/hour", targetConfig: "20.4232840000/h", currency: "USD" }, "Buy an EC2 Instance Savings Plan, 3 years, no upfront: $20.42/hour"],
    [{ action: "buy a compute-1y-no-upfront Savings Plan of $3.100/hour", targetConfig: "3.1/h", currency: "USD" }, "Buy a Compute Savings Plan, 1 year, no upfront: $3.10/hour"],
    [{ action: "downsize", targetConfig: "m5.large", currency: "USD" }, "downsize → m5.large"],
    [{ action: "change to m5.large", targetConfig: "m5.large", currency: "USD" }, "change to m5.large"],
    [{ action: "release", targetConfig: null, currency: "USD" }, "release"],
  ])("%o → %s", (r, s) => expect(recommendationAction(r)).toBe(s));

  it.each([
    ["savings-plan", "Savings plan"],
    ["unused-eip", "Unused Elastic IP"],
    ["ebs-volume", "EBS volume"],
    ["rightsize", "Rightsize"],
  ])("%s → %s", (t, s) => expect(recommendationTypeName(t)).toBe(s));
});

describe("time: where charts stop", () => {
  it.each([
    ["2025-02-28", 1, "2025-03-01"],
    ["2024-02-28", 1, "2024-02-29"],
    ["2025-01-01", -1, "2024-12-31"],
    ["2025-03-10 00:00:00", 2, "2025-03-12"],
  ])("addDays(%s, %i) → %s", (d, n, s) => expect(addDays(d, n)).toBe(s));

  it.each([
    ["2025-01-15", "2025-02-01"],
    ["2025-12-01", "2026-01-01"],
  ])("monthAfter(%s) → %s", (d, s) => expect(monthAfter(d)).toBe(s));

  const days = ["2025-03-08", "2025-03-09", "2025-03-10", "2025-03-11"].map((period) => ({ period, amount: "1" }));
  it.each([
    // last complete day, complete days kept, days still arriving
    ["2025-03-09", ["2025-03-08", "2025-03-09"], ["2025-03-10", "2025-03-11"]],
    ["2025-03-11", ["2025-03-08", "2025-03-09", "2025-03-10", "2025-03-11"], []],
    ["2025-03-01", [], ["2025-03-08", "2025-03-09", "2025-03-10", "2025-03-11"]],
    [null, ["2025-03-08", "2025-03-09", "2025-03-10", "2025-03-11"], []],
  ])("days split at %s", (last, complete, arriving) => {
    const s = splitAtComplete(days, last, "day");
    expect(s.complete.map((p) => p.period)).toEqual(complete);
    expect(s.arriving.map((p) => p.period)).toEqual(arriving);
  });

  const months = ["2024-09-01", "2025-11-01", "2025-12-01"].map((period) => ({ period }));
  it.each([
    // a month is complete only once its last day is
    ["2025-12-30", ["2024-09-01", "2025-11-01"], ["2025-12-01"]],
    ["2025-12-31", ["2024-09-01", "2025-11-01", "2025-12-01"], []],
    ["2025-11-30", ["2024-09-01", "2025-11-01"], ["2025-12-01"]],
    ["2025-11-29", ["2024-09-01"], ["2025-11-01", "2025-12-01"]],
  ])("months split at %s", (last, complete, arriving) => {
    const s = splitAtComplete(months, last, "month");
    expect(s.complete.map((p) => p.period)).toEqual(complete);
    expect(s.arriving.map((p) => p.period)).toEqual(arriving);
  });
});
