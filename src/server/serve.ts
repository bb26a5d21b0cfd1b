/** Starts `costwise serve`: checks the bind address against auth, builds the server and listens. */
import { CostwiseError } from "../core/errors.js";
import { activeTokenCount } from "../engine/auth/tokens.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { buildServer, type App, type BuildServerOptions } from "./app.js";
import { isLoopbackHost } from "./auth.js";
import type { ServerStore } from "./context.js";

export interface ServeOptions extends BuildServerOptions {
  host: string;
  port: number;
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
  const app = await buildServer({ ...opts, store });
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  const shown = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return { app, url: `http://${shown}:${port}/`, close: () => app.close() };
}
