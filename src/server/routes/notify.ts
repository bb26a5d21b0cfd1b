/**
 * The feedback loop's state over HTTP: delivery status of notifications (the outbox). A team-bound token sees its
 * own team's notifications only. (The KPI history is served beside the scorecard, routes/tags.ts.)
 */
import { z } from "zod";
import { listNotifications } from "../../engine/notify/outbox.js";
import { OUTBOX_TABLE } from "../../engine/notify/tables.js";
import { tableExists } from "../../engine/store/table-rows.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { errorResponses, notificationsSchema } from "../contract.js";
import { positiveInt } from "../schemas.js";

export function registerNotifyRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/notifications",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Alerts, budget warnings, summaries and digests with their delivery status, newest first",
        tags: ["notifications"],
        querystring: z.object({
          status: z.enum(["pending", "sending", "sent", "failed", "digested"]).optional(),
          limit: positiveInt(1000).default(100),
        }),
        response: { 200: notificationsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      const q = req.query;
      return ctx.readers.use(async (s) => {
        if (!(await tableExists(s, OUTBOX_TABLE))) return [];
        return listNotifications(s, { ...(q.status ? { status: q.status } : {}), ...(team !== null ? { team } : {}), limit: q.limit });
      });
    },
  );
}
