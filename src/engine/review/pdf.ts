/**
 * The review's PDF: its HTML printed by headless Chromium (playwright-core drives the browser already installed;
 * nothing is downloaded). The browser is /usr/bin/chromium unless COSTWISE_CHROMIUM names another executable.
 * Also a PNG of the HTML page (the dashboard and tests use it to check that the review renders).
 */
import { existsSync } from "node:fs";
import { CostwiseError } from "../../core/errors.js";

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export function chromiumPath(): string {
  const p = process.env["COSTWISE_CHROMIUM"] ?? "/usr/bin/chromium";
  if (!existsSync(p)) throw new CostwiseError("BAD_CONFIG", `no Chromium at ${p}: install chromium or set COSTWISE_CHROMIUM to its executable (needed for --format pdf)`);
  return p;
}

async function withPage<T>(html: string, fn: (page: import("playwright-core").Page) => Promise<T>): Promise<T> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 1400 } });
    // the review is self-contained (images are data: URIs): no request leaves the page
    await page.route("**/*", (route) => (route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: "load" });
    return await fn(page);
  } finally {
    await browser.close();
  }
}

/** The HTML printed to an A4 PDF, backgrounds kept. */
export async function htmlToPdf(html: string): Promise<Buffer> {
  return withPage(html, async (page) => Buffer.from(await page.pdf({ format: "A4", printBackground: true, margin: { top: "14mm", bottom: "14mm", left: "12mm", right: "12mm" } })));
}

/** A PNG screenshot of the HTML's first screen. */
export async function htmlToPng(html: string): Promise<Buffer> {
  return withPage(html, async (page) => Buffer.from(await page.screenshot({ type: "png", fullPage: false })));
}
