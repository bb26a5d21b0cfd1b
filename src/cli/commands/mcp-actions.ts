/**
 * `costwise mcp`: the tools of src/engine/mcp/tools.ts over stdio. The local user is the admin (as the open loopback
 * API treats a local caller). Each tool call opens the store for that call only (`withStore`: a ClickHouse workspace's
 * analysis replica is brought in step first), so the session holds no lock between calls. Runs until stdin closes.
 */
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import type { Command } from "commander";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CostwiseError } from "../../core/errors.js";
import { createMcpServer } from "../../engine/mcp/tools.js";
import type { AnalysisStore } from "../../engine/store/cost-store.js";
import { globalOptions, withStore, type GlobalOptions } from "../context.js";

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env["USER"] ?? "local";
  }
}

export async function mcp(_opts: unknown, cmd: Command): Promise<void> {
  // --json is implied: nothing but the protocol may reach stdout
  const g: GlobalOptions = { ...globalOptions(cmd), json: true };
  const open = <T>(fn: (store: AnalysisStore) => Promise<T>): Promise<T> => {
    if (g.store !== ":memory:" && !existsSync(g.store)) {
      throw new CostwiseError("NOT_FOUND", `no cost store at ${g.store}; ingest a bill first (costwise ingest) or pass --store`);
    }
    return withStore(g, fn);
  };
  const server = createMcpServer({
    workspace: g.workspace,
    caller: { name: localUser(), role: "admin", team: null },
    read: open,
    write: open,
    version: cmd.parent?.version() ?? "0.0.0",
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((res) => {
    transport.onclose = () => res();
    process.stdin.once("end", () => res());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
