/**
 * The local admin endpoint: the CLI beside a running server. DuckDB's file is opened by one process, so while
 * `costwise serve` holds a store, `costwise ingest`, `allocate`, `run <job>`, `token ...`, `sources`, `query` and `anomalies ...`
 * on that store ask the server to do their work here (src/cli/remote.ts is the client) instead of failing on the
 * file lock. Only for the CLI on this machine with the credential the server published next to the store
 * (engine/auth/admin-endpoint.ts; checked by auth.ts `localAdminCaller`); hidden from the OpenAPI document.
 *
 * Each route runs the same engine calls as the command does on its own, and answers `{ value, log }`: the value the
 * command prints (text or --json, the same as without a server) and the lines the work logged (the command shows
 * them on stderr). A failure is a problem (application/problem+json) that also carries the CostwiseError as
 * `error: { code, message, location, details }`, so the command reports it with the same words and exit code.
 *
 * Order of operations of a write (ingest, allocate, run):
 *   1. one at a time (their own lock), on a connection of their own beside the server's writer and readers;
 *   2. the command's workspace: the costwise.yaml the CLI found (same machine, same file), else the server's own;
 *   3. an ingest that committed rows chains allocate → detect → budgets → deliver (`runAfterDataLanded`) when a
 *      config file is loaded;
 *   4. the server's rollup is refreshed and its cached answers dropped, so the API shows the change at once.
 * A token created or revoked here applies at once (token-cache.ts `tokensChanged`; a revoked token is refused by
 * the next request in any case: each request verifies its token against the table).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { isCostwiseError } from "../../core/errors.js";
import { parseCostQuery } from "../../core/query/cost-query.js";
import { JOB_NAMES } from "../../core/config/sections/notify.js";
import { applyAllocation, previewAllocation } from "../../engine/allocation/allocate.js";
import { loadAllocation } from "../../engine/allocation/load-rules.js";
import { allocationSummary } from "../../engine/allocation/reports.js";
import { ADMIN_PATH } from "../../engine/auth/admin-endpoint.js";
import { createToken, listTokens, revokeToken, ROLES } from "../../engine/auth/tokens.js";
import { activeSnoozes, FEEDBACK_ACTIONS, giveFeedback, listSnoozes, parseUntil, snoozeMonitor, unsnoozeMonitor } from "../../engine/detect/feedback.js";
import { listAnomalies } from "../../engine/detect/monitors.js";
import { loadConfig, type LoadedConfig } from "../../engine/config/load-config.js";
import { ingestOpenCostFile, type OpenCostIngestResult } from "../../engine/connectors/opencost.js";
import { ingestFiles, type IngestResult } from "../../engine/ingest/ingest.js";
import { runAfterDataLanded, runJob, type JobContext, type JobResult } from "../../engine/jobs/jobs.js";
import { SOURCE_FORMATS } from "../../engine/mapping/registry.js";
import { fxContextOf } from "../../engine/fx/convert.js";
import { queryOrThrow, runCostQuery } from "../../engine/query/run-query.js";
import type { AnalysisStore } from "../../engine/store/cost-store.js";
import type { SiblingStore } from "../../engine/store/duckdb/reader-pool.js";
import { configuredSources, listSources } from "../../engine/store/sources.js";
import { jobStatuses } from "../../engine/jobs/status.js";
import { localAdminCaller } from "../auth.js";
import type { ServerContext, ZApp } from "../context.js";
import { PROBLEM_CONTENT_TYPE, toProblem } from "../problem.js";
import { isoDate } from "../schemas.js";
import { tokensChanged } from "../token-cache.js";
import { writeLock } from "../write-lock.js";

const ADMIN_PREFIX = ADMIN_PATH;

export interface AdminOptions {
  /** The credential published in `<store>.serve.json`. */
  credential: string;
  /** The store file the server holds (absolute), for the ping. */
  storeFile: string;
  /** The server's costwise.yaml as loaded (used when the CLI found none). */
  workspace: LoadedConfig;
}

interface AdminDeps extends AdminOptions {
  /** The server's store: writes open a connection of their own on it. */
  store: SiblingStore;
  /** Refreshes the rollup and drops cached answers (app.ts notifyDataChanged). */
  dataChanged: () => Promise<void>;
}

/** The command's workspace: the costwise.yaml the CLI found (an absolute path), else the server's own. */
const workspaceBody = z.object({ config: z.string().nullable(), cwd: z.string() });
type WorkspaceRef = z.infer<typeof workspaceBody>;

const ingestBody = z.object({
  files: z.array(z.string().min(1)),
  opencost: z.array(z.string().min(1)),
  format: z.enum(SOURCE_FORMATS).optional(),
  workspace: workspaceBody,
});
const allocateBody = z.object({ preview: z.boolean(), rules: z.string().nullable(), workspace: workspaceBody });
const runBody = z.object({ job: z.enum(JOB_NAMES), attempts: z.number().int().min(1).max(10), workspace: workspaceBody });
const tokenCreateBody = z.object({ name: z.string(), role: z.enum(ROLES), team: z.string().nullable() });
const tokenListBody = z.object({ all: z.boolean() });
const tokenRevokeBody = z.object({ id: z.string() });
const sourcesBody = z.object({ configuredOnly: z.boolean(), configured: z.array(z.object({ name: z.string(), type: z.string() })) });
const queryBody = z.object({ query: z.unknown() });

/** What `costwise ingest` prints: the OpenCost responses loaded, the files' ingest, and the chain that followed. */
export interface AdminIngestAnswer {
  opencost: OpenCostIngestResult[];
  result: IngestResult | null;
  chained: JobResult[] | null;
}

export function registerAdminRoutes(app: ZApp, ctx: ServerContext, deps: AdminDeps): void {
  const serial = writeLock();
  const local = { config: { policy: { access: "local" as const, team: "deny" as const } }, onRequest: checkCaller };
  async function checkCaller(req: FastifyRequest): Promise<void> {
    req.principal = localAdminCaller(req, deps.credential);
  }

  /** Runs a write on a connection of its own, one at a time; tells the server its data changed afterwards. */
  const write = <T>(fn: (store: AnalysisStore) => Promise<T>): Promise<T> =>
    serial(async () => {
      const conn = await deps.store.sibling();
      try {
        return await fn(conn);
      } finally {
        await conn.close();
        await deps.dataChanged();
      }
    });

  const workspaceOf = (w: WorkspaceRef): LoadedConfig => (w.config ? loadConfig(w.config, w.cwd) : deps.workspace);

  app.get(`${ADMIN_PREFIX}/ping`, { ...local, schema: { hide: true } }, async () => ({ value: { store: deps.storeFile, pid: process.pid }, log: [] }));

  app.post(`${ADMIN_PREFIX}/ingest`, { ...local, schema: { hide: true, body: ingestBody } }, (req, reply) =>
    answer(req, reply, async (log) => {
      const b = req.body;
      const workspace = workspaceOf(b.workspace);
      return write(async (store): Promise<AdminIngestAnswer> => {
        const opencost: OpenCostIngestResult[] = [];
        for (const p of b.opencost) opencost.push(await ingestOpenCostFile(store, p));
        const result = b.files.length > 0 ? await ingestFiles(store, b.files, b.format ? { format: b.format } : {}) : null;
        const rows = (result?.rowsLoaded ?? 0) + opencost.reduce((a, o) => a + o.rows, 0);
        const chained = rows > 0 && workspace.file !== undefined ? await runAfterDataLanded(jobContext(store, workspace, 3, log), "after ingest") : null;
        return { opencost, result, chained };
      });
    }),
  );

  app.post(`${ADMIN_PREFIX}/allocate`, { ...local, schema: { hide: true, body: allocateBody } }, (req, reply) =>
    answer(req, reply, async () => {
      const b = req.body;
      const workspace = workspaceOf(b.workspace);
      const loaded = loadAllocation(workspace.config, workspace.baseDir, b.rules ?? undefined);
      if (b.preview) return ctx.readers.use((s) => previewAllocation(s, loaded));
      return write(async (store) => {
        const run = await applyAllocation(store, loaded);
        return { run, summary: await allocationSummary(store, { by: "team" }) };
      });
    }),
  );

  app.post(`${ADMIN_PREFIX}/run`, { ...local, schema: { hide: true, body: runBody } }, (req, reply) =>
    answer(req, reply, async (log) => {
      const b = req.body;
      const workspace = workspaceOf(b.workspace);
      return write((store) => runJob(jobContext(store, workspace, b.attempts, log), b.job));
    }),
  );

  app.post(`${ADMIN_PREFIX}/tokens/create`, { ...local, schema: { hide: true, body: tokenCreateBody } }, (req, reply) =>
    answer(req, reply, async () => {
      const created = await ctx.writeLock(() => createToken(ctx.writer, req.body));
      tokensChanged(ctx.tokensRequired);
      return created;
    }),
  );

  app.post(`${ADMIN_PREFIX}/tokens/list`, { ...local, schema: { hide: true, body: tokenListBody } }, (req, reply) =>
    answer(req, reply, () => ctx.readers.use((s) => listTokens(s, { includeRevoked: req.body.all }))),
  );

  app.post(`${ADMIN_PREFIX}/tokens/revoke`, { ...local, schema: { hide: true, body: tokenRevokeBody } }, (req, reply) =>
    answer(req, reply, async () => {
      const rec = await ctx.writeLock(() => revokeToken(ctx.writer, req.body.id));
      tokensChanged(ctx.tokensRequired);
      return rec;
    }),
  );

  app.post(`${ADMIN_PREFIX}/sources`, { ...local, schema: { hide: true, body: sourcesBody } }, (req, reply) =>
    answer(req, reply, () =>
      ctx.readers.use(async (s) => ({
        sources: req.body.configuredOnly ? [] : await listSources(s),
        bySource: await configuredSources(s, req.body.configured),
      })),
    ),
  );

  app.post(`${ADMIN_PREFIX}/query`, { ...local, schema: { hide: true, body: queryBody } }, (req, reply) =>
    answer(req, reply, async () => {
      const query = queryOrThrow(parseCostQuery(req.body.query));
      return ctx.readers.use((s) => runCostQuery(s, query, {}, fxContextOf(ctx.workspace)));
    }),
  );

  // costwise jobs: the schedules come from the CLI's config; the history from the served store
  const jobsBody = z.object({ schedules: z.array(z.object({ job: z.enum(JOB_NAMES), schedule: z.string().nullable(), timezone: z.string(), enabled: z.boolean(), origin: z.enum(["config", "default", "none"]) })) });
  app.post(`${ADMIN_PREFIX}/jobs`, { ...local, schema: { hide: true, body: jobsBody } }, (req, reply) =>
    answer(req, reply, () => ctx.readers.use((s) => jobStatuses(s, req.body.schedules, new Date()))),
  );

  // costwise anomalies (list, ack, expected, snooze, unsnooze, snoozes): the same engine calls, on the server's writer
  const actorBody = z.object({ name: z.string(), team: z.string().nullable() });
  const anomaliesBody = z.object({ since: isoDate.optional(), monitor: z.string().optional(), alertsOnly: z.boolean(), limit: z.number().int().min(1) });
  const feedbackBody = z.object({ id: z.string(), action: z.enum(FEEDBACK_ACTIONS), reason: z.string().optional(), by: actorBody });
  const snoozeBody = z.object({ monitor: z.string(), series: z.string().optional(), until: z.string(), reason: z.string().optional(), by: actorBody });
  const unsnoozeBody = z.object({ monitor: z.string(), series: z.string().optional(), by: actorBody });
  const feedbackWrite = async <T>(fn: () => Promise<T>): Promise<T> => {
    const r = await ctx.writeLock(fn);
    ctx.invalidate();
    return r;
  };
  app.post(`${ADMIN_PREFIX}/anomalies/list`, { ...local, schema: { hide: true, body: anomaliesBody } }, (req, reply) => answer(req, reply, () => ctx.readers.use((s) => listAnomalies(s, req.body))));
  app.post(`${ADMIN_PREFIX}/anomalies/snoozes`, { ...local, schema: { hide: true, body: z.object({ all: z.boolean() }) } }, (req, reply) =>
    answer(req, reply, () => ctx.readers.use((s) => (req.body.all ? listSnoozes(s) : activeSnoozes(s)))),
  );
  app.post(`${ADMIN_PREFIX}/anomalies/feedback`, { ...local, schema: { hide: true, body: feedbackBody } }, (req, reply) =>
    answer(req, reply, () => feedbackWrite(() => giveFeedback(ctx.writer, req.body.id, req.body.action, req.body.by, req.body.reason !== undefined ? { reason: req.body.reason } : {}))),
  );
  app.post(`${ADMIN_PREFIX}/anomalies/snooze`, { ...local, schema: { hide: true, body: snoozeBody } }, (req, reply) =>
    answer(req, reply, () => {
      const { by, until, ...s } = req.body;
      return feedbackWrite(() => snoozeMonitor(ctx.writer, { ...s, until: parseUntil(until) }, by));
    }),
  );
  app.post(`${ADMIN_PREFIX}/anomalies/unsnooze`, { ...local, schema: { hide: true, body: unsnoozeBody } }, (req, reply) =>
    answer(req, reply, () => {
      const { by, ...s } = req.body;
      return feedbackWrite(() => unsnoozeMonitor(ctx.writer, s, by));
    }),
  );

  function jobContext(store: AnalysisStore, workspace: LoadedConfig, attempts: number, log: (line: string) => void): JobContext {
    return { store, workspace, attempts, log };
  }
}

/**
 * `{ value, log }` on success; on failure a problem carrying the CostwiseError (code, message, location, details) for
 * the CLI to report as it would have. An unexpected error (a bug) says only its message: no stack, no internals.
 */
async function answer<T>(req: FastifyRequest, reply: FastifyReply, fn: (log: (line: string) => void) => Promise<T>): Promise<unknown> {
  const log: string[] = [];
  const logLine = (line: string): void => {
    log.push(line);
    req.log.info({ admin: true }, line);
  };
  try {
    return { value: await fn(logLine), log };
  } catch (e) {
    const instance = req.url.split("?")[0] ?? req.url;
    const { body, internal } = toProblem(e, instance, req.id);
    if (internal) req.log.error({ err: e }, "local admin request failed");
    // not a CostwiseError: a bug, which the CLI reports as one (code BUG is not an error code; no stack is sent)
    const error = isCostwiseError(e) ? e.toJSON() : { code: "BUG", message: e instanceof Error ? e.message : String(e) };
    return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...body, error, log }));
  }
}
