/**
 * The monthly FinOps review and realized savings (issue 20): the reviews kept in the store (list, one with its
 * HTML), rendering a month's review now (admin), the action items (list, add, change; admin to write), and the
 * savings measured on the bill. Organisation-wide: team-bound tokens are refused. Every answer comes from the
 * engine functions the CLI runs (src/engine/review/, src/engine/optimize/realized-savings.ts).
 */
import { z } from "zod";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { reviewHtml } from "../../core/review/render.js";
import { measureRealizedSavings } from "../../engine/optimize/realized-savings.js";
import { addActionItem, listActionItems, setActionItem } from "../../engine/review/action-items.js";
import { renderReview } from "../../engine/review/render-review.js";
import { getSavedReview, listReviews } from "../../engine/review/store.js";
import type { ServerContext, ZApp } from "../context.js";
import { actionItemSchema, actionItemsSchema, realizedSavingsSchema, reviewListSchema, reviewSchema } from "../contract.js";
import { HttpProblem } from "../problem.js";
import { errorResponses, freeText, isoDate, isoMonth, nameText, numericId } from "../schemas.js";

const STATUS = z.enum(["open", "in-progress", "done", "dropped"]);

export function registerReviewRoutes(app: ZApp, ctx: ServerContext): void {
  const link = (month: string): string => `${(ctx.workspace.config.notify?.dashboardUrl ?? "").replace(/\/$/, "")}/reviews?month=${month}`;

  app.get(
    "/api/v1/reviews",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: { summary: "Monthly FinOps reviews kept in the store, newest first", tags: ["reviews"], response: { 200: reviewListSchema, ...errorResponses } },
    },
    async () => ctx.cached("reviews", () => ctx.readers.use(async (st) => ({ items: await listReviews(st) }))),
  );

  app.get(
    "/api/v1/reviews/items",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Review action items (all, or those raised in one review month)",
        tags: ["reviews"],
        querystring: z.object({ month: isoMonth.optional(), status: STATUS.optional() }),
        response: { 200: actionItemsSchema, ...errorResponses },
      },
    },
    async (req) => ctx.readers.use(async (st) => ({ items: await listActionItems(st, { ...(req.query.month ? { month: req.query.month } : {}), ...(req.query.status ? { status: [req.query.status] } : {}) }) })),
  );

  app.post(
    "/api/v1/reviews/items",
    {
      config: { policy: { access: "admin", team: "deny" } },
      schema: {
        summary: "Raise a review action item (admin)",
        tags: ["reviews"],
        body: z.object({ month: isoMonth, title: freeText(500), owner: nameText(200, "an owner"), dueDate: isoDate, note: freeText(2000).optional() }),
        response: { 200: actionItemSchema, ...errorResponses },
      },
    },
    async (req) => {
      const item = await ctx.writeLock(() => addActionItem(ctx.writer, { month: req.body.month, title: req.body.title, owner: req.body.owner, dueDate: req.body.dueDate, note: req.body.note }));
      ctx.invalidate();
      return item;
    },
  );

  app.put(
    "/api/v1/reviews/items/:id",
    {
      config: { policy: { access: "admin", team: "deny" } },
      schema: {
        summary: "Change a review action item: status, owner, due date, title, note (admin)",
        tags: ["reviews"],
        params: z.object({ id: numericId }),
        body: z.object({ status: STATUS.optional(), owner: nameText(200, "an owner").optional(), dueDate: isoDate.optional(), title: freeText(500).optional(), note: freeText(2000).optional() }),
        response: { 200: actionItemSchema, ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const item = await ctx.writeLock(() => setActionItem(ctx.writer, Number(req.params.id), req.body));
      ctx.invalidate();
      return item;
    },
  );

  app.get(
    "/api/v1/reviews/:month",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "One kept review: its figures and its HTML",
        tags: ["reviews"],
        params: z.object({ month: isoMonth }),
        response: { 200: reviewSchema, ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) =>
      ctx.cached(`review:${req.params.month}`, () =>
        ctx.readers.use(async (st) => {
          const review = await getSavedReview(st, req.params.month);
          if (!review) throw new HttpProblem(404, "NOT_FOUND", `no review kept for ${req.params.month}: render it (costwise review --month ${req.params.month}, or POST /api/v1/reviews/${req.params.month})`);
          return { review, html: reviewHtml(review, { link: link(review.month) }) };
        }),
      ),
  );

  app.post(
    "/api/v1/reviews/:month",
    {
      config: { policy: { access: "admin", team: "deny" } },
      schema: {
        summary: "Render a month's review now and keep it (admin)",
        tags: ["reviews"],
        params: z.object({ month: isoMonth }),
        response: { 200: reviewSchema, ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const r = await ctx.writeLock(() => renderReview(ctx.writer, ctx.workspace, req.params.month, "html", { link: link(req.params.month) }));
      ctx.invalidate();
      return { review: r.data, html: String(r.content) };
    },
  );

  app.get(
    "/api/v1/savings/realized",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Savings of done recommendations measured on the bill: EffectiveCost per day N days before vs after, per owner and total",
        tags: ["analyses"],
        response: { 200: realizedSavingsSchema, ...errorResponses },
      },
    },
    async () => ctx.cached("savings-realized", () => ctx.readers.use((st) => measureRealizedSavings(st, ctx.workspace.config.optimization ?? optimizationDefaults()))),
  );
}
