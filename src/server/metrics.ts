/**
 * Prometheus metrics in the text exposition format (hand-rolled: two metric families, no dependency).
 * Labels are the route pattern (never the raw URL, so ids and query strings cannot blow up cardinality).
 */
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
