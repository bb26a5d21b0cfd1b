/**
 * The costwise HTTP server: API under /api/v1, OpenAPI 3.1 at /openapi.json, /healthz, Prometheus
 * /metrics, and the built dashboard (web/dist) as static files with an SPA fallback.
 *
 * `buildServer` makes a ready Fastify instance without listening, so tests drive it with `inject`.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { CostwiseConfig } from "../core/config/schema.js";
import { redactSecrets, redactUrl } from "../core/redact.js";
import { ReaderPool } from "../engine/store/duckdb/reader-pool.js";
import { refreshRollup } from "../engine/store/duckdb/rollup.js";
import { AnswerCache } from "./answer-cache.js";
import { authenticate, DEFAULT_POLICY, hostRefusal, isLoopbackHost, originRefusal, type AccessPolicy } from "./auth.js";
import { defaultWorkspace, type ServerContext, type ServerStore } from "./context.js";
import { ServerMetrics } from "./metrics.js";
import { frameworkErrorHandler, HttpProblem, PROBLEM_CONTENT_TYPE, toProblem } from "./problem.js";
import { registerMcpRoute } from "./mcp/http.js";
import { registerAdminRoutes, type AdminOptions } from "./routes/admin.js";
import { registerAllocationRoutes } from "./routes/allocation.js";
import { registerAnalysisRoutes } from "./routes/analyses.js";
import { registerCommitmentRoutes } from "./routes/commitments.js";
import { registerReviewRoutes } from "./routes/reviews.js";
import { registerCostInsightsRoutes } from "./routes/cost-insights.js";
import { registerCostRoutes } from "./routes/costs.js";
import { registerFeatureRoutes } from "./routes/features.js";
import { registerNotifyRoutes } from "./routes/notify.js";
import { registerOverviewRoutes } from "./routes/overview.js";
import { registerSourceRoutes } from "./routes/sources.js";
import { registerSystemRoutes } from "./routes/system.js";
import { registerTagRoutes } from "./routes/tags.js";
import { tokensRequiredCheck } from "./token-cache.js";
import { warmUp } from "./warm-up.js";
import { writeLock } from "./write-lock.js";

export type App = FastifyInstance;

export interface BuildServerOptions {
  /** The writer; readers are its siblings (see ServerStore). */
  store: ServerStore;
  /** auto: tokens needed once one exists; tokens: always. */
  auth?: "auto" | "tokens";
  /** Concurrent reader connections (default 4). */
  readers?: number;
  /** Directory of the built dashboard (default: web/dist beside the package); served when it exists. */
  webDir?: string;
  /** Fastify logger: false for none (tests), or a pino level. */
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "silent" | false;
  /** Build the daily rollup before serving (default true). */
  rollup?: boolean;
  /** Compute the dashboard's fixed reads in the background after start (default true). */
  warm?: boolean;
  /** costwise.yaml (budgets, unit costs); defaults when absent. */
  workspace?: { config: CostwiseConfig; baseDir: string };
  /** The local admin endpoint for the CLI beside the server (routes/admin.ts); none when absent. */
  admin?: AdminOptions;
  /** The listen address: its name is a Host this server answers to without tokens (see auth.ts, hostRefusal). */
  host?: string;
  /** Extra Host names answered (a reverse proxy's public name); default: the workspace's `server.allowedHosts`. */
  allowedHosts?: readonly string[];
  /** Where the log lines go (default stdout); tests capture them here. */
  logStream?: { write(line: string): void };
}

/**
 * Security headers on every response (API, static files, problem responses, 404s). The dashboard's build has no
 * inline script and evaluates no strings, so scripts are 'self' only; ECharts and React set inline style
 * attributes, hence style-src 'unsafe-inline' (styles cannot run code). No framing at all (clickjacking).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const DATA_CHANGED = new WeakMap<App, () => Promise<void>>();

/**
 * Tells a running server that the store's data changed beside it (a scheduled sync or allocation): the rollup
 * is refreshed and cached answers are dropped.
 */
export async function notifyDataChanged(app: App): Promise<void> {
  await DATA_CHANGED.get(app)?.();
}

/** web/dist beside the package: dist/src/server/app.js → ../../../web/dist; src/server/app.ts → ../../web/dist. */
export function defaultWebDir(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const candidates = [resolve(here, "../../../web/dist"), resolve(here, "../../web/dist")];
  return candidates.find((c) => existsSync(join(c, "index.html"))) ?? candidates[0]!;
}

export async function buildServer(opts: BuildServerOptions): Promise<App> {
  const logLevel = opts.logLevel ?? "info";
  const app = Fastify({
    logger:
      logLevel === false
        ? false
        : {
            level: logLevel,
            // never log credentials: the request line's secret query values (?access_token=…) are redacted, no header
            // is serialized (Authorization, Cookie), bodies are not logged
            serializers: {
              req: (req: { method?: string; url?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
                method: req.method,
                url: redactUrl(req.url ?? ""),
                host: req.hostname,
                remoteAddress: req.ip,
                remotePort: req.socket?.remotePort,
              }),
              // an internal error's message and stack may quote a client's request (a Basic credential, a signed URL)
              err: (e: Error & { code?: unknown }) => ({
                type: e.name ?? "Error",
                message: redactSecrets(String(e.message ?? "")),
                stack: redactSecrets(String(e.stack ?? "")),
                ...(typeof e.code === "string" ? { code: e.code } : {}),
              }),
            },
            redact: { paths: ["req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
            ...(opts.logStream ? { stream: opts.logStream } : {}),
          },
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1_048_576,
    // router errors (a too-long path parameter, a bad percent-encoding) as problem+json too
    frameworkErrors: frameworkErrorHandler,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const readers = await ReaderPool.open(opts.store, opts.readers ?? 4);
  const answers = new AnswerCache(1000);
  const queryAnswers = new AnswerCache(500);
  const ctx: ServerContext = {
    cached: (key, compute) => answers.get(key, compute),
    cachedQuery: (key, compute) => queryAnswers.get(key, compute),
    invalidate: () => {
      answers.clear();
      queryAnswers.clear();
    },
    writeLock: writeLock(),
    workspace: opts.workspace ?? defaultWorkspace(),
    writer: opts.store,
    readers,
    rollup: { ready: false, rows: 0 },
    warm: false,
    tokensRequired: tokensRequiredCheck(opts.auth, readers),
  };
  if (opts.rollup !== false) {
    const status = await ctx.writeLock(() => refreshRollup(opts.store));
    ctx.rollup = { ready: status.ready, rows: status.rows };
    app.log.info({ rollupRows: status.rows, sourceRows: status.sourceRows, ms: status.builtInMs }, "daily rollup ready");
  }
  let closed = false;
  app.addHook("onClose", async () => {
    closed = true;
    await readers.close();
  });

  const metrics = new ServerMetrics();
  const warm = warmUp();
  app.decorateRequest("principal", undefined);

  const hostPolicy = {
    bindHost: opts.host,
    allowedHosts: opts.allowedHosts ?? opts.workspace?.config.server?.allowedHosts ?? [],
  };
  app.addHook("onSend", async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
    reply.headers(SECURITY_HEADERS);
    // DNS rebinding and cross-site writes (auth.ts): open mode answers this machine under its own names only; a
    // state-changing request from a web page must come from this server's own origin, with or without tokens
    if (!warm.isWarmUp(req)) {
      const open = !(await ctx.tokensRequired());
      if (open || hostPolicy.allowedHosts.length > 0) {
        const refusal = hostRefusal(req.headers.host, req.socket.localPort, hostPolicy);
        if (refusal) throw new HttpProblem(403, "HOST_NOT_ALLOWED", refusal);
      }
      if (open && !isLoopbackHost(req.socket.remoteAddress ?? "")) {
        // a non-loopback bind whose last token was revoked: nobody but this machine is the local admin
        throw new HttpProblem(403, "FORBIDDEN", "this server has no API tokens, so it answers only this machine; create a token (`costwise token create`) to serve the network");
      }
      const origin = originRefusal(req.method, req.headers.origin, req.headers.host);
      if (origin) throw new HttpProblem(403, "ORIGIN_NOT_ALLOWED", origin);
    }
    const routeUrl = req.routeOptions.url;
    if (routeUrl === undefined || !routeUrl.startsWith("/api/")) return; // static, health, metrics, openapi
    const policy: AccessPolicy = req.routeOptions.config.policy ?? DEFAULT_POLICY;
    if (warm.isWarmUp(req)) {
      // the server's own warm-up requests (app.inject, never on the network): unscoped, read-only routes
      req.principal = { kind: "local", role: "viewer", team: null };
      return;
    }
    const required = policy.access === "public" ? false : await ctx.tokensRequired();
    req.principal = await readers.use((s) => authenticate(req, policy, s, required));
  });

  app.addHook("onResponse", async (req, reply) => {
    metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    let e: unknown = err;
    if (hasZodFastifySchemaValidationErrors(err)) {
      const problems = err.validation.map((v) => ({ code: "INVALID", message: v.message, path: v.instancePath.replace(/^\//, "").replace(/\//g, ".") }));
      e = new HttpProblem(400, "BAD_REQUEST", `the request does not match the schema: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}`, { problems });
    }
    const { body, internal } = toProblem(e, req.url.split("?")[0] ?? req.url, req.id);
    if (internal) req.log.error({ err }, "request failed");
    else req.log.info({ code: body.code, status: body.status }, "request refused");
    void reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "costwise API",
        version: "1",
        description:
          "FinOps cost data over HTTP. Money is a decimal string (never a JSON number). Errors are application/problem+json. " +
          "Send `Authorization: Bearer <token>` when the server has tokens; team-bound tokens see only their team's allocated costs.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const z = app.withTypeProvider<ZodTypeProvider>();
  registerSystemRoutes(z, ctx, metrics);
  registerCostRoutes(z, ctx);
  registerCostInsightsRoutes(z, ctx);
  registerSourceRoutes(z, ctx);
  registerOverviewRoutes(z, ctx);
  registerAllocationRoutes(z, ctx);
  registerTagRoutes(z, ctx);
  registerFeatureRoutes(z, ctx);
  registerAnalysisRoutes(z, ctx);
  registerCommitmentRoutes(z, ctx);
  registerReviewRoutes(z, ctx);
  registerNotifyRoutes(z, ctx);
  registerMcpRoute(app, ctx);
  if (opts.admin) registerAdminRoutes(z, ctx, { ...opts.admin, store: opts.store, dataChanged: () => notifyDataChanged(app) });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  const webDir = opts.webDir ?? defaultWebDir();
  const haveWeb = existsSync(join(webDir, "index.html"));
  if (haveWeb) {
    await app.register(fastifyStatic, { root: webDir, prefix: "/", wildcard: false, index: ["index.html"], maxAge: "1h" });
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0] ?? "/";
    if (req.method === "GET" && haveWeb && !path.startsWith("/api/") && !/\.[a-z0-9]+$/i.test(path)) {
      // SPA route (/explorer, /teams, ...): the dashboard's index.html
      return reply.type("text/html").sendFile("index.html", { maxAge: 0 });
    }
    const detail =
      path === "/" && !haveWeb
        ? `the dashboard is not built (no ${join(webDir, "index.html")}); run \`npm run build\``
        : `no route ${req.method} ${path}; see /openapi.json`;
    const { body } = toProblem(new HttpProblem(404, "NOT_FOUND", detail), path, req.id);
    return reply.status(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  });

  DATA_CHANGED.set(app, async () => {
    const status = await ctx.writeLock(() => refreshRollup(opts.store));
    ctx.rollup = { ready: status.ready, rows: status.rows };
    ctx.invalidate();
  });
  await app.ready();
  if (opts.warm !== false) {
    // compute the dashboard's fixed reads once in the background, so the first visitor does not wait
    void warm.run(app, () => closed, () => {
      ctx.warm = true;
      app.log.info("dashboard reads warmed");
    });
  } else ctx.warm = true;
  return app;
}
