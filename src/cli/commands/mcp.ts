/**
 * `costwise mcp`: the Model Context Protocol server over stdio, for an AI assistant on this machine (Claude Desktop,
 * an IDE agent). The same tools are served over streamable HTTP at /mcp by `costwise serve`. docs/mcp.md.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description("serve costwise's tools (query_costs, allocation, anomalies, forecast, budgets, …) to an AI assistant over MCP on stdio")
    .addHelpText(
      "after",
      `
Reads JSON-RPC on stdin and answers on stdout until stdin closes; nothing else is written to stdout.
The local user is the admin (recommendation status changes allowed). Each tool call opens the store for
that call only. Over the network, use \`costwise serve\`: the same tools at /mcp (streamable HTTP), with the
API's bearer tokens and team scoping.

Tools: query_costs, allocation, anomalies, forecast, budgets, recommendations, tag_coverage, commitments,
policy_check, explain_mapping. Resources: costwise://focus/columns, costwise://kpi/definitions.

Claude Desktop (claude_desktop_config.json):
  { "mcpServers": { "costwise": { "command": "npx",
      "args": ["costwise", "--store", "/path/to/costwise.duckdb", "--config", "/path/to/costwise.yaml", "mcp"] } } }
See docs/mcp.md.`,
    )
    .action(lazyAction(() => import("./mcp-actions.js"), "mcp"));
}
