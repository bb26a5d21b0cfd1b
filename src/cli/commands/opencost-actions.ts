/**
 * `costwise opencost [file]`: Kubernetes cost from OpenCost's /allocation API (--url) or a saved response.
 */
import type { Command } from "commander";
import { trimMoney } from "../../core/money.js";
import { ingestOpenCostFile, syncOpenCost, type OpenCostIngestResult } from "../../engine/connectors/opencost.js";
import { globalOptions, requireEmbeddedCosts, stdio, usageError, withStore } from "../context.js";

interface Opts {
  url?: string;
  cluster?: string;
  window?: string;
  aggregate?: string;
  step?: string;
  tokenEnv?: string;
  currency?: string;
  timeout: string;
  attempts: string;
}

export function printOpenCost(r: OpenCostIngestResult): void {
  const span = r.windows.length ? `${r.windows[0]!.start} – ${r.windows[r.windows.length - 1]!.end}` : "";
  stdio.out(
    `loaded ${r.url ?? r.source} as opencost: ${r.allocations} allocations in ${r.sets} window(s) ${span}, ${r.rows} rows, BilledCost ${trimMoney(r.loadedTotal)} ${r.currency} (response totalCost ${trimMoney(r.sourceTotal)}), idle ${trimMoney(r.idleTotal)}`,
  );
  stdio.out(`cluster(s) ${r.clusters.join(", ")}; ${r.rowsReplaced} rows replaced (${trimMoney(r.replacedTotal)}); ingest ${r.ingestId}`);
}

export async function opencost(file: string | undefined, opts: Opts, cmd: Command) {
  const g = globalOptions(cmd);
  if ((file === undefined) === (opts.url === undefined)) throw usageError("give a saved response file or --url, not both");
  const timeout = Number(opts.timeout);
  const attempts = Number(opts.attempts);
  if (!(timeout > 0)) throw usageError(`--timeout ${opts.timeout}: expected a number of seconds`);
  if (!Number.isInteger(attempts) || attempts < 1) throw usageError(`--attempts ${opts.attempts}: expected a whole number of at least 1`);
  requireEmbeddedCosts(g, "costwise opencost");
  const result = await withStore(g, (store) =>
    file !== undefined
      ? ingestOpenCostFile(store, file, { ...(opts.cluster ? { cluster: opts.cluster } : {}), ...(opts.currency ? { currency: opts.currency } : {}) })
      : syncOpenCost(
          store,
          {
            name: "opencost",
            type: "opencost",
            url: opts.url!,
            ...(opts.cluster ? { cluster: opts.cluster } : {}),
            ...(opts.window ? { window: opts.window } : {}),
            ...(opts.aggregate ? { aggregate: opts.aggregate } : {}),
            ...(opts.step ? { step: opts.step } : {}),
            ...(opts.tokenEnv ? { tokenEnv: opts.tokenEnv } : {}),
            ...(opts.currency ? { currency: opts.currency } : {}),
          },
          { timeoutMs: timeout * 1000, attempts, log: (l) => stdio.err(l) },
        ),
  );
  if (g.json) return stdio.json(result);
  printOpenCost(result);
}
