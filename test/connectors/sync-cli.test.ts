/**
 * The whole path from a clean store: `costwise sync` with a costwise.yaml listing AWS CUR in S3, Cost Explorer
 * and Organizations (moto), Azure, GCP and OCI exports, a saved OpenCost response and business metrics; then
 * `costwise sources` shows every provider side by side with its last complete day.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { freshness, lastCompleteDay } from "../../src/engine/store/sources.js";
import { queueCostExplorerResults, useTestAwsEnv } from "../helpers/aws-env.js";
import { splitCsv, writeCurDelivery } from "../helpers/cur-folder.js";
import { requireMoto, startMoto, type Moto } from "../helpers/moto.js";
import { FIXTURES, LOCAL_FIXTURES, tempDir } from "../helpers/store.js";

const enabled = requireMoto("costwise sync end to end");
const BUCKET = "acme-billing";

describe.runIf(enabled)("costwise sync + costwise sources (moto and files)", () => {
  let moto: Moto;
  let dir: string;
  let cleanup: () => void;
  let out = "";
  let err = "";

  beforeAll(async () => {
    useTestAwsEnv();
    moto = await startMoto();
  });
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    ({ dir, cleanup } = tempDir());
    out = "";
    err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    cleanup();
  });

  const cli = (...args: string[]) => main(["node", "costwise", "--config", join(dir, "costwise.yaml"), ...args]);

  async function seedAws(): Promise<void> {
    const s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { header, rows } = splitCsv(join(LOCAL_FIXTURES, "cur-line-item-types.csv"));
    const local = tempDir();
    writeCurDelivery(local.dir, { header, rows, parts: 2, assemblyId: "asm-1", period: ["2024-09-01", "2024-10-01"] });
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    for (const f of walk(local.dir)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `cur/${relative(local.dir, f)}`, Body: readFileSync(f) }));
    local.cleanup();
    const g = (svc: string, amt: string) => ({ Keys: [svc, "111111111111"], Metrics: { UnblendedCost: { Amount: amt, Unit: "USD" }, AmortizedCost: { Amount: amt, Unit: "USD" } } });
    const day = (d: string, next: string, estimated: boolean, amt: string) => ({ TimePeriod: { Start: d, End: next }, Total: {}, Estimated: estimated, Groups: [g("AWS Lambda", amt)] });
    await queueCostExplorerResults(moto.endpoint, [
      { ResultsByTime: [day("2024-09-01", "2024-09-02", false, "1.00"), day("2024-09-02", "2024-09-03", false, "2.00"), day("2024-09-03", "2024-09-04", true, "0.50")] },
    ]);
    const org = new OrganizationsClient(moto.clientConfig);
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  }

  function writeConfig(extra = ""): void {
    writeFileSync(join(dir, "units.csv"), "metric,date,value,service,environment\ntransactions,2024-09-01,1250,checkout,prod\ntransactions,2024-09-02,1300,checkout,prod\n");
    writeFileSync(
      join(dir, "costwise.yaml"),
      `store:
  path: ./store.duckdb
sources:
  - name: payer-cur
    type: aws-cur-s3
    bucket: ${BUCKET}
    prefix: cur
    report: my-report
    endpoint: ${moto.endpoint}
  - name: ce
    type: aws-cost-explorer
    billingAccountId: "999999999999"
    lookbackDays: 3
    endpoint: ${moto.endpoint}
  - name: org
    type: aws-organizations
    endpoint: ${moto.endpoint}
  - name: azure
    type: files
    paths: [${join(FIXTURES, "azure", "azure_version_2.csv")}]
  - name: gcp
    type: files
    paths: [${join(FIXTURES, "gcp", "gcp_billing_export_2020-11-08_2020-11-11.csv")}]
  - name: oci
    type: files
    paths: [${join(FIXTURES, "oci", "reports_cost-csv_0001000000603747.csv")}]
  - name: k8s
    type: opencost
    file: ${join(LOCAL_FIXTURES, "opencost", "allocation-daily-prod-eu.json")}
    cluster: prod-eu
  - name: units
    type: metrics
    file: units.csv
${extra}`,
    );
  }

  it("syncs every source and shows AWS, Azure, GCP, OCI and Kubernetes side by side with their last complete day", async () => {
    await seedAws();
    writeConfig();
    const code = await cli("--json", "sync");
    const report = JSON.parse(out) as { sources: { name: string; status: string; rowsLoaded: number; message: string }[]; failed: number };
    expect(report.sources.filter((s) => s.status === "failed"), err).toEqual([]);
    expect(code).toBe(0);
    expect(report.sources.map((s) => s.name)).toEqual(["payer-cur", "ce", "org", "azure", "gcp", "oci", "k8s", "units"]);
    expect(report.sources.find((s) => s.name === "payer-cur")!.rowsLoaded).toBe(12);
    expect(report.sources.find((s) => s.name === "units")!.rowsLoaded).toBe(2);

    out = "";
    expect(await cli("--json", "sources")).toBe(0);
    const sources = JSON.parse(out) as { source: string; billingAccountId: string; lastCompleteDay: string | null; configuredSources: string[]; rows: number }[];
    const bySource = (s: string) => sources.filter((x) => x.source === s);
    for (const s of ["aws-cur", "aws-ce", "azure-cost", "gcp-billing", "oci-cost", "opencost"]) expect(bySource(s).length, s).toBeGreaterThan(0);
    // hand-checked: the CUR runs to 2024-10-01 00:00; OpenCost's last window ends 2024-06-03 00:00;
    // Cost Explorer marks 2024-09-03 Estimated, so it is complete through 2024-09-02 only
    expect(bySource("aws-cur")[0]).toMatchObject({ billingAccountId: "012345678901", lastCompleteDay: "2024-09-30", configuredSources: ["payer-cur"], rows: 12 });
    expect(bySource("aws-ce")[0]).toMatchObject({ billingAccountId: "999999999999", lastCompleteDay: "2024-09-02", configuredSources: ["ce"], rows: 3 });
    expect(bySource("opencost")[0]).toMatchObject({ lastCompleteDay: "2024-06-02", configuredSources: ["k8s"] });
    expect(bySource("azure-cost").every((x) => x.configuredSources.includes("azure"))).toBe(true);

    // every other source's day, recomputed from the cost rows themselves (not the load bookkeeping)
    const store = await DuckDbStore.open(join(dir, "store.duckdb"));
    try {
      const fromRows = await store.all(`SELECT x_Source AS s, coalesce("BillingAccountId", '') AS a,
          strftime(max(CASE WHEN "ChargePeriodEnd" = date_trunc('day', "ChargePeriodEnd") THEN "ChargePeriodEnd" - INTERVAL 1 DAY ELSE date_trunc('day', "ChargePeriodEnd") - INTERVAL 1 DAY END), '%Y-%m-%d') AS d
        FROM focus_costs WHERE x_Source <> 'aws-ce' GROUP BY ALL`);
      for (const r of fromRows) {
        expect(sources.find((x) => x.source === r["s"] && x.billingAccountId === r["a"])?.lastCompleteDay, `${r["s"]} ${r["a"]}`).toBe(r["d"]);
      }
      const f = await freshness(store);
      expect(f.find((x) => x.source === "aws-ce")).toMatchObject({ estimatedFrom: "2024-09-03" });
      // where charts stop: the earliest among sources active within 31 days of the freshest (AWS, Sept 2024)
      expect(await lastCompleteDay(store)).toBe("2024-09-02");
      expect(await lastCompleteDay(store, { sources: ["opencost"] })).toBe("2024-06-02");
    } finally {
      await store.close();
    }

    // text: both tables, the configured sources with their last sync
    out = "";
    expect(await cli("sources")).toBe(0);
    expect(out).toMatch(/aws-cur\s+012345678901.*2024-09-30.*payer-cur/);
    expect(out).toMatch(/configured source\s+type\s+last sync/);
    expect(out).toMatch(/\nk8s\s+opencost\s+\S+ \S+\s+ok\s+\d+\s+2024-06-02/);
    expect(out).toMatch(/\norg\s+aws-organizations\s+\S+ \S+\s+(ok|empty)\s+-/);
  });

  it("a failing source is reported, the others still load, and the exit code is 1; named sources only; unknown names exit 2", async () => {
    await seedAws();
    writeConfig(`  - name: missing
    type: files
    paths: [nowhere/*.csv]
`);
    expect(await cli("sync", "missing", "azure")).toBe(1);
    expect(err).toMatch(/\[1\/2\] azure \(files\)/);
    expect(err).toMatch(/FAILED: source missing: nothing matches nowhere\/\*\.csv/);
    expect(err).toMatch(/error: 1 of 2 sources failed: missing/);
    expect(out).toMatch(/azure\s+files\s+ok\s+\d+/);
    expect(out).toMatch(/missing\s+files\s+failed\s+0/);
    expect(err).not.toMatch(/\n\s+at /);
    out = "";
    err = "";
    expect(await cli("sync", "nope")).toBe(2);
    expect(err).toMatch(/no source named "nope" in the config \(configured: payer-cur, ce, org, azure, gcp, oci, k8s, units, missing\)/);
  });

  it("a config mistake stops before anything runs, pointing at the key", async () => {
    writeFileSync(join(dir, "costwise.yaml"), `sources:\n  - name: a\n    type: aws-cur-s3\n    bucket: x\n    report: r\n`);
    expect(await cli("sync")).toBe(2);
    expect(err).toMatch(/costwise\.yaml:4:13 sources\[0\]\.bucket: .*S3 bucket name/);
  });
});
