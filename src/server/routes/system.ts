/** /healthz, /metrics, /api/v1/me. */
import type { ServerContext, ZApp } from "../context.js";
import { principalOf } from "../context.js";
import { costMetricsFor } from "../cost-metrics.js";
import { operationalMetrics, type ServerMetrics } from "../metrics.js";
import { operationalState } from "../../engine/jobs/operational.js";
import { refreshRollup } from "../../engine/store/duckdb/rollup.js";
import { errorResponses, healthSchema, meSchema, rollupStatusSchema, unhealthySchema } from "../contract.js";

export function registerSystemRoutes(app: ZApp, ctx: ServerContext, metrics: ServerMetrics): void {
  app.get(
    "/healthz",
    {
      schema: {
        summary: "Liveness and store check",
        tags: ["system"],
        security: [],
        response: { 200: healthSchema, 503: unhealthySchema },
      },
    },
    async (_req, reply) => {
      try {
        const schemaVersion = await ctx.readers.use((s) => s.schemaVersion());
        return { status: "ok" as const, schemaVersion, rollup: ctx.rollup, warm: ctx.warm };
      } catch {
        return reply.status(503).send({ status: "unavailable" as const, detail: "the cost store does not answer" });
      }
    },
  );

  app.get("/metrics", { schema: { hide: true } }, async (req, reply) => {
    const ops = await operationalMetrics(() => ctx.readers.use((s) => operationalState(s)));
    // cost metrics (opt-in, server.metrics.cost; an unscoped token when tokens are required): cost-metrics.ts
    const cost = await costMetricsFor(req, ctx);
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render() + ops + cost);
  });

  app.get(
    "/api/v1/me",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Who the caller is: role and team binding",
        tags: ["system"],
        response: { 200: meSchema, ...errorResponses },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return { kind: p.kind, role: p.role, team: p.team, name: p.kind === "token" ? p.name : null, tokensRequired: await ctx.tokensRequired() };
    },
  );

  app.post(
    "/api/v1/admin/rollup",
    {
      config: { policy: { access: "admin", team: "deny" } },
      schema: {
        summary: "Rebuild the dashboard's daily rollup now if the store changed (admin)",
        tags: ["system"],
        response: { 200: rollupStatusSchema, ...errorResponses },
      },
    },
    async () => {
      const status = await ctx.writeLock(() => refreshRollup(ctx.writer));
      ctx.rollup = { ready: status.ready, rows: status.rows };
      ctx.invalidate();
      return status;
    },
  );
}
