import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMoney } from "../core/money.js";
import { CUR_COLUMNS } from "./generate/cur-format.js";
import { FOCUS_DEMO_COLUMNS } from "./generate/focus-azure.js";
import { businessSupportFee } from "./generate/cur-month.js";
import { generateDemoData, type DemoManifest } from "./generate.js";
import { dec, fmt } from "./generate/decimal.js";

// ------------------------------------------------------------------------------------------ helpers

const tmpDirs: string[] = [];
async function tmp(name: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `costwise-demo-${name}-`));
  tmpDirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

async function treeHashes(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await listFiles(dir)) {
    m.set(relative(dir, f).split(sep).join("/"), createHash("sha256").update(await readFile(f)).digest("hex"));
  }
  return m;
}

/** RFC 4180 fields of one line (the demo writes no embedded newlines). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const j = line.indexOf('"', i);
        if (j < 0) throw new Error(`unterminated quote: ${line}`);
        v += line.slice(i, j);
        if (line[j + 1] === '"') {
          v += '"';
          i = j + 2;
        } else {
          i = j + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const j = line.indexOf(",", i);
      out.push(line.slice(i, j < 0 ? line.length : j));
      i = j < 0 ? line.length : j;
    }
    if (i >= line.length) return out;
    i++; // the comma
    if (i === line.length) {
      out.push("");
      return out;
    }
  }
}

interface Table {
  header: string[];
  rows: string[][];
  col: (name: string) => number;
}

async function readTable(path: string): Promise<Table> {
  const raw = await readFile(path);
  const text = (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const lines = text.split("\n");
  expect(lines.pop()).toBe(""); // ends with a newline
  const header = (lines.shift() ?? "").split(",");
  const rows = lines.map(parseCsvLine);
  const ragged = rows.findIndex((r) => r.length !== header.length);
  expect(ragged, `${path}: row ${ragged + 1} has a different cell count than the header`).toBe(-1);
  return {
    header,
    rows,
    col: (name) => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`no column ${name}`);
      return i;
    },
  };
}

const money = (s: string): bigint => (s === "" ? 0n : parseMoney(s));
const PLAIN_DECIMAL = /^-?\d+(\.\d{1,10})?$/;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

// -------------------------------------------------------------------------------------------- tests

describe("generateDemoData: determinism", () => {
  it("writes byte-identical files for the same seed, and different files for another seed", async () => {
    const opts = { months: 2, scale: 0.3 };
    const [a, b, c] = [await tmp("a"), await tmp("b"), await tmp("c")];
    const ma = await generateDemoData(a, { ...opts, seed: 7 });
    const mb = await generateDemoData(b, { ...opts, seed: 7 });
    await generateDemoData(c, { ...opts, seed: 8 });
    const [ha, hb, hc] = [await treeHashes(a), await treeHashes(b), await treeHashes(c)];
    expect(ha.size).toBeGreaterThan(5);
    expect([...hb.entries()]).toEqual([...ha.entries()]);
    expect(mb).toEqual(ma);
    // Another seed changes every data file (ids, noise, tags), not just names.
    const dataHashesA = new Set([...ha].filter(([p]) => /\.(csv|csv\.gz)$/.test(p)).map(([, h]) => h));
    const dataHashesC = [...hc].filter(([p]) => /\.(csv|csv\.gz)$/.test(p)).map(([, h]) => h);
    expect(dataHashesC.length).toBe(dataHashesA.size);
    for (const h of dataHashesC) expect(dataHashesA.has(h)).toBe(false);
  });
});

describe("generateDemoData: the default demo", () => {
  let dir = "";
  let m: DemoManifest;
  const tables = new Map<string, Table>();
  const table = async (rel: string): Promise<Table> => {
    let t = tables.get(rel);
    if (!t) tables.set(rel, (t = await readTable(join(dir, rel))));
    return t;
  };
  const curFiles = (): DemoManifest["files"] => m.files.filter((f) => f.format === "aws-cur-csv-gzip");

  beforeAll(async () => {
    dir = await tmp("default");
    m = await generateDemoData(dir);
  }, 180_000);

  it("covers 12 months ending 2026-10 with a realistic row count", () => {
    expect(m.months).toBe(12);
    expect(m.startDate).toBe("2025-11-01");
    expect(m.endDate).toBe("2026-10-31");
    expect(m.truths.aws.rows).toBeGreaterThanOrEqual(150_000);
    expect(m.truths.aws.rows).toBeLessThanOrEqual(400_000);
    expect(curFiles().reduce((s, f) => s + f.rows, 0)).toBe(m.truths.aws.rows);
    expect(m.accounts.map((a) => a.id)).toContain("012345678901");
    expect(m.accounts.length).toBeGreaterThanOrEqual(6);
  });

  it("writes one real CUR manifest per month whose reportKeys exist, with one month in two parts", async () => {
    expect(m.curManifests).toHaveLength(12);
    const partsPerMonth: number[] = [];
    for (const rel of m.curManifests) {
      const manifest = JSON.parse(await readFile(join(dir, rel), "utf8")) as {
        assemblyId: string;
        account: string;
        columns: { category: string; name: string }[];
        billingPeriod: { start: string; end: string };
        reportKeys: string[];
        compression: string;
        contentType: string;
      };
      expect(manifest.account).toBe("123456789012");
      expect(manifest.compression).toBe("GZIP");
      expect(manifest.contentType).toBe("text/csv");
      expect(manifest.billingPeriod.start).toMatch(/^\d{8}T000000\.000Z$/);
      expect(manifest.columns.map((c) => `${c.category}/${c.name}`)).toEqual([...CUR_COLUMNS]);
      const folder = rel.split("/")[2] ?? "";
      expect(folder).toBe(`${manifest.billingPeriod.start.slice(0, 8)}-${manifest.billingPeriod.end.slice(0, 8)}`);
      partsPerMonth.push(manifest.reportKeys.length);
      manifest.reportKeys.forEach((key, i) => {
        expect(key).toBe(`aws-cur/costwise-demo/${folder}/${manifest.assemblyId}/costwise-demo-${i + 1}.csv.gz`);
      });
      for (const key of manifest.reportKeys) expect((await stat(join(dir, key))).size).toBeGreaterThan(1000);
    }
    expect(partsPerMonth.filter((p) => p === 2)).toHaveLength(1);
    expect(partsPerMonth.filter((p) => p === 1)).toHaveLength(11);
  });

  it("states each file's row count and exact cost total, recomputed from the files", async () => {
    for (const f of m.files) {
      const t = await table(f.path);
      const cost = t.col(f.costColumn);
      let total = 0n;
      const bad: string[] = [];
      for (const r of t.rows) {
        const v = r[cost] ?? "";
        if (!PLAIN_DECIMAL.test(v)) bad.push(v);
        else total += money(v);
      }
      expect(bad).toEqual([]);
      expect(t.rows.length).toBe(f.rows);
      expect(fmt(total)).toBe(f.totalCost);
      if (f.format === "aws-cur-csv-gzip") expect(t.header).toEqual([...CUR_COLUMNS]);
      else expect(t.header).toEqual([...FOCUS_DEMO_COLUMNS]);
    }
  });

  it("follows CUR semantics for Savings Plans and the Reserved Instance", async () => {
    let checkedFees = 0;
    let amortizedTotal = 0n;
    for (const f of curFiles()) {
      const t = await table(f.path);
      const c = (name: string): number => t.col(name);
      const [type, start, rid, unblended, spEff, spTotal, spUsed, riEff, riUp, riRec, riUnusedUp, riUnusedRec, usage] = [
        c("lineItem/LineItemType"), c("lineItem/UsageStartDate"), c("lineItem/ResourceId"), c("lineItem/UnblendedCost"),
        c("savingsPlan/SavingsPlanEffectiveCost"), c("savingsPlan/TotalCommitmentToDate"), c("savingsPlan/UsedCommitment"),
        c("reservation/EffectiveCost"), c("reservation/AmortizedUpfrontCostForUsage"), c("reservation/RecurringFeeForUsage"),
        c("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"), c("reservation/UnusedRecurringFee"), c("lineItem/UsageAmount"),
      ];
      const coveredByPeriod = new Map<string, bigint>();
      const covered = new Map<string, bigint>();
      let amortized = 0n;
      for (const r of t.rows) {
        const g = (i: number): string => r[i] ?? "";
        switch (g(type)) {
          case "SavingsPlanCoveredUsage":
            expect(money(g(spEff)) < money(g(unblended))).toBe(true);
            coveredByPeriod.set(g(start), (coveredByPeriod.get(g(start)) ?? 0n) + money(g(spEff)));
            covered.set(`${g(start)}|${g(rid)}|${g(usage)}`, money(g(unblended)));
            amortized += money(g(spEff));
            break;
          case "SavingsPlanNegation":
            expect(covered.get(`${g(start)}|${g(rid)}|${g(usage)}`)).toBe(-money(g(unblended)));
            break;
          case "SavingsPlanRecurringFee":
            expect(g(unblended)).toBe(g(spTotal));
            expect(money(g(spUsed))).toBe(coveredByPeriod.get(g(start)) ?? 0n);
            expect(money(g(spUsed)) <= money(g(spTotal))).toBe(true);
            amortized += money(g(spTotal)) - money(g(spUsed));
            checkedFees++;
            break;
          case "DiscountedUsage":
            expect(g(unblended)).toBe("0");
            expect(money(g(riEff))).toBe(money(g(riUp)) + money(g(riRec)));
            amortized += money(g(riEff));
            break;
          case "RIFee":
            amortized += money(g(riUnusedUp)) + money(g(riUnusedRec));
            break;
          case "Fee":
            if (g(c("reservation/ReservationARN")) === "") amortized += money(g(unblended));
            break;
          default:
            amortized += money(g(unblended));
        }
      }
      expect(fmt(amortized)).toBe(f.totalEffectiveCost);
      amortizedTotal += amortized;
    }
    expect(checkedFees).toBeGreaterThan(300);
    expect(fmt(amortizedTotal)).toBe(m.truths.aws.amortizedCost);
    // The RI's term is the whole window: its upfront fee is fully amortized, so both views agree.
    expect(Number(m.truths.aws.amortizedCost) - Number(m.truths.aws.unblendedCost)).toBeCloseTo(0, 4);
    for (const t of ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee", "RIFee", "Fee", "Tax", "Credit", "Refund", "EdpDiscount"]) {
      expect(m.truths.aws.byLineItemType[t]?.rows ?? 0).toBeGreaterThan(0);
    }
  });

  it("states each commitment's term end on its rows (reservation/EndTime, savingsPlan/EndTime), as real CURs do", async () => {
    // window 2025-11 .. 2026-10: the RI is bought 2025-11-01 and the Savings Plan 2025-12-01, both for 1 year
    const RI_END = "2026-11-01T00:00:00.000Z";
    const SP_END = "2026-12-01T00:00:00.000Z";
    const seen = new Set<string>();
    const wrong: string[][] = [];
    for (const f of curFiles()) {
      const t = await table(f.path);
      const [type, riArn, riEnd, spArn, spEnd] = [t.col("lineItem/LineItemType"), t.col("reservation/ReservationARN"), t.col("reservation/EndTime"), t.col("savingsPlan/SavingsPlanARN"), t.col("savingsPlan/EndTime")];
      for (const r of t.rows) {
        const g = (i: number): string => r[i] ?? "";
        // an end time exactly on the commitment's rows, none elsewhere
        const ri = g(riArn) === m.truths.aws.reservedInstance.arn ? RI_END : "";
        const sp = g(spArn) === m.truths.aws.savingsPlan.arn ? SP_END : "";
        if (g(riEnd) !== ri || g(spEnd) !== sp) wrong.push([g(type), g(riEnd), g(spEnd)]);
        if (ri !== "" || sp !== "") seen.add(g(type));
      }
    }
    expect(wrong.slice(0, 3)).toEqual([]);
    expect([...seen].sort()).toEqual(["DiscountedUsage", "Fee", "RIFee", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee"]);
  });

  it("has tag gaps and both team tag casings", async () => {
    const share = Number(m.truths.aws.untagged.amortizedShare);
    expect(share).toBeGreaterThanOrEqual(0.15);
    expect(share).toBeLessThanOrEqual(0.25);
    const t = await table(curFiles()[3]?.path ?? "");
    const [lower, upper, res] = [t.col("resourceTags/user:team"), t.col("resourceTags/user:Team"), t.col("lineItem/ResourceId")];
    const lowerValues = new Set(t.rows.map((r) => r[lower] ?? "").filter(Boolean));
    const upperValues = new Set(t.rows.map((r) => (r[upper] ?? "").toLowerCase()).filter(Boolean));
    expect(lowerValues.size).toBeGreaterThanOrEqual(5);
    expect(upperValues.has("data")).toBe(true);
    expect(lowerValues.has("data")).toBe(true); // the same team under both keys
    expect(t.rows.some((r) => r[lower] !== "" && r[upper] !== "")).toBe(false);
    const untaggedResources = t.rows.filter((r) => r[lower] === "" && r[upper] === "" && r[res] !== "");
    expect(untaggedResources.length).toBeGreaterThan(100);
    expect(m.truths.aws.teamTagKeys.upperCaseKeyRows).toBeGreaterThan(1000);
  });

  it("writes account ids with leading zeros verbatim", async () => {
    const t = await table(curFiles()[0]?.path ?? "");
    const acct = t.col("lineItem/UsageAccountId");
    expect(new Set(t.rows.map((r) => r[acct]))).toEqual(new Set(m.accounts.map((a) => a.id)));
    expect(t.rows.some((r) => r[acct] === "004455667788")).toBe(true);
  });

  /** Daily sums of a value over the CUR rows of one billing month that match `where`. */
  async function dailySums(ym: string, where: (get: (col: string) => string) => boolean, value: string): Promise<Map<string, number>> {
    const sums = new Map<string, number>();
    for (const f of curFiles().filter((x) => x.billingPeriod === ym)) {
      const t = await table(f.path);
      const idx = new Map(t.header.map((h, i) => [h, i]));
      for (const r of t.rows) {
        const get = (col: string): string => r[idx.get(col) ?? -1] ?? "";
        if (!where(get)) continue;
        const day = get("lineItem/UsageStartDate").slice(0, 10);
        sums.set(day, (sums.get(day) ?? 0) + Number(get(value) || "0"));
      }
    }
    return sums;
  }

  it("makes the injected anomalies visible in the data", async () => {
    expect(m.anomalies.map((a) => a.id)).toEqual(["ec2-fleet-spike", "s3-level-shift", "data-transfer-spike"]);
    for (const a of m.anomalies) {
      expect(money(a.extraCost) > 0n).toBe(true);
      expect(a.resourceIds.length).toBeGreaterThan(0);
    }
    const usageTypes = new Set(["Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"]);

    const spike = m.anomalies[0];
    if (!spike) throw new Error("no spike");
    const ec2 = await dailySums(
      spike.date.slice(0, 7),
      (g) => g("lineItem/UsageAccountId") === spike.accountId && g("lineItem/ProductCode") === "AmazonEC2" && g("lineItem/UsageType").includes("BoxUsage") && usageTypes.has(g("lineItem/LineItemType")),
      "pricing/publicOnDemandCost",
    );
    const med = median([...ec2.values()]);
    for (const d of ["12", "13", "14"]) expect(ec2.get(`${spike.date.slice(0, 8)}${d}`) ?? 0).toBeGreaterThanOrEqual(1.5 * med);

    const shift = m.anomalies[1];
    if (!shift) throw new Error("no shift");
    const s3 = await dailySums(
      shift.date.slice(0, 7),
      (g) => g("lineItem/ResourceId") === shift.resourceIds[0] && g("lineItem/UsageType") === shift.usageType,
      "lineItem/UnblendedCost",
    );
    const before = [...s3].filter(([d]) => d < shift.date).map(([, v]) => v);
    const after = [...s3].filter(([d]) => d >= shift.date).map(([, v]) => v);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(1.5 * Math.max(...before));

    const dt = m.anomalies[2];
    if (!dt) throw new Error("no data-transfer spike");
    expect(dt.extraCost).toBe("1080"); // 12,000 GB at $0.09
    const transfer = await dailySums(
      dt.date.slice(0, 7),
      (g) => g("lineItem/UsageAccountId") === dt.accountId && g("lineItem/UsageType") === dt.usageType,
      "lineItem/UnblendedCost",
    );
    const dtMedian = median([...transfer.values()]);
    expect(transfer.get(dt.date) ?? 0).toBeGreaterThanOrEqual(5 * dtMedian);
    expect((transfer.get(dt.date) ?? 0) - dtMedian).toBeCloseTo(1080, -2);
  });

  it("writes FOCUS 1.2 rows with JSON tags and Z timestamps", async () => {
    const focus = m.files.filter((f) => f.format === "focus-1.2-csv");
    expect(focus).toHaveLength(12);
    expect(focus[0]?.path).toBe("focus/azure-2025-11.csv");
    const t = await table(focus[3]?.path ?? "");
    const ts = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    const [tags, start, cls, provider] = [t.col("Tags"), t.col("ChargePeriodStart"), t.col("ChargeClass"), t.col("ProviderName")];
    for (const r of t.rows) {
      expect(r[start]).toMatch(ts);
      expect(r[provider]).toBe("Microsoft");
      const tg = r[tags] ?? "";
      if (tg !== "") expect(typeof JSON.parse(tg)).toBe("object");
    }
    expect(t.rows.some((r) => r[cls] === "Correction")).toBe(true);
    expect(t.rows.some((r) => (r[tags] ?? "").includes('"Team"'))).toBe(true);
    expect(t.rows.some((r) => (r[tags] ?? "").includes('"team"'))).toBe(true);
  });
});

describe("generateDemoData: options", () => {
  it("writes hour-long charge periods with one Savings Plan fee per hour when hourly", async () => {
    const dir = await tmp("hourly");
    const m = await generateDemoData(dir, { months: 1, endMonth: "2026-02", granularity: "hourly", scale: 0.2 });
    const f = m.files.find((x) => x.format === "aws-cur-csv-gzip");
    if (!f) throw new Error("no CUR file");
    expect(f.parts).toBe(2);
    let fees = 0;
    for (const part of m.files.filter((x) => x.format === "aws-cur-csv-gzip")) {
      const t = await readTable(join(dir, part.path));
      const [interval, type] = [t.col("identity/TimeInterval"), t.col("lineItem/LineItemType")];
      for (const r of t.rows) {
        if (r[type] === "SavingsPlanRecurringFee") {
          fees++;
          const [a, b] = (r[interval] ?? "").split("/");
          expect(Date.parse(b ?? "") - Date.parse(a ?? "")).toBe(3_600_000);
        }
      }
    }
    expect(fees).toBe(28 * 24);
  });

  it("rejects bad options with a clear message", async () => {
    const dir = await tmp("bad");
    await expect(generateDemoData(dir, { endMonth: "2026-13" })).rejects.toThrow(/endMonth must be YYYY-MM/);
    await expect(generateDemoData(dir, { months: 0 })).rejects.toThrow(/months must be/);
    await expect(generateDemoData(dir, { granularity: "weekly" as never })).rejects.toThrow(/granularity/);
  });

  it("charges AWS Business support in tiers with a $100 minimum", () => {
    expect(fmt(businessSupportFee(dec("500")))).toBe("100");
    expect(fmt(businessSupportFee(dec("10000")))).toBe("1000");
    expect(fmt(businessSupportFee(dec("100000")))).toBe("6900"); // 1000 + 4900 + 1000
    expect(fmt(businessSupportFee(dec("300000")))).toBe("15900"); // 1000 + 4900 + 8500 + 1500
  });
});
