import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecommendationDraft } from "../../core/optimize/recommendation-model.js";
import { percentile, summarize } from "../../core/optimize/stats.js";
import { tempStore } from "../../../test/helpers/store.js";
import { utilizationSummaries } from "./analyze.js";
import { listRecommendations, recommendationHistory, saveRecommendations, setRecommendationStatus } from "./recommendation-store.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
beforeEach(async () => {
  ctx = await tempStore();
});
afterEach(async () => ctx.cleanup());

const draft = (resource: string, saving: string): RecommendationDraft => ({
  key: `unattached-volume:${resource}`,
  type: "unattached-volume",
  resourceId: resource,
  resourceType: "ebs-volume",
  region: "us-east-1",
  accountId: null,
  owner: "ops",
  ownerSource: "resource tag",
  action: "delete",
  currentConfig: null,
  targetConfig: null,
  monthlySaving: saving,
  currency: "USD",
  savingBasis: "list-price",
  confidence: "high",
  reason: "unattached",
  risks: [],
  details: {},
  baselineMonthlyCost: saving,
});

describe("recommendations across runs", () => {
  it("upserts by key: refreshes figures, keeps status, resolves what a run no longer finds, notes what reappears", async () => {
    const s = ctx.store;
    expect(await saveRecommendations(s, [draft("vol-a", "8"), draft("vol-b", "4")], ["unattached-volume"], "run1")).toEqual({ created: 2, updated: 0, resolved: 0 });
    const [a] = (await listRecommendations(s)).filter((r) => r.resourceId === "vol-a");
    await setRecommendationStatus(s, String(a!.id), "dismissed", "kept for audit");
    expect(await saveRecommendations(s, [draft("vol-a", "9")], ["unattached-volume"], "run2")).toEqual({ created: 0, updated: 1, resolved: 1 });
    const after = await listRecommendations(s);
    expect(after.map((r) => [r.resourceId, r.status, r.monthlySaving])).toEqual([["vol-a", "dismissed", "9.0000000000"]]);
    expect((await listRecommendations(s, { includeResolved: true })).map((r) => [r.resourceId, r.stillFound])).toEqual([
      ["vol-a", true],
      ["vol-b", false],
    ]);
    await saveRecommendations(s, [draft("vol-a", "9"), draft("vol-b", "4")], ["unattached-volume"], "run3");
    const b = (await listRecommendations(s)).find((r) => r.resourceId === "vol-b")!;
    expect((await recommendationHistory(s, b.id)).map((h) => h.event)).toEqual(["created", "resolved", "reappeared"]);
    // a run of other types leaves these alone
    expect(await saveRecommendations(s, [], ["rightsize"], "run4")).toEqual({ created: 0, updated: 0, resolved: 0 });
  });
});

describe("utilization summaries in SQL", () => {
  it("match the pure definitions (mean of hourly avg, max, quantile_cont of hourly maxima)", async () => {
    const maxes = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 101) / 1.3);
    await ctx.store.run(`INSERT INTO utilization_hourly SELECT 'i-1', 'CPUUtilization', TIMESTAMP '2024-09-01' + to_hours(i::BIGINT), v / 2, v, 0, NULL, 12, 't', now()::TIMESTAMP
      FROM (SELECT unnest([${maxes.join(",")}]) AS v, generate_subscripts([${maxes.join(",")}], 1) AS i)`);
    const [row] = await utilizationSummaries(ctx.store, new Date("2024-09-01T00:00:00Z"), new Date("2024-09-30T00:00:00Z"), 99.5);
    const ref = summarize(maxes.map((m, i) => ({ hour: String(i), avg: m / 2, max: m })), 99.5);
    expect(row!.cpuHours).toBe(200);
    expect(row!.cpuPeak).toBeCloseTo(ref.peak!, 9);
    expect(row!.cpuPeak).toBeCloseTo(percentile(maxes, 99.5)!, 9);
    expect(row!.cpuAvg).toBeCloseTo(ref.avg!, 9);
    expect(row!.cpuMax).toBe(ref.max);
    expect(row!.memHours).toBe(0);
  });
});
