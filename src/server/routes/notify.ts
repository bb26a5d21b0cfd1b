/**
 * The feedback loop's state over HTTP: delivery status of notifications (the outbox) and the KPI scorecard's
 * stored daily history. A team-bound token sees its own team's notifications only; the KPI history is
 * organisation-wide (team tokens: 403).
 */
import { z } from "zod";
import { kpiHistory } from "../../engine/notify/kpi.js";
import { listNotifications } from "../../engine/notify/outbox.js";
import { OUTBOX_TABLE, KPI_TABLE } from "../../engine/notify/tables.js";
import { tableExists } from "../../engine/store/table-rows.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { errorResponses, kpiHistorySchema, notificationsSchema } from "../contract.js";

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
          limit: z.coerce.number().int().min(1).max(1000).default(100),
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

  app.get(
    "/api/v1/kpis/history",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "The KPI scorecard's daily history (costwise kpi / the kpi job)",
        tags: ["kpis"],
        querystring: z.object({ days: z.coerce.number().int().min(1).max(3650).default(30) }),
        response: { 200: kpiHistorySchema, ...errorResponses },
      },
    },
    async (req) =>
      ctx.readers.use(async (s) => {
        if (!(await tableExists(s, KPI_TABLE))) return [];
        return kpiHistory(s, { days: req.query.days });
      }),
  );
}
