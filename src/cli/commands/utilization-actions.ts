/**
 * `costwise utilization`: collect EC2 inventory and CloudWatch metrics, or import utilization from CSV files.
 */
import type { Command } from "commander";
import { collectAws } from "../../engine/optimize/collect-aws.js";
import { importUtilizationCsv, type ImportResult } from "../../engine/optimize/import-utilization.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { optimizationConfig } from "./recommend-actions.js";

export async function collect(opts: { region?: string; awsProfile?: string; endpoint?: string; lookbackDays?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const cfg = optimizationConfig(g);
  const days = opts.lookbackDays !== undefined ? Number(opts.lookbackDays) : Math.max(14, cfg.idle.lookbackDays);
  if (!Number.isInteger(days) || days < 1 || days > 63) throw usageError(`--lookback-days ${opts.lookbackDays}: expected a whole number of days from 1 to 63 (CloudWatch keeps 5-minute data 63 days)`);
  const r = await withStore(g, (store) =>
    collectAws(store, {
      lookbackDays: days,
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.awsProfile ? { profile: opts.awsProfile } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(g.json ? {} : { onProgress: (m: string) => stdio.err(m) }),
    }),
  );
  if (g.json) return stdio.json(r);
  stdio.out(`${r.region}: ${r.instances} instances, ${r.volumes} volumes, ${r.addresses} Elastic IPs; ${r.metricHours} metric-hours stored (${r.window.start} .. ${r.window.end})`);
}

export async function importCommand(files: string[], opts: { source?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const results: ImportResult[] = [];
  await withStore(g, async (store) => {
    for (const f of files) results.push(await importUtilizationCsv(store, f, opts.source ?? "csv"));
  });
  if (g.json) return stdio.json({ imported: results });
  for (const r of results) stdio.out(`${r.file}: ${r.points} points, ${r.resources} resources, ${r.hours} resource-metric-hours (${r.metrics.join(", ")})`);
}
