/**
 * The MCP tools (src/engine/mcp/tools.ts) over streamable HTTP at /mcp, under `costwise serve`.
 *
 * Stateless: every POST carries one JSON-RPC message (or batch) and gets its answer as JSON; a fresh MCP server is
 * built for the request's caller, so no session state outlives a request and a token revoked is refused by the next
 * one. GET (a server-to-client event stream) and DELETE (ending a session) have nothing to serve: 405.
 *
 * Order of operations per request: the app's onRequest checks (Host and Origin, auth.ts) ran already; then the
 * bearer token is checked exactly as for /api/v1 (`authenticate` with policy read + team scoped: no token → 401 once
 * tokens exist, a bad one → 401), the caller becomes the tools' McpCaller (role and team of the token; the open
 * loopback caller is the local admin), and each tool applies its own policy (team scope, admin for status changes).
 * Reads use the server's reader pool; a status change runs on the writer under the write lock and drops the caches.
 */
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { FastifyInstance } from "fastify";
import { createMcpServer } from "../../engine/mcp/tools.js";
import { authenticate, type AccessPolicy } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpProblem } from "../problem.js";

export const MCP_PATH = "/mcp";
const POLICY: AccessPolicy = { access: "read", team: "scoped" };
/** A plan JSON for policy_check may be large (the API's other routes take 1 MiB). */
const MCP_BODY_LIMIT = 16 * 1_048_576;

export function registerMcpRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post(MCP_PATH, { bodyLimit: MCP_BODY_LIMIT, schema: { hide: true } }, async (req, reply) => {
    const required = await ctx.tokensRequired();
    const principal = await ctx.readers.use((s) => authenticate(req, POLICY, s, required));
    if (!principal) throw new HttpProblem(401, "UNAUTHORIZED", "this endpoint needs a caller");
    const server = createMcpServer({
      workspace: ctx.workspace,
      caller: { name: principal.kind === "token" ? principal.name : "local", role: principal.role, team: principal.team },
      read: (fn) => ctx.readers.use(fn),
      rollupReady: () => ctx.rollup.ready,
      write: async (fn) => {
        try {
          return await ctx.writeLock(() => fn(ctx.writer));
        } finally {
          ctx.invalidate();
        }
      },
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req.raw, reply.raw, req.body);
  });
  for (const method of ["GET", "DELETE"] as const) {
    app.route({
      method,
      url: MCP_PATH,
      schema: { hide: true },
      handler: async (_req, reply) => {
        void reply.header("allow", "POST");
        throw new HttpProblem(405, "METHOD_NOT_ALLOWED", "this MCP endpoint is stateless: POST JSON-RPC messages (streamable HTTP without a session stream)");
      },
    });
  }
}
