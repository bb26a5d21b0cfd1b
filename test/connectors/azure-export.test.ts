/**
 * Azure Cost Management exports from Blob storage, against a real Azurite started here: `costwise sync` (the
 * CLI, in process) loads partitioned EA / MCA cost-details runs and a FOCUS run with totals equal to the files
 * to the cent; a second sync copies nothing; a re-delivered month replaces the old one (overwrite mode and new-
 * report mode); a run whose manifest lists a missing blob lands nothing and says which; 503 Server Busy through
 * a fault proxy is retried, a persistent one is a clear error; the account key and SAS signature never print.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sourcesSection } from "../../src/core/config/sections/sources.js";
import { addMoney } from "../../src/core/money.js";
import { main } from "../../src/cli/main.js";
import { parseAzureManifest, periodOf, scrubAzure } from "../../src/engine/connectors/azure-export.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, requireAzurite, startAzurite, startFaultProxy, type Azurite, type FaultProxy } from "../helpers/azurite.js";
import { FIXTURES, tempDir, tempStore } from "../helpers/store.js";

// ─── bills, as the test reads them (its own CSV reader, independent of the ingest) ─────────────────────

/** RFC 4180 records of a CSV text (quotes, doubled quotes, commas and newlines inside quotes). */
function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const s = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && s[i + 1] === "\n") i++;
      row.push(cell), out.push(row), (row = []), (cell = "");
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) row.push(cell), out.push(row);
  return out;
}

interface Bill {
  header: string;
  /** each record's original text (one line each in these fixtures) */
  lines: string[];
  records: string[][];
  cost: (records: string[][]) => string;
}

function bill(file: string, costColumn: string, keep: (r: Record<string, string>) => boolean = () => true): Bill {
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const all = text.split(/\r?\n/).filter((l) => l !== "");
  const recs = csvRecords(text);
  expect(recs.length, `${file}: one record per line`).toBe(all.length);
  const names = recs[0]!;
  const at = names.indexOf(costColumn);
  const keepIdx = recs.slice(1).map((r, i) => (keep(Object.fromEntries(names.map((n, j) => [n, r[j] ?? ""]))) ? i : -1)).filter((i) => i >= 0);
  return {
    header: all[0]!,
    lines: keepIdx.map((i) => all[i + 1]!),
    records: keepIdx.map((i) => recs[i + 1]!),
    cost: (rs) => addMoney("0", ...rs.map((r) => r[at] || "0")),
  };
}

const EA = () => bill(join(FIXTURES, "azure", "azure_version_2.csv"), "CostInBillingCurrency");
const MCA = () => bill(join(FIXTURES, "azure", "camel_azure_version_2.csv"), "costInBillingCurrency");
const FOCUS = () => bill(join(FIXTURES, "focus", "focus_sample.csv"), "BilledCost", (r) => r["ProviderName"] === "Microsoft");

// ─── export runs, laid out as Cost Management writes them ─────────────────────────────────────────────

interface RunSpec {
  container: string;
  root: string;
  exportName: string;
  /** "" writes a manifest without exportConfig.type (older exports) */
  type: "ActualCost" | "AmortizedCost" | "FocusCost" | "ReservationRecommendations" | "";
  runId: string;
  start: string;
  end: string;
  submitted: string;
  overwrite?: boolean;
  header: string;
  lines: string[];
  /** blobs per run (the lines split across them, each with the header) */
  parts: number;
  /** parts written gzip-compressed (.csv.gz) */
  gzipParts?: number[];
  /** blob names listed in the manifest but not uploaded */
  missing?: string[];
}

async function uploadRun(svc: BlobServiceClient, r: RunSpec): Promise<{ folder: string; manifest: string }> {
  const c = svc.getContainerClient(r.container);
  await c.createIfNotExists();
  const range = `${r.start.replaceAll("-", "")}-${r.end.replaceAll("-", "")}`;
  // overwrite mode rewrites one folder per month; new-report mode adds a folder per run
  const folder = r.overwrite ? `${r.root}/${r.exportName}/${range}` : `${r.root}/${r.exportName}/${range}/${r.submitted.replace(/\D/g, "").slice(0, 12)}/${r.runId}`;
  const blobs: { blobName: string; byteCount: number; dataRowCount: number }[] = [];
  const per = Math.ceil(r.lines.length / r.parts);
  for (let i = 0; i < r.parts; i++) {
    const lines = r.lines.slice(i * per, (i + 1) * per);
    const gz = r.gzipParts?.includes(i) ?? false;
    const body = gz ? gzipSync(`${r.header}\n${lines.join("\n")}\n`) : Buffer.from(`${r.header}\n${lines.join("\n")}\n`);
    const name = `${folder}/part_${i}_0001.csv${gz ? ".gz" : ""}`;
    await c.getBlockBlobClient(name).uploadData(body);
    blobs.push({ blobName: name, byteCount: body.length, dataRowCount: lines.length });
  }
  for (const m of r.missing ?? []) blobs.push({ blobName: `${folder}/${m}`, byteCount: 10, dataRowCount: 1 });
  const manifest = {
    manifestVersion: "2024-04-01",
    byteCount: blobs.reduce((s, b) => s + b.byteCount, 0),
    blobCount: blobs.length,
    dataRowCount: r.lines.length,
    exportConfig: {
      exportName: r.exportName,
      resourceId: `/providers/Microsoft.Billing/billingAccounts/99999999/providers/Microsoft.CostManagement/exports/${r.exportName}`,
      dataVersion: r.type === "FocusCost" ? "1.0" : "2021-10-01",
      apiVersion: "2023-07-01-preview",
      ...(r.type ? { type: r.type } : {}),
      timeFrame: "MonthToDate",
      granularity: "Daily",
    },
    deliveryConfig: {
      partitionData: r.parts > 1,
      dataOverwriteBehavior: r.overwrite ? "OverwritePreviousReport" : "CreateNewReport",
      fileFormat: "Csv",
      compressionMode: r.gzipParts?.length ? "gzip" : "None",
      containerUri: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${AZURITE_ACCOUNT}`,
      rootFolderPath: r.root,
    },
    runInfo: { executionType: "Scheduled", submittedTime: r.submitted, runId: r.runId, startDate: `${r.start}T00:00:00`, endDate: `${r.end}T00:00:00Z` },
    blobs,
  };
  await c.getBlockBlobClient(`${folder}/manifest.json`).uploadData(Buffer.from(JSON.stringify(manifest, null, 2)));
  return { folder, manifest: `${folder}/manifest.json` };
}

// ─── pure parts ──────────────────────────────────────────────────────────────────────────────────────────

describe("export manifests and config", () => {
  it("reads the documented manifest (partitioned, overwrite, blobs with byteCount) and names what a broken one lacks", () => {
    const run = parseAzureManifest(
      JSON.stringify({
        manifestVersion: "2024-04-01",
        byteCount: 8032,
        blobCount: 1,
        dataRowCount: 36,
        exportConfig: { exportName: "sample", dataVersion: "2023-05-01", type: "AmortizedCost", timeFrame: "MonthToDate" },
        deliveryConfig: { partitionData: true, dataOverwriteBehavior: "OverwritePreviousReport", fileFormat: "Parquet", compressionMode: "Snappy", rootFolderPath: "folder" },
        runInfo: { submittedTime: "2025-03-21T21:04:06.5234447Z", runId: "bbac73f1", startDate: "2025-03-01T00:00:00", endDate: "2025-03-21T00:00:00Z" },
        blobs: [{ blobName: "/exports/folder/sample/x/part0.parquet", byteCount: 8032, dataRowCount: 36 }],
      }),
      "acct/exports/folder/manifest.json",
      "exports",
    );
    expect(run).toMatchObject({
      runId: "bbac73f1",
      type: "AmortizedCost",
      dataset: "AmortizedCost",
      start: "2025-03-01",
      end: "2025-03-21",
      partitioned: true,
      overwrite: true,
      fileFormat: "Parquet",
      byteCount: 8032,
      blobs: [{ name: "folder/sample/x/part0.parquet", bytes: 8032, rows: 36 }],
    });
    expect(() => parseAzureManifest(`{"runInfo":{},"blobs":[]}`, "a/c/m.json", "c")).toThrow(
      /a\/c\/m\.json: the export manifest lacks "runInfo\.runId".*"runInfo\.startDate".*"blobs"/,
    );
    expect(() => parseAzureManifest(`not json`, "a/c/m.json", "c")).toThrow(/a\/c\/m\.json: not a valid export manifest \(JSON\)/);
  });

  it("a run's billing month: month-to-date and whole months by their start; a range across months as the range", () => {
    const table: [string, string, string][] = [
      ["2024-09-01", "2024-09-17", "2024-09"],
      ["2024-09-01", "2024-09-30", "2024-09"],
      ["2024-09-01", "2024-10-01", "2024-09"], // exclusive end at the next 1st
      ["2024-09-15", "2024-10-14", "20240915-20241014"],
    ];
    for (const [start, end, period] of table) expect(periodOf({ start, end }), `${start}..${end}`).toBe(period);
  });

  it("refuses secrets in costwise.yaml and lists every problem of a source at once", () => {
    const r = sourcesSection.safeParse([
      { name: "az", type: "azure-export", container: "exports", accountKey: "abc", sasTokenEnv: "SAS", accountKeyEnv: "KEY" },
      { name: "az2", type: "azure-export", container: "x", connectionStringEnv: "CS" },
    ]);
    expect(r.success).toBe(false);
    const msgs = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^0\.accountKey: secrets never go in costwise\.yaml: put it in an environment variable named by accountKeyEnv/),
        expect.stringMatching(/^0\.accountKeyEnv: credentials: give exactly one of .* \(found sasTokenEnv and accountKeyEnv\)/),
        expect.stringMatching(/^0\.account: account \(the storage account name\) is needed/),
        expect.stringMatching(/^1\.container: a container name/),
      ]),
    );
    expect(JSON.stringify(r.error!.issues)).not.toContain('"abc"');
    expect(sourcesSection.safeParse([{ name: "ok", type: "azure-export", container: "exports", connectionStringEnv: "AZ_CS", path: "billing" }]).success).toBe(true);
  });

  it("scrubs account keys and SAS signatures from any text", () => {
    const t = scrubAzure(`AccountName=a;AccountKey=${AZURITE_KEY};BlobEndpoint=x and https://a/c/b?sv=2024&sig=abc%2Fdef%3D&se=1`, [AZURITE_KEY]);
    expect(t).not.toContain(AZURITE_KEY);
    expect(t).not.toContain("abc%2Fdef");
    expect(t).toContain("sig=[redacted]");
  });
});

// ─── against Azurite ─────────────────────────────────────────────────────────────────────────────────────

const enabled = requireAzurite("Azure exports from Blob storage");

describe.runIf(enabled)("azure-export sources synced from Azurite by costwise sync", () => {
  let azurite: Azurite;
  let proxy: FaultProxy;
  let svc: BlobServiceClient;
  let dir: string;
  let cleanup: () => void;
  let out = "";
  let err = "";
  let sasToken = "";
  const seen: string[] = []; // every byte printed, for the credential check
  const env = ["COSTWISE_TEST_AZ_CS", "COSTWISE_TEST_AZ_KEY"];

  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await startFaultProxy(azurite);
    svc = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(async () => {
    await proxy?.close();
    await azurite?.stop();
    for (const e of env) delete process.env[e];
  });
  let containers = 0;
  let container = "";
  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    out = "";
    err = "";
    container = `exports${++containers}`;
    await svc.getContainerClient(container).create();
    await svc.getContainerClient(`${container}-focus`).create();
    sasToken = generateBlobSASQueryParameters(
      { containerName: `${container}-focus`, permissions: ContainerSASPermissions.parse("rl"), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    process.env["COSTWISE_TEST_AZ_CS"] = azurite.connectionStringVia(proxy.blobEndpoint);
    process.env["COSTWISE_TEST_AZ_KEY"] = AZURITE_KEY;
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), seen.push(String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), seen.push(String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    cleanup();
    // credentials never printed, in any test, on any path (success, retries, failures)
    const all = seen.join("");
    expect(all).not.toContain(AZURITE_KEY);
    expect(all).not.toContain(encodeURIComponent(AZURITE_KEY));
    const sig = new URLSearchParams(sasToken).get("sig")!;
    expect(all).not.toContain(sig);
    expect(all).not.toContain(encodeURIComponent(sig));
    seen.length = 0;
  });

  /**
   * Three sources: EA actual cost (connection string from an env var, through the fault proxy), MCA amortized
   * cost (account key from an env var), FOCUS (a SAS token from a file). Retries are quick for the tests.
   */
  function writeConfig(): void {
    writeFileSync(join(dir, "sas.txt"), `${sasToken}\n`);
    writeFileSync(
      join(dir, "costwise.yaml"),
      `store:
  path: ./store.duckdb
sources:
  - name: ea
    type: azure-export
    container: ${container}
    path: billing/ea
    connectionStringEnv: COSTWISE_TEST_AZ_CS
    maxAttempts: 3
    retryDelaySeconds: 0.05
    timeoutSeconds: 20
  - name: mca
    type: azure-export
    account: ${AZURITE_ACCOUNT}
    container: ${container}
    path: billing/mca
    endpoint: ${azurite.blobEndpoint}
    accountKeyEnv: COSTWISE_TEST_AZ_KEY
  - name: focus
    type: azure-export
    account: ${AZURITE_ACCOUNT}
    container: ${container}-focus
    endpoint: ${azurite.blobEndpoint}
    sasTokenFile: sas.txt
`,
    );
  }

  const cli = async (...args: string[]) => {
    out = "";
    return main(["node", "costwise", "--config", join(dir, "costwise.yaml"), ...args]);
  };
  interface Report {
    sources: { name: string; status: string; rowsLoaded: number; message: string; ingestIds: string[]; error?: { code: string; message: string } }[];
    failed: number;
  }
  const sync = async (...only: string[]): Promise<{ code: number; report: Report }> => {
    const code = await cli("--json", "sync", ...only);
    return { code, report: JSON.parse(out) as Report };
  };
  const source = (r: Report, name: string) => r.sources.find((s) => s.name === name)!;

  /** rows and BilledCost per configured source's loads, and the deliveries (run ids) they came from */
  async function held(): Promise<Record<string, { rows: number; billed: string; deliveries: string[] }>> {
    const store = await DuckDbStore.open(join(dir, "store.duckdb"));
    try {
      const rows = await store.all(`SELECT x_Source AS s, coalesce("BillingAccountId", '') AS a, count(*)::INT AS n, sum("BilledCost")::VARCHAR AS t, list(DISTINCT x_DeliveryId ORDER BY x_DeliveryId) AS d
        FROM focus_costs GROUP BY ALL ORDER BY 1, 2`);
      return Object.fromEntries(rows.map((r) => [`${r["s"]} ${r["a"]}`, { rows: Number(r["n"]), billed: String(r["t"]), deliveries: r["d"] as string[] }]));
    } finally {
      await store.close();
    }
  }
  const cents = (s: string) => addMoney(s, "0");

  const eaRun = (over: Partial<RunSpec> = {}): RunSpec => ({
    container,
    root: "billing/ea",
    exportName: "ea-daily-actual",
    type: "ActualCost",
    runId: "ea-run-1",
    start: "2020-09-01",
    end: "2020-09-30",
    submitted: "2020-10-02T06:01:02.1234567Z",
    ...EA(),
    parts: 3,
    gzipParts: [2],
    ...over,
  });
  async function seedAll(): Promise<void> {
    await uploadRun(svc, eaRun());
    await uploadRun(svc, { container, root: "billing/mca", exportName: "mca-amortized", type: "AmortizedCost", runId: "mca-run-1", start: "2023-08-01", end: "2023-08-31", submitted: "2023-09-01T05:00:00Z", overwrite: true, ...MCA(), parts: 2 });
    await uploadRun(svc, { container: `${container}-focus`, root: "focus", exportName: "focus-cost", type: "FocusCost", runId: "focus-run-1", start: "2024-09-01", end: "2024-09-30", submitted: "2024-10-01T04:00:00Z", overwrite: true, ...FOCUS(), parts: 3 });
    // a non-cost dataset next to the cost exports is left alone
    await uploadRun(svc, { container, root: "billing/ea", exportName: "ri-recs", type: "ReservationRecommendations", runId: "recs-1", start: "2020-09-01", end: "2020-09-30", submitted: "2020-10-02T06:00:00Z", header: "a,b", lines: ["1,2"], parts: 1 });
  }

  it("loads partitioned EA actual, MCA amortized and FOCUS runs to the cent; a second sync copies nothing", async () => {
    await seedAll();
    writeConfig();
    const first = await sync();
    expect(first.report.sources.filter((s) => s.status !== "ok"), err).toEqual([]);
    expect(first.code).toBe(0);
    const ea = EA();
    const mca = MCA();
    const focus = FOCUS();
    expect(source(first.report, "ea")).toMatchObject({ rowsLoaded: ea.records.length, ingestIds: [expect.any(String)] });
    expect(source(first.report, "ea").message).toMatch(/1 new ActualCost run \(2020-09\), 5 rows; 1 run of non-cost datasets \(ReservationRecommendations\) left/);
    expect(source(first.report, "mca").message).toMatch(/1 new AmortizedCost run \(2023-08\)/);
    expect(source(first.report, "focus")).toMatchObject({ rowsLoaded: 51 });

    const h = await held();
    expect(h).toEqual({
      // BillingAccountId is the invoice scope: the EA fixture's billing profile 88888888, the MCA billing profile
      "azure-cost 88888888": { rows: ea.records.length, billed: cents(ea.cost(ea.records)), deliveries: ["azure-cost:ea-run-1"] },
      "azure-cost NF5V-BI6B-BG7-PGB": { rows: mca.records.length, billed: cents(mca.cost(mca.records)), deliveries: ["azure-cost:mca-run-1"] },
      "focus /providers/Microsoft.Billing/billingAccounts/8611537": { rows: 51, billed: cents(focus.cost(focus.records)), deliveries: ["focus:focus-run-1"] },
    });

    // second sync: nothing new; through the proxy only the listing went out (no manifest, no data blob read)
    const before = proxy.log.length;
    const again = await sync();
    expect(again.code).toBe(0);
    expect(again.report.sources.map((s) => [s.name, s.status, s.rowsLoaded])).toEqual([
      ["ea", "unchanged", 0],
      ["mca", "unchanged", 0],
      ["focus", "unchanged", 0],
    ]);
    expect(proxy.log.slice(before).filter((l) => l.startsWith("GET") && !l.includes("comp=list"))).toEqual([]);
    expect(await held()).toEqual(h);

    // `costwise sources` shows each configured source with its rows
    expect(await cli("--json", "sources")).toBe(0);
    const listed = JSON.parse(out) as { source: string; configuredSources: string[]; rows: number }[];
    expect(listed.filter((s) => s.configuredSources.includes("ea")).map((s) => s.rows)).toEqual([ea.records.length]);
  });

  it("a re-delivered month replaces the old one: a new run in its own folder, and an overwritten run in place", async () => {
    await seedAll();
    writeConfig();
    expect((await sync()).code).toBe(0);
    const ea = EA();
    // Azure re-runs September with corrected data: a new run id in a new folder (the old run stays in the container)
    const fewer = { ...ea, lines: ea.lines.slice(0, 3), records: ea.records.slice(0, 3) };
    await uploadRun(svc, eaRun({ runId: "ea-run-2", submitted: "2020-10-05T06:00:00Z", lines: fewer.lines, parts: 2, gzipParts: [] }));
    const second = await sync("ea");
    expect(second.code, err).toBe(0);
    expect(source(second.report, "ea")).toMatchObject({ status: "ok", rowsLoaded: 3 });
    expect(source(second.report, "ea").message).toMatch(/replaced 5 rows of earlier runs/);
    expect((await held())["azure-cost 88888888"]).toEqual({ rows: 3, billed: cents(ea.cost(fewer.records)), deliveries: ["azure-cost:ea-run-2"] });

    // an older run showing up later never loads over the newer one
    await uploadRun(svc, eaRun({ runId: "ea-run-0", submitted: "2020-10-01T06:00:00Z" }));
    const third = await sync("ea");
    expect(source(third.report, "ea")).toMatchObject({ status: "unchanged" });
    expect(source(third.report, "ea").message).toMatch(/1 older run superseded/);
    expect((await held())["azure-cost 88888888"]!.deliveries).toEqual(["azure-cost:ea-run-2"]);

    // overwrite mode: the MCA month's folder and manifest rewritten with a new run id and one row less
    const mca = MCA();
    const less = mca.records.slice(1);
    await uploadRun(svc, { container, root: "billing/mca", exportName: "mca-amortized", type: "AmortizedCost", runId: "mca-run-2", start: "2023-08-01", end: "2023-08-31", submitted: "2023-09-02T05:00:00Z", overwrite: true, header: mca.header, lines: mca.lines.slice(1), parts: 1 });
    const fourth = await sync("mca");
    expect(source(fourth.report, "mca")).toMatchObject({ status: "ok", rowsLoaded: less.length });
    expect((await held())["azure-cost NF5V-BI6B-BG7-PGB"]).toEqual({ rows: less.length, billed: cents(mca.cost(less)), deliveries: ["azure-cost:mca-run-2"] });
  });

  it("a FOCUS export in Parquet (snappy), partitioned in two files, loads to the cent", async () => {
    writeConfig();
    const focus = FOCUS();
    // the Microsoft rows as typed Parquet, as Cost Management writes FocusCost: money as decimals, times as timestamps
    const csv = join(dir, "focus-ms.csv");
    writeFileSync(csv, `${focus.header}\n${focus.lines.join("\n")}\n`);
    const money = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice", "PricingQuantity", "ConsumedQuantity"];
    const work = await tempStore();
    const parts: Buffer[] = [];
    try {
      for (const [i, where] of [["rn <= 25"], ["rn > 25"]].entries()) {
        const file = join(dir, `part_${i}.parquet`);
        await work.store.run(
          `COPY (SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER () AS rn FROM read_csv('${csv}', header = true, types = {${money.map((m) => `'${m}': 'DECIMAL(38,10)'`).join(", ")}})) WHERE ${where[0]}) TO '${file}' (FORMAT parquet, COMPRESSION snappy)`,
        );
        parts.push(readFileSync(file));
      }
    } finally {
      await work.cleanup();
    }
    const c = svc.getContainerClient(`${container}-focus`);
    const folder = "focus/focus-cost/20240901-20240930";
    const blobs = [];
    for (const [i, body] of parts.entries()) {
      const name = `${folder}/part_${i}_0001.snappy.parquet`;
      await c.getBlockBlobClient(name).uploadData(body);
      blobs.push({ blobName: name, byteCount: body.length, dataRowCount: i === 0 ? 25 : 26 });
    }
    await c.getBlockBlobClient(`${folder}/manifest.json`).uploadData(
      Buffer.from(
        JSON.stringify({
          manifestVersion: "2024-04-01",
          byteCount: parts.reduce((n, p) => n + p.length, 0),
          blobCount: 2,
          dataRowCount: 51,
          exportConfig: { exportName: "focus-cost", dataVersion: "1.0", apiVersion: "2023-07-01-preview", type: "FocusCost", timeFrame: "MonthToDate", granularity: "Daily" },
          deliveryConfig: { partitionData: true, dataOverwriteBehavior: "OverwritePreviousReport", fileFormat: "Parquet", compressionMode: "Snappy", rootFolderPath: "focus" },
          runInfo: { executionType: "Scheduled", submittedTime: "2024-10-01T04:00:00Z", runId: "focus-pq-1", startDate: "2024-09-01T00:00:00", endDate: "2024-09-30T00:00:00Z" },
          blobs,
        }),
      ),
    );
    const r = await sync("focus");
    expect(r.code, err + JSON.stringify(r.report)).toBe(0);
    expect(source(r.report, "focus")).toMatchObject({ status: "ok", rowsLoaded: 51 });
    expect(await held()).toEqual({
      "focus /providers/Microsoft.Billing/billingAccounts/8611537": { rows: 51, billed: cents(focus.cost(focus.records)), deliveries: ["focus:focus-pq-1"] },
    });
  });

  it("a run whose manifest lists a missing blob lands nothing and names the blob", async () => {
    writeConfig();
    await uploadRun(svc, eaRun({ missing: ["part_9_0001.csv"] }));
    const r = await sync("ea");
    expect(r.code).toBe(1);
    expect(source(r.report, "ea")).toMatchObject({ status: "failed", rowsLoaded: 0, error: { code: "NOT_FOUND" } });
    expect(source(r.report, "ea").message).toMatch(
      /devstoreaccount1\/exports\d+\/billing\/ea\/ea-daily-actual\/20200901-20200930\/\d+\/ea-run-1\/manifest\.json \(run ea-run-1, 2020-09\) lists 1 blob that is not in the container: .*part_9_0001\.csv; the export run is incomplete .* nothing was loaded/,
    );
    expect(await held()).toEqual({});
    // once the blob arrives, the run loads
    await svc.getContainerClient(container).getBlockBlobClient(`billing/ea/ea-daily-actual/20200901-20200930/202010020601/ea-run-1/part_9_0001.csv`).uploadData(Buffer.from("x"));
    const r2 = await sync("ea");
    expect(source(r2.report, "ea").status).toBe("failed"); // manifest says 10 bytes, the blob has 1: refused, not loaded
    expect(source(r2.report, "ea").message).toMatch(/part_9_0001\.csv: downloaded 1 bytes but the manifest .* says 10; nothing of this run was loaded/);
    expect(await held()).toEqual({});
  });

  it("503 Server Busy is retried with backoff and the sync succeeds; a persistent 503 is a clear error and lands nothing", async () => {
    await uploadRun(svc, eaRun());
    writeConfig();
    proxy.failNext(2, { method: "GET", path: /part_0_0001\.csv$/ });
    const faultsBefore = proxy.faults;
    const ok = await sync("ea");
    expect(ok.code, err).toBe(0);
    expect(proxy.faults - faultsBefore).toBe(2);
    expect(source(ok.report, "ea")).toMatchObject({ status: "ok", rowsLoaded: 5 });

    // a new run, and the service stays busy on one of its blobs: three attempts, then a clear error
    await uploadRun(svc, eaRun({ runId: "ea-run-2", submitted: "2020-10-09T00:00:00Z" }));
    proxy.failNext(Number.POSITIVE_INFINITY, { method: "GET", path: /ea-run-2\/part_1_0001\.csv$/ });
    const bad = await sync("ea");
    proxy.failNext(0);
    expect(bad.code).toBe(1);
    expect(source(bad.report, "ea")).toMatchObject({ status: "failed", error: { code: "REMOTE" } });
    expect(source(bad.report, "ea").message).toMatch(/Azure Blob download devstoreaccount1\/exports\d+\/.*ea-run-2\/part_1_0001\.csv: HTTP 503 ServerBusy: .*stayed unavailable after the retries/);
    expect((await held())["azure-cost 88888888"]!.deliveries).toEqual(["azure-cost:ea-run-1"]); // the old run still stands
  });

  it("a wrong key is a clear 403 error without the key; a missing env var names the variable", async () => {
    await seedAll();
    writeConfig();
    process.env["COSTWISE_TEST_AZ_KEY"] = Buffer.from("not-the-key-of-this-account-".repeat(2)).toString("base64");
    const r = await sync("mca");
    expect(r.code).toBe(1);
    expect(source(r.report, "mca").message).toMatch(/Azure Blob list devstoreaccount1\/exports\d+\/billing\/mca\/: HTTP 403 .*credential is wrong/);
    expect(source(r.report, "mca").message).not.toContain(process.env["COSTWISE_TEST_AZ_KEY"]);
    delete process.env["COSTWISE_TEST_AZ_KEY"];
    const r2 = await sync("mca");
    expect(source(r2.report, "mca").message).toBe("source mca: the environment variable COSTWISE_TEST_AZ_KEY (the account key) is not set or empty");
  });

  it("two cost datasets under one root: an error asking to choose; dataset: picks one", async () => {
    writeConfig();
    await uploadRun(svc, eaRun());
    await uploadRun(svc, eaRun({ exportName: "ea-amortized", type: "AmortizedCost", runId: "am-1" }));
    const r = await sync("ea");
    expect(source(r.report, "ea")).toMatchObject({ status: "failed", error: { code: "BAD_CONFIG" } });
    expect(source(r.report, "ea").message).toMatch(/holds runs of ActualCost and AmortizedCost; loading both would count the same charges twice\. Set dataset:/);
    writeFileSync(join(dir, "costwise.yaml"), readFileSync(join(dir, "costwise.yaml"), "utf8").replace("path: billing/ea\n", "path: billing/ea\n    dataset: AmortizedCost\n"));
    const r2 = await sync("ea");
    expect(source(r2.report, "ea")).toMatchObject({ status: "ok", rowsLoaded: 5 });
    expect(source(r2.report, "ea").message).toMatch(/1 new AmortizedCost run .*1 run of another dataset than AmortizedCost left/);
    expect((await held())["azure-cost 88888888"]!.deliveries).toEqual(["azure-cost:am-1"]);
  });

  it("a manifest that does not say its dataset needs dataset: on the source, then loads with that mapping", async () => {
    writeConfig();
    await uploadRun(svc, eaRun({ type: "" }));
    const r = await sync("ea");
    expect(source(r.report, "ea")).toMatchObject({ status: "failed", error: { code: "BAD_INPUT" } });
    expect(source(r.report, "ea").message).toMatch(/manifest\.json: the manifest does not say its dataset \(exportConfig\.type\); set dataset: on source ea/);
    expect(await held()).toEqual({});
    writeFileSync(join(dir, "costwise.yaml"), readFileSync(join(dir, "costwise.yaml"), "utf8").replace("path: billing/ea\n", "path: billing/ea\n    dataset: ActualCost\n"));
    const r2 = await sync("ea");
    expect(source(r2.report, "ea")).toMatchObject({ status: "ok", rowsLoaded: 5 });
    expect((await held())["azure-cost 88888888"]!.deliveries).toEqual(["azure-cost:ea-run-1"]);
  });
});
