/** CUR and Data Exports from S3 (moto): only new versions fetched, a re-delivery replaces, an incomplete one never lands. */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addMoney } from "../../src/core/money.js";
import type { AwsCurS3Source } from "../../src/core/config/sections/sources.js";
import { findManifests, parseManifest, syncCurS3 } from "../../src/engine/connectors/aws-cur-s3.js";
import type { ConnectorContext } from "../../src/engine/connectors/context.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { useTestAwsEnv } from "../helpers/aws-env.js";
import { splitCsv, writeCurDelivery } from "../helpers/cur-folder.js";
import { writeCur2Parquet } from "../helpers/cur2.js";
import { requireMoto, startMoto, type Moto } from "../helpers/moto.js";
import { LOCAL_FIXTURES, snapshot, tempDir, tempStore } from "../helpers/store.js";

const enabled = requireMoto("CUR from S3 connector");
const CUR = join(LOCAL_FIXTURES, "cur-line-item-types.csv");
const BUCKET = "acme-billing";

/** lineItem/UnblendedCost summed exactly in JS from the CSV text (independent of the mapping and DuckDB). */
function unblended(header: string, rows: string[]): string {
  const i = header.split(",").indexOf("lineItem/UnblendedCost");
  return addMoney("0", ...rows.map((r) => r.split(",")[i] ?? "0").filter((v) => v !== ""));
}

async function uploadTree(s3: S3Client, root: string, prefix: string, only?: (rel: string) => boolean): Promise<void> {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const f of walk(root)) {
    const rel = relative(root, f);
    if (only && !only(rel)) continue;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${rel}`, Body: readFileSync(f) }));
  }
}

describe("manifest discovery", () => {
  it("takes the period manifest (not the per-version copies) and the newest Data Exports manifest per period", () => {
    const src = { prefix: "cur/", report: "r" };
    const found = findManifests(
      [
        { Key: "cur/r/20240901-20241001/r-Manifest.json", ETag: "a", LastModified: new Date(1) },
        { Key: "cur/r/20240901-20241001/asm-1/r-Manifest.json", ETag: "b", LastModified: new Date(2) },
        { Key: "cur/r/metadata/BILLING_PERIOD=2024-10/e1/r-Manifest.json", ETag: "c", LastModified: new Date(3) },
        { Key: "cur/r/metadata/BILLING_PERIOD=2024-10/e2/r-Manifest.json", ETag: "d", LastModified: new Date(4) },
        { Key: "cur/other/20240901-20241001/other-Manifest.json", ETag: "e", LastModified: new Date(5) },
      ],
      src,
    );
    expect(found.map((m) => [m.period, m.key, m.layout])).toEqual([
      ["2024-10", "cur/r/metadata/BILLING_PERIOD=2024-10/e2/r-Manifest.json", "data-exports"],
      ["20240901-20241001", "cur/r/20240901-20241001/r-Manifest.json", "cur"],
    ]);
  });

  it("reads Data Exports manifests (executionId, s3:// dataFiles) and refuses one without files, naming it", () => {
    const m = parseManifest(JSON.stringify({ executionId: "x1", dataFiles: ["s3://b/p/data/f-00001.snappy.parquet"], billingPeriod: { start: "2024-09-01T00:00:00.000Z", end: "2024-10-01T00:00:00.000Z" } }), "s3://b/m.json", "b");
    expect(m).toEqual({ version: "x1", keys: ["p/data/f-00001.snappy.parquet"], billingPeriod: { start: "20240901T000000.000Z", end: "20241001T000000.000Z" } });
    expect(() => parseManifest(`{"assemblyId":"a","reportKeys":[]}`, "s3://b/m.json", "b")).toThrow(/s3:\/\/b\/m\.json: a manifest needs/);
  });
});

describe.runIf(enabled)("CUR from S3 (moto)", () => {
  let moto: Moto;
  let s3: S3Client;
  let store: DuckDbStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  const source = (): AwsCurS3Source => ({ name: "payer-cur", type: "aws-cur-s3", bucket: BUCKET, prefix: "cur", report: "my-report", endpoint: moto.endpoint });
  const ctx = (): ConnectorContext => ({ store, stagingDir: join(dir, "staging"), baseDir: dir });
  const totals = async () => {
    const r = await store.all(`SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS t, list(DISTINCT x_DeliveryId) AS d FROM focus_costs`);
    return { rows: Number(r[0]!["n"]), billed: String(r[0]!["t"]), deliveries: r[0]!["d"] as string[] };
  };

  beforeAll(async () => {
    useTestAwsEnv();
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
  });
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ store, dir, cleanup } = await tempStore());
  });
  afterEach(async () => cleanup());

  it("loads a delivery, skips it when unchanged, and a re-delivered version replaces it (totals never double)", async () => {
    const { header, rows } = splitCsv(CUR);
    const local = tempDir();
    try {
      writeCurDelivery(local.dir, { header, rows, parts: 2, assemblyId: "asm-1", period: ["2024-09-01", "2024-10-01"] });
      await uploadTree(s3, local.dir, "cur/");
      const first = await syncCurS3(ctx(), source());
      expect(first.status).toBe("ok");
      expect(await totals()).toEqual({ rows: rows.length, billed: addMoney(unblended(header, rows), "0"), deliveries: ["aws-cur:asm-1"] });
      const recorded = await store.all(`SELECT assembly_id, billing_period, json_array_length(report_keys)::INT AS files FROM connector_cur_deliveries`);
      expect(recorded).toEqual([{ assembly_id: "asm-1", billing_period: "20240901-20241001", files: 2 }]);

      const again = await syncCurS3(ctx(), source());
      expect(again.status).toBe("unchanged");
      expect((await totals()).rows).toBe(rows.length);

      // AWS re-delivers the month: a new assembly folder (the old one stays in the bucket) and a new manifest
      const fewer = rows.slice(0, 8);
      writeCurDelivery(local.dir, { header, rows: fewer, parts: 3, assemblyId: "asm-2", period: ["2024-09-01", "2024-10-01"] });
      await uploadTree(s3, local.dir, "cur/", (rel) => rel.includes("asm-2") || rel.endsWith("Manifest.json"));
      const third = await syncCurS3(ctx(), source());
      expect(third.status).toBe("ok");
      expect(third.details?.["replaced"]).toBe(rows.length);
      expect(await totals()).toEqual({ rows: 8, billed: addMoney(unblended(header, fewer), "0"), deliveries: ["aws-cur:asm-2"] });
      expect(existsSync(join(dir, "staging", "payer-cur"))).toBe(false); // staging removed after the load
    } finally {
      local.cleanup();
    }
  });

  it("several months in one sync; a re-delivery of one month re-fetches and replaces only that month", async () => {
    const { header, rows } = splitCsv(CUR);
    // the same charges moved to August (September days first, then the period end)
    const august = rows.map((r) => r.replaceAll("2024-09-", "2024-08-").replaceAll("2024-10-01", "2024-09-01"));
    const local = tempDir();
    try {
      writeCurDelivery(local.dir, { header, rows: august, parts: 1, assemblyId: "aug-1", period: ["2024-08-01", "2024-09-01"] });
      writeCurDelivery(local.dir, { header, rows, parts: 1, assemblyId: "sep-1", period: ["2024-09-01", "2024-10-01"] });
      await uploadTree(s3, local.dir, "cur/");
      const first = await syncCurS3(ctx(), source());
      expect(first.details?.["versions"]).toEqual([
        expect.objectContaining({ period: "20240801-20240901", version: "aug-1" }),
        expect.objectContaining({ period: "20240901-20241001", version: "sep-1" }),
      ]);
      const perMonth = async () =>
        store.all(`SELECT strftime("BillingPeriodStart", '%Y-%m') AS p, count(*)::INT AS n, sum("BilledCost")::VARCHAR AS t, any_value(x_DeliveryId) AS d FROM focus_costs GROUP BY 1 ORDER BY 1`);
      const before = await perMonth();
      expect(before.map((r) => [r["p"], r["n"], r["d"]])).toEqual([["2024-08", 12, "aws-cur:aug-1"], ["2024-09", 12, "aws-cur:sep-1"]]);

      writeCurDelivery(local.dir, { header, rows: august.slice(0, 3), parts: 1, assemblyId: "aug-2", period: ["2024-08-01", "2024-09-01"] });
      await uploadTree(s3, local.dir, "cur/", (rel) => rel.includes("aug-2") || rel.startsWith("my-report/20240801-20240901/my-report-Manifest"));
      const second = await syncCurS3(ctx(), source());
      expect(second.details?.["versions"]).toEqual([expect.objectContaining({ period: "20240801-20240901", version: "aug-2" })]);
      const after = await perMonth();
      expect(after[0]).toMatchObject({ p: "2024-08", n: 3, t: addMoney(unblended(header, august.slice(0, 3)), "0"), d: "aws-cur:aug-2" });
      expect(after[1]).toEqual(before[1]); // September untouched
    } finally {
      local.cleanup();
    }
  });

  it("a delivery whose manifest lists a file not yet in the bucket never lands, and the store is untouched", async () => {
    const { header, rows } = splitCsv(CUR);
    const local = tempDir();
    try {
      writeCurDelivery(local.dir, { header, rows, parts: 2, assemblyId: "asm-1", period: ["2024-09-01", "2024-10-01"] });
      await uploadTree(s3, local.dir, "cur/");
      await syncCurS3(ctx(), source());
      const before = await snapshot(store);
      writeCurDelivery(local.dir, { header, rows: rows.slice(0, 5), parts: 2, assemblyId: "asm-2", period: ["2024-09-01", "2024-10-01"] });
      // only part 1 of asm-2 arrives, with the manifest
      await uploadTree(s3, local.dir, "cur/", (rel) => rel.endsWith("asm-2/my-report-1.csv.gz") || rel.endsWith("Manifest.json"));
      await expect(syncCurS3(ctx(), source())).rejects.toThrow(/lists s3:\/\/acme-billing\/cur\/my-report\/20240901-20241001\/asm-2\/my-report-2\.csv\.gz, which is not in the bucket.*nothing was loaded/);
      expect(await snapshot(store)).toEqual(before);
      const recorded = await store.all(`SELECT assembly_id FROM connector_cur_deliveries`);
      expect(recorded).toEqual([{ assembly_id: "asm-1" }]);
    } finally {
      local.cleanup();
    }
  });

  it("reads CUR 2.0 Data Exports (Parquet, metadata/BILLING_PERIOD= manifest with s3:// dataFiles)", async () => {
    const { header, rows } = splitCsv(CUR);
    const local = tempDir();
    try {
      const parquet = await writeCur2Parquet(store, CUR, join(local.dir, "my-export-00001.snappy.parquet"));
      const dataKey = "exports/my-export/data/BILLING_PERIOD=2024-09/exec-1/my-export-00001.snappy.parquet";
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: dataKey, Body: readFileSync(parquet) }));
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "exports/my-export/metadata/BILLING_PERIOD=2024-09/exec-1/my-export-Manifest.json",
          Body: JSON.stringify({ executionId: "exec-1", exportName: "my-export", dataFiles: [`s3://${BUCKET}/${dataKey}`], billingPeriod: { start: "2024-09-01T00:00:00.000Z", end: "2024-10-01T00:00:00.000Z" } }),
        }),
      );
      const r = await syncCurS3(ctx(), { ...source(), prefix: "exports", report: "my-export" });
      expect(r.status).toBe("ok");
      const t = await totals();
      expect(t.rows).toBe(rows.length);
      expect(t.billed).toBe(addMoney(unblended(header, rows), "0"));
      expect(t.deliveries).toEqual(["aws-cur2:exec-1"]);
    } finally {
      local.cleanup();
    }
  });
});
