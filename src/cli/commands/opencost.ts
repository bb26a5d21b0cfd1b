/**
 * `costwise opencost [file]`: Kubernetes cost from OpenCost's /allocation API (--url) or a saved response.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerOpenCost(program: Command): void {
  program
    .command("opencost")
    .description("load Kubernetes cost from OpenCost's /allocation API (--url) or a saved /allocation JSON response")
    .argument("[file]", "a saved /allocation response (curl -G <opencost>/allocation -d window=... > file.json)")
    .option("--url <url>", "fetch from the OpenCost API instead, e.g. http://localhost:9003 (…/allocation is added)")
    .option("--cluster <name>", "cluster name for every row (overrides properties.cluster; OpenCost's default is cluster-one)")
    .option("--window <window>", "with --url: OpenCost window; Nd = the last N complete UTC days (default 7d)")
    .option("--aggregate <list>", "with --url: OpenCost aggregate (default cluster,node,namespace,controllerKind,controller,pod,container)")
    .option("--step <step>", "with --url: OpenCost step (default 1d)")
    .option("--token-env <VAR>", "with --url: environment variable holding a bearer token (never printed)")
    .option("--currency <code>", "currency OpenCost prices in (default USD)")
    .option("--timeout <seconds>", "with --url: per attempt", "60")
    .option("--attempts <n>", "with --url: attempts, retrying 429, 5xx, timeouts and network errors with backoff", "4")
    .addHelpText(
      "after",
      `
Every allocation becomes one FOCUS row per cost component (cpu, gpu, ram, pv, network, loadBalancer, shared,
external; x_UsageType) with the x_k8s_* columns, labels as Tags k8s:label:<name>; __idle__ allocations stay
their own rows (x_ChargeType idle). BilledCost sums to the response's totalCost, checked to the cent.
Loading the same cluster and window again replaces it, in one transaction. A saved response can also be
given to \`costwise ingest\` (detected by its shape).

Examples:
  costwise opencost allocation.json --cluster prod-eu
  costwise opencost --url http://localhost:9003 --cluster prod-eu --window 3d
  OPENCOST_TOKEN=... costwise opencost --url https://opencost.example.com --token-env OPENCOST_TOKEN`,
    )
    .action(lazyAction(() => import("./opencost-actions.js"), "opencost"));
}
