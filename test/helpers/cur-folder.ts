/** Lays out a CUR delivery the way AWS writes it to S3: <report>/<period>/<assemblyId>/<report>-N.csv.gz + manifest. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface CurDelivery {
  periodDir: string;
  manifest: string;
  parts: string[];
}

/**
 * Writes `rows` (CSV lines without header) split into `parts` gzip files under a new assembly id,
 * and the period's manifest naming them (replacing any older manifest, as AWS does).
 */
export function writeCurDelivery(root: string, opts: { header: string; rows: string[]; parts: number; assemblyId: string; period: [string, string] }): CurDelivery {
  const [start, end] = opts.period;
  const periodDir = join(root, "my-report", `${start.replaceAll("-", "")}-${end.replaceAll("-", "")}`);
  const asmDir = join(periodDir, opts.assemblyId);
  mkdirSync(asmDir, { recursive: true });
  const per = Math.ceil(opts.rows.length / opts.parts);
  const parts: string[] = [];
  for (let i = 0; i < opts.parts; i++) {
    const p = join(asmDir, `my-report-${i + 1}.csv.gz`);
    writeFileSync(p, gzipSync([opts.header, ...opts.rows.slice(i * per, (i + 1) * per)].join("\n") + "\n"));
    parts.push(p);
  }
  const manifest = join(periodDir, "my-report-Manifest.json");
  const stamp = (d: string) => `${d.replaceAll("-", "")}T000000.000Z`;
  writeFileSync(
    manifest,
    JSON.stringify({
      assemblyId: opts.assemblyId,
      account: "012345678901",
      reportName: "my-report",
      billingPeriod: { start: stamp(start), end: stamp(end) },
      compression: "GZIP",
      contentType: "text/csv",
      reportKeys: parts.map((_, i) => `cur/my-report/${start.replaceAll("-", "")}-${end.replaceAll("-", "")}/${opts.assemblyId}/my-report-${i + 1}.csv.gz`),
    }),
  );
  return { periodDir, manifest, parts };
}

export function splitCsv(path: string): { header: string; rows: string[] } {
  const lines = readFileSync(path, "utf8").replace(/\r\n/g, "\n").split("\n").filter((l) => l !== "");
  return { header: lines[0]!, rows: lines.slice(1) };
}
