/**
 * Starts `costwise serve`: checks the bind address against auth, builds the server and listens; with
 * `adminEndpoint`, publishes the local admin endpoint next to the store (the CLI beside the server, routes/admin.ts)
 * and removes it when the server closes.
 */
import { resolve } from "node:path";
import { CostwiseError } from "../core/errors.js";
import { newAdminCredential, publishAdminEndpoint } from "../engine/auth/admin-endpoint.js";
import { activeTokenCount } from "../engine/auth/tokens.js";
import type { LoadedConfig } from "../engine/config/load-config.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { buildServer, type App, type BuildServerOptions } from "./app.js";
import { isLoopbackHost } from "./auth.js";
import type { ServerStore } from "./context.js";

export interface ServeOptions extends BuildServerOptions {
  host: string;
  port: number;
  /**
   * Publish `<storeFile>.serve.json` (URL and a random admin credential, mode 0600) so CLI commands on the same store
   * go through this server instead of failing on DuckDB's file lock. Not for an in-memory store.
   */
  adminEndpoint?: { storeFile: string; workspace: LoadedConfig };
}

export interface RunningServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

/** Refuses a non-loopback bind without tokens: it would publish the organisation's costs to the network. */
export async function checkBind(store: AnalysisStore, host: string): Promise<void> {
  if (isLoopbackHost(host)) return;
  if ((await activeTokenCount(store)) > 0) return;
  throw new CostwiseError(
    "USAGE",
    `refusing to listen on ${host} without authentication: anyone who can reach this address would read all cost data. ` +
      `Create an API token first (\`costwise token create --name <who> --role admin\`), or listen on 127.0.0.1 for local use.`,
  );
}

export async function startServer(store: ServerStore, opts: ServeOptions): Promise<RunningServer> {
  await checkBind(store, opts.host);
  const ep = opts.adminEndpoint && opts.adminEndpoint.storeFile !== ":memory:" ? opts.adminEndpoint : undefined;
  const admin = ep ? { credential: newAdminCredential(), storeFile: resolve(ep.storeFile), workspace: ep.workspace } : undefined;
  const app = await buildServer({ ...opts, store, ...(admin ? { admin } : {}) });
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  const shown = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${shown}:${port}/`;
  // the CLI reaches the admin routes on loopback when the server listens on every address
  const unpublish = admin ? publishAdminEndpoint({ store: admin.storeFile, url, credential: admin.credential }) : () => undefined;
  return {
    app,
    url,
    close: async () => {
      unpublish();
      await app.close();
    },
  };
}
