/**
 * Commitments (Reserved Instances and Savings Plans): per-commitment and overall utilization, coverage,
 * effective savings rate and expiry, read from the bill over a window ending at its last charge, and the
 * recommended Savings Plan purchases (`costwise recommend run` simulates them on the bill's hourly on-demand
 * eligible spend) with their status. Organisation-wide: team-bound tokens are refused.
 *
 * `endsAt` is the term's end from anywhere in the store (see `commitmentEndDates`: the bill's end-time columns on
 * any row, or a purchase row spanning the term), not only from the window, so the dashboard's "Ends" shows a date
 * wherever the bill tells it.
 */
import { z } from "zod";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { recentCommitments, savingsPlanPurchases } from "../../engine/optimize/recommendations-read.js";
import { featureAvailability } from "../../engine/store/feature-availability.js";
import type { ServerContext, ZApp } from "../context.js";
import { commitmentSchema, commitmentsResponse, errorResponses, purchaseSchema } from "../contract.js";
import { positiveInt } from "../schemas.js";

export { commitmentSchema, commitmentsResponse, purchaseSchema };

export function registerCommitmentRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/commitments",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "RI and Savings Plan utilization, coverage, savings rate and expiry over the bill's last days, and the recommended Savings Plan purchases",
        tags: ["analyses"],
        querystring: z.object({ days: positiveInt(1000).default(30).describe("window: this many days up to the bill's last charge") }),
        response: { 200: commitmentsResponse, ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`commitments:${req.query.days}`, () =>
        ctx.readers.use(async (st) => {
          const a = await featureAvailability(st, ctx.workspace.config, "commitments");
          const purchases = await savingsPlanPurchases(st);
          if (!a.available) return { availability: a, window: null, currency: null, overall: null, commitments: [], purchases };
          const { window, report: r } = await recentCommitments(st, ctx.workspace.config.optimization ?? optimizationDefaults(), req.query.days);
          return {
            availability: a,
            window,
            currency: r.currency,
            overall: r.overall,
            commitments: r.commitments.map((c) => ({
              commitmentId: c.commitmentId,
              type: c.type,
              category: c.category,
              used: c.used,
              unused: c.unused,
              coveredList: c.coveredList,
              utilization: c.utilization,
              netSavings: c.netSavings,
              effectiveSavingsRate: c.effectiveSavingsRate,
              endsAt: c.endsAt,
              expiresWithinDays: c.expiresWithinDays,
            })),
            purchases,
          };
        }),
      ),
  );
}
