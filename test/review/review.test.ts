/**
 * The monthly FinOps review on the demo store (issue 20): every figure equals the same figure from the command or
 * API that owns it (costwise query, kpi, report allocation, report coverage, recommend savings, budget status),
 * action items are carried to the next review with their status now, and the PDF opens (a %PDF file with pages)
 * while the HTML renders to a non-blank page in Chromium.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReviewData } from "../../src/core/review/model.js";
import { reviewHtml } from "../../src/core/review/render.js";
import { DEMO_CONFIG_FILE, runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { reviewSection } from "../../src/core/config/sections/review.js";
import { parseConfig } from "../../src/engine/config/load-config.js";
import { buildReview } from "../../src/engine/review/build.js";
import { CHROMIUM_ARGS, htmlToPdf, htmlToPng } from "../../src/engine/review/pdf.js";
import { chromium } from "playwright-core";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer } from "../../src/server/app.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/store.js";

const CHROMIUM = "/usr/bin/chromium";

let work: { dir: string; cleanup: () => void };
let storePath: string;
let configPath: string;
let month: string;
let previous: string;

const cli = async (...args: string[]) => {
  const r = await runCli("--config", configPath, "--store", storePath, ...args);
  expect(r.code, `${args.join(" ")}\n${r.err}`).toBe(0);
  return r.out;
};

beforeAll(async () => {
  work = tempDir("costwise-review-");
  storePath = join(work.dir, "s.duckdb");
  const store = await DuckDbStore.open(storePath);
  try {
    const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(work.dir, "demo"), focusSample: null });
    await runDemoAnalyses(store, summary, { configDir: work.dir });
    month = summary.lastMonth.month;
  } finally {
    await store.close();
  }
  configPath = join(work.dir, DEMO_CONFIG_FILE);
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  previous = d.toISOString().slice(0, 7);
}, 300_000);

afterAll(() => work?.cleanup());

describe("costwise review on the demo", () => {
  it("its figures equal costwise query, kpi, report allocation, report coverage, recommend savings and budget status", async () => {
    // a recommendation done, so the ROI section and the savings KPI have something to say
    const recs = JSON.parse(await cli("--json", "recommend", "list")) as { recommendations?: { id: number }[] } | { id: number }[];
    const list = Array.isArray(recs) ? recs : (recs.recommendations ?? []);
    if (list[0]) await cli("recommend", "done", String(list[0].id));

    const review = JSON.parse(await cli("--json", "review", "--month", month)) as ReviewData;
    expect(review.month).toBe(month);
    expect(review.closed).toBe(true);

    // spend = costwise query for the month, per currency
    const { start, end } = review;
    const q = JSON.parse(await cli("--json", "query", "--metric", "EffectiveCost", "--group-by", "BillingCurrency", "--start", start, "--end", end)) as { rows: Record<string, string>[] };
    expect(review.spend.byCurrency.map((c) => [c.currency, c.amount]).sort()).toEqual(q.rows.map((r) => [r["BillingCurrency"], r["EffectiveCost"]]).sort());
    const qp = JSON.parse(await cli("--json", "query", "--metric", "EffectiveCost", "--filter", `BillingCurrency=${review.currency}`, "--start", `${previous}-01`, "--end", start)) as { rows: Record<string, string>[] };
    expect(review.spend.previousTotal).toBe(qp.rows[0]!["EffectiveCost"]);

    // KPIs = costwise kpi for the month
    const kpi = JSON.parse(await cli("--json", "kpi", "--month", month)) as { kpis: { id: string; value: string | null }[] };
    const tagged = kpi.kpis.find((k) => k.id === "tagged-spend")!;
    expect(review.tagCoverage.available).toBe(true);
    if (review.tagCoverage.available) expect(review.tagCoverage.percent).toBe(tagged.value);
    const saving = kpi.kpis.find((k) => k.id === "savings-realized")!;
    const savings = JSON.parse(await cli("--json", "recommend", "savings")) as { headline: { measuredMonthly: string } | null; totals: { currency: string; measuredMonthly: string; done: number }[] };
    expect(saving.value).toBe(savings.headline?.measuredMonthly ?? "0.0000000000");
    expect(review.recommendations.available).toBe(true);
    if (review.recommendations.available) {
      const t = savings.totals.find((x) => x.currency === (review.recommendations.available ? review.recommendations.currency : ""));
      expect(review.recommendations.allTime.measuredMonthly).toBe(t?.measuredMonthly ?? "0.0000000000");
      expect(review.recommendations.allTime.done).toBe(t?.done ?? 0);
    }

    // spend by owner = costwise report allocation (showback) for the month
    const store = await DuckDbStore.open(storePath);
    const config = parseConfig(readFileSync(configPath, "utf8"), configPath);
    const app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, workspace: { config, baseDir: work.dir } });
    try {
      const sb = (await app.inject({ method: "GET", url: `/api/v1/showback?month=${month}` })).json() as { month: string; currencies: { currency: string; total: string; unallocated: string; teams: { team: string; amount: string }[] }[] };
      expect(review.owners.available).toBe(true);
      if (review.owners.available) {
        const c = sb.currencies.find((x) => x.currency === (review.owners.available ? review.owners.currency : ""))!;
        expect(review.owners.total).toBe(c.total);
        expect(review.owners.unallocated).toBe(c.unallocated);
        expect(review.owners.teams.map((t) => [t.team, t.amount])).toEqual(c.teams.map((t) => [t.team, t.amount]));
      }
      // the API serves the saved review with the same figures
      const listed = (await app.inject({ method: "GET", url: "/api/v1/reviews" })).json() as { items: { month: string; total: string }[] };
      expect(listed.items.find((i) => i.month === month)?.total).toBe(review.spend.total);
      const one = (await app.inject({ method: "GET", url: `/api/v1/reviews/${month}` })).json() as { review: ReviewData; html: string };
      expect(one.review.spend.total).toBe(review.spend.total);
      expect(one.html).toContain(`FinOps review ${month}`);
      // the forecast made at the start of the month = the forecast-variance KPI's row for it
      const apiKpis = (await app.inject({ method: "GET", url: `/api/v1/kpis?month=${month}` })).json() as { kpis: { id: string; value: string | null; details?: { rows?: { month: string; scope: string; forecast: string }[] } }[] };
      const fv = apiKpis.kpis.find((k) => k.id === "forecast-variance")!;
      const row = fv.details?.rows?.find((r) => r.month === month && r.scope === "total");
      expect(row, "the demo saves a forecast the day before the month").toBeDefined();
      expect(review.forecast.available).toBe(true);
      if (review.forecast.available) {
        expect(review.forecast.forecast).toBe(row!.forecast);
        expect(review.forecast.variancePercent).toBe(fv.value);
      }
    } finally {
      await app.close();
      await store.close();
    }

    // budgets = costwise budget status as of the month's last day
    if (review.budgets.length) {
      const lastDay = new Date(`${end}T00:00:00Z`);
      lastDay.setUTCDate(lastDay.getUTCDate() - 1);
      const b = JSON.parse(await cli("--json", "budget", "status", "--as-of", lastDay.toISOString().slice(0, 10))) as { budgets?: { budget: string; actual: string }[] } | { budget: string; actual: string }[];
      const rows = Array.isArray(b) ? b : (b.budgets ?? []);
      for (const x of review.budgets) expect(x.actual).toBe(rows.find((r) => r.budget === x.name)?.actual);
    }

    // the Markdown names the same total (to the cent) and every section
    const md = await cli("review", "--month", month, "--no-save");
    for (const h of ["Spend, budget and forecast", "Top movers and root cause", "Spend by owner", "Unit costs", "Tag coverage", "Anomalies", "Recommendations and savings (ROI)", "Commitments", "Governance", "KPIs", "Action items"]) expect(md).toContain(`## ${h}`);
    const cents = Number(review.spend.total).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    expect(md).toContain(`**${cents} ${review.currency}**`);
  }, 240_000);

  it("review: settings — movers, trend, coverage tag, untagged list and currency as costwise.yaml asks", async () => {
    const store = await DuckDbStore.open(storePath);
    try {
      const config = parseConfig(readFileSync(configPath, "utf8"), configPath);
      const now = new Date(`${month}-28T00:00:00Z`);
      const plain = await buildReview(store, { config, baseDir: work.dir }, month, { now });
      const set = await buildReview(store, { config: { ...config, review: reviewSection.parse({ topMovers: 2, trendMonths: 3, tag: "environment", topUntagged: 2, currency: "EUR" }) }, baseDir: work.dir }, month, { now });
      expect(plain.topMovers.length).toBeGreaterThan(2);
      expect(set.topMovers).toEqual(plain.topMovers.slice(0, 2));
      expect(plain.spend.trend).toHaveLength(6);
      expect(set.spend.trend).toEqual(plain.spend.trend.slice(3));
      expect(set.spend.previousTotal).toBe(plain.spend.previousTotal);
      // EUR has no spend in the demo: the month's largest currency, as without the setting
      expect([set.currency, set.spend.total]).toEqual([plain.currency, plain.spend.total]);
      expect(plain.tagCoverage.available && plain.tagCoverage.tag).toBe("team");
      expect(set.tagCoverage.available && set.tagCoverage.tag).toBe("environment");
      if (plain.tagCoverage.available && set.tagCoverage.available) {
        expect(plain.tagCoverage.topUntagged.length).toBeGreaterThan(2);
        expect(set.tagCoverage.topUntagged).toHaveLength(2);
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  it("action items: raised in one review, carried to the next with their status now", async () => {
    const added = JSON.parse(await cli("--json", "review", "items", "add", "--month", previous, "--title", "Delete idle dev volumes", "--owner", "platform", "--due", `${month}-15`)) as { item: { id: number } };
    const closed = JSON.parse(await cli("--json", "review", "items", "add", "--month", previous, "--title", "Closed before", "--owner", "data", "--due", `${month}-01`)) as { item: { id: number } };
    await cli("review", "items", "set", String(added.item.id), "--status", "in-progress", "--note", "half done");
    await cli("review", "items", "set", String(closed.item.id), "--status", "done");
    await cli("review", "items", "add", "--month", month, "--title", "Raise tagged spend to 90%", "--owner", "finops", "--due", `${month}-28`);
    const r = JSON.parse(await cli("--json", "review", "--month", month, "--no-save")) as ReviewData;
    expect(r.actionItems.carried.map((i) => [i.title, i.status, i.note])).toContainEqual(["Delete idle dev volumes", "in-progress", "half done"]);
    expect(r.actionItems.raised.map((i) => [i.title, i.owner, i.dueDate])).toEqual([["Raise tagged spend to 90%", "finops", `${month}-28`]]);
    const listed = JSON.parse(await cli("--json", "review", "items", "list", "--status", "done")) as { items: { title: string }[] };
    expect(listed.items.map((i) => i.title)).toEqual(["Closed before"]);
    // bad input: a clear usage error, exit 2
    const bad = await runCli("--config", configPath, "--store", storePath, "review", "items", "set", String(added.item.id), "--status", "finished");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/status must be one of open, in-progress, done, dropped/);
    const badMonth = await runCli("--config", configPath, "--store", storePath, "review", "--month", "2026-13");
    expect(badMonth.code).toBe(2);
  }, 120_000);

  it.skipIf(process.env["CI"] !== "true" && !existsSync(CHROMIUM))("the PDF opens: %PDF with pages, page 1 drawn by Chromium's PDF viewer carries ink; the HTML renders non-blank", async () => {
    const out = join(work.dir, "review.pdf");
    await cli("review", "--month", month, "--format", "pdf", "--out", out, "--no-save");
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pdf.toString("latin1").trimEnd().endsWith("%%EOF")).toBe(true);

    // page 1 rendered by Chromium's PDF viewer: the sheet carries ink (a blank PDF's does not)
    const blankPdf = join(work.dir, "blank.pdf");
    writeFileSync(blankPdf, await htmlToPdf("<!doctype html><html><body></body></html>"));
    expect(await pageOneInk(blankPdf, 30_000)).toBe(0);
    expect(await pageOneInk(out, 30_000)).toBeGreaterThan(0.005);

    const data = JSON.parse(await cli("--json", "review", "--month", month, "--no-save")) as ReviewData;
    const png = await htmlToPng(reviewHtml(data));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(inkShare(png)).toBeGreaterThan(0.01);
    // a blank page has no ink: the check can fail
    expect(inkShare(await htmlToPng("<!doctype html><html><body></body></html>"))).toBe(0);
  }, 120_000);
});

/**
 * Opens a PDF file in Chromium's built-in viewer and returns the share of inked pixels inside page 1's sheet (at the
 * viewer's 100% zoom an A4 sheet spans x 393–1187 of a 1280-wide window); polls until ink shows or `waitMs` passes.
 */
async function pageOneInk(file: string, waitMs: number): Promise<number> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`file://${file}`).catch(() => undefined); // the viewer replaces the navigation
    // wait for the sheet (mostly white) to be drawn, then count dark (text) pixels on it
    const until = Date.now() + waitMs;
    for (;;) {
      await page.waitForTimeout(500);
      const shot = await page.screenshot({ clip: { x: 420, y: 80, width: 740, height: 620 } });
      const white = 1 - inkShare(shot);
      if (white > 0.5) return inkShare(shot, 128);
      if (Date.now() > until) throw new Error(`the PDF viewer drew no page within ${waitMs} ms`);
    }
  } finally {
    await browser.close();
  }
}

/** Share of pixels darker than `below` in any channel (default 240: not white) in an 8-bit RGB/RGBA PNG (filters undone). */
function inkShare(png: Buffer, below = 240): number {
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 3;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.subarray(off + 4, off + 8).toString("latin1");
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(body);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  let ink = 0;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels]! : 0;
      const b = prev[x]!;
      const c = x >= channels ? prev[x - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      cur[x] = (line[x]! + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) if (below === 240 ? cur[x * channels]! < 240 || cur[x * channels + 1]! < 240 || cur[x * channels + 2]! < 240 : Math.max(cur[x * channels]!, cur[x * channels + 1]!, cur[x * channels + 2]!) < below) ink++;
    cur.copy(prev);
  }
  return ink / (width * height);
}
