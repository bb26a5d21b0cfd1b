/**
 * The feedback loop's state over HTTP: delivery status of notifications (the outbox) and the KPI scorecard's
 * stored daily history. A team-bound token sees its own team's notifications only; the KPI history is
 * organisation-wide (team tokens: 403).
 */
import { z } from "zod";
import { kpiHistory } from "../../engine/notify/kpi.js";
import { listNotifications } from "../../engine/notify/outbox.js";
import { OUTBOX_TABLE, KPI_TABLE } from "../../engine/notify/tables.js";
import type { CostStore } from "../../engine/store/cost-store.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { errorResponses } from "../schemas.js";

const notificationSchema = z.object({
  id: z.string(),
  channel: z.string(),
  team: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z.enum(["pending", "sending", "sent", "failed", "digested"]).or(z.string()),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  latencySeconds: z.number().nullable().describe("data landed → delivered, in seconds"),
});

const kpiRowSchema = z.object({ day: z.string(), kpi: z.string(), scope: z.string(), value: z.string().nullable(), unit: z.string(), details: z.string().nullable() });

async function hasTable(s: CostStore, name: string): Promise<boolean> {
  const r = await s.all({ sql: "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?", params: [name] });
  return Number(r[0]?.["n"] ?? 0) > 0;
}

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
        response: { 200: z.array(notificationSchema), ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      const q = req.query;
      return ctx.readers.use(async (s) => {
        if (!(await hasTable(s, OUTBOX_TABLE))) return [];
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
        response: { 200: z.array(kpiRowSchema), ...errorResponses },
      },
    },
    async (req) =>
      ctx.readers.use(async (s) => {
        if (!(await hasTable(s, KPI_TABLE))) return [];
        const rows = await kpiHistory(s, { days: req.query.days });
        return rows.map((r) => ({
          day: String(r["day"]),
          kpi: String(r["kpi"]),
          scope: String(r["scope"]),
          value: (r["value"] as string | null) ?? null,
          unit: String(r["unit"]),
          details: (r["details"] as string | null) ?? null,
        }));
      }),
  );
}
