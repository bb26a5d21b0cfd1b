/**
 * Prometheus metrics in the text exposition format (hand-rolled, no dependency).
 *   - HTTP (in process): requests and latency; labels are the route pattern (never the raw URL, so ids and
 *     query strings cannot blow up cardinality).
 *   - Operations (read from the store at each scrape, engine/jobs/operational.ts): job runs and failures by
 *     job, seconds since each job's last success, data freshness per source, outbox backlog and the age of
 *     its oldest entry, notification failures by channel. docs/operations.md lists what to alert on.
 */
import type { OperationalState } from "../engine/jobs/operational.js";

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly started = Date.now();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${escapeLabel(method)}",route="${escapeLabel(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = `method="${escapeLabel(method)}",route="${escapeLabel(route)}"`;
    let h = this.latency.get(hkey);
    if (!h) {
      h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(hkey, h);
    }
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) h!.counts[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  render(): string {
    const out: string[] = [];
    out.push("# HELP costwise_http_requests_total HTTP requests handled, by method, route pattern and status.");
    out.push("# TYPE costwise_http_requests_total counter");
    for (const [k, v] of [...this.requests].sort()) out.push(`costwise_http_requests_total{${k}} ${v}`);
    out.push("# HELP costwise_http_request_duration_seconds HTTP request latency, by method and route pattern.");
    out.push("# TYPE costwise_http_request_duration_seconds histogram");
    for (const [k, h] of [...this.latency].sort(([a], [b]) => (a < b ? -1 : 1))) {
      LATENCY_BUCKETS.forEach((b, i) => out.push(`costwise_http_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      out.push(`costwise_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`costwise_http_request_duration_seconds_sum{${k}} ${h.sum.toFixed(6)}`);
      out.push(`costwise_http_request_duration_seconds_count{${k}} ${h.count}`);
    }
    out.push("# HELP costwise_process_uptime_seconds Seconds since the server started.");
    out.push("# TYPE costwise_process_uptime_seconds gauge");
    out.push(`costwise_process_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(3)}`);
    return `${out.join("\n")}\n`;
  }
}

const seconds = (iso: string): number => Date.parse(iso.endsWith("Z") ? iso : `${iso}Z`) / 1000;

/** The operational metric families for a state read at `now`. */
export function renderOperational(state: OperationalState, now: Date): string {
  const out: string[] = [];
  const t = now.getTime() / 1000;
  const family = (name: string, type: "counter" | "gauge", help: string, lines: string[]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines.map((l) => `${name}${l}`));
  };
  const job = (j: { job: string }) => `{job="${escapeLabel(j.job)}"}`;
  family("costwise_job_runs_total", "counter", "Job attempts finished (ok or failed), by job, from job_runs.", state.jobs.map((j) => `${job(j)} ${j.runs}`));
  family("costwise_job_failures_total", "counter", "Job attempts that failed, by job.", state.jobs.map((j) => `${job(j)} ${j.failures}`));
  family("costwise_job_last_run_failed", "gauge", "1 when the latest attempt of the job failed, else 0.", state.jobs.map((j) => `${job(j)} ${j.lastStatus === "failed" ? 1 : 0}`));
  const ok = state.jobs.filter((j) => j.lastSuccessAt !== null);
  family("costwise_job_last_success_timestamp_seconds", "gauge", "Unix time of the job's last successful run.", ok.map((j) => `${job(j)} ${seconds(j.lastSuccessAt!)}`));
  family("costwise_job_last_success_age_seconds", "gauge", "Seconds since the job's last successful run.", ok.map((j) => `${job(j)} ${Math.max(0, Math.round(t - seconds(j.lastSuccessAt!)))}`));
  const src = state.sources.filter((s) => s.lastCompleteDay !== null);
  const sl = (s: { source: string; billingAccountId: string }) => `{source="${escapeLabel(s.source)}",billing_account="${escapeLabel(s.billingAccountId)}"}`;
  family("costwise_source_last_complete_day_timestamp_seconds", "gauge", "Unix time (00:00 UTC) of the last complete billing day, by source and billing account.", src.map((s) => `${sl(s)} ${seconds(`${s.lastCompleteDay!}T00:00:00Z`)}`));
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) / 1000;
  family("costwise_source_freshness_days", "gauge", "Days from the last complete billing day to today (UTC): 1 is fully fresh for daily billing.", src.map((s) => `${sl(s)} ${Math.round((today - seconds(`${s.lastCompleteDay!}T00:00:00Z`)) / 86_400)}`));
  family("costwise_outbox_backlog", "gauge", "Notifications waiting in the outbox (pending or being sent).", [` ${state.outbox.backlog}`]);
  family("costwise_outbox_oldest_pending_age_seconds", "gauge", "Age of the oldest notification waiting in the outbox (0 when empty).", [` ${state.outbox.oldestPendingAt === null ? 0 : Math.max(0, Math.round(t - seconds(state.outbox.oldestPendingAt)))}`]);
  const ch = (c: { channel: string }) => `{channel="${escapeLabel(c.channel)}"}`;
  family("costwise_notifications_failed_total", "counter", "Notifications that failed for good (attempts exhausted or permanent error), by channel.", state.channels.map((c) => `${ch(c)} ${c.failed}`));
  family("costwise_notifications_retrying", "gauge", "Notifications waiting for a retry after a failed attempt, by channel.", state.channels.map((c) => `${ch(c)} ${c.retrying}`));
  return `${out.join("\n")}\n`;
}

/** The operational families, or `costwise_operational_scrape_ok 0` when the store cannot be read. */
export async function operationalMetrics(read: () => Promise<OperationalState>, now: Date = new Date()): Promise<string> {
  const head = "# HELP costwise_operational_scrape_ok 1 when the operational metrics could be read from the store.\n# TYPE costwise_operational_scrape_ok gauge\n";
  try {
    const state = await read();
    return `${head}costwise_operational_scrape_ok 1\n${renderOperational(state, now)}`;
  } catch {
    return `${head}costwise_operational_scrape_ok 0\n`;
  }
}
